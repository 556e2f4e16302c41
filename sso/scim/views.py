"""SCIM 2.0 endpoints (RFC 7644) under /scim/v2/, authenticated by a tenant's SCIM bearer token.

Plain Django views: SCIM has its own wire format (``application/scim+json``, its error message, its
list response), which the Mastodon base class would only have to undo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from directory.models import Employee, OrgUnit
from sso.scim import schema, services
from sso.scim import selectors as sel
from sso.scim.errors import ScimError
from sso.scim.filters import parse_filter
from sso.scim.patch import Shape, apply, canonical

CONTENT_TYPE = "application/scim+json; charset=utf-8"
USER_SHAPE = Shape(schema.USER_ATTRS + schema.COMMON_ATTRS, schema.ENTERPRISE, schema.ENTERPRISE_ATTRS)
GROUP_SHAPE = Shape(schema.GROUP_ATTRS + schema.COMMON_ATTRS, None, ())
READ_ONLY_KEYS = ("schemas", "id", "meta", "groups")


def scim_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    body = b"" if data is None else orjson.dumps(data)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def scim_error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body: dict[str, Any] = {"schemas": [schema.ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    response = scim_response(body, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


Handler = Callable[..., HttpResponse]


def endpoint(**methods: Handler) -> Callable[..., HttpResponse]:
    """One URL: authenticate, route by method (405 otherwise), answer ScimErrors as SCIM errors."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if services.scim_token_authenticate(secret) is None:
            return scim_error(401, "A valid SCIM bearer token is required")
        handler = methods.get((request.method or "GET").lower())
        if handler is None:
            return scim_error(405, f"{request.method} is not supported here")
        try:
            return handler(request, **kwargs)
        except ScimError as exc:
            return scim_error(exc.status, exc.detail, exc.scim_type)

    return view


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError:
        raise ScimError(400, "invalidSyntax", "The body is not JSON") from None
    if not isinstance(data, dict):
        raise ScimError(400, "invalidSyntax", "The body must be a JSON object")
    return data


def _operations(body: dict[str, Any]) -> Any:
    return next((v for k, v in body.items() if k.lower() == "operations"), None)


def _base(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}/scim/v2"


def _csv(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def _int(value: Any, default: int, name: str) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ScimError(400, "invalidValue", f"{name} must be an integer") from None


# -- projection (attributes / excludedAttributes) ----------------------------------------------------


def _split(name: str, core: str) -> tuple[str | None, str, str | None]:
    """("urn" or None, attribute, sub-attribute or None), lower-cased."""
    urn = None
    lowered = name.lower()
    for known in (schema.ENTERPRISE, core):
        if lowered == known.lower():
            return known, "", None
        if lowered.startswith(known.lower() + ":"):
            urn = known if known == schema.ENTERPRISE else None
            lowered = lowered[len(known) + 1 :]
            break
    attr, _, sub = lowered.partition(".")
    return urn, attr, sub or None


def project(doc: dict[str, Any], attributes: list[str], excluded: list[str], core: str) -> dict[str, Any]:
    if not attributes and not excluded:
        return doc
    always = {"schemas", "id"}
    if attributes:
        out = {k: v for k, v in doc.items() if k in always}
        for name in attributes:
            urn, attr, sub = _split(name, core)
            source = doc.get(urn, {}) if urn else doc
            target = out.setdefault(urn, {}) if urn else out
            if not attr:  # a whole extension
                if urn in doc:
                    out[urn] = doc[urn]
                continue
            key = next((k for k in source if k.lower() == attr), None)
            if key is None:
                continue
            if sub and isinstance(source[key], dict):
                subkey = next((k for k in source[key] if k.lower() == sub), None)
                if subkey is not None:
                    target.setdefault(key, {})[subkey] = source[key][subkey]
            else:
                target[key] = source[key]
        return {k: v for k, v in out.items() if v != {}}
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in doc.items()}
    for name in excluded:
        urn, attr, sub = _split(name, core)
        target = out.get(urn, {}) if urn else out
        if not attr:
            out.pop(urn, None)  # type: ignore[arg-type]
            continue
        key = next((k for k in target if k.lower() == attr), None)
        if key is None or key in always:
            continue
        if sub and isinstance(target[key], dict):
            target[key] = {k: v for k, v in target[key].items() if k.lower() != sub}
        else:
            target.pop(key)
    return out


# -- discovery ---------------------------------------------------------------------------------------


