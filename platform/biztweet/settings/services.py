"""PostgreSQL and Redis (cache)."""

import dj_database_url

from biztweet.env import ENV

# Connections come from a psycopg pool per process (Django's "pool" option), not from CONN_MAX_AGE. The
# web process is ASGI, where Django runs each request's sync code in a thread of its own (asgiref's
# ThreadSensitiveContext) and keeps connections per thread, so a persistent connection is never reused:
# with CONN_MAX_AGE=60, bench/timelines.py drew 1,786 "too many clients" errors in 15 s. Without reuse,
# every request paid a new connection: 8 ms here, more than the home timeline's queries together. The
# pool hands each request thread an open connection and takes it back when Django closes it at the end
# of the request. The engine (common.postgresql_tenants) remembers each pooled connection's search_path, so
# a request sends ``SET search_path`` only when its connection had another tenant's.
# PgBouncer (DESIGN.md) still multiplexes the processes in production, in session mode.
DATABASES = {"default": dj_database_url.parse(ENV.database_url, conn_max_age=0, conn_health_checks=True)}
DATABASES["default"]["ENGINE"] = "common.postgresql_tenants"
# The backend django-tenants wraps: Django's, with faster timestamp loading and long-statement caching.
ORIGINAL_BACKEND = "common.postgresql"
# PostgreSQL's JIT compiles plans whose estimated cost looks large — the visibility filter's nested
# EXISTS over a 1M-post table qualifies — and spent ~170 ms compiling a search query that runs in ~10 ms
# (bench/RESULTS.md, "Search"). Short OLTP queries never win it back.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# Server-side parameter binding, and statements run twice on a connection are prepared: PostgreSQL then
# plans a statement once per connection instead of on every execution. The home timeline's statement
# took longer to plan than to run; with the pool keeping connections, its request p50 fell from 42 ms to
# 25 ms (bench/home_profile.py). search_path changes make PostgreSQL re-plan a prepared statement, so one
# connection serving several tenants stays correct. (Behind PgBouncer this needs session pooling, as
# django-tenants' search_path does anyway.)
DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 2
if ENV.database_pool_size > 0:
    # min_size 0: a process that never touches the database (a Celery parent before fork) opens nothing.
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 0,
        "max_size": ENV.database_pool_size,
        "timeout": 10,
        "max_idle": 300,
    }

# Threads per web process for Django's views (biztweet.asgi).
WEB_THREADS = ENV.web_threads

REDIS_URL = ENV.redis_url

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Keys carry the tenant's schema, so no tenant can read another's cache entries.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}
