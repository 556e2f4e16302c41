"""Fixtures for tests that touch Redis feeds: feeds are wiped around each test (rows roll back but
Redis keys would not), and a query counter that leaves out django-tenants' ``SET search_path``.
Packages that need them import them into their conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.queries import is_tenant_routing
from timelines import feeds


def wipe_feeds() -> None:
    client = feeds.client()
    for pattern in ("t_*:feed:*", "t_*:fanout:*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _clean_feeds() -> Iterator[None]:
    wipe_feeds()
    yield
    wipe_feeds()


@pytest.fixture
def assert_max_queries():  # type: ignore[no-untyped-def]
    """Like ``django_assert_max_num_queries``, counting data queries only: django-tenants sends a
    ``SET search_path`` before each query unless TENANT_LIMIT_SET_CALLS is on, which is a setting's
    cost, not this code's."""
    from contextlib import contextmanager

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    @contextmanager
    def check(limit: int) -> Iterator[None]:
        with CaptureQueriesContext(connection) as ctx:
            yield
        sqls = [q["sql"] for q in ctx.captured_queries if not is_tenant_routing(q["sql"])]
        assert len(sqls) <= limit, f"{len(sqls)} queries > {limit}:\n" + "\n".join(sqls)

    return check
