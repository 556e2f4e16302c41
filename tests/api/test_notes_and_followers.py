"""Private notes about colleagues (``POST /api/v1/accounts/:id/note``, shown only to their writer in the
Relationship) and removing a follower (``POST /api/v1/accounts/:id/remove_from_followers``)."""

from __future__ import annotations

import pytest

from social.models import AccountNote, Follow
from tests.api.conftest import People
from timelines.services import fanout_run

pytestmark = pytest.mark.django_db


def test_a_note_is_private_to_its_writer_and_an_empty_one_removes_it(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    noted = kim.post(
        f"/api/v1/accounts/{people.choi.pk}/note", {"comment": "  연구소 세미나 담당, 목요일 선호  "}
    )
    assert noted.status_code == 200, noted.content
    assert noted.json()["note"] == "연구소 세미나 담당, 목요일 선호"
    [mine] = kim.get("/api/v1/accounts/relationships", {"id[]": str(people.choi.pk)}).json()
    assert mine["note"] == "연구소 세미나 담당, 목요일 선호"
    [theirs] = lee.get("/api/v1/accounts/relationships", {"id[]": str(people.choi.pk)}).json()
    assert theirs["note"] == ""  # someone else's note is theirs alone

    too_long = kim.post(f"/api/v1/accounts/{people.choi.pk}/note", {"comment": "가" * 2001})
    assert too_long.status_code == 422 and "too long" in too_long.json()["error"]
    assert AccountNote.objects.get(author=people.kim).comment == "연구소 세미나 담당, 목요일 선호"  # kept

    assert kim.post(f"/api/v1/accounts/{people.choi.pk}/note", {"comment": ""}).json()["note"] == ""
    assert not AccountNote.objects.exists()
    assert kim.post("/api/v1/accounts/999/note", {"comment": "누구?"}).status_code == 404


def test_a_removed_follower_stops_following_and_no_longer_sees_followers_posts(
    api_as, people: People
) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    Follow.objects.filter(follower=people.lee, followee=people.kim).delete()
    assert lee.post(f"/api/v1/accounts/{people.kim.pk}/follow").json()["following"] is True
    post = kim.post("/api/v1/statuses", {"status": "영업팀 회의록", "visibility": "private"}).json()["id"]
    fanout_run(int(post))
    assert post in [s["id"] for s in lee.get("/api/v1/timelines/home").json()]

    removed = kim.post(f"/api/v1/accounts/{people.lee.pk}/remove_from_followers")
    assert removed.status_code == 200, removed.content
    assert removed.json()["followed_by"] is False
    assert not Follow.objects.filter(follower=people.lee, followee=people.kim).exists()
    assert post not in [s["id"] for s in lee.get("/api/v1/timelines/home").json()]
    assert lee.get(f"/api/v1/statuses/{post}").status_code == 404  # a followers-only post
    # Not a block: they may follow again.
    assert lee.post(f"/api/v1/accounts/{people.kim.pk}/follow").json()["following"] is True
