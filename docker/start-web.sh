#!/bin/sh
# Web process: uvicorn serving biztweet.asgi — the SSE and WebSocket streams, and Django's WSGI app
# on WEB_THREADS threads per worker process.
# WEB_CONCURRENCY worker processes; proxy headers on, because TLS ends at the load balancer and
# Django must see the client's scheme (secure cookies, redirects) and address. FORWARDED_ALLOW_IPS
# defaults to any peer since only the load balancer can reach the container; narrow it to the
# balancer's addresses wherever the port is reachable from elsewhere.
set -eu
cd "$(dirname "$0")/.."

case "$(printf '%s' "${LOG_JSON:-}" | tr '[:upper:]' '[:lower:]')" in
  1|true|yes|on) set -- --log-config docker/uvicorn-log-json.json "$@" ;;
esac

exec uvicorn biztweet.asgi:application \
  --host "${HOST:-0.0.0.0}" \
  --port "${PORT:-8000}" \
  --workers "${WEB_CONCURRENCY:-2}" \
  --proxy-headers \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}" \
  --lifespan off \
  --no-server-header \
  --timeout-graceful-shutdown "${WEB_GRACEFUL_TIMEOUT:-20}" \
  "$@"
