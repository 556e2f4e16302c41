from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from tenants.models import Domain, Tenant


def tenant_list() -> QuerySet[Tenant]:
    return Tenant.objects.exclude(schema_name="public").prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain"))
    )
