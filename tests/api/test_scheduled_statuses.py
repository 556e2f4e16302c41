"""Scheduled posts (``POST /api/v1/statuses`` with ``scheduled_at``, ``/api/v1/scheduled_statuses``):
a post waits unseen until its time, is published then exactly as written, can be moved or cancelled by
its author alone, and what would be refused now is refused now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from posts.models import MediaAttachment, Post, ScheduledPost
from posts.services import scheduled_posts_due
from social.models import Follow
from tests.api.conftest import Api, People
from tests.api.test_endpoints import png

pytestmark = pytest.mark.django_db


def _later(minutes: int = 60) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _schedule(api: Api, text: str, **fields: Any) -> dict[str, Any]:
    made = api.post("/api/v1/statuses", {"status": text, "scheduled_at": _later(), **fields})
    assert made.status_code == 200, made.content
    return made.json()  # type: ignore[no-any-return]


def _due(scheduled_id: str) -> None:
    """Its time comes (the API keeps it at least five minutes ahead), and the sweep runs."""
    ScheduledPost.objects.filter(pk=scheduled_id).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    scheduled_posts_due()


def test_a_scheduled_post_waits_unseen_then_is_published_as_written(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    Follow.objects.get_or_create(follower=people.lee, followee=people.kim)
    made = _schedule(
        kim,
        "다음 주 월요일 전체 회의 안내 #공지",
        visibility="private",
        spoiler_text="회의",
        **{"poll[options][]": ["참석", "불참"], "poll[expires_in]": "86400"},
    )
    assert made["params"]["text"] == "다음 주 월요일 전체 회의 안내 #공지"
    assert made["params"]["visibility"] == "private"
    assert made["params"]["spoiler_text"] == "회의"
    assert made["params"]["poll"]["options"] == ["참석", "불참"]
    assert made["media_attachments"] == []
    assert made["scheduled_at"].endswith("Z")
    assert not Post.objects.filter(author=people.kim).exists()
    assert kim.get("/api/v1/scheduled_statuses").json() == [made]
    assert kim.get(f"/api/v1/scheduled_statuses/{made['id']}").json() == made

    _due(made["id"])
    post = Post.objects.get(author=people.kim)
    assert (post.text, post.audience, post.spoiler_text) == (made["params"]["text"], "followers", "회의")
    shown = lee.get(f"/api/v1/statuses/{post.pk}").json()
    assert [o["title"] for o in shown["poll"]["options"]] == ["참석", "불참"]
    assert [t["name"] for t in shown["tags"]] == ["공지"]
    # Published once: no longer listed, and another sweep publishes nothing more.
    assert kim.get("/api/v1/scheduled_statuses").json() == []
    assert kim.get(f"/api/v1/scheduled_statuses/{made['id']}").status_code == 404
    scheduled_posts_due()
    assert Post.objects.filter(author=people.kim).count() == 1


def test_images_wait_with_the_post_and_are_attached_when_it_is_published(api_as, people: People) -> None:
    kim = api_as(people.kim)
    uploaded = kim.post("/api/v2/media", {"file": png(), "description": "3층 라운지"})
    assert uploaded.status_code in (200, 202), uploaded.content
    media_id = uploaded.json()["id"]
    made = _schedule(kim, "사무실 사진", **{"media_ids[]": [media_id]})
    assert [m["id"] for m in made["media_attachments"]] == [media_id]
    # No audience asked: the company's default is settled now, to be published to whom it was shown.
    assert ScheduledPost.objects.get(pk=made["id"]).params["audience"] == "company"
    assert MediaAttachment.objects.get(pk=media_id).post_id is None
    _due(made["id"])
    assert MediaAttachment.objects.get(pk=media_id).post == Post.objects.get(author=people.kim)


def test_the_author_alone_moves_or_cancels_a_scheduled_post(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    made = _schedule(kim, "금요일 회식 장소 공지")
    for answer in (
        lee.get(f"/api/v1/scheduled_statuses/{made['id']}"),
        lee.put(f"/api/v1/scheduled_statuses/{made['id']}", {"scheduled_at": _later(120)}),
        lee.delete(f"/api/v1/scheduled_statuses/{made['id']}"),
    ):
        assert answer.status_code == 404
    assert lee.get("/api/v1/scheduled_statuses").json() == []

    later = _later(24 * 60)
    moved = kim.put(f"/api/v1/scheduled_statuses/{made['id']}", {"scheduled_at": later})
    assert moved.status_code == 200, moved.content
    assert moved.json()["scheduled_at"][:16] == later[:16]
    too_soon = kim.put(f"/api/v1/scheduled_statuses/{made['id']}", {"scheduled_at": _later(1)})
    assert too_soon.status_code == 422 and "5 minutes" in too_soon.json()["error"]
    assert kim.get(f"/api/v1/scheduled_statuses/{made['id']}").json()["scheduled_at"][:16] == later[:16]

    assert kim.delete(f"/api/v1/scheduled_statuses/{made['id']}").status_code == 200
    assert kim.get("/api/v1/scheduled_statuses").json() == []
    scheduled_posts_due()
    assert not Post.objects.filter(author=people.kim).exists()


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"scheduled_at": "next tuesday"}, 422, "Scheduled at is not a valid time"),
        ({"scheduled_at": "2020-01-01T09:00:00Z"}, 422, "at least 5 minutes in the future"),
        ({"status": "가" * 501}, 422, "character limit"),
        ({"status": ""}, 422, "Text can't be blank"),
        ({"in_reply_to_id": "12345"}, 422, "replying to was not found"),
        ({"media_ids[]": ["999"]}, 422, "Media not found"),
        ({"visibility": "everyone"}, 422, "Visibility"),
        ({"bt_unit_id": "lab"}, 422, "only address your own unit or a unit above it"),
    ],
)
def test_what_would_be_refused_now_is_refused_when_scheduled(
    api_as, people: People, fields: dict[str, Any], status: int, message: str
) -> None:
    body = {"status": "나중에 올릴 글", "scheduled_at": _later(), **fields}
    if body.get("bt_unit_id") == "lab":
        body["bt_unit_id"] = str(people.lab.pk)  # kim is in sales
    refused = api_as(people.kim).post("/api/v1/statuses", body)
    assert refused.status_code == status, refused.content
    assert message in refused.json()["error"]
    assert not ScheduledPost.objects.exists() and not Post.objects.exists()


def test_a_post_that_can_no_longer_be_published_fails_with_its_reason(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    root = lee.post("/api/v1/statuses", {"status": "점심 메뉴 추천 받아요"}).json()["id"]
    made = _schedule(kim, "냉면 어떠세요", in_reply_to_id=root)
    assert made["params"]["in_reply_to_id"] == root
    assert lee.delete(f"/api/v1/statuses/{root}").status_code == 200
    _due(made["id"])
    failed = ScheduledPost.objects.get(pk=made["id"])
    assert failed.state == ScheduledPost.State.FAILED
    assert "replying to was not found" in failed.error
    assert not Post.objects.filter(author=people.kim).exists()
    assert kim.get("/api/v1/scheduled_statuses").json() == []


def _upload(api: Api) -> str:
    uploaded = api.post("/api/v2/media", {"file": png()})
    assert uploaded.status_code in (200, 202), uploaded.content
    return uploaded.json()["id"]  # type: ignore[no-any-return]


HELD = "Validation failed: An image is already in a scheduled post"


def test_an_image_waiting_in_a_scheduled_post_is_neither_scheduled_again_nor_posted_now(
    api_as, people: People
) -> None:
    kim = api_as(people.kim)
    photo, other = _upload(kim), _upload(kim)
    first = _schedule(kim, "월요일에 올릴 사진", **{"media_ids[]": [photo]})

    again = kim.post(
        "/api/v1/statuses",
        {"status": "같은 사진 또 예약", "scheduled_at": _later(90), "media_ids[]": [other, photo]},
    )
    assert again.status_code == 422, again.content
    assert again.json() == {"error": HELD}
    now = kim.post("/api/v1/statuses", {"status": "지금 올리는 사진", "media_ids[]": [other, photo]})
    assert now.status_code == 422, now.content
    assert now.json() == {"error": HELD}
    assert [s["id"] for s in kim.get("/api/v1/scheduled_statuses").json()] == [first["id"]]
    assert not Post.objects.exists()
    assert not MediaAttachment.objects.filter(post__isnull=False).exists()  # the free one too

    # Moved, it keeps its image, and publishing attaches it.
    moved = kim.put(f"/api/v1/scheduled_statuses/{first['id']}", {"scheduled_at": _later(120)})
    assert moved.status_code == 200, moved.content
    _due(first["id"])
    assert MediaAttachment.objects.get(pk=photo).post == Post.objects.get(author=people.kim)
    # The other image was never taken.
    assert kim.post("/api/v1/statuses", {"status": "다른 사진", "media_ids[]": [other]}).status_code == 200


def test_an_image_waiting_in_a_scheduled_post_is_not_added_to_a_post_by_editing(
    api_as, people: People
) -> None:
    kim = api_as(people.kim)
    kept, photo = _upload(kim), _upload(kim)
    post = kim.post("/api/v1/statuses", {"status": "사진 한 장", "media_ids[]": [kept]}).json()
    _schedule(kim, "내일 올릴 사진", **{"media_ids[]": [photo]})

    edited = kim.put(f"/api/v1/statuses/{post['id']}", {"status": "사진 두 장", "media_ids": [kept, photo]})
    assert edited.status_code == 422, edited.content
    assert edited.json() == {"error": HELD}
    assert MediaAttachment.objects.get(pk=photo).post_id is None
    # An edit keeping only its own image goes through.
    edited = kim.put(f"/api/v1/statuses/{post['id']}", {"status": "고친 글", "media_ids": [kept]})
    assert edited.status_code == 200, edited.content
    assert [m["id"] for m in edited.json()["media_attachments"]] == [kept]


def test_cancelling_a_scheduled_post_frees_its_images(api_as, people: People) -> None:
    kim = api_as(people.kim)
    photo = _upload(kim)
    first = _schedule(kim, "취소할 예약", **{"media_ids[]": [photo]})
    body = {"status": "다시 예약", "scheduled_at": _later(90), "media_ids[]": [photo]}
    assert kim.post("/api/v1/statuses", body).status_code == 422
    assert kim.delete(f"/api/v1/scheduled_statuses/{first['id']}").status_code == 200

    second = _schedule(kim, "다시 예약", **{"media_ids[]": [photo]})
    assert [m["id"] for m in second["media_attachments"]] == [photo]
    _due(second["id"])
    assert MediaAttachment.objects.get(pk=photo).post == Post.objects.get(author=people.kim)


def test_a_scheduled_post_that_failed_no_longer_holds_its_images(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    root = lee.post("/api/v1/statuses", {"status": "사진 부탁드려요"}).json()["id"]
    photo = _upload(kim)
    made = _schedule(kim, "여기요", in_reply_to_id=root, **{"media_ids[]": [photo]})
    body = {"status": "따로 올립니다", "media_ids[]": [photo]}
    assert kim.post("/api/v1/statuses", body).status_code == 422
    assert lee.delete(f"/api/v1/statuses/{root}").status_code == 200
    _due(made["id"])
    assert ScheduledPost.objects.get(pk=made["id"]).state == ScheduledPost.State.FAILED

    posted = kim.post("/api/v1/statuses", body)
    assert posted.status_code == 200, posted.content
    assert [m["id"] for m in posted.json()["media_attachments"]] == [photo]
