"""``/api/v1/markers``: where the employee stopped reading, shared across their devices."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, id_list, json_response
from api.entities import iso

TIMELINES = ("home", "notifications")


def marker_entity(marker: Any) -> dict[str, Any]:
    return {
        "last_read_id": str(marker.last_read_id),
        "version": marker.version,
        "updated_at": iso(marker.updated_at),
    }


class Markers(MastodonView):
    scopes = {"GET": "read:statuses", "POST": "write:statuses"}

    def get(self, request: Request) -> HttpResponse:
        from timelines.selectors import markers

        wanted = [t for t in id_list(request, "timeline") if t in TIMELINES] or list(TIMELINES)
        found = markers(self.viewer, wanted)
        items = found.items() if isinstance(found, dict) else ((m.timeline, m) for m in found)
        return json_response({name: marker_entity(m) for name, m in items})

    def post(self, request: Request) -> HttpResponse:
        from timelines.services import marker_set

        data = request.data
        out = {}
        for timeline in TIMELINES:
            nested = data.get(timeline) if not hasattr(data, "getlist") else None
            raw = (
                nested.get("last_read_id")
                if isinstance(nested, dict)
                else data.get(f"{timeline}[last_read_id]")
            )
            if raw in (None, ""):
                continue
            try:
                last_read_id = int(raw)
            except (TypeError, ValueError):
                raise Unprocessable("Validation failed: last_read_id must be an id") from None
            out[timeline] = marker_entity(
                marker_set(employee=self.employee, timeline=timeline, last_read_id=last_read_id)
            )
        return json_response(out)
