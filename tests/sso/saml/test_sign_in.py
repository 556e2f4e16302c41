"""SAML sign-in against a real pysaml2 IdP: the good path, and every attack refused with no session."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from directory.models import Employee, OrgUnit, Rank
from directory.services import unit_create
from tenants.models import Tenant
from tests.conftest import ACME_HOST
from tests.sso.saml.conftest import Sp, Started, signed_in_as
from tests.sso.saml.idp import TestIdP

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
