"""Writes of the SCIM app: tokens, and users and groups saved from their SCIM documents.

Every change to the directory goes through ``directory.services`` (employee_create, employee_update,
employee_deactivate/reactivate, unit_create), so SCIM gets the same rules and hooks as the admin API.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from billing.entitlements import require_feature
from directory.models import Employee, OrgUnit, Rank
from directory.services import (
    employee_create,
    employee_deactivate,
    employee_reactivate,
    employee_update,
    unit_create,
    username_from_email,
)
from sso.scim.errors import ScimError
from sso.scim.models import ScimGroup, ScimToken, ScimUser
from sso.scim.schema import ENTERPRISE

TOKEN_PREFIX = "scim_"  # noqa: S105 (a recognisable prefix for secret scanners, not a secret)


# -- tokens ------------------------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def scim_token_create(*, name: str, actor: Employee | None) -> tuple[ScimToken, str]:
    """A new SCIM bearer token; returns the row and the secret, which is never stored nor shown again."""
    require_feature("scim", gettext("SCIM provisioning"))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken.objects.create(
        name=name.strip()[:120], token_hash=_hash(secret), hint=secret[:12], created_by=actor
    )
    return token, secret


@transaction.atomic
def scim_token_revoke(*, token: ScimToken, actor: Employee | None) -> ScimToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def scim_token_authenticate(secret: str) -> ScimToken | None:
    """The live token with this secret in the current tenant schema, or None."""
    if not secret:
        return None
    token = ScimToken.objects.filter(token_hash=_hash(secret), revoked_at__isnull=True).first()
    if token is not None and (
        token.last_used_at is None or timezone.now() - token.last_used_at > timedelta(minutes=5)
    ):
        # Coarse on purpose: "last used" for the admin list, without a write on every request.
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


# -- users -------------------------------------------------------------------------------------------


def _root() -> OrgUnit:
    return OrgUnit.objects.get(parent=None)


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _unit_for_department(name: str, current: OrgUnit | None) -> OrgUnit:
    """The org unit a department name designates: the person's current unit when it already has that
    name, else the one unit of that name (exactly, then case-insensitively), else a new unit under
    the company (an HR system's new department appears without an admin's help)."""
    if current is not None and current.name == name:
        return current
    for lookup in ("name", "name__iexact"):
        found = list(OrgUnit.objects.filter(**{lookup: name})[:2])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ScimError(
                400,
                "invalidValue",
                f"Several org units are named {name!r}; assign the person through Groups instead.",
            )
    if len(name) > 120:
        raise ScimError(400, "invalidValue", "department is longer than 120 characters")
    return unit_create(name=name, parent=_root())


def _emails(doc: dict[str, Any]) -> list[dict[str, Any]]:
    emails = doc.get("emails") or []
    for item in emails:
        value = item.get("value")
        if not value:
            raise ScimError(400, "invalidValue", "Every email needs a value")
        try:
            validate_email(value)
        except ValidationError:
            raise ScimError(400, "invalidValue", f"{value!r} is not an email address") from None
    return emails


def _sign_in_email(emails: list[dict[str, Any]], user_name: str) -> str:
    for pick in (
        lambda e: e.get("primary") is True,
        lambda e: e.get("type") == "work",
        lambda e: True,
    ):
        chosen = next((e["value"] for e in emails if pick(e)), None)
        if chosen:
            return str(chosen)
    try:
        validate_email(user_name)
        return user_name
    except ValidationError:
        return ""


def _manager(value: dict[str, Any] | None, employee: Employee | None) -> Employee | None:
    if not value:
        return None
    raw = str(value.get("value") or "")
    manager = visible_employees().filter(pk=int(raw)).first() if raw.isdigit() else None
    if manager is None:
        raise ScimError(400, "invalidValue", f"manager {raw!r} is not a known User")
    if employee is not None and manager.pk == employee.pk:
        raise ScimError(400, "invalidValue", "A person cannot be their own manager")
    return manager


def visible_employees():  # type: ignore[no-untyped-def]
    """Employees a SCIM client can see: everyone except those it deleted."""
    return Employee.objects.exclude(scim__deprovisioned_at__isnull=False)


def _user_name_taken(user_name: str, employee: Employee | None) -> bool:
    others = Employee.objects.exclude(pk=employee.pk) if employee else Employee.objects.all()
    return others.filter(
        Q(scim__user_name__iexact=user_name)
        | Q(scim__isnull=True, email__iexact=user_name)
        | Q(scim__isnull=True, username__iexact=user_name)
    ).exists()


@transaction.atomic
def scim_user_save(
    *, employee: Employee | None, doc: dict[str, Any], unit_given: bool = True, active_removed: bool = False
) -> Employee:
    """Create (``employee`` None) or replace a user from its SCIM document.

    ``unit_given`` False (a PUT without ``department``) leaves the unit alone: units are also
    managed through Groups, and Okta's PUT often omits the department. A document without
    ``active`` leaves the account's state alone (new accounts are active); ``active_removed`` (a
    PATCH removing it) also stops showing it, until the IdP sets it again.
    Raises ScimError (400 invalidValue, 409 uniqueness); nothing is saved then.
    """
    user_name = _str(doc.get("userName"))
    if not user_name:
        raise ScimError(400, "invalidValue", "userName is required")
    if len(user_name) > 255:
        raise ScimError(400, "invalidValue", "userName is longer than 255 characters")
    if _user_name_taken(user_name, employee):
        raise ScimError(409, "uniqueness", f"userName {user_name!r} is already taken")
    name = doc.get("name") or {}
    ext = doc.get(ENTERPRISE) or {}
    emails = _emails(doc)
    email = _sign_in_email(emails, user_name)
    holders = Employee.objects.filter(email__iexact=email)
    if employee is not None:
        holders = holders.exclude(pk=employee.pk)
    if email and holders.exists():
        raise ScimError(409, "uniqueness", f"The email {email!r} belongs to another employee")
    title = _str(doc.get("title"))
    rank = Rank.objects.filter(name__iexact=title).first() if title else None
    department = _str(ext.get("department"))
    current_unit = employee.unit if employee is not None else None
    if department:
        unit = _unit_for_department(department, current_unit)
    elif unit_given or current_unit is None:
        unit = _root()
    else:
        unit = current_unit
    fields: dict[str, Any] = {
        "email": email,
        "family_name": _str(name.get("familyName")),
        "given_name": _str(name.get("givenName")),
        "title": title,
        "employee_number": _str(ext.get("employeeNumber")),
        "unit": unit,
    }
    if rank is not None:
        fields["rank_level"] = rank.level
    try:
        with transaction.atomic():
            if employee is None:
                employee = employee_create(username=username_from_email(user_name), **fields)
            else:
                employee = employee_update(employee=employee, **fields)
    except ValidationError as exc:
        raise ScimError(400, "invalidValue", "; ".join(exc.messages)) from None
    except IntegrityError:
        raise ScimError(409, "uniqueness", "Another employee has the same userName or email") from None
    manager = _manager(ext.get("manager"), employee)
    data = {
        key: doc[key] for key in ("displayName", "emails", "photos") if doc.get(key) not in (None, "", [])
    }
    if name.get("formatted"):
        data["nameFormatted"] = name["formatted"]
    active = doc.get("active")
    previous = getattr(getattr(employee, "scim", None), "data", {}) if _linked(employee) else {}
    if active_removed or (active is None and previous.get("activeUnset")):
        data["activeUnset"] = True
    if ext.get("department"):
        data["department"] = ext["department"]
    try:
        with transaction.atomic():
            _link_user(employee, user_name, doc, data, emails, manager)
    except IntegrityError:
        # Two clients creating the same userName at once: the unique index decides.
        raise ScimError(409, "uniqueness", f"userName {user_name!r} is already taken") from None
    if active is False:
        employee_deactivate(employee=employee)
    elif active is True:
        employee_reactivate(employee=employee)
    return employee


def _link_user(
    employee: Employee,
    user_name: str,
    doc: dict[str, Any],
    data: dict[str, Any],
    emails: list[dict[str, Any]],
    manager: Employee | None,
) -> None:
    ScimUser.objects.update_or_create(
        employee=employee,
        defaults={
            "user_name": user_name,
            "external_id": _str(doc.get("externalId")),
            "data": data,
            "email_values": [str(e["value"]).lower() for e in emails],
            "work_emails": [str(e["value"]).lower() for e in emails if e.get("type") in (None, "work")],
            "manager": manager,
        },
    )


def _linked(employee: Employee | None) -> bool:
    return employee is not None and ScimUser.objects.filter(employee=employee).exists()


@transaction.atomic
def scim_user_delete(*, employee: Employee) -> None:
    """SCIM DELETE: offboard and hide from SCIM; the employee and their posts stay."""
    employee_deactivate(employee=employee)
    link, _ = ScimUser.objects.get_or_create(
        employee=employee, defaults={"user_name": employee.email or employee.username}
    )
    link.deprovisioned_at = timezone.now()
    link.save(update_fields=["deprovisioned_at", "updated_at"])


# -- groups ------------------------------------------------------------------------------------------


def _member_ids(members: list[dict[str, Any]]) -> list[int]:
    ids = []
    for member in members:
        raw = str(member.get("value") or "")
        if not raw.isdigit():
            raise ScimError(400, "invalidValue", f"member {raw!r} is not a known User")
        ids.append(int(raw))
    found = set(visible_employees().filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ScimError(400, "invalidValue", f"member {missing[0]} is not a known User")
    return ids


@transaction.atomic
def scim_group_save(*, unit: OrgUnit | None, doc: dict[str, Any], members_given: bool = True) -> OrgUnit:
    """Create or replace a group: an org unit under the company whose members are its employees.
    An employee is in exactly one unit, so adding them here moves them out of their last one;
    removing them moves them up to the parent unit."""
    name = _str(doc.get("displayName"))
    if not name:
        raise ScimError(400, "invalidValue", "displayName is required")
    if len(name) > 120:
        raise ScimError(400, "invalidValue", "displayName is longer than 120 characters")
    clash = OrgUnit.objects.filter(name=name)
    if unit is not None:
        clash = clash.exclude(pk=unit.pk)
    if clash.exists():
        raise ScimError(409, "uniqueness", f"A group named {name!r} already exists")
    if unit is None:
        unit = unit_create(name=name, parent=_root())
    elif unit.name != name:
        unit.name = name
        unit.save(update_fields=["name"])
    wanted = _member_ids(doc.get("members") or [])
    if members_given:
        parent = unit.parent or _root()
        for employee in visible_employees().filter(unit=unit).exclude(pk__in=wanted):
            employee_update(employee=employee, unit=parent)
        for employee in visible_employees().filter(pk__in=wanted).exclude(unit=unit):
            employee_update(employee=employee, unit=unit)
    ScimGroup.objects.update_or_create(
        unit=unit, defaults={"external_id": _str(doc.get("externalId")), "deprovisioned_at": None}
    )
    return unit


@transaction.atomic
def scim_group_delete(*, unit: OrgUnit) -> None:
    """Members move up to the parent unit; the unit is deleted when nothing refers to it any more
    (sub-units, posts addressed to it), else hidden from SCIM."""
    from django.db.models import ProtectedError

    parent = unit.parent or _root()
    for employee in Employee.objects.filter(unit=unit):
        employee_update(employee=employee, unit=parent)
    try:
        with transaction.atomic():
            unit.delete()
    except ProtectedError:
        ScimGroup.objects.update_or_create(unit=unit, defaults={"deprovisioned_at": timezone.now()})
