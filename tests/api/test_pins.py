"""Pinned posts: ``POST /api/v1/statuses/:id/pin`` and ``unpin``, ``pinned`` on the author's own statuses,
and ``GET /api/v1/accounts/:id/statuses?pinned=true`` — still only what each viewer may see."""

from __future__ import annotations

from typing import Any

import pytest

from social.models import Follow
from tests.api.conftest import Api, People, Queries

pytestmark = pytest.mark.django_db


def _post(api: Api, text: str, **fields: str) -> str:
    made = api.post("/api/v1/statuses", {"status": text, **fields})
    assert made.status_code == 200, made.content
    return str(made.json()["id"])


def _pinned(api: Api, account_id: int) -> list[str]:
    response = api.get(f"/api/v1/accounts/{account_id}/statuses", {"pinned": "true"})
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()]


def test_pin_shows_on_the_profile_and_as_pinned_until_unpinned(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    older = _post(kim, "팀 소개: 영업팀은 이런 일을 합니다")
    newer = _post(kim, "분기 목표 공유 #OKR")
    _post(kim, "오늘 점심 뭐 먹지")

    pinned = kim.post(f"/api/v1/statuses/{older}/pin")
    assert pinned.status_code == 200, pinned.content
    assert pinned.json()["pinned"] is True
    assert kim.post(f"/api/v1/statuses/{newer}/pin").json()["pinned"] is True
    assert kim.post(f"/api/v1/statuses/{newer}/pin").status_code == 200  # again: nothing changes

    assert _pinned(lee, people.kim.pk) == [newer, older]
    mine = {s["id"]: s["pinned"] for s in kim.get(f"/api/v1/accounts/{people.kim.pk}/statuses").json()}
    assert mine[older] is True and mine[newer] is True and list(mine.values()).count(True) == 2
    assert kim.get(f"/api/v1/statuses/{older}").json()["pinned"] is True
    assert lee.get(f"/api/v1/statuses/{older}").json()["pinned"] is False  # "pinned" is the author's flag

    unpinned = kim.post(f"/api/v1/statuses/{older}/unpin")
    assert unpinned.status_code == 200 and unpinned.json()["pinned"] is False
    assert _pinned(lee, people.kim.pk) == [newer]


def test_only_ones_own_shared_posts_may_be_pinned_and_five_at_most(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    theirs = _post(lee, "이영희의 글")
    secret = _post(kim, "@lee 둘만의 이야기", visibility="direct")
    boost = kim.post(f"/api/v1/statuses/{theirs}/reblog").json()["id"]
    for target, message in (
        (theirs, "Someone else's post cannot be pinned"),
        (secret, "Direct messages cannot be pinned"),
        (boost, "Reposts cannot be pinned"),
    ):
        refused = kim.post(f"/api/v1/statuses/{target}/pin")
        assert refused.status_code == 422, refused.content
        assert refused.json()["error"] == f"Validation failed: {message}"
    assert _pinned(kim, people.kim.pk) == []

    five = [_post(kim, f"고정 {i}") for i in range(5)]
    for post in five:
        assert kim.post(f"/api/v1/statuses/{post}/pin").status_code == 200
    sixth = kim.post(f"/api/v1/statuses/{_post(kim, '여섯 번째')}/pin")
    assert sixth.status_code == 422
    assert "maximum of 5" in sixth.json()["error"]
    assert sorted(_pinned(kim, people.kim.pk)) == sorted(five)


def test_a_pinned_restricted_post_stays_hidden_from_those_outside_its_audience(
    api_as, people: People
) -> None:
    kim = api_as(people.kim)
    for_followers = _post(kim, "팔로워에게만", visibility="private")
    for_seniors = _post(kim, "과장 이상만", bt_min_rank="3")
    for post in (for_followers, for_seniors):
        assert kim.post(f"/api/v1/statuses/{post}/pin").status_code == 200
    Follow.objects.get_or_create(follower=people.lee, followee=people.kim)  # lee: rank 3, a follower

    assert sorted(_pinned(api_as(people.lee), people.kim.pk)) == sorted([for_followers, for_seniors])
    assert _pinned(api_as(people.choi), people.kim.pk) == [for_seniors]  # rank 5, not a follower
    assert api_as(people.choi).post(f"/api/v1/statuses/{for_followers}/pin").status_code == 404


def test_pinned_list_query_count_does_not_grow(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)

    def pin(text: str) -> None:
        assert kim.post(f"/api/v1/statuses/{_post(kim, text)}/pin").status_code == 200

    pin("하나 @lee #태그")
    with Queries() as one:
        assert len(_pinned(lee, people.kim.pk)) == 1
    for i in range(4):
        pin(f"더 {i} @lee #태그")
    with Queries() as five:
        found: list[Any] = _pinned(lee, people.kim.pk)
    assert len(found) == 5
    assert five.count <= one.count, "more pins made more queries (N+1)"
