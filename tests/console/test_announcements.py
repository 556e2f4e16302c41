"""Announcements in the admin console: written for the company or a unit, published now, at a later time
or kept as a draft; edited and deleted, each audited; a refused one comes back as typed (422). Times are
typed and shown in the admin's zone (the company's: Asia/Seoul)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from announcements.models import Announcement
from announcements.services import announcement_dismiss
from audit.models import AuditEntry
from directory.models import Employee
from tests.api.conftest import People
from tests.conftest import ACME_HOST

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NEW = "/admin-console/announcements/new/"


def _client(employee: Employee) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(employee)
    return client


@pytest.fixture
def console(people: People) -> Client:
    return _client(Employee.objects.get(email="admin@acme.example"))


def _form(**fields: Any) -> dict[str, Any]:
    return {"text": "", "unit_id": "", "starts_at": "", "ends_at": "", "publish": "now", **fields}


def _home_shows(employee: Employee, text: str) -> bool:
    return text in _client(employee).get("/").content.decode()


def test_an_announcement_published_now_reaches_home_at_once(console: Client, people: People) -> None:
    response = console.post(
        NEW,
        _form(text="금요일 전사 타운홀", starts_at="2026-12-04T16:00", ends_at="2026-12-04T17:00"),
    )
    assert response.status_code == 302 and response["Location"] == "/admin-console/announcements/"
    made = Announcement.objects.get()
    assert made.unit_id is None and made.state == "active"
    # Typed in the admin's zone (Seoul), kept in UTC.
    assert made.starts_at == datetime(2026, 12, 4, 16, 0, tzinfo=SEOUL)
    assert made.ends_at == datetime(2026, 12, 4, 17, 0, tzinfo=SEOUL)
    assert "공지를 게시했습니다." in console.get("/admin-console/announcements/").content.decode()
    assert all(_home_shows(person, "금요일 전사 타운홀") for person in (people.kim, people.choi, people.boss))


def test_a_scheduled_and_a_draft_announcement_wait(console: Client, people: People) -> None:
    tomorrow = (
        (timezone.now() + timedelta(days=1))
        .astimezone(SEOUL)
        .replace(hour=9, minute=30, second=0, microsecond=0)
    )
    typed = tomorrow.strftime("%Y-%m-%dT%H:%M")
    response = console.post(NEW, _form(text="내일 아침 공지", publish="later", publish_at=typed), follow=True)
    assert "공지가" in response.content.decode() and "9:30" in response.content.decode()
    console.post(NEW, _form(text="아직 초안", unit_id=str(people.sales.pk), publish="draft"))
    scheduled = Announcement.objects.get(text="내일 아침 공지")
    draft = Announcement.objects.get(text="아직 초안")
    assert scheduled.published_at == tomorrow and scheduled.state == "scheduled"
    assert draft.published_at is None and draft.state == "draft" and draft.unit_id == people.sales.pk
    assert not _home_shows(people.kim, "내일 아침 공지") and not _home_shows(people.kim, "아직 초안")

    listed = console.get("/admin-console/announcements/").content.decode()
    rows = dict(re.findall(r'id="announcement-(\d+)">(.*?)</tr>', listed, re.S))
    assert "예약됨" in rows[str(scheduled.pk)] and "회사 전체" in rows[str(scheduled.pk)]
    assert "초안" in rows[str(draft.pk)] and "영업팀" in rows[str(draft.pk)]


def test_the_list_counts_who_read_each_one(console: Client, people: People) -> None:
    console.post(NEW, _form(text="읽어 주세요"))
    made = Announcement.objects.get()
    for person in (people.kim, people.lee):
        announcement_dismiss(employee=person, announcement=made)
    row = console.get("/admin-console/announcements/").content.decode()
    row = row[row.index(f'id="announcement-{made.pk}"') :]
    assert "게시 중" in row[: row.index("</tr>")] and "2명" in row[: row.index("</tr>")]


def test_editing_changes_text_and_audience_and_keeps_the_publishing_time(
    console: Client, people: People
) -> None:
    console.post(NEW, _form(text="원래 공지"))
    made = Announcement.objects.get()
    published = made.published_at
    page = console.get(f"/admin-console/announcements/{made.pk}/").content.decode()
    assert "원래 공지</textarea>" in page and 'value="now" checked' in page

    response = console.post(
        f"/admin-console/announcements/{made.pk}/",
        _form(text="고친 공지 (영업팀만)", unit_id=str(people.sales.pk)),
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.text == "고친 공지 (영업팀만)" and made.unit_id == people.sales.pk
    assert made.published_at == published  # edited, not published again
    assert _home_shows(people.kim, "고친 공지") and not _home_shows(people.choi, "고친 공지")

    console.post(f"/admin-console/announcements/{made.pk}/", _form(text="고친 공지", publish="draft"))
    made.refresh_from_db()
    assert made.published_at is None and not _home_shows(people.kim, "고친 공지")


def test_deleting_takes_it_away_from_everyone_and_is_audited(console: Client, people: People) -> None:
    console.post(NEW, _form(text="곧 지울 공지"))
    made = Announcement.objects.get()
    page = console.get(f"/admin-console/announcements/{made.pk}/").content.decode()
    assert "data-confirm=" in page  # asks first
    response = console.post(f"/admin-console/announcements/{made.pk}/delete/", follow=True)
    assert "공지를 삭제했습니다." in response.content.decode()
    assert not Announcement.objects.exists() and not _home_shows(people.kim, "곧 지울 공지")
    assert console.get(f"/admin-console/announcements/{made.pk}/").status_code == 404
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["announcement.create", "announcement.delete"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "공지 내용을 입력하세요."),
        (
            {"text": "거꾸로 된 일정", "starts_at": "2026-12-04T10:00", "ends_at": "2026-12-04T09:00"},
            "공지의 끝이 시작보다 앞설 수 없습니다.",
        ),
        ({"text": "시간이 이상한 공지", "starts_at": "다음 주 언젠가"}, "시작을 날짜와 시간으로 입력하세요."),
        ({"text": "언제 올릴지 모르는 공지", "publish": "later"}, "공지를 게시할 날짜와 시간을 입력하세요."),
    ],
)
def test_bad_input_is_a_form_error_that_keeps_what_was_typed(
    console: Client, fields: dict[str, str], message: str
) -> None:
    response = console.post(NEW, _form(**fields))
    html = response.content.decode()
    assert response.status_code == 422
    assert re.search(r'<p class="error" role="alert" id="form-error">([^<]*)</p>', html).group(1) == message  # type: ignore[union-attr]
    assert f">{fields['text']}</textarea>" in html
    for name in ("starts_at", "ends_at"):
        if fields.get(name):
            assert f'name="{name}" type="datetime-local" step="60" value="{fields[name]}"' in html
    assert not Announcement.objects.exists()


def test_a_refused_edit_changes_nothing(console: Client) -> None:
    console.post(NEW, _form(text="그대로 둘 공지"))
    made = Announcement.objects.get()
    response = console.post(f"/admin-console/announcements/{made.pk}/", _form(text=""))
    assert response.status_code == 422 and "공지 내용을 입력하세요." in response.content.decode()
    made.refresh_from_db()
    assert made.text == "그대로 둘 공지"


def test_members_cannot_write_edit_or_delete(console: Client, people: People) -> None:
    console.post(NEW, _form(text="관리자 공지"))
    made = Announcement.objects.get()
    member = _client(people.kim)
    for path in (
        "/admin-console/announcements/",
        NEW,
        f"/admin-console/announcements/{made.pk}/",
        f"/admin-console/announcements/{made.pk}/delete/",
    ):
        assert member.post(path, _form(text="몰래 쓴 공지")).status_code == 403, path
    assert member.get(f"/admin-console/announcements/{made.pk}/").status_code == 403
    assert list(Announcement.objects.values_list("text", flat=True)) == ["관리자 공지"]
    anonymous = Client(HTTP_HOST=ACME_HOST).get("/admin-console/announcements/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
