#!/bin/sh
# One-shot: migrate the public schema, every tenant schema and the template new tenants are cloned
# from (tenants' migrate_schemas refreshes it). Web, worker and beat start only after it succeeds.
set -eu
cd "$(dirname "$0")/.."
exec python manage.py migrate_schemas --noinput "$@"
