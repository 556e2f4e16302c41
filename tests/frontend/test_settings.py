"""Settings pages through the Django test client: notification preferences and the language choice
(an employee's own, or the company's again)."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.models import Preferences
from notifications.services import deliver_favourite, deliver_post_created
from posts.services import post_create
from tests.frontend.test_pages import Office, body, office, signed_in  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ALL_ON: dict[str, Any] = {
    "mention": "on",
    "reply": "on",
    "favourite": "everyone",
    "reblog": "everyone",
    "follow": "everyone",
    "poll": "on",
    "update": "on",
}


# --- notification preferences ---------------------------------------------------------------------


def test_notification_settings_start_with_everything_on_in_korean(office: Office) -> None:  # noqa: F811
    html = body(signed_in(office.kim).get("/settings/notifications/"))
    assert 'href="/settings/notifications/" aria-current="page"' in html
    assert "누군가 내 게시물을 좋아할 때" in html and "내가 팔로우하는 사람만" in html
    for name in ("mention", "reply", "poll", "update"):
        assert f'name="{name}" id="id_{name}" checked' in html, name
    for name in ("favourite", "reblog", "follow"):
        assert f'<select name="{name}"' in html
    assert html.count('<option value="everyone" selected>') == 3


def test_likes_switched_off_in_the_form_bring_no_notification_from_a_colleague(office: Office) -> None:  # noqa: F811
    kim = signed_in(office.kim)
    response = kim.post("/settings/notifications/", {**ALL_ON, "favourite": "nobody"}, follow=True)
    assert "알림 설정을 저장했습니다." in body(response)
    assert '<option value="nobody" selected>' in body(response)

    mine = post_create(author=office.kim, text="이번 주 실적 공유합니다")
    assert signed_in(office.lee).post(f"/posts/{mine.pk}/favourite").status_code in (200, 302)
    assert deliver_favourite(mine.pk, office.lee.pk) == 0  # the task the like enqueued
    assert 'data-count="0"' in body(kim.get("/notifications/badge"))
    assert "님이 내 게시물을 좋아합니다" not in body(kim.get("/notifications/"))

    # Mentions were left on: they still arrive.
    deliver_post_created(post_create(author=office.lee, text="@kim 확인 부탁드립니다").pk)
    assert 'data-count="1"' in body(kim.get("/notifications/badge"))
    assert "님이 나를 언급했습니다" in body(kim.get("/notifications/"))


def test_unticking_a_box_switches_that_kind_off(office: Office) -> None:  # noqa: F811
    kim = signed_in(office.kim)
    form = {k: v for k, v in ALL_ON.items() if k != "reply"}  # browsers send nothing for an unticked box
    assert kim.post("/settings/notifications/", form).status_code == 302
    saved = Preferences.objects.get(employee=office.kim)
    assert (saved.reply, saved.mention, saved.favourite) == (False, True, "everyone")
    assert 'name="reply" id="id_reply">' in body(kim.get("/settings/notifications/"))


def test_bad_notification_settings_are_a_form_error_and_nothing_is_saved(office: Office) -> None:  # noqa: F811
    response = signed_in(office.kim).post("/settings/notifications/", {**ALL_ON, "favourite": "sometimes"})
    assert response.status_code == 422
    html = body(response)
    assert 'role="alert"' in html and "sometimes" in html
    assert not Preferences.objects.filter(employee=office.kim).exists()


def test_notification_settings_are_for_signed_in_employees_only(office: Office) -> None:  # noqa: F811
    from django.test import Client

    from tests.conftest import ACME_HOST

    response = Client(HTTP_HOST=ACME_HOST).post("/settings/notifications/", ALL_ON)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Preferences.objects.exists()


# --- language -------------------------------------------------------------------------------------


def test_english_then_company_default_brings_korean_back(office: Office) -> None:  # noqa: F811
    client = signed_in(office.kim)
    page = body(client.get("/settings/"))
    assert '<option value="" selected>회사 기본값(한국어)</option>' in page  # the tenant is Korean

    assert client.post("/settings/", {"bio": "", "locale": "en"}).status_code == 302
    html = body(client.get("/"))
    assert 'lang="en"' in html and "Notifications" in html and "알림" not in html
    assert '<option value="en" selected>English</option>' in body(client.get("/settings/"))

    response = client.post("/settings/", {"bio": "", "locale": ""}, follow=True)
    assert "프로필을 저장했습니다." in body(response)  # the message is already in the company's language
    office.kim.refresh_from_db()
    assert office.kim.locale == ""
    html = body(client.get("/"))
    assert 'lang="ko"' in html and "알림" in html


def test_an_unknown_language_is_a_form_error(office: Office) -> None:  # noqa: F811
    response = signed_in(office.kim).post("/settings/", {"bio": "", "locale": "fr"})
    assert response.status_code == 422 and 'role="alert"' in body(response)
    office.kim.refresh_from_db()
    assert office.kim.locale == ""


def test_the_company_language_is_read_once_and_a_change_shows_on_the_next_page(
    office: Office,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from common import expiring
    from directory.administration import tenant_settings_update
    from directory.models import CompanySettings, Role
    from frontend import middleware

    client = signed_in(office.kim)  # no language of his own: the company's
    assert 'lang="ko"' in body(client.get("/"))
    with CaptureQueriesContext(connection) as queries:
        assert 'lang="ko"' in body(client.get("/"))
    # (The page reads other company settings; the language alone is what the middleware asks for.)
    assert not [q for q in queries if q["sql"].startswith('SELECT "directory_companysettings"."locale"')]

    # An admin's change, saved by this process, shows on the next page.
    office.boss.role = Role.ADMIN
    office.boss.save(update_fields=["role"])
    tenant_settings_update(actor=office.boss, changes={"locale": "en"})
    html = body(client.get("/"))
    assert 'lang="en"' in html and "Notifications" in html

    # Saved by another process (no signal here): this one follows within LANGUAGE_CACHE_SECONDS.
    CompanySettings.objects.filter(id=1).update(locale="ko")
    assert 'lang="en"' in body(client.get("/"))
    later = expiring.time.monotonic() + middleware.LANGUAGE_CACHE_SECONDS + 0.1
    monkeypatch.setattr(expiring.time, "monotonic", lambda: later)
    assert 'lang="ko"' in body(client.get("/"))
