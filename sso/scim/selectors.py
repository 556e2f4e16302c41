"""Reads of the SCIM app: users and groups as SCIM resources, filtered and paged in SQL.

SCIM clients see the directory, not posts, so nothing here goes near the posts policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf
from django.utils.dateparse import parse_datetime

from directory.models import Employee, OrgUnit
from sso.scim.errors import ScimError
from sso.scim.filters import AttrPath, Compare, Logical, Node, Not, Present, ValuePath
from sso.scim.models import ScimToken
from sso.scim.schema import ENTERPRISE, GROUP, USER


def scim_token_list(viewer: Any) -> QuerySet[ScimToken]:
    return ScimToken.objects.filter(revoked_at__isnull=True).order_by("-id")


def user_queryset() -> QuerySet[Employee]:
    return (
        Employee.objects.exclude(scim__deprovisioned_at__isnull=False)
        .select_related("scim", "unit")
        .annotate(
            scim_user_name=Coalesce(
                F("scim__user_name"), NullIf(F("email"), Value("")), F("username"), output_field=CharField()
            ),
            scim_display_name=Coalesce(
                KeyTextTransform("displayName", "scim__data"), F("display_name"), output_field=CharField()
            ),
            scim_modified=Coalesce(F("scim__updated_at"), F("date_joined")),
        )
        .order_by("pk")
    )


def group_queryset() -> QuerySet[OrgUnit]:
    return (
        OrgUnit.objects.exclude(parent=None)
        .exclude(scim__deprovisioned_at__isnull=False)
        .select_related("scim")
        .order_by("pk")
    )


# -- documents ---------------------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def user_document(employee: Employee, base: str, root_id: int) -> dict[str, Any]:
    """The full SCIM representation. An employee the IdP never wrote is shown from the directory;
    once it has, what it wrote is echoed (see ScimUser)."""
    link = getattr(employee, "scim", None) if _has_link(employee) else None
    data = link.data if link else {}
    doc: dict[str, Any] = {"schemas": [USER], "id": str(employee.pk)}
    if link and link.external_id:
        doc["externalId"] = link.external_id
    doc["userName"] = link.user_name if link else (employee.email or employee.username)
    name = {
        k: v
        for k, v in (
            ("formatted", data.get("nameFormatted")),
            ("familyName", employee.family_name),
            ("givenName", employee.given_name),
        )
        if v
    }
    if name:
        doc["name"] = name
    display = data.get("displayName") if link else employee.display_name
    if display:
        doc["displayName"] = display
    if employee.title:
        doc["title"] = employee.title
    if not data.get("activeUnset"):
        doc["active"] = employee.is_active
    if link:
        if data.get("emails"):
            doc["emails"] = data["emails"]
    elif employee.email:
        doc["emails"] = [{"value": employee.email, "type": "work", "primary": True}]
    if data.get("photos"):
        doc["photos"] = data["photos"]
    unit = employee.unit if employee.unit_id and employee.unit_id != root_id else None
    if unit is not None:
        doc["groups"] = [
            {
                "value": str(employee.unit_id),
                "$ref": f"{base}/Groups/{employee.unit_id}",
                "display": unit.name,
            }
        ]
    ext: dict[str, Any] = {}
    if employee.employee_number:
        ext["employeeNumber"] = employee.employee_number
    if unit is not None:
        ext["department"] = unit.name
    if link and link.manager_id:
        ext["manager"] = {"value": str(link.manager_id), "$ref": f"{base}/Users/{link.manager_id}"}
    if ext:
        doc["schemas"] = [USER, ENTERPRISE]
        doc[ENTERPRISE] = ext
    modified = link.updated_at if link else employee.date_joined
    doc["meta"] = {
        "resourceType": "User",
        "created": _iso(employee.date_joined),
        "lastModified": _iso(max(modified, employee.date_joined)),
        "location": f"{base}/Users/{employee.pk}",
    }
    return doc


def _has_link(employee: Employee) -> bool:
    try:
        return employee.scim is not None
    except Employee.scim.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


def group_document(unit: OrgUnit, base: str, member_ids: list[int]) -> dict[str, Any]:
    link = getattr(unit, "scim", None) if _unit_has_link(unit) else None
    doc: dict[str, Any] = {"schemas": [GROUP], "id": str(unit.pk)}
    if link and link.external_id:
        doc["externalId"] = link.external_id
    doc["displayName"] = unit.name
    if member_ids:
        doc["members"] = [{"value": str(pk), "$ref": f"{base}/Users/{pk}"} for pk in member_ids]
    doc["meta"] = {
        "resourceType": "Group",
        "location": f"{base}/Groups/{unit.pk}",
        **({"created": _iso(link.created_at), "lastModified": _iso(link.updated_at)} if link else {}),
    }
    return doc


def _unit_has_link(unit: OrgUnit) -> bool:
    try:
        return unit.scim is not None
    except OrgUnit.scim.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


def group_members(unit_ids: list[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = {pk: [] for pk in unit_ids}
    rows = (
        Employee.objects.exclude(scim__deprovisioned_at__isnull=False)
        .filter(unit_id__in=unit_ids)
        .order_by("pk")
        .values_list("unit_id", "pk")
    )
    for unit_id, pk in rows:
        members[unit_id].append(pk)
    return members


def root_unit_id() -> int:
    return OrgUnit.objects.filter(parent=None).values_list("pk", flat=True).get()


# -- filters -----------------------------------------------------------------------------------------


class Unsupported(Exception):
    """An attribute this resource type cannot filter on (a 400 on its own endpoint; no match in a
    search across resource types)."""


@dataclass(frozen=True)
class Field:
    lookup: str
    kind: str = "string"  # string | exact | bool | int | date


USER_FIELDS: dict[str, Field] = {
    "id": Field("pk", "int"),
    "username": Field("scim_user_name"),
    "externalid": Field("scim__external_id", "exact"),
    "displayname": Field("scim_display_name"),
    "name.familyname": Field("family_name"),
    "name.givenname": Field("given_name"),
    "title": Field("title"),
    "active": Field("is_active", "bool"),
    "employeenumber": Field("employee_number"),
    "department": Field("unit__name"),
    "manager": Field("scim__manager_id", "int"),
    "manager.value": Field("scim__manager_id", "int"),
    "meta.created": Field("date_joined", "date"),
    "meta.lastmodified": Field("scim_modified", "date"),
}
GROUP_FIELDS: dict[str, Field] = {
    "id": Field("pk", "int"),
    "displayname": Field("name"),
    "externalid": Field("scim__external_id", "exact"),
    "meta.created": Field("scim__created_at", "date"),
    "meta.lastmodified": Field("scim__updated_at", "date"),
}


def _key(path: AttrPath, core: str) -> str:
    if path.urn and path.urn.lower() not in {core.lower(), ENTERPRISE.lower()}:
        raise Unsupported(str(path))
    if path.urn.lower() == ENTERPRISE.lower() and core != USER:
        raise Unsupported(str(path))
    return ".".join(path.parts).lower()


def _compare(field: Field, op: str, value: Any) -> Q:
    lookup = field.lookup
    if field.kind == "bool":
        if not isinstance(value, bool) or op not in {"eq", "ne"}:
            raise ScimError(400, "invalidFilter", "Compare booleans with eq or ne and true or false")
        q = Q(**{lookup: value})
        return ~q if op == "ne" else q
    if field.kind == "int":
        if op not in {"eq", "ne"}:
            raise ScimError(400, "invalidFilter", "Compare ids with eq or ne")
        raw = str(value) if value is not None else ""
        q = Q(**{lookup: int(raw)}) if raw.isdigit() else Q(pk__in=[])
        return ~q if op == "ne" else q
    if field.kind == "date":
        when = parse_datetime(str(value)) if value is not None else None
        if when is None:
            raise ScimError(400, "invalidFilter", f"Not a date-time: {value!r}")
        suffix = {"eq": "", "gt": "__gt", "ge": "__gte", "lt": "__lt", "le": "__lte"}.get(op)
        if suffix is None:
            raise ScimError(400, "invalidFilter", f"{op} does not apply to dates")
        return Q(**{lookup + suffix: when})
    if value is None or isinstance(value, bool):
        raise ScimError(400, "invalidFilter", f"Compare {lookup} with a string")
    value = str(value)
    ci = "" if field.kind == "exact" else "i"
    suffix = {
        "eq": f"__{ci}exact",
        "ne": f"__{ci}exact",
        "co": f"__{ci}contains",
        "sw": f"__{ci}startswith",
        "ew": f"__{ci}endswith",
        "gt": "__gt",
        "ge": "__gte",
        "lt": "__lt",
        "le": "__lte",
    }[op]
    q = Q(**{lookup + suffix: value})
    return ~q if op == "ne" else q


def _present(field: Field) -> Q:
    q = Q(**{f"{field.lookup}__isnull": False})
    if field.kind in {"string", "exact"}:
        q &= ~Q(**{field.lookup: ""})
    return q


def _email_q(value: Any, op: str, *, work_only: bool) -> Q:
    if op != "eq" or not isinstance(value, str):
        raise ScimError(400, "invalidFilter", "Emails are filtered with eq")
    column = "scim__work_emails" if work_only else "scim__email_values"
    return Q(**{f"{column}__contains": [value.lower()]}) | Q(scim__isnull=True, email__iexact=value)


def _user_q(node: Node) -> Q:
    if isinstance(node, Logical):
        left, right = _user_q(node.left), _user_q(node.right)
        return left & right if node.op == "and" else left | right
    if isinstance(node, Not):
        return ~_user_q(node.node)
    if isinstance(node, ValuePath):
        if _key(node.path, USER) != "emails":
            raise Unsupported(str(node.path))
        inner = node.filter
        work = isinstance(inner, Compare) and _key(inner.path, USER) == "type" and inner.value == "work"
        if isinstance(inner, Compare) and _key(inner.path, USER) == "value":
            return _email_q(inner.value, inner.op, work_only=False)
        if not work or not isinstance(node.then, Compare) or _key(node.then.path, USER) != "value":
            raise ScimError(400, "invalidFilter", 'Use emails[type eq "work"].value eq "…"')
        return _email_q(node.then.value, node.then.op, work_only=True)
    key = _key(node.path, USER)
    if key in {"emails", "emails.value"}:
        if isinstance(node, Present):
            return Q(scim__email_values__len__gt=0) | Q(scim__isnull=True) & ~Q(email="")
        return _email_q(node.value, node.op, work_only=False)
    field = USER_FIELDS.get(key)
    if field is None:
        raise Unsupported(str(node.path))
    return _present(field) if isinstance(node, Present) else _compare(field, node.op, node.value)


def _group_q(node: Node) -> Q:
    if isinstance(node, Logical):
        left, right = _group_q(node.left), _group_q(node.right)
        return left & right if node.op == "and" else left | right
    if isinstance(node, Not):
        return ~_group_q(node.node)
    if isinstance(node, ValuePath):
        if _key(node.path, GROUP) != "members" or not isinstance(node.filter, Compare):
            raise Unsupported(str(node.path))
        return _member_q(node.filter.value)
    key = _key(node.path, GROUP)
    if key in {"members", "members.value"}:
        if isinstance(node, Present):
            return Q(pk__in=Employee.objects.values("unit_id"))
        if node.op != "eq":
            raise ScimError(400, "invalidFilter", "Members are filtered with eq")
        return _member_q(node.value)
    field = GROUP_FIELDS.get(key)
    if field is None:
        raise Unsupported(str(node.path))
    return _present(field) if isinstance(node, Present) else _compare(field, node.op, node.value)


def _member_q(value: Any) -> Q:
    raw = str(value or "")
    if not raw.isdigit():
        return Q(pk__in=[])
    return Q(pk__in=Employee.objects.filter(pk=int(raw)).values("unit_id"))


COMPILERS: dict[str, Callable[[Node], Q]] = {"User": _user_q, "Group": _group_q}
