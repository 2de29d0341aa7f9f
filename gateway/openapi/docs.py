"""`/api/v1/openapi.json` and the API reference page `/docs/api`, rendered from the document."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from flask import Blueprint, Flask, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from gateway.i18n import N_, _
from gateway.openapi.profile import base_url
from gateway.openapi.spec import build_spec

bp = Blueprint("openapi_docs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")
SECURITY_WORDS = {"bearerAuth": N_("Bearer access token"),
                  "appBasic": N_("HTTP Basic appid:appkey"),
                  "personalApiKey": N_("Bearer personal API key")}


def add_contributor(app: Flask, contribute: Callable[[APISpec], None]) -> None:
    """Let another package add its paths and schemas to the document (at composition time)."""
    app.extensions.setdefault("zc_api_docs", []).append(contribute)


def document() -> dict[str, Any]:
    """The OpenAPI document, built once per process, with this request's server URL."""
    cached = current_app.extensions.get("zc_api_doc")
    if cached is None:
        cached = build_spec(current_app.extensions.get("zc_api_docs", []))
        current_app.extensions["zc_api_doc"] = cached
    doc = copy.deepcopy(cached)
    doc["servers"] = [{"url": base_url()}]
    return doc


@bp.get("/api/v1/openapi.json")
def openapi_json() -> ResponseReturnValue:
    """The OpenAPI 3 document of the REST API."""
    return jsonify(document())


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = doc["components"][section][name]
    return node


def _schema_rows(doc: dict[str, Any], schema: Any) -> dict[str, Any]:
    """A schema as a name and a list of fields (name, type, required, description)."""
    name = schema["$ref"].rsplit("/", 1)[-1] if isinstance(schema, dict) and "$ref" in schema \
        else ""
    resolved = _resolve(doc, schema) or {}
    required = set(resolved.get("required", []))
    rows = []
    for field, prop in resolved.get("properties", {}).items():
        prop = _resolve(doc, prop)
        kind = prop.get("type", "object")
        if kind == "array":
            kind = f"array of {_resolve(doc, prop.get('items', {})).get('type', 'object')}"
        rows.append({"name": field, "type": kind, "required": field in required,
                     "description": prop.get("description", ""),
                     "enum": prop.get("enum"),
                     "limit": prop.get("maxLength") or prop.get("maxItems")})
    return {"name": name or resolved.get("type", ""), "fields": rows}


def _operation(doc: dict[str, Any], path: str, method: str, op: dict[str, Any],
               shared_params: list[Any]) -> dict[str, Any]:
    params = [_resolve(doc, p) for p in [*shared_params, *op.get("parameters", [])]]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    responses = []
    for code, response in op.get("responses", {}).items():
        response = _resolve(doc, response)
        content = response.get("content", {}).get("application/json", {})
        schema = content.get("schema")
        responses.append({"code": code, "description": response.get("description", ""),
                          "schema": _schema_rows(doc, schema)["name"] if schema else ""})
    security = [_(SECURITY_WORDS[name]) if name in SECURITY_WORDS else name
                for item in op.get("security", []) for name in item]
    return {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
            "anchor": op.get("operationId") or f"{method}-{path}", "security": security,
            "parameters": params, "body": _schema_rows(doc, body["schema"]) if body else None,
            "responses": responses}


def reference(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Operations grouped by tag, in document order, ready for the template."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                tag = (op.get("tags") or ["other"])[0]
                sections.setdefault(tag, []).append(
                    _operation(doc, path, method, op, item.get("parameters", [])))
    return [{"tag": tag, "operations": ops} for tag, ops in sections.items()]


@bp.get("/docs/api")
def api_reference() -> ResponseReturnValue:
    """The API reference, rendered on the server from the OpenAPI document (no CDN)."""
    doc = document()
    schemes = doc["components"].get("securitySchemes", {})
    return render_template("docs/api.html", doc=doc, sections=reference(doc), schemes=schemes)
