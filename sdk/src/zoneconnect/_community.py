"""Typed models and request specs of the community resources (groups and photo albums)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ._config import ClientConfig
from ._models import opt_str, parse_datetime
from ._requests import API_PREFIX, _bearer
from ._retry import Replay
from ._sansio import RequestSpec
from ._tokens import Token


@dataclass(frozen=True)
class Group:
    """A group in which this app is installed, as the app sees it."""

    group_openid: str
    name: str
    description: str
    category: str
    member_count: int
    my_role: str
    daily_post_quota: int | None = None
    posts_today: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Group:
        """Parse one group object."""
        quota, today = data.get("daily_post_quota"), data.get("posts_today")
        return cls(group_openid=str(data["group_openid"]), name=str(data.get("name") or ""),
                   description=str(data.get("description") or ""),
                   category=str(data.get("category") or ""),
                   member_count=int(data.get("member_count") or 0),
                   my_role=str(data.get("my_role") or "member"),
                   daily_post_quota=None if quota is None else int(quota),
                   posts_today=None if today is None else int(today))


@dataclass(frozen=True)
class GroupMember:
    """A member who authorized this app, as their openid for it."""

    openid: str
    nickname: str
    role: str
    joined_at: datetime | None
    is_lost: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GroupMember:
        """Parse one member object."""
        return cls(openid=str(data["openid"]), nickname=str(data.get("nickname") or ""),
                   role=str(data.get("role") or "member"),
                   joined_at=parse_datetime(data.get("joined_at")),
                   is_lost=int(data.get("is_lost") or 0))


@dataclass(frozen=True)
class GroupMemberPage:
    """One page of members; pass `next` as `after` for the next page (None: last page)."""

    data: tuple[GroupMember, ...]
    next: str | None


@dataclass(frozen=True)
class GroupMessage:
    """A message the app posted in a group."""

    id: str
    group_openid: str
    created_at: datetime | None
    posts_left_today: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GroupMessage:
        """Parse the answer of a post."""
        return cls(id=str(data["id"]), group_openid=str(data["group_openid"]),
                   created_at=parse_datetime(data.get("created_at")),
                   posts_left_today=int(data.get("posts_left_today") or 0))


@dataclass(frozen=True)
class Album:
    """One of the user's photo albums."""

    id: str
    name: str
    description: str
    privacy: str
    photo_count: int
    cover_url: str | None
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Album:
        """Parse one album object."""
        return cls(id=str(data["id"]), name=str(data.get("name") or ""),
                   description=str(data.get("description") or ""),
                   privacy=str(data.get("privacy") or "public"),
                   photo_count=int(data.get("photo_count") or 0),
                   cover_url=opt_str(data.get("cover_url")),
                   created_at=parse_datetime(data.get("created_at")))


@dataclass(frozen=True)
class Photo:
    """A photo; `urls` has the large, medium and small renditions (signed when not public)."""

    id: str
    album_id: str
    title: str
    description: str
    width: int
    height: int
    urls: Mapping[str, str]
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Photo:
        """Parse one photo object."""
        return cls(id=str(data["id"]), album_id=str(data.get("album_id") or ""),
                   title=str(data.get("title") or ""),
                   description=str(data.get("description") or ""),
                   width=int(data.get("width") or 0), height=int(data.get("height") or 0),
                   urls={str(k): str(v) for k, v in (data.get("urls") or {}).items()},
                   created_at=parse_datetime(data.get("created_at")))


@dataclass(frozen=True)
class MultipartSpec(RequestSpec):
    """A request with a file part (httpx streams the file object; no whole copy is made)."""

    files: Mapping[str, tuple[str, Any, str]] = field(default_factory=dict)

    def build_kwargs(self) -> dict[str, Any]:
        """The base keyword arguments plus `files`."""
        kwargs = super().build_kwargs()
        kwargs["files"] = dict(self.files)
        return kwargs


def _path(*parts: str) -> str:
    return "/".join(quote(p, safe="") for p in parts)


def list_groups(config: ClientConfig, tok: Token) -> RequestSpec:
    """GET /api/v1/groups."""
    return RequestSpec("GET", config.url(f"{API_PREFIX}/groups"), _bearer(config, tok))


def retrieve_group(config: ClientConfig, tok: Token, group_openid: str) -> RequestSpec:
    """GET /api/v1/groups/{group_openid}."""
    return RequestSpec("GET", config.url(f"{API_PREFIX}/groups/{_path(group_openid)}"),
                       _bearer(config, tok))


def list_members(config: ClientConfig, tok: Token, group_openid: str, limit: int,
                 after: str | None) -> RequestSpec:
    """GET /api/v1/groups/{group_openid}/members."""
    params: dict[str, str | int] = {"limit": limit}
    if after:
        params["after"] = after
    return RequestSpec("GET", config.url(f"{API_PREFIX}/groups/{_path(group_openid)}/members"),
                       _bearer(config, tok), params=params)


def send_message(config: ClientConfig, tok: Token, group_openid: str,
                 body: dict[str, object]) -> RequestSpec:
    """POST /api/v1/groups/{group_openid}/messages (not idempotent: resent only unsent)."""
    return RequestSpec("POST",
                       config.url(f"{API_PREFIX}/groups/{_path(group_openid)}/messages"),
                       _bearer(config, tok), json=body, replay=Replay.UNSENT_ONLY)


def list_albums(config: ClientConfig, tok: Token) -> RequestSpec:
    """GET /api/v1/albums."""
    return RequestSpec("GET", config.url(f"{API_PREFIX}/albums"), _bearer(config, tok))


def create_album(config: ClientConfig, tok: Token, body: dict[str, object]) -> RequestSpec:
    """POST /api/v1/albums."""
    return RequestSpec("POST", config.url(f"{API_PREFIX}/albums"), _bearer(config, tok),
                       json=body, replay=Replay.UNSENT_ONLY)


def list_photos(config: ClientConfig, tok: Token, album_id: str) -> RequestSpec:
    """GET /api/v1/albums/{albumid}/photos."""
    return RequestSpec("GET", config.url(f"{API_PREFIX}/albums/{_path(album_id)}/photos"),
                       _bearer(config, tok))


def upload_photo(config: ClientConfig, tok: Token, album_id: str, picture: Any, filename: str,
                 content_type: str, fields: dict[str, str]) -> MultipartSpec:
    """POST /api/v1/albums/{albumid}/photos as multipart (`picture` and text fields)."""
    return MultipartSpec("POST", config.url(f"{API_PREFIX}/albums/{_path(album_id)}/photos"),
                         _bearer(config, tok), data=fields, replay=Replay.UNSENT_ONLY,
                         files={"picture": (filename, picture, content_type)})
