"""Tenant export (API.md): ``POST /api/bt/v1/admin/export`` starts one, ``GET …/export/:id`` polls it,
``GET …/export/:id/download`` streams the zip; ``GET …/export`` lists them.

Admins and compliance officers (``extra_roles``). ``scope`` in every answer says what the zip's posts
are: ``full`` (a compliance officer's export: every post) or ``as_viewer`` (an admin's: what that admin
may see, since admins have no extra reading rights). One export at a time: 409 while one is queued or
running. A cancelled workspace past its export window: 403 naming the rule.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from rest_framework.request import Request

from api.admin.base import AdminView
from api.base import Forbidden, absolute, error, json_response
from api.entities import iso
from directory.models import Role
from exports import selectors, services
from exports.models import Export

SCOPE_NOTES = {
    "full": "Every post of the workspace (a compliance officer's export).",
    "as_viewer": "Only the posts the requester may see; administrators have no extra reading rights.",
}


def export_json(export: Export, *, request: Request, downloadable: bool) -> dict[str, Any]:
    requester = export.requested_by
    return {
        "id": str(export.pk),
        "state": export.state,
        "scope": export.scope,
        "scope_note": SCOPE_NOTES.get(export.scope, ""),
        "requested_by": {"id": str(requester.pk), "username": requester.username, "name": str(requester)},
        "created_at": iso(export.created_at),
        "started_at": iso(export.started_at),
        "finished_at": iso(export.finished_at),
        "attempts": export.attempts,
        "size": export.size,
        "counts": export.counts,
        "error": export.error or None,
        "url": absolute(request, reverse("admin-export", args=[export.pk])),
        "download_url": absolute(request, reverse("admin-export-download", args=[export.pk]))
        if downloadable
        else None,
    }


class _ExportView(AdminView):
    extra_roles = frozenset({Role.COMPLIANCE})

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, services.ExportBusy):
            return error(str(exc), 409, active_id=str(exc.active.pk))
        return super().handle_exception(exc)

    def render(self, export: Export) -> dict[str, Any]:
        return export_json(
            export, request=self.request, downloadable=selectors.may_download(self.viewer, export)
        )


class Exports(_ExportView):
    def get(self, request: Request) -> HttpResponse:
        exports = selectors.export_list(self.viewer, page=self.page(default=20, maximum=40))
        return self.paged(exports, lambda items: [self.render(e) for e in items])

    def post(self, request: Request) -> HttpResponse:
        export = services.export_start(actor=self.employee, ip=self.ip)
        body = self.render(export)
        return json_response(body, status=201, headers={"Location": body["url"]})


class ExportDetail(_ExportView):
    def get(self, request: Request, pk: str) -> HttpResponse:
        return json_response(self.render(selectors.export_get(self.viewer, pk)))


class ExportDownload(_ExportView):
    def get(self, request: Request, pk: str) -> HttpResponse | FileResponse:
        export = selectors.export_get(self.viewer, pk)
        if export.state == "failed":
            return error("This export failed; start a new one.", 409)
        if export.state != "ready":
            return error(f"This export is still {export.state}; poll it until it is ready.", 409)
        if not selectors.may_download(self.viewer, export):
            raise Forbidden(
                "Only the person who requested this export may download it "
                "(a full export: only compliance officers)."
            )
        handle = services.export_open(export=export, actor=self.employee, ip=self.ip)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=services.export_filename(export),
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
