"""Untrusted photo uploads decoded safely and re-encoded as renditions, without EXIF.

Nothing of the uploaded file is stored as sent: the pixels are decoded (after the pixel count is
checked from the header, so a decompression bomb is refused before it is expanded), turned
upright from the EXIF orientation, and encoded again as JPEG (PNG when the picture has
transparency). Every EXIF tag goes, except the GPS block when the uploader chose to keep it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from gateway.albums.models import RENDITIONS
from gateway.i18n import _
from gateway.uploads import PayloadTooLarge, UnsupportedMediaType

ACCEPTED = {"JPEG", "PNG", "GIF", "WEBP", "BMP"}
GPS_IFD = 0x8825


@dataclass(frozen=True)
class Rendered:
    """The re-encoded renditions of one upload."""

    content_type: str
    width: int
    height: int
    renditions: dict[str, bytes]


def _open(stream: BinaryIO, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
            if image.format not in ACCEPTED:
                raise UnsupportedMediaType(_("Upload a JPEG, PNG, GIF, WebP or BMP picture."))
            if image.width * image.height > max_pixels:
                raise PayloadTooLarge(max_pixels, _(
                    "The picture has too many pixels (limit: %(limit)s).", limit=max_pixels))
            image.load()
    except (UnidentifiedImageError, SyntaxError, ValueError, OSError, EOFError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        if isinstance(exc, Image.DecompressionBombWarning | Image.DecompressionBombError):
            raise PayloadTooLarge(max_pixels) from exc
        raise UnsupportedMediaType(_("That file is not a picture we can read.")) from exc
    return image


def _location(image: Image.Image) -> bytes | None:
    gps = image.getexif().get_ifd(GPS_IFD)
    if not gps:
        return None
    kept = Image.Exif()
    kept[GPS_IFD] = dict(gps)
    return kept.tobytes()


def render(stream: BinaryIO, *, max_pixels: int, keep_location: bool = False) -> Rendered:
    """Decode an upload and render every size in RENDITIONS (never larger than the original)."""
    image = _open(stream, max_pixels)
    location = _location(image) if keep_location else None
    try:
        image = ImageOps.exif_transpose(image) or image
    except (ValueError, OSError, SyntaxError, TypeError) as exc:
        raise UnsupportedMediaType(_("That file is not a picture we can read.")) from exc
    alpha = image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and
                                                    "transparency" in image.info)
    image = image.convert("RGBA" if alpha else "RGB")
    fmt, content_type = ("PNG", "image/png") if alpha else ("JPEG", "image/jpeg")
    options: dict[str, object] = {"optimize": True} if alpha else {"quality": 86}
    if location and fmt == "JPEG":
        options["exif"] = location
    renditions = {}
    for name, side in RENDITIONS.items():
        copy = image.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        copy.save(out, fmt, **options)
        renditions[name] = out.getvalue()
    return Rendered(content_type, image.width, image.height, renditions)
