"""Billing jobs: debounced seat sync (tenant schema), webhook handling and the lifecycle sweep (public)."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from functools import cache

import redis
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from billing import gateway, services, webhooks
from billing.models import StripeEvent
from common.tasks import PublicTask
from common.tenancy import current_schema, require_tenant_schema

log = logging.getLogger(__name__)


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _debounce_key(schema: str) -> str:
    return f"{schema}:billing:seat-sync"


def seats_changed() -> None:
    """Call inside the write that added, deactivated or reactivated employees: once it commits, one
    seat sync runs for the tenant after ``BILLING_SEAT_SYNC_DELAY`` seconds, however many people
    changed in between (an HR import of 300 people is one Stripe call)."""
    schema = current_schema()
    if schema == get_public_schema_name():
        return
    transaction.on_commit(lambda: seats_sync_soon(schema))


def seats_sync_soon(schema: str) -> bool:
    """Queue a seat sync unless one is already waiting; returns whether one was queued."""
    delay = int(settings.BILLING_SEAT_SYNC_DELAY)
    try:
        fresh = _redis().set(_debounce_key(schema), "1", nx=True, ex=max(60, delay * 10))
    except redis.RedisError:
        log.warning(
            "seat sync for %s not queued: Redis is unavailable; the daily sweep will catch up", schema
        )
        return False
    if fresh:
        with schema_context(schema):
            seats_sync.apply_async(countdown=delay)
    return bool(fresh)


@shared_task(name="billing.seats_sync", bind=True, max_retries=10)
def seats_sync(self) -> int | None:  # type: ignore[no-untyped-def]
    """Runs in the tenant's schema (the sender's). Clearing the debounce key before counting means
    any change committed after the count queues a new sync."""
    schema = require_tenant_schema()
    with contextlib.suppress(redis.RedisError):
        _redis().delete(_debounce_key(schema))
    try:
        account = services.seats_sync(schema=schema)
    except gateway.GatewayUnavailable as exc:
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc
    return account.seats_used if account else None


@shared_task(name="billing.stripe_event_process", base=PublicTask, bind=True, max_retries=12)
def stripe_event_process(self, event_pk: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        return webhooks.event_process(event_pk)
    except gateway.GatewayUnavailable as exc:
        raise self.retry(exc=exc, countdown=min(3600, 15 * 2**self.request.retries)) from exc


@shared_task(name="billing.sweep", base=PublicTask)
def sweep() -> dict[str, int]:
    """Periodic (beat): record time-driven transitions, re-queue webhook events whose task was lost,
    and re-sync every tenant's seats once a day as a safety net for lost messages."""
    moved = services.lifecycle_sweep()
    stale = timezone.now() - timedelta(minutes=10)
    pending = list(
        StripeEvent.objects.filter(processed_at=None, received_at__lt=stale, attempts__lt=20).values_list(
            "pk", flat=True
        )[:500]
    )
    for pk in pending:
        stripe_event_process.delay(pk)
    return {"transitions": moved, "requeued_events": len(pending)}


@shared_task(name="billing.seats_sync_all", base=PublicTask)
def seats_sync_all() -> int:
    from tenants.models import Tenant

    schemas = list(
        Tenant.objects.exclude(schema_name=get_public_schema_name()).values_list("schema_name", flat=True)
    )
    for schema in schemas:
        seats_sync_soon(schema)
    return len(schemas)
