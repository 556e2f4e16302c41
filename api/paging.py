"""Adapting the selectors' page results to Mastodon's Link header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse

from api.base import MastodonView


def paged_result(
    view: MastodonView, result: Any, render: Callable[[list[Any]], list[dict[str, Any]]]
) -> HttpResponse:
    """Selectors answer either a list (paged by the items' own ids) or ``(items, next_max_id, prev_min_id)``
    when they page by another row's id (a Follow, a Favourite, a Bookmark)."""
    if isinstance(result, tuple):
        items, next_max_id, prev_min_id = result
        return view.paged(
            list(items), render, next_max_id=next_max_id, prev_min_id=prev_min_id, explicit=True
        )
    return view.paged(list(result), render)
