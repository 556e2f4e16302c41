"""``/api/v1/tags/:name``: one hashtag and its week of use, which apps show above a hashtag timeline.

Following hashtags is not offered: ``following`` is always false.
"""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, json_response
from api.entities import Entities
from api.mastodon.search import tags_entities


class TagDetail(MastodonView):
    """Public in Mastodon; here a tag exists only for someone who may see a post carrying it, so an
    anonymous caller gets 404."""

    scopes = {"GET": "read:statuses"}
    public = frozenset({"GET"})
    user_required = False

    def get(self, request: Request, name: str) -> HttpResponse:
        from search.selectors import hashtag_get

        [tag] = tags_entities(Entities(request, self.viewer), [hashtag_get(self.viewer, name)])
        tag["following"] = False
        return json_response(tag)
