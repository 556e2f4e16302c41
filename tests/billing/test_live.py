"""The whole loop with real processes: localstripe delivers its own webhooks to a real server, a real
Celery worker handles them, and seats follow the directory through the debounced sync.

The data must be committed for the other processes to see it, so this test onboards a tenant of its
own and drops it (schema and all) at the end.
"""

from __future__ import annotations

import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from billing import gateway, services
from billing.models import BillingAccount, BillingLogEntry, StripeEvent
from billing.tasks import _debounce_key, _redis
from biztweet.celery import app as celery_app
from directory.models import Employee, OrgUnit
from directory.services import employee_create, employee_deactivate
from tenants.models import Tenant
from tenants.services import tenant_onboard
from tests.support.processes import asgi_server, celery_worker

pytestmark = pytest.mark.slow

SLUG = "billive"


def _wait(condition: Callable[[], Any], what: str, timeout: float = 40.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def live_tenant(django_db_setup: None, django_db_blocker: Any) -> Iterator[Tenant]:  # type: ignore[misc]
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        tenant = tenant_onboard(
            slug=SLUG, name="Billing Live", admin_email="admin@billive.example", admin_password="pw-billive-1"
        ).tenant
        try:
            yield tenant
        finally:
            connection.set_schema_to_public()
            StripeEvent.objects.filter(account__tenant=tenant).delete()
            BillingLogEntry.objects.filter(tenant_slug=SLUG).delete()
            Tenant.objects.get(pk=tenant.pk).delete(force_drop=True)


def test_subscription_events_and_seats_flow_through_real_processes(
    live_tenant: Tenant,
    django_db_blocker: Any,
    stripe_base: str,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.BILLING_SEAT_SYNC_DELAY = 1
    for name in ("STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        monkeypatch.setenv(name, getattr(settings, name))
    celery_app.control.purge()  # tasks queued by other tests' onboarding are not this test's
    _redis().delete(_debounce_key(live_tenant.schema_name))
    with (
        django_db_blocker.unblock(),
        celery_worker("celery", log=tmp_path / "worker.log"),
        asgi_server(log=tmp_path / "server.log") as base,
    ):
        port = base.rsplit(":", 1)[1]
        _register_webhook(stripe_base, f"http://localhost:{port}/billing/stripe/webhook/")

        # Trial → paid. localstripe then sends customer.subscription.created and friends by itself.
        account = services.subscription_start_or_change(
            tenant=live_tenant, plan_code="standard", payment_method="pm_card_visa", actor=services.SYSTEM
        )
        assert account.status == "active" and account.seats_paid == 1
        created = _wait(
            lambda: StripeEvent.objects.filter(
                type="customer.subscription.created", account=account, processed_at__isnull=False
            ).first(),
            "localstripe's customer.subscription.created to be stored and handled",
        )
        assert created.attempts == 1

        # Three hires in a burst: one sync, one Stripe update, quantity = active employees.
        worker_log = tmp_path / "worker.log"
        with tenant_context(live_tenant):
            root = OrgUnit.objects.get(parent=None)
            hires = [
                employee_create(username=f"live{i}", email=f"live{i}@billive.example", unit=root)
                for i in range(3)
            ]
            active = Employee.objects.filter(is_active=True).count()
        assert active == 4
        _wait(lambda: _quantity(account) == 4, "the subscription quantity to reach 4")
        time.sleep(1.5)
        assert _syncs(worker_log) == 1

        # Offboarding frees the seat.
        with tenant_context(live_tenant):
            employee_deactivate(employee=hires[0])
        _wait(lambda: _quantity(account) == 3, "the subscription quantity to drop to 3")
        _wait(lambda: BillingAccount.objects.get(pk=account.pk).seats_used == 3, "seats_used to be 3")
        assert _syncs(worker_log) == 2
        assert BillingAccount.objects.get(pk=account.pk).seats_paid == 3


def _register_webhook(stripe_base: str, url: str) -> None:
    form = [("url", url), ("secret", settings.STRIPE_WEBHOOK_SECRET)]
    form += [
        ("events[]", kind) for kind in ("customer.subscription.created", "customer.subscription.deleted")
    ]
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{stripe_base}/_config/webhooks/biztweet-live", data=urllib.parse.urlencode(form).encode()
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        assert response.status == 200


def _quantity(account: BillingAccount) -> int:
    subscription = gateway.subscription_retrieve(account.stripe_subscription_id)
    return int(subscription["items"]["data"][0]["quantity"])


def _syncs(log: Path) -> int:
    return len(re.findall(r"Task billing\.seats_sync\[[^\]]+\] succeeded", log.read_text(errors="replace")))
