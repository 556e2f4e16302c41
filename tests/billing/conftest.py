"""Billing tests run against a real localstripe (bin/test starts one; otherwise this session does).

Stripe's state lives in localstripe and outlives each test's rolled-back transaction, so every test
makes its own customer: nothing in one test can see another's subscription.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from biztweet.local.stripe_peer import TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, answers, localstripe_server
from directory.models import Employee, Role
from tenants.models import Tenant
from tests.api.conftest import Api, api_as, make_token, oauth_app  # noqa: F401 (fixtures)

BILLING = "/api/bt/v1/admin/billing"
SUBSCRIPTION = "/api/bt/v1/admin/billing/subscription"
WEBHOOK = "/billing/stripe/webhook/"


@pytest.fixture(scope="session")
def stripe_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = django_settings.STRIPE_API_BASE
    if configured and answers(configured):
        yield configured
        return
    with localstripe_server(log=tmp_path_factory.mktemp("localstripe") / "localstripe.log") as base:
        yield base


@pytest.fixture(autouse=True)
def stripe_settings(settings: Any, stripe_base: str) -> str:  # type: ignore[no-untyped-def]
    settings.STRIPE_API_BASE = stripe_base
    if not settings.STRIPE_SECRET_KEY:
        settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    if not settings.STRIPE_WEBHOOK_SECRET:
        settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    return stripe_base


@pytest.fixture
def admin(acme: Tenant) -> Employee:
    return Employee.objects.get(role=Role.ADMIN, email="admin@acme.example")


@pytest.fixture
def admin_api(api_as: Callable[..., Api], admin: Employee) -> Api:  # noqa: F811
    return api_as(admin, "read write admin:read admin:write")


def sign(body: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header made the way Stripe makes it."""
    t = int(time.time()) if timestamp is None else timestamp
    key = (secret or django_settings.STRIPE_WEBHOOK_SECRET).encode()
    digest = hmac.new(key, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def stripe_event(kind: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }


def deliver(event: dict[str, Any], *, signature: str | None = None, client: Client | None = None) -> Any:
    body = json.dumps(event).encode()
    return (client or Client(HTTP_HOST="localhost")).post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature or sign(body)
    )
