"""A small org for post tests: a division with two teams, another division, people at several ranks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Employee, OrgUnit, Role
from directory.services import employee_create, unit_create
from social.models import Follow
from tenants.models import Tenant
from tests.support.queries import is_tenant_routing


@dataclass
class Org:
    root: OrgUnit
    sales: OrgUnit
    team1: OrgUnit
    team2: OrgUnit
    lab: OrgUnit
    kim: Employee  # 영업1팀 사원
    lee: Employee  # 영업1팀 과장
    park: Employee  # 영업2팀 사원
    choi: Employee  # 기술연구소 부장
    boss: Employee  # root, 사장
    admin: Employee

    def follow(self, follower: Employee, followee: Employee) -> None:
        Follow.objects.get_or_create(follower=follower, followee=followee)


def person(username: str, unit: OrgUnit, rank: int = 1, role: str = "member", **extra: Any) -> Employee:
    return employee_create(
        username=username, email=f"{username}@acme.example", unit=unit, rank_level=rank, role=role, **extra
    )


@pytest.fixture
def org(acme: Tenant) -> Org:
    root = OrgUnit.objects.get(parent=None)
    sales = unit_create(name="영업본부", parent=root)
    lab = unit_create(name="기술연구소", parent=root)
    team1 = unit_create(name="영업1팀", parent=sales)
    team2 = unit_create(name="영업2팀", parent=sales)
    org = Org(
        root=root,
        sales=sales,
        team1=team1,
        team2=team2,
        lab=lab,
        kim=person("kim", team1, 1, family_name="김", given_name="철수"),
        lee=person("lee.yh", team1, 3, family_name="이", given_name="영희"),
        park=person("park", team2, 1),
        choi=person("choi", lab, 5),
        boss=person("boss", root, 9),
        admin=Employee.objects.get(role=Role.ADMIN),
    )
    # No follows unless a test makes them (new employees may follow their unit by a tenant setting).
    Follow.objects.all().delete()
    return org


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path: Path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Uploads go to a throwaway folder (the storage caches its root, so reset it around the test)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    storage = getattr(default_storage, "_wrapped", default_storage)
    storage.__dict__.pop("relative_media_root", None)
    yield
    storage.__dict__.pop("relative_media_root", None)


class Queries:
    """Counts the SQL statements a block runs, leaving out django-tenants' ``SET search_path`` (which it
    repeats per cursor unless TENANT_LIMIT_SET_CALLS is on)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @contextmanager
    def at_most(self, limit: int) -> Iterator[None]:
        with CaptureQueriesContext(connection) as captured:
            yield
        self.statements = [q["sql"] for q in captured.captured_queries if not is_tenant_routing(q["sql"])]
        assert len(self.statements) <= limit, f"{len(self.statements)} queries > {limit}:\n" + "\n".join(
            self.statements
        )


@pytest.fixture
def queries() -> Queries:
    return Queries()
