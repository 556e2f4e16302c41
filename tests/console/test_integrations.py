"""Console pages for single sign-on, SCIM tokens and billing: admin-only; errors shown, nothing saved."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from billing.models import BillingAccount
from directory.models import Employee
from sso.saml.models import SamlConfig
from tenants.models import Tenant
from tests.api.conftest import People
from tests.billing.conftest import stripe_base, stripe_settings  # noqa: F401 (localstripe for billing)
from tests.conftest import ACME_HOST
from tests.sso.saml.conftest import idp  # noqa: F401 (fixture)
from tests.sso.saml.idp import TestIdP

pytestmark = pytest.mark.django_db

PAGES = ["/admin-console/sso/", "/admin-console/scim/", "/admin-console/billing/"]


def _client(employee: Employee) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(employee)
    return client


@pytest.fixture
def admin(people: People) -> Employee:
    return Employee.objects.get(email="admin@acme.example")


@pytest.fixture
def console(admin: Employee) -> Client:
    return _client(admin)


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_for_admins_and_are_in_the_navigation(console: Client, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 200, path
    page = response.content.decode()
    assert f'href="{path}" aria-current="page"' in page
    assert "싱글 사인온" in page and "SCIM 프로비저닝" in page  # the nav, in acme's Korean


@pytest.mark.parametrize(
    "path", [*PAGES, "/admin-console/scim/1/revoke/", "/admin-console/billing/subscription/"]
)
def test_pages_are_403_for_members(people: People, path: str) -> None:
    assert _client(people.kim).get(path).status_code == 403
    assert _client(people.kim).post(path, {}).status_code == 403


def test_csrf_is_enforced(admin: Employee) -> None:
    client = Client(HTTP_HOST=ACME_HOST, enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post("/admin-console/scim/", {"name": "x"}).status_code == 403


# -- single sign-on --------------------------------------------------------------------------------


def test_sso_page_shows_sp_details_and_saves_idp_settings(console: Client, idp: TestIdP) -> None:  # noqa: F811
    page = console.get("/admin-console/sso/").content.decode()
    assert "http://acme.localhost:8000/sso/saml/metadata/" in page
    assert "http://acme.localhost:8000/sso/saml/acs/" in page
    assert "BEGIN CERTIFICATE" in page and "PRIVATE" not in page

    response = console.post(
        "/admin-console/sso/",
        {
            "enabled": "1",
            "idp_name": "Okta",
            "idp_metadata_xml": idp.metadata_xml(),
            "idp_metadata_url": "",
            "allowed_email_domains": "acme.example, @ACME-korea.example",
            "jit_provisioning": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()
    config = SamlConfig.objects.get(id=1)
    assert config.enabled and config.jit_provisioning and not config.sso_only
    assert config.idp_entity_id == idp.entity_id and config.idp_name == "Okta"
    assert config.allowed_email_domains == ["acme-korea.example", "acme.example"]
    page = console.get("/admin-console/sso/").content.decode()
    assert idp.entity_id in page and "acme-korea.example acme.example" in page


@pytest.mark.parametrize(
    "form, message",
    [
        ({"enabled": "1", "allowed_email_domains": "acme.example"}, "metadata"),
        ({"idp_metadata_xml": "<not metadata"}, "idp_metadata_xml"),
        ({"allowed_email_domains": "not_a_domain"}, "not a domain"),
        ({"sso_only": "1"}, "sso_only"),
    ],
)
def test_bad_sso_settings_show_an_error_and_save_nothing(
    console: Client, form: dict[str, str], message: str
) -> None:
    console.get("/admin-console/sso/")  # creates the SP key pair
    before = SamlConfig.objects.values().get(id=1)
    response = console.post("/admin-console/sso/", {"idp_name": "Changed", **form})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'id="form-error"' in response.content.decode()
    after = SamlConfig.objects.values().get(id=1)
    assert {**after, "updated_at": None} == {**before, "updated_at": None}


def test_sso_outside_the_plan_says_so(acme: Tenant, console: Client, idp: TestIdP) -> None:  # noqa: F811
    from billing.services import account_comp

    account_comp(tenant=acme, plan_code="standard", note="test", operator="ops")
    connection.set_tenant(acme)
    response = console.post(
        "/admin-console/sso/",
        {"enabled": "1", "idp_metadata_xml": idp.metadata_xml(), "allowed_email_domains": "acme.example"},
    )
    assert response.status_code == 422
    assert "싱글 사인온 기능은 이 회사의 요금제에 포함되어 있지 않습니다" in response.content.decode()
    assert not SamlConfig.objects.get(id=1).enabled


# -- SCIM tokens -----------------------------------------------------------------------------------


def _secret(html: str) -> str:
    found = re.search(r'<pre id="scim-secret">([^<]+)</pre>', html)
    assert found, html
    return found.group(1)


def test_minted_scim_token_is_shown_once_authenticates_and_revoking_ends_it(console: Client) -> None:
    page = console.get("/admin-console/scim/").content.decode()
    assert "http://acme.localhost:8000/scim/v2/" in page

    minted = console.post("/admin-console/scim/", {"name": "Okta"})
    assert minted.status_code == 201
    secret = _secret(minted.content.decode())
    scim = Client(HTTP_HOST=ACME_HOST)
    assert scim.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200

    listing = console.get("/admin-console/scim/").content.decode()
    assert secret not in listing  # once only
    assert "Okta" in listing and secret[:12] in listing

    token_id = re.search(r'action="/admin-console/scim/(\d+)/revoke/"', listing)
    assert token_id
    assert console.post(f"/admin-console/scim/{token_id.group(1)}/revoke/").status_code == 302
    assert scim.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert console.post(f"/admin-console/scim/{token_id.group(1)}/revoke/").status_code == 404


def test_scim_outside_the_plan_says_so(acme: Tenant, console: Client) -> None:
    from billing.services import account_comp

    account_comp(tenant=acme, plan_code="standard", note="test", operator="ops")
    connection.set_tenant(acme)
    response = console.post("/admin-console/scim/", {"name": "Okta"})
    assert response.status_code == 422
    assert "SCIM 프로비저닝 기능은 이 회사의 요금제에 포함되어 있지 않습니다" in response.content.decode()
    assert 'id="scim-secret"' not in response.content.decode()


# -- billing ---------------------------------------------------------------------------------------


def test_billing_page_shows_the_trial_and_the_plans(console: Client) -> None:
    page = console.get("/admin-console/billing/").content.decode()
    assert re.search(r'id="billing-status">trialing<', page), page
    assert 'id="billing-trial"' in page
    assert page.count('class="plan-row"') == 2
    assert "Standard" in page and "Enterprise" in page


def test_starting_changing_and_cancelling_against_localstripe(acme: Tenant, console: Client) -> None:
    url = "/admin-console/billing/subscription/"
    no_card = console.post(url, {"plan": "standard"})
    assert no_card.status_code == 422
    assert "A payment method is needed" in no_card.content.decode()
    unknown = console.post(url, {"plan": "platinum", "payment_method": "pm_card_visa"})
    assert unknown.status_code == 422 and "Unknown plan" in unknown.content.decode()

    assert console.post(url, {"plan": "standard", "payment_method": "pm_card_visa"}).status_code == 302
    account = BillingAccount.objects.get(tenant=acme)
    assert (account.status, account.plan.code) == ("active", "standard")
    page = console.get("/admin-console/billing/").content.decode()
    assert 'id="billing-status">active<' in page

    assert console.post(url, {"plan": "enterprise"}).status_code == 302
    assert BillingAccount.objects.get(tenant=acme).plan.code == "enterprise"

    assert console.post(url, {"cancel": "1"}).status_code == 302
    assert BillingAccount.objects.get(tenant=acme).cancel_at_period_end
    page = console.get("/admin-console/billing/").content.decode()
    # acme works in Korean: "(cancels then)" next to the period end, and no second cancel button.
    assert "그때 해지됨" in page and 'name="cancel"' not in page
