"""Host → tenant. Nothing but the health probes runs before the schema is chosen."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from tenants.models import Tenant


class TenantHostMiddleware(TenantMainMiddleware):
    """Routes the vendor's own host to the public schema and every other host to its tenant.

    An unknown host is a plain 404 page, never the operator site; a suspended tenant answers 403
    with an explanation, and its data stays untouched.
    """

    def get_tenant(self, domain_model, hostname):  # type: ignore[no-untyped-def]
        if hostname == settings.BASE_DOMAIN:
            return Tenant(schema_name=get_public_schema_name(), slug="", name="BizTweet Cloud")
        return super().get_tenant(domain_model, hostname)

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        body = render_to_string("tenants/unknown_host.html", {"hostname": hostname})
        return HttpResponse(body, status=404)

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        response = super().process_request(request)
        if response is not None:
            return response
        if request.tenant.is_suspended:
            body = render_to_string("tenants/suspended.html", {"tenant": request.tenant})
            return HttpResponse(body, status=403)
        return None
