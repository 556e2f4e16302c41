"""Scheduled posts in the web app: the composer's "schedule for later", the page listing what waits (to
move or cancel) and what could not be published (to write again or dismiss), in the employee's time
zone and language. Another employee's scheduled posts are missing (404) on every action."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.models import Employee
from posts.models import Audience, Post, ScheduledPost
from posts.services import (
    media_create,
    post_create,
    post_delete,
    scheduled_post_create,
    scheduled_post_publish,
)
from tests.frontend.test_pages import Office, _png, body, office, signed_in  # noqa: F401 (fixture)
from tests.support.queries import is_tenant_routing

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")


def _typed(when: datetime) -> str:
    """What an ``<input type=datetime-local>`` sends for ``when``: Seoul's wall time (the web app's)."""
    return when.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")


def _in(hours: float) -> datetime:
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def _schedule(author: Employee, text: str, *, hours: float = 2, **fields: object) -> ScheduledPost:
    return scheduled_post_create(author=author, scheduled_at=_in(hours), text=text, **fields)  # type: ignore[arg-type]


def _failed(author: Employee, text: str) -> ScheduledPost:
    """A reply scheduled to a post that is then deleted: when due, it fails with the reason kept."""
    parent = post_create(author=author, text="곧 지울 글")
    scheduled = _schedule(author, text, in_reply_to_id=parent.pk)
    post_delete(post=parent, actor=author)
    ScheduledPost.objects.filter(pk=scheduled.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    assert scheduled_post_publish(scheduled.pk) is None
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduledPost.State.FAILED
    return scheduled


def _items(html: str) -> list[str]:
    return re.findall(r'class="scheduled-item[^"]*" id="scheduled-(\d+)"', html)


# --- the composer ---------------------------------------------------------------------------------


def test_the_composer_offers_a_schedule_and_the_nav_links_the_list(office: Office) -> None:  # noqa: F811
    html = body(signed_in(office.kim).get("/"))
    assert 'id="toggle-schedule"' in html and 'aria-controls="schedule-row"' in html
    assert 'name="scheduled_at" type="datetime-local"' in html
    assert 'id="schedule-row" hidden' in html  # nothing is scheduled unless asked
    assert "시간대: Asia/Seoul" in html
    assert 'href="/scheduled/"' in html


def test_scheduling_from_the_composer_keeps_a_pending_post_and_posts_nothing(office: Office) -> None:  # noqa: F811
    client = signed_in(office.kim)
    wall = _in(3).astimezone(SEOUL).replace(hour=9, minute=30) + timedelta(days=1)
    response = client.post(
        "/compose/",
        {
            "text": "내일 아침 주간회의 #공지",
            "audience": "unit",
            "unit_id": str(office.team.pk),
            "scheduled_at": _typed(wall),
        },
    )
    scheduled = ScheduledPost.objects.get(author=office.kim)
    assert response.status_code == 302
    assert response["Location"] == f"/scheduled/#scheduled-{scheduled.pk}"
    assert not Post.objects.filter(author=office.kim).exists()
    assert scheduled.state == ScheduledPost.State.PENDING
    # 09:30 as typed is 09:30 in Seoul, the zone every time in the web app is shown in.
    assert scheduled.scheduled_at == wall
    assert scheduled.params["text"] == "내일 아침 주간회의 #공지"
    assert scheduled.params["audience"] == Audience.UNIT and scheduled.params["unit_id"] == office.team.pk

    page = body(client.get("/scheduled/"))
    assert "예약했습니다" in page and "9:30 오전" in page  # the flash says when, in Korean
    assert _items(page) == [str(scheduled.pk)]
    assert "내일 아침 주간회의 #공지" in page and "조직: 영업1팀" in page


def test_htmx_scheduling_answers_a_fresh_composer_saying_when_with_a_link(office: Office) -> None:  # noqa: F811
    client = signed_in(office.kim)
    when = _in(5)
    response = client.post(
        "/compose/",
        {"text": "오후 공지", "audience": "company", "scheduled_at": _typed(when)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = body(response)
    scheduled = ScheduledPost.objects.get(author=office.kim)
    assert 'id="scheduled-notice"' in html and 'role="status"' in html
    assert f'href="/scheduled/#scheduled-{scheduled.pk}"' in html
    assert "오후 공지" not in html  # the composer is empty again
    assert "hx-swap-oob" not in html  # no card: nothing was posted
    assert not Post.objects.filter(author=office.kim).exists()


def test_a_too_soon_time_is_a_form_error_that_keeps_everything_typed(office: Office) -> None:  # noqa: F811
    client = signed_in(office.kim)
    soon = _typed(timezone.now() + timedelta(minutes=2))
    text = "금방 올릴 글"
    response = client.post(
        "/compose/",
        {
            "text": text,
            "audience": "unit",
            "unit_id": str(office.team.pk),
            "scheduled_at": soon,
            "spoiler_text": "주의",
        },
    )
    assert response.status_code == 422
    html = body(response)
    assert 'role="alert"' in html and "지금부터 5분 이후" in html
    assert text in html and 'value="주의"' in html
    assert f'value="{soon}"' in html and 'id="schedule-row" hidden' not in html
    assert f'<option value="{office.team.pk}" selected>' in html
    assert not ScheduledPost.objects.exists() and not Post.objects.filter(author=office.kim).exists()

    garbage = client.post("/compose/", {"text": text, "audience": "company", "scheduled_at": "내일쯤"})
    assert garbage.status_code == 422
    assert "게시할 날짜와 시간" in body(garbage) and text in body(garbage)


def test_a_refusal_is_in_the_employees_own_language(office: Office) -> None:  # noqa: F811
    office.kim.locale = "en"
    office.kim.save(update_fields=["locale"])
    soon = _typed(timezone.now() + timedelta(minutes=1))
    response = signed_in(office.kim).post(
        "/compose/", {"text": "soon", "audience": "company", "scheduled_at": soon}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "Choose a time at least 5 minutes from now." in body(response)
    assert ">Schedule</button>" in body(response)


def test_an_image_waiting_in_a_scheduled_post_is_a_form_error_that_keeps_everything_typed(
    office: Office,  # noqa: F811
) -> None:
    office.kim.locale = "en"
    office.kim.save(update_fields=["locale"])
    upload = SimpleUploadedFile("p.png", _png("p.png").getvalue(), content_type="image/png")
    photo = media_create(owner=office.kim, upload=upload)
    waiting = _schedule(office.kim, "Monday's photo", media_ids=[photo.pk])
    client = signed_in(office.kim)
    later = _typed(_in(4))
    for when, htmx in ((later, "false"), ("", "false"), (later, "true")):  # scheduled, now, by htmx
        response = client.post(
            "/compose/",
            {
                "text": "The same photo",
                "audience": "company",
                "media_id": str(photo.pk),
                "scheduled_at": when,
            },
            HTTP_HX_REQUEST=htmx,
        )
        assert response.status_code == 422, (when, htmx)
        html = body(response)
        assert 'role="alert"' in html
        assert "One of these images is already in a scheduled post. Cancel that post first" in html
        assert "The same photo" in html and f'name="media_id" value="{photo.pk}"' in html
        if when:
            assert f'value="{when}"' in html and 'id="schedule-row" hidden' not in html
    assert list(ScheduledPost.objects.filter(author=office.kim)) == [waiting]
    assert not Post.objects.filter(author=office.kim).exists()


def test_a_post_without_a_time_is_posted_at_once_as_before(office: Office) -> None:  # noqa: F811
    response = signed_in(office.kim).post(
        "/compose/", {"text": "바로 올림", "audience": "company", "scheduled_at": ""}
    )
    assert response.status_code == 302
    assert Post.objects.filter(author=office.kim, text="바로 올림").exists()
    assert not ScheduledPost.objects.exists()


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_only_the_viewers_waiting_posts_soonest_first(office: Office) -> None:  # noqa: F811
    later = _schedule(office.kim, "나중 글", hours=30, min_rank=3)
    sooner = _schedule(office.kim, "먼저 글", hours=1, audience=Audience.FOLLOWERS)
    _schedule(office.lee, "이영희의 예약 글")
    published = _schedule(office.kim, "이미 올라간 글", hours=2)
    ScheduledPost.objects.filter(pk=published.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    assert scheduled_post_publish(published.pk) is not None

    html = body(signed_in(office.kim).get("/scheduled/"))
    assert _items(html) == [str(sooner.pk), str(later.pk)]
    assert "이영희의 예약 글" not in html and "이미 올라간 글" not in html
    assert "내 팔로워" in html and "이상" in html  # the audience, the minimum rank by its name
    assert f'value="{_typed(sooner.scheduled_at)}"' in html  # the time to change, as the field shows it
    assert 'data-confirm="' in html  # cancelling asks first
    assert 'href="/scheduled/" aria-current="page"' in html


def test_an_empty_list_says_how_to_schedule(office: Office) -> None:  # noqa: F811
    assert "기다리는 게시물이 없습니다" in body(signed_in(office.choi).get("/scheduled/"))


def test_a_scheduled_post_is_moved_to_another_time(office: Office) -> None:  # noqa: F811
    scheduled = _schedule(office.kim, "회의 안내")
    client = signed_in(office.kim)
    moved_to = _in(48)
    response = client.post(f"/scheduled/{scheduled.pk}/reschedule", {"scheduled_at": _typed(moved_to)})
    assert response.status_code == 302
    assert response["Location"] == f"/scheduled/#scheduled-{scheduled.pk}"
    scheduled.refresh_from_db()
    assert scheduled.scheduled_at == moved_to
    assert "게시됩니다" in body(client.get("/scheduled/"))


def test_moving_to_a_too_soon_time_is_an_error_beside_the_post_keeping_what_was_typed(office: Office) -> None:  # noqa: F811
    scheduled = _schedule(office.kim, "회의 안내")
    before = scheduled.scheduled_at
    soon = _typed(timezone.now() + timedelta(minutes=1))
    response = signed_in(office.kim).post(f"/scheduled/{scheduled.pk}/reschedule", {"scheduled_at": soon})
    assert response.status_code == 422
    html = body(response)
    assert f'id="when-error-{scheduled.pk}"' in html and "지금부터 5분 이후" in html
    assert f'value="{soon}"' in html and 'aria-invalid="true"' in html
    scheduled.refresh_from_db()
    assert scheduled.scheduled_at == before


def test_a_scheduled_post_is_cancelled(office: Office) -> None:  # noqa: F811
    scheduled = _schedule(office.kim, "취소할 글")
    client = signed_in(office.kim)
    response = client.post(f"/scheduled/{scheduled.pk}/cancel")
    assert response.status_code == 302
    assert not ScheduledPost.objects.filter(pk=scheduled.pk).exists()
    html = body(client.get("/scheduled/"))
    assert "취소할 글" not in html and "취소했습니다" in html
    assert not Post.objects.filter(author=office.kim).exists()


def test_another_employees_scheduled_posts_are_missing_on_every_action(office: Office) -> None:  # noqa: F811
    waiting = _schedule(office.kim, "김철수의 예약 글")
    failed = _failed(office.kim, "김철수의 실패한 글")
    other = signed_in(office.lee)
    assert (
        other.post(f"/scheduled/{waiting.pk}/reschedule", {"scheduled_at": _typed(_in(9))}).status_code == 404
    )
    assert other.post(f"/scheduled/{waiting.pk}/cancel").status_code == 404
    assert other.get(f"/scheduled/{failed.pk}/edit").status_code == 404
    assert other.post(f"/scheduled/{failed.pk}/dismiss").status_code == 404
    # Actions meant for the other state are missing too: a waiting post is not "failed", and back.
    own = signed_in(office.kim)
    assert own.post(f"/scheduled/{failed.pk}/cancel").status_code == 404
    assert own.post(f"/scheduled/{failed.pk}/reschedule", {"scheduled_at": _typed(_in(9))}).status_code == 404
    assert own.get(f"/scheduled/{waiting.pk}/edit").status_code == 404
    assert own.post(f"/scheduled/{waiting.pk}/dismiss").status_code == 404
    assert own.get("/scheduled/999/edit").status_code == 404
    # Nothing changed, and the other employee's page shows neither.
    assert ScheduledPost.objects.filter(pk__in=[waiting.pk, failed.pk]).count() == 2
    html = body(other.get("/scheduled/"))
    assert "김철수의" not in html


# --- failed ones ----------------------------------------------------------------------------------


def test_a_failed_post_shows_its_reason_and_can_be_written_again_as_a_new_post(office: Office) -> None:  # noqa: F811
    failed = _failed(office.kim, "지워진 글에 대한 답글")
    client = signed_in(office.kim)
    html = body(client.get("/scheduled/"))
    assert _items(html) == [str(failed.pk)]
    assert "게시되지 않음" in html
    assert "답글을 달 게시물을 찾을 수 없습니다." in html  # the reason, in Korean
    assert f'href="/scheduled/{failed.pk}/edit"' in html

    page = body(client.get(f"/scheduled/{failed.pk}/edit"))
    assert "지워진 글에 대한 답글" in page
    assert f'name="replaces" value="{failed.pk}"' in page
    assert 'name="in_reply_to_id"' not in page  # the post it answered is gone: a post of its own
    assert 'id="failed-reason"' in page

    response = client.post(
        "/compose/", {"text": "다시 쓴 글", "audience": "company", "replaces": str(failed.pk)}
    )
    assert response.status_code == 302
    assert Post.objects.filter(author=office.kim, text="다시 쓴 글").exists()
    assert not ScheduledPost.objects.filter(pk=failed.pk).exists()  # written again: no longer listed


def test_a_failed_post_is_dismissed(office: Office) -> None:  # noqa: F811
    failed = _failed(office.kim, "버릴 글")
    client = signed_in(office.kim)
    response = client.post(f"/scheduled/{failed.pk}/dismiss")
    assert response.status_code == 302
    assert not ScheduledPost.objects.filter(pk=failed.pk).exists()
    assert "버릴 글" not in body(client.get("/scheduled/"))


def test_writing_again_from_htmx_goes_to_the_new_post(office: Office) -> None:  # noqa: F811
    failed = _failed(office.kim, "다시")
    response = signed_in(office.kim).post(
        "/compose/",
        {"text": "다시 쓴 글", "audience": "company", "replaces": str(failed.pk)},
        HTTP_HX_REQUEST="true",
    )
    post = Post.objects.get(author=office.kim, text="다시 쓴 글")
    assert response["HX-Redirect"] == f"/@kim/{post.pk}"


def test_the_list_page_does_not_grow_queries_with_posts(office: Office) -> None:  # noqa: F811
    client = signed_in(office.kim)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/scheduled/").status_code == 200
        return sum(1 for q in captured.captured_queries if not is_tenant_routing(q["sql"]))

    _schedule(office.kim, "하나", audience=Audience.UNIT, unit_id=office.team.pk, min_rank=1)
    _failed(office.kim, "실패 하나")
    count()
    few = count()
    for n in range(4):
        _schedule(
            office.kim, f"더 {n}", hours=3 + n, audience=Audience.UNIT, unit_id=office.sales.pk, min_rank=3
        )
        _failed(office.kim, f"실패 {n}")
    assert count() == few
