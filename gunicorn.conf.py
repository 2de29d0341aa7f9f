"""gunicorn defaults for ZoneConnect; every value can be overridden on the command line."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
# gthread workers, 4 threads each: measured against sync workers and granian on the platform's own
# endpoints (bench/README.md, "Server runtime"): 2.5x sync on /healthz and introspection, 6x on
# client_credentials (a thread waits on the database while another answers), and unlike granian
# it keeps child_exit for Prometheus' multiprocess gauges, max_requests recycling and graceful
# restarts. GUNICORN_THREADS=1 gives sync workers again.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle a worker after this many requests (a guard against slow leaks). A worker serves about
# a thousand requests a second and takes seconds to boot: 10000 restarted it every ~10 s.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
# The app writes its own JSON access line with tokens scrubbed; gunicorn's would log raw query
# strings (access_token=...), so it is off unless GUNICORN_ACCESSLOG names a file or "-".
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
# Forwarded headers are trusted only through ZC_TRUSTED_PROXIES (ProxyFix in the app).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """Prometheus multiprocess mode: drop a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_starting(server):
    """Before any worker: a bad setting or an unreachable database, Redis or SMTP server is one
    line naming the setting, and gunicorn exits 1 (instead of workers failing with tracebacks).
    ZC_SKIP_PREFLIGHT=1 skips the connection checks (the settings are still checked)."""
    from gateway.startup import preflight_or_exit

    preflight_or_exit(connect=os.environ.get("ZC_SKIP_PREFLIGHT") != "1")
