"""The `gateway` console script and `python -m gateway.cli` (the commands: gateway/commands/)."""

from __future__ import annotations

from gateway.commands import main

if __name__ == "__main__":
    main()
