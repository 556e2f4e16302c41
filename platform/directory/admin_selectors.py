"""Reads for tenant administration (admins only: the directory as HR sees it, not posts)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from common.paging import Page
from directory.administration import require_admin
from directory.models import Employee, OrgUnit, Rank
from policy import Viewer


def org_unit_list(viewer: Viewer) -> QuerySet[OrgUnit]:
    require_admin(viewer.employee)
    return OrgUnit.objects.order_by("path")


def org_unit_get(viewer: Viewer, unit_id: str | int) -> OrgUnit:
    require_admin(viewer.employee)
    from django.shortcuts import get_object_or_404

    return get_object_or_404(OrgUnit, pk=int(unit_id))


def rank_list(viewer: Viewer) -> list[Rank]:
    require_admin(viewer.employee)
    return list(Rank.objects.order_by("level"))


def employee_list(
    viewer: Viewer,
    *,
    page: Page,
    query: str = "",
    unit_id: int | None = None,
    active: bool | None = None,
) -> list[Employee]:
    """Employees newest first (ids are time-sorted), paged like any Mastodon list."""
    require_admin(viewer.employee)
    qs = Employee.objects.filter(**page.id_filter()).select_related("unit")
    if query:
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(display_name__icontains=query)
            | Q(name_latin__icontains=query)
        )
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    return page.arrange(list(qs.order_by(page.order_by())[: page.limit]))


def employee_get(viewer: Viewer, employee_id: str | int) -> Employee:
    require_admin(viewer.employee)
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Employee.objects.select_related("unit"), pk=int(employee_id))


def member_counts() -> dict[int, int]:
    """Active members per unit, for the org-tree editor."""
    from django.db.models import Count

    rows = Employee.objects.filter(is_active=True).values("unit_id").annotate(n=Count("id"))
    return {row["unit_id"]: row["n"] for row in rows if row["unit_id"] is not None}
