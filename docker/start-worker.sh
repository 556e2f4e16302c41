#!/bin/sh
# Celery worker. Concurrency is explicit because Celery's default (the host's CPU count) ignores
# the container's CPU limit. Gossip and mingle broadcast to every other worker on start and
# heartbeat, which grows with the fleet and buys us nothing; remote control (inspect ping, the
# healthcheck) still works without them.
set -eu
cd "$(dirname "$0")/.."
exec celery -A biztweet worker \
  --loglevel "${LOG_LEVEL:-INFO}" \
  --concurrency "${CELERY_CONCURRENCY:-2}" \
  --without-gossip \
  --without-mingle \
  "$@"
