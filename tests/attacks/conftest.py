"""The attack suite: every kind of attempt made against a running copy of the platform (issue 21),
the ones that held and the ones that broke, replayed through the real pages and endpoints so that
no later change reopens them. Test names say what the attacker tries; docs/security.md ("Threat
model") maps each kind to its test.
"""

from __future__ import annotations

import re

from tests.oauth.conftest import browser, world  # noqa: F401 - fixtures

# What must never reach an attacker: stack traces, database errors, internal addresses.
INTERNALS = re.compile(r"Traceback|File \"|sqlalchemy|psycopg|sqlite3|IntegrityError|Errno",
                       re.IGNORECASE)
