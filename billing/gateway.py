"""The one place that imports ``stripe``: a client built from settings, plain-dict results, our errors.

Everything returned is a plain ``dict`` (``to_dict``), so the rest of billing reads Stripe objects the same
way whether they came from an API call, a webhook payload or a test.
"""

from __future__ import annotations

import json
from typing import Any

import stripe
from django.conf import settings

# Stripe's default: a signed event older than this is refused as a replay.
WEBHOOK_TOLERANCE_SECONDS = 300


class GatewayUnavailable(Exception):
    """Stripe is not configured, or did not answer."""


class PaymentRefused(Exception):
    """Stripe refused a card or a request for a reason the customer can fix; the message says which."""


class BadSignature(Exception):
    """A webhook whose signature or timestamp does not verify."""


def configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def hosted_pages_available() -> bool:
    """Checkout and the Customer Portal exist only on Stripe itself, not on compatible servers."""
    return configured() and not settings.STRIPE_API_BASE


def _client() -> stripe.StripeClient:
    if not configured():
        raise GatewayUnavailable("Billing is not configured on this server (STRIPE_SECRET_KEY).")
    kwargs: dict[str, Any] = {"max_network_retries": 2}
    if settings.STRIPE_API_BASE:
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **kwargs)


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _call(fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return _plain(fn(*args, **kwargs))
    except stripe.CardError as exc:
        raise PaymentRefused(exc.user_message or "The card was declined.") from exc
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise LookupError(str(exc)) from exc
        raise PaymentRefused(exc.user_message or "Stripe refused the request.") from exc
    except stripe.StripeError as exc:
        raise GatewayUnavailable(f"Stripe did not complete the request: {exc.__class__.__name__}") from exc


# -- objects ---------------------------------------------------------------------------------------


def plan_ensure(*, plan_id: str, name: str, amount: int, currency: str) -> None:
    c = _client()
    try:
        _call(c.v1.plans.retrieve, plan_id)
    except LookupError:
        _call(
            c.v1.plans.create,
            params={
                "id": plan_id,
                "amount": amount,
                "currency": currency,
                "interval": "month",
                "product": {"name": f"BizTweet {name}"},
            },
        )


def customer_create(*, name: str, schema: str, slug: str) -> dict[str, Any]:
    return _call(
        _client().v1.customers.create,
        params={"name": name, "metadata": {"schema": schema, "slug": slug}},
        options={"idempotency_key": f"customer-{schema}"},
    )


def payment_method_set_default(*, customer: str, payment_method: str) -> dict[str, Any]:
    c = _client()
    pm = _call(c.v1.payment_methods.attach, payment_method, params={"customer": customer})
    _call(c.v1.customers.update, customer, params={"invoice_settings": {"default_payment_method": pm["id"]}})
    return pm


def subscription_create(*, customer: str, plan_id: str, quantity: int, schema: str) -> dict[str, Any]:
    return _call(
        _client().v1.subscriptions.create,
        params={
            "customer": customer,
            "items": [{"plan": plan_id, "quantity": quantity}],
            "payment_behavior": "error_if_incomplete",
            "metadata": {"schema": schema},
        },
    )


def subscription_retrieve(subscription: str) -> dict[str, Any]:
    return _call(_client().v1.subscriptions.retrieve, subscription)


def subscription_update(subscription: str, **params: Any) -> dict[str, Any]:
    return _call(_client().v1.subscriptions.update, subscription, params=params)


def subscription_cancel_now(subscription: str) -> dict[str, Any]:
    return _call(_client().v1.subscriptions.cancel, subscription)


def invoices_list(*, customer: str, subscription: str | None = None, limit: int = 12) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"customer": customer, "limit": limit}
    if subscription:
        params["subscription"] = subscription
    listed = _call(_client().v1.invoices.list, params=params)
    return list(listed.get("data", []))


def invoice_retrieve(invoice: str) -> dict[str, Any]:
    return _call(_client().v1.invoices.retrieve, invoice)


def invoice_pay(invoice: str) -> dict[str, Any]:
    return _call(_client().v1.invoices.pay, invoice)


def invoice_preview(*, customer: str, subscription: str) -> dict[str, Any]:
    return _call(
        _client().v1.invoices.create_preview, params={"customer": customer, "subscription": subscription}
    )


def checkout_session_create(
    *, customer: str, plan_id: str, quantity: int, schema: str, success_url: str, cancel_url: str
) -> dict[str, Any]:
    return _call(
        _client().v1.checkout.sessions.create,
        params={
            "mode": "subscription",
            "customer": customer,
            "client_reference_id": schema,
            "line_items": [{"price": plan_id, "quantity": quantity}],
            "subscription_data": {"metadata": {"schema": schema}},
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
    )


def portal_session_create(*, customer: str, return_url: str) -> dict[str, Any]:
    return _call(
        _client().v1.billing_portal.sessions.create, params={"customer": customer, "return_url": return_url}
    )


# -- webhooks --------------------------------------------------------------------------------------


def event_verify(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event in a signed webhook body; ``BadSignature`` unless Stripe's own check passes."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise BadSignature("No webhook secret is configured.")
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature or "",
            settings.STRIPE_WEBHOOK_SECRET,
            WEBHOOK_TOLERANCE_SECONDS,
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise BadSignature(str(exc)) from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise BadSignature("Not a Stripe event.")
    return event
