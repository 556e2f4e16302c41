"""Stripe webhooks: verify, store once by event id, and handle after commit — idempotently.

Handling never applies the event's copy of an object: it re-reads the subscription from Stripe, so a
duplicate is a no-op and an old event arriving late cannot roll the account back.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing import gateway, services
from billing.models import StripeEvent
from common.oncommit import enqueue

log = logging.getLogger(__name__)

HANDLED = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice.payment_failed",
        "checkout.session.completed",
    }
)


def event_receive(*, payload: bytes, signature: str | None) -> tuple[StripeEvent, bool]:
    """Store a verified event (``gateway.BadSignature`` otherwise, and nothing is stored). Returns the
    row and whether it is new; only a new event is queued for handling."""
    from billing.tasks import stripe_event_process

    event = gateway.event_verify(payload, signature)
    with transaction.atomic():
        row, created = StripeEvent.objects.get_or_create(
            event_id=str(event["id"])[:80], defaults={"type": str(event["type"])[:80], "payload": event}
        )
        if created:
            enqueue(stripe_event_process, row.pk)
    return row, created


def _refs(kind: str, obj: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(customer, subscription, tenant schema) named by an event's object."""
    if kind.startswith("customer.subscription."):
        return obj.get("customer"), obj.get("id"), (obj.get("metadata") or {}).get("schema")
    if kind.startswith("invoice."):
        subscription = obj.get("subscription") or (
            ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        )
        return obj.get("customer"), subscription, None
    if kind == "checkout.session.completed":
        return obj.get("customer"), obj.get("subscription"), obj.get("client_reference_id")
    return None, None, None


def event_process(event_pk: int) -> bool:
    """Handle a stored event once; returns False when it was already handled (a duplicate delivery
    or a re-queued task)."""
    with transaction.atomic():
        row = StripeEvent.objects.select_for_update().filter(pk=event_pk).first()
        if row is None or row.processed_at is not None:
            return False
        try:
            account = None
            if row.type in HANDLED:
                obj = (row.payload.get("data") or {}).get("object") or {}
                customer, subscription, schema = _refs(row.type, obj)
                with transaction.atomic():
                    account = services.stripe_state_apply(
                        customer_id=customer,
                        subscription_id=subscription,
                        schema=schema,
                        event_id=row.event_id,
                    )
        except Exception as exc:
            failed = exc
        else:
            row.account = account
            row.processed_at = timezone.now()
            row.attempts += 1
            row.last_error = ""
            row.save(update_fields=["account", "processed_at", "attempts", "last_error"])
            return True
    # Outside the rolled-back work, so the operator can see why an event is stuck.
    StripeEvent.objects.filter(pk=event_pk).update(attempts=row.attempts + 1, last_error=repr(failed)[:2000])
    raise failed
