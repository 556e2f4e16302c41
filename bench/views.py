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
        """Fan-out on read: the followees' posts straight from PostgreSQL, with the real endpoint's
        building blocks (policy.visible_sql, the home rules, mutes and blocks, the page's details in the
        same statement) and the same serializer, so the only difference is where candidates come from."""
        from policy import dangerously_all_posts, visible_sql
        from posts.selectors import status_details_sql
        from social.filters import post_silenced_sql
        from timelines.selectors import RANK_NAMES_SQL, RELATED, _home_rules_sql, attach_rank_names

        viewer = self.viewer
        page = self.page()
        me = viewer.id
        followed = (
            "(posts_post.author_id = %s OR posts_post.author_id IN"
            " (SELECT followee_id FROM social_follow WHERE follower_id = %s))",
            [me, me],
        )
        visible = visible_sql(viewer, "posts_post")
        rules = _home_rules_sql(me)
        silenced_sql, silenced_params = post_silenced_sql(me, "posts_post")
        conditions = [followed, visible, rules, (f"NOT {silenced_sql}", silenced_params)]
        details = status_details_sql(viewer, "COALESCE(posts_post.reblog_of_id, posts_post.id)")
        posts = (
            dangerously_all_posts()
            .select_related(*RELATED)
            .extra(
                select={"rank_names": RANK_NAMES_SQL} | {name: sql for name, (sql, _) in details.items()},
                select_params=[p for _, params in details.values() for p in params],
                where=[sql for sql, _ in conditions],
                params=[p for _, params in conditions for p in params],
            )
            .filter(**page.id_filter())
            .order_by(page.order_by())[: page.limit]
        )
        rows = list(posts)
        for post in rows:
            post.details_of_original = True  # type: ignore[attr-defined]
        attach_rank_names(rows)
        return self.paged(page.arrange(rows), Entities(request, viewer).statuses)
