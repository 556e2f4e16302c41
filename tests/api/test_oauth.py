"""OAuth2 for Mastodon apps: registration, every grant, scopes, revocation, deactivation."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from tests.api.conftest import People
from tests.conftest import ACME_HOST, GLOBEX_HOST

pytestmark = pytest.mark.django_db


def register(client: Client, **extra: str) -> dict:
    data = {
        "client_name": "Tooter",
        "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": "read write follow",
    }
    data.update(extra)
    response = client.post("/api/v1/apps", data)
    assert response.status_code == 200, response.content
    return response.json()


def password_token(
    client: Client, app: dict, username: str, password: str, scope: str = "read write"
) -> dict:
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": username,
            "password": password,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_app_registration_answers_mastodons_application_entity(acme, acme_client: Client) -> None:
    app = register(acme_client, website="https://tooter.example")
    assert app["name"] == "Tooter"
    assert app["client_id"] and app["client_secret"]
    assert app["redirect_uri"] == "urn:ietf:wg:oauth:2.0:oob"
    assert app["redirect_uris"] == ["urn:ietf:wg:oauth:2.0:oob"]
    assert app["scopes"] == ["read", "write", "follow"]
    assert app["website"] == "https://tooter.example"


def test_app_registration_with_bad_input_is_422(acme, acme_client: Client) -> None:
    assert acme_client.post("/api/v1/apps", {"redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}).status_code == 422
    response = acme_client.post(
        "/api/v1/apps",
        {"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read launch:missiles"},
    )
    assert response.status_code == 422
    assert "error" in response.json()


def test_password_grant_token_reads_verify_credentials(acme, acme_client: Client, people: People) -> None:
    app = register(acme_client)
    token = password_token(acme_client, app, "kim", "pw-kim-123")
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"read", "write"}
    assert "created_at" in token
    me = acme_client.get(
        "/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}"
    )
    assert me.status_code == 200
    assert me.json()["username"] == "kim"
    assert me.json()["id"] == str(people.kim.pk)


def test_password_grant_accepts_email_and_refuses_a_wrong_password(
    acme, acme_client: Client, people: People
) -> None:
    app = register(acme_client)
    password_token(acme_client, app, "kim@acme.example", "pw-kim-123")
    response = acme_client.post(
        "/oauth/token",
        {
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "kim",
            "password": "nope",
            "scope": "read",
        },
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_grant"


def test_token_may_not_exceed_the_apps_registered_scopes(acme, acme_client: Client, people: People) -> None:
    app = register(acme_client, scopes="read")
    response = acme_client.post(
        "/oauth/token",
        {
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "kim",
            "password": "pw-kim-123",
            "scope": "read write",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_client_credentials_token_verifies_the_app_but_is_not_a_user(acme, acme_client: Client) -> None:
    app = register(acme_client)
    response = acme_client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    verify = acme_client.get("/api/v1/apps/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert verify.status_code == 200
    assert verify.json()["name"] == "Tooter"
    assert "client_secret" not in verify.json()
    me = acme_client.get("/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 422
    assert me.json() == {"error": "This method requires an authenticated user"}


def test_authorization_code_with_pkce_and_custom_scheme(acme, people: People) -> None:
    browser = Client(HTTP_HOST=ACME_HOST)
    app = register(browser, redirect_uris="myapp://callback", scopes="read write")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "client_id": app["client_id"],
        "redirect_uri": "myapp://callback",
        "response_type": "code",
        "scope": "read write",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "xyz",
    }

    # Not signed in: the tenant's own login page comes first.
    first = browser.get("/oauth/authorize", params)
    assert first.status_code == 302
    assert first["Location"].startswith("/login/")

    browser.force_login(people.kim)
    consent = browser.get("/oauth/authorize", params)
    assert consent.status_code == 200
    assert "Tooter" in consent.content.decode()
    form = consent.context["form"].initial
    answer = browser.post("/oauth/authorize", {**{k: v or "" for k, v in form.items()}, "allow": "Authorize"})
    assert answer.status_code == 302
    location = urlsplit(answer["Location"])
    assert location.scheme == "myapp"
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]

    token = Client(HTTP_HOST=ACME_HOST).post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": "myapp://callback",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.content
    assert token.json()["refresh_token"]


def test_authorization_code_out_of_band_shows_the_code(acme, people: People) -> None:
    browser = Client(HTTP_HOST=ACME_HOST)
    app = register(browser)
    browser.force_login(people.kim)
    params = {
        "client_id": app["client_id"],
        "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        "response_type": "code",
        "scope": "read",
    }
    consent = browser.get("/oauth/authorize", params)
    form = consent.context["form"].initial
    shown = browser.post("/oauth/authorize", {**{k: v or "" for k, v in form.items()}, "allow": "Authorize"})
    assert shown.status_code == 200
    code = shown.context["code"]
    assert code and code in shown.content.decode()
    token = Client(HTTP_HOST=ACME_HOST).post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert token.status_code == 200, token.content


def test_refresh_then_revoke(acme, acme_client: Client, people: People) -> None:
    app = register(acme_client)
    first = password_token(acme_client, app, "kim", "pw-kim-123", scope="read")
    refreshed = acme_client.post(
        "/oauth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert refreshed.status_code == 200, refreshed.content
    token = refreshed.json()["access_token"]
    revoked = acme_client.post(
        "/oauth/revoke",
        {"token": token, "client_id": app["client_id"], "client_secret": app["client_secret"]},
    )
    assert revoked.status_code == 200
    after = acme_client.get("/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert after.status_code == 401
    assert after.json() == {"error": "The access token is invalid"}


def test_deactivated_employee_token_stops_working_at_once(acme, api_as, people: People) -> None:
    api = api_as(people.kim)
    assert api.get("/api/v1/accounts/verify_credentials").status_code == 200
    people.kim.is_active = False
    people.kim.save(update_fields=["is_active"])
    response = api.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 401
    assert response.json() == {"error": "The access token is invalid"}


def test_expired_token_stops_working(acme, api_as, people: People) -> None:
    api = api_as(people.kim)
    assert api.get("/api/v1/timelines/home").status_code == 200
    AccessToken.objects.filter(token=api.token).update(expires=timezone.now() - timedelta(seconds=1))
    response = api.get("/api/v1/timelines/home")
    assert response.status_code == 401
    assert response.json() == {"error": "The access token is invalid"}


def test_token_of_one_tenant_is_unknown_on_another(acme, api_as, people: People) -> None:
    api = api_as(people.kim)
    response = Client(HTTP_HOST=GLOBEX_HOST).get(
        "/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )
    assert response.status_code == 401


def test_scope_is_checked_per_endpoint_and_sets_cover_sub_scopes(acme, api_as, people: People) -> None:
    read_only = api_as(people.kim, scope="read")
    assert read_only.get("/api/v1/accounts/verify_credentials").status_code == 200
    refused = read_only.post("/api/v1/statuses", {"status": "hi"})
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is outside the authorized scopes"}
    granular = api_as(people.kim, scope="read:accounts")
    assert granular.get("/api/v1/accounts/verify_credentials").status_code == 200
    assert granular.get("/api/v1/timelines/home").status_code == 403
    follow_only = api_as(people.kim, scope="follow")
    assert follow_only.post(f"/api/v1/accounts/{people.lee.pk}/follow").status_code == 200


def test_no_token_is_401_with_mastodons_error(acme, acme_client: Client) -> None:
    response = acme_client.get("/api/v1/timelines/home")
    assert response.status_code == 401
    assert response.json() == {"error": "This API requires an authenticated user"}


def test_well_known_metadata_lists_the_endpoints(acme, acme_client: Client) -> None:
    meta = acme_client.get("/.well-known/oauth-authorization-server").json()
    assert meta["token_endpoint"] == "http://acme.localhost/oauth/token"
    assert meta["authorization_endpoint"] == "http://acme.localhost/oauth/authorize"
    assert "password" in meta["grant_types_supported"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "read:statuses" in meta["scopes_supported"]
