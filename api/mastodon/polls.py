"""``/api/v1/polls``: read a poll, vote in it."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, id_list, json_response
from api.entities import Entities


class PollDetail(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request, poll_id: str) -> HttpResponse:
        from posts.selectors import poll_for

        return json_response(Entities(request, self.viewer).poll(poll_for(self.viewer, poll_id)))


class PollVote(MastodonView):
    scopes = {"POST": "write:statuses"}

    def post(self, request: Request, poll_id: str) -> HttpResponse:
        from posts.selectors import poll_for
        from posts.services import poll_vote

        raw = id_list(request, "choices")
        try:
            choices = [int(c) for c in raw]
        except ValueError:
            raise Unprocessable("Validation failed: choices must be numbers") from None
        poll = poll_vote(poll=poll_for(self.viewer, poll_id), voter=self.employee, choices=choices)
        return json_response(Entities(request, self.viewer).poll(poll))
