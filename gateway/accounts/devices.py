"""Where an account is signed in: devices named from the user agent, and the new-device mail.

Built on the server-side session records (gateway/accounts/sessions.py). A sign-in is "new" when
no earlier session of the account had the same browser, system and device family; the very first
sign-in of an account (its sign-up) sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from user_agents import parse

from gateway.accounts import sessions
from gateway.accounts.models import User, UserSession
from gateway.extensions import db
from gateway.i18n import _, _l
from gateway.mail import services as mail


@dataclass(frozen=True)
class Device:
    """One live session as the sessions page shows it."""

    id: int
    name: str
    address: str
    first_seen: datetime
    last_seen: datetime
    current: bool


def device_name(user_agent: str) -> str:
    """"Chrome 120 on Linux", "Mobile Safari on iOS", or "Unknown device"."""
    agent = parse(user_agent or "")
    browser = agent.browser.family
    if browser == "Other":
        return _("Unknown device")
    version = agent.browser.version_string.split(".")[0]
    system = agent.os.family if agent.os.family != "Other" else ""
    named = f"{browser} {version}".strip()
    return _("%(browser)s on %(system)s", browser=named, system=system) if system else named


def _signature(user_agent: str) -> tuple[str, str, str]:
    agent = parse(user_agent or "")
    return agent.browser.family, agent.os.family, agent.device.family


def devices(user: User) -> list[Device]:
    """The account's live sessions, this one first."""
    here = sessions.current_session()
    found = [Device(r.id, device_name(r.user_agent), r.ip_address or "?", r.created_at,
                    r.last_seen_at, here is not None and r.id == here.id)
             for r in sessions.active_sessions(user.id)]
    return sorted(found, key=lambda d: not d.current)


def tell_if_new_device(user: User, record: UserSession) -> bool:
    """Mail the owner when this sign-in comes from a device the account never used."""
    earlier = db.session.scalars(select(UserSession.user_agent).where(
        UserSession.user_id == user.id, UserSession.id != record.id)).all()
    if not earlier or not user.email:
        return False
    if _signature(record.user_agent) in {_signature(agent) for agent in earlier}:
        return False
    mail.queue("new_device", user.email, _l("New sign-in to your ZoneConnect account"),
               user=user, device=device_name(record.user_agent), address=record.ip_address,
               when=record.created_at.strftime("%Y-%m-%d %H:%M UTC"),
               sessions_url=mail.public_url("devices.list_sessions"),
               forgot_url=mail.public_url("recovery.forgot"))
    return True
