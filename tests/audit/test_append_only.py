"""The audit log only grows: no ORM path and no SQL statement can change or remove an entry."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from audit.models import AuditEntry, AuditLogIsAppendOnly
from audit.services import audit_record
from directory.models import Employee, OrgUnit
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _admin() -> Employee:
    return Employee.objects.get(email="admin@acme.example")


def test_record_snapshots_actor_target_ip_and_changes(acme) -> None:  # type: ignore[no-untyped-def]
    admin = _admin()
    unit = OrgUnit.objects.get(parent=None)
    entry = audit_record(
        actor=admin,
        action="org_unit.update",
        target=unit,
        before={"name": "old"},
        after={"name": "new"},
        ip="203.0.113.9",
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor_id == admin.pk
    assert admin.username in stored.actor_name
    assert (stored.target_type, stored.target_id, stored.target_label) == ("orgunit", str(unit.pk), unit.name)
    assert (stored.before, stored.after, stored.ip) == ({"name": "old"}, {"name": "new"}, "203.0.113.9")
    assert stored.created_at is not None


def test_garbled_ip_is_not_recorded_and_system_actor_has_no_id(acme) -> None:  # type: ignore[no-untyped-def]
    entry = audit_record(actor="scim", action="employee.deactivate", target=("employee", 7, "x"), ip="nope")
    assert (entry.ip, entry.actor_id, entry.actor_name) == (None, None, "scim")


def test_orm_cannot_change_or_delete_entries(acme) -> None:  # type: ignore[no-untyped-def]
    entry = audit_record(actor=_admin(), action="policy.update", target=None)
    entry.action = "nothing.happened"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "policy.update"


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_auditentry SET action = 'x' WHERE id = %s", "DELETE FROM audit_auditentry WHERE id = %s"],
)
def test_database_refuses_raw_update_and_delete(acme, sql: str) -> None:  # type: ignore[no-untyped-def]
    entry = audit_record(actor=_admin(), action="policy.update", target=None)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, action="policy.update").exists()


def test_every_tenant_schema_has_the_guard(db) -> None:  # type: ignore[no-untyped-def]
    for slug in ("acme", "globex"):
        with tenant_context(Tenant.objects.get(slug=slug)), connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE t.tgname = 'audit_entry_append_only' AND n.nspname = %s",
                [Tenant.schema_for_slug(slug)],
            )
            assert cur.fetchone()[0] == 1
