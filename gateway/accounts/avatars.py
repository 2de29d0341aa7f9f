"""Avatar images: uploads resized to the QQ sizes, and a generated default per user."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw

from gateway import images
from gateway.accounts.errors import InvalidAvatar

# Every size a QQ user-info field names: figureurl (30), figureurl_qq_1 (40), figureurl_1 (50),
# figureurl_2 / figureurl_qq_2 (100), figureurl_qq (640).
SIZES = (30, 40, 50, 100, 640)


def render_sizes(data: bytes, max_pixels: int) -> dict[int, bytes]:
    """Decode an uploaded image and render every avatar size as JPEG bytes."""
    try:
        square = images.decode_square(data, max_pixels)
    except images.UnreadableImage as exc:
        raise InvalidAvatar(str(exc)) from exc
    return images.thumbnails(square, SIZES, "JPEG", quality=88)


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
