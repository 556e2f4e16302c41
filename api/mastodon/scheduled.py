"""``/api/v1/scheduled_statuses``: posts waiting for their time (``POST /api/v1/statuses`` with
``scheduled_at`` makes one), read, moved to another time and cancelled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, json_response
from api.entities import Entities, iso


def scheduled_at(value: Any) -> datetime:
    """An ISO 8601 time, in UTC when it names no zone."""
    parsed = parse_datetime(str(value or "").strip())
    if parsed is None:
        raise Unprocessable("Validation failed: Scheduled at is not a valid time")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def render_scheduled(entities: Entities, items: list[Any]) -> list[dict[str, Any]]:
    """Mastodon's ScheduledStatus, the images of a whole page read in one statement."""
    from posts.models import MediaAttachment

    wanted = {int(pk) for s in items for pk in s.params.get("media_ids") or ()}
    media = {m.pk: m for m in MediaAttachment.objects.filter(pk__in=wanted)} if wanted else {}
    out = []
    for s in items:
        p = s.params
        poll = p.get("poll")
        out.append(
            {
                "id": str(s.pk),
                "scheduled_at": iso(s.scheduled_at),
                "params": {
                    "text": p["text"],
                    "poll": None
                    if poll is None
                    else {
                        "options": poll["options"],
                        "expires_in": str(poll["expires_in"]),
                        "multiple": poll["multiple"],
                        "hide_totals": poll["hide_totals"],
                    },
                    "media_ids": p.get("media_ids") or None,
                    "sensitive": p["sensitive"],
                    "spoiler_text": p["spoiler_text"] or None,
                    "visibility": p["visibility"] or "public",
                    "in_reply_to_id": str(p["in_reply_to_id"]) if p["in_reply_to_id"] else None,
                    "language": p["language"] or None,
                    "application_id": None,
                    "scheduled_at": None,
                    "idempotency": None,
                    "with_rate_limit": False,
                    "bt_unit_id": str(p["unit_id"]) if p.get("unit_id") else None,
                    "bt_min_rank": p.get("min_rank"),
                },
                "media_attachments": [
                    entities.media(media[int(pk)]) for pk in p.get("media_ids") or () if int(pk) in media
                ],
            }
        )
    return out


class ScheduledStatuses(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request) -> HttpResponse:
        from posts.selectors import scheduled_post_list

        entities = Entities(request, self.viewer)
        return self.paged(
            scheduled_post_list(self.viewer, self.page()), lambda items: render_scheduled(entities, items)
        )


class ScheduledStatusDetail(MastodonView):
    scopes = {"GET": "read:statuses", "PUT": "write:statuses", "DELETE": "write:statuses"}

    def get(self, request: Request, scheduled_id: str) -> HttpResponse:
        from posts.selectors import scheduled_post_get

        found = scheduled_post_get(self.viewer, scheduled_id)
        return json_response(render_scheduled(Entities(request, self.viewer), [found])[0])

    def put(self, request: Request, scheduled_id: str) -> HttpResponse:
        from posts.selectors import scheduled_post_get
        from posts.services import scheduled_post_reschedule

        moved = scheduled_post_reschedule(
            scheduled=scheduled_post_get(self.viewer, scheduled_id),
            scheduled_at=scheduled_at(request.data.get("scheduled_at")),
        )
        return json_response(render_scheduled(Entities(request, self.viewer), [moved])[0])

    def delete(self, request: Request, scheduled_id: str) -> HttpResponse:
        from posts.selectors import scheduled_post_get
        from posts.services import scheduled_post_delete

        scheduled_post_delete(scheduled=scheduled_post_get(self.viewer, scheduled_id))
        return json_response({})
