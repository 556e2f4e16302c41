"""``/api/v2/search``: accounts by name for now; statuses and hashtags arrive with issue 8's search."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api import selectors
from api.base import MastodonView, flag, json_response
from api.entities import Entities


class SearchV2(MastodonView):
    scopes = {"GET": "read:search"}

    def get(self, request: Request) -> HttpResponse:
        q = request.query_params
        kind = q.get("type") or ""
        accounts = []
        if kind in {"", "accounts"}:
            try:
                limit = max(1, min(int(q.get("limit") or 20), 40))
                offset = max(0, int(q.get("offset") or 0))
            except ValueError:
                limit, offset = 20, 0
            accounts = selectors.account_search(
                self.viewer, q.get("q", ""), limit=limit, offset=offset, following=flag(q.get("following"))
            )
        return json_response(
            {"accounts": Entities(request, self.viewer).accounts(accounts), "statuses": [], "hashtags": []}
        )
