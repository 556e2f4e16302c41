"""``/api/bt/v1/admin/announcements``: administrators write the company's announcements (Mastodon's
``/api/v1/announcements`` is how everyone reads them). ``published_at`` is a time, "now", or null for a
draft; a future time schedules one."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request

from api.admin.base import AdminView
from api.admin.views import _when
from api.base import Unprocessable, flag, json_response
from api.entities import iso


def announcement_json(a: Any) -> dict[str, Any]:
    return {
        "id": str(a.pk),
        "text": a.text,
        "content": a.content_html,
        "unit_id": str(a.unit_id) if a.unit_id else None,
        "starts_at": iso(a.starts_at),
        "ends_at": iso(a.ends_at),
        "all_day": a.all_day,
        "published_at": iso(a.published_at),
        "state": a.state.value,  # draft, scheduled, active or ended
        "read_count": getattr(a, "read_count", None),
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
    }


def _unit_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise Unprocessable("unit_id must be a unit's id or null")
    return int(value)


def _input(body: dict[str, Any], current: Any = None) -> Any:
    """The announcement the body describes; fields it leaves out keep ``current``'s values."""
    from announcements.services import AnnouncementInput

    published = body.get("published_at", iso(current.published_at) if current else None)
    return AnnouncementInput(
        text=str(body.get("text", current.text if current else "") or ""),
        unit_id=_unit_id(body.get("unit_id", current.unit_id if current else None)),
        starts_at=_when(body.get("starts_at", iso(current.starts_at) if current else None), "starts_at"),
        ends_at=_when(body.get("ends_at", iso(current.ends_at) if current else None), "ends_at"),
        all_day=flag(body.get("all_day", current.all_day if current else False)),
        publish_at=timezone.now() if published == "now" else _when(published, "published_at"),
    )


class Announcements(AdminView):
    def get(self, request: Request) -> HttpResponse:
        from announcements.selectors import announcement_admin_list

        return json_response([announcement_json(a) for a in announcement_admin_list()[:200]])

    def post(self, request: Request) -> HttpResponse:
        from announcements.services import announcement_create

        created = announcement_create(actor=self.employee, data=_input(self.body()), ip=self.ip)
        return json_response(announcement_json(created), status=201)


class AnnouncementDetail(AdminView):
    def get(self, request: Request, pk: str) -> HttpResponse:
        from announcements.selectors import announcement_admin_get

        return json_response(announcement_json(announcement_admin_get(pk)))

    def patch(self, request: Request, pk: str) -> HttpResponse:
        from announcements.selectors import announcement_admin_get
        from announcements.services import announcement_update

        found = announcement_admin_get(pk)
        changed = announcement_update(
            actor=self.employee, announcement=found, data=_input(self.body(), found), ip=self.ip
        )
        return json_response(announcement_json(changed))

    put = patch

    def delete(self, request: Request, pk: str) -> HttpResponse:
        from announcements.selectors import announcement_admin_get
        from announcements.services import announcement_delete

        announcement_delete(actor=self.employee, announcement=announcement_admin_get(pk), ip=self.ip)
        return json_response({})
