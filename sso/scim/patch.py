"""PATCH (RFC 7644 §3.5.2) applied to a resource's SCIM document (a dict), the way Okta, Entra ID and
the RFC's examples write it. The service then saves the resulting document like a PUT, so a PATCH
and a PUT that mean the same thing end in the same state.

Attribute names are matched case-insensitively and written back in their canonical spelling;
attributes this service does not keep are ignored (an IdP mapping an extra attribute must not fail
a whole user), read-only ones too (clients echo ``id``, ``meta`` and ``groups`` back).
"""

from __future__ import annotations

import copy
from typing import Any

from sso.scim.errors import ScimError
from sso.scim.filters import AttrPath, Compare, Logical, Node, Not, PatchPath, Present, parse_patch_path
from sso.scim.schema import Attr, find

Doc = dict[str, Any]


class Shape:
    """The attributes of one resource type: core ones, plus an optional extension under its URN."""

    def __init__(self, core: tuple[Attr, ...], ext_urn: str | None, ext: tuple[Attr, ...]) -> None:
        self.core = core
        self.ext_urn = ext_urn
        self.ext = ext

    def resolve(self, path: AttrPath) -> tuple[str | None, Attr | None]:
        """(extension URN or None, attribute) named by ``path``; attribute None when unknown."""
        if self.ext_urn and path.urn.lower() == self.ext_urn.lower():
            return self.ext_urn, find(self.ext, path.parts[0]) if path.parts else None
        if path.urn and not path.parts:
            return None, None
        return None, find(self.core, path.parts[0]) if path.parts else None


def coerce(attr: Attr, value: Any) -> Any:
    if value is None:
        return None
    if attr.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
            return value.strip().lower() == "true"  # Entra ID sends "False"
        raise ScimError(400, "invalidValue", f"{attr.name} must be true or false")
    if attr.type == "complex":
        if attr.multi:
            items = value if isinstance(value, list) else [value]
            return [coerce_complex(attr, item) for item in items]
        return coerce_complex(attr, value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ScimError(400, "invalidValue", f"{attr.name} must be a string")
    return str(value)


def coerce_complex(attr: Attr, value: Any) -> dict[str, Any]:
    if isinstance(value, str | int) and not isinstance(value, bool) and attr.subattr("value"):
        value = {"value": str(value)}  # Entra ID sets a manager as a bare id
    if not isinstance(value, dict):
        raise ScimError(400, "invalidValue", f"{attr.name} must be an object")
    out: dict[str, Any] = {}
    for key, sub_value in value.items():
        sub = attr.subattr(key)
        if sub is not None and sub_value is not None:
            out[sub.name] = coerce(sub, sub_value)
    return out


def canonical(shape: Shape, body: dict[str, Any]) -> Doc:
    """A request body (POST/PUT) as a document: known, writable attributes in canonical spelling."""
    doc: Doc = {}
    for key, value in body.items():
        if shape.ext_urn and key.lower() == shape.ext_urn.lower():
            if isinstance(value, dict):
                ext = {}
                for sub_key, sub_value in value.items():
                    attr = find(shape.ext, sub_key)
                    if attr is not None and attr.mutability != "readOnly" and sub_value is not None:
                        ext[attr.name] = coerce(attr, sub_value)
                doc[shape.ext_urn] = ext
            continue
        attr = find(shape.core, key)
        if attr is None or attr.mutability == "readOnly" or value is None:
            continue
        doc[attr.name] = coerce(attr, value)
    return doc


def matches(node: Node, item: dict[str, Any]) -> bool:
    """An element of a multi-valued attribute against a value filter (``type eq "work"``)."""
    if isinstance(node, Logical):
        left = matches(node.left, item)
        return (
            (left and matches(node.right, item)) if node.op == "and" else (left or matches(node.right, item))
        )
    if isinstance(node, Not):
        return not matches(node.node, item)
    if isinstance(node, Present):
        return _get_ci(item, node.path.parts[-1]) not in (None, "", [])
    if isinstance(node, Compare):
        actual = _get_ci(item, node.path.parts[-1])
        expected = node.value
        if isinstance(actual, str) and isinstance(expected, str):
            actual, expected = actual.lower(), expected.lower()
        if node.op == "eq":
            return actual == expected
        if node.op == "ne":
            return actual != expected
        if isinstance(actual, str) and isinstance(expected, str):
            return {
                "co": expected in actual,
                "sw": actual.startswith(expected),
                "ew": actual.endswith(expected),
                "gt": actual > expected,
                "ge": actual >= expected,
                "lt": actual < expected,
                "le": actual <= expected,
            }[node.op]
        return False
    raise ScimError(400, "invalidFilter", "Nested value filters are not supported here")


def _get_ci(item: dict[str, Any], key: str) -> Any:
    return next((v for k, v in item.items() if k.lower() == key.lower()), None)


def apply(shape: Shape, doc: Doc, operations: Any) -> Doc:
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "invalidSyntax", "Operations must be a non-empty list")
    doc = copy.deepcopy(doc)
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "invalidSyntax", "Each operation must be an object")
        op = str(_get_ci(operation, "op") or "").lower()
        if op not in {"add", "replace", "remove"}:
            raise ScimError(400, "invalidSyntax", f"Unknown PATCH op {op!r}")
        path = _get_ci(operation, "path")
        value = _get_ci(operation, "value")
        if path in (None, ""):
            if op == "remove":
                raise ScimError(400, "noTarget", "A remove operation needs a path")
            if not isinstance(value, dict):
                raise ScimError(400, "invalidValue", "Without a path, the value must be an object")
            for key, item in value.items():
                _apply_one(shape, doc, op, parse_patch_path(key), item)
        else:
            if not isinstance(path, str):
                raise ScimError(400, "invalidPath", "path must be a string")
            _apply_one(shape, doc, op, parse_patch_path(path), value)
    return doc


