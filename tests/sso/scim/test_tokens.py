"""The admin API for SCIM tokens: minted once, listed without secrets, revoked; admins only."""

from __future__ import annotations

from django.test import Client

from directory.models import Employee, OrgUnit, Role
from directory.services import employee_create
from tenants.models import Tenant
from tests.conftest import ACME_HOST
from tests.sso.scim.conftest import bearer_client

TOKENS = "/api/bt/v1/admin/scim/tokens"


def _admin() -> Employee:
    return Employee.objects.get(email="admin@acme.example")


def test_admin_mints_lists_and_revokes_a_token(acme: Tenant) -> None:
    admin = bearer_client(_admin(), scope="admin:read admin:write")
    minted = admin.post(TOKENS, {"name": "Entra ID"}, content_type="application/json")
    assert minted.status_code == 201
    body = minted.json()
    secret = body["token"]
    assert body["name"] == "Entra ID" and secret.startswith(body["hint"])

    scim = Client(HTTP_HOST=ACME_HOST, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert scim.get("/scim/v2/Users").status_code == 200

    listed = admin.get(TOKENS).json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0] and secret not in str(listed)
    assert listed[0]["last_used_at"] is not None

    assert admin.delete(f"{TOKENS}/{body['id']}").status_code == 200
    assert scim.get("/scim/v2/Users").status_code == 401
    assert admin.get(TOKENS).json() == []
    assert admin.delete(f"{TOKENS}/{body['id']}").status_code == 404


def test_only_admins_with_admin_scopes_manage_tokens(acme: Tenant) -> None:
    member = employee_create(
        username="member",
        email="member@acme.example",
        unit=OrgUnit.objects.get(parent=None),
        role=Role.MEMBER,
    )
    refused = bearer_client(member, scope="admin:read admin:write").post(
        TOKENS, {}, content_type="application/json"
    )
    assert refused.status_code == 403 and "error" in refused.json()
    read_only = bearer_client(_admin(), scope="admin:read")
    assert read_only.post(TOKENS, {}, content_type="application/json").status_code == 403
    assert read_only.get(TOKENS).status_code == 200
    assert bearer_client(_admin(), scope="read write").get(TOKENS).status_code == 403
    assert Client(HTTP_HOST=ACME_HOST).get(TOKENS).status_code == 401


def test_scim_tokens_need_a_plan_that_includes_scim(acme: Tenant) -> None:
    from django.db import connection

    from billing.services import account_comp

    account_comp(tenant=acme, plan_code="standard", note="test", operator="ops")
    connection.set_tenant(acme)
    admin = bearer_client(_admin(), scope="admin:read admin:write")
    answer = admin.post(TOKENS, {"name": "Okta"}, content_type="application/json")
    assert answer.status_code == 403
    assert answer.json()["rule"] == "plan_feature"
    assert admin.get(TOKENS).json() == []
