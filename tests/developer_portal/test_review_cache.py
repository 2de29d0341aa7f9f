"""Review decisions take effect for tokens at once in the process that made them."""

from __future__ import annotations

from gateway.apps.models import AppPermission
from gateway.apps.services import create_app
from gateway.developers import review
from gateway.extensions import db
from gateway.oauth.services import authenticate_access_token
from gateway.oauth.tokens import issue_tokens


def test_granting_a_permission_widens_live_tokens_at_once(app, factory):
    app.config["ZC_APP_CACHE_TTL"] = 3600  # a long cache: only eviction can explain the change
    devon, alice = factory.user("devon"), factory.user("alice")
    operator = factory.user("operator", is_admin=True)
    site, _ = create_app(devon, name="Site", redirect_uris=["https://s.example/cb"],
                         scopes=["add_share"], live=False)
    site.status = "live"
    db.session.commit()
    issued = issue_tokens(site, alice.id, ["get_user_info", "add_share"],
                          grant_type="authorization_code")
    from gateway.authorizations.services import record_consent

    record_consent(alice.id, site.id, ["get_user_info", "add_share"])
    db.session.commit()
    before = authenticate_access_token(issued.access_token)
    assert "add_share" not in before.scopes
    permission = db.session.query(AppPermission).filter_by(app_id=site.id,
                                                           scope="add_share").one()
    review.grant_permission(permission, operator)
    db.session.commit()
    assert "add_share" in authenticate_access_token(issued.access_token).scopes
