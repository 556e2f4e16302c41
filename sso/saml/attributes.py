"""From a validated assertion's NameID and attributes to the fields of an employee.

A tenant may name the IdP attribute for each field (``attribute_map``); fields it leaves unset are
looked up under the names Entra ID, Okta, Google, Keycloak and ADFS send by default, so the common
IdPs work without any mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FIELDS = (
    "email",
    "display_name",
    "given_name",
    "family_name",
    "department",
    "title",
    "employee_number",
    "photo_url",
)

_MS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/"
_XS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
_MSI = "http://schemas.microsoft.com/identity/claims/"

DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "mail",
        "emailaddress",
        "user.email",
        _XS + "emailaddress",
        _XS + "upn",
        "urn:oid:0.9.2342.19200300.100.1.3",
    ),
    "display_name": ("displayName", "name", _MSI + "displayname", "urn:oid:2.16.840.1.113730.3.1.241"),
    "given_name": (
        "givenName",
        "firstName",
        "given_name",
        "user.firstName",
        _XS + "givenname",
        "urn:oid:2.5.4.42",
    ),
    "family_name": (
        "sn",
        "surname",
        "lastName",
        "family_name",
        "user.lastName",
        _XS + "surname",
        "urn:oid:2.5.4.4",
    ),
    "department": (
        "department",
        "ou",
        "user.department",
        _XS + "department",
        _MS + "department",
        "urn:oid:2.5.4.11",
    ),
    "title": (
        "title",
        "jobTitle",
        "jobtitle",
        "user.title",
        _XS + "title",
        _MSI + "jobtitle",
        "urn:oid:2.5.4.12",
    ),
    "employee_number": (
        "employeeNumber",
        "employeeId",
        "employeeid",
        "user.employeeNumber",
        _MSI + "employeeid",
        _XS + "employeeid",
        "urn:oid:2.16.840.1.113730.3.1.3",
    ),
    "photo_url": ("photo", "picture", "photoUrl", "thumbnailPhoto"),
}


@dataclass(frozen=True)
class Identity:
    name_id: str
    email: str
    display_name: str = ""
    given_name: str = ""
    family_name: str = ""
    department: str = ""
    title: str = ""
    employee_number: str = ""
    # Never fetched: a URL the IdP names could point anywhere on our network.
    photo_url: str = ""


def _first(attributes: dict[str, list[str]], names: tuple[str, ...]) -> str:
    lowered = {k.lower(): v for k, v in attributes.items()}
    for name in names:
        values = lowered.get(name.lower()) or []
        for value in values:
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def map_identity(name_id: str, attributes: dict[str, list[str]], attribute_map: dict[str, Any]) -> Identity:
    values: dict[str, str] = {}
    for field in FIELDS:
        configured = str(attribute_map.get(field) or "").strip()
        names = ((configured,) if configured else ()) + DEFAULT_NAMES[field]
        values[field] = _first(attributes, names)
    email_name = str(attribute_map.get("email") or "").strip()
    # NameID is the email by default; a tenant that maps email to an attribute means that attribute.
    if not email_name and "@" in name_id:
        values["email"] = name_id.strip()
    return Identity(name_id=name_id, **values)
