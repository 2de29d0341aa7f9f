# ZoneConnect gateway: build wheels in one stage, run as an unprivileged user in the next.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY developer_portal ./developer_portal
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ZC_ENV=production HOST=0.0.0.0 PORT=8000 \
    ZC_MIGRATIONS_DIR=/app/migrations
RUN useradd --create-home --uid 10001 zoneconnect
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
WORKDIR /app
COPY migrations ./migrations
COPY gunicorn.conf.py ./
USER zoneconnect
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "gateway:create_app()"]
