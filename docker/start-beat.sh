#!/bin/sh
# Celery beat: exactly one per deployment, or periodic jobs run twice. Its schedule file lives in
# /tmp because the code directory is read-only for the app user; losing it on restart only means
# a job that was due may run once more, and periodic jobs are idempotent.
set -eu
cd "$(dirname "$0")/.."
exec celery -A biztweet beat \
  --loglevel "${LOG_LEVEL:-INFO}" \
  --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" \
  "$@"