def _with_meta(request: HttpRequest, item: dict[str, Any], kind: str, path: str) -> dict[str, Any]:
    return {**item, "meta": {"resourceType": kind, "location": f"{_base(request)}/{path}"}}


def _list(resources: list[dict[str, Any]], total: int, start: int) -> dict[str, Any]:
    return {
        "schemas": [schema.LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def service_provider_config(request: HttpRequest) -> HttpResponse:
    return scim_response(
        _with_meta(
            request, schema.service_provider_config(), "ServiceProviderConfig", "ServiceProviderConfig"
        )
    )


def resource_types(request: HttpRequest, pk: str | None = None) -> HttpResponse:
    items = [
        _with_meta(request, r, "ResourceType", f"ResourceTypes/{r['id']}") for r in schema.resource_types()
    ]
    if pk is None:
        return scim_response(_list(items, len(items), 1))
    found = next((r for r in items if r["id"] == pk), None)
    if found is None:
        raise ScimError(404, None, f"No resource type {pk!r}")
    return scim_response(found)


def schemas(request: HttpRequest, pk: str | None = None) -> HttpResponse:
    items = [_with_meta(request, s, "Schema", f"Schemas/{s['id']}") for s in schema.schemas()]
    if pk is None:
        return scim_response(_list(items, len(items), 1))
    found = next((s for s in items if s["id"] == pk), None)
    if found is None:
        raise ScimError(404, None, f"No schema {pk!r}")
    return scim_response(found)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise ScimError(404, None, "No such SCIM endpoint")


# -- listing and searching ---------------------------------------------------------------------------


def _params(request: HttpRequest) -> dict[str, Any]:
    if request.method == "POST":
        return _body(request)
    return {
        k: request.GET.get(k) for k in ("filter", "startIndex", "count", "attributes", "excludedAttributes")
    }


def _search(request: HttpRequest, kinds: tuple[str, ...]) -> HttpResponse:
    params = _params(request)
    start = max(1, _int(params.get("startIndex"), 1, "startIndex"))
    count = max(0, min(schema.MAX_RESULTS, _int(params.get("count"), schema.DEFAULT_COUNT, "count")))
    attributes, excluded = _csv(params.get("attributes")), _csv(params.get("excludedAttributes"))
    raw_filter = params.get("filter")
    node = parse_filter(raw_filter) if raw_filter else None
    base = _base(request)
    querysets: list[tuple[str, QuerySet[Any]]] = []
    for kind in kinds:
        qs = sel.user_queryset() if kind == "User" else sel.group_queryset()
        if node is not None:
            try:
                qs = qs.filter(sel.COMPILERS[kind](node))
            except sel.Unsupported as exc:
                if len(kinds) == 1:
                    raise ScimError(400, "invalidFilter", f"Cannot filter {kind}s on {exc}") from None
                qs = qs.none()
        querysets.append((kind, qs))
    totals = [qs.count() for _, qs in querysets]
    offset, remaining, resources = start - 1, count, []
    root_id = sel.root_unit_id()
    for (kind, qs), total in zip(querysets, totals, strict=True):
        if remaining <= 0:
            break
        if offset >= total:
            offset -= total
            continue
        rows = list(qs[offset : offset + remaining])
        offset, remaining = 0, remaining - len(rows)
        if kind == "User":
            docs = [sel.user_document(e, base, root_id) for e in rows if isinstance(e, Employee)]
            core = schema.USER
        else:
            wants_members = not any(a.lower() == "members" for a in excluded)
            members = sel.group_members([u.pk for u in rows]) if wants_members else {}
            docs = [
                sel.group_document(u, base, members.get(u.pk, [])) for u in rows if isinstance(u, OrgUnit)
            ]
            core = schema.GROUP
        resources += [project(d, attributes, excluded, core) for d in docs]
    return scim_response(_list(resources, sum(totals), start))


def search_all(request: HttpRequest) -> HttpResponse:
    return _search(request, ("User", "Group"))


# -- users -------------------------------------------------------------------------------------------


def _employee(pk: str) -> Employee:
    found = sel.user_queryset().filter(pk=int(pk)).first() if pk.isdigit() else None
    if found is None:
        raise ScimError(404, None, f"User {pk} not found")
    return found


def _user_out(request: HttpRequest, employee_id: int, status: int = 200) -> HttpResponse:
    employee = _employee(str(employee_id))
    doc = sel.user_document(employee, _base(request), sel.root_unit_id())
    doc = project(
        doc, _csv(request.GET.get("attributes")), _csv(request.GET.get("excludedAttributes")), schema.USER
    )
    return scim_response(doc, status, {"Location": f"{_base(request)}/Users/{employee_id}"})


def users_list(request: HttpRequest) -> HttpResponse:
    return _search(request, ("User",))


def user_create(request: HttpRequest) -> HttpResponse:
    doc = canonical(USER_SHAPE, _body(request))
    employee = services.scim_user_save(employee=None, doc=doc)
    return _user_out(request, employee.pk, 201)


def user_get(request: HttpRequest, pk: str) -> HttpResponse:
    return _user_out(request, _employee(pk).pk)


def user_replace(request: HttpRequest, pk: str) -> HttpResponse:
    body = _body(request)
    employee = _employee(pk)
    ext = next((v for k, v in body.items() if k.lower() == schema.ENTERPRISE.lower()), None)
    unit_given = isinstance(ext, dict) and any(k.lower() == "department" for k in ext)
    services.scim_user_save(employee=employee, doc=canonical(USER_SHAPE, body), unit_given=unit_given)
    return _user_out(request, employee.pk)


def _user_doc(request: HttpRequest, employee: Employee) -> dict[str, Any]:
    doc = sel.user_document(employee, _base(request), sel.root_unit_id())
    return {k: v for k, v in doc.items() if k not in READ_ONLY_KEYS}


def user_patch(request: HttpRequest, pk: str) -> HttpResponse:
    body = _body(request)
    with transaction.atomic():
        employee = _employee(pk)
        Employee.objects.select_for_update().filter(pk=employee.pk).first()
        before = _user_doc(request, employee)
        doc = apply(USER_SHAPE, before, _operations(body))
        removed = "active" in before and "active" not in doc
        services.scim_user_save(employee=employee, doc=doc, active_removed=removed)
    return _user_out(request, employee.pk)


def user_delete(request: HttpRequest, pk: str) -> HttpResponse:
    services.scim_user_delete(employee=_employee(pk))
    return scim_response(None, 204)


# -- groups ------------------------------------------------------------------------------------------


def _unit(pk: str) -> OrgUnit:
    found = sel.group_queryset().filter(pk=int(pk)).first() if pk.isdigit() else None
    if found is None:
        raise ScimError(404, None, f"Group {pk} not found")
    return found


def _group_out(request: HttpRequest, unit_id: int, status: int = 200) -> HttpResponse:
    unit = _unit(str(unit_id))
    excluded = _csv(request.GET.get("excludedAttributes"))
    members = [] if any(a.lower() == "members" for a in excluded) else sel.group_members([unit.pk])[unit.pk]
    doc = sel.group_document(unit, _base(request), members)
    doc = project(doc, _csv(request.GET.get("attributes")), excluded, schema.GROUP)
    return scim_response(doc, status, {"Location": f"{_base(request)}/Groups/{unit_id}"})


def groups_list(request: HttpRequest) -> HttpResponse:
    return _search(request, ("Group",))


def group_create(request: HttpRequest) -> HttpResponse:
    unit = services.scim_group_save(unit=None, doc=canonical(GROUP_SHAPE, _body(request)))
    return _group_out(request, unit.pk, 201)


def group_get(request: HttpRequest, pk: str) -> HttpResponse:
    return _group_out(request, _unit(pk).pk)


def group_replace(request: HttpRequest, pk: str) -> HttpResponse:
    body = _body(request)
    unit = _unit(pk)
    members_given = any(k.lower() == "members" for k in body)
    services.scim_group_save(unit=unit, doc=canonical(GROUP_SHAPE, body), members_given=members_given)
    return _group_out(request, unit.pk)


def group_patch(request: HttpRequest, pk: str) -> HttpResponse:
    body = _body(request)
    with transaction.atomic():
        unit = _unit(pk)
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
        current = sel.group_document(unit, _base(request), sel.group_members([unit.pk])[unit.pk])
        doc = apply(
            GROUP_SHAPE, {k: v for k, v in current.items() if k not in READ_ONLY_KEYS}, _operations(body)
        )
        services.scim_group_save(unit=unit, doc=doc)
    return _group_out(request, unit.pk)


def group_delete(request: HttpRequest, pk: str) -> HttpResponse:
    services.scim_group_delete(unit=_unit(pk))
    return scim_response(None, 204)
