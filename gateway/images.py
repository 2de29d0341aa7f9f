"""Decoding untrusted image uploads (avatars, app icons) into square thumbnails."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from gateway.i18n import _l

ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


class UnreadableImage(ValueError):
    """The upload is not an image we accept; the message is safe to show."""


# Thumbnails are at most 640 px: an upload is reduced to about twice that before resampling,
# so the costly filter never runs on millions of pixels.
WORKING_SIDE = 1280


def decode_square(data: bytes, max_pixels: int, mode: str = "RGB") -> Image.Image:
    """Decode an upload under a pixel budget (refused from its header, before decoding, when
    bigger: the budget bounds the CPU an upload costs), refusing non-images and decompression
    bombs; crop it to a square reduced to at most about WORKING_SIDE."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise UnreadableImage(_l("Upload a PNG, JPEG, GIF or WebP image."))
            if image.width * image.height > max_pixels:
                raise UnreadableImage(_l("The image is too large; upload one of at most "
                                         "%(n)s megapixels.", n=f"{max_pixels / 1_000_000:g}"))
            if image.format == "JPEG":  # decoded straight at 1/2, 1/4 or 1/8 scale
                image.draft(mode, (WORKING_SIDE, WORKING_SIDE))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        if isinstance(exc, UnreadableImage):
            raise
        raise UnreadableImage(_l("That file is not an image we can read.")) from exc
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    if square.mode not in {"RGB", "RGBA", "L", "LA"}:  # palette and 1-bit: reduce() needs these
        square = square.convert(mode)
    if side >= 2 * WORKING_SIDE:
        square = square.reduce(side // WORKING_SIDE)
    return square.convert(mode)


def thumbnails(square: Image.Image, sizes: tuple[int, ...], fmt: str,
               **save_options: object) -> dict[int, bytes]:
    """Render a square image at each size, encoded as `fmt`."""
    rendered: dict[int, bytes] = {}
    for size in sizes:
        out = io.BytesIO()
        square.resize((size, size), Image.Resampling.LANCZOS).save(out, fmt, **save_options)
        rendered[size] = out.getvalue()
    return rendered
