"""Console page for the tenant export: start one, watch its state, download ready ones.

The one console page open to compliance officers as well as admins (they take the full export; an
admin's export holds only what that admin may see). Thin over ``exports``: the same services as the API,
the same rules (one at a time, the export window, who may download what).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

import policy as policy_engine
from audit.services import client_ip
from directory.models import Employee, Role
from exports import selectors, services
from frontend.console.views import _done, _page, _page_render, _viewer

View = Callable[..., HttpResponseBase]


def export_view(view: View) -> View:
    @login_required(login_url="web:login")
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (isinstance(user, Employee) and user.is_active and user.role in (Role.ADMIN, Role.COMPLIANCE)):
            raise PermissionDenied(_("Exports are for administrators and compliance officers."))
        return view(request, user, *args, **kwargs)

    return wrapped


@export_view
@require_http_methods(["GET", "POST"])
def export_page(request: HttpRequest, employee: Employee) -> HttpResponse:
    error, status = "", 200
    if request.method == "POST":
        try:
            services.export_start(actor=employee, ip=client_ip(request))
            return _done(
                request,
                _("Export started. This page shows when it is ready to download."),
                "web:console:export",
            )
        except services.ExportBusy:
            error = _("An export is already running. Wait for it to finish before starting another.")
            status = 409
        except policy_engine.ActionRefused as exc:
            error, status = str(exc), 403
    viewer = _viewer(request)
    exports = selectors.export_list(viewer, page=_page(request, 20))
    rows = [{"export": e, "downloadable": selectors.may_download(viewer, e)} for e in exports]
    active = any(e.is_active for e in exports)
    return _page_render(
        request,
        "console/export.html",
        {
            "title": _("Export"),
            "rows": rows,
            "scope": selectors.scope_for(viewer),
            "active": active,
            "window": services.export_window_refusal(),
            "error": error,
        },
        status=status,
    )


@export_view
@require_GET
def export_download(request: HttpRequest, employee: Employee, export_id: int) -> HttpResponse | FileResponse:
    viewer = _viewer(request)
    export = selectors.export_get(viewer, export_id)
    if not selectors.may_download(viewer, export):
        # Not ready, or someone else's: either way there is nothing here for this person.
        raise Http404("Not found")
    handle = services.export_open(export=export, actor=employee, ip=client_ip(request))
    response = FileResponse(
        handle, as_attachment=True, filename=services.export_filename(export), content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response
