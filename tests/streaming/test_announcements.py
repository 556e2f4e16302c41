"""Mastodon's announcement events on open user streams (``announcement``, ``announcement.reaction``,
``announcement.delete``), written through the announcement services and delivered by a real server:
to the readers an announcement is for, and never to anyone outside its unit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from announcements.models import Announcement
from announcements.services import (
    AnnouncementInput,
    announcement_create,
    announcement_delete,
    announcement_dismiss,
    announcement_react,
    announcement_unreact,
    announcement_update,
)
from directory.models import Employee
from tests.streaming.conftest import Event, SSEClient, World, bearer_stream

pytestmark = pytest.mark.slow

ANNOUNCEMENT_FIELDS = {
    "id", "content", "starts_at", "ends_at", "all_day", "published_at", "updated_at", "read", "mentions",
    "statuses", "tags", "emojis", "reactions",
}  # fmt: skip


@pytest.fixture
def admin(in_acme: World) -> Iterator[Employee]:
    """The tenant's administrator; what they announce in the test is removed after it."""
    started = timezone.now()
    found = Employee.objects.get(email="admin@acme.example")
    yield found
    Announcement.objects.filter(created_by=found, created_at__gte=started).delete()


@pytest.fixture
def streams(in_acme: World) -> Iterator[dict[str, SSEClient]]:
    """User streams of a colleague in sales and of someone in the lab."""
    opened = {who: bearer_stream(in_acme, who, "/api/v1/streaming/user") for who in ("colleague", "outsider")}
    yield opened
    for stream in opened.values():
        stream.close()


def announce(admin: Employee, text: str, **fields: Any) -> Announcement:
    data = AnnouncementInput(text=text, publish_at=timezone.now(), **fields)
    return announcement_create(actor=admin, data=data)


def edit(admin: Employee, made: Announcement, *, publish_at: datetime | None = None, **fields: Any) -> None:
    data = AnnouncementInput(text=fields.pop("text", made.text), publish_at=publish_at, **fields)
    announcement_update(actor=admin, announcement=made, data=data)


def about(event: Event) -> str | None:
    """The id of the announcement an event is about (None for any other event)."""
    if event.event == "announcement":
        return str(event.json()["id"])
    if event.event == "announcement.reaction":
        return str(event.json()["announcement_id"])
    if event.event == "announcement.delete":
        return event.data
    return None


def is_(kind: str, announcement_id: int) -> Callable[[Event], bool]:
    return lambda e: e.event == kind and about(e) == str(announcement_id)


def test_a_company_announcement_reaches_everyones_user_stream_as_mastodons_entity(
    admin: Employee, streams: dict[str, SSEClient]
) -> None:
    made = announce(admin, "금요일 전사 타운홀 #타운홀")
    for stream in streams.values():
        event, _ = stream.until(is_("announcement", made.pk))
        entity = event.json()
        assert set(entity) == ANNOUNCEMENT_FIELDS
        assert "금요일 전사 타운홀" in entity["content"] and [t["name"] for t in entity["tags"]] == ["타운홀"]
        assert entity["read"] is False and entity["reactions"] == [] and entity["published_at"]


def test_reactions_reach_open_user_streams_with_the_count_after_each_change(
    in_acme: World, admin: Employee, streams: dict[str, SSEClient]
) -> None:
    made = announce(admin, "신규 입사자 환영합니다")
    colleague, outsider = in_acme.people["colleague"], in_acme.people["outsider"]
    announcement_react(employee=colleague, announcement=made, name="🎉")
    announcement_react(employee=colleague, announcement=made, name="🎉")  # again: nothing changes
    announcement_react(employee=outsider, announcement=made, name="🎉")
    announcement_unreact(employee=colleague, announcement=made, name="🎉")
    for stream in streams.values():
        seen = [stream.until(is_("announcement.reaction", made.pk))[0].json() for _ in range(3)]
        assert seen == [{"name": "🎉", "count": n, "announcement_id": str(made.pk)} for n in (1, 2, 1)]


def test_an_edit_reaches_each_reader_with_their_own_read_mark_and_reactions(
    in_acme: World, admin: Employee, streams: dict[str, SSEClient]
) -> None:
    made = announce(admin, "사내 식당 메뉴 변경")
    colleague, outsider = in_acme.people["colleague"], in_acme.people["outsider"]
    announcement_dismiss(employee=colleague, announcement=made)
    announcement_react(employee=outsider, announcement=made, name="👍")
    edit(admin, made, text="사내 식당 메뉴 변경 (수정)", publish_at=made.published_at)
    seen = {}
    for who, stream in streams.items():
        stream.until(is_("announcement", made.pk))  # when it was published
        event, _ = stream.until(is_("announcement", made.pk))
        seen[who] = event.json()
        assert "(수정)" in seen[who]["content"]
    assert seen["colleague"]["read"] is True and seen["outsider"]["read"] is False
    assert seen["colleague"]["reactions"] == [{"name": "👍", "count": 1, "me": False}]
    assert seen["outsider"]["reactions"] == [{"name": "👍", "count": 1, "me": True}]


def test_deleted_or_unpublished_announcements_leave_open_user_streams(
    admin: Employee, streams: dict[str, SSEClient]
) -> None:
    deleted, unpublished = announce(admin, "지운 공지"), announce(admin, "초안으로 돌린 공지")
    deleted_id = deleted.pk  # (the instance forgets it once deleted)
    announcement_delete(actor=admin, announcement=deleted)
    edit(admin, unpublished, publish_at=None)
    for stream in streams.values():
        stream.until(is_("announcement.delete", deleted_id))
        stream.until(is_("announcement.delete", unpublished.pk))


def test_a_unit_announcements_events_never_reach_a_stream_outside_the_unit(
    in_acme: World, admin: Employee, streams: dict[str, SSEClient]
) -> None:
    made = announce(admin, "영업팀 회식은 목요일입니다", unit_id=in_acme.sales.pk)
    announcement_react(employee=in_acme.people["colleague"], announcement=made, name="🍻")
    edit(
        admin, made, text="영업팀 회식은 금요일입니다", unit_id=in_acme.sales.pk, publish_at=made.published_at
    )
    made_id = str(made.pk)  # (the instance forgets it once deleted)
    announcement_delete(actor=admin, announcement=made)
    marker = announce(admin, "전사 공지")  # one tenant's events arrive in order: all came before it

    _, before = streams["colleague"].until(is_("announcement", marker.pk))
    kinds = [e.event for e in before if about(e) == made_id]
    assert kinds == ["announcement", "announcement.reaction", "announcement", "announcement.delete"]
    _, before = streams["outsider"].until(is_("announcement", marker.pk))
    assert [e.event for e in before if e.event.startswith("announcement")] == []


def test_an_announcement_narrowed_to_a_unit_leaves_the_streams_of_those_outside_it(
    in_acme: World, admin: Employee, streams: dict[str, SSEClient]
) -> None:
    made = announce(admin, "전사 워크숍 안내")
    edit(admin, made, unit_id=in_acme.sales.pk, publish_at=made.published_at)

    streams["outsider"].until(is_("announcement", made.pk))
    streams["outsider"].until(is_("announcement.delete", made.pk))
    streams["colleague"].until(is_("announcement", made.pk))
    _, before = streams["colleague"].until(is_("announcement", made.pk))  # the edit
    assert "announcement.delete" not in [e.event for e in before]
