"""The base class of every tenant-scoped Celery task.

tenant-schemas-celery records the sender's schema in the message and switches to it before the
task runs. A task sent with no tenant would run in the public schema and quietly read or write the
wrong tables, so tenant tasks refuse to run there instead.
"""

from __future__ import annotations

from typing import Any

from tenant_schemas_celery.task import TenantTask as _TenantTask

from common.tenancy import NoTenantError, require_tenant_schema


class TenantTask(_TenantTask):
    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            require_tenant_schema()
        except NoTenantError as exc:
            raise NoTenantError(f"Task {self.name} was sent without a tenant; refusing to run it.") from exc
        return super().__call__(*args, **kwargs)


class PublicTask(_TenantTask):
    """A task that deliberately runs in the public schema (billing, operator jobs)."""

    abstract = True


def send_to_each_tenant(task: Any, *, active_only: bool = True, **options: Any) -> int:
    """From a periodic (public-schema) task: send ``task`` once into every tenant's schema.

    tenant-schemas-celery stamps each message with the schema it is sent from, so each copy runs in
    its own tenant. Returns how many were sent.
    """
    from django_tenants.utils import get_public_schema_name, schema_context

    from tenants.models import Tenant, TenantStatus

    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name())
    if active_only:
        tenants = tenants.filter(status=TenantStatus.ACTIVE)
    schemas = list(tenants.values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            task.apply_async(**options)
    return len(schemas)
