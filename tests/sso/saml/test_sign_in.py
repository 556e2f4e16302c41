"""SAML sign-in against a real pysaml2 IdP: the good path, and every attack refused with no session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from lxml import etree

from directory.models import Employee, OrgUnit, Rank, Role
from directory.services import employee_create, unit_create
from tenants.models import Tenant
from tests.conftest import ACME_HOST, GLOBEX_HOST
from tests.sso.saml.conftest import Sp, Started, connect, saml_time, set_attribute, set_text, signed_in_as
from tests.sso.saml.idp import TestIdP, tamper, wrap_with_unsigned_assertion

KIM_ATTRIBUTES = {
    # Entra ID's claim names, with no attribute mapping configured.
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ["kim.cs@acme.example"],
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": ["철수"],
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": ["김"],
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/department": ["영업팀"],
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/title": ["과장"],
    "http://schemas.microsoft.com/identity/claims/employeeid": ["E-1234"],
}


def test_sp_initiated_login_provisions_the_employee_and_lands_on_next(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    sales = unit_create(name="영업팀", parent=OrgUnit.objects.get(parent=None))
    client = Client(HTTP_HOST=ACME_HOST)
    started = start_login(client, "/notifications/?x=1")
    assert started.request.signed, "the AuthnRequest must carry the SP's signature"
    assert started.request.acs_url == acme_sp.acs_url

    saml_response = idp.response(
        email="kim.cs@acme.example",
        acs_url=acme_sp.acs_url,
        audience=acme_sp.entity_id,
        in_response_to=started.request.id,
        attributes=KIM_ATTRIBUTES,
    )
    answer = client.post(
        "/sso/saml/acs/", {"SAMLResponse": saml_response, "RelayState": "/notifications/?x=1"}
    )

    assert answer.status_code == 302, answer.content.decode()
    assert answer["Location"] == "/notifications/?x=1"
    kim = Employee.objects.get(email="kim.cs@acme.example")
    assert (kim.family_name, kim.given_name, kim.unit, kim.title, kim.employee_number) == (
        "김",
        "철수",
        sales,
        "과장",
        "E-1234",
    )
    assert kim.rank_level == Rank.objects.get(name="과장").level
    assert not kim.has_usable_password()
    assert signed_in_as(client, acme) == kim


# -- refused responses: each answers 403 with a message naming the problem, and signs nobody in ----


def _refused(client: Client, tenant: Tenant, form: dict[str, str], message: str) -> None:
    answer = client.post("/sso/saml/acs/", form)
    body = answer.content.decode()
    assert answer.status_code == 403, body
    assert message in body
    assert signed_in_as(client, tenant) is None
    assert "sessionid" not in answer.cookies


def _good(idp: TestIdP, sp: Sp, started: Started, email: str = "kim.cs@acme.example", **kw: object) -> str:
    return idp.response(
        email=email, acs_url=sp.acs_url, audience=sp.entity_id, in_response_to=started.request.id, **kw
    )


def test_unsigned_assertion_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    form = {"SAMLResponse": _good(idp, acme_sp, started, sign=False)}
    _refused(started.client, acme, form, "not signed")
    assert not Employee.objects.filter(email="kim.cs@acme.example").exists()


def test_assertion_signed_by_another_key_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    # Same IdP name and entity id, a key acme never saw: what a stolen metadata file lets one build.
    idp.rotate_key()
    form = {"SAMLResponse": _good(idp, acme_sp, started)}
    _refused(started.client, acme, form, "signature is not valid")


def test_tampered_assertion_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    signed = _good(idp, acme_sp, started)
    form = {"SAMLResponse": tamper(signed, old="kim.cs@acme.example", new="admin@acme.example")}
    _refused(started.client, acme, form, "signature is not valid")


def test_expired_assertion_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    past = saml_time(dt.timedelta(minutes=-20))
    gone = saml_time(dt.timedelta(minutes=-10))

    def expire(tree: etree._Element) -> None:
        set_attribute("//saml:Conditions", "NotBefore", past)(tree)
        set_attribute("//saml:Conditions", "NotOnOrAfter", gone)(tree)
        set_attribute("//saml:SubjectConfirmationData", "NotOnOrAfter", gone)(tree)

    form = {"SAMLResponse": _good(idp, acme_sp, started, before_signing=expire)}
    _refused(started.client, acme, form, "expired")


def test_wrong_audience_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    other = set_text("//saml:AudienceRestriction/saml:Audience", "https://other-app.example/saml")
    form = {"SAMLResponse": _good(idp, acme_sp, started, before_signing=other)}
    _refused(started.client, acme, form, "issued for another service")


def test_wrong_recipient_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    elsewhere = set_attribute(
        "//saml:SubjectConfirmationData", "Recipient", "http://acme.localhost:8000/sso/saml/acs/extra"
    )
    form = {"SAMLResponse": _good(idp, acme_sp, started, before_signing=elsewhere)}
    _refused(started.client, acme, form, "Recipient")


def test_sha1_signature_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    form = {"SAMLResponse": _good(idp, acme_sp, started, sha1=True)}
    _refused(started.client, acme, form, "SHA-1")


def test_replayed_response_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    form = {"SAMLResponse": _good(idp, acme_sp, started)}
    assert started.client.post("/sso/saml/acs/", form).status_code == 302
    _refused(Client(HTTP_HOST=ACME_HOST), acme, form, "already used")


def test_replayed_idp_initiated_assertion_is_refused_by_the_shared_cache(
    acme: Tenant, idp: TestIdP, acme_sp: Sp
) -> None:
    from sso.saml.services import saml_config_update

    saml_config_update(allow_idp_initiated=True)
    saml_response = idp.response(
        email="kim.cs@acme.example", acs_url=acme_sp.acs_url, audience=acme_sp.entity_id
    )
    first = Client(HTTP_HOST=ACME_HOST)
    assert first.post("/sso/saml/acs/", {"SAMLResponse": saml_response}).status_code == 302
    assert signed_in_as(first, acme) is not None
    _refused(Client(HTTP_HOST=ACME_HOST), acme, {"SAMLResponse": saml_response}, "already used")


def test_unsolicited_response_is_refused_while_idp_initiated_is_off(
    acme: Tenant, idp: TestIdP, acme_sp: Sp
) -> None:
    saml_response = idp.response(
        email="kim.cs@acme.example", acs_url=acme_sp.acs_url, audience=acme_sp.entity_id
    )
    _refused(Client(HTTP_HOST=ACME_HOST), acme, {"SAMLResponse": saml_response}, "turned off")


def test_response_to_a_request_never_sent_is_refused(acme: Tenant, idp: TestIdP, acme_sp: Sp) -> None:
    saml_response = idp.response(
        email="kim.cs@acme.example",
        acs_url=acme_sp.acs_url,
        audience=acme_sp.entity_id,
        in_response_to="_made_up",
    )
    _refused(Client(HTTP_HOST=ACME_HOST), acme, {"SAMLResponse": saml_response}, "does not answer a sign-in")


def test_signature_wrapping_with_an_extra_unsigned_assertion_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    wrapped = wrap_with_unsigned_assertion(_good(idp, acme_sp, started), evil_email="admin@acme.example")
    _refused(started.client, acme, {"SAMLResponse": wrapped}, "exactly one assertion")


@pytest.mark.parametrize(
    "relay_state",
    ["https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "javascript:alert(1)"],
)
def test_relay_state_pointing_off_site_is_refused(
    relay_state: str, acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    form = {"SAMLResponse": _good(idp, acme_sp, started), "RelayState": relay_state}
    _refused(started.client, acme, form, "another site")


def test_login_start_with_an_off_site_next_goes_home_after_sign_in(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST), "https://evil.example/")
    assert started.request.relay_state == "/"
    answer = started.client.post("/sso/saml/acs/", {"SAMLResponse": _good(idp, acme_sp, started)})
    assert answer.status_code == 302 and answer["Location"] == "/"


def test_email_of_a_domain_the_tenant_does_not_allow_is_refused(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    form = {"SAMLResponse": _good(idp, acme_sp, started, email="kim@globex.example")}
    _refused(started.client, acme, form, "@globex.example may not sign in")
    assert not Employee.objects.filter(email="kim@globex.example").exists()


def test_idp_cannot_reach_an_existing_admin_outside_the_allowed_domains(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    root = employee_create(
        username="root", email="root@partner.example", unit=OrgUnit.objects.get(parent=None), role=Role.ADMIN
    )
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    form = {"SAMLResponse": _good(idp, acme_sp, started, email="root@partner.example")}
    _refused(started.client, acme, form, "@partner.example may not sign in")
    root.refresh_from_db()
    assert root.is_active


def test_existing_employee_is_linked_by_email_without_provisioning(
    acme: Tenant, idp: TestIdP, start_login: Callable[..., Started]
) -> None:
    sp = connect(acme, idp, jit_provisioning=False)
    lee = employee_create(username="lee", email="Lee@acme.example", unit=OrgUnit.objects.get(parent=None))
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    answer = started.client.post(
        "/sso/saml/acs/", {"SAMLResponse": _good(idp, sp, started, email="lee@acme.example")}
    )
    assert answer.status_code == 302
    assert signed_in_as(started.client, acme) == lee

    started = start_login(Client(HTTP_HOST=ACME_HOST))
    form = {"SAMLResponse": _good(idp, sp, started, email="new.person@acme.example")}
    _refused(started.client, acme, form, "no account for this email")


def test_deactivated_employee_cannot_sign_in(
    acme: Tenant, idp: TestIdP, acme_sp: Sp, start_login: Callable[..., Started]
) -> None:
    gone = employee_create(username="gone", email="gone@acme.example", unit=OrgUnit.objects.get(parent=None))
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    _refused(
        started.client,
        acme,
        {"SAMLResponse": _good(idp, acme_sp, started, email="gone@acme.example")},
        "deactivated",
    )


@pytest.mark.parametrize("globex_trusts", ["its own idp", "the same idp"])
def test_a_response_for_acme_cannot_sign_in_to_globex(
    globex_trusts: str,
    acme: Tenant,
    globex: Tenant,
    idp: TestIdP,
    acme_sp: Sp,
    start_login: Callable[..., Started],
    tmp_path: Path,
) -> None:
    globex_idp = (
        TestIdP(tmp_path / "globex-idp", name="globex-idp") if globex_trusts == "its own idp" else idp
    )
    # Even with IdP-initiated sign-in on and every acme domain allowed, globex takes nothing of acme's.
    connect(
        globex, globex_idp, allow_idp_initiated=True, allowed_email_domains=["globex.example", "acme.example"]
    )
    started = start_login(Client(HTTP_HOST=ACME_HOST))
    form = {"SAMLResponse": _good(idp, acme_sp, started)}

    answer = Client(HTTP_HOST=GLOBEX_HOST).post("/sso/saml/acs/", form)
    assert answer.status_code == 403
    assert signed_in_as(Client(HTTP_HOST=GLOBEX_HOST), globex) is None
    with tenant_context(globex):
        assert not Employee.objects.filter(email="kim.cs@acme.example").exists()
    # …and the same response still works where it belongs.
    assert started.client.post("/sso/saml/acs/", form).status_code == 302


def test_acs_refuses_when_sso_is_off(acme: Tenant) -> None:
    answer = Client(HTTP_HOST=ACME_HOST).post("/sso/saml/acs/", {"SAMLResponse": "PHg+"})
    assert answer.status_code == 403
    assert "not set up" in answer.content.decode()
