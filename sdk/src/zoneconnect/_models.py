"""Typed, immutable models of what the REST API returns, and their parsers from JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Event", "Order", "Share", "SharePage", "UserInfo"]


def parse_datetime(value: object) -> datetime | None:
    """Parse the contract's ISO 8601 UTC timestamps (`2026-11-22T10:00:00Z`)."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def split_scopes(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(s) for s in value)
    if not isinstance(value, str):
        return ()
    return tuple(s for s in value.replace(",", " ").replace("+", " ").split() if s)


@dataclass(frozen=True)
class UserInfo:
    """The user's profile from `GET /api/v1/me`."""

    openid: str
    unionid: str | None
    nickname: str
    gender: str
    province: str | None
    city: str | None
    birth_year: int | None
    avatars: Mapping[str, str]

    @property
    def avatar(self) -> str | None:
        """The 100 px avatar URL (or the largest available)."""
        if "100" in self.avatars:
            return self.avatars["100"]
        sizes = sorted(self.avatars, key=lambda s: int(s) if s.isdigit() else 0)
        return self.avatars[sizes[-1]] if sizes else None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UserInfo:
        """Parse the `/api/v1/me` body."""
        avatars = data.get("avatars") or {}
        birth_year = data.get("birth_year")
        return cls(
            openid=str(data["openid"]),
            unionid=opt_str(data.get("unionid")),
            nickname=str(data.get("nickname") or ""),
            gender=str(data.get("gender") or "unknown"),
            province=opt_str(data.get("province")),
            city=opt_str(data.get("city")),
            birth_year=int(birth_year) if birth_year is not None else None,
            avatars={str(k): str(v) for k, v in dict(avatars).items()},
        )


@dataclass(frozen=True)
class Share:
    """A share posted by this app for a user."""

    id: str
    title: str
    url: str
    summary: str | None
    comment: str | None
    images: tuple[str, ...]
    site: str | None
    fromurl: str | None
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Share:
        """Parse one share object."""
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            url=str(data.get("url") or ""),
            summary=opt_str(data.get("summary")),
            comment=opt_str(data.get("comment")),
            images=tuple(str(i) for i in data.get("images") or ()),
            site=opt_str(data.get("site")),
            fromurl=opt_str(data.get("fromurl")),
            created_at=parse_datetime(data.get("created_at")),
        )


@dataclass(frozen=True)
class SharePage:
    """One page of `shares.list`; pass `next_before` as `before=` for the next page."""

    data: tuple[Share, ...]
    has_more: bool

    @property
    def next_before(self) -> str | None:
        """The cursor for the next page, or None on the last page."""
        return self.data[-1].id if self.has_more and self.data else None


def livemode_of(data: Mapping[str, Any]) -> bool:
    """`livemode` of an object or event: absent (servers before sandbox mode) means live; any
    value but a JSON true means not live, so a malformed flag never passes for a real sale."""
    return data.get("livemode", True) is True


@dataclass(frozen=True)
class Order:
    """A payment order for a virtual good."""

    order_id: str
    status: str
    amount: int
    item_id: str
    item_name: str
    openid: str
    confirm_url: str | None
    notify_url: str | None
    created_at: datetime | None
    paid_at: datetime | None
    refunded_at: datetime | None
    return_url: str | None = None
    # False for a sandbox order (the app was in sandbox mode): paid in test coins, never
    # settled. Deliver real goods only for `livemode is True`.
    livemode: bool = True

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Order:
        """Parse one order object."""
        return cls(
            order_id=str(data["order_id"]),
            status=str(data["status"]),
            amount=int(data["amount"]),
            item_id=str(data.get("item_id") or ""),
            item_name=str(data.get("item_name") or ""),
            openid=str(data.get("openid") or ""),
            confirm_url=opt_str(data.get("confirm_url")),
            notify_url=opt_str(data.get("notify_url")),
            created_at=parse_datetime(data.get("created_at")),
            paid_at=parse_datetime(data.get("paid_at")),
            refunded_at=parse_datetime(data.get("refunded_at")),
            return_url=opt_str(data.get("return_url")),
            livemode=livemode_of(data),
        )


@dataclass(frozen=True)
class Event:
    """A verified webhook event (`order.paid`, `order.refunded`, `user.deauthorized`)."""

    id: str
    type: str
    created: int
    data: Mapping[str, Any]
    # False for an event about a sandbox object (a sandbox order), as in Stripe's test mode.
    livemode: bool = True

    @property
    def order(self) -> Order | None:
        """The order carried by an `order.*` event, parsed."""
        return Order.from_json(self.data) if self.type.startswith("order.") else None
