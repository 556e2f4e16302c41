"""Host → tenant. Nothing but the health probes runs before the schema is chosen."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from common.expiring import ExpiringCache
from common.tenancy import current_schema
from tenants.models import Domain, Tenant

# How long a process trusts what it read about a host. Every request used to pay for it (SET search_path
# to public, the domain lookup, SET back to the tenant's) before its own; a change made in this process
# (suspend, reactivate, a new domain) clears the cache at once through the signals below, and other
# processes see it within this many seconds.
HOST_CACHE_SECONDS = 5.0

_hosts: ExpiringCache[str, dict[str, Any]] = ExpiringCache(HOST_CACHE_SECONDS)
_primary_hosts: ExpiringCache[int, str | None] = ExpiringCache(HOST_CACHE_SECONDS)


def _tenant_fields(tenant: Tenant) -> dict[str, Any]:
    return {f.attname: getattr(tenant, f.attname) for f in Tenant._meta.concrete_fields}


def _read_host(hostname: str) -> dict[str, Any]:
    """The tenant row behind ``hostname``, read by its schema-qualified table names under whatever
    search_path the connection has: switching to the public schema for it, and back to the tenant's
    for the request, cost two more statements (``TenantHostMiddleware.process_request``)."""
    if not current_schema():  # a new connection has no path yet; a cursor needs one
        connection.set_schema_to_public()
    public = connection.ops.quote_name(get_public_schema_name())
    domains, tenants = (connection.ops.quote_name(m._meta.db_table) for m in (Domain, Tenant))
    found = list(
        Tenant.objects.raw(
            f"SELECT t.* FROM {public}.{domains} d JOIN {public}.{tenants} t ON t.id = d.tenant_id"  # noqa: S608 (names, not values)
            " WHERE d.domain = %s",
            [hostname],
        )
    )
    if not found:
        raise Domain.DoesNotExist(hostname)
    return _tenant_fields(found[0])


def host_tenant(hostname: str) -> Tenant:
    """The tenant serving ``hostname``, a fresh instance per call (requests never share one object, so
    nothing one request caches on it leaks into another). Raises Domain.DoesNotExist."""
    fields = _hosts.get(hostname, lambda: _read_host(hostname))
    tenant = Tenant(**fields)
    tenant._state.adding = False
    tenant._state.db = "default"
    return tenant


def primary_host(tenant: Tenant) -> str | None:
    """The tenant's primary domain (None without one), trusted for ``HOST_CACHE_SECONDS`` like the hosts
    above: links and media addresses in every new post's rendering need it, and each asked PostgreSQL."""

    def load() -> str | None:
        domain = tenant.get_primary_domain()
        return domain.domain if domain is not None else None

    return _primary_hosts.get(tenant.pk, load)


def forget_hosts() -> None:
    """Drop every cached host and primary domain (this process)."""
    _hosts.clear()
    _primary_hosts.clear()


@receiver(post_save, sender=Tenant)
@receiver(post_delete, sender=Tenant)
@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def _forget_hosts(**_: Any) -> None:
    forget_hosts()
    # Again once the change commits: a request of this thread may have cached the uncommitted row
    # in between.
    transaction.on_commit(forget_hosts)


class TenantHostMiddleware(TenantMainMiddleware):
    """Routes the vendor's own host to the public schema and every other host to its tenant.

    An unknown host is a plain 404 page, never the operator site; a suspended tenant answers 403
    with an explanation, and its data stays untouched.
    """

    def get_tenant(self, domain_model, hostname):  # type: ignore[no-untyped-def]
        if hostname == settings.BASE_DOMAIN:
            return Tenant(schema_name=get_public_schema_name(), slug="", name="BizTweet Cloud")
        return host_tenant(hostname)

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        body = render_to_string("tenants/unknown_host.html", {"hostname": hostname})
        return HttpResponse(body, status=404)

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        # django-tenants' own, except that the connection is not set to the public schema before the
        # host is looked up: ``_read_host`` names the schema of its tables. When no tenant is chosen,
        # the connection is set to the public schema, as django-tenants does.
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            connection.set_schema_to_public()
            return HttpResponseNotFound()
        try:
            tenant = self.get_tenant(Domain, hostname)
        except Domain.DoesNotExist:
            connection.set_schema_to_public()
            return self.no_tenant_found(request, hostname)
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        self.setup_url_routing(request)
        if request.tenant.is_suspended:
            body = render_to_string("tenants/suspended.html", {"tenant": request.tenant})
            return HttpResponse(body, status=403)
        return None
