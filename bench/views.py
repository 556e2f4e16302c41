"""The bench-only endpoints the home timeline is compared with, and the per-request query counter.

- ``hello``: the cheapest Django answer through the same middleware (tenant by host, sessions, auth):
  the ceiling of what this server can do per second.
- ``NaiveHome``: the home timeline computed on read, in the simplest correct way: the viewer's and their
  followees' posts through ``policy.visible_posts`` with the same home rules, newest first, serialised by
  the same ``api.entities.Entities`` as the real endpoint. Fan-out on write has to beat this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request

from api.base import MastodonView
from api.entities import Entities


class QueryCounter:
    """Counts the SQL statements of each request and sends the count back as ``X-Bench-Queries``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"hello":"world"}', content_type="application/json")


class NaiveHome(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request) -> HttpResponse:
        from policy import visible_posts
        from social.filters import post_silenced_q
        from social.models import Follow
        from timelines.selectors import _home_filter_q, _with_authors

        viewer = self.viewer
        page = self.page()
        me = viewer.id
        follows = Follow.objects.filter(follower_id=me).values("followee_id")
        posts = _with_authors(
            visible_posts(viewer)
            .exclude(post_silenced_q(me))
            .filter(Q(author_id=me) | Q(author_id__in=follows))
            .filter(_home_filter_q(me))
            .filter(**page.id_filter())
        ).order_by(page.order_by())[: page.limit]
        return self.paged(page.arrange(list(posts)), Entities(request, viewer).statuses)
