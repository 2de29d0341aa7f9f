"""A person in Chromium uploads a photo on their album page and sees it there; the Demo Site
shows the seeded Demo Club's members who use it and alice's albums."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from gateway.albums.models import Album, Photo
from gateway.extensions import db
from tests.e2e.conftest import Stack
from tests.e2e.test_demo_site import log_in_on_demo_site, log_in_on_platform

pytestmark = pytest.mark.browser


def test_upload_a_photo_and_see_it_in_the_album(page, stack: Stack, tmp_path, shot) -> None:
    picture = tmp_path / "sunset.png"
    Image.new("RGB", (1200, 800), (240, 120, 20)).save(picture, "PNG")
    page.goto(stack.platform + "/login")
    log_in_on_platform(page, "alice", "alice-password")
    page.goto(stack.platform + "/space/alice")
    page.get_by_role("link", name="Photo albums").click()
    expect(page.locator("h1")).to_contain_text("albums")
    page.fill("#album-name", "Browser trip")
    page.get_by_role("button", name="Create album").click()
    expect(page.locator("h1")).to_have_text("Browser trip")
    page.set_input_files("#photo-picture", str(picture))
    page.fill("#photo-title", "Sunset from Chromium")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash")).to_contain_text("Photo added.")
    image = page.locator(".photo img").first
    expect(image).to_be_visible()
    # The browser really loaded the re-encoded rendition (natural size of the medium, 640 px).
    page.wait_for_function("() => document.querySelector('.photo img').naturalWidth > 0")
    assert page.evaluate("document.querySelector('.photo img').naturalWidth") == 640
    shot(page, "album")
    album = db.session.query(Album).filter_by(name="Browser trip").one()
    photo = db.session.query(Photo).filter_by(album_id=album.id).one()
    assert photo.title == "Sunset from Chromium" and (photo.width, photo.height) == (1200, 800)
    src = image.get_attribute("src")
    assert src and re.fullmatch(rf"https?://[^/]+/photos/{photo.key}/medium(\?s=.*)?", src)
    # 320 px wide: the album page still works on a phone.
    page.set_viewport_size({"width": 320, "height": 640})
    expect(page.locator(".photo img").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_demo_site_shows_the_club_members_and_albums(page, stack: Stack, shot) -> None:
    log_in_on_demo_site(page, stack)  # alice consents, devon never logged in to the site
    page.goto(stack.site + "/community")
    expect(page.locator("body")).to_contain_text("Demo Club")
    expect(page.locator(".members")).to_contain_text("Alice")
    expect(page.locator(".members")).not_to_contain_text("Devon")  # devon never authorized it
    expect(page.locator(".albums")).to_contain_text("Shenzhen")
    shot(page, "community")
