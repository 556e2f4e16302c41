"""Announcements over HTTP: administrators write them (``/api/bt/v1/admin/announcements``), everyone they
are for reads them as Mastodon's ``/api/v1/announcements``, marks them read and reacts with emoji."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from announcements.models import Announcement, AnnouncementReaction
from audit.models import AuditEntry
from directory.models import Employee
from tests.api.admin.conftest import ADMIN_SCOPES
from tests.api.conftest import Api, People, Queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(people: People, api_as: Callable[..., Api]) -> Api:
    return api_as(Employee.objects.get(email="admin@acme.example"), ADMIN_SCOPES)


def _announce(admin: Api, **fields: Any) -> dict[str, Any]:
    response = admin.post("/api/bt/v1/admin/announcements", {"published_at": "now", **fields}, json=True)
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def _ids(api: Api, **params: str) -> list[str]:
    response = api.get("/api/v1/announcements", params)
    assert response.status_code == 200
    return [a["id"] for a in response.json()]


def test_an_announcement_reaches_everyone_in_the_shape_mastodon_apps_read(
    admin: Api, people: People, api_as: Callable[..., Api]
) -> None:
    made = _announce(
        admin,
        text="금요일 전사 타운홀 @kim 발표 #타운홀 https://intranet.example/townhall",
        starts_at="2026-12-04T16:00:00+09:00",
        ends_at="2026-12-04T17:00:00+09:00",
    )
    assert made["state"] == "active"
    kim = api_as(people.kim)
    [entity] = kim.get("/api/v1/announcements").json()
    assert entity["id"] == made["id"]
    assert entity["read"] is False and entity["all_day"] is False
    assert (
        entity["starts_at"] == "2026-12-04T07:00:00.000Z" and entity["ends_at"] == "2026-12-04T08:00:00.000Z"
    )
    assert '<a href="https://intranet.example/townhall"' in entity["content"]
    assert 'class="mention hashtag"' in entity["content"] and 'class="u-url mention"' in entity["content"]
    assert [m["username"] for m in entity["mentions"]] == ["kim"]
    assert entity["mentions"][0]["id"] == str(people.kim.pk)
    assert [t["name"] for t in entity["tags"]] == ["타운홀"]
    assert entity["reactions"] == [] and entity["emojis"] == [] and entity["statuses"] == []
    assert entity["published_at"] and entity["updated_at"]
    for other in (people.choi, people.boss):
        assert _ids(api_as(other)) == [made["id"]]


def test_a_unit_announcement_is_missing_for_everyone_outside_the_unit(
    admin: Api, people: People, api_as: Callable[..., Api]
) -> None:
    made = _announce(admin, text="영업팀 회식은 목요일입니다", unit_id=str(people.sales.pk))
    assert _ids(api_as(people.kim)) == [made["id"]]  # in the unit
    outsider = api_as(people.choi)  # the lab
    assert _ids(outsider) == [] and _ids(outsider, with_dismissed="true") == []
    for method, path in (
        ("post", f"/api/v1/announcements/{made['id']}/dismiss"),
        ("put", f"/api/v1/announcements/{made['id']}/reactions/👍"),
        ("delete", f"/api/v1/announcements/{made['id']}/reactions/👍"),
    ):
        response = getattr(outsider, method)(path)
        assert response.status_code == 404 and response.json() == {"error": "Record not found"}, path
    assert not AnnouncementReaction.objects.exists()
    # The boss sits at the top of the company, not in the unit: a unit's news is not for those above it.
    assert _ids(api_as(people.boss)) == []


def test_drafts_scheduled_and_ended_announcements_are_not_shown(
    admin: Api, people: People, api_as: Callable[..., Api]
) -> None:
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    draft = admin.post("/api/bt/v1/admin/announcements", {"text": "초안"}, json=True).json()
    scheduled = _announce(admin, text="두 시간 뒤 공지", published_at=later)
    ended = _announce(admin, text="지난 행사", ends_at=(timezone.now() - timedelta(minutes=1)).isoformat())
    assert [draft["state"], scheduled["state"], ended["state"]] == ["draft", "scheduled", "ended"]
    kim = api_as(people.kim)
    assert _ids(kim) == []

    Announcement.objects.filter(pk=scheduled["id"]).update(published_at=timezone.now() - timedelta(seconds=1))
    assert _ids(kim) == [scheduled["id"]]  # its time came: no task needed
    response = admin.patch(f"/api/bt/v1/admin/announcements/{draft['id']}", {"published_at": "now"})
    assert response.status_code == 200 and response.json()["state"] == "active"
    assert response.json()["text"] == "초안"  # a field left out keeps its value
    assert set(_ids(kim)) == {scheduled["id"], draft["id"]}


def test_dismissed_announcements_leave_the_list_unless_asked_for(
    admin: Api, people: People, api_as: Callable[..., Api]
) -> None:
    first = _announce(admin, text="첫 번째 공지")
    second = _announce(admin, text="두 번째 공지")
    kim, lee = api_as(people.kim), api_as(people.lee)
    assert kim.post(f"/api/v1/announcements/{first['id']}/dismiss").json() == {}
    assert kim.post(f"/api/v1/announcements/{first['id']}/dismiss").status_code == 200  # again: nothing
    assert _ids(kim) == [second["id"]]
    everything = kim.get("/api/v1/announcements", {"with_dismissed": "true"}).json()
    assert [(a["id"], a["read"]) for a in everything] == [(first["id"], True), (second["id"], False)]
    assert _ids(lee) == [first["id"], second["id"]]  # read is per person
    assert admin.get(f"/api/bt/v1/admin/announcements/{first['id']}").json()["read_count"] == 1
    listed = {a["id"]: a for a in admin.get("/api/bt/v1/admin/announcements").json()}
    assert listed[first["id"]]["read_count"] == 1 and listed[second["id"]]["read_count"] == 0


def test_reactions_count_per_emoji_and_mark_ones_own(
    admin: Api, people: People, api_as: Callable[..., Api]
) -> None:
    made = _announce(admin, text="신규 입사자 환영합니다")
    path = f"/api/v1/announcements/{made['id']}/reactions"
    kim, lee = api_as(people.kim), api_as(people.lee)
    assert kim.put(f"{path}/🎉").json() == {}
    assert kim.put(f"{path}/🎉").status_code == 200  # again: still one
    assert lee.put(f"{path}/🎉").status_code == 200
    assert lee.put(f"{path}/%F0%9F%91%8D%F0%9F%8F%BD").status_code == 200  # 👍🏽, percent-encoded
    [entity] = kim.get("/api/v1/announcements").json()
    assert entity["reactions"] == [
        {"name": "🎉", "count": 2, "me": True},
        {"name": "👍🏽", "count": 1, "me": False},
    ]
    assert lee.delete(f"{path}/🎉").json() == {}
    [entity] = lee.get("/api/v1/announcements").json()
    assert entity["reactions"] == [
        {"name": "🎉", "count": 1, "me": False},
        {"name": "👍🏽", "count": 1, "me": True},
    ]


@pytest.mark.parametrize("name", ["ok", ":party_parrot:", "👍x", "%20"])
def test_a_reaction_that_is_not_an_emoji_is_refused(
    admin: Api, people: People, api_as: Callable[..., Api], name: str
) -> None:
    made = _announce(admin, text="공지")
    response = api_as(people.kim).put(f"/api/v1/announcements/{made['id']}/reactions/{name}")
    assert response.status_code == 422
    assert response.json()["error"] == "Validation failed: Name is not a recognized emoji"
    assert not AnnouncementReaction.objects.exists()


def test_a_ninth_different_emoji_is_refused_but_joining_one_is_not(
    admin: Api, people: People, api_as: Callable[..., Api]
) -> None:
    made = _announce(admin, text="공지")
    path = f"/api/v1/announcements/{made['id']}/reactions"
    kim, lee = api_as(people.kim), api_as(people.lee)
    for emoji in "😀😃😄😁😆😅😂🤣":
        assert kim.put(f"{path}/{emoji}").status_code == 200
    refused = lee.put(f"{path}/🥲")
    assert refused.status_code == 422
    assert refused.json()["error"] == "Validation failed: Maximum number of different reactions reached"
    assert lee.put(f"{path}/😀").status_code == 200
    assert AnnouncementReaction.objects.count() == 9


def test_only_administrators_write_and_bad_input_changes_nothing(
    admin: Api, people: People, api_as: Callable[..., Api]
) -> None:
    audited = AuditEntry.objects.count()  # (the log is append-only: live-server tests leave theirs)
    member = api_as(people.kim, ADMIN_SCOPES)
    assert member.post("/api/bt/v1/admin/announcements", {"text": "x"}, json=True).status_code == 403
    for body, message in (
        ({"text": "   "}, "needs some text"),
        ({"text": "가" * 2001}, "at most 2000 characters"),
        ({"text": "x", "starts_at": "2026-12-04T10:00:00Z", "ends_at": "2026-12-04T09:00:00Z"}, "end before"),
        ({"text": "x", "unit_id": "999999"}, "does not exist"),
        ({"text": "x", "published_at": "tomorrow-ish"}, "ISO 8601"),
    ):
        response = admin.post("/api/bt/v1/admin/announcements", body, json=True)
        assert response.status_code == 422 and message in response.json()["error"], body
    assert not Announcement.objects.exists()

    made = _announce(admin, text="원래 내용")
    assert admin.patch(f"/api/bt/v1/admin/announcements/{made['id']}", {"text": ""}).status_code == 422
    assert Announcement.objects.get().text == "원래 내용"
    assert admin.delete(f"/api/bt/v1/admin/announcements/{made['id']}").status_code == 200
    assert _ids(api_as(people.kim)) == []
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True)[audited:])
    assert actions == ["announcement.create", "announcement.delete"]


def test_reading_announcements_takes_three_statements_whatever_their_number(
    admin: Api, people: People, api_as: Callable[..., Api]
) -> None:
    kim = api_as(people.kim)
    for n in range(2):
        made = _announce(admin, text=f"공지 {n} @lee #공지")
        kim.put(f"/api/v1/announcements/{made['id']}/reactions/👍")
    kim.get("/api/v1/announcements")  # warm: the token and the viewer's unit
    with Queries() as few:
        assert len(kim.get("/api/v1/announcements").json()) == 2
    for n in range(5):
        made = _announce(admin, text=f"공지 {n} @choi #공지")
        kim.put(f"/api/v1/announcements/{made['id']}/reactions/🎉")
    with Queries() as many:
        assert len(kim.get("/api/v1/announcements").json()) == 7
    assert many.count == few.count
