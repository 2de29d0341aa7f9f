"""/api/v1/openapi.json validates and covers every /api/v1 route; /docs/api renders it."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def _rule_to_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_document_validates(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.")
    assert doc["servers"] == [{"url": "https://zc.example"}]
    assert {"bearerAuth", "appBasic", "personalApiKey"} <= set(doc["components"]
                                                                ["securitySchemes"])


def test_every_api_v1_route_is_documented(app, client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _rule_to_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in doc["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_rest_operations_document_their_errors(client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    me = doc["paths"]["/api/v1/me"]["get"]
    assert set(me["responses"]) == {"200", "400", "401", "403", "429"}
    assert me["security"] == [{"bearerAuth": []}]
    create = doc["paths"]["/api/v1/shares"]["post"]
    assert "422" in create["responses"]
    share_create = doc["components"]["schemas"]["ShareCreate"]
    assert share_create["required"] == ["title", "url"]
    assert share_create["properties"]["title"]["maxLength"] == 128
    assert share_create["properties"]["images"]["maxItems"] == 9
    rate = doc["components"]["responses"]["RateLimited"]
    assert "Retry-After" in rate["headers"]
    orders = doc["paths"]["/api/v1/payments/orders"]["post"]
    assert orders["security"] == [{"appBasic": []}]


def test_reference_page_renders_from_the_document(client) -> None:
    response = client.get("/docs/api")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("GET /api/v1/me", "POST /api/v1/shares", "DELETE /api/v1/shares/{share_id}",
                 "POST /api/v1/payments/orders", "GET /api/v1/manage/apps",
                 "Bearer access token", "HTTP Basic appid:appkey", "rate_limited"):
        assert text in html, text
    # No third-party resource: every src/href to another host would break CSP or leak visitors.
    assert not re.search(r'(?:src|href)="https?://(?!zc\.example)', html)
    assert "<script" not in html
