"""What this SCIM service provider publishes about itself (RFC 7643 §5–7), and the attribute
definitions the rest of the app uses to canonicalise names (SCIM attribute names are
case-insensitive) and to tell simple, complex and multi-valued attributes apart.

Only attributes the product really keeps are published: clients (and scim2-tester) write what
the schemas offer and expect to read it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

MAX_RESULTS = 1000
DEFAULT_COUNT = 100


@dataclass(frozen=True)
class Attr:
    name: str
    type: str = "string"
    multi: bool = False
    required: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    case_exact: bool = False
    canonical: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub: tuple[Attr, ...] = field(default_factory=tuple)
    description: str = ""

    def subattr(self, name: str) -> Attr | None:
        return next((s for s in self.sub if s.name.lower() == name.lower()), None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi,
            "description": self.description or self.name,
            "required": self.required,
            "mutability": self.mutability,
            "returned": self.returned,
        }
        if self.type in {"string", "reference", "binary"}:
            out["caseExact"] = self.case_exact
            out["uniqueness"] = self.uniqueness
        if self.canonical:
            out["canonicalValues"] = list(self.canonical)
        if self.reference_types:
            out["referenceTypes"] = list(self.reference_types)
        if self.sub:
            out["subAttributes"] = [s.to_json() for s in self.sub]
        return out


def _multi(name: str, *, types: tuple[str, ...], value: Attr, description: str) -> Attr:
    return Attr(
        name,
        "complex",
        multi=True,
        description=description,
        sub=(
            value,
            Attr("display", description="A human-readable name for the value."),
            Attr("type", canonical=types, description="A label for the value's function."),
            Attr("primary", "boolean", description="The preferred value of the list."),
        ),
    )


USER_ATTRS: tuple[Attr, ...] = (
    Attr(
        "userName",
        required=True,
        uniqueness="server",
        description="The identifier the identity provider knows the person by, usually a work email.",
    ),
    Attr(
        "name",
        "complex",
        description="The person's name; family and given names feed the rendered display name.",
        sub=(
            Attr("formatted", description="The full name as the identity provider displays it."),
            Attr("familyName", description="Family name (성)."),
            Attr("givenName", description="Given name (이름)."),
        ),
    ),
    Attr("displayName", description="The name the identity provider displays."),
    Attr("title", description="Job title; a title equal to a rank's name also sets the rank."),
    Attr("active", "boolean", description="False offboards at once: sessions and tokens end."),
    _multi(
        "emails",
        types=("work", "home", "other"),
        value=Attr("value", description="An email address."),
        description="Email addresses; the primary (or first work) one is the sign-in email.",
    ),
    _multi(
        "photos",
        types=("photo", "thumbnail"),
        value=Attr("value", "reference", reference_types=("external",), description="A picture URL."),
        description="Pictures of the person (kept as sent; not fetched).",
    ),
    Attr(
        "groups",
        "complex",
        multi=True,
        mutability="readOnly",
        description="The org unit the person belongs to (one), as a Group.",
        sub=(
            Attr("value", mutability="readOnly", description="The group's id."),
            Attr(
                "$ref",
                "reference",
                mutability="readOnly",
                reference_types=("Group",),
                description="The group's URI.",
            ),
            Attr("display", mutability="readOnly", description="The group's name."),
        ),
    ),
)

ENTERPRISE_ATTRS: tuple[Attr, ...] = (
    Attr("employeeNumber", description="The HR system's employee number."),
    Attr(
        "department",
        description="The org unit, by name; an unknown name creates a unit under the company.",
    ),
    Attr(
        "manager",
        "complex",
        description="The person's manager, another User.",
        sub=(
            Attr("value", description="The manager's id."),
            Attr("$ref", "reference", reference_types=("User",), description="The manager's URI."),
        ),
    ),
)

GROUP_ATTRS: tuple[Attr, ...] = (
    Attr("displayName", required=True, description="The org unit's name."),
    Attr(
        "members",
        "complex",
        multi=True,
        description="The employees of the unit; adding someone moves them into it.",
        sub=(
            Attr("value", mutability="immutable", description="A member's id."),
            Attr(
                "$ref",
                "reference",
                mutability="immutable",
                reference_types=("User",),
                description="A member's URI.",
            ),
        ),
    ),
)

COMMON_ATTRS: tuple[Attr, ...] = (
    Attr("id", mutability="readOnly", returned="always", case_exact=True),
    Attr("externalId", case_exact=True),
    Attr("meta", "complex", mutability="readOnly"),
)


def find(attrs: tuple[Attr, ...], name: str) -> Attr | None:
    return next((a for a in attrs if a.name.lower() == name.lower()), None)


def _schema(schema_id: str, name: str, description: str, attrs: tuple[Attr, ...]) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA],
        "id": schema_id,
        "name": name,
        "description": description,
        "attributes": [a.to_json() for a in attrs],
    }


_META_SCHEMAS: list[dict[str, Any]] = json.loads(
    (Path(__file__).with_name("meta_schemas.json")).read_text(encoding="utf-8")
)


def schemas() -> list[dict[str, Any]]:
    return [
        _schema(USER, "User", "An employee", USER_ATTRS),
        _schema(ENTERPRISE, "EnterpriseUser", "Enterprise attributes of an employee", ENTERPRISE_ATTRS),
        _schema(GROUP, "Group", "An org unit below the company", GROUP_ATTRS),
        *_META_SCHEMAS,
    ]


def resource_types() -> list[dict[str, Any]]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "Employees",
            "schema": USER,
            "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
        },
        {
            "schemas": [RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Org units",
            "schema": GROUP,
            "schemaExtensions": [],
        },
    ]


def service_provider_config() -> dict[str, Any]:
    return {
        "schemas": [SPC],
        "documentationUri": "https://tools.ietf.org/html/rfc7644",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A token minted by a tenant admin (POST /api/bt/v1/admin/scim/tokens).",
                "primary": True,
            }
        ],
    }
