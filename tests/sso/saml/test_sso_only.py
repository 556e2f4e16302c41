"""SSO-only tenants take no passwords (web form, OAuth password grant), and a Mastodon app signs in
through the company IdP: /oauth/authorize → login page → SAML → back to /oauth/authorize → token."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from django.test import Client

from directory.models import Employee
from sso.saml.services import saml_config_update
from tenants.models import Tenant
from tests.conftest import ACME_HOST, ADMIN_PASSWORD
from tests.sso.saml.conftest import Sp, signed_in_as
from tests.sso.saml.idp import TestIdP


def _register(client: Client, redirect_uri: str = "myapp://callback") -> dict[str, str]:
    answer = client.post(
        "/api/v1/apps", {"client_name": "Tooter", "redirect_uris": redirect_uri, "scopes": "read write"}
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def _password_grant(client: Client, app: dict[str, str]) -> object:
    return client.post(
        "/oauth/token",
        {
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "admin@acme.example",
            "password": ADMIN_PASSWORD,
            "scope": "read",
        },
    )


def test_sso_only_refuses_the_password_form_and_the_password_grant(acme: Tenant, acme_sp: Sp) -> None:
    browser = Client(HTTP_HOST=ACME_HOST)
    app = _register(browser)
    # Before: passwords work.
    assert _password_grant(browser, app).status_code == 200
    assert (
        browser.post("/login/", {"username": "admin@acme.example", "password": ADMIN_PASSWORD}).status_code
        == 302
    )
    browser.logout()

    saml_config_update(sso_only=True)

    form = browser.post("/login/", {"username": "admin@acme.example", "password": ADMIN_PASSWORD})
    assert form.status_code == 200  # the form again, with its error
    assert signed_in_as(browser, acme) is None
    grant = _password_grant(browser, app)
    assert grant.status_code in (400, 401)
    meta = browser.get("/.well-known/oauth-authorization-server").json()
    assert "password" not in meta["grant_types_supported"]


def test_mastodon_app_authorizes_through_the_company_idp(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., object]
) -> None:
    saml_config_update(sso_only=True)
    browser = Client(HTTP_HOST=ACME_HOST)
    app = _register(browser)
    params = {
        "client_id": app["client_id"],
        "redirect_uri": "myapp://callback",
        "response_type": "code",
        "scope": "read write",
        "state": "s1",
    }

    # 1. The app opens /oauth/authorize; not signed in, the tenant's login page comes first.
    first = browser.get("/oauth/authorize", params)
    assert first.status_code == 302 and first["Location"].startswith("/login/")
    # 2. The login page offers the company IdP, carrying the way back.
    page = browser.get(first["Location"]).content.decode()
    links = re.findall(r'href="(/sso/saml/login/[^"]*)"', page)
    assert links, "the login page must offer single sign-on"
    start = browser.get(html.unescape(links[0]))
    assert start.status_code == 302
    # 3. The IdP authenticates the person and posts a signed response to our ACS.
    request = idp.read_authn_request(start["Location"])
    assert request.relay_state and request.relay_state.startswith("/oauth/authorize?")
    saml_response = idp.response(
        email="kim.cs@acme.example",
        acs_url=acme_sp.acs_url,
        audience=acme_sp.entity_id,
        in_response_to=request.id,
        attributes={"mail": ["kim.cs@acme.example"], "givenName": ["Cheolsu"], "sn": ["Kim"]},
    )
    back = browser.post("/sso/saml/acs/", {"SAMLResponse": saml_response, "RelayState": request.relay_state})
    assert back.status_code == 302
    # 4. Back on /oauth/authorize with the same parameters: the consent page, then the code.
    back_to = urlsplit(back["Location"])
    assert back_to.path == "/oauth/authorize"
    assert {k: v[0] for k, v in parse_qs(back_to.query).items()} == params
    consent = browser.get(back["Location"])
    assert consent.status_code == 200 and "Tooter" in consent.content.decode()
    form = consent.context["form"].initial
    allowed = browser.post(
        "/oauth/authorize", {**{k: v or "" for k, v in form.items()}, "allow": "Authorize"}
    )
    assert allowed.status_code == 302
    callback = urlsplit(allowed["Location"])
    assert callback.scheme == "myapp"
    code = parse_qs(callback.query)["code"][0]
    # 5. The app trades the code for a token that speaks for the SSO-provisioned employee.
    token = Client(HTTP_HOST=ACME_HOST).post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "myapp://callback",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert token.status_code == 200, token.content
    me = Client(HTTP_HOST=ACME_HOST).get(
        "/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}"
    )
    assert me.status_code == 200
    assert me.json()["id"] == str(Employee.objects.get(email="kim.cs@acme.example").pk)
