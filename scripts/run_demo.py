"""`make run`: the platform (gunicorn), the Demo Site (gunicorn) and `gateway worker`, together.

All three stay in the caller's foreground process group, so Ctrl-C in the terminal reaches
each of them; when any one exits, the others are stopped too.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))  # run as a script: the repository's gateway package

from gateway.demo import ADDRESS_DEFAULTS, demo_addresses  # noqa: E402


def demo_credentials() -> dict[str, str]:
    """The Demo Site's appid, appkey and webhook secret written by `gateway demo`."""
    path = Path(os.environ.get("ZC_DEMO_SITE_FILE") or ROOT / "instance" / "demo_site.json")
    try:
        data = json.loads(path.read_text())
        return {"appid": str(data["appid"]), "appkey": str(data["appkey"]),
                "webhook_secret": str(data.get("webhook_secret", ""))}
    except (OSError, ValueError, KeyError) as exc:
        sys.exit(f"run_demo: cannot read {path} ({exc}); run `gateway demo` first")


def commands(host: str, port: str, demo_port: str) -> dict[str, list[str]]:
    """The three programs to start, by name."""
    return {
        "platform": [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                     "--bind", f"{host}:{port}", "gateway:create_app()"],
        # One worker: the Demo Site keeps its delivered orders in memory.
        "demo-site": [str(BIN / "gunicorn"), "--chdir", str(ROOT / "examples" / "demo_site"),
                      "--workers", "1", "--threads", "4", "--no-control-socket",
                      "--bind", f"{host}:{demo_port}",
                      "--error-logfile", "-", "demo_site:create_app()"],
        "worker": [str(BIN / "gateway"), "worker"],
    }


def demo_environment(addresses: dict[str, str]) -> dict[str, str]:
    """The environment of the Demo Site: its credentials and where the platform is."""
    creds = demo_credentials()
    env = dict(os.environ)
    env.update({
        "ZONECONNECT_APP_ID": creds["appid"], "ZONECONNECT_APP_KEY": creds["appkey"],
        "ZONECONNECT_WEBHOOK_SECRET": creds["webhook_secret"],
        "ZONECONNECT_BASE_URL": addresses["platform"], "DEMO_SITE_URL": addresses["site"],
    })
    env.setdefault("DEMO_SITE_SECRET_KEY", secrets.token_hex(32))
    return env


def platform_environment() -> dict[str, str]:
    """The environment of the platform and the worker: the Demo Site listens on loopback, which
    the guarded outbound client refuses unless the operator allows it (development only)."""
    env = dict(os.environ)
    env.setdefault("ZC_OUTBOUND_ALLOW_LOOPBACK", "1")
    return env


def stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Ask every program still running to stop, then kill what lingers."""
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 25
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Start the three programs and wait until one of them ends or the user presses Ctrl-C."""
    # Explicit handlers: a shell that starts us in the background leaves SIGINT ignored, and
    # SIGTERM (kill, a supervisor) must stop the children too.
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    # The same settings, and defaults, that `gateway demo` registered the Demo Site's URIs with.
    settings = {name: os.environ.get(name) or default for name, default in ADDRESS_DEFAULTS.items()}
    host, port, demo_port = settings["HOST"], settings["PORT"], settings["DEMO_PORT"]
    addresses = demo_addresses(settings)
    demo_env = demo_environment(addresses)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, argv in commands(host, port, demo_port).items():
            env = demo_env if name == "demo-site" else platform_environment()
            processes[name] = subprocess.Popen(argv, cwd=ROOT, env=env)  # noqa: S603
        print(f"run_demo: platform {addresses['platform']}/  Demo Site {addresses['site']}/"
              "  (Ctrl-C stops both)", flush=True)
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        ended = [n for n, p in processes.items() if p.poll() is not None]
        print(f"run_demo: {', '.join(ended)} exited; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
