"""Public-schema billing records: plans, one billing account per tenant, Stripe events, the transition log.

Stripe is the source of truth for what was paid; these rows are what we last learned from it, plus the
parts Stripe does not know (trial, comp, seats used, when a grace period started).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models

TRIAL_DAYS = 30
GRACE_DAYS = 14
EXPORT_WINDOW_DAYS = 30


class Plan(models.Model):
    """A price list entry. Features are what ``entitlements.tenant_has`` answers from; views never
    compare plan codes."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    # Minor currency units per active employee per month (cents for usd).
    per_seat_price = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="usd")
    features = models.JSONField(default=list)
    # The Stripe plan (or price) id; empty for plans nobody pays for (the trial).
    stripe_plan_id = models.CharField(max_length=120, blank=True)
    purchasable = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code


class BillingStatus(models.TextChoices):
    TRIALING = "trialing", "trialing"
    ACTIVE = "active", "active"
    PAST_DUE = "past_due", "past due"
    RESTRICTED = "restricted", "restricted"
    CANCELLED = "cancelled", "cancelled"
    COMPED = "comped", "comped"


class BillingAccount(models.Model):
    """One per tenant, created with the tenant's first billing question (see ``services.account_for``)."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="billing")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="accounts")
    # The last recorded status; time-based moves (trial end, grace end) are derived on read by
    # ``effective_status`` and recorded by the periodic sweep, so enforcement never waits for a job.
    status = models.CharField(max_length=12, choices=BillingStatus.choices, default=BillingStatus.TRIALING)
    trial_ends_at = models.DateTimeField()
    comped = models.BooleanField(default=False)
    comp_note = models.CharField(max_length=200, blank=True)
    stripe_customer_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_item_id = models.CharField(max_length=64, blank=True)
    seats_paid = models.PositiveIntegerField(default=0)
    seats_used = models.PositiveIntegerField(default=0)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    past_due_since = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status"], name="billing_account_status")]

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.plan_id} {self.status}"

    def effective_status(self, now: datetime) -> str:
        if self.comped:
            return BillingStatus.COMPED
        if self.status == BillingStatus.TRIALING and now >= self.trial_ends_at:
            return BillingStatus.RESTRICTED
        if (
            self.status == BillingStatus.PAST_DUE
            and self.past_due_since is not None
            and now >= self.past_due_since + timedelta(days=GRACE_DAYS)
        ):
            return BillingStatus.RESTRICTED
        return self.status

    @property
    def grace_ends_at(self) -> datetime | None:
        return self.past_due_since + timedelta(days=GRACE_DAYS) if self.past_due_since else None

    @property
    def export_until(self) -> datetime | None:
        return self.cancelled_at + timedelta(days=EXPORT_WINDOW_DAYS) if self.cancelled_at else None


class StripeEvent(models.Model):
    """Every verified webhook, stored once by Stripe's event id; handling advances ``processed_at``."""

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    account = models.ForeignKey(
        BillingAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="stripe_events"
    )

    class Meta:
        indexes = [models.Index(fields=["processed_at", "received_at"], name="billing_event_pending")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class BillingLogEntry(models.Model):
    """What changed on an account, when, and why — the operators' view of every transition."""

    account = models.ForeignKey(
        BillingAccount, null=True, on_delete=models.SET_NULL, related_name="log_entries"
    )
    tenant_slug = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=160)
    field = models.CharField(max_length=40)
    before = models.CharField(max_length=120, blank=True)
    after = models.CharField(max_length=120, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    stripe_event_id = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant_slug", "-at"], name="billing_log_tenant")]

    def __str__(self) -> str:
        return f"{self.tenant_slug} {self.field}: {self.before} → {self.after}"
