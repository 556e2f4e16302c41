"""How the backend hands out connections: ``common.postgresql_tenants`` sends ``SET search_path`` only
when a connection does not already have the tenant's path, and never lets a connection read another
tenant's schema; ``common.postgresql``'s pool check asks a connection again only after a second.

These tests run outside the test transaction (``committed``), as a served request does, because what
they check is what a committed or rolled-back ``SET`` leaves on a connection. They only read.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from common.postgresql import base as postgresql_base
from common.postgresql.base import check_unless_recent
from tenants.models import Tenant


@pytest.fixture
def committed(django_db_setup, django_db_blocker) -> Iterator[dict[str, Tenant]]:  # type: ignore[no-untyped-def]
    """The session's tenants, with the connection in autocommit (no test transaction around it)."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        tenants = {t.slug: t for t in Tenant.objects.filter(slug__in=["acme", "globex"])}
        try:
            yield tenants
        finally:
            connection.set_schema_to_public()
            connection.close()


def _request(tenant: Tenant) -> tuple[str, int]:
    """What the tenant middleware and a view do: set the tenant, then query. The schema the query
    read, and how many ``SET search_path`` statements it took."""
    connection.set_tenant(tenant)
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    return schema, sum(q["sql"].startswith("SET search_path") for q in captured.captured_queries)


def test_a_connection_serving_the_same_tenant_again_is_not_sent_search_path_again(committed) -> None:
    acme, globex = committed["acme"], committed["globex"]
    assert _request(acme) == (acme.schema_name, 1)
    assert _request(acme) == (acme.schema_name, 0)
    assert _request(acme) == (acme.schema_name, 0)
    assert _request(globex) == (globex.schema_name, 1)
    assert _request(acme) == (acme.schema_name, 1)


def test_pooled_connections_moving_between_tenants_always_read_their_own(committed) -> None:
    acme, globex = committed["acme"], committed["globex"]
    for tenant in [acme, globex, globex, acme, acme, globex, acme]:
        # Back to the pool and out again, as at the end and start of a request: maybe another connection.
        connection.close()
        assert _request(tenant)[0] == tenant.schema_name


class _Undo(Exception):
    pass


def test_a_search_path_set_in_a_rolled_back_transaction_is_sent_again(committed) -> None:
    acme, globex = committed["acme"], committed["globex"]
    assert _request(acme)[0] == acme.schema_name
    with pytest.raises(_Undo), transaction.atomic():
        assert _request(globex) == (globex.schema_name, 1)
        raise _Undo
    # The rollback took the connection back to acme's path: globex must be set again, not assumed.
    assert _request(globex) == (globex.schema_name, 1)
    assert _request(acme) == (acme.schema_name, 1)


def test_a_search_path_set_in_a_committed_transaction_is_still_checked_again(committed) -> None:
    acme, globex = committed["acme"], committed["globex"]
    assert _request(acme)[0] == acme.schema_name
    with transaction.atomic():
        assert _request(globex) == (globex.schema_name, 1)
    assert _request(globex)[0] == globex.schema_name
    assert _request(acme)[0] == acme.schema_name


def test_the_pool_asks_a_connection_again_only_after_a_second(committed, monkeypatch) -> None:
    assert connection.pool is not None, "the suite runs with the pool the product runs with"
    assert connection.pool._check is check_unless_recent
    settings = connection.settings_dict
    raw = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"],
        autocommit=True,
    )
    now = [1000.0]
    monkeypatch.setattr(postgresql_base.time, "monotonic", lambda: now[0])
    try:
        check_unless_recent(raw)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
        now[0] += 0.5
        check_unless_recent(raw)  # answered half a second ago: handed out without a round trip
        now[0] += 0.6
        with pytest.raises(psycopg.OperationalError):
            check_unless_recent(raw)  # a second on: asked, and the dead connection shows
    finally:
        raw.close()
