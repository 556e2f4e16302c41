"""``/api/v1/announcements``: the company's notices from its administrators, as Mastodon's server
announcements (apps show them above the home timeline, with emoji reactions and a "mark read")."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, flag, json_response
from api.entities import _mention, iso
from posts.text import tag_url


def announcement_entity(item: Any, base: str) -> dict[str, Any]:
    """Mastodon's Announcement for an ``announcements.selectors.AnnouncementItem``."""
    a = item.announcement
    return {
        "id": str(a.pk),
        "content": a.content_html,
        "starts_at": iso(a.starts_at),
        "ends_at": iso(a.ends_at),
        "all_day": a.all_day,
        "published_at": iso(a.published_at),
        "updated_at": iso(a.updated_at),
        "read": item.read,
        "mentions": [_mention({"id": e.pk, "username": e.username}, base) for e in item.mentions],
        "statuses": [],
        "tags": [{"name": name, "url": tag_url(base, name)} for name in a.tags],
        "emojis": [],
        "reactions": [{"name": r.name, "count": r.count, "me": r.me} for r in item.reactions],
    }


class Announcements(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        from announcements.selectors import announcement_list

        base = f"{request.scheme}://{request.get_host()}"
        items = announcement_list(
            self.viewer, with_dismissed=flag(request.query_params.get("with_dismissed"))
        )
        return json_response([announcement_entity(item, base) for item in items])


class AnnouncementDismiss(MastodonView):
    scopes = {"POST": "write:accounts"}

    def post(self, request: Request, announcement_id: str) -> HttpResponse:
        from announcements.selectors import announcement_get
        from announcements.services import announcement_dismiss

        announcement_dismiss(
            employee=self.employee, announcement=announcement_get(self.viewer, announcement_id)
        )
        return json_response({})


class AnnouncementReaction(MastodonView):
    scopes = {"PUT": "write:favourites", "DELETE": "write:favourites"}

    def put(self, request: Request, announcement_id: str, name: str) -> HttpResponse:
        from announcements.selectors import announcement_get
        from announcements.services import announcement_react

        found = announcement_get(self.viewer, announcement_id)
        announcement_react(employee=self.employee, announcement=found, name=unquote(name))
        return json_response({})

    def delete(self, request: Request, announcement_id: str, name: str) -> HttpResponse:
        from announcements.selectors import announcement_get
        from announcements.services import announcement_unreact

        found = announcement_get(self.viewer, announcement_id)
        announcement_unreact(employee=self.employee, announcement=found, name=unquote(name))
        return json_response({})
