"""Uploads are re-encoded: EXIF (and location) removed unless kept, upright, in renditions."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gateway.albums import processing
from gateway.uploads import PayloadTooLarge, UnsupportedMediaType
from tests.albums.conftest import picture

GPS = {1: "N", 2: (22.0, 32.0, 0.0), 3: "E", 4: (114.0, 3.0, 0.0)}


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0112] = orientation
    exif[0x8825] = GPS
    return exif


def test_location_and_every_other_tag_are_stripped_by_default() -> None:
    rendered = processing.render(io.BytesIO(picture(exif=_exif())), max_pixels=10**8)
    for data in rendered.renditions.values():
        exif = Image.open(io.BytesIO(data)).getexif()
        assert not dict(exif) and not exif.get_ifd(0x8825)


def test_location_kept_when_asked_and_nothing_else() -> None:
    rendered = processing.render(io.BytesIO(picture(exif=_exif())), max_pixels=10**8,
                                 keep_location=True)
    exif = Image.open(io.BytesIO(rendered.renditions["large"])).getexif()
    assert exif.get_ifd(0x8825)[2] == (22.0, 32.0, 0.0)
    assert 0x010F not in exif


def test_orientation_is_applied_and_renditions_fit() -> None:
    rendered = processing.render(io.BytesIO(picture(size=(2400, 1200), exif=_exif(6))),
                                 max_pixels=10**8)
    assert (rendered.width, rendered.height) == (1200, 2400)  # rotated upright
    sizes = {n: Image.open(io.BytesIO(d)).size for n, d in rendered.renditions.items()}
    assert sizes == {"large": (800, 1600), "medium": (320, 640), "small": (100, 200)}
    assert rendered.content_type == "image/jpeg"


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP", "BMP", "JPEG"])
def test_every_accepted_format(fmt: str) -> None:
    rendered = processing.render(io.BytesIO(picture(fmt, (120, 90))), max_pixels=10**8)
    assert Image.open(io.BytesIO(rendered.renditions["small"])).format in {"JPEG", "PNG"}


def test_transparency_stays_png() -> None:
    rendered = processing.render(io.BytesIO(picture("PNG", (50, 50), mode="RGBA")),
                                 max_pixels=10**8)
    assert rendered.content_type == "image/png"


@pytest.mark.parametrize("data", [b"", b"GIF89a", b"%PDF-1.4", b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
                                  b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_not_pictures(data: bytes) -> None:
    with pytest.raises(UnsupportedMediaType):
        processing.render(io.BytesIO(data), max_pixels=10**8)


def test_truncated_jpeg_is_refused() -> None:
    whole = picture(size=(400, 400))
    with pytest.raises(UnsupportedMediaType):
        processing.render(io.BytesIO(whole[: len(whole) // 2]), max_pixels=10**8)


def test_tiff_is_refused_even_though_pillow_reads_it() -> None:
    with pytest.raises(UnsupportedMediaType):
        processing.render(io.BytesIO(picture("TIFF", (10, 10))), max_pixels=10**8)


def test_pixel_limit() -> None:
    with pytest.raises(PayloadTooLarge):
        processing.render(io.BytesIO(picture("PNG", (200, 200))), max_pixels=10_000)
