"""The group API's paths and schemas in /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from gateway.groupapps import schemas as s

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
ERRORS = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
          "429": "RateLimited"}


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, op_id: str, ok: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "tags": ["groups"], "operationId": op_id, "security": BEARER,
            "responses": {**ok, **ERRORS}, **extra}


def register(spec: APISpec) -> None:
    """GET /api/v1/groups, /groups/{group_openid}, /members; POST .../messages."""
    for name, schema in (("Group", s.GroupSchema), ("GroupList", s.GroupListSchema),
                         ("GroupMember", s.MemberSchema), ("GroupMemberList", s.MemberListSchema),
                         ("GroupMessageCreate", s.MessageCreateSchema),
                         ("GroupMessage", s.MessageSchema)):
        spec.components.schema(name, schema=schema)
    gid = [{"name": "group_openid", "in": "path", "required": True,
            "schema": {"type": "string"}}]
    spec.path(path="/api/v1/groups", operations={"get": _op(
        "The user's groups in which this app is installed (scope get_group_list)", "listGroups",
        {"200": _json("GroupList")})})
    spec.path(path="/api/v1/groups/{group_openid}", parameters=gid, operations={"get": _op(
        "One group; 404 unless installed and the user is a member (scope get_group_info)",
        "getGroup", {"200": _json("Group")})})
    spec.path(path="/api/v1/groups/{group_openid}/members", parameters=gid, operations={
        "get": _op("Members who authorized this app, as their openids (scope get_group_members;"
                   " groups above ZC_GROUP_MEMBERS_REVIEW_THRESHOLD need review: 403 "
                   "review_required)", "listGroupMembers", {"200": _json("GroupMemberList")},
                   parameters=[{"in": "query", "schema": s.MembersQuerySchema}])})
    spec.path(path="/api/v1/groups/{group_openid}/messages", parameters=gid, operations={
        "post": _op("Post to the group's board for the user, labelled with the app (scope "
                    "send_group_msg; 429 quota_exceeded past the app's daily posts per group)",
                    "sendGroupMessage", {"201": _json("GroupMessage", "Created"),
                                         "422": "Unprocessable"},
                    requestBody={"required": True, "content": {
                        "application/json": {"schema": "GroupMessageCreate"}}})})
