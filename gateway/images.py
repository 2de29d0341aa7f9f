"""Decoding untrusted image uploads (avatars, app icons) into square thumbnails."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


class UnreadableImage(ValueError):
    """The upload is not an image we accept; the message is safe to show."""


def decode_square(data: bytes, max_pixels: int, mode: str = "RGB") -> Image.Image:
    """Decode an upload, refusing non-images and decompression bombs; crop it to a square."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise UnreadableImage("Upload a PNG, JPEG, GIF or WebP image.")
            if image.width * image.height > max_pixels:
                raise UnreadableImage("The image is too large; upload one under 25 megapixels.")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        if isinstance(exc, UnreadableImage):
            raise
        raise UnreadableImage("That file is not an image we can read.") from exc
    image = image.convert(mode)
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def thumbnails(square: Image.Image, sizes: tuple[int, ...], fmt: str,
               **save_options: object) -> dict[int, bytes]:
    """Render a square image at each size, encoded as `fmt`."""
    rendered: dict[int, bytes] = {}
    for size in sizes:
        out = io.BytesIO()
        square.resize((size, size), Image.Resampling.LANCZOS).save(out, fmt, **save_options)
        rendered[size] = out.getvalue()
    return rendered