def _apply_one(shape: Shape, doc: Doc, op: str, target: PatchPath, value: Any) -> None:
    urn, attr = shape.resolve(target.path)
    if shape.ext_urn and target.path.urn.lower() == shape.ext_urn.lower() and not target.path.parts:
        # The whole extension: {"urn:…:enterprise:2.0:User": {"department": …}}
        if op == "remove":
            doc.pop(shape.ext_urn, None)
            return
        if not isinstance(value, dict):
            raise ScimError(400, "invalidValue", "The extension's value must be an object")
        for key, item in value.items():
            _apply_one(shape, doc, op, PatchPath(AttrPath(shape.ext_urn, tuple(key.split(".")))), item)
        return
    if attr is None or attr.mutability == "readOnly":
        return
    container = doc.setdefault(urn, {}) if urn else doc
    parts = target.path.parts
    if len(parts) == 2 and target.filter is None:
        sub = attr.subattr(parts[1])
        if attr.multi or sub is None:
            return
        current = container.get(attr.name) or {}
        if op == "remove":
            current.pop(sub.name, None)
        else:
            current[sub.name] = coerce(sub, value)
        _set(container, attr.name, current or None)
        return
    if target.filter is not None:
        _apply_filtered(container, attr, op, target, value)
        return
    if op == "remove":
        if attr.multi and value:
            # Entra ID removes group members by value: {"path": "members", "value": [{"value": "id"}]}
            gone = {str(v.get("value")) for v in coerce(attr, value) if v.get("value") is not None}
            kept = [v for v in container.get(attr.name) or [] if str(v.get("value")) not in gone]
            _set(container, attr.name, kept)
        else:
            container.pop(attr.name, None)
        return
    new = coerce(attr, value)
    if attr.multi and op == "add":
        existing = list(container.get(attr.name) or [])
        for item in new or []:
            same = (
                next((e for e in existing if e.get("value") == item.get("value")), None)
                if "value" in item
                else None
            )
            if same is not None:
                same.update(item)
            else:
                existing.append(item)
        _set(container, attr.name, existing)
    elif attr.type == "complex" and not attr.multi and isinstance(new, dict):
        merged = dict(container.get(attr.name) or {})
        merged.update(new)
        _set(container, attr.name, merged)
    else:
        _set(container, attr.name, new)


def _apply_filtered(container: Doc, attr: Attr, op: str, target: PatchPath, value: Any) -> None:
    if not attr.multi or target.filter is None:
        raise ScimError(400, "invalidPath", f"{attr.name} is not multi-valued")
    items = list(container.get(attr.name) or [])
    hits = [item for item in items if matches(target.filter, item)]
    sub = attr.subattr(target.sub) if target.sub else None
    if target.sub and sub is None:
        return
    if op == "remove":
        if sub is not None:
            for item in hits:
                item.pop(sub.name, None)
        else:
            items = [item for item in items if item not in hits]
        _set(container, attr.name, items)
        return
    if not hits:
        # Entra ID "replaces" emails[type eq "work"].value on users that have no work email yet:
        # make the element the filter describes.
        seed = _seed_from(target.filter)
        if seed is None:
            raise ScimError(400, "noTarget", f"No value of {attr.name} matches the filter")
        element = coerce_complex(attr, seed)
        items.append(element)
        hits = [element]
    for item in hits:
        if sub is not None:
            item[sub.name] = coerce(sub, value)
        else:
            item.update(coerce_complex(attr, value))
    _set(container, attr.name, items)


def _seed_from(node: Node) -> dict[str, Any] | None:
    if isinstance(node, Compare) and node.op == "eq":
        return {node.path.parts[-1]: node.value}
    if isinstance(node, Logical) and node.op == "and":
        left, right = _seed_from(node.left), _seed_from(node.right)
        if left is not None and right is not None:
            return {**left, **right}
    return None


def _set(container: Doc, name: str, value: Any) -> None:
    if value in (None, [], {}):
        container.pop(name, None)
    else:
        container[name] = value
