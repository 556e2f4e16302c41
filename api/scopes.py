"""Mastodon's OAuth scopes: the top-level sets and the granular sub-scopes each one covers.

An endpoint declares the narrowest scope it needs (``read:statuses``); a token holding the set that
covers it (``read``) satisfies it, as Mastodon does. ``follow`` is Mastodon's legacy set for the
social graph.
"""

from __future__ import annotations

from collections.abc import Iterable

_READ = [
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
]
_WRITE = [
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
]
_ADMIN = [
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
    "canonical_email_blocks",
]

SCOPE_SETS: dict[str, frozenset[str]] = {
    "read": frozenset(f"read:{s}" for s in _READ),
    "write": frozenset(f"write:{s}" for s in _WRITE),
    "follow": frozenset(
        {"read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes"}
    ),
    "push": frozenset(),
    "profile": frozenset(),
    "admin:read": frozenset(f"admin:read:{s}" for s in _ADMIN),
    "admin:write": frozenset(f"admin:write:{s}" for s in _ADMIN),
}
ALL_SCOPES: tuple[str, ...] = tuple(
    sorted(set(SCOPE_SETS) | {sub for subs in SCOPE_SETS.values() for sub in subs})
)
DEFAULT_SCOPES = ("read",)


def parse(raw: str | Iterable[str] | None) -> list[str]:
    """Scopes from a space- (or, leniently, plus- or comma-) separated string, in order, without repeats."""
    if raw is None:
        return []
    parts = raw.replace("+", " ").replace(",", " ").split() if isinstance(raw, str) else list(raw)
    return list(dict.fromkeys(parts))


def unknown(scopes: Iterable[str]) -> list[str]:
    known = set(ALL_SCOPES)
    return [s for s in scopes if s not in known]


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes plus every sub-scope their sets cover."""
    out: set[str] = set()
    for scope in scopes:
        out.add(scope)
        out |= SCOPE_SETS.get(scope, frozenset())
    return frozenset(out)


def satisfies(granted: Iterable[str], needed: str) -> bool:
    return needed in expand(granted)


def covered(requested: Iterable[str], registered: Iterable[str]) -> bool:
    """Whether every requested scope lies within what the application registered."""
    allowed = expand(registered)
    return all(s in allowed for s in requested)
