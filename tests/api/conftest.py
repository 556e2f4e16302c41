"""HTTP-level fixtures: employees in acme, bearer tokens minted through DOT's models, a JSON client."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from api.models import AppRegistration
from directory.models import Employee, OrgUnit
from directory.services import employee_create, unit_create
from tenants.models import Tenant
from tests.conftest import ACME_HOST
from tests.support.queries import is_tenant_routing


@dataclass
class Api:
    """A test client speaking as one employee (or app) with one bearer token."""

    client: Client
    token: str

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {
            "HTTP_AUTHORIZATION": f"Bearer {self.token}",
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()},
        }

    def get(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(path, data, **self._headers(headers))

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, json: bool = False, **headers: str
    ) -> Any:
        if json:
            return self.client.post(
                path, data or {}, content_type="application/json", **self._headers(headers)
            )
        return self.client.post(path, data or {}, **self._headers(headers))

    def put(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.put(path, data or {}, content_type="application/json", **self._headers(headers))

    def patch(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.patch(path, data or {}, content_type="application/json", **self._headers(headers))

    def delete(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.delete(path, data or {}, content_type="application/json", **self._headers(headers))


@pytest.fixture
def oauth_app(acme: Tenant) -> Application:
    app = Application.objects.create(
        name="Test app",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        client_secret="s3cret",
    )
    AppRegistration.objects.create(application=app, scopes="read write follow push")
    return app


@pytest.fixture
def make_token(oauth_app: Application) -> Callable[..., str]:
    def make(employee: Employee | None, scope: str = "read write follow push") -> str:
        token = secrets.token_urlsafe(32)
        AccessToken.objects.create(
            user=employee,
            token=token,
            application=oauth_app,
            scope=scope,
            expires=timezone.now() + timedelta(days=1),
        )
        return token

    return make


@pytest.fixture
def api_as(make_token: Callable[..., str]) -> Callable[..., Api]:
    def as_(employee: Employee | None, scope: str = "read write follow push") -> Api:
        return Api(client=Client(HTTP_HOST=ACME_HOST), token=make_token(employee, scope))

    return as_


@dataclass
class People:
    root: OrgUnit
    sales: OrgUnit
    lab: OrgUnit
    kim: Employee
    lee: Employee
    choi: Employee
    boss: Employee


@pytest.fixture
def people(acme: Tenant) -> People:
    root = OrgUnit.objects.get(parent=None)
    sales = unit_create(name="영업팀", parent=root)
    lab = unit_create(name="연구소", parent=root)

    def person(username: str, unit: OrgUnit, rank: int, family: str, given: str) -> Employee:
        return employee_create(
            username=username,
            email=f"{username}@acme.example",
            unit=unit,
            rank_level=rank,
            family_name=family,
            given_name=given,
            password="pw-" + username + "-123",
        )

    return People(
        root=root,
        sales=sales,
        lab=lab,
        kim=person("kim", sales, 1, "김", "철수"),
        lee=person("lee", sales, 3, "이", "영희"),
        choi=person("choi", lab, 5, "최", "민수"),
        boss=person("boss", root, 9, "박", "사장"),
    )


class Queries:
    """SQL statements run inside the block, leaving out tenant routing (``is_tenant_routing``)."""

    def __init__(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self._ctx = CaptureQueriesContext(connection)

    def __enter__(self) -> Queries:
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)

    @property
    def count(self) -> int:
        return len(self.sqls)

    @property
    def sqls(self) -> list[str]:
        return [q["sql"] for q in self._ctx.captured_queries if not is_tenant_routing(q["sql"])]
