"""Django's PostgreSQL ``DatabaseWrapper`` with two driver-level costs taken out (bench/RESULTS.md,
"Timelines", measured with bench/home_profile.py and py-spy on a served home timeline):

- **Timestamps.** Django loads every ``timestamptz`` through its own subclass of psycopg's pure-Python
  loader (so it can label the value with its time zone): ~8 % of a served home request's CPU in a
  one-off py-spy profile (a page carries a few hundred). ``UtcLoader`` parses PostgreSQL's ISO text
  with ``datetime.fromisoformat`` (C) and gives the same value — the same instant, labelled
  ``datetime.timezone.utc`` as Django's loader does; anything ``fromisoformat`` refuses (BC dates,
  years past 9999, infinity) goes to Django's loader as before.
- **Long statements.** psycopg keeps the conversion of a statement's ``%s`` placeholders to ``$n`` in a
  cache, but only for statements up to 4 KB with up to 50 parameters; the home timeline's has ~10 KB
  and ~70, so it was re-parsed on every request (~5 % of its CPU). The limits are raised so statements
  of our size are cached too; the cache stays bounded (psycopg's ``lru_cache``, 128 entries).
- **The pool's health check.** For ``CONN_HEALTH_CHECKS`` Django gives the pool psycopg_pool's
  ``check_connection``, an empty statement on every ``getconn``: with a connection taken for every
  request, a round trip before each request's first query. A connection that answered it less than
  ``RECHECK_SECONDS`` ago is now handed out without asking again; one idle longer (where a restarted
  server or a dropped socket shows) is still checked and replaced when it fails. The window left — a
  server gone within the last second — costs the requests already on those connections an error, as
  it would anyway, and the pool discards a broken connection when Django gives it back.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from typing import Any

import psycopg._queries
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.adapt import AdaptersMap
from psycopg_pool import ConnectionPool

# psycopg reads these module globals on every conversion. Private names, so tests/common/test_postgresql.py
# checks that long statements really are converted once.
psycopg._queries.MAX_CACHED_STATEMENT_LENGTH = max(psycopg._queries.MAX_CACHED_STATEMENT_LENGTH, 32 * 1024)
psycopg._queries.MAX_CACHED_STATEMENT_PARAMS = max(psycopg._queries.MAX_CACHED_STATEMENT_PARAMS, 256)


class UtcLoader(BaseTzLoader):
    """``timestamptz`` text → an aware ``datetime`` in UTC, for connections Django keeps in UTC."""

    timezone = UTC

    def load(self, data: Any) -> datetime:
        try:
            value = datetime.fromisoformat(bytes(data).decode())
        except ValueError:
            return super().load(data)  # type: ignore[no-any-return]
        return value.astimezone(UTC)


@functools.cache
def _with_utc_loader(template: AdaptersMap) -> AdaptersMap:
    adapters = AdaptersMap(template)
    adapters.register_loader("timestamptz", UtcLoader)
    return adapters


RECHECK_SECONDS = 1.0
# Attribute of a psycopg connection: time.monotonic() when it last answered the check.
_CHECKED_AT = "_biztweet_checked_at"


def check_unless_recent(conn: Any) -> None:
    """psycopg_pool's check, skipped for a connection that passed it less than RECHECK_SECONDS ago."""
    now = time.monotonic()
    if now - getattr(conn, _CHECKED_AT, float("-inf")) < RECHECK_SECONDS:
        return
    ConnectionPool.check_connection(conn)
    setattr(conn, _CHECKED_AT, now)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> ConnectionPool | None:
        pool: ConnectionPool | None = super().pool
        # Django builds the pool itself and passes ``check`` as an argument; the pool keeps it here.
        # (tests/common/test_connections.py fails if psycopg_pool stops doing so.)
        if pool is not None and getattr(pool, "_check", None) is ConnectionPool.check_connection:
            pool._check = check_unless_recent
        return pool

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        # Only where Django's own loader would label values UTC; otherwise its loader stays.
        if self.timezone is UTC and "context" in params:
            params["context"] = _with_utc_loader(params["context"])
        return params
