"""Time zones on the web: every time is shown, and every typed time read, in the employee's own zone,
else the company's; the APIs keep speaking UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from directory.administration import tenant_settings_update
from directory.models import Employee, Role
from posts.models import Post, ScheduledPost
from posts.services import post_create
from tests.frontend.test_pages import Office, body, office, signed_in  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

# A Thursday morning in Seoul; Wednesday evening in New York; early morning in London.
WHEN = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)
IN_SEOUL = 'datetime="2026-01-15T10:30:00+09:00"'
IN_NEW_YORK = 'datetime="2026-01-14T20:30:00-05:00"'
IN_LONDON = 'datetime="2026-01-15T01:30:00+00:00"'


def _posted_at(author: Employee, when: datetime) -> Post:
    post = post_create(author=author, text="분기 실적 공유드립니다")
    Post.objects.filter(pk=post.pk).update(created_at=when)
    return post


def _profile(zone: str) -> dict[str, str]:
    return {"bio": "", "locale": "", "time_zone": zone}


def test_times_are_the_companys_until_an_employee_chooses_their_own_zone(office: Office) -> None:  # noqa: F811
    post = _posted_at(office.lee, WHEN)
    kim, lee = signed_in(office.kim), signed_in(office.lee)
    assert IN_SEOUL in body(kim.get(f"/@lee/{post.pk}"))
    page = body(kim.get("/settings/"))
    assert '<option value="" selected>회사 기본값(Asia/Seoul)</option>' in page
    assert '<option value="America/New_York">(UTC-05:00) America/New York</option>' in page

    assert kim.post("/settings/", _profile("America/New_York")).status_code == 302
    html = body(kim.get(f"/@lee/{post.pk}"))
    assert IN_NEW_YORK in html and IN_SEOUL not in html
    assert "시간대: America/New_York" in body(kim.get("/"))  # the composer says which zone it reads
    assert '<option value="America/New_York" selected>' in body(kim.get("/settings/"))
    assert IN_SEOUL in body(lee.get(f"/@lee/{post.pk}"))  # a zone is one person's

    assert kim.post("/settings/", _profile("")).status_code == 302  # the company's again
    assert IN_SEOUL in body(kim.get(f"/@lee/{post.pk}"))


def test_the_companys_zone_is_the_default_of_everyone_without_one(office: Office) -> None:  # noqa: F811
    post = _posted_at(office.lee, WHEN)
    office.boss.role = Role.ADMIN
    office.boss.save(update_fields=["role"])
    tenant_settings_update(actor=office.boss, changes={"time_zone": "Europe/London"})

    kim = signed_in(office.kim)
    assert IN_LONDON in body(kim.get(f"/@lee/{post.pk}"))
    assert '<option value="" selected>회사 기본값(Europe/London)</option>' in body(kim.get("/settings/"))
    office.lee.time_zone = "America/New_York"
    office.lee.save(update_fields=["time_zone"])
    assert IN_NEW_YORK in body(signed_in(office.lee).get(f"/@lee/{post.pk}"))  # their own wins


def test_a_typed_schedule_time_is_the_employees_wall_time(office: Office) -> None:  # noqa: F811
    new_york = ZoneInfo("America/New_York")
    office.kim.time_zone = "America/New_York"
    office.kim.save(update_fields=["time_zone"])
    client = signed_in(office.kim)
    wall = (
        (timezone.now() + timedelta(days=2))
        .astimezone(new_york)
        .replace(hour=9, minute=30, second=0, microsecond=0)
    )
    response = client.post(
        "/compose/",
        {"text": "뉴욕 시간 아침 9시 반에 올립니다", "scheduled_at": wall.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    scheduled = ScheduledPost.objects.get(author=office.kim)
    assert scheduled.scheduled_at == wall  # 09:30 in New York, whatever the server's zone
    assert scheduled.scheduled_at.astimezone(ZoneInfo("Asia/Seoul")).hour == 23
    assert f'value="{wall.strftime("%Y-%m-%dT%H:%M")}"' in body(client.get("/scheduled/"))


def test_an_unknown_zone_is_a_form_error_and_nothing_is_saved(office: Office) -> None:  # noqa: F811
    response = signed_in(office.kim).post(
        "/settings/", {"bio": "새 소개", "locale": "", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 422 and 'role="alert"' in body(response)
    office.kim.refresh_from_db()
    assert (office.kim.time_zone, office.kim.bio) == ("", "")


def test_the_api_keeps_utc_whatever_the_employees_zone(office: Office) -> None:  # noqa: F811
    from oauth2_provider.models import AccessToken, Application

    post = _posted_at(office.lee, WHEN)
    office.kim.time_zone = "America/New_York"
    office.kim.save(update_fields=["time_zone"])
    app = Application.objects.create(
        name="app",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    token = AccessToken.objects.create(
        user=office.kim,
        application=app,
        token="tz-token",
        scope="read",
        expires=timezone.now() + timedelta(hours=1),
    )
    client = signed_in(office.kim)
    answer = client.get(f"/api/v1/statuses/{post.pk}", HTTP_AUTHORIZATION=f"Bearer {token.token}").json()
    assert answer["created_at"] == "2026-01-15T01:30:00.000Z"
