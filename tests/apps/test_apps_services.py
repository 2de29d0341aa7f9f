"""Registering apps, their keys, who may use them, and pairwise identifiers."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest

from gateway.apps import services
from gateway.apps.errors import AppNotFound, AppNotLive, InvalidAppKey
from gateway.apps.models import App
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.identity.services import openid_for, unionid_for, user_id_for_openid
from gateway.timeutil import utcnow


@pytest.fixture
def devon(factory):
    return factory.user("devon")


NAMES = itertools.count(1)


def make_app(devon, **kwargs):
    kwargs.setdefault("name", f"Site {next(NAMES)}")  # names are unique per developer
    kwargs.setdefault("redirect_uris", ["https://site.example/cb"])
    app, key = services.create_app(devon, **kwargs)
    db.session.commit()
    return app, key


def test_appid_is_numeric_and_key_is_stored_hashed(devon):
    app, key = make_app(devon)
    assert app.appid.isdigit() and int(app.appid) > 101000000
    assert len(key) == 32 and key == key.upper()
    assert key not in (app.appkey_digest, app.previous_appkey_digest)
    services.verify_appkey(app, key)
    with pytest.raises(InvalidAppKey) as err:
        services.verify_appkey(app, key.lower())
    assert err.value.ret == 100009


def test_default_scopes_granted_others_requested(devon):
    app, _ = make_app(devon, scopes=["add_share"])
    states = {p.scope: p.status for p in app.permissions}
    assert states["get_user_info"] == "granted" and states["add_share"] == "requested"
    live, _ = make_app(devon, scopes=["add_share"], live=True)
    assert "add_share" in live.granted_scopes()


@pytest.mark.parametrize("uri", ["http://site.example/cb", "https://x.example/cb#frag",
                                 "javascript:alert(1)", "ftp://x/y", ""])
def test_bad_redirect_uris_are_refused(devon, uri):
    with pytest.raises(ValidationFailed):
        make_app(devon, redirect_uris=[uri])
    assert db.session.query(App).count() == 0


def test_loopback_and_private_scheme_redirects_are_allowed(devon):
    app, _ = make_app(devon, app_type="native",
                      redirect_uris=["http://127.0.0.1/cb", "com.example.app:/oauth"])
    assert app.is_public_client and len(app.redirect_uris) == 2


def test_rotation_keeps_old_key_during_overlap(devon):
    app, old = make_app(devon)
    new = services.rotate_appkey(app, actor_id=devon.id, overlap_seconds=3600)
    services.verify_appkey(app, new)
    services.verify_appkey(app, old)
    app.previous_appkey_expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(InvalidAppKey):
        services.verify_appkey(app, old)


def test_rotation_without_overlap_kills_old_key(devon):
    app, old = make_app(devon)
    services.rotate_appkey(app, actor_id=devon.id)
    with pytest.raises(InvalidAppKey):
        services.verify_appkey(app, old)


def test_unknown_appids(devon):
    for bad in (None, "", "abc", "1" * 40, "999999999"):
        with pytest.raises(AppNotFound):
            services.find_by_appid(bad)


def test_draft_app_only_for_developer_and_test_users(devon, factory):
    app, _ = make_app(devon)
    tester, stranger = factory.user(), factory.user()
    services.ensure_usable_by(app, devon.id)
    with pytest.raises(AppNotLive) as err:
        services.ensure_usable_by(app, tester.id)
    assert err.value.ret == 100011
    services.add_test_user(app, tester)
    services.ensure_usable_by(app, tester.id)
    with pytest.raises(AppNotLive):
        services.ensure_usable_by(app, stranger.id)
    app.status = "suspended"
    with pytest.raises(AppNotLive):
        services.ensure_usable_by(app, devon.id)


def test_openid_per_app_and_unionid_per_developer(devon, factory):
    alice, other_dev = factory.user("alice"), factory.user("otherdev")
    one, _ = make_app(devon, name="One")
    two, _ = make_app(devon, name="Two")
    three, _ = make_app(other_dev, name="Three")
    ids = {openid_for(alice.id, a) for a in (one, two, three)}
    assert len(ids) == 3 and all(len(i) == 32 and i.isupper() for i in ids)
    assert openid_for(alice.id, one) == openid_for(alice.id, one)
    assert user_id_for_openid(one, openid_for(alice.id, one)) == alice.id
    assert user_id_for_openid(two, openid_for(alice.id, one)) is None
    union = unionid_for(alice.id, devon.id)
    assert union.startswith("UID_") and len(union) == 36
    assert unionid_for(alice.id, devon.id) == union != unionid_for(alice.id, other_dev.id)


def test_cli_apps_create_prints_credentials(runner, devon):
    result = runner.invoke(args=["apps", "create", "--developer", "devon", "--name", "CLI App",
                                 "--redirect-uri", "https://a.example/cb", "--redirect-uri",
                                 "https://b.example/cb", "--scope", "add_share", "--live"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    app = services.find_by_appid(payload["appid"])
    services.verify_appkey(app, payload["appkey"])
    assert app.is_live and app.redirect_uris == ["https://a.example/cb", "https://b.example/cb"]


def test_cli_apps_create_unknown_developer(runner):
    result = runner.invoke(args=["apps", "create", "--developer", "ghost", "--name", "X",
                                 "--redirect-uri", "https://a.example/cb"])
    assert result.exit_code == 1 and "ghost" in result.output


def test_a_developer_cannot_register_two_apps_with_one_name(devon):
    make_app(devon, name="Twin")
    with pytest.raises(ValidationFailed) as refused:
        make_app(devon, name="Twin")  # outside a request (the CLI): the message still renders
    assert "already have an app called" in refused.value.fields["name"][0]
