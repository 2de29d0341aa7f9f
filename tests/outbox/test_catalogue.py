"""The event catalogue is complete: every catalogued type is emitted somewhere in the product,
every emitted type is catalogued (read from the source), and writing an event of a type that
is not in the catalogue fails."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from gateway.outbox.catalogue import EVENTS
from gateway.outbox.services import enqueue_webhook
from tests.money_helpers import make_shop

ROOT = Path(__file__).resolve().parents[2]
# Every function that writes an event, with the position of its event-type argument; the
# wrappers (`_notify`, `_announce`) pass their own parameter on, checked where they are called.
EMITTERS = {"enqueue_webhook": 1, "enqueue_for_developer": 1, "new_event": 1, "_notify": 1,
            "_announce": 1}


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def emitted_types() -> tuple[set[str], list[str]]:
    """Event types passed to an emitter anywhere in gateway/ and developer_portal/, and the
    places that pass something that is neither a literal, a module constant nor a wrapper's
    own parameter."""
    found: set[str] = set()
    unknown: list[str] = []
    for package in ("gateway", "developer_portal"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                         for t in n.targets if isinstance(t, ast.Name)
                         and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}
            for func in [n for n in ast.walk(tree)
                         if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
                params = {a.arg for a in func.args.args}
                for call in [n for n in ast.walk(func) if isinstance(n, ast.Call)]:
                    position = EMITTERS.get(_name(call))
                    if position is None or len(call.args) <= position:
                        continue
                    arg = call.args[position]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
                    elif isinstance(arg, ast.Name) and arg.id in constants:
                        found.add(constants[arg.id])
                    elif not (isinstance(arg, ast.Name) and arg.id in params
                              and func.name in EMITTERS):
                        unknown.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    return found, unknown


def test_every_catalogued_type_is_emitted_and_every_emitted_type_is_catalogued() -> None:
    found, unknown = emitted_types()
    assert unknown == []
    assert found == set(EVENTS), (found - set(EVENTS), set(EVENTS) - found)
    assert {"payout.sent", "payout.failed", "group.app_installed",
            "group.app_uninstalled"} <= found


def test_an_uncatalogued_type_cannot_be_written(app: Flask, factory) -> None:
    shop = make_shop(factory)
    with pytest.raises(ValueError, match="not in the catalogue"):
        enqueue_webhook(shop.app, "order.stolen", {})
