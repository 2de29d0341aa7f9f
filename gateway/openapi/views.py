"""User info three ways: legacy `/user/*` (QQ wire format) and REST `GET /api/v1/me`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from gateway.extensions import csrf
from gateway.identity.services import unionid_for
from gateway.oauth.services import AccessContext, TokenUser
from gateway.openapi import profile
from gateway.openapi.guard import legacy_json, protected

legacy_bp = Blueprint("openapi_legacy", __name__)
api_bp = Blueprint("openapi_api", __name__, url_prefix="/api/v1")
csrf.exempt(legacy_bp)
csrf.exempt(api_bp)


def _user(ctx: AccessContext) -> TokenUser:
    assert ctx.user is not None  # the guard refuses tokens that speak for no user
    return ctx.user


@legacy_bp.route("/user/get_user_info", methods=["GET", "POST"])
@protected("get_user_info", ("get_user_info",), legacy=True)
def get_user_info(ctx: AccessContext) -> Response:
    """QQ get_user_info: the profile in QQ's field names and types."""
    return legacy_json(profile.legacy_user_info(profile.build_profile(_user(ctx))))


@legacy_bp.route("/user/get_simple_userinfo", methods=["GET", "POST"])
@protected("get_simple_userinfo", ("get_simple_userinfo", "get_user_info"), legacy=True)
def get_simple_userinfo(ctx: AccessContext) -> Response:
    """QQ get_simple_userinfo: nickname and avatars."""
    return legacy_json(profile.legacy_simple_userinfo(profile.build_profile(_user(ctx))))


@legacy_bp.route("/user/get_vip_info", methods=["GET", "POST"])
@protected("get_vip_info", ("get_vip_info",), legacy=True)
def get_vip_info(ctx: AccessContext) -> Response:
    """QQ get_vip_info: membership levels (all "0": the platform sells no membership)."""
    return legacy_json(profile.legacy_vip_info())


@api_bp.get("/me")
@protected("me", ("get_user_info",), legacy=False)
def me(ctx: AccessContext) -> Response:
    """The user behind the token, for this app (openid; unionid when the app may see it)."""
    unionid = unionid_for(ctx.user_id, ctx.developer_id) if (
        ctx.unionid_enabled and ctx.user_id is not None) else None
    return jsonify(profile.rest_me(profile.build_profile(_user(ctx)), ctx.openid, unionid))
