"""Reads owned by the API layer (client apps)."""

from __future__ import annotations

from typing import Any

from api.models import AppRegistration


def registration_of(application: Any) -> AppRegistration:
    """The app's Mastodon registration (apps created outside /api/v1/apps get the default ``read``)."""
    found = AppRegistration.objects.filter(application=application).select_related("application").first()
    return found if found is not None else AppRegistration(application=application, scopes="read")


def instance_facts() -> dict[str, Any]:
    """What the instance entities say about this tenant: its name, limits and size."""
    from django.db import connection

    from directory.models import Employee
    from directory.services import company_settings

    settings_row = company_settings()
    tenant = getattr(connection, "tenant", None)
    return {
        "title": getattr(tenant, "name", "") or settings_row.company_name,
        "locale": settings_row.locale,
        "max_characters": settings_row.post_max_chars,
        "user_count": Employee.objects.filter(is_active=True).count(),
    }


def _employees() -> Any:
    from directory.models import Employee

    return Employee.objects.select_related("unit")


def account_get(viewer: Any, account_id: str | int) -> Any:
    """An employee of this tenant by account id (deactivated ones too: their posts stay, shown by name)."""
    from django.http import Http404

    if viewer.employee is None:
        raise Http404("Record not found")
    try:
        pk = int(account_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    found = _employees().filter(pk=pk).first()
    if found is None:
        raise Http404("Record not found")
    return found


def account_lookup(viewer: Any, acct: str) -> Any:
    """``@handle`` or ``handle@this-host`` → the employee (case-insensitive), else 404."""
    from django.http import Http404

    handle = (acct or "").strip().lstrip("@").split("@", 1)[0]
    found = _employees().filter(username__iexact=handle).first() if handle and viewer.employee else None
    if found is None:
        raise Http404("Record not found")
    return found


DIRECTORY_ORDERS = ("active", "new")


def account_directory(viewer: Any, *, order: str = "active", offset: int = 0, limit: int = 40) -> list[Any]:
    """Mastodon's profile directory: the company's active employees, with all an Account shows
    (``api.entities.with_account_details``). ``active``: who posted last first, those who never posted
    last; ``new``: who joined last first. Profiles are company-wide, as in search; only posts are
    policy's to hide."""
    from django.db.models import F

    from api.entities import with_account_details
    from directory.models import Employee

    if viewer.employee is None or not viewer.is_active:
        return []
    people = Employee.objects.filter(is_active=True, unit__isnull=False)
    if order == "new":
        ordering = [F("date_joined").desc(), F("id").desc()]
    else:
        ordering = [F("stats__last_status_at").desc(nulls_last=True), F("id").desc()]
    return list(with_account_details(people).order_by(*ordering)[offset : offset + limit])


def avatar_subject(account_id: str) -> Any:
    from directory.models import Employee

    try:
        pk = int(account_id)
    except (TypeError, ValueError):
        return None
    return Employee.objects.filter(pk=pk).only("id", "family_name", "given_name", "name_latin").first()
