"""Billing writes: accounts, subscriptions, seats, comps, Stripe state, and the transitions between them.

Every change to an account goes through ``_save`` so that each transition is written to the public
billing log (operators) and to the tenant's audit log, in the same transaction as the change. Nothing
here ever deletes a tenant's data: the harshest state, cancelled, only stops new posts.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from billing import gateway
from billing.models import (
    TRIAL_DAYS,
    BillingAccount,
    BillingLogEntry,
    BillingStatus,
    Plan,
)
from common.compiled import CompiledQuery, Slot
from tenants.models import Tenant

log = logging.getLogger(__name__)

# Fields whose changes are transitions worth a log line (seat counts change often and are logged too:
# they are what the customer pays for).
_LOGGED = ("status", "plan", "comped", "cancel_at_period_end", "seats_paid")
_STRIPE_STATUS = {
    "active": BillingStatus.ACTIVE,
    "trialing": BillingStatus.ACTIVE,
    "past_due": BillingStatus.PAST_DUE,
    "unpaid": BillingStatus.RESTRICTED,
    "canceled": BillingStatus.CANCELLED,
    "incomplete_expired": BillingStatus.CANCELLED,
}


class BillingInvalid(Exception):
    """A billing request that cannot be carried out as asked (422); the message says why."""


@dataclass(frozen=True)
class Actor:
    """Who caused a change: an employee (tenant admin), an operator, Stripe or the system."""

    label: str
    employee: Any = None
    ip: str | None = None

    @classmethod
    def admin(cls, employee: Any, ip: str | None = None) -> Actor:
        return cls(label=f"admin:{employee.username}", employee=employee, ip=ip)


SYSTEM = Actor(label="system")
STRIPE = Actor(label="stripe")


# -- accounts --------------------------------------------------------------------------------------


def account_for(tenant: Tenant) -> BillingAccount:
    """The tenant's billing account, created on first use: a 30-day trial of the plan it was onboarded
    with (``onboard_tenant --plan``), needing no card."""
    if (account := _stored_account(tenant)) is not None:
        return account
    plan = _starting_plan(tenant)
    starts = tenant.created or timezone.now()
    with transaction.atomic():
        account, created = BillingAccount.objects.select_related("plan").get_or_create(
            tenant=tenant,
            defaults={
                "plan": plan,
                "status": BillingStatus.TRIALING,
                "trial_ends_at": starts + timedelta(days=TRIAL_DAYS),
                "seats_used": _count_seats(tenant.schema_name),
            },
        )
        if created:
            _log(account, SYSTEM, "status", "", account.status, reason=f"trial of {plan.code} started")
    return account


def account_peek(tenant: Tenant) -> BillingAccount:
    """The account for reading only: the stored one, or (before the first billing write) the trial the
    tenant would get, unsaved, so that reads on hot paths (every post) never write."""
    if (account := _stored_account(tenant)) is not None:
        return account
    plan = _starting_plan(tenant)
    return BillingAccount(
        tenant=tenant,
        plan=plan,
        status=BillingStatus.TRIALING,
        trial_ends_at=(tenant.created or timezone.now()) + timedelta(days=TRIAL_DAYS),
    )


def _stored_account(tenant: Tenant) -> BillingAccount | None:
    found = _account_of_tenant().fetch([tenant.pk])
    return found[0] if found else None


def _starting_plan(tenant: Tenant) -> Plan:
    """The plan a tenant without an account starts on: the one it was onboarded with, else the trial."""
    return next(iter(_plan_by_code().fetch([tenant.plan])), None) or Plan.objects.get(code="trial")


# Every post asks for the account (``entitlements.posting_block_reason``): both look-ups are compiled to
# SQL once per process (``common.compiled``; the rows are read every time), not on every post.
@functools.cache
def _account_of_tenant() -> CompiledQuery[BillingAccount]:
    # ``extra``: a slot is text, which an integer field's lookup would refuse.
    accounts = BillingAccount.objects.select_related("plan").extra(
        where=["billing_billingaccount.tenant_id = %s"], params=[Slot(0)]
    )
    return CompiledQuery(accounts.order_by("pk")[:1])


@functools.cache
def _plan_by_code() -> CompiledQuery[Plan]:
    return CompiledQuery(Plan.objects.filter(code=Slot(0)).order_by("pk")[:1])


def _locked(tenant: Tenant) -> BillingAccount:
    account_for(tenant)
    return BillingAccount.objects.select_for_update().select_related("plan", "tenant").get(tenant=tenant)


def _count_seats(schema: str) -> int:
    """Active employees of the tenant: a seat is a person who can sign in. Operators live in the public
    schema and are never counted."""
    from directory.models import Employee

    with schema_context(schema):
        return Employee.objects.filter(is_active=True).count()


def _snapshot(account: BillingAccount) -> dict[str, Any]:
    values = {name: getattr(account, name) for name in _LOGGED if name != "plan"}
    return {**values, "plan": account.plan.code}


def _save(
    account: BillingAccount,
    before: dict[str, Any],
    actor: Actor,
    *,
    reason: str = "",
    event_id: str = "",
) -> BillingAccount:
    """Persist the account and record each logged field that changed (public log + tenant audit)."""
    account.save()
    after = _snapshot(account)
    changed = {k: (before[k], after[k]) for k in _LOGGED if before[k] != after[k]}
    for field, (old, new) in changed.items():
        _log(account, actor, field, old, new, reason=reason, event_id=event_id)
    if changed:
        _audit(account, actor, changed, reason)
    return account


def _log(
    account: BillingAccount,
    actor: Actor,
    field: str,
    before: Any,
    after: Any,
    *,
    reason: str = "",
    event_id: str = "",
) -> None:
    BillingLogEntry.objects.create(
        account=account,
        tenant_slug=account.tenant.slug,
        actor=actor.label[:160],
        field=field,
        before=_text(before),
        after=_text(after),
        reason=reason[:200],
        stripe_event_id=event_id,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)[:120]


def _audit(account: BillingAccount, actor: Actor, changed: dict[str, tuple[Any, Any]], reason: str) -> None:
    from audit.services import audit_record

    before = {k: _text(v[0]) for k, v in changed.items()}
    after = {k: _text(v[1]) for k, v in changed.items()}
    if reason:
        after["reason"] = reason
    target = ("billing", account.pk, f"billing of {account.tenant.slug}")
    with schema_context(account.tenant.schema_name):
        audit_record(
            actor=actor.employee if actor.employee is not None else actor.label,
            action="billing.change",
            target=target,
            before=before,
            after=after,
            ip=actor.ip,
        )


# -- plans -----------------------------------------------------------------------------------------


def _purchasable(code: str) -> Plan:
    plan = Plan.objects.filter(code=code, purchasable=True).first()
    if plan is None:
        codes = ", ".join(Plan.objects.filter(purchasable=True).values_list("code", flat=True))
        raise BillingInvalid(f"Unknown plan {code!r}: choose one of {codes}.")
    return plan


def _ensure_stripe_plan(plan: Plan) -> None:
    gateway.plan_ensure(
        plan_id=plan.stripe_plan_id, name=plan.name, amount=plan.per_seat_price, currency=plan.currency
    )


# -- subscriptions ---------------------------------------------------------------------------------


def subscription_start_or_change(
    *, tenant: Tenant, plan_code: str, payment_method: str | None, actor: Actor
) -> BillingAccount:
    """Subscribe (a card is required the first time), change plan, replace the card, or resume a
    subscription set to cancel. With a new card, invoices left unpaid are retried at once, so fixing
    the card is all an admin of a past-due or restricted tenant has to do."""
    plan = _purchasable(plan_code)
    _ensure_gateway()
    account = account_for(tenant)
    _ensure_stripe_plan(plan)
    customer_id = _customer(tenant)
    if payment_method:
        gateway.payment_method_set_default(customer=customer_id, payment_method=payment_method)

    subscription = _live_subscription(account)
    seats = max(1, _count_seats(tenant.schema_name))
    if subscription is None:
        if not payment_method:
            raise BillingInvalid("A payment method is needed to start a subscription.")
        subscription = gateway.subscription_create(
            customer=customer_id, plan_id=plan.stripe_plan_id, quantity=seats, schema=tenant.schema_name
        )
        if subscription.get("status") == "incomplete":
            # Stripe kept a subscription waiting for a first payment that failed; a declined card
            # means no subscription, as the admin expects.
            gateway.subscription_cancel_now(subscription["id"])
            raise BillingInvalid("The card was declined; nothing was charged. Try another card.")
    else:
        changes: dict[str, Any] = {}
        item = _item(subscription)
        if item.get("plan", {}).get("id") != plan.stripe_plan_id:
            changes["items"] = [{"id": item["id"], "plan": plan.stripe_plan_id, "quantity": seats}]
        if subscription.get("cancel_at_period_end"):
            changes["cancel_at_period_end"] = False
        if changes:
            subscription = gateway.subscription_update(subscription["id"], **changes)
        if payment_method:
            _retry_open_invoices(customer_id, subscription["id"])
    return _apply_stripe(tenant, subscription_id=subscription["id"], actor=actor, reason="admin request")


def subscription_cancel(*, tenant: Tenant, actor: Actor) -> BillingAccount:
    """Cancel at the end of the paid period: the tenant keeps everything until then."""
    _ensure_gateway()
    account = account_for(tenant)
    subscription = _live_subscription(account)
    if subscription is None:
        raise BillingInvalid("There is no subscription to cancel.")
    subscription = gateway.subscription_update(subscription["id"], cancel_at_period_end=True)
    return _apply_stripe(
        tenant, subscription_id=subscription["id"], actor=actor, reason="cancel at period end"
    )


def _ensure_gateway() -> None:
    if not gateway.configured():
        raise BillingInvalid("Online payment is not configured on this server; contact the vendor.")


def _live_subscription(account: BillingAccount) -> dict[str, Any] | None:
    if not account.stripe_subscription_id:
        return None
    try:
        subscription = gateway.subscription_retrieve(account.stripe_subscription_id)
    except LookupError:
        return None
    if subscription.get("status") in ("canceled", "incomplete_expired"):
        return None
    return subscription


def _item(subscription: dict[str, Any]) -> dict[str, Any]:
    items = subscription.get("items", {}).get("data", [])
    return items[0] if items else {}


def _retry_open_invoices(customer: str, subscription: str) -> None:
    for invoice in gateway.invoices_list(customer=customer, subscription=subscription):
        if invoice.get("status") == "open":
            try:
                gateway.invoice_pay(invoice["id"])
            except gateway.PaymentRefused as exc:
                raise BillingInvalid(f"The new card was refused: {exc}") from exc


# -- state from Stripe -----------------------------------------------------------------------------


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _failed_invoice(customer: str, subscription: str) -> bool:
    """Whether an invoice of the subscription is finalised, was attempted and is still unpaid — what
    Stripe calls past due, read from the invoices themselves so a subscription that still says
    "active" cannot hide a failed renewal."""
    return any(
        invoice.get("status") == "open" and invoice.get("attempted")
        for invoice in gateway.invoices_list(customer=customer, subscription=subscription)
    )


def _apply_stripe(
    tenant: Tenant,
    *,
    subscription_id: str | None,
    actor: Actor,
    reason: str = "",
    event_id: str = "",
) -> BillingAccount:
    """Re-read the subscription (never trust an event's copy: events arrive twice and out of order)
    and record what it says on the account."""
    account = account_for(tenant)
    subscription_id = subscription_id or account.stripe_subscription_id
    if not subscription_id:
        return account
    subscription = gateway.subscription_retrieve(subscription_id)
    if account.stripe_subscription_id and subscription_id != account.stripe_subscription_id:
        current = _live_subscription(account)
        if current is not None or subscription.get("status") in ("canceled", "incomplete_expired"):
            # An event about an older subscription: the current one decides.
            subscription = current or gateway.subscription_retrieve(account.stripe_subscription_id)
    if subscription.get("status") == "incomplete":
        return account  # nothing was paid yet; the admin saw the refusal
    past_due_invoice = subscription.get("status") == "active" and _failed_invoice(
        subscription["customer"], subscription["id"]
    )
    now = timezone.now()
    with transaction.atomic():
        account = _locked(tenant)
        before = _snapshot(account)
        item = _item(subscription)
        status = _STRIPE_STATUS.get(subscription.get("status", ""), account.status)
        if status == BillingStatus.ACTIVE and past_due_invoice:
            status = BillingStatus.PAST_DUE
        account.stripe_subscription_id = subscription["id"]
        account.stripe_customer_id = subscription.get("customer") or account.stripe_customer_id
        account.stripe_item_id = item.get("id", "")
        account.seats_paid = int(item.get("quantity") or subscription.get("quantity") or 0)
        account.current_period_end = _ts(
            subscription.get("current_period_end") or item.get("current_period_end")
        )
        account.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
        plan = Plan.objects.filter(stripe_plan_id=item.get("plan", {}).get("id") or "-").first()
        if plan is not None:
            account.plan = plan
        _set_status(account, status, now, ended_at=_ts(subscription.get("ended_at")))
        return _save(account, before, actor, reason=reason, event_id=event_id)


def _set_status(
    account: BillingAccount, status: str, now: datetime, *, ended_at: datetime | None = None
) -> None:
    if status == BillingStatus.PAST_DUE:
        account.past_due_since = account.past_due_since or now
        if account.effective_status(now) == BillingStatus.RESTRICTED and not account.comped:
            status = BillingStatus.RESTRICTED
    elif status != BillingStatus.RESTRICTED:
        account.past_due_since = None
    if status == BillingStatus.CANCELLED:
        account.cancelled_at = account.cancelled_at or ended_at or now
    else:
        account.cancelled_at = None
    account.status = status


def stripe_state_apply(
    *,
    customer_id: str | None,
    subscription_id: str | None,
    schema: str | None,
    event_id: str,
) -> BillingAccount | None:
    """Bring the account that owns ``customer_id`` (or the tenant ``schema`` named by a Checkout
    session) up to date with Stripe. Idempotent: it only ever copies Stripe's current state."""
    account = None
    if customer_id:
        account = (
            BillingAccount.objects.select_related("tenant").filter(stripe_customer_id=customer_id).first()
        )
    if account is None and schema:
        tenant = Tenant.objects.filter(schema_name=schema).first()
        if tenant is not None:
            account = account_for(tenant)
            if customer_id and not account.stripe_customer_id:
                with transaction.atomic():
                    locked = _locked(tenant)
                    locked.stripe_customer_id = customer_id
                    locked.save(update_fields=["stripe_customer_id", "updated_at"])
    if account is None:
        log.warning("stripe event %s names no customer of ours", event_id)
        return None
    return _apply_stripe(account.tenant, subscription_id=subscription_id, actor=STRIPE, event_id=event_id)


# -- seats -----------------------------------------------------------------------------------------


def seats_sync(*, schema: str) -> BillingAccount | None:
    """Set the seat count (and the subscription's quantity) to the tenant's active employees now.

    Idempotent by construction: it never adds or subtracts, it copies the current count.
    """
    tenant = Tenant.objects.filter(schema_name=schema).first()
    if tenant is None:
        return None
    account = account_for(tenant)
    used = _count_seats(schema)
    subscription = _live_subscription(account) if gateway.configured() else None
    if subscription is not None:
        item = _item(subscription)
        if int(item.get("quantity") or 0) != max(1, used):
            subscription = gateway.subscription_update(
                subscription["id"], items=[{"id": item["id"], "quantity": max(1, used)}]
            )
    with transaction.atomic():
        account = _locked(tenant)
        before = _snapshot(account)
        account.seats_used = used
        if subscription is not None:
            account.seats_paid = int(_item(subscription).get("quantity") or 0)
        return _save(account, before, SYSTEM, reason=f"{used} active employees")


# -- operators -------------------------------------------------------------------------------------


def account_comp(*, tenant: Tenant, plan_code: str, note: str, operator: str) -> BillingAccount:
    """Give a tenant a plan for free (a partner, a pilot); it no longer pays or expires."""
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None:
        raise BillingInvalid(f"Unknown plan {plan_code!r}.")
    with transaction.atomic():
        account = _locked(tenant)
        before = _snapshot(account)
        account.comped = True
        account.comp_note = note[:200]
        account.plan = plan
        return _save(account, before, Actor(label=f"operator:{operator}"), reason=note or "comped")


def account_uncomp(*, tenant: Tenant, operator: str) -> BillingAccount:
    with transaction.atomic():
        account = _locked(tenant)
        before = _snapshot(account)
        account.comped = False
        account.comp_note = ""
        return _save(account, before, Actor(label=f"operator:{operator}"), reason="comp ended")


def lifecycle_sweep(*, now: datetime | None = None) -> int:
    """Record the transitions that time alone causes (trial ended, grace period over). Enforcement
    does not wait for this: ``effective_status`` already applies them on every read."""
    now = now or timezone.now()
    moved = 0
    candidates = BillingAccount.objects.filter(
        status__in=[BillingStatus.TRIALING, BillingStatus.PAST_DUE], comped=False
    ).values_list("pk", flat=True)
    for pk in candidates:
        with transaction.atomic():
            account = BillingAccount.objects.select_for_update().select_related("tenant", "plan").get(pk=pk)
            effective = account.effective_status(now)
            if effective == account.status:
                continue
            before = _snapshot(account)
            reason = "trial ended" if account.status == BillingStatus.TRIALING else "grace period ended"
            account.status = effective
            _save(account, before, SYSTEM, reason=reason)
            moved += 1
    return moved


# -- Stripe-hosted pages (only against Stripe itself) ----------------------------------------------


def _customer(tenant: Tenant) -> str:
    account = account_for(tenant)
    if account.stripe_customer_id:
        return account.stripe_customer_id
    customer = gateway.customer_create(name=tenant.name, schema=tenant.schema_name, slug=tenant.slug)
    with transaction.atomic():
        locked = _locked(tenant)
        locked.stripe_customer_id = locked.stripe_customer_id or customer["id"]
        locked.save(update_fields=["stripe_customer_id", "updated_at"])
    return locked.stripe_customer_id


def checkout_url(*, tenant: Tenant, plan_code: str, back_url: str) -> str:
    plan = _purchasable(plan_code)
    session = gateway.checkout_session_create(
        customer=_customer(tenant),
        plan_id=plan.stripe_plan_id,
        quantity=max(1, _count_seats(tenant.schema_name)),
        schema=tenant.schema_name,
        success_url=back_url,
        cancel_url=back_url,
    )
    return str(session["url"])


def portal_url(*, tenant: Tenant, return_url: str) -> str:
    return str(gateway.portal_session_create(customer=_customer(tenant), return_url=return_url)["url"])
