"""``/api/v1/favourites``: posts the employee liked, newest like first."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView
from api.entities import Entities
from api.paging import paged_result


class Favourites(MastodonView):
    scopes = {"GET": "read:favourites"}

    def get(self, request: Request) -> HttpResponse:
        from posts.selectors import favourites_timeline

        return paged_result(
            self, favourites_timeline(self.viewer, self.page()), Entities(request, self.viewer).statuses
        )
