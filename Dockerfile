# ZoneConnect gateway: one image, three commands (web, worker, migrate; scripts/entrypoint.sh).
# Runs as an unprivileged user on a read-only install; it writes only to /data (the instance
# folder, a volume) and /tmp (metrics of the gunicorn workers, the worker's heartbeat).
# tests/platform/test_boot.py does what this file does, without Docker.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY developer_portal ./developer_portal
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ZC_ENV=production HOST=0.0.0.0 PORT=8000 \
    ZC_INSTANCE_PATH=/data ZC_MIGRATIONS_DIR=/app/migrations \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics ZC_WORKER_HEARTBEAT=/tmp/worker-heartbeat
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent zoneconnect \
    && mkdir /data && chown zoneconnect /data
# The pinned dependencies first (a layer that changes only with requirements.lock), then the
# wheel itself without resolving anything.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir -r /tmp/requirements.lock && rm /tmp/requirements.lock
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/* && rm -rf /wheels
WORKDIR /app
COPY migrations ./migrations
COPY gunicorn.conf.py scripts/entrypoint.sh ./
USER zoneconnect
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["web"]
