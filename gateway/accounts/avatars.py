"""Avatar images: uploads resized to the QQ sizes, and a generated default per user."""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, ImageDraw, UnidentifiedImageError

from gateway.accounts.errors import InvalidAvatar

# Every size a QQ user-info field names: figureurl (30), figureurl_qq_1 (40), figureurl_1 (50),
# figureurl_2 / figureurl_qq_2 (100), figureurl_qq (640).
SIZES = (30, 40, 50, 100, 640)
ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise InvalidAvatar("Upload a PNG, JPEG, GIF or WebP image.")
            if image.width * image.height > max_pixels:
                raise InvalidAvatar("The image is too large; upload one under 25 megapixels.")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise InvalidAvatar("That file is not an image we can read.") from exc
    return image


def _square(image: Image.Image) -> Image.Image:
    image = image.convert("RGB")
    side = min(image.size)
    left = (image.width - side) // 2
    top = (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def render_sizes(data: bytes, max_pixels: int) -> dict[int, bytes]:
    """Decode an uploaded image and render every avatar size as JPEG bytes."""
    square = _square(_open(data, max_pixels))
    rendered: dict[int, bytes] = {}
    for size in SIZES:
        out = io.BytesIO()
        square.resize((size, size), Image.Resampling.LANCZOS).save(out, "JPEG", quality=88)
        rendered[size] = out.getvalue()
    return rendered


def default_avatar(key: str, size: int) -> bytes:
    """A deterministic 5x5 mirrored identicon for users who never uploaded one (PNG)."""
    digest = hashlib.sha256(key.encode()).digest()
    colour = (digest[0], digest[1], digest[2])
    grid = Image.new("RGB", (5, 5), (240, 240, 240))
    draw = ImageDraw.Draw(grid)
    for row in range(5):
        for col in range(3):
            if digest[3 + row * 3 + col] % 2:
                draw.point((col, row), fill=colour)
                draw.point((4 - col, row), fill=colour)
    out = io.BytesIO()
    grid.resize((size, size), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()
