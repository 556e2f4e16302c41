"""A SCIM client for acme: a bearer token minted through the app's own service, JSON in and out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from sso.scim.services import scim_token_create
from tenants.models import Tenant
from tests.conftest import ACME_HOST

SCIM_JSON = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Scim:
    client: Client
    token: str

    def _auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/scim/v2{path}", params or {}, **self._auth())

    def _send(self, method: str, path: str, body: Any) -> Any:
        return getattr(self.client, method)(
            f"/scim/v2{path}", json.dumps(body), content_type=SCIM_JSON, **self._auth()
        )

    def post(self, path: str, body: Any) -> Any:
        return self._send("post", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("put", path, body)

    def patch(self, path: str, *operations: dict[str, Any]) -> Any:
        return self._send("patch", path, {"schemas": [PATCH], "Operations": list(operations)})

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/scim/v2{path}", **self._auth())

    def create_user(self, user_name: str, **extra: Any) -> dict[str, Any]:
        response = self.post("/Users", {"schemas": [USER], "userName": user_name, **extra})
        assert response.status_code == 201, response.content
        return response.json()


@pytest.fixture
def scim(acme: Tenant) -> Scim:
    _, secret = scim_token_create(name="Okta", actor=None)
    return Scim(client=Client(HTTP_HOST=ACME_HOST), token=secret)


def bearer_client(employee: Any, scope: str = "read write follow") -> Client:
    """A Mastodon API client holding a fresh OAuth access token of ``employee``."""
    import secrets
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    app, _ = Application.objects.get_or_create(
        name="scim-test-app",
        defaults={
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        },
    )
    token = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        user=employee, token=token, application=app, scope=scope, expires=timezone.now() + timedelta(days=1)
    )
    return Client(HTTP_HOST=ACME_HOST, HTTP_AUTHORIZATION=f"Bearer {token}")
