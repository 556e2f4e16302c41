"""Billing reads: the tenant admin's overview and the operators' table."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from billing import entitlements, gateway
from billing.models import BillingAccount, BillingLogEntry, BillingStatus, Plan
from billing.services import _count_seats, account_for
from tenants.models import Tenant

log = logging.getLogger(__name__)

# Statuses that still bring in money: a past-due subscription is still owed.
_PAYING = (BillingStatus.ACTIVE, BillingStatus.PAST_DUE)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _from_ts(value: Any) -> str | None:
    return _iso(datetime.fromtimestamp(int(value), tz=UTC)) if value else None


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.filter(purchasable=True)


def plan_entity(plan: Plan) -> dict[str, Any]:
    return {
        "code": plan.code,
        "name": plan.name,
        "per_seat_price": plan.per_seat_price,
        "currency": plan.currency,
        "features": list(plan.features),
    }


def _invoice_entity(invoice: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": invoice.get("id"),
        "number": invoice.get("number"),
        "status": invoice.get("status"),
        "amount_due": invoice.get("amount_due"),
        "amount_paid": invoice.get("amount_paid"),
        "currency": invoice.get("currency"),
        "created_at": _from_ts(invoice.get("created") or invoice.get("date")),
        "url": invoice.get("hosted_invoice_url"),
    }


def billing_overview(viewer: Any, *, tenant: Tenant, with_invoices: bool = True) -> dict[str, Any]:
    """What an admin sees on the billing page (API.md's shape plus invoices and the banner).

    Invoices come from Stripe; when it cannot be reached the rest still answers.
    """
    account = account_for(tenant)
    now = timezone.now()
    state = entitlements.billing_state(tenant, now=now)
    assert state is not None
    next_invoice = None
    invoices: list[dict[str, Any]] = []
    if with_invoices and account.stripe_customer_id and gateway.configured():
        try:
            invoices = [
                _invoice_entity(i)
                for i in gateway.invoices_list(customer=account.stripe_customer_id)
                if i.get("status") != "draft"
            ]
            if account.stripe_subscription_id and state.status != BillingStatus.CANCELLED:
                preview = gateway.invoice_preview(
                    customer=account.stripe_customer_id, subscription=account.stripe_subscription_id
                )
                next_invoice = {
                    "amount_due": preview.get("amount_due"),
                    "currency": preview.get("currency"),
                    "date": _from_ts(preview.get("next_payment_attempt") or preview.get("period_end")),
                }
        except (gateway.GatewayUnavailable, gateway.PaymentRefused, LookupError) as exc:
            log.warning("billing overview without invoices: %s", exc)
    return {
        "plan": account.plan.code,
        "plan_name": account.plan.name,
        "status": state.status,
        "seats_paid": account.seats_paid,
        "seats_used": _count_seats(tenant.schema_name),
        "trial_ends_at": _iso(state.trial_ends_at),
        "current_period_end": _iso(account.current_period_end),
        "cancel_at_period_end": account.cancel_at_period_end,
        "grace_ends_at": _iso(state.grace_ends_at),
        "export_until": _iso(state.export_until),
        "features": sorted(state.features),
        "banner": entitlements.admin_banner(tenant, now=now),
        "plans": [plan_entity(p) for p in plan_list()],
        "next_invoice": next_invoice,
        "invoices": invoices,
        "hosted_pages": gateway.hosted_pages_available(),
    }


@dataclass(frozen=True)
class OperatorRow:
    status: str
    plan: str
    seats_used: int
    seats_paid: int
    mrr: int  # minor units per month
    currency: str
    comped: bool


@dataclass(frozen=True)
class OperatorOverview:
    rows: dict[int, OperatorRow]  # by tenant id
    by_status: dict[str, int]
    mrr: dict[str, int]  # per currency, minor units


def operator_overview(tenants: list[Tenant]) -> OperatorOverview:
    """Billing columns for the operators' tenant table: two queries whatever the number of tenants."""
    known = set(
        BillingAccount.objects.filter(tenant__in=[t.pk for t in tenants]).values_list("tenant_id", flat=True)
    )
    for tenant in tenants:
        if tenant.pk not in known:
            account_for(tenant)  # tenants onboarded before billing existed
    now = timezone.now()
    rows: dict[int, OperatorRow] = {}
    by_status: dict[str, int] = {}
    mrr: dict[str, int] = {}
    accounts = BillingAccount.objects.select_related("plan").filter(tenant__in=[t.pk for t in tenants])
    for account in accounts:
        status = account.effective_status(now)
        paying = status in _PAYING and not account.comped
        amount = account.seats_paid * account.plan.per_seat_price if paying else 0
        rows[account.tenant_id] = OperatorRow(
            status=status,
            plan=account.plan.code,
            seats_used=account.seats_used,
            seats_paid=account.seats_paid,
            mrr=amount,
            currency=account.plan.currency,
            comped=account.comped,
        )
        by_status[status] = by_status.get(status, 0) + 1
        if amount:
            mrr[account.plan.currency] = mrr.get(account.plan.currency, 0) + amount
    return OperatorOverview(rows=rows, by_status=dict(sorted(by_status.items())), mrr=mrr)


def billing_log(*, slug: str | None = None, limit: int = 200) -> list[BillingLogEntry]:
    entries = BillingLogEntry.objects.all()
    if slug:
        entries = entries.filter(tenant_slug=slug)
    return list(entries[:limit])
