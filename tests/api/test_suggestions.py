"""``/api/v2/suggestions`` and ``/api/v1/suggestions``: colleagues to follow, each with why, never
someone already followed, silenced, dismissed, deactivated, or behind an information barrier."""

from __future__ import annotations

import pytest

from directory.services import PolicyInput, tenant_policy_update
from social.models import Follow
from social.services import block_create, mute_create
from tests.api.conftest import People
from tests.factories import employee

pytestmark = pytest.mark.django_db


def _suggested(api) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    answer = api.get("/api/v2/suggestions")
    assert answer.status_code == 200, answer.content
    return {item["account"]["username"]: item["sources"] for item in answer.json()}


def test_unit_colleagues_friends_of_friends_and_the_most_followed_are_suggested(
    api_as, people: People
) -> None:
    # kim (sales) follows lee (sales); lee and boss both follow choi (lab): choi is a friend of friends.
    Follow.objects.filter(follower=people.kim).delete()
    Follow.objects.create(follower=people.kim, followee=people.lee)
    Follow.objects.create(follower=people.kim, followee=people.boss)
    Follow.objects.get_or_create(follower=people.lee, followee=people.choi)
    Follow.objects.get_or_create(follower=people.boss, followee=people.choi)
    employee("teammate", unit=people.sales)
    star = employee("star", unit=people.lab)
    for i in range(3):
        Follow.objects.create(follower=employee(f"fan{i}", unit=people.root), followee=star)

    got = _suggested(api_as(people.kim))
    assert got["choi"][0] == "friends_of_friends"
    assert "featured" in got["teammate"]  # same unit, not followed
    assert "most_followed" in got["star"]
    assert {"kim", "lee", "boss"}.isdisjoint(got)  # oneself and those already followed
    first = api_as(people.kim).get("/api/v2/suggestions").json()[0]
    assert first["account"]["username"] == "choi" and first["source"] == "global"
    assert [a["username"] for a in api_as(people.kim).get("/api/v1/suggestions", {"limit": "2"}).json()] == [
        "choi",
        "teammate",
    ]


def test_silenced_dismissed_and_deactivated_people_are_not_suggested(api_as, people: People) -> None:
    kim = api_as(people.kim)
    a, b, c, d = (employee(name, unit=people.sales) for name in ("muted1", "blocked1", "blocker1", "gone1"))
    mute_create(muter=people.kim, target=a)
    block_create(blocker=people.kim, target=b)
    block_create(blocker=c, target=people.kim)
    d.is_active = False
    d.save(update_fields=["is_active"])
    assert {"muted1", "blocked1", "blocker1", "gone1"}.isdisjoint(_suggested(kim))

    assert "lee" in _suggested(kim)
    dismissed = kim.delete(f"/api/v1/suggestions/{people.lee.pk}")
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert kim.delete(f"/api/v1/suggestions/{people.lee.pk}").status_code == 200  # again: no change
    assert "lee" not in _suggested(kim)
    assert kim.delete("/api/v1/suggestions/999999").status_code == 404


def test_no_one_behind_an_information_barrier_is_suggested(api_as, people: People) -> None:
    star = employee("labstar", unit=people.lab)
    for i in range(3):
        Follow.objects.create(follower=employee(f"lf{i}", unit=people.root), followee=star)
    assert "labstar" in _suggested(api_as(people.kim))
    tenant_policy_update(data=PolicyInput(barriers=(((people.sales.pk,), (people.lab.pk,)),)))  # type: ignore[arg-type]
    got = _suggested(api_as(people.kim))
    assert "labstar" not in got and "choi" not in got
    assert "lee" in got  # the same side of the barrier


def test_suggestions_need_a_signed_in_reader(api_as, people: People) -> None:
    assert api_as(people.kim, scope="write").get("/api/v2/suggestions").status_code == 403
    assert api_as(None).get("/api/v2/suggestions").status_code == 422
