"""The base of every Mastodon endpoint: auth, per-method scopes, ``{"error": …}`` answers, orjson, paging.

Views stay thin (STYLE.md): parse, build the viewer, call one service or selector, serialise. Entities
are prepared dicts dumped with orjson; nested DRF serializers cost ~100× more per page (issue 7).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from api import scopes as mastodon_scopes
from api.auth import INVALID_TOKEN
from common.paging import Page, PageInvalid
from policy import ActionRefused, Viewer

log = logging.getLogger(__name__)


class Unprocessable(Exception):
    """Mastodon's 422: the request was understood but its content is not acceptable."""


class Forbidden(Exception):
    pass


def json_response(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(data), status=status, content_type="application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error(message: str, status: int, **extra: Any) -> HttpResponse:
    return json_response({"error": message, **extra}, status=status)


def _invalid_exceptions() -> tuple[type[BaseException], ...]:
    """The domain's "bad input" errors, each answered 422 with its message (imported late: the API
    sits above every app)."""
    from filters.errors import FilterInvalid
    from posts.errors import PostInvalid
    from social.errors import SocialInvalid
    from timelines.services import MarkerInvalid

    return (
        PostInvalid,
        SocialInvalid,
        FilterInvalid,
        MarkerInvalid,
        Unprocessable,
        PageInvalid,
        DjangoValidationError,
    )


def _message(exc: BaseException) -> str:
    if isinstance(exc, DjangoValidationError):
        return "; ".join(exc.messages)
    return str(getattr(exc, "message", None) or exc)


class MastodonView(APIView):
    """Subclasses set ``scopes = {"GET": "read:statuses", ...}`` for every method they implement.

    ``user_required`` (default): an app-only token (client_credentials) gets Mastodon's 422; ``public``
    methods answer without any credentials (instance, the well-known metadata).
    """

    scopes: ClassVar[dict[str, str]] = {}
    public: ClassVar[frozenset[str]] = frozenset()
    user_required: ClassVar[bool] = True
    permission_classes: ClassVar[list[Any]] = []

    viewer: Viewer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        method = request.method or "GET"
        if method == "OPTIONS" or not hasattr(self, method.lower()):
            return  # a method the view does not implement: DRF answers 405 next
        needed = self.scopes.get(method)
        assert needed is not None or method in self.public, (
            f"{type(self).__name__} declares no scope for {method}"
        )
        token = request.auth
        if token is None and request.user is None:
            if method in self.public:
                self.viewer = Viewer(employee=None)
                return
            raise exceptions.NotAuthenticated("This API requires an authenticated user")
        if token is not None and needed:
            granted = token.scope.split() if hasattr(token, "scope") else []
            if not mastodon_scopes.satisfies(granted, needed):
                raise Forbidden("This action is outside the authorized scopes")
        if self.user_required and request.user is None and method not in self.public:
            raise Unprocessable("This method requires an authenticated user")
        self.viewer = Viewer.of(request.user)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            message = str(exc.detail) if isinstance(exc, exceptions.NotAuthenticated) else INVALID_TOKEN
            response = error(message, 401)
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        if isinstance(exc, Forbidden | exceptions.PermissionDenied):
            return error(str(exc), 403)
        if isinstance(exc, ActionRefused):
            return error(str(exc), 403, rule=exc.rule)
        if isinstance(exc, Http404 | exceptions.NotFound):
            return error("Record not found", 404)
        if isinstance(exc, _invalid_exceptions()):
            return error(_message(exc), 422)
        if isinstance(exc, exceptions.MethodNotAllowed):
            return error("Method not allowed", 405)
        if isinstance(exc, exceptions.UnsupportedMediaType | exceptions.ParseError):
            return error(str(exc.detail), 400)
        if isinstance(exc, exceptions.Throttled):
            return error("Too many requests", 429)
        if isinstance(exc, exceptions.APIException):
            return error(str(exc.detail), exc.status_code)
        raise exc

    # -- helpers for subclasses -------------------------------------------------------------------

    @property
    def employee(self) -> Any:
        return self.viewer.employee

    def page(self, *, default: int = 20, maximum: int = 40) -> Page:
        return Page.from_params(self.request.query_params, default=default, maximum=maximum)

    def data(self) -> Any:
        """The request body: JSON or form fields, as Mastodon accepts both."""
        return self.request.data

    def paged(
        self,
        items: list[Any],
        render: Callable[[list[Any]], list[dict[str, Any]]],
        *,
        cursor: Callable[[Any], int] | None = None,
        next_max_id: int | None = None,
        prev_min_id: int | None = None,
        explicit: bool = False,
    ) -> HttpResponse:
        """A JSON array page with Mastodon's ``Link`` header (next = older, prev = newer)."""
        if items and not explicit:
            key = cursor or _cursor
            next_max_id, prev_min_id = key(items[-1]), key(items[0])
        headers = {}
        link = link_header(self.request, next_max_id=next_max_id, prev_min_id=prev_min_id)
        if link:
            headers["Link"] = link
        return json_response(render(items), headers=headers)


def _cursor(item: Any) -> int:
    """Where the next page starts: the linking row's id (a like, a follow) when the item carries one."""
    for name in ("paging_id", "cursor_id"):
        value = getattr(item, name, None)
        if value is not None:
            return int(value)
    return int(item.pk)


def absolute(request: Request, path: str) -> str:
    return f"{request.scheme}://{request.get_host()}{path}"


def link_header(request: Request, *, next_max_id: int | None, prev_min_id: int | None) -> str:
    keep = [(k, v) for k, v in request.query_params.lists() if k not in {"max_id", "min_id", "since_id"}]
    base = absolute(request, request.path)
    parts = []
    if next_max_id is not None:
        parts.append(f'<{base}?{_query(keep, "max_id", next_max_id)}>; rel="next"')
    if prev_min_id is not None:
        parts.append(f'<{base}?{_query(keep, "min_id", prev_min_id)}>; rel="prev"')
    return ", ".join(parts)


def _query(keep: Iterable[tuple[str, list[str]]], key: str, value: int) -> str:
    pairs = [(k, v) for k, values in keep for v in values] + [(key, str(value))]
    return urlencode(pairs)


def flag(value: Any, default: bool = False) -> bool:
    """Mastodon's booleans arrive as true/false, 1/0, on, or real JSON booleans."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "t", "on", "yes"}


def id_list(request: Request, name: str) -> list[str]:
    """Repeated ``name[]=…`` (Mastodon's array form) or ``name=…`` parameters."""
    params = request.query_params
    values = params.getlist(f"{name}[]") or params.getlist(name)
    if not values and hasattr(request.data, "getlist"):
        values = request.data.getlist(f"{name}[]") or request.data.getlist(name)
    elif not values and isinstance(request.data, dict):
        raw = request.data.get(name) or request.data.get(f"{name}[]") or []
        values = raw if isinstance(raw, list) else [raw]
    return [str(v) for v in values]
