"""``/api/v1/bookmarks``: posts the employee saved, newest bookmark first."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView
from api.entities import Entities
from api.paging import paged_result


class Bookmarks(MastodonView):
    scopes = {"GET": "read:bookmarks"}

    def get(self, request: Request) -> HttpResponse:
        from posts.selectors import bookmarks_timeline

        return paged_result(
            self, bookmarks_timeline(self.viewer, self.page()), Entities(request, self.viewer).statuses
        )
