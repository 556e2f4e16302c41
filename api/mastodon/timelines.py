"""``/api/v1/timelines``: home, the company timeline (``public``), hashtags, lists and org units."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, flag, id_list
from api.entities import Entities


class Home(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request) -> HttpResponse:
        from timelines.selectors import home_timeline

        return self.paged(
            home_timeline(self.viewer, self.page()), Entities(request, self.viewer).timeline("home")
        )


class Public(MastodonView):
    """The company timeline. ``remote=true`` is empty: a tenant has no federated posts."""

    scopes = {"GET": "read:statuses"}

    def get(self, request: Request) -> HttpResponse:
        from timelines.selectors import public_timeline

        if flag(request.query_params.get("remote")):
            return self.paged([], Entities(request, self.viewer).statuses)
        posts = public_timeline(
            self.viewer, self.page(), only_media=flag(request.query_params.get("only_media"))
        )
        return self.paged(posts, Entities(request, self.viewer).timeline("public"))


class Tag(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request, hashtag: str) -> HttpResponse:
        from timelines.selectors import tag_timeline

        posts = tag_timeline(
            self.viewer,
            hashtag,
            self.page(),
            any_tags=tuple(id_list(request, "any")),
            all_tags=tuple(id_list(request, "all")),
            none_tags=tuple(id_list(request, "none")),
            only_media=flag(request.query_params.get("only_media")),
        )
        return self.paged(posts, Entities(request, self.viewer).timeline("public"))


class ListTimeline(MastodonView):
    scopes = {"GET": "read:lists"}

    def get(self, request: Request, list_id: str) -> HttpResponse:
        from timelines.selectors import list_timeline

        return self.paged(
            list_timeline(self.viewer, list_id, self.page()), Entities(request, self.viewer).timeline("home")
        )


class UnitTimeline(MastodonView):
    """BizTweet extension: what is addressed to an org unit (and its subtree)."""

    scopes = {"GET": "read:statuses"}

    def get(self, request: Request, unit_id: str) -> HttpResponse:
        from timelines.selectors import unit_timeline

        return self.paged(
            unit_timeline(self.viewer, unit_id, self.page()),
            Entities(request, self.viewer).timeline("public"),
        )
