"""Every read by a compliance officer is an audit entry (VISIBILITY.md: the compliance role "may read
everything, every read audited").

One place for every Django surface — the web pages, the Mastodon API, the admin API — instead of one
call per view, so a read path added later is audited without anyone remembering to. (Streams do not pass
through Django; ``streaming.app`` records their opening with ``compliance_stream_opened``.)

After the view ran: a GET or HEAD answered 2xx, for an active employee whose role is compliance —
signed in by session, or by bearer token (DRF sets ``request.user`` on the Django request when the view
authenticates it) — becomes one ``compliance.read`` entry with the path and query as the target, the
client's IP, and, when the address names one post (``/api/v1/statuses/:id…``, ``/@user/:id``), that
post as the target. Paths that carry no colleague's content (static files, the app shell, the unread
badges polled every few seconds, instance metadata) are left out so the log stays readable. The entry is
written before the answer leaves: a read whose entry cannot be written fails instead of going unaudited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from audit.services import audit_record, client_ip
from directory.models import Role

ACTION = "compliance.read"

# No colleague's content behind these: shell, assets, metadata, the signed-in person's own settings.
SKIP_PREFIXES = (
    "/static/",
    "/media/",
    "/avatars/",
    "/favicon",
    "/manifest.webmanifest",
    "/sw.js",
    "/login/",
    "/logout/",
    "/oauth/",
    "/.well-known/",
    "/notifications/badge",
    "/messages/badge",
    "/settings/",
    "/api/v1/instance",
    "/api/v2/instance",
    "/api/v1/custom_emojis",
    "/api/v1/preferences",
    "/api/v1/filters",
    "/api/v2/filters",
    "/api/v1/markers",
    "/api/v1/apps/verify_credentials",
    "/api/v1/accounts/verify_credentials",
    "/sso/",
    "/scim/",
)
# URL keyword arguments that name one post.
POST_KWARGS = ("status_id", "post_id")


def is_audited_path(path: str) -> bool:
    return not path.startswith(SKIP_PREFIXES)


def _compliance_officer(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not user.is_active or getattr(user, "role", None) != Role.COMPLIANCE:
        return None
    return user


def _target(request: HttpRequest) -> tuple[str, Any, str]:
    full = request.get_full_path()
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match is not None else {}
    for name in POST_KWARGS:
        if kwargs.get(name):
            return ("post", kwargs[name], full)
    return ("path", "", full)


class ComplianceReadMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method in ("GET", "HEAD")
            and 200 <= response.status_code < 300
            and getattr(getattr(request, "tenant", None), "schema_name", "public") != "public"
            and is_audited_path(request.path)
        ):
            officer = _compliance_officer(request)
            if officer is not None:
                full = request.get_full_path()
                audit_record(
                    actor=officer,
                    action=ACTION,
                    target=_target(request),
                    after={"method": request.method, "url": full} if len(full) > 200 else None,
                    ip=client_ip(request),
                )
        return response


def compliance_stream_opened(*, employee_id: int, path: str, ip: str | None) -> None:
    """For ``streaming.app``: a compliance officer opened a stream (SSE or WebSocket). Runs in the
    stream's tenant schema (``streaming.lookups`` enters it)."""
    from directory.models import Employee

    officer = Employee.objects.filter(pk=employee_id, is_active=True, role=Role.COMPLIANCE).first()
    if officer is None:
        return
    audit_record(
        actor=officer,
        action=ACTION,
        target=("stream", "", path),
        after={"url": path} if len(path) > 200 else None,
        ip=ip,
    )
