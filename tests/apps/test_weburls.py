"""URL fields: scheme, host, port and length checked, IDN hosts stored in ASCII; bad ones are a
422 naming the field and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.apps.models import App
from gateway.apps.services import check_redirect_uri
from gateway.extensions import db
from gateway.weburls import UrlProblem, normalize_http_url
from tests.developer_portal.helpers import API_KEY, developer, page, post_form


@pytest.mark.parametrize(("given", "stored"), [
    ("https://Bücher.Example/hook", "https://xn--bcher-kva.example/hook"),
    ("HTTPS://例え.jp:8443/a?b=1", "https://xn--r8jz45g.jp:8443/a?b=1"),
    ("https://HOOKS.example.com./x", "https://hooks.example.com/x"),
    ("  https://hooks.example.com/x  ", "https://hooks.example.com/x"),
    ("https://[2001:db8::1]:8080/", "https://[2001:db8::1]:8080/"),
])
def test_normalized(given, stored):
    assert normalize_http_url(given) == stored


@pytest.mark.parametrize("bad", [
    "ftp://hooks.example.com/", "javascript:alert(1)", "https://", "https://:443/x",
    "https://hooks.example.com:0/", "https://hooks.example.com:99999/",
    "https://hooks.example.com:abc/", "https://user:pw@hooks.example.com/",
    "https://hooks.example.com/" + "a" * 600, "https://hooks.example.com/a b",
    "https://bad..example/", "https://xn--zz.example/", "https://\u200d.example/",
    "https://hooks.example.com/\x00",
])
def test_refused(bad):
    with pytest.raises(UrlProblem):
        normalize_http_url(bad)


@pytest.mark.parametrize("bad", ["https://site.example:99999/cb", "https://:80/cb",
                                 "https://u@site.example/cb", "https://site.example:x/cb"])
def test_redirect_uris_check_port_and_host(bad):
    assert check_redirect_uri(bad) is not None


def test_the_management_api_stores_the_ascii_form_and_refuses_bad_ports(client, auth, factory):
    _, appid, _ = developer(client, auth, factory, "devon", "Photo Share")
    made = post_form(client, "/developer/keys", "/developer/keys",
                     {"name": "ci", "scope": "write"})
    bearer = {"Authorization": "Bearer " + API_KEY.search(
        page(client, made.headers["Location"])).group(1)}
    ok = client.patch(f"/api/v1/manage/apps/{appid}", headers=bearer,
                      json={"website": "https://Bücher.Example/shop"})
    assert ok.status_code == 200, ok.json
    assert ok.json["website"] == "https://xn--bcher-kva.example/shop"
    bad = client.patch(f"/api/v1/manage/apps/{appid}", headers=bearer,
                       json={"website": "https://shop.example:70000/",
                             "description": "changed"})
    assert bad.status_code == 422 and "website" in bad.json["fields"]
    db.session.expire_all()
    row = db.session.scalar(select(App).where(App.appid == appid))
    assert row.website == "https://xn--bcher-kva.example/shop" and row.description != "changed"
