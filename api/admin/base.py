"""The base of every tenant-administration endpoint (/api/bt/v1/org/…, /api/bt/v1/admin/…).

Reads need ``admin:read``, writes ``admin:write``; the token's owner must be an active admin (403
otherwise, whatever the scopes). Subclasses cannot widen this: ``scopes`` is fixed here, not per view,
so an endpoint added later cannot forget it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.request import Request

from api.base import Forbidden, MastodonView
from audit.services import client_ip
from directory.models import Role

READ = "admin:read"
WRITE = "admin:write"


class AdminView(MastodonView):
    scopes: ClassVar[dict[str, str]] = {
        "GET": READ,
        "POST": WRITE,
        "PUT": WRITE,
        "PATCH": WRITE,
        "DELETE": WRITE,
    }
    # Roles allowed besides admin (the audit log is also read by compliance officers).
    extra_roles: ClassVar[frozenset[str]] = frozenset()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        employee = self.viewer.employee
        allowed = {Role.ADMIN, *self.extra_roles}
        if employee is None or not employee.is_active or employee.role not in allowed:
            raise Forbidden("This action requires a tenant administrator")

    @property
    def ip(self) -> str | None:
        return client_ip(self.request)

    def body(self) -> dict[str, Any]:
        data = self.request.data
        if hasattr(data, "dict"):
            data = data.dict()
        if not isinstance(data, dict):
            from api.base import Unprocessable

            raise Unprocessable("Expected a JSON object")
        return data
