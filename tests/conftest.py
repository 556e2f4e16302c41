"""The test harness: a real PostgreSQL test database with two tenant schemas for the whole session.

``acme`` (Korean) is the tenant most tests run in; ``globex`` (English) exists so isolation tests
can prove that nothing crosses from one to the other. Each test runs in a transaction that is rolled
back, and the connection is reset to the public schema around every test (django-tenants refuses
to create tenants from inside a tenant schema).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django_redis import get_redis_connection
from django_tenants.utils import tenant_context

from policy import tenant_rules
from tenants.models import Tenant

ACME_HOST = "acme.localhost"
GLOBEX_HOST = "globex.localhost"
ADMIN_PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database, always created (tests with real servers or workers use it without the
    ``db`` fixture, since their writes must commit), with the two session tenants."""
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import tenant_onboard

    with django_db_blocker.unblock():
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        connection.set_schema_to_public()
        tenant_onboard(
            slug="acme",
            name="에이크미",
            admin_email="admin@acme.example",
            admin_password=ADMIN_PASSWORD,
            locale="ko",
        )
        tenant_onboard(
            slug="globex",
            name="Globex",
            admin_email="admin@globex.example",
            admin_password=ADMIN_PASSWORD,
            locale="en",
        )
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        teardown_databases(db_cfg, verbosity=0)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Uploads and generated pictures go to a temporary folder, never the repository's var/media."""
    base = tmp_path_factory.getbasetemp()
    if Path(settings.MEDIA_ROOT).is_relative_to(base):
        return Path(settings.MEDIA_ROOT)  # a module already chose its own temporary folder
    root = base / "media"
    settings.MEDIA_ROOT = root
    # django-tenants' storage caches MEDIA_ROOT/<schema> and forgets it only when this setting
    # changes (its MEDIA_ROOT handler passes the wrong argument), so "change" it to itself.
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return root


@pytest.fixture(autouse=True)
def _public_schema_around_each_test() -> Iterator[None]:
    connection.set_schema_to_public()
    # Query-count tests read the connection's log, a deque of at most 9,000 entries that only
    # uncaptured requests empty; over a whole suite the captures filled it, and a full log counts
    # short (a page's 3 statements counted as 1). Each test starts with it empty.
    connection.queries_log.clear()
    yield
    connection.set_schema_to_public()
    # Tests whose writes commit (live servers, workers) must not leave a tenant policy cached for the
    # next test; the keys carry each schema, so they are found with the raw client.
    redis = get_redis_connection("default")
    for key in redis.scan_iter("*policy:rules:*"):
        redis.delete(key)
    # Nor a tenant row the tenant middleware cached for a few seconds: a test's changes to it (a plan,
    # a suspension) are rolled back without the save signals that clear the cache in the product.
    from tenants.middleware import forget_hosts

    forget_hosts()
    # The same for the company's language and post length limit (directory.services.company_basics).
    from directory.services import forget_company_basics

    forget_company_basics()


@pytest.fixture
def acme(db) -> Iterator[Tenant]:  # type: ignore[no-untyped-def]
    """The main test tenant, with the connection switched into its schema."""
    tenant = Tenant.objects.get(slug="acme")
    with tenant_context(tenant):
        # Between requests the tenant's rules are cached, as in production (query counts assume it).
        tenant_rules()
        yield tenant


@pytest.fixture
def globex(db) -> Tenant:  # type: ignore[no-untyped-def]
    """The second tenant (not entered: use ``tenant_context`` to work inside it)."""
    return Tenant.objects.get(slug="globex")


@pytest.fixture
def acme_client() -> Client:
    return Client(HTTP_HOST=ACME_HOST)


@pytest.fixture
def globex_client() -> Client:
    return Client(HTTP_HOST=GLOBEX_HOST)
