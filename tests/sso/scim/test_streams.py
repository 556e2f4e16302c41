"""Offboarding through SCIM closes the person's open streaming connection at once (a real server)."""

from __future__ import annotations

import http.client
import json
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

pytest.importorskip("streaming.hub", reason="the streaming app has not landed")

from directory.models import Employee
from sso.scim.models import ScimToken, ScimUser
from sso.scim.services import scim_token_create
from tenants.models import Tenant
from tests.support.processes import asgi_server

pytestmark = pytest.mark.slow


@pytest.fixture
def live(django_db_setup, django_db_blocker, tmp_path: Path) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            token, secret = scim_token_create(name="stream test", actor=None)
        connection.set_schema_to_public()
        made: list[int] = []
        try:
            with asgi_server(log=tmp_path / "server.log") as base:
                port = int(base.rsplit(":", 1)[1])
                yield {
                    "acme": acme,
                    "port": port,
                    "host": f"acme.localhost:{port}",
                    "scim": secret,
                    "made": made,
                }
        finally:
            from oauth2_provider.models import AccessToken, Application

            with tenant_context(acme):
                AccessToken.objects.filter(user_id__in=made).delete()
                Application.objects.filter(name="stream-test-app").delete()
                ScimUser.objects.filter(employee_id__in=made).delete()
                Employee.objects.filter(pk__in=made).delete()
                ScimToken.objects.filter(pk=token.pk).delete()
            connection.set_schema_to_public()


def _request(live: dict[str, Any], method: str, path: str, body: Any = None) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", live["port"], timeout=30)
    conn.request(
        method,
        path,
        body=json.dumps(body) if body is not None else None,
        headers={
            "Host": live["host"],
            "Authorization": f"Bearer {live['scim']}",
            "Content-Type": "application/scim+json",
        },
    )
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def _bearer_token(live: dict[str, Any], employee_id: int) -> str:
    from oauth2_provider.models import AccessToken, Application

    with tenant_context(live["acme"]):
        app, _ = Application.objects.get_or_create(
            name="stream-test-app",
            defaults={
                "client_type": "confidential",
                "authorization_grant_type": "authorization-code",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            },
        )
        token = secrets.token_urlsafe(32)
        AccessToken.objects.create(
            user_id=employee_id,
            token=token,
            application=app,
            scope="read",
            expires=timezone.now() + timedelta(days=1),
        )
    connection.set_schema_to_public()
    return token


def test_scim_deactivation_closes_an_open_sse_stream(live: dict[str, Any]) -> None:
    status, user = _request(
        live, "POST", "/scim/v2/Users", {"userName": f"streamer-{secrets.token_hex(3)}@acme.example"}
    )
    assert status == 201, user
    live["made"].append(int(user["id"]))
    bearer = _bearer_token(live, int(user["id"]))

    stream = http.client.HTTPConnection("127.0.0.1", live["port"], timeout=15)
    stream.request(
        "GET", "/api/v1/streaming/user", headers={"Host": live["host"], "Authorization": f"Bearer {bearer}"}
    )
    response = stream.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/event-stream")

    status, _ = _request(
        live,
        "PATCH",
        f"/scim/v2/Users/{user['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": False}}],
        },
    )
    assert status == 200
    started = time.monotonic()
    while True:  # heartbeats may arrive first; the stream must end, well before the periodic re-check
        line = response.fp.readline()
        if not line:
            break
        assert time.monotonic() - started < 10, "the stream stayed open after deactivation"
    assert time.monotonic() - started < 10
