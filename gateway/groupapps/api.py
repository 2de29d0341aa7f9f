"""REST `/api/v1/groups`: an installed app reads a member's groups, their members who
authorized it, and posts messages (all through the open API guard: scopes, quotas, usage)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from gateway.albums.services import load
from gateway.extensions import csrf
from gateway.groupapps import services
from gateway.groupapps.models import Installation
from gateway.groupapps.schemas import MembersQuerySchema, MessageCreateSchema
from gateway.groups import services as groups
from gateway.groups.models import Group
from gateway.oauth.services import AccessContext
from gateway.openapi.guard import protected
from gateway.timeutil import isoformat

api_bp = Blueprint("groups_api", __name__, url_prefix="/api/v1/groups")
csrf.exempt(api_bp)


def _uid(ctx: AccessContext) -> int:
    assert ctx.user_id is not None  # the guard refuses tokens that speak for no user
    return ctx.user_id


def _group_json(installation: Installation, group: Group, role: str) -> dict[str, Any]:
    return {"group_openid": installation.group_openid, "name": group.name,
            "description": group.description, "category": group.category,
            "member_count": groups.member_count(group.id), "my_role": role}


@api_bp.get("")
@protected("get_group_list", ("get_group_list",), legacy=False)
def group_list(ctx: AccessContext) -> Response:
    """The user's groups in which this app is installed."""
    return jsonify({"data": [_group_json(i, g, r)
                             for i, g, r in services.groups_for(ctx.app_id, _uid(ctx))]})


@api_bp.get("/<group_openid>")
@protected("get_group_info", ("get_group_info",), legacy=False)
def group_info(ctx: AccessContext, group_openid: str) -> Response:
    """One group (the app must be installed there and the user a member)."""
    installation, group = services.resolve(ctx.app_id, _uid(ctx), group_openid)
    role = groups.role_of(group.id, _uid(ctx)) or "member"
    return jsonify({**_group_json(installation, group, role),
                    "daily_post_quota": services.daily_limit(ctx.app_id),
                    "posts_today": services.posts_today(group.id, ctx.app_id)})


@api_bp.get("/<group_openid>/members")
@protected("get_group_members", ("get_group_members",), legacy=False)
def members(ctx: AccessContext, group_openid: str) -> Response:
    """Members who authorized this app, each as their openid for it (pages by openid)."""
    query = load(MembersQuerySchema(), request.args.to_dict())
    _, group = services.resolve(ctx.app_id, _uid(ctx), group_openid)
    found = services.members_for_app(group, ctx.app_id, after=query["after"],
                                     limit=query["limit"])
    return jsonify({"data": [{"openid": m.openid, "nickname": m.nickname or m.username,
                              "role": m.role, "joined_at": isoformat(m.joined_at),
                              "is_lost": 0} for m in found["members"]],
                    "next": found["next"]})


@api_bp.post("/<group_openid>/messages")
@protected("send_group_msg", ("send_group_msg",), legacy=False)
def send_message(ctx: AccessContext, group_openid: str) -> tuple[Response, int]:
    """Post to the group's board for the member, labelled with the app; a daily quota per group."""
    body = load(MessageCreateSchema(), request.get_json(silent=True))
    installation, group = services.resolve(ctx.app_id, _uid(ctx), group_openid)
    post = services.send_message(group, ctx.app_id, _uid(ctx),
                                 {"title": body["title"], "body": body["content"]})
    left = services.daily_limit(ctx.app_id) - services.posts_today(group.id, ctx.app_id)
    return jsonify({"id": str(post.id), "group_openid": installation.group_openid,
                    "created_at": isoformat(post.created_at),
                    "posts_left_today": max(left, 0)}), 201
