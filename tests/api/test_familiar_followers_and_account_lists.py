"""``GET /api/v1/accounts/familiar_followers`` ("Followed by …" on a profile) and
``GET /api/v1/accounts/:id/lists`` (the apps' "add to list" dialog)."""

from __future__ import annotations

import pytest

from social.models import Follow
from tests.api.conftest import People, Queries

pytestmark = pytest.mark.django_db


def test_familiar_followers_are_the_people_i_follow_who_follow_them(api_as, people: People) -> None:
    for follower, followee in (
        (people.kim, people.lee),  # kim follows lee and choi
        (people.kim, people.choi),
        (people.lee, people.boss),  # lee and choi follow boss; boss follows kim
        (people.choi, people.boss),
        (people.boss, people.kim),
    ):
        Follow.objects.get_or_create(follower=follower, followee=followee)
    kim = api_as(people.kim)

    answer = kim.get("/api/v1/accounts/familiar_followers", {"id[]": [people.boss.pk, people.lee.pk, 0]})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [entry["id"] for entry in body] == [str(people.boss.pk), str(people.lee.pk), "0"]
    assert [a["username"] for a in body[0]["accounts"]] == ["choi", "lee"]  # newest follow first
    assert body[0]["accounts"][0]["bt"]["rank"]["level"] == 5
    assert body[1]["accounts"] == [] and body[2]["accounts"] == []

    people.lee.is_active = False  # a departed colleague is not shown
    people.lee.save(update_fields=["is_active"])
    again = kim.get("/api/v1/accounts/familiar_followers", {"id[]": [people.boss.pk]}).json()
    assert [a["username"] for a in again[0]["accounts"]] == ["choi"]
    assert kim.get("/api/v1/accounts/familiar_followers").json() == []


def test_familiar_followers_cost_the_same_statements_for_more_accounts(api_as, people: People) -> None:
    for followee in (people.lee, people.choi, people.boss):
        Follow.objects.get_or_create(follower=people.kim, followee=followee)
    kim = api_as(people.kim)
    with Queries() as one:
        kim.get("/api/v1/accounts/familiar_followers", {"id[]": [people.boss.pk]})
    for follower in (people.lee, people.choi):
        for followee in (people.boss, people.kim):
            Follow.objects.get_or_create(follower=follower, followee=followee)
    with Queries() as many:
        body = kim.get(
            "/api/v1/accounts/familiar_followers", {"id[]": [people.boss.pk, people.kim.pk, people.lee.pk]}
        ).json()
    assert sum(len(entry["accounts"]) for entry in body) == 4
    assert many.count <= one.count + 1  # the accounts, read at once, when there are some


def test_account_lists_are_my_lists_that_hold_the_account(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    team = kim.post("/api/v1/lists", {"title": "영업팀"}).json()
    lunch = kim.post("/api/v1/lists", {"title": "점심 멤버"}).json()
    kim.post("/api/v1/lists", {"title": "빈 목록"})
    for lst in (team, lunch):
        added = kim.post(f"/api/v1/lists/{lst['id']}/accounts", {"account_ids[]": [people.lee.pk]})
        assert added.status_code == 200, added.content
    lee.post("/api/v1/lists", {"title": "이영희의 목록"})

    found = kim.get(f"/api/v1/accounts/{people.lee.pk}/lists")
    assert found.status_code == 200, found.content
    assert [lst["title"] for lst in found.json()] == ["영업팀", "점심 멤버"]
    assert kim.get(f"/api/v1/accounts/{people.choi.pk}/lists").json() == []
    assert lee.get(f"/api/v1/accounts/{people.lee.pk}/lists").json() == []  # only the asker's lists
    assert kim.get("/api/v1/accounts/999999/lists").status_code == 404
