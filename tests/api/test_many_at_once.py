"""Mastodon 4.3's ``GET /api/v1/statuses?id[]=…`` and ``GET /api/v1/accounts?id[]=…``: apps refresh what
they show in one request. Posts the caller may not see are left out exactly like posts that do not
exist; the order asked is kept; a fixed number of statements whatever the count."""

from __future__ import annotations

import pytest

from posts.models import Audience
from posts.services import post_create
from tests.api.conftest import People, Queries

pytestmark = pytest.mark.django_db


def test_statuses_come_in_the_order_asked_without_what_the_caller_may_not_see(api_as, people: People) -> None:
    older = post_create(author=people.lee, text="영업팀 주간 보고")
    newer = post_create(author=people.choi, text="연구소 세미나")
    lab_only = post_create(
        author=people.choi, text="연구소 내부", audience=Audience.UNIT, unit_id=people.lab.pk
    )
    secret = post_create(author=people.lee, text="@choi 둘만", audience=Audience.DIRECT)
    kim = api_as(people.kim)
    asked = [newer.pk, lab_only.pk, older.pk, secret.pk, 1, newer.pk, "x"]
    answer = kim.get("/api/v1/statuses", {"id[]": [str(i) for i in asked]})
    assert answer.status_code == 200, answer.content
    assert [s["id"] for s in answer.json()] == [str(newer.pk), str(older.pk)]
    # The insiders see theirs (choi is in the lab and mentioned).
    seen = api_as(people.choi).get("/api/v1/statuses", {"id[]": [str(lab_only.pk), str(secret.pk)]}).json()
    assert [s["id"] for s in seen] == [str(lab_only.pk), str(secret.pk)]
    assert kim.get("/api/v1/statuses").json() == []

    too_many = kim.get("/api/v1/statuses", {"id[]": [str(i) for i in range(41)]})
    assert too_many.status_code == 422 and "At most 40 ids" in too_many.json()["error"]
    write_only = api_as(people.kim, scope="write")
    assert write_only.get("/api/v1/statuses", {"id[]": str(older.pk)}).status_code == 403


def test_many_statuses_cost_the_statements_of_one(api_as, people: People) -> None:
    kim = api_as(people.kim)
    posts = [post_create(author=who, text=f"글 {i}") for i, who in enumerate([people.lee, people.choi] * 5)]

    def statements(count: int) -> int:
        with Queries() as q:
            got = kim.get("/api/v1/statuses", {"id[]": [str(p.pk) for p in posts[:count]]}).json()
        assert len(got) == count
        return q.count

    assert statements(2) == statements(10)


def test_accounts_come_in_the_order_asked_and_unknown_ids_are_left_out(api_as, people: People) -> None:
    kim = api_as(people.kim)
    answer = kim.get("/api/v1/accounts", {"id[]": [str(people.choi.pk), "999", str(people.lee.pk)]})
    assert answer.status_code == 200, answer.content
    assert [a["username"] for a in answer.json()] == ["choi", "lee"]
    assert answer.json()[0]["bt"]["unit"]["name"] == "연구소"
    too_many = kim.get("/api/v1/accounts", {"id[]": [str(i) for i in range(41)]})
    assert too_many.status_code == 422
