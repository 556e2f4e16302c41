"""Operator pages for billing on the public host: comp a tenant, the billing log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from billing import selectors, services
from tenants.selectors import tenant_list


@staff_member_required(login_url="ops:login")
def billing_log(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("tenant") or None
    return render(
        request, "billing/ops_log.html", {"entries": selectors.billing_log(slug=slug), "slug": slug}
    )


@require_POST
@staff_member_required(login_url="ops:login")
def comp(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = tenant_list().filter(slug=slug).first()
    if tenant is None:
        raise Http404
    operator = request.user.get_username()
    try:
        if request.POST.get("comp") == "off":
            services.account_uncomp(tenant=tenant, operator=operator)
            messages.success(request, f"{slug}: comp ended")
        else:
            plan = request.POST.get("plan") or "enterprise"
            services.account_comp(
                tenant=tenant, plan_code=plan, note=request.POST.get("note", ""), operator=operator
            )
            messages.success(request, f"{slug}: comped on {plan}")
    except services.BillingInvalid as exc:
        messages.error(request, str(exc))
    return redirect("ops:console")
