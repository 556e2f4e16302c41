"""The reports queue (admins only)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from common.paging import Page
from directory.administration import require_admin
from moderation.models import Report
from policy import Viewer


def report_list(viewer: Viewer, *, page: Page, resolved: bool | None = False) -> list[Report]:
    require_admin(viewer.employee)
    qs = Report.objects.filter(**page.id_filter()).select_related("reporter", "target_account", "resolved_by")
    if resolved is not None:
        qs = qs.filter(action_taken=resolved)
    return page.arrange(list(qs.order_by(page.order_by())[: page.limit]))


def report_get(viewer: Viewer, report_id: str | int) -> Report:
    require_admin(viewer.employee)
    return get_object_or_404(Report.objects.select_related("reporter", "target_account"), pk=int(report_id))
