"""``GET|PUT /api/bt/v1/admin/sso/saml``: an admin connects the IdP; nobody else can."""

from __future__ import annotations

from collections.abc import Callable

from directory.models import Employee, OrgUnit, Role
from directory.services import employee_create
from tenants.models import Tenant
from tests.api.conftest import Api
from tests.sso.saml.idp import TestIdP

PATH = "/api/bt/v1/admin/sso/saml"


def _admin() -> Employee:
    return Employee.objects.get(role=Role.ADMIN, email="admin@acme.example")


def test_admin_connects_an_idp_by_metadata_and_reads_the_sp_details(
    acme: Tenant, api_as: Callable[..., Api], idp: TestIdP
) -> None:
    admin = api_as(_admin(), "admin:read admin:write")
    before = admin.get(PATH)
    assert before.status_code == 200
    sp = before.json()
    assert sp["enabled"] is False
    assert sp["entity_id"] == sp["metadata_url"] == "http://acme.localhost:8000/sso/saml/metadata/"
    assert sp["acs_url"] == "http://acme.localhost:8000/sso/saml/acs/"
    assert "BEGIN CERTIFICATE" in sp["sp_certificate"]
    assert "private" not in str(sp).lower()

    answer = admin.put(
        PATH,
        {
            "enabled": True,
            "idp_metadata_xml": idp.metadata_xml(),
            "idp_name": "Okta",
            "sso_only": True,
            "jit_provisioning": True,
            "allowed_email_domains": ["ACME.example", "@acme-korea.example"],
            "attribute_map": {"department": "orgUnit", "title": ""},
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["enabled"] and body["sso_only"] and body["jit_provisioning"]
    assert body["idp_entity_id"] == idp.entity_id
    assert body["idp_sso_url"] == idp.sso_url
    assert body["allowed_email_domains"] == ["acme-korea.example", "acme.example"]
    assert body["attribute_map"] == {"department": "orgUnit"}
    assert admin.get(PATH).json() == body
    # The same key pair stays: IdPs pin our certificate.
    assert body["sp_certificate"] == sp["sp_certificate"]


def test_bad_settings_are_422_and_change_nothing(
    acme: Tenant, api_as: Callable[..., Api], idp: TestIdP
) -> None:
    admin = api_as(_admin(), "admin:read admin:write")
    cases = [
        ({"idp_metadata_xml": "<not metadata"}, "idp_metadata_xml"),
        ({"enabled": True}, "metadata"),
        ({"enabled": True, "idp_metadata_xml": idp.metadata_xml()}, "allowed_email_domains"),
        ({"sso_only": True}, "sso_only"),
        ({"allowed_email_domains": "acme.example"}, "allowed_email_domains"),
        ({"allowed_email_domains": ["not a domain"]}, "not a domain"),
        ({"attribute_map": {"salary": "x"}}, "unknown fields"),
        ({"idp_metadata_url": "http://127.0.0.1/metadata"}, "https"),
        ({"idp_metadata_url": "https://127.0.0.1/metadata"}, "public address"),
    ]
    for body, message in cases:
        answer = admin.put(PATH, body)
        assert answer.status_code == 422, (body, answer.content)
        assert message in answer.json()["error"]
    after = admin.get(PATH).json()
    assert (after["enabled"], after["sso_only"], after["idp_entity_id"], after["allowed_email_domains"]) == (
        False,
        False,
        "",
        [],
    )


def test_only_admins_with_admin_scopes_may_see_or_change_sso(
    acme: Tenant, api_as: Callable[..., Api]
) -> None:
    member = employee_create(username="kim", email="kim@acme.example", unit=OrgUnit.objects.get(parent=None))
    refused = api_as(member, "admin:read admin:write").get(PATH)
    assert refused.status_code == 403
    assert refused.json()["rule"] == "admin_only"
    assert api_as(_admin(), "read write").get(PATH).status_code == 403
    assert api_as(_admin(), "admin:read").put(PATH, {"enabled": False}).status_code == 403
    assert api_as(_admin(), "admin:read").get(PATH).status_code == 200


def test_sp_metadata_is_public_xml_with_our_endpoints_and_certificate(acme: Tenant, acme_client) -> None:  # type: ignore[no-untyped-def]
    answer = acme_client.get("/sso/saml/metadata/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/samlmetadata+xml"
    xml = answer.content.decode()
    assert 'entityID="http://acme.localhost:8000/sso/saml/metadata/"' in xml
    assert 'Location="http://acme.localhost:8000/sso/saml/acs/"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml
    assert "X509Certificate" in xml
    # The host header plays no part: another host of the same tenant would serve the same document.
    assert acme_client.get("/sso/saml/metadata/", HTTP_HOST="acme.localhost").content.decode() == xml


def test_single_sign_on_needs_a_plan_that_includes_it(
    acme: Tenant, api_as: Callable[..., Api], idp: TestIdP
) -> None:
    from django.db import connection

    from billing.services import account_comp

    account_comp(tenant=acme, plan_code="standard", note="test", operator="ops")
    connection.set_tenant(acme)
    admin = api_as(_admin(), "admin:read admin:write")
    answer = admin.put(
        PATH,
        {"enabled": True, "idp_metadata_xml": idp.metadata_xml(), "allowed_email_domains": ["acme.example"]},
    )
    assert answer.status_code == 403
    assert answer.json()["rule"] == "plan_feature"
    assert admin.get(PATH).json()["enabled"] is False
