"""``common.postgresql``, the backend django-tenants wraps: timestamps come back exactly as Django's own
loader gives them (the same instant, labelled UTC), including what ``fromisoformat`` refuses, and a
statement past psycopg's default cache limits (4 KB, 50 parameters) is converted once, not every run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg import _queries

from common.postgresql.base import UtcLoader
from tests import factories

pytestmark = pytest.mark.django_db

LITERALS = [
    "2024-01-02 03:04:05.678+00",
    "2024-01-02 03:04:05.000001+00",
    "2024-06-02 03:04:05+09",  # another offset: the same instant, in UTC
    "2024-03-10 02:30:00-05:30",
    "1900-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def test_timestamptz_values_equal_djangos_loader_and_are_labelled_utc() -> None:
    class Django(BaseTzLoader):
        timezone = UTC

    select = "SELECT " + ", ".join(f"'{value}'::timestamptz" for value in LITERALS)
    with connection.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(1184, 0) is UtcLoader
        cursor.execute(select)
        ours = cursor.fetchone()
        cursor.cursor.adapters.register_loader("timestamptz", Django)
        cursor.execute(select)
        djangos = cursor.fetchone()
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [UTC] * len(LITERALS)
    assert [value.utcoffset() for value in ours] == [timedelta(0)] * len(LITERALS)
    assert ours[2] == datetime(2024, 6, 1, 18, 4, 5, tzinfo=UTC)


def test_values_fromisoformat_refuses_still_load_as_django_loads_them() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT '0044-03-15 12:00:00+00 BC'::timestamptz")
        with pytest.raises(Exception, match="BC"):  # Django's loader refuses BC dates; so do we
            cursor.fetchone()
        cursor.execute("SELECT 'infinity'::timestamptz")
        with pytest.raises(Exception, match="too large"):
            cursor.fetchone()


def test_a_model_reads_back_the_instant_it_wrote(acme) -> None:
    post = factories.post(factories.employee("kim"), "시간")
    written = datetime(2025, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
    type(post).objects.filter(pk=post.pk).update(created_at=written)
    post.refresh_from_db()
    assert post.created_at == written
    assert post.created_at.tzinfo is UTC


def test_a_statement_longer_than_4_kb_with_over_50_parameters_is_converted_once() -> None:
    padding = " AND ".join(f"{i} = {i}" for i in range(800))
    sql = f"SELECT %s::int WHERE {padding} AND %s::int[] IS NOT NULL" + " AND %s::int > 0" * 70
    assert len(sql) > 4096
    with connection.cursor() as cursor:
        cursor.execute(sql, [1, [1, 2], *range(1, 71)])
        before = _queries._query2pg.cache_info().hits
        cursor.execute(sql, [2, [3], *range(1, 71)])
        assert cursor.fetchone() == (2,)
    assert _queries._query2pg.cache_info().hits == before + 1
