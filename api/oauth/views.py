"""OAuth2 endpoints for Mastodon apps: authorize (tenant login, consent, OOB), token, revoke, metadata."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as dot
from oauth2_provider.http import OAuth2ResponseRedirect

from api import scopes as mastodon_scopes
from api.base import json_response
from api.oauth.validator import password_login_enabled
from api.selectors import registration_of
from api.services import OOB

SCOPE_LABELS = {
    "read": "Read your timelines, notifications, profile and lists",
    "write": "Post, like, repost and change your profile for you",
    "follow": "Follow, mute and block people for you",
    "push": "Receive push notifications",
    "profile": "See your profile",
    "admin:read": "Read the company's administration data",
    "admin:write": "Change the company's administration settings",
}


class MastodonAuthorizationView(dot.AuthorizationView):
    """The tenant's sign-in page first (``web:login``), then a consent page; an app registered with the
    out-of-band URN is shown the code to paste instead of being redirected."""

    template_name = "api/authorize.html"
    login_url = reverse_lazy("web:login")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        requested = mastodon_scopes.parse(context.get("scopes") or [])
        context["scope_items"] = [(s, SCOPE_LABELS.get(s, s)) for s in requested]
        app = context.get("application")
        context["registration"] = registration_of(app) if app is not None else None
        return context

    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        if redirect_to.startswith(OOB):
            query = parse_qs(urlsplit(redirect_to).query)
            return render(
                self.request,
                "api/oob.html",
                {
                    "code": (query.get("code") or [""])[0],
                    "error": (query.get("error") or [""])[0],
                    "application": application,
                },
            )
        # Each app may redirect to the schemes it registered (myapp://callback), nothing else.
        schemes = {"http", "https"}
        if application is not None:
            schemes |= {urlsplit(u).scheme for u in application.redirect_uris.split() if u != OOB}
        return OAuth2ResponseRedirect(redirect_to, sorted(schemes))


@method_decorator(csrf_exempt, name="dispatch")
class MastodonTokenView(dot.TokenView):
    """DOT's token endpoint, answering with Mastodon's ``created_at`` beside the OAuth fields."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            body = json.loads(response.content)
            body.setdefault("created_at", int(time.time()))
            body["token_type"] = "Bearer"  # noqa: S105
            out = json_response(body)
            out["Cache-Control"] = "no-store"
            return out
        return response


@method_decorator(csrf_exempt, name="dispatch")
class MastodonRevokeView(dot.RevokeTokenView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            return json_response({})
        return response


def authorization_server_metadata(request: HttpRequest) -> HttpResponse:
    """RFC 8414 metadata, as Mastodon 4.3 serves it at ``/.well-known/oauth-authorization-server``."""
    base = f"{request.scheme}://{request.get_host()}"
    grants = ["authorization_code", "client_credentials", "refresh_token"]
    if password_login_enabled():
        grants.insert(1, "password")
    return json_response(
        {
            "issuer": f"{base}/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": base + reverse("api:oauth-authorize"),
            "token_endpoint": base + reverse("api:oauth-token"),
            "app_registration_endpoint": base + "/api/v1/apps",
            "revocation_endpoint": base + reverse("api:oauth-revoke"),
            "scopes_supported": list(mastodon_scopes.ALL_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": grants,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )
