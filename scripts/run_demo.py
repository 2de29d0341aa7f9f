"""`make run`: the platform (gunicorn), the Demo Site (gunicorn) and `gateway worker`, together.

Each runs in its own process group: Ctrl-C (or SIGTERM) reaches this launcher, which asks all
three for a quick shutdown; a second Ctrl-C kills whatever still runs, workers included. When
any one exits, the others are stopped too.
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


# A first Ctrl-C asks every program for gunicorn's quick shutdown (SIGINT); whatever still runs
# after this many seconds, or at a second Ctrl-C, is killed with its whole process group.
PATIENCE_SECONDS = 15.0


def _signal(processes: dict[str, subprocess.Popen[bytes]], sig: int, *, group: bool) -> None:
    """`sig` to each program (a gunicorn master stops its own workers), or to its whole group."""
    for process in processes.values():
        try:
            if group:
                os.killpg(process.pid, sig)  # each program has its own group, workers included
            elif process.poll() is None:
                process.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass  # gone already


def stop(processes: dict[str, subprocess.Popen[bytes]], patience: float = PATIENCE_SECONDS) -> None:
    """Quick shutdown for every program; a second Ctrl-C (or `patience` s) ends them at once.

    Never SIGTERM: gunicorn takes it as a graceful stop, waits graceful_timeout (20 s) for busy
    workers, then SIGKILLs them and logs "Perhaps out of memory?" although memory was fine.
    """
    _signal(processes, signal.SIGINT, group=False)
    if any(p.poll() is None for p in processes.values()):
        print("run_demo: stopping (Ctrl-C again to stop at once)", file=sys.stderr, flush=True)
    deadline = time.monotonic() + patience
    try:
        while any(p.poll() is None for p in processes.values()) and time.monotonic() < deadline:
            time.sleep(0.05)
    except KeyboardInterrupt:
        print("run_demo: stopping at once", file=sys.stderr, flush=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # nothing may interrupt the clean-up below
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _signal(processes, signal.SIGKILL, group=True)  # what lingers, stray workers included
    for process in processes.values():
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
            # Its own process group: a second Ctrl-C can kill a program with its workers, and
            # a gunicorn master is never left waiting on workers the terminal already stopped.
            processes[name] = subprocess.Popen(argv, cwd=ROOT, env=env,  # noqa: S603
                                               start_new_session=True)
        pids = ", ".join(f"{name} {p.pid}" for name, p in processes.items())
        print(f"run_demo: platform {addresses['platform']}/  Demo Site {addresses['site']}/"
              f"  (Ctrl-C stops both; pids {pids})", flush=True)
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
