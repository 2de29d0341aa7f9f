"""Schemathesis over /api/v1/openapi.json: every operation, valid and invalid credentials.

Runs in-process through the WSGI app (each request in its own contexts, as in production).
No response may be a 5xx, and every response must match the document: status code, content
type and body schema. Bounded by EXAMPLES per operation so `make test` stays quick.
"""

from __future__ import annotations

import base64
import contextvars
import os
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.developers.keys import create_key
from gateway.developers.services import open_profile
from gateway.extensions import db
from tests.fuzz.conftest import FuzzWorld

EXAMPLES = int(os.environ.get("ZC_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def isolated(app: Flask) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """The WSGI app with each request in a fresh context (the test holds its own app context)."""
    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return contextvars.Context().run(app, environ, start_response)
    return wsgi


@pytest.fixture
def credentials(fuzz_world: FuzzWorld) -> dict[str, str]:
    """A valid Authorization header for each security scheme of the document."""
    open_profile(fuzz_world.developer, name="Fuzz Dev", contact_email="dev@fuzz.example")
    _key, raw_key = create_key(fuzz_world.developer, name="fuzz", scope="write")
    db.session.commit()
    basic = base64.b64encode(f"{fuzz_world.appid}:{fuzz_world.appkey}".encode()).decode()
    return {"bearerAuth": f"Bearer {fuzz_world.access_token}", "appBasic": f"Basic {basic}",
            "personalApiKey": f"Bearer {raw_key}"}


def operations(app: Flask) -> list[Any]:
    """Every operation of the platform's own OpenAPI document, loaded from the running app."""
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    found = [result.ok() for result in loaded.get_all_operations()]
    assert len(found) >= 10  # the user, share, payment and manage APIs are all described
    return found


def _scheme(operation: Any) -> str | None:
    security = operation.definition.raw.get("security") or []
    names = [name for requirement in security for name in requirement]
    return names[0] if names else None


FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def forged_credentials(world: FuzzWorld) -> dict[str, str]:
    """Well-formed but unknown credentials for each scheme."""
    basic = base64.b64encode(f"{world.appid}:{'F' * 32}".encode()).decode()
    return {"bearerAuth": "Bearer " + "0" * 32, "personalApiKey": "Bearer zcpat_forged",
            "appBasic": f"Basic {basic}"}


def fuzz_operation(operation: Any, headers: dict[str, str], refused: bool) -> None:
    """Run Hypothesis over one operation's generated requests."""
    @FUZZ
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
        if refused:
            assert response.status_code in {401, 403}, (operation.label, response.status_code)

    run()


@pytest.mark.parametrize("valid", [True, False], ids=["valid-credentials", "forged-credentials"])
def test_every_operation_matches_the_document(app: Flask, fuzz_world: FuzzWorld,
                                              credentials: dict[str, str], valid: bool) -> None:
    """Each operation, fuzzed: never a 5xx, and status, content type and body as documented;
    forged credentials are refused with 401/403."""
    headers_for = credentials if valid else forged_credentials(fuzz_world)
    for operation in operations(app):
        scheme = _scheme(operation)
        headers = {"Authorization": headers_for[scheme]} if scheme else {}
        fuzz_operation(operation, headers, refused=bool(scheme) and not valid)
