"""Celery tasks run in the schema of the tenant that sent them, against a real worker and Redis."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from celery.exceptions import CeleryError
from django.db import connection
from django_tenants.utils import tenant_context

from common.tenancy import NoTenantError
from directory.models import CompanySettings, Employee
from directory.tasks import refresh_display_names
from tenants.models import Tenant
from tests.support.processes import celery_worker

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def queue(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    name = f"test-{uuid.uuid4().hex[:8]}"
    with (
        django_db_blocker.unblock(),
        celery_worker(name, log=tmp_path_factory.mktemp("worker") / "worker.log"),
    ):
        yield name


@pytest.fixture
def committed(django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Writes in this test commit (the worker is another process); restores both tenants after."""
    with django_db_blocker.unblock():
        tenants = {t.slug: t for t in Tenant.objects.filter(slug__in=["acme", "globex"])}
        saved = {}
        for slug, tenant in tenants.items():
            with tenant_context(tenant):
                saved[slug] = (
                    CompanySettings.objects.get().display_name_template,
                    dict(Employee.objects.values_list("id", "display_name")),
                )
        yield
        for slug, tenant in tenants.items():
            with tenant_context(tenant):
                template, names = saved[slug]
                CompanySettings.objects.update(display_name_template=template)
                for pk, name in names.items():
                    Employee.objects.filter(pk=pk).update(display_name=name)
        connection.set_schema_to_public()


def test_task_sent_from_a_tenant_runs_in_that_tenants_schema(queue: str, committed: None) -> None:
    # Runs with database access unblocked and autocommit on (see ``committed``): the worker must see it.
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    for tenant in (acme, globex):
        with tenant_context(tenant):
            CompanySettings.objects.update(display_name_template="{rank} {full}")

    with tenant_context(acme):
        changed = refresh_display_names.apply_async(queue=queue).get(timeout=20)
        admin = Employee.objects.get(email="admin@acme.example")
        assert changed >= 1
        assert admin.display_name == "사원 관리자"

    with tenant_context(globex):
        untouched = Employee.objects.get(email="admin@globex.example")
        assert untouched.display_name == "Admin", "a task sent from acme changed globex"


def test_task_sent_without_a_tenant_fails_loudly_instead_of_running_in_public(queue: str) -> None:
    connection.set_schema_to_public()
    result = refresh_display_names.apply_async(queue=queue)
    with pytest.raises((NoTenantError, CeleryError)) as raised:
        result.get(timeout=20)
    assert "without a tenant" in str(raised.value)


def test_a_periodic_job_reaches_every_active_tenant_in_its_own_schema(queue: str, committed: None) -> None:
    from common.tasks import send_to_each_tenant

    tenants = list(Tenant.objects.filter(slug__in=["acme", "globex"]))
    for tenant in tenants:
        with tenant_context(tenant):
            CompanySettings.objects.update(display_name_template="{full} ({title})")
    globex = next(t for t in tenants if t.slug == "globex")
    globex.status = "suspended"
    globex.save(update_fields=["status"])
    try:
        assert send_to_each_tenant(refresh_display_names, queue=queue) >= 1
        with tenant_context(next(t for t in tenants if t.slug == "acme")):
            admin = Employee.objects.get(email="admin@acme.example")
            deadline = time.monotonic() + 20
            while admin.display_name != "관리자 ()" and time.monotonic() < deadline:
                time.sleep(0.2)
                admin.refresh_from_db()
            assert admin.display_name == "관리자 ()"
        with tenant_context(globex):
            assert Employee.objects.get(email="admin@globex.example").display_name == "Admin"
    finally:
        connection.set_schema_to_public()
        globex.status = "active"
        globex.save(update_fields=["status"])


def test_a_worker_reads_a_tenant_once_for_many_tasks(acme: Tenant) -> None:
    # Every task switches to its sender's tenant; reading the row for each one (a fan-out is one task
    # per post) would add a statement to every task.
    from django.test.utils import CaptureQueriesContext
    from tenant_schemas_celery import task as tenant_tasks

    from timelines.tasks import fanout_post

    tenant_tasks._shared_storage.pop(acme.schema_name, None)  # as a new worker starts: nothing cached
    with CaptureQueriesContext(connection) as queries:
        found = [fanout_post.get_tenant_for_schema(acme.schema_name) for _ in range(3)]
    assert [t.pk for t in found] == [acme.pk] * 3
    assert len([q for q in queries.captured_queries if "tenants_tenant" in q["sql"]]) == 1
