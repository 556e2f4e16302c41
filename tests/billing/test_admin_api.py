"""The admin billing API against localstripe: trial, subscribing, plan changes, cancelling, entitlements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from billing import entitlements, gateway
from billing.models import BillingAccount, BillingLogEntry
from directory.models import Employee, OrgUnit
from directory.services import employee_create
from tenants.models import Tenant
from tests.api.conftest import Api
from tests.billing.conftest import BILLING, SUBSCRIPTION


def _hire(n: int) -> list[Employee]:
    root = OrgUnit.objects.get(parent=None)
    return [
        employee_create(username=f"hire{i}", email=f"hire{i}@acme.example", unit=root, follow_unit=False)
        for i in range(n)
    ]


def test_a_new_tenant_is_on_a_30_day_trial_with_every_feature_and_no_card(
    admin_api: Api, acme: Tenant
) -> None:
    body = admin_api.get(BILLING).json()
    assert body["status"] == "trialing"
    assert body["plan"] == "trial"
    ends = timezone.datetime.fromisoformat(body["trial_ends_at"].replace("Z", "+00:00"))
    assert abs(ends - (acme.created + timedelta(days=30))) < timedelta(seconds=1)
    assert body["seats_used"] == Employee.objects.filter(is_active=True).count()
    assert body["seats_paid"] == 0
    plans = {p["code"]: p for p in body["plans"]}
    assert set(plans) == {"standard", "enterprise"}
    assert plans["standard"]["per_seat_price"] < plans["enterprise"]["per_seat_price"]
    assert "saml" in plans["enterprise"]["features"] and "saml" not in plans["standard"]["features"]
    assert entitlements.tenant_has("saml") and entitlements.tenant_has("scim")
    assert entitlements.posting_block_reason() is None
    assert body["hosted_pages"] is False  # localstripe has no Checkout or Portal


def test_only_admins_with_admin_scopes_see_billing(
    api_as: Callable[..., Api], admin: Employee, acme: Tenant
) -> None:
    (member,) = _hire(1)
    assert api_as(member, "read write admin:read admin:write").get(BILLING).status_code == 403
    assert api_as(admin, "read write").get(BILLING).status_code == 403
    refused = api_as(member, "read write admin:read admin:write").post(
        SUBSCRIPTION, {"plan": "standard", "payment_method": "pm_card_visa"}, json=True
    )
    assert refused.status_code == 403
    assert not BillingAccount.objects.filter(tenant=acme).exclude(stripe_customer_id="").exists()


def test_trial_to_paid_charges_one_seat_per_active_employee(admin_api: Api, acme: Tenant) -> None:
    _hire(2)
    seats = Employee.objects.filter(is_active=True).count()
    response = admin_api.post(SUBSCRIPTION, {"plan": "standard", "payment_method": "pm_card_visa"}, json=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active" and body["plan"] == "standard"
    assert body["seats_paid"] == body["seats_used"] == seats
    assert body["current_period_end"] is not None and body["trial_ends_at"] is None
    assert [i["status"] for i in body["invoices"]] == ["paid"]
    assert body["invoices"][0]["amount_paid"] == seats * 400
    assert body["next_invoice"]["amount_due"] == seats * 400
    account = BillingAccount.objects.get(tenant=acme)
    subscription = gateway.subscription_retrieve(account.stripe_subscription_id)
    assert subscription["items"]["data"][0]["quantity"] == seats
    # Standard has no SSO; the trial did.
    assert not entitlements.tenant_has("saml") and entitlements.tenant_has("api")
    # Recorded for operators and in the tenant's audit log.
    assert BillingLogEntry.objects.filter(tenant_slug="acme", field="status", after="active").exists()
    entry = AuditEntry.objects.filter(action="billing.change").latest("pk")
    assert entry.after["status"] == "active" and "admin" in entry.actor_name.lower()


def test_a_declined_card_starts_nothing(admin_api: Api, acme: Tenant) -> None:
    for card in ("pm_card_chargeCustomerFail", "pm_card_visa_chargeDeclined"):
        response = admin_api.post(SUBSCRIPTION, {"plan": "standard", "payment_method": card}, json=True)
        assert response.status_code == 422
        assert "declined" in response.json()["error"]
    body = admin_api.get(BILLING).json()
    assert body["status"] == "trialing" and body["seats_paid"] == 0
    assert BillingAccount.objects.get(tenant=acme).stripe_subscription_id == ""


def test_bad_input_is_422_and_saves_nothing(admin_api: Api, acme: Tenant) -> None:
    assert admin_api.post(SUBSCRIPTION, {"payment_method": "pm_card_visa"}, json=True).status_code == 422
    unknown = admin_api.post(SUBSCRIPTION, {"plan": "platinum", "payment_method": "pm_card_visa"}, json=True)
    assert unknown.status_code == 422 and "platinum" in unknown.json()["error"]
    no_card = admin_api.post(SUBSCRIPTION, {"plan": "standard"}, json=True)
    assert no_card.status_code == 422
    assert admin_api.delete(SUBSCRIPTION).status_code == 422  # nothing to cancel
    assert admin_api.get(BILLING).json()["status"] == "trialing"


def test_changing_plan_moves_the_same_subscription_and_unlocks_features(admin_api: Api, acme: Tenant) -> None:
    admin_api.post(SUBSCRIPTION, {"plan": "standard", "payment_method": "pm_card_visa"}, json=True)
    first = BillingAccount.objects.get(tenant=acme).stripe_subscription_id
    body = admin_api.post(SUBSCRIPTION, {"plan": "enterprise"}, json=True).json()
    assert body["plan"] == "enterprise" and body["status"] == "active"
    account = BillingAccount.objects.get(tenant=acme)
    assert account.stripe_subscription_id == first
    item = gateway.subscription_retrieve(first)["items"]["data"][0]
    assert item["plan"]["id"] == "biztweet-enterprise-monthly"
    assert entitlements.tenant_has("saml") and entitlements.tenant_has("hierarchy_rules")
    assert BillingLogEntry.objects.filter(tenant_slug="acme", field="plan", after="enterprise").exists()


def test_cancelling_keeps_the_tenant_active_until_the_period_ends(admin_api: Api, acme: Tenant) -> None:
    admin_api.post(SUBSCRIPTION, {"plan": "standard", "payment_method": "pm_card_visa"}, json=True)
    body = admin_api.delete(SUBSCRIPTION).json()
    assert body["status"] == "active" and body["cancel_at_period_end"] is True
    assert "ends on" in body["banner"]
    assert entitlements.posting_block_reason() is None
    # Changing one's mind before the end resumes it.
    body = admin_api.post(SUBSCRIPTION, {"plan": "standard"}, json=True).json()
    assert body["cancel_at_period_end"] is False


def test_an_ended_trial_stops_posting_but_not_billing(admin_api: Api, acme: Tenant) -> None:
    account = admin_api.get(BILLING) and BillingAccount.objects.get(tenant=acme)
    account.trial_ends_at = timezone.now() - timedelta(minutes=1)
    account.save()
    body = admin_api.get(BILLING).json()
    assert body["status"] == "restricted"
    reason = entitlements.posting_block_reason()
    assert reason is not None and "trial has ended" in reason
    # The admin can still subscribe, and posting comes back at once.
    body = admin_api.post(
        SUBSCRIPTION, {"plan": "standard", "payment_method": "pm_card_visa"}, json=True
    ).json()
    assert body["status"] == "active"
    assert entitlements.posting_block_reason() is None


@pytest.mark.parametrize("feature", sorted(entitlements.FEATURES))
def test_every_feature_is_on_some_purchasable_plan(feature: str, admin_api: Api) -> None:
    plans = admin_api.get(BILLING).json()["plans"]
    assert any(feature in p["features"] for p in plans)


def test_checkout_and_portal_are_not_offered_against_a_stripe_compatible_server(admin_api: Api) -> None:
    for page in ("checkout", "portal"):
        response = admin_api.post(f"{BILLING}/{page}", {"plan": "standard"}, json=True)
        assert response.status_code == 404 and "not available" in response.json()["error"]
