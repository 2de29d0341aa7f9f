"""The `gateway` console script and `python -m gateway.cli` (the commands: gateway/commands/)."""

from __future__ import annotations

from gateway.commands import echo_json, fail, main

__all__ = ["echo_json", "fail", "main"]

if __name__ == "__main__":
    main()
