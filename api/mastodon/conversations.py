"""``/api/v1/conversations``: the direct threads the employee takes part in (the apps' "Direct
messages"), newest activity first, paged by each conversation's last status."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, json_response
from api.entities import Entities


class Conversations(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request) -> HttpResponse:
        from timelines.selectors import conversation_list

        return self.paged(
            conversation_list(self.viewer, self.page()), Entities(request, self.viewer).conversations
        )


class ConversationDetail(MastodonView):
    """``DELETE`` takes the conversation off the list (Mastodon answers an empty object)."""

    scopes = {"DELETE": "write:conversations"}

    def delete(self, request: Request, thread_id: str) -> HttpResponse:
        from timelines.services import conversation_remove

        conversation_remove(viewer=self.viewer, thread_id=thread_id)
        return json_response({})


class ConversationRead(MastodonView):
    scopes = {"POST": "write:conversations"}

    def post(self, request: Request, thread_id: str) -> HttpResponse:
        from timelines.services import conversation_mark_read

        conversation = conversation_mark_read(viewer=self.viewer, thread_id=thread_id)
        return json_response(Entities(request, self.viewer).conversations([conversation])[0])
