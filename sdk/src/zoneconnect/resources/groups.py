"""`client.groups`: the user's groups in which this app is installed, their members who
authorized the app, and posting messages (scopes get_group_list, get_group_info,
get_group_members, send_group_msg)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import _community as cm
from .._base import BaseClient
from .._sansio import Plan, parse_json
from .._tokens import Token

if TYPE_CHECKING:
    from .._async_client import AsyncClient
    from .._client import Client


def _groups(body: dict[str, Any]) -> list[cm.Group]:
    return [cm.Group.from_json(g) for g in body["data"]]


def _members(body: dict[str, Any]) -> cm.GroupMemberPage:
    return cm.GroupMemberPage(data=tuple(cm.GroupMember.from_json(m) for m in body["data"]),
                              next=body.get("next") or None)


def list_plan(client: BaseClient, token: Token) -> Plan[list[cm.Group]]:
    """Plan: GET /api/v1/groups."""
    return client._authed(token, lambda t: cm.list_groups(client._config, t),
                          lambda r: parse_json(r, _groups))


def retrieve_plan(client: BaseClient, token: Token, group_openid: str) -> Plan[cm.Group]:
    """Plan: GET /api/v1/groups/{group_openid}."""
    return client._authed(token, lambda t: cm.retrieve_group(client._config, t, group_openid),
                          lambda r: parse_json(r, cm.Group.from_json))


def members_plan(client: BaseClient, token: Token, group_openid: str, limit: int,
                 after: str | None) -> Plan[cm.GroupMemberPage]:
    """Plan: GET /api/v1/groups/{group_openid}/members."""
    return client._authed(
        token, lambda t: cm.list_members(client._config, t, group_openid, limit, after),
        lambda r: parse_json(r, _members))


def send_plan(client: BaseClient, token: Token, group_openid: str, content: str,
              title: str | None) -> Plan[cm.GroupMessage]:
    """Plan: POST /api/v1/groups/{group_openid}/messages."""
    body: dict[str, object] = {"content": content}
    if title is not None:
        body["title"] = title
    return client._authed(
        token, lambda t: cm.send_message(client._config, t, group_openid, body),
        lambda r: parse_json(r, cm.GroupMessage.from_json))


class Groups:
    """Blocking `client.groups`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, token: Token) -> list[cm.Group]:
        """The user's groups in which this app is installed."""
        return self._client._run(list_plan(self._client, token))

    def retrieve(self, token: Token, group_openid: str) -> cm.Group:
        """One group (the app installed there, the user a member)."""
        return self._client._run(retrieve_plan(self._client, token, group_openid))

    def members(self, token: Token, group_openid: str, *, limit: int = 100,
                after: str | None = None) -> cm.GroupMemberPage:
        """One page of the members who authorized this app."""
        return self._client._run(members_plan(self._client, token, group_openid, limit, after))

    def send_message(self, token: Token, group_openid: str, content: str, *,
                     title: str | None = None) -> cm.GroupMessage:
        """Post in the group for the user, labelled with the app (a daily quota per group)."""
        return self._client._run(send_plan(self._client, token, group_openid, content, title))


class AsyncGroups:
    """Async `client.groups`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self, token: Token) -> list[cm.Group]:
        """The user's groups in which this app is installed."""
        return await self._client._run(list_plan(self._client, token))

    async def retrieve(self, token: Token, group_openid: str) -> cm.Group:
        """One group (the app installed there, the user a member)."""
        return await self._client._run(retrieve_plan(self._client, token, group_openid))

    async def members(self, token: Token, group_openid: str, *, limit: int = 100,
                      after: str | None = None) -> cm.GroupMemberPage:
        """One page of the members who authorized this app."""
        return await self._client._run(
            members_plan(self._client, token, group_openid, limit, after))

    async def send_message(self, token: Token, group_openid: str, content: str, *,
                           title: str | None = None) -> cm.GroupMessage:
        """Post in the group for the user, labelled with the app (a daily quota per group)."""
        return await self._client._run(
            send_plan(self._client, token, group_openid, content, title))
