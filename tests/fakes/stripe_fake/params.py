"""Decode Stripe's form encoding (`a[b][0][c]=v`) and read typed parameters from it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tests.fakes.stripe_fake.errors import invalid, missing_param, unknown_param

_KEY_PART = re.compile(r"\[([^\]]*)\]")
_CURRENCY = re.compile(r"^[a-z]{3}$")
# Options every endpoint accepts on top of its own parameters.
COMMON = frozenset({"expand"})


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn `("metadata[k]", "v")`-style pairs into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
        _assign(root, parts, value)
    return {key: _listify(value) for key, value in root.items()}


def _assign(node: dict[str, Any], parts: list[str], value: str) -> None:
    for part in parts[:-1]:
        key = part or str(_next_index(node))
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    last = parts[-1] if parts[-1] != "" else str(_next_index(node))
    node[last] = value


def _next_index(node: dict[str, Any]) -> int:
    return len([k for k in node if k.isdigit()])


def _listify(node: Any) -> Any:
    """Dicts whose keys are all indexes become lists, in index order."""
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


class Params:
    """Typed, validating access to one request's decoded parameters."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)

    def allow(self, *names: str) -> Params:
        """Reject any top-level parameter not named (Stripe's `parameter_unknown`)."""
        allowed = COMMON.union(names)
        for key in self.data:
            if key not in allowed:
                raise unknown_param(key)
        return self

    def has(self, name: str) -> bool:
        """Whether the parameter was sent at all."""
        return name in self.data

    def string(self, name: str, default: str | None = None, *,
               required: bool = False) -> str | None:
        """A string parameter; an empty string means 'unset' as in Stripe."""
        value = self.data.get(name)
        if value is None:
            if required:
                raise missing_param(name)
            return default
        if not isinstance(value, str):
            raise invalid(f"Invalid string: {name}", param=name)
        return value or None

    def required_string(self, name: str) -> str:
        """A required, non-empty string parameter."""
        value = self.string(name, required=True)
        if value is None:
            raise missing_param(name)
        return value

    def integer(self, name: str, default: int | None = None, *, required: bool = False,
            minimum: int | None = None) -> int | None:
        """An integer parameter (amounts are integers in minor units)."""
        raw = self.data.get(name)
        if raw is None or raw == "":
            if required:
                raise missing_param(name)
            return default
        if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
            raise invalid(f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name)
        value = int(raw)
        if minimum is not None and value < minimum:
            kind = "positive integer" if minimum == 1 else "non-negative integer"
            raise invalid(f"Invalid {kind}", code="parameter_invalid_integer", param=name)
        return value

    def amount(self, name: str = "amount") -> int:
        """A required positive amount in minor units."""
        value = self.integer(name, required=True, minimum=1)
        assert value is not None
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        """A boolean parameter sent as `true`/`false`."""
        raw = self.data.get(name)
        if raw is None or raw == "":
            return default
        if raw not in ("true", "false"):
            raise invalid(f"Invalid boolean: {raw}", param=name)
        return bool(raw == "true")

    def currency(self, name: str = "currency", *, required: bool = True) -> str | None:
        """A three-letter currency code, lowercased like Stripe returns it."""
        raw = self.string(name, required=required)
        if raw is None:
            return None
        value = raw.lower()
        if not _CURRENCY.match(value):
            raise invalid(f"Invalid currency: {raw}", param=name)
        return value

    def hash(self, name: str) -> dict[str, Any]:
        """A nested hash parameter (empty when absent)."""
        value = self.data.get(name)
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            raise invalid(f"Invalid hash: {name}", param=name)
        return value

    def array(self, name: str) -> list[Any]:
        """An array parameter (empty when absent)."""
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            raise invalid(f"Invalid array: {name}", param=name)
        return value

    def metadata(self, current: Mapping[str, str] | None = None) -> dict[str, str]:
        """Merge `metadata[...]` into `current`; an empty value deletes a key."""
        merged = dict(current or {})
        raw = self.data.get("metadata")
        if raw == "":
            return {}
        for key, value in self.hash("metadata").items():
            if not isinstance(value, str):
                raise invalid("Invalid metadata value", param=f"metadata[{key}]")
            if value == "":
                merged.pop(key, None)
            else:
                merged[key] = value
        if len(merged) > 50:
            raise invalid("Metadata can have at most 50 keys.", param="metadata")
        return merged
