"""``/api/v2/suggestions`` and ``/api/v1/suggestions``: colleagues to follow
(``social.selectors.suggestions``), and ``DELETE /api/v1/suggestions/:account_id`` to stop suggesting
someone."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, json_response
from api.entities import Entities
from api.mastodon.search import _int


def _limit(request: Request) -> int:
    return _int(request.query_params.get("limit"), "limit", default=40, low=1, high=80)


class SuggestionsV2(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        from social.selectors import suggestions

        found = suggestions(self.viewer, limit=_limit(request))
        accounts = Entities(request, self.viewer).accounts([person for person, _ in found])
        return json_response(
            [
                # ``source`` is the field apps older than Mastodon 4.3 read.
                {
                    "source": "staff" if "featured" in sources else "global",
                    "sources": sources,
                    "account": account,
                }
                for (_, sources), account in zip(found, accounts, strict=True)
            ]
        )


class SuggestionsV1(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        from social.selectors import suggestions

        found = suggestions(self.viewer, limit=_limit(request))
        return json_response(Entities(request, self.viewer).accounts([person for person, _ in found]))


class SuggestionDismiss(MastodonView):
    """Mastodon asks only ``read`` for this: it changes what one is shown, nothing anyone else sees."""

    scopes = {"DELETE": "read:accounts"}

    def delete(self, request: Request, account_id: str) -> HttpResponse:
        from api.selectors import account_get
        from social.services import suggestion_dismiss

        suggestion_dismiss(employee=self.employee, target=account_get(self.viewer, account_id))
        return json_response({})
