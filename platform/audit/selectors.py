"""Reading the audit log (admins and the compliance role)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from audit.models import AuditEntry
from common.paging import Page
from directory.models import Role
from policy import ActionRefused, Viewer


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # an employee id, or a name/username fragment
    action: str = ""  # exact ("employee.update") or a prefix ending in "." ("employee.")
    target: str = ""  # "type:id", "type", or a label fragment
    since: datetime | None = None
    until: datetime | None = None


def may_read_audit(viewer: Viewer) -> bool:
    return (
        viewer.is_active
        and viewer.employee is not None
        and viewer.employee.role in (Role.ADMIN, Role.COMPLIANCE)
    )


def audit_list(viewer: Viewer, *, filters: AuditFilter, page: Page) -> list[AuditEntry]:
    if not may_read_audit(viewer):
        raise ActionRefused(
            "Only administrators and compliance officers may read the audit log.", rule="admin_only"
        )
    qs = AuditEntry.objects.filter(**page.id_filter())
    if filters.actor:
        if filters.actor.isdigit():
            qs = qs.filter(actor_id=int(filters.actor))
        else:
            qs = qs.filter(actor_name__icontains=filters.actor)
    if filters.action:
        qs = (
            qs.filter(action__startswith=filters.action)
            if filters.action.endswith(".")
            else qs.filter(action=filters.action)
        )
    if filters.target:
        kind, _, ident = filters.target.partition(":")
        if ident:
            qs = qs.filter(target_type=kind, target_id=ident)
        else:
            qs = qs.filter(Q(target_type=kind) | Q(target_label__icontains=kind) | Q(target_id=kind))
    if filters.since:
        qs = qs.filter(created_at__gte=filters.since)
    if filters.until:
        qs = qs.filter(created_at__lt=filters.until)
    return page.arrange(list(qs.order_by(page.order_by())[: page.limit]))
