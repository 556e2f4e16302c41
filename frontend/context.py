"""Template context every web page gets."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name


def billing_banner(request: HttpRequest) -> dict[str, Any]:
    """For a tenant's admins: the billing line that needs their attention (a failed payment, the end of
    the trial, a cancelled subscription), on every page until it is dealt with."""
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or getattr(user, "role", None) != "admin"
        or connection.schema_name == get_public_schema_name()
    ):
        return {}
    from billing.entitlements import admin_banner

    return {"billing_banner": admin_banner()}
