"""``/api/v1/apps``: client registration and the app's own credentials."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api import scopes as mastodon_scopes
from api.base import MastodonView, json_response
from api.models import AppRegistration
from api.selectors import registration_of
from api.services import app_register


def application_entity(registration: AppRegistration, *, client_secret: str | None = None) -> dict[str, Any]:
    app = registration.application
    uris = app.redirect_uris.split()
    data: dict[str, Any] = {
        "id": str(app.pk),
        "name": app.name,
        "website": registration.website or None,
        "scopes": registration.scope_list,
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": "",
    }
    if client_secret is not None:
        data.update(client_id=app.client_id, client_secret=client_secret, client_secret_expires_at=0)
    return data


def _redirect_uris(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(u).strip() for u in raw if str(u).strip()]
    return str(raw or "").split()


class AppCreate(MastodonView):
    authentication_classes: list[Any] = []
    public = frozenset({"POST"})

    def post(self, request: Request) -> HttpResponse:
        data = request.data
        raw_uris = data.getlist("redirect_uris[]") if hasattr(data, "getlist") else None
        registered = app_register(
            name=str(data.get("client_name") or ""),
            redirect_uris=_redirect_uris(raw_uris or data.get("redirect_uris")),
            scopes=mastodon_scopes.parse(data.get("scopes")),
            website=str(data.get("website") or ""),
        )
        return json_response(
            application_entity(registered.registration, client_secret=registered.client_secret)
        )


class AppVerifyCredentials(MastodonView):
    # Mastodon answers this for any valid token of the app, whatever its scopes.
    scopes = {"GET": ""}
    user_required = False

    def get(self, request: Request) -> HttpResponse:
        app = request.auth.application if request.auth is not None else None
        if app is None:
            return json_response({"error": "The access token is invalid"}, status=401)
        return json_response(application_entity(registration_of(app)))
