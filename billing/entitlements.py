"""What a tenant may do, as the rest of the product asks it. Code outside billing never names a plan.

    tenant_has("saml")            # does the tenant's plan include SAML single sign-on?
    posting_block_reason()        # None, or why nobody in the tenant can post right now

Both default to the tenant of the current connection (the request's host, or the task's schema).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from billing.models import BillingAccount, BillingStatus
from common.tenancy import current_schema
from tenants.models import Tenant

# Every feature a plan can list (billing/migrations seed the plans with these).
FEATURES = {
    "api": "Mastodon and Twitter API access",
    "audit_log": "Audit log",
    "export": "Full data export",
    "saml": "SAML single sign-on",
    "scim": "SCIM provisioning",
    "hierarchy_rules": "Information barriers, contact rules and rank-scoped posting",
}
# How long before the trial ends admins see a reminder.
TRIAL_WARNING_DAYS = 7


@dataclass(frozen=True)
class BillingState:
    status: str
    plan_code: str
    plan_name: str
    features: frozenset[str]
    trial_ends_at: datetime | None
    grace_ends_at: datetime | None
    export_until: datetime | None
    cancel_at_period_end: bool
    current_period_end: datetime | None

    @property
    def posting_allowed(self) -> bool:
        return self.status not in (BillingStatus.RESTRICTED, BillingStatus.CANCELLED)


def _tenant(tenant: Tenant | None) -> Tenant | None:
    if tenant is not None:
        return tenant
    current = getattr(connection, "tenant", None)
    if current is None or current_schema() == get_public_schema_name():
        return None
    if isinstance(current, Tenant):
        return current
    # schema_context() installs a stand-in without the row; find the real tenant by its schema.
    return Tenant.objects.filter(schema_name=current_schema()).first()


def billing_state(tenant: Tenant | None = None, *, now: datetime | None = None) -> BillingState | None:
    """The tenant's billing state as it stands now (None in the public schema)."""
    from billing.services import account_peek

    tenant = _tenant(tenant)
    if tenant is None:
        return None
    account: BillingAccount = account_peek(tenant)
    now = now or timezone.now()
    status = account.effective_status(now)
    return BillingState(
        status=status,
        plan_code=account.plan.code,
        plan_name=account.plan.name,
        features=frozenset(account.plan.features),
        trial_ends_at=account.trial_ends_at if account.status == BillingStatus.TRIALING else None,
        grace_ends_at=account.grace_ends_at,
        export_until=account.export_until,
        cancel_at_period_end=account.cancel_at_period_end,
        current_period_end=account.current_period_end,
    )


def tenant_has(feature: str, tenant: Tenant | None = None) -> bool:
    """Whether the tenant's plan includes ``feature`` (one of ``FEATURES``).

    Features follow the plan, not the payment state: a restricted or cancelled tenant keeps single
    sign-on and export so people can still get in and take their data out.
    """
    if feature not in FEATURES:
        raise ValueError(f"Unknown feature {feature!r}")
    state = billing_state(tenant)
    return state is not None and feature in state.features


def require_feature(feature: str, what: str) -> None:
    """Refuse (403, naming the rule) an action that needs a feature the tenant's plan lacks."""
    from policy import ActionRefused

    if not tenant_has(feature):
        raise ActionRefused(
            _("%(what)s is not included in this workspace's plan.") % {"what": what}, rule="plan_feature"
        )


def posting_block_reason(tenant: Tenant | None = None) -> str | None:
    """None while the tenant may post; otherwise a sentence for the person whose post was refused."""
    state = billing_state(tenant)
    if state is None or state.posting_allowed:
        return None
    if state.status == BillingStatus.CANCELLED:
        until = f" until {state.export_until:%Y-%m-%d}" if state.export_until else ""
        return (
            "This workspace is read-only because its subscription was cancelled; "
            f"an administrator can still export its data{until} or subscribe again."
        )
    if state.grace_ends_at is not None:
        return (
            "Posting is paused because a payment is overdue and the 14-day grace period has ended; "
            "an administrator can update the card in billing."
        )
    return "Posting is paused because the free trial has ended; an administrator can subscribe in billing."


def admin_banner(tenant: Tenant | None = None, *, now: datetime | None = None) -> str | None:
    """The line shown to tenant admins when billing needs their attention, else None."""
    now = now or timezone.now()
    state = billing_state(tenant, now=now)
    if state is None:
        return None
    if state.status == BillingStatus.PAST_DUE and state.grace_ends_at:
        return (
            "A payment failed. Update the card before "
            f"{state.grace_ends_at:%Y-%m-%d} or posting will be paused for everyone."
        )
    if not state.posting_allowed:
        return posting_block_reason(tenant)
    if state.trial_ends_at and (state.trial_ends_at - now).days < TRIAL_WARNING_DAYS:
        return f"The free trial ends on {state.trial_ends_at:%Y-%m-%d}. Subscribe to keep posting."
    if state.cancel_at_period_end and state.current_period_end:
        return f"The subscription ends on {state.current_period_end:%Y-%m-%d}."
    return None
