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
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import psycopg._queries
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.adapt import AdaptersMap

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


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        # Only where Django's own loader would label values UTC; otherwise its loader stays.
        if self.timezone is UTC and "context" in params:
            params["context"] = _with_utc_loader(params["context"])
        return params
