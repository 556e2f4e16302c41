"""PostgreSQL and Redis (cache)."""

import dj_database_url

from biztweet.env import ENV

# No persistent connections: the web process is ASGI, where Django runs each request's sync code in a
# thread of its own (asgiref's ThreadSensitiveContext), and connections are per thread, so a connection
# kept open after a request is never reused and only closed when garbage-collected. With 60 s,
# bench/timelines.py drew 1,786 "too many clients" errors from PostgreSQL in 15 s under uvicorn; with 0,
# none. Reuse belongs to PgBouncer in production (DESIGN.md), not to Django.
DATABASES = {"default": dj_database_url.parse(ENV.database_url, conn_max_age=0, conn_health_checks=True)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# PostgreSQL's JIT compiles plans whose estimated cost looks large — the visibility filter's nested
# EXISTS over a 1M-post table qualifies — and spent ~170 ms compiling a search query that runs in ~10 ms
# (bench/RESULTS.md, "Search"). Short OLTP queries never win it back.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

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
