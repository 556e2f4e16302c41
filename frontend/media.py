"""Uploaded files, served only on the host of the tenant that owns them."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest
from django.views.static import serve


def tenant_media(request: HttpRequest, schema: str, path: str) -> FileResponse:
    # The schema in the URL must be this host's own: acme's host never serves globex's files.
    if schema != connection.schema_name:
        raise Http404("Not found")
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT / schema))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
