"""Stripe webhooks on the public host: verified, stored once, handled from Stripe's current state."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from billing import entitlements, gateway
from billing.models import BillingAccount, BillingLogEntry, StripeEvent
from billing.tasks import stripe_event_process
from tenants.models import Tenant
from tests.api.conftest import Api
from tests.billing.conftest import BILLING, SUBSCRIPTION, WEBHOOK, deliver, sign, stripe_event


def _process_pending() -> None:
    # What the worker does with the task queued after commit (tests/billing/test_live.py runs a real one).
    for pk in StripeEvent.objects.filter(processed_at=None).values_list("pk", flat=True):
        stripe_event_process.apply(args=[pk])


def _subscribe(admin_api: Api, acme: Tenant, plan: str = "standard") -> BillingAccount:
    response = admin_api.post(SUBSCRIPTION, {"plan": plan, "payment_method": "pm_card_visa"}, json=True)
    assert response.status_code == 200, response.content
    return BillingAccount.objects.get(tenant=acme)


def test_a_forged_signature_is_400_and_nothing_is_stored(db: None) -> None:
    event = stripe_event("invoice.paid", {"id": "in_x", "customer": "cus_x"})
    body = json.dumps(event).encode()
    assert deliver(event, signature=sign(body, secret="whsec_wrong")).status_code == 400
    assert deliver(event, signature="t=1,v1=deadbeef").status_code == 400
    no_header = Client(HTTP_HOST="localhost").post(WEBHOOK, data=body, content_type="application/json")
    assert no_header.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_stale_timestamp_is_400_even_with_a_valid_signature(db: None) -> None:
    event = stripe_event("invoice.paid", {"id": "in_x", "customer": "cus_x"})
    body = json.dumps(event).encode()
    replayed = sign(body, timestamp=int(time.time()) - 3600)
    assert deliver(event, signature=replayed).status_code == 400
    assert not StripeEvent.objects.exists()


def test_the_webhook_lives_only_on_the_public_host(db: None) -> None:
    event = stripe_event("invoice.paid", {"id": "in_x"})
    assert deliver(event, client=Client(HTTP_HOST="acme.localhost")).status_code == 404
    assert not StripeEvent.objects.exists()


def test_a_duplicate_event_is_stored_and_handled_once(
    admin_api: Api, acme: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    account = _subscribe(admin_api, acme)
    subscription = gateway.subscription_retrieve(account.stripe_subscription_id)
    event = stripe_event("customer.subscription.updated", subscription)
    with django_capture_on_commit_callbacks() as queued:
        first = deliver(event)
        second = deliver(event)
    assert first.status_code == second.status_code == 200
    assert first.json()["duplicate"] is False and second.json()["duplicate"] is True
    assert len(queued) == 1  # one task for one event
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    logged = BillingLogEntry.objects.count()
    _process_pending()
    row = StripeEvent.objects.get(event_id=event["id"])
    assert row.processed_at is not None and row.account == account
    assert stripe_event_process.apply(args=[row.pk]).result is False  # a re-queued task does nothing
    assert BillingLogEntry.objects.count() == logged  # nothing changed: it was already active


def test_events_out_of_order_cannot_roll_the_account_back(admin_api: Api, acme: Tenant) -> None:
    account = _subscribe(admin_api, acme)
    created = gateway.subscription_retrieve(account.stripe_subscription_id)  # standard, active
    admin_api.post(SUBSCRIPTION, {"plan": "enterprise"}, json=True)
    gateway.subscription_cancel_now(account.stripe_subscription_id)
    deleted = gateway.subscription_retrieve(account.stripe_subscription_id)
    # The newest event first, then the oldest: the account follows Stripe, not the arrival order.
    deliver(stripe_event("customer.subscription.deleted", deleted))
    deliver(stripe_event("customer.subscription.created", created))
    _process_pending()
    body = admin_api.get(BILLING).json()
    assert body["status"] == "cancelled" and body["plan"] == "enterprise"
    reason = entitlements.posting_block_reason()
    assert reason is not None and "read-only" in reason
    export_until = BillingAccount.objects.get(tenant=acme).export_until
    assert export_until is not None and export_until > timezone.now() + timedelta(days=29)


def test_checkout_session_completed_links_the_subscription_to_the_tenant(acme: Tenant) -> None:
    # What Checkout would have done on Stripe's side: a customer and a paid subscription for this tenant.
    gateway.plan_ensure(plan_id="biztweet-enterprise-monthly", name="Enterprise", amount=900, currency="usd")
    customer = gateway.customer_create(name="acme", schema=acme.schema_name, slug=f"acme-{time.time_ns()}")
    gateway.payment_method_set_default(customer=customer["id"], payment_method="pm_card_visa")
    subscription = gateway.subscription_create(
        customer=customer["id"], plan_id="biztweet-enterprise-monthly", quantity=3, schema=acme.schema_name
    )
    session = {
        "id": "cs_test_1",
        "object": "checkout.session",
        "mode": "subscription",
        "customer": customer["id"],
        "subscription": subscription["id"],
        "client_reference_id": acme.schema_name,
        "status": "complete",
    }
    assert deliver(stripe_event("checkout.session.completed", session)).status_code == 200
    _process_pending()
    account = BillingAccount.objects.get(tenant=acme)
    assert account.stripe_customer_id == customer["id"]
    assert account.stripe_subscription_id == subscription["id"]
    assert account.status == "active" and account.plan.code == "enterprise" and account.seats_paid == 3


def test_an_event_for_an_unknown_customer_is_recorded_and_ignored(db: None) -> None:
    event = stripe_event("invoice.paid", {"id": "in_x", "customer": "cus_nobody", "subscription": "sub_x"})
    assert deliver(event).status_code == 200
    _process_pending()
    row = StripeEvent.objects.get(event_id=event["id"])
    assert row.processed_at is not None and row.account is None


def test_a_declined_renewal_goes_past_due_then_restricted_and_a_new_card_makes_it_active(
    admin_api: Api, acme: Tenant, api_as: Any
) -> None:
    account = _subscribe(admin_api, acme)
    # The card on file stops working; the monthly renewal invoice is then charged by Stripe.
    gateway.payment_method_set_default(
        customer=account.stripe_customer_id, payment_method="pm_card_chargeCustomerFail"
    )
    renewal = _renewal_invoice(account)
    assert renewal["status"] == "open"
    deliver(stripe_event("invoice.payment_failed", renewal))
    _process_pending()
    body = admin_api.get(BILLING).json()
    assert body["status"] == "past_due"
    assert "payment failed" in body["banner"].lower()
    assert entitlements.posting_block_reason() is None  # grace period: everyone still posts

    # Fourteen days later the grace period is over.
    BillingAccount.objects.filter(pk=account.pk).update(past_due_since=timezone.now() - timedelta(days=15))
    assert admin_api.get(BILLING).json()["status"] == "restricted"
    reason = entitlements.posting_block_reason()
    assert reason is not None and "overdue" in reason
    from billing.services import lifecycle_sweep

    assert lifecycle_sweep() == 1
    assert BillingLogEntry.objects.filter(
        tenant_slug="acme", field="status", after="restricted", reason="grace period ended"
    ).exists()

    # The admin can still reach billing and fix the card: the open invoice is paid at once.
    body = admin_api.post(
        SUBSCRIPTION, {"plan": "standard", "payment_method": "pm_card_visa"}, json=True
    ).json()
    assert body["status"] == "active" and body["grace_ends_at"] is None
    assert gateway.invoice_retrieve(renewal["id"])["status"] == "paid"
    assert entitlements.posting_block_reason() is None
    # Stripe's own invoice.paid arriving afterwards changes nothing.
    deliver(stripe_event("invoice.paid", gateway.invoice_retrieve(renewal["id"])))
    _process_pending()
    assert BillingAccount.objects.get(pk=account.pk).status == "active"
    statuses = list(
        BillingLogEntry.objects.filter(tenant_slug="acme", field="status")
        .order_by("at", "id")
        .values_list("after", flat=True)
    )
    assert statuses[-4:] == ["active", "past_due", "restricted", "active"]


def _renewal_invoice(account: BillingAccount) -> dict[str, Any]:
    """Stripe's monthly renewal, made through its API (localstripe has no clock to advance)."""
    from billing import gateway as g

    client = g._client()
    invoice = client.v1.invoices.create(
        params={"customer": account.stripe_customer_id, "subscription": account.stripe_subscription_id}
    )
    client.v1.invoices.pay(invoice.id)
    return g.invoice_retrieve(invoice.id)
