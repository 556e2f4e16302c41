"""django-tenants' backend, without the ``SET search_path`` it sent before every request's first query.

django-tenants forgets which search_path a connection has whenever the tenant is set (the tenant
middleware does it on every request) and whenever Django takes a connection from the pool (every
request, here), so every request began with a ``SET search_path`` round trip: one of the home
timeline's three statements. Yet a session's search_path changes only by a statement, and one sent
outside a transaction is committed at once and lasts until the next. So the path is remembered on the
psycopg connection itself, which the pool hands from request to request and tenant to tenant, when a
``SET`` has been committed; the ``SET`` is skipped when the connection already has the path wanted.

A ``SET`` sent inside a transaction is not remembered (forgotten before it is sent): a rollback, by
Django or by the pool when it takes a connection back, would undo it. The next request then sends it
again. Nothing else in the code sets search_path. tests/common/test_connections.py checks that
connections moved between tenants, inside and outside transactions, always read their own tenant.
"""

from __future__ import annotations

from typing import Any

from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import get_limit_set_calls
from psycopg.pq import TransactionStatus

# Attribute of the psycopg connection: the search_path it has, as the list django-tenants computes.
_REMEMBERED = "_biztweet_search_path"


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    search_path_set_schemas: list[str] | None  # django-tenants': the path it knows the connection has

    def _handle_search_path(self, cursor: Any = None) -> None:
        raw = self.connection
        if (
            self._setting_search_path
            or raw is None
            or not self.schema_name
            or not get_limit_set_calls()  # the project asked for a SET before every query
            or self.search_path_set_schemas  # django-tenants already knows: it sends nothing
        ):
            return super()._handle_search_path(cursor)  # type: ignore[no-any-return]
        wanted = self._get_cursor_search_paths()
        if getattr(raw, _REMEMBERED, None) == wanted:
            self.search_path_set_schemas = wanted
            return None
        # Forgotten first: if the SET fails, or is sent in a transaction, the connection's path is unknown.
        setattr(raw, _REMEMBERED, None)
        super()._handle_search_path(cursor)
        if self.search_path_set_schemas == wanted and raw.info.transaction_status == TransactionStatus.IDLE:
            setattr(raw, _REMEMBERED, wanted)
        return None
