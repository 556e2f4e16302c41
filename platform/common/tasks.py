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
