"""Page rendering side by side: the login and consent pages of two source trees in one run.

    .venv/bin/python -m bench.pages --before /path/to/other/checkout [--rounds 5] [--seconds 3]

Each tree runs in its own process (its `gateway` first on sys.path, this venv's libraries), on
its own SQLite database built by its own migrations (development settings: production
wants SMTP and more; access logging off on both sides). The pages are served
through the WSGI app (Flask's test client: no network, one core), so template and Babel costs
weigh more than behind gunicorn. Rounds alternate between the trees so that load from the rest
of the machine falls on both alike; the table gives each page's median pages/s and the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PAGES = ("login", "consent")
# The reader's language: Chinese is the Babel path with a catalog (the platform's default).
HEADERS = {"Accept-Language": "zh-CN,zh;q=0.9"}

WORKER = r'''
import json, re, sys, time, os, tempfile
tree, seconds, headers = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
sys.path.insert(0, tree)
os.environ["ZC_MIGRATIONS_DIR"] = os.path.join(tree, "migrations")
folder = tempfile.mkdtemp()
from flask_migrate import upgrade
from gateway import create_app
from gateway.extensions import db
app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "b" * 32,
                  "ZC_ENV": "development", "SESSION_COOKIE_SECURE": False, "REDIS_URL": None,
                  "LOG_LEVEL": "WARNING", "ZC_SKIP_PREFLIGHT": True,
                  "RATELIMIT_ENABLED": False, "ZC_ARGON2_TIME_COST": 1,
                  "ZC_ARGON2_MEMORY_COST": 8, "ZC_ARGON2_PARALLELISM": 1,
                  "ZC_INSTANCE_PATH": folder, "ZC_BASE_URL": "http://localhost"})
with app.app_context():
    upgrade(directory=os.path.join(tree, "migrations"), revision="heads")
    from gateway.accounts import services as accounts
    from gateway.apps.services import create_app as create_client
    dev = accounts.create_user("benchdev", "bench-password-1")
    accounts.create_user("benchuser", "bench-password-2")
    client_app, _ = create_client(dev, name="Bench", redirect_uris=["https://b.example/cb"],
                                  live=True)
    db.session.commit()
    appid = client_app.appid
client = app.test_client()
page = client.get("/login").get_data(as_text=True)
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
done = client.post("/login", data={"username": "benchuser", "password": "bench-password-2",
                                   "csrf_token": token}, base_url="http://localhost")
assert done.status_code == 302, done.status_code
anonymous = app.test_client()
consent = ("/oauth2.0/authorize?response_type=code&client_id=" + appid +
           "&redirect_uri=https%3A%2F%2Fb.example%2Fcb&state=s&scope=get_user_info")
targets = {"login": (anonymous, "/login"), "consent": (client, consent)}
out = {}
for name, (who, path) in targets.items():
    first = who.get(path, headers=headers)
    assert first.status_code == 200 and b"<h1" in first.data, (name, first.status_code)
    for _ in range(50):
        who.get(path, headers=headers)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        who.get(path, headers=headers)
        count += 1
    out[name] = count / (time.perf_counter() - start)
print(json.dumps(out))
'''


def measure(tree: Path, seconds: float) -> dict[str, float]:
    """One round in a fresh process: pages per second of each page."""
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run([sys.executable, "-c", WORKER, str(tree), str(seconds),
                               json.dumps(HEADERS)], capture_output=True, text=True, cwd=cwd,
                              check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other source tree")
    parser.add_argument("--after", type=Path, default=HERE, help="default: this tree")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for round_ in range(args.rounds):
        order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
        for label in order:
            runs[label].append(measure(getattr(args, label), args.seconds))
    print(f"{'page':<10}{'before /s':>12}{'after /s':>12}{'after/before':>14}")
    for page in PAGES:
        before = statistics.median(r[page] for r in runs["before"])
        after = statistics.median(r[page] for r in runs["after"])
        print(f"{page:<10}{before:>12.1f}{after:>12.1f}{after / before:>14.3f}")
    print(json.dumps({"rounds": runs, "headers": HEADERS}))


if __name__ == "__main__":
    main()
