"""Consent records: granting, widening, revoking."""

from __future__ import annotations

from sqlalchemy import select

from gateway.apps.services import create_app
from gateway.audit.models import AuditEvent
from gateway.authorizations import services
from gateway.extensions import db


def test_consent_accumulates_and_revocation_clears(factory):
    devon, alice = factory.user("devon"), factory.user("alice")
    app, _ = create_app(devon, name="Site", redirect_uris=["https://s.example/cb"])
    assert services.granted_scopes(alice.id, app.id) == set()
    services.record_consent(alice.id, app.id, ["get_user_info"])
    services.record_consent(alice.id, app.id, ["add_share"])
    assert services.granted_scopes(alice.id, app.id) == {"get_user_info", "add_share"}
    assert services.revoke(alice.id, app.id) is not None
    assert services.granted_scopes(alice.id, app.id) == set()
    assert services.revoke(alice.id, app.id) is None
    services.record_consent(alice.id, app.id, ["get_user_info"])
    assert services.granted_scopes(alice.id, app.id) == {"get_user_info"}
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("consent.%")).order_by(AuditEvent.id)))
    assert actions == ["consent.given", "consent.given", "consent.revoked", "consent.given"]
