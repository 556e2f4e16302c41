"""``/api/v2/search``: people, posts and hashtags (search.selectors; only what the viewer may see)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, flag, json_response
from api.entities import Entities
from search import selectors
from search.selectors import TagResult

TYPES = {"accounts", "statuses", "hashtags"}
MAX_OFFSET = 10_000


def _int(value: Any, name: str, *, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        return max(low, min(int(value), high))
    except (TypeError, ValueError):
        raise Unprocessable(f"{name} must be a number") from None


def tags_entities(entities: Entities, tags: list[TagResult]) -> list[dict[str, Any]]:
    """Mastodon's Tag with its ``history`` (newest day first, every number a string) and, for a signed-in
    viewer, whether they follow it (one statement for the lot)."""
    from social.selectors import followed_tag_ids

    followed: set[int] | None = None
    if entities.viewer.id is not None:
        followed = followed_tag_ids(entities.viewer, [t.pk for t in tags if t.pk is not None])
    out = []
    for tag in tags:
        following = None if followed is None else tag.pk in followed
        data = entities.tag(tag.name, tag.display_name, following=following)
        data["history"] = [
            {"day": str(int(day.timestamp())), "uses": str(uses), "accounts": str(accounts)}
            for day, uses, accounts in tag.history
        ]
        out.append(data)
    return out


class SearchV2(MastodonView):
    scopes = {"GET": "read:search"}

    def get(self, request: Request) -> HttpResponse:
        q = request.query_params
        kind = q.get("type") or ""
        if kind and kind not in TYPES:
            raise Unprocessable("type must be accounts, statuses or hashtags")
        text = (q.get("q") or "").strip()
        page = self.page(default=20, maximum=40)
        offset = _int(q.get("offset"), "offset", default=0, low=0, high=MAX_OFFSET)
        account_id = _int(q.get("account_id"), "account_id", default=0, low=0, high=2**63 - 1) or None
        entities = Entities(request, self.viewer)
        accounts: list[Any] = []
        statuses: list[Any] = []
        hashtags: list[TagResult] = []
        if text and kind in {"", "accounts"}:
            accounts = selectors.account_search(
                self.viewer, text, limit=page.limit, offset=offset, following=flag(q.get("following"))
            )
        if text and kind in {"", "statuses"}:
            statuses = selectors.status_search(self.viewer, text, page, offset=offset, account_id=account_id)
        if text and kind in {"", "hashtags"}:
            hashtags = selectors.hashtag_search(self.viewer, text, limit=page.limit, offset=offset)
        return json_response(
            {
                "accounts": entities.accounts(accounts),
                "statuses": entities.statuses(statuses),
                "hashtags": tags_entities(entities, hashtags),
            }
        )
