"""Bearer tokens (OAuth2, DOT) for apps; the session for the web UI. Both tenant-local."""

from __future__ import annotations

from typing import Any

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions
from rest_framework.request import Request

INVALID_TOKEN = "The access token is invalid"  # noqa: S105 (a message, not a secret)


def _presents_token(request: Request) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[:7].lower() == "bearer " or "access_token" in request.query_params


class BearerAuthentication(OAuth2Authentication):
    """DOT's bearer authentication, plus two Mastodon rules: a token that is presented but not valid
    is a 401 even on public endpoints, and a deactivated employee's token stops working at once."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            if _presents_token(request):
                raise exceptions.AuthenticationFailed(INVALID_TOKEN)
            return None
        user, token = result
        if user is not None and not user.is_active:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
