"""``/api/v1/tags/:name`` (one hashtag and its week of use, which apps show above a hashtag timeline, with
a Follow button), ``/api/v1/tags/:name/follow`` and ``unfollow``, and ``/api/v1/followed_tags``.

A followed hashtag brings the posts that carry it into the follower's home timeline, as far as policy
lets them see each one (``timelines.services.fanout_run``).
"""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, json_response
from api.entities import Entities
from api.mastodon.search import tags_entities


class TagDetail(MastodonView):
    """Public in Mastodon; here a tag exists only for someone who may see a post carrying it (or who
    follows it), so an anonymous caller gets 404."""

    scopes = {"GET": "read:statuses"}
    public = frozenset({"GET"})
    user_required = False

    def get(self, request: Request, name: str) -> HttpResponse:
        from search.selectors import hashtag_get

        [tag] = tags_entities(Entities(request, self.viewer), [hashtag_get(self.viewer, name)])
        return json_response(tag)


class FollowTag(MastodonView):
    scopes = {"POST": "write:follows"}

    def post(self, request: Request, name: str) -> HttpResponse:
        from search.selectors import hashtag_results
        from social.services import tag_follow

        hashtag = tag_follow(employee=self.employee, name=name)
        [tag] = tags_entities(Entities(request, self.viewer), hashtag_results(self.viewer, [hashtag]))
        return json_response(tag)


class UnfollowTag(MastodonView):
    scopes = {"POST": "write:follows"}

    def post(self, request: Request, name: str) -> HttpResponse:
        from search.selectors import hashtag_results
        from social.services import tag_unfollow

        hashtag = tag_unfollow(employee=self.employee, name=name)
        [tag] = tags_entities(Entities(request, self.viewer), hashtag_results(self.viewer, [hashtag]))
        return json_response(tag)


class FollowedTags(MastodonView):
    scopes = {"GET": "read:follows"}

    def get(self, request: Request) -> HttpResponse:
        from search.selectors import hashtag_results
        from social.selectors import followed_tags

        entities = Entities(request, self.viewer)
        hashtags = followed_tags(self.viewer, self.page(default=100, maximum=200))
        return self.paged(hashtags, lambda page: tags_entities(entities, hashtag_results(self.viewer, page)))
