"""Single logout, both ways, against the pysaml2 IdP."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sso.saml.models import SamlSession
from tenants.models import Tenant
from tests.conftest import ACME_HOST
from tests.sso.saml.conftest import Sp, Started, signed_in_as
from tests.sso.saml.idp import TestIdP


def _sign_in(idp: TestIdP, sp: Sp, start_login: Callable[..., Started], email: str) -> Client:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    saml_response = idp.response(
        email=email, acs_url=sp.acs_url, audience=sp.entity_id, in_response_to=started.request.id
    )
    assert started.client.post("/sso/saml/acs/", {"SAMLResponse": saml_response}).status_code == 302
    return started.client


def test_sp_initiated_logout_ends_the_session_and_tells_the_idp(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    browser = _sign_in(idp, acme_sp, start_login, "kim.cs@acme.example")
    assert signed_in_as(browser, acme) is not None
    browser.get("/login/")  # a page that sets the CSRF cookie, as the sign-out button's page would
    to_idp = browser.post("/sso/saml/sls/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert to_idp.status_code == 302
    assert signed_in_as(browser, acme) is None
    assert not SamlSession.objects.exists()

    request, _ = idp.read_logout_request(to_idp["Location"])
    assert request.message.name_id.text == "kim.cs@acme.example"
    answer = browser.get(
        idp.logout_response_url(request, sls_url=acme_sp.sls_url).replace("http://acme.localhost:8000", "")
    )
    assert answer.status_code == 302 and answer["Location"] == "/login/"


def test_idp_initiated_logout_ends_only_that_persons_sessions(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    kim_phone = _sign_in(idp, acme_sp, start_login, "kim.cs@acme.example")
    lee = _sign_in(idp, acme_sp, start_login, "lee@acme.example")
    url = idp.logout_request_url(sls_url=acme_sp.sls_url, name_id="kim.cs@acme.example", session_index=None)

    # Sent by the IdP to any browser (the person's, or another one): the session ends either way.
    answer = Client(HTTP_HOST=ACME_HOST).get(url.replace("http://acme.localhost:8000", ""))
    assert answer.status_code == 302
    assert answer["Location"].startswith(idp.slo_url + "?SAMLResponse=")
    assert signed_in_as(kim_phone, acme) is None
    assert signed_in_as(lee, acme) is not None


def test_unsigned_logout_request_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    kim = _sign_in(idp, acme_sp, start_login, "kim.cs@acme.example")
    url = idp.logout_request_url(
        sls_url=acme_sp.sls_url, name_id="kim.cs@acme.example", session_index=None, sign=False
    )
    answer = Client(HTTP_HOST=ACME_HOST).get(url.replace("http://acme.localhost:8000", ""))
    assert answer.status_code == 403
    assert "not signed" in answer.content.decode()
    assert signed_in_as(kim, acme) is not None
