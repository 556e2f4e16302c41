"""The operator console on the vendor's host (public schema; operators are staff users)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenants import selectors
from tenants.services import TenantError, tenant_reactivate, tenant_suspend


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


@staff_member_required(login_url="ops:login")
def console(request: HttpRequest) -> HttpResponse:
    from billing.selectors import operator_overview

    tenants = list(selectors.tenant_list())
    billing = operator_overview(tenants)
    rows = [(tenant, billing.rows.get(tenant.pk)) for tenant in tenants]
    return render(request, "tenants/console.html", {"tenants": tenants, "rows": rows, "billing": billing})


@require_POST
@staff_member_required(login_url="ops:login")
def set_status(request: HttpRequest, slug: str) -> HttpResponse:
    action = tenant_suspend if request.POST.get("status") == "suspended" else tenant_reactivate
    try:
        tenant = action(slug=slug)
        messages.success(request, f"{tenant.slug}: {tenant.status}")
    except TenantError as exc:
        messages.error(request, str(exc))
    return redirect("ops:console")
