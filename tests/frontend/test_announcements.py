"""Announcements in the web app: the unread ones head Home, each with its reactions and a "mark as
read"; the Announcements page lists read ones too; the nav counts the unread. One for a unit is missing
(404) for everyone outside it, on every page and every action, as a post they may not see is."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from announcements.models import Announcement, AnnouncementReaction, AnnouncementRead
from announcements.services import AnnouncementInput, announcement_create, announcement_react
from directory.models import Employee
from tests.frontend.test_pages import Office, body, office, signed_in  # noqa: F401 (fixture)
from tests.support.queries import is_tenant_routing

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")


def _announce(text: str, **fields: Any) -> Announcement:
    fields.setdefault("publish_at", timezone.now())
    admin = Employee.objects.get(email="admin@acme.example")
    return announcement_create(actor=admin, data=AnnouncementInput(text=text, **fields))


def _shown(html: str) -> list[str]:
    return re.findall(r'<article class="announcement[^"]*" id="announcement-(\d+)"', html)


def _badge(html: str) -> str:
    found = re.search(r'id="announcements-badge"[^>]*data-count="(\d+)"', html)
    assert found is not None
    return found.group(1)


# --- Home and the Announcements page --------------------------------------------------------------


def test_an_active_announcement_heads_home_with_its_time_span_and_reactions(office: Office) -> None:  # noqa: F811
    made = _announce(
        "금요일 전사 타운홀 @lee 발표 #타운홀",
        starts_at=datetime(2026, 12, 4, 16, 0, tzinfo=SEOUL),
        ends_at=datetime(2026, 12, 4, 17, 30, tzinfo=SEOUL),
    )
    announcement_react(employee=office.lee, announcement=made, name="🎉")
    announcement_react(employee=office.kim, announcement=made, name="🎉")
    announcement_react(employee=office.lee, announcement=made, name="👍")
    html = body(signed_in(office.kim).get("/"))
    assert _shown(html) == [str(made.pk)]
    assert html.index('id="announcements"') < html.index('id="composer')  # above the composer
    card = html[html.index(f'id="announcement-{made.pk}"') :]
    card = card[: card.index("</article>")]
    assert "※" in card and "공지" in card and "금요일 전사 타운홀" in card
    # Mentions and hashtags link on the host in use, as in posts.
    assert 'href="/@lee"' in card and 'href="/tags/' in card
    assert "2026년 12월 4일" in card and "4:00" in card and "5:30" in card  # in Seoul's time
    # Kim's own 🎉 is pressed, with two people in it; Lee's 👍 is not.
    assert re.search(r'aria-pressed="true"[^>]*><span aria-hidden="true">🎉</span> <span[^>]*>2<', card)
    assert re.search(r'aria-pressed="false"[^>]*><span aria-hidden="true">👍</span> <span[^>]*>1<', card)
    assert "읽음으로 표시" in card
    assert 'href="/announcements/"' in html and "모든 공지" in html
    assert _badge(html) == "1"


def test_marking_read_takes_it_off_home_but_not_off_the_announcements_page(office: Office) -> None:  # noqa: F811
    made = _announce("사내 식당 메뉴가 바뀝니다")
    kim = signed_in(office.kim)
    response = kim.post(f"/announcements/{made.pk}/dismiss")
    assert response.status_code == 302 and response["Location"] == "/#announcements"
    home = body(kim.get("/"))
    assert _shown(home) == [] and "사내 식당" not in home
    assert _badge(home) == "0"
    listed = body(kim.get("/announcements/"))
    assert _shown(listed) == [str(made.pk)] and "사내 식당 메뉴가 바뀝니다" in listed
    assert '<span class="pill">읽음</span>' in listed and "읽음으로 표시" not in listed
    assert _badge(listed) == "0"
    assert _shown(body(signed_in(office.lee).get("/"))) == [str(made.pk)]  # read is per person


def test_marking_read_with_htmx_removes_the_card_and_updates_the_badge(office: Office) -> None:  # noqa: F811
    first, second = _announce("첫 공지"), _announce("둘째 공지")
    kim = signed_in(office.kim)
    assert _badge(body(kim.get("/announcements/"))) == "2"
    answer = body(kim.post(f"/announcements/{first.pk}/dismiss", HTTP_HX_REQUEST="true"))
    assert _shown(answer) == []  # Home: the card goes
    assert 'id="announcements-badge"' in answer and 'hx-swap-oob="true"' in answer
    assert _badge(answer) == "1"
    # From the Announcements page the card stays, marked read.
    kept = body(kim.post(f"/announcements/{second.pk}/dismiss", {"listing": "1"}, HTTP_HX_REQUEST="true"))
    assert _shown(kept) == [str(second.pk)] and "읽음" in kept and _badge(kept) == "0"
    assert AnnouncementRead.objects.filter(employee=office.kim).count() == 2


def test_reacting_and_taking_the_reaction_back(office: Office) -> None:  # noqa: F811
    made = _announce("신규 입사자를 환영합니다")
    kim = signed_in(office.kim)
    html = body(kim.get("/"))
    assert 'class="reaction-picker"' in html and ">🎉</button>" in html  # the common emoji offered
    added = body(kim.post(f"/announcements/{made.pk}/react", {"name": "🎉"}, HTTP_HX_REQUEST="true"))
    assert _shown(added) == [str(made.pk)]
    assert re.search(
        r'class="reaction on" aria-pressed="true"[^>]*><span aria-hidden="true">🎉</span>', added
    )
    assert ">🎉</button>" not in added  # no longer offered in the picker: it is on the card
    assert list(AnnouncementReaction.objects.values_list("employee_id", "name")) == [(office.kim.pk, "🎉")]

    taken = body(
        kim.post(f"/announcements/{made.pk}/react", {"name": "🎉", "undo": "1"}, HTTP_HX_REQUEST="true")
    )
    assert 'class="reaction on"' not in taken and ">🎉</button>" in taken
    assert not AnnouncementReaction.objects.exists()

    # Without script: a form post and back to the page it was on.
    response = kim.post(f"/announcements/{made.pk}/react", {"name": "👍", "listing": "1"})
    assert response.status_code == 302 and response["Location"] == "/announcements/"
    assert AnnouncementReaction.objects.get().name == "👍"

    refused = kim.post(f"/announcements/{made.pk}/react", {"name": "ok"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and refused["Content-Type"].startswith("text/plain")
    assert "이모지" in body(refused)
    assert AnnouncementReaction.objects.count() == 1


def test_a_unit_announcement_never_reaches_someone_outside_the_unit(office: Office) -> None:  # noqa: F811
    made = _announce("영업본부 회식은 목요일입니다", unit_id=office.sales.pk)
    inside = body(signed_in(office.kim).get("/"))  # 영업1팀, below the unit
    assert _shown(inside) == [str(made.pk)] and "영업본부" in inside and _badge(inside) == "1"

    for outsider in (office.choi, office.boss):  # the lab; the company above the unit
        client = signed_in(outsider)
        for path in ("/", "/announcements/", "/company/", "/people/"):
            html = body(client.get(path))
            assert "회식은 목요일" not in html, path
            assert _badge(html) == "0", path
        for data in ({}, {"name": "👍"}, {"name": "👍", "undo": "1"}):
            action = "dismiss" if not data else "react"
            assert client.post(f"/announcements/{made.pk}/{action}", data).status_code == 404, data
            response = client.post(f"/announcements/{made.pk}/{action}", data, HTTP_HX_REQUEST="true")
            assert response.status_code == 404, data
    assert client.post("/announcements/999999/dismiss").status_code == 404  # as for one that is missing
    assert not AnnouncementReaction.objects.exists() and not AnnouncementRead.objects.exists()


def test_drafts_scheduled_and_ended_announcements_are_not_shown(office: Office) -> None:  # noqa: F811
    draft = _announce("초안 공지", publish_at=None)
    scheduled = _announce("예약 공지", publish_at=timezone.now() + timedelta(hours=2))
    ended = _announce("지난 행사 공지", ends_at=timezone.now() - timedelta(minutes=1))
    kim = signed_in(office.kim)
    for path in ("/", "/announcements/"):
        html = body(kim.get(path))
        assert _shown(html) == [], path
        assert _badge(html) == "0", path
    assert "지금은 공지가 없습니다." in body(kim.get("/announcements/"))
    for hidden in (draft, scheduled, ended):
        assert kim.post(f"/announcements/{hidden.pk}/dismiss").status_code == 404
        assert kim.post(f"/announcements/{hidden.pk}/react", {"name": "👍"}).status_code == 404


# --- query counts ---------------------------------------------------------------------------------


def test_the_badge_costs_one_statement_and_home_does_not_grow_with_announcements(office: Office) -> None:  # noqa: F811
    kim = signed_in(office.kim)

    def run(path: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert kim.get(path).status_code == 200, path
        return [q["sql"] for q in captured.captured_queries if not is_tenant_routing(q["sql"])]

    def reading_announcements(sql: list[str]) -> list[str]:
        return [q for q in sql if re.search(r"\bannouncements_announcement\b", q)]

    _announce("하나 @lee #공지")
    _announce("영업본부 공지", unit_id=office.sales.pk)  # a unit's: its unit is read too, once
    for path in ("/", "/announcements/", "/company/", "/people/", "/notifications/", "/settings/"):
        run(path)  # warm feeds and caches
    for path in ("/company/", "/people/", "/notifications/", "/settings/", "/@lee"):
        assert len(reading_announcements(run(path))) == 1, path
    # The pages that list them know the count already: no COUNT of their own.
    for path in ("/", "/announcements/"):
        assert not [q for q in reading_announcements(run(path)) if "count(" in q.lower()], path
    few = {path: len(run(path)) for path in ("/", "/announcements/")}
    for n in range(5):
        made = _announce(f"공지 {n} @choi #공지", unit_id=office.sales.pk if n % 2 else None)
        announcement_react(employee=office.lee, announcement=made, name="👍")
    many = {path: len(run(path)) for path in ("/", "/announcements/")}
    assert many == few
    assert len(_shown(body(kim.get("/")))) == 7
