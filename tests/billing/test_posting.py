"""Billing state reaches the product through policy: restricted and cancelled tenants read but do not post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import BillingAccount
from billing.services import account_for
from posts.services import post_create
from tenants.models import Tenant
from tests.api.conftest import Api
from tests.billing.conftest import BILLING

pytestmark = pytest.mark.django_db


def test_a_restricted_tenant_reads_but_cannot_post_and_admins_still_reach_billing(
    admin_api: Api, acme: Tenant
) -> None:
    earlier = post_create(author=admin_api_employee(admin_api), text="before the trial ended")
    account = account_for(acme)
    BillingAccount.objects.filter(pk=account.pk).update(trial_ends_at=timezone.now() - timedelta(days=1))

    refused = admin_api.post("/api/v1/statuses", {"status": "hello"})
    assert refused.status_code == 403
    assert refused.json()["rule"] == "billing_restricted" and "trial has ended" in refused.json()["error"]
    assert admin_api.get(f"/api/v1/statuses/{earlier.pk}").status_code == 200  # nothing deleted, still read
    assert admin_api.get(BILLING).json()["status"] == "restricted"


def test_a_cancelled_tenant_is_read_only_with_an_export_window(admin_api: Api, acme: Tenant) -> None:
    account = account_for(acme)
    BillingAccount.objects.filter(pk=account.pk).update(status="cancelled", cancelled_at=timezone.now())
    refused = admin_api.post("/api/v1/statuses", {"status": "hello"})
    assert refused.status_code == 403 and "export" in refused.json()["error"]


def admin_api_employee(api: Api):  # type: ignore[no-untyped-def]
    from oauth2_provider.models import AccessToken

    return AccessToken.objects.get(token=api.token).user


def test_admins_see_the_billing_banner_on_every_page_and_members_do_not(admin_api: Api, acme: Tenant) -> None:
    from django.test import Client

    from directory.models import Employee, OrgUnit
    from directory.services import employee_create
    from tests.conftest import ACME_HOST

    account = account_for(acme)
    BillingAccount.objects.filter(pk=account.pk).update(trial_ends_at=timezone.now() + timedelta(days=2))
    admin = Client(HTTP_HOST=ACME_HOST)
    admin.force_login(Employee.objects.get(email="admin@acme.example"))
    page = admin.get("/").content.decode()
    assert 'id="billing-banner"' in page and "free trial ends" in page

    member = Client(HTTP_HOST=ACME_HOST)
    root = OrgUnit.objects.get(parent=None)
    member.force_login(employee_create(username="member1", email="member1@acme.example", unit=root))
    assert 'id="billing-banner"' not in member.get("/").content.decode()
