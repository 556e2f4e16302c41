"""Operators on /ops/: billing status, seats and monthly recurring revenue per tenant; comps; the log."""

from __future__ import annotations

import pytest
from django.test import Client

from billing import entitlements
from billing.models import BillingAccount
from directory.models import Employee
from tenants.models import Tenant
from tests.api.conftest import Api
from tests.billing.conftest import SUBSCRIPTION


@pytest.fixture
def operator_client(db: None) -> Client:
    Employee.objects.create_user("ops1", "ops1@vendor.example", "op-password-1", is_staff=True)
    client = Client(HTTP_HOST="localhost")
    assert client.post("/ops/login/", {"username": "ops1", "password": "op-password-1"}).status_code == 302
    return client


def test_operators_see_billing_status_seats_and_mrr(
    operator_client: Client, admin_api: Api, acme: Tenant
) -> None:
    response = admin_api.post(
        SUBSCRIPTION, {"plan": "enterprise", "payment_method": "pm_card_visa"}, json=True
    )
    seats = response.json()["seats_paid"]
    body = operator_client.get("/ops/").content.decode()
    assert "active" in body and "trialing" in body  # acme paid, globex still on trial
    assert f"{seats} / {seats}" in body
    assert f"USD {seats * 9}" in body  # $9 per seat per month on Enterprise


def test_an_operator_can_comp_a_tenant_and_the_log_shows_it(operator_client: Client, acme: Tenant) -> None:
    response = operator_client.post(
        "/ops/tenants/acme/comp/", {"plan": "enterprise", "note": "design partner"}
    )
    assert response.status_code == 302
    account = BillingAccount.objects.get(tenant=acme)
    assert account.comped and account.plan.code == "enterprise"
    assert entitlements.tenant_has("scim", tenant=acme)
    assert "comped" in operator_client.get("/ops/").content.decode()
    log = operator_client.get("/ops/billing/?tenant=acme").content.decode()
    assert "design partner" in log and "operator:ops1" in log
    operator_client.post("/ops/tenants/acme/comp/", {"comp": "off"})
    assert not BillingAccount.objects.get(tenant=acme).comped


def test_billing_pages_need_an_operator(db: None) -> None:
    anonymous = Client(HTTP_HOST="localhost")
    assert anonymous.get("/ops/billing/").status_code == 302
    assert anonymous.post("/ops/tenants/acme/comp/", {"plan": "enterprise"}).status_code == 302
    assert not BillingAccount.objects.filter(comped=True).exists()
