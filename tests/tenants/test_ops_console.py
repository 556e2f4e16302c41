"""The operator console on the public host: staff of the public schema only."""

from __future__ import annotations

import pytest
from django.test import Client

from directory.models import Employee
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client() -> Client:
    Employee.objects.create_user("ops1", "ops1@vendor.example", "op-password-1", is_staff=True)
    client = Client(HTTP_HOST="localhost")
    assert client.post("/ops/login/", {"username": "ops1", "password": "op-password-1"}).status_code == 302
    return client


def test_console_lists_tenants_with_domains_and_status(operator_client: Client) -> None:
    body = operator_client.get("/ops/").content.decode()
    assert "acme.localhost" in body and "globex.localhost" in body and "active" in body


def test_operator_can_suspend_and_reactivate(operator_client: Client) -> None:
    operator_client.post("/ops/tenants/globex/status/", {"status": "suspended"})
    assert Tenant.objects.get(slug="globex").status == "suspended"
    operator_client.post("/ops/tenants/globex/status/", {"status": "active"})
    assert Tenant.objects.get(slug="globex").status == "active"


def test_console_needs_an_operator() -> None:
    anonymous = Client(HTTP_HOST="localhost")
    assert anonymous.get("/ops/").status_code == 302
    assert anonymous.post("/ops/tenants/globex/status/", {"status": "suspended"}).status_code == 302
    assert Tenant.objects.get(slug="globex").status == "active"


def test_tenant_admin_is_not_an_operator() -> None:
    # A tenant's admin exists only in the tenant schema; the public host does not know them.
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/ops/login/", {"username": "admin@acme.example", "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert client.get("/ops/").status_code == 302


def test_console_is_not_reachable_on_a_tenant_host() -> None:
    assert Client(HTTP_HOST="acme.localhost").get("/ops/").status_code == 404
