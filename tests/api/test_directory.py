"""``GET /api/v1/directory``: the company's people for apps' "Explore → profiles" — active employees
with their unit and rank, by recent activity or by who joined last, paged with offset and limit, in a
fixed number of statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import Employee
from tests.api.conftest import Api, People, Queries
from tests.factories import employee

pytestmark = pytest.mark.django_db


def _names(api: Api, **params: str) -> list[str]:
    answer = api.get("/api/v1/directory", params)
    assert answer.status_code == 200, answer.content
    return [a["username"] for a in answer.json()]


def _post(api: Api, text: str) -> None:
    assert api.post("/api/v1/statuses", {"status": text}).status_code == 200


def test_most_recently_active_first_then_those_who_never_posted(api_as, people: People) -> None:
    kim = api_as(people.kim)
    _post(api_as(people.choi), "연구소 세미나 안내")
    _post(api_as(people.lee), "영업팀 주간 회의")
    names = _names(kim)
    assert names[:2] == ["lee", "choi"]
    assert {"kim", "boss"} <= set(names[2:])  # never posted: after everyone who did

    answer = kim.get("/api/v1/directory", {"limit": "1"}).json()[0]
    assert answer["bt"]["unit"]["name"] == "영업팀" and answer["bt"]["rank"]["level"] == 3
    assert answer["statuses_count"] == 1 and answer["last_status_at"] is not None


def test_order_new_paging_and_who_is_left_out(api_as, people: People) -> None:
    kim = api_as(people.kim)
    base = timezone.now()
    Employee.objects.update(date_joined=base - timedelta(days=100))  # the tenant's first admin too
    for i, username in enumerate(["kim", "lee", "choi", "boss"]):
        Employee.objects.filter(username=username).update(date_joined=base - timedelta(days=10 - i))
    gone = employee("gone", unit=people.sales)
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    assert _names(kim, order="new")[:4] == ["boss", "choi", "lee", "kim"]
    assert _names(kim, order="new", offset="1", limit="2") == ["choi", "lee"]
    assert _names(kim, order="new", offset="5") == []  # the four and the first admin
    assert "gone" not in _names(kim)  # deactivated people are not in the directory

    refused = kim.get("/api/v1/directory", {"order": "popular"})
    assert refused.status_code == 422 and "order must be one of active, new" in refused.json()["error"]
    assert api_as(people.kim, scope="write").get("/api/v1/directory").status_code == 403


def test_a_page_costs_the_same_statements_however_many_people_it_shows(api_as, people: People) -> None:
    kim = api_as(people.kim)
    for i in range(6):
        employee(f"extra{i}", unit=people.lab)

    def statements(limit: str) -> int:
        with Queries() as q:
            assert len(_names(kim, limit=limit)) == int(limit)
        return q.count

    assert statements("2") == statements("8") == 2  # the token, then the page with units, counts, ranks
