#!/bin/sh
# The image's (and the Procfile's) commands: web (default), worker, migrate; anything else runs
# as given. tests/platform/test_boot.py runs this very script against an installed wheel.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command=${1:-web}
if [ $# -gt 0 ]; then shift; fi
# Several gunicorn workers share their metrics through this folder, and every process that
# counts something (the worker and the CLI too) needs it to exist. The web process starts it
# empty: stale files from a previous run would be added up too.
metrics=${PROMETHEUS_MULTIPROC_DIR:-}
if [ -n "$metrics" ]; then
  if [ "$command" = web ]; then rm -rf "$metrics"; fi
  mkdir -p "$metrics"
fi
case "$command" in
  web)
    exec gunicorn -c "${GUNICORN_CONF:-$here/gunicorn.conf.py}" "$@" 'gateway:create_app()'
    ;;
  worker)
    exec gateway worker "$@"
    ;;
  migrate)
    exec gateway db upgrade "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
