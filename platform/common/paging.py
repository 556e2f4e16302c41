"""Mastodon-style id paging: ``max_id`` / ``since_id`` / ``min_id`` / ``limit`` over time-sorted ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


class PageInvalid(ValueError):
    pass


def _id(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        parsed = int(str(value))
    except ValueError:
        raise PageInvalid(f"{name} must be an id") from None
    if parsed < 0:
        raise PageInvalid(f"{name} must be an id")
    return parsed


@dataclass(frozen=True)
class Page:
    """One page request. ``min_id`` pages forward from an id (oldest first, then shown newest first);
    ``since_id`` returns the newest items above an id; ``max_id`` pages back in time."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_params(
        cls, params: Mapping[str, str], *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT
    ) -> Page:
        raw_limit = params.get("limit")
        try:
            limit = int(raw_limit) if raw_limit not in (None, "") else default
        except ValueError:
            raise PageInvalid("limit must be a number") from None
        return cls(
            max_id=_id(params.get("max_id"), "max_id"),
            since_id=_id(params.get("since_id"), "since_id"),
            min_id=_id(params.get("min_id"), "min_id"),
            limit=max(1, min(limit, maximum)),
        )

    @property
    def ascending(self) -> bool:
        return self.min_id is not None

    def id_filter(self, field: str = "id") -> dict[str, int]:
        """Keyword filters for a queryset (``.filter(**page.id_filter())``)."""
        lookups: dict[str, int] = {}
        if self.max_id is not None:
            lookups[f"{field}__lt"] = self.max_id
        if self.since_id is not None:
            lookups[f"{field}__gt"] = self.since_id
        if self.min_id is not None:
            lookups[f"{field}__gt"] = max(self.min_id, self.since_id or 0)
        return lookups

    def order_by(self, field: str = "id") -> str:
        return field if self.ascending else f"-{field}"

    def arrange(self, items: list) -> list:  # type: ignore[type-arg]
        """Items fetched in ``order_by`` order, returned newest first as Mastodon answers."""
        return list(reversed(items)) if self.ascending else items
