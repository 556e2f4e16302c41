"""``/api/v2/media`` (upload) and ``/api/v1/media/:id`` (read, describe)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, json_response
from api.entities import Entities


def _focus(value: Any) -> str:
    return str(value or "")


class MediaCreate(MastodonView):
    scopes = {"POST": "write:media"}

    def post(self, request: Request) -> HttpResponse:
        from posts.services import media_create

        upload = request.FILES.get("file")
        if upload is None:
            raise Unprocessable("Validation failed: File can't be blank")
        media = media_create(
            owner=self.employee,
            upload=upload,
            description=str(request.data.get("description") or ""),
            focus=_focus(request.data.get("focus")),
        )
        return json_response(Entities(request, self.viewer).media(media))


class MediaDetail(MastodonView):
    scopes = {"GET": "write:media", "PUT": "write:media"}

    def _own(self, media_id: str) -> Any:
        from posts.selectors import media_for_owner

        return media_for_owner(self.viewer, media_id)

    def get(self, request: Request, media_id: str) -> HttpResponse:
        return json_response(Entities(request, self.viewer).media(self._own(media_id)))

    def put(self, request: Request, media_id: str) -> HttpResponse:
        from posts.services import media_update

        data = request.data
        media = media_update(
            media=self._own(media_id),
            owner=self.employee,
            description=data.get("description"),
            focus=data.get("focus"),
        )
        return json_response(Entities(request, self.viewer).media(media))
