"""A new employee's home timeline is not empty: they follow their own unit (a tenant setting)."""

from __future__ import annotations

import pytest

from directory.models import CompanySettings, OrgUnit
from directory.services import employee_create, unit_create
from social.models import Follow
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _team(name: str = "플랫폼개발팀") -> OrgUnit:
    return unit_create(name=name, parent=OrgUnit.objects.get(parent=None))


def test_new_employee_follows_their_units_colleagues(acme: Tenant) -> None:
    team = _team()
    first = employee_create(username="first", email="first@acme.example", unit=team)
    second = employee_create(username="second", email="second@acme.example", unit=team)
    other = employee_create(username="elsewhere", email="else@acme.example", unit=_team("인사팀"))

    newcomer = employee_create(username="newcomer", email="new@acme.example", unit=team)
    followed = set(Follow.objects.filter(follower=newcomer).values_list("followee_id", flat=True))
    assert followed == {first.pk, second.pk}
    assert other.pk not in followed


def test_tenant_can_switch_off_following_the_unit(acme: Tenant) -> None:
    CompanySettings.objects.update(follow_own_unit_on_join=False)
    team = _team()
    employee_create(username="first", email="first@acme.example", unit=team)
    newcomer = employee_create(username="newcomer", email="new@acme.example", unit=team)
    assert not Follow.objects.filter(follower=newcomer).exists()
