"""``/api/v1/trends``: hashtags rising in the last 24 hours (``search.selectors.trending_tags``), posts
in fashion (``trending_posts``), and links — always none: a tenant fetches no link previews (nothing
leaves the company's network), so there is no link to rank."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, json_response
from api.entities import Entities
from api.mastodon.search import MAX_OFFSET, _int, tags_entities
from search.selectors import trending_posts, trending_tags


def _window(request: Request, *, default: int, most: int) -> tuple[int, int]:
    """Trends page by ``limit`` and ``offset``, as Mastodon's do."""
    q = request.query_params
    limit = _int(q.get("limit"), "limit", default=default, low=1, high=most)
    return limit, _int(q.get("offset"), "offset", default=0, low=0, high=MAX_OFFSET)


class TrendsTags(MastodonView):
    """Public in Mastodon, so apps ask without a token; here an anonymous caller gets an empty list,
    because every tag is counted from posts the caller may see."""

    scopes = {"GET": ""}
    public = frozenset({"GET"})
    user_required = False

    def get(self, request: Request) -> HttpResponse:
        limit, offset = _window(request, default=10, most=20)
        tags = trending_tags(self.viewer, limit=limit, offset=offset)
        return json_response(tags_entities(Entities(request, self.viewer), tags))


class TrendsStatuses(MastodonView):
    """Public in Mastodon; here an anonymous caller gets an empty list, as for tags."""

    scopes = {"GET": ""}
    public = frozenset({"GET"})
    user_required = False

    def get(self, request: Request) -> HttpResponse:
        limit, offset = _window(request, default=20, most=40)
        posts = trending_posts(self.viewer, limit=limit, offset=offset)
        return json_response(Entities(request, self.viewer).statuses(posts))


class TrendsLinks(MastodonView):
    scopes = {"GET": ""}
    public = frozenset({"GET"})
    user_required = False

    def get(self, request: Request) -> HttpResponse:
        return json_response([])
