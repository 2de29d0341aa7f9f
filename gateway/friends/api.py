"""QQ `check_page_fans` over friendships.

QQ answered whether the user is a fan of a certified Qzone page. On ZoneConnect a "page" is an
account's space (`page_id` is its username, e.g. a site's official account) and its fans are the
account's friends; a page that does not exist, or that blocked the user, answers `isfans` 0, so
an app cannot use the method to probe for accounts or blocks.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from gateway.accounts.services import USERNAME_PATTERN, find_by_username
from gateway.errors import ValidationFailed
from gateway.extensions import csrf
from gateway.friends import services
from gateway.i18n import _
from gateway.oauth.services import AccessContext
from gateway.openapi.guard import legacy_json, protected

legacy_bp = Blueprint("friends_legacy", __name__)
csrf.exempt(legacy_bp)


@legacy_bp.route("/user/check_page_fans", methods=["GET", "POST"])
@protected("check_page_fans", ("check_page_fans",), legacy=True)
def check_page_fans(ctx: AccessContext) -> Response:
    """`page_id` (a username) -> `{"ret":0,"msg":"","isfans":1|0}`."""
    page_id = request.values.get("page_id", "")
    if not USERNAME_PATTERN.match(page_id):
        raise ValidationFailed({"page_id": [_("The username of the page's account.")]})
    assert ctx.user_id is not None
    page = find_by_username(page_id)
    fan = page is not None and page.is_active and services.are_friends(ctx.user_id, page.id)
    return legacy_json({"ret": 0, "msg": "", "isfans": 1 if fan else 0})
