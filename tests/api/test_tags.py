"""``GET /api/v1/tags/:name``: a hashtag with its week of use, counted from what the caller may see."""

from __future__ import annotations

import pytest
from django.test import Client

from directory.services import unit_create
from tests.api.conftest import People
from tests.conftest import ACME_HOST

pytestmark = pytest.mark.django_db


def test_a_tag_shows_its_name_as_written_and_todays_use(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    kim.post("/api/v1/statuses", {"status": "#Release 준비 회의 #회의록"})
    kim.post("/api/v1/statuses", {"status": "오늘 #회의록 올렸습니다"})
    lee.post("/api/v1/statuses", {"status": "확인했습니다 #회의록"})

    tag = lee.get("/api/v1/tags/회의록")
    assert tag.status_code == 200, tag.content
    body = tag.json()
    assert body["name"] == "회의록" and body["url"].endswith("/tags/회의록")
    assert body["following"] is False
    assert len(body["history"]) == 7
    assert body["history"][0]["uses"] == "3" and body["history"][0]["accounts"] == "2"
    assert all(day["uses"] == "0" for day in body["history"][1:])
    assert lee.get("/api/v1/tags/release/").json()["name"] == "Release"  # one tag, shown as first written


def test_a_tag_only_on_posts_hidden_from_the_caller_does_not_exist_for_them(api_as, people: People) -> None:
    team = unit_create(name="보안팀", parent=people.lab)
    people.choi.unit = team
    people.choi.save(update_fields=["unit"])
    secret = api_as(people.choi).post(
        "/api/v1/statuses", {"status": "#보안점검 일정", "visibility": "private", "bt_unit_id": str(team.pk)}
    )
    assert secret.status_code == 200, secret.content

    assert api_as(people.choi).get("/api/v1/tags/보안점검").status_code == 200
    outsider = api_as(people.lee).get("/api/v1/tags/보안점검")
    assert outsider.status_code == 404 and outsider.json() == {"error": "Record not found"}
    assert api_as(people.lee).get("/api/v1/tags/없는태그").status_code == 404
    assert Client(HTTP_HOST=ACME_HOST).get("/api/v1/tags/보안점검").status_code == 404  # no token
