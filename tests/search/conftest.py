"""A small company to search in: two teams under a division, a lab, people with Hangul and Latin names,
titles and ranks; posts written through posts.services and indexed as the after-commit hook does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from directory.models import Employee, OrgUnit
from directory.services import employee_create, unit_create
from posts.models import Post
from posts.services import post_create
from search.services import person_index, post_index
from social.models import Follow
from tenants.models import Tenant
from tests.api.conftest import Api, Queries, api_as, make_token, oauth_app  # noqa: F401  (fixtures)

__all__ = ["Api", "Org", "Queries"]


@dataclass
class Org:
    root: OrgUnit
    sales: OrgUnit
    team1: OrgUnit
    team2: OrgUnit
    lab: OrgUnit
    kim: Employee  # 영업1팀 사원 김철수
    lee: Employee  # 영업1팀 과장 이영희
    park: Employee  # 영업2팀 사원 박지민
    choi: Employee  # 기술연구소 부장 최민수, "Platform Engineer"
    jane: Employee  # 기술연구소 대리 Jane Smith
    boss: Employee  # 사장

    def follow(self, follower: Employee, followee: Employee) -> None:
        Follow.objects.get_or_create(follower=follower, followee=followee)


def _person(username: str, unit: OrgUnit, rank: int, family: str, given: str, **extra: Any) -> Employee:
    employee = employee_create(
        username=username,
        email=f"{username}@acme.example",
        unit=unit,
        rank_level=rank,
        family_name=family,
        given_name=given,
        follow_unit=False,
        **extra,
    )
    person_index(employee.pk)  # what directory.services' after-commit hook does
    return employee


@pytest.fixture
def org(acme: Tenant) -> Org:
    root = OrgUnit.objects.get(parent=None)
    sales = unit_create(name="영업본부", parent=root)
    lab = unit_create(name="기술연구소", parent=root)
    team1 = unit_create(name="영업1팀", parent=sales)
    team2 = unit_create(name="영업2팀", parent=sales)
    return Org(
        root=root,
        sales=sales,
        team1=team1,
        team2=team2,
        lab=lab,
        kim=_person("kim", team1, 1, "김", "철수"),
        lee=_person("lee", team1, 3, "이", "영희", title="영업 매니저"),
        park=_person("park", team2, 1, "박", "지민"),
        choi=_person("choi", lab, 5, "최", "민수", title="Platform Engineer"),
        jane=_person("jane", lab, 2, "Smith", "Jane"),
        boss=_person("boss", root, 9, "박", "사장"),
    )


@pytest.fixture
def say() -> Callable[..., Post]:
    """Post as ``author`` through posts.services, then index it as the after-commit hook would."""

    def say_(author: Employee, text: str, **kwargs: Any) -> Post:
        post = post_create(author=author, text=text, **kwargs)
        post_index(post.pk)
        return post

    return say_
