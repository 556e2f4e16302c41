"""SCIM filter expressions (RFC 7644 §3.4.2.2) parsed into a small tree, and the path syntax PATCH
uses (`emails[type eq "work"].value`). Compiling a tree into a query is the selectors' business."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sso.scim.errors import ScimError
from sso.scim.schema import ENTERPRISE, GROUP, USER

OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})


@dataclass(frozen=True)
class AttrPath:
    """``urn`` is the schema URN when the path named one ("" otherwise); ``parts`` the attribute and
    optional sub-attribute, as written."""

    urn: str
    parts: tuple[str, ...]

    def __str__(self) -> str:
        dotted = ".".join(self.parts)
        return f"{self.urn}:{dotted}" if self.urn else dotted


@dataclass(frozen=True)
class Compare:
    path: AttrPath
    op: str
    value: Any


@dataclass(frozen=True)
class Present:
    path: AttrPath


@dataclass(frozen=True)
class Logical:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class ValuePath:
    """``emails[type eq "work"]``, optionally followed by ``.value eq "x"`` (Entra ID's form)."""

    path: AttrPath
    filter: Node
    then: Compare | Present | None = None


Node = Compare | Present | Logical | Not | ValuePath

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<punct>[()\[\]])
      | (?P<word>[A-Za-z0-9_$:.\-+]+)
    )""",
    re.VERBOSE,
)


def parse_attr_path(text: str) -> AttrPath:
    urn = ""
    for known in (ENTERPRISE, USER, GROUP):
        if text.lower() == known.lower():
            # A bare schema URN: the whole extension, as a PATCH path or a key of a PATCH value.
            return AttrPath(urn=known, parts=())
        if text.lower().startswith(known.lower() + ":"):
            urn, text = known, text[len(known) + 1 :]
            break
    else:
        if text.lower().startswith("urn:"):
            urn, _, text = text.rpartition(":")
    parts = tuple(p for p in text.split("."))
    if not parts or not all(re.fullmatch(r"\$?[A-Za-z][A-Za-z0-9_\-]*", p) for p in parts) or len(parts) > 2:
        raise ScimError(400, "invalidFilter", f"Not an attribute path: {text!r}")
    return AttrPath(urn=urn, parts=parts)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise ScimError(400, "invalidFilter", f"Cannot read the filter at {text[pos : pos + 20]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ScimError(400, "invalidFilter", "The filter ends too early")
        self.i += 1
        return token

    def expect(self, punct: str) -> None:
        kind, value = self.take()
        if kind != "punct" or value != punct:
            raise ScimError(400, "invalidFilter", f"Expected {punct!r} in the filter, found {value!r}")

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() in words:
            self.i += 1
            return token[1].lower()
        return None

    # filter := and ("or" and)*
    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.keyword("or"):
            node = Logical("or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_unary()
        while self.keyword("and"):
            node = Logical("and", node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        if self.keyword("not"):
            self.expect("(")
            inner = self.parse_or()
            self.expect(")")
            return Not(inner)
        token = self.peek()
        if token == ("punct", "("):
            self.take()
            inner = self.parse_or()
            self.expect(")")
            return inner
        kind, word = self.take()
        if kind != "word":
            raise ScimError(400, "invalidFilter", f"Expected an attribute, found {word!r}")
        if self.peek() == ("punct", "["):
            self.take()
            inner = self.parse_or()
            self.expect("]")
            path = parse_attr_path(word)
            then: Compare | Present | None = None
            nxt = self.peek()
            if nxt and nxt[0] == "word" and nxt[1].startswith("."):
                self.take()
                then = self.comparison(parse_attr_path(nxt[1][1:]))
            return ValuePath(path, inner, then)
        return self.comparison(parse_attr_path(word))

    def comparison(self, path: AttrPath) -> Compare | Present:
        kind, op = self.take()
        op = op.lower()
        if op == "pr":
            return Present(path)
        if kind != "word" or op not in OPERATORS:
            raise ScimError(400, "invalidFilter", f"Unknown operator {op!r}")
        return Compare(path, op, self.value())

    def value(self) -> Any:
        kind, raw = self.take()
        if kind == "string":
            return json.loads(raw)
        low = raw.lower()
        if low in {"true", "false"}:
            return low == "true"
        if low == "null":
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ScimError(400, "invalidFilter", f"Not a filter value: {raw!r}") from None


def parse_filter(text: str) -> Node:
    parser = _Parser(text)
    node = parser.parse_or()
    if parser.peek() is not None:
        raise ScimError(400, "invalidFilter", f"Unexpected {parser.peek()[1]!r} in the filter")  # type: ignore[index]
    return node


@dataclass(frozen=True)
class PatchPath:
    """A PATCH target: ``attr``, ``attr.sub``, ``attr[filter]`` or ``attr[filter].sub``."""

    path: AttrPath
    filter: Node | None = None
    sub: str | None = None


def parse_patch_path(text: str) -> PatchPath:
    text = text.strip()
    if "[" in text:
        head, _, rest = text.partition("[")
        inner, close, tail = rest.rpartition("]")
        if not close:
            raise ScimError(400, "invalidPath", f"Unbalanced brackets in the path {text!r}")
        sub = tail[1:] if tail.startswith(".") else None
        if tail and sub is None:
            raise ScimError(400, "invalidPath", f"Cannot read the path {text!r}")
        return PatchPath(_path_or_invalid(head), parse_filter(inner), sub)
    return PatchPath(_path_or_invalid(text))


def _path_or_invalid(text: str) -> AttrPath:
    try:
        return parse_attr_path(text)
    except ScimError as exc:
        raise ScimError(400, "invalidPath", exc.detail) from None
