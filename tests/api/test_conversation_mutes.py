"""Muting a conversation (``POST /api/v1/statuses/:id/mute`` and ``unmute``): nothing that happens in it
notifies the one who muted it any more — replies, mentions, likes, reposts, edits, a poll's end — and its
statuses say ``muted: true`` to them alone, on every read path (by id, context, home)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.services import (
    deliver_favourite,
    deliver_poll_ended,
    deliver_post_created,
    deliver_post_edited,
    deliver_reblog,
)
from posts.models import ConversationMute, Poll
from social.models import Follow
from tests.api.conftest import Api, People
from timelines.services import fanout_run

pytestmark = pytest.mark.django_db


def _post(api: Api, text: str, **fields: str) -> str:
    made = api.post("/api/v1/statuses", {"status": text, **fields})
    assert made.status_code == 200, made.content
    deliver_post_created(int(made.json()["id"]))  # what the worker does after commit
    return str(made.json()["id"])


def _kinds(api: Api) -> list[tuple[str, str]]:
    answer = api.get("/api/v1/notifications")
    assert answer.status_code == 200, answer.content
    return [(n["type"], n["account"]["username"]) for n in answer.json()]


def test_a_muted_conversation_notifies_nothing_until_unmuted(api_as, people: People) -> None:
    kim, lee, choi = api_as(people.kim), api_as(people.lee), api_as(people.choi)
    root = _post(kim, "다음 주 워크숍 장소 의견 주세요")
    first = _post(lee, "@kim 판교 어떠세요?", in_reply_to_id=root)
    assert _kinds(kim) == [("mention", "lee")]

    # Muted from any post of the conversation, here lee's reply: the whole thread goes quiet.
    muted = kim.post(f"/api/v1/statuses/{first}/mute")
    assert muted.status_code == 200, muted.content
    assert muted.json()["muted"] is True
    assert kim.post(f"/api/v1/statuses/{first}/mute").status_code == 200  # again: nothing changes
    assert ConversationMute.objects.filter(employee=people.kim).count() == 1

    _post(choi, "@kim 저는 강남이 좋아요", in_reply_to_id=first)
    assert lee.post(f"/api/v1/statuses/{root}/favourite").status_code == 200
    deliver_favourite(int(root), people.lee.pk)
    assert choi.post(f"/api/v1/statuses/{root}/reblog").status_code == 200
    deliver_reblog(int(root), people.choi.pk)
    assert _kinds(kim) == [("mention", "lee")]  # nothing new

    # Elsewhere kim still hears everything, and the others in the thread still hear from it.
    _post(choi, "@kim 다른 건으로 문의드립니다")
    assert _kinds(kim)[0] == ("mention", "choi")
    assert ("mention", "choi") in _kinds(lee)

    unmuted = kim.post(f"/api/v1/statuses/{root}/unmute")
    assert unmuted.status_code == 200 and unmuted.json()["muted"] is False
    _post(lee, "@kim 장소 확정되었나요?", in_reply_to_id=root)
    assert _kinds(kim)[0] == ("mention", "lee")
    assert not ConversationMute.objects.filter(employee=people.kim).exists()


def test_muted_shows_to_the_muter_alone_on_every_read_path(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    Follow.objects.get_or_create(follower=people.kim, followee=people.lee)
    root = _post(lee, "신규 프로젝트 킥오프 공지")
    reply = _post(lee, "회의실은 3층입니다", in_reply_to_id=root)
    other = _post(lee, "오늘 점심은 냉면")
    for pk in (root, reply, other):
        fanout_run(int(pk))
    boost = lee.post(f"/api/v1/statuses/{root}/reblog").json()["id"]
    fanout_run(int(boost))
    assert kim.post(f"/api/v1/statuses/{reply}/mute").status_code == 200

    assert kim.get(f"/api/v1/statuses/{root}").json()["muted"] is True
    assert lee.get(f"/api/v1/statuses/{root}").json()["muted"] is False
    context = kim.get(f"/api/v1/statuses/{root}/context").json()
    assert [s["muted"] for s in context["descendants"]] == [True]
    home = {s["id"]: s for s in kim.get("/api/v1/timelines/home").json()}
    assert home[reply]["muted"] is True and home[other]["muted"] is False
    assert home[boost]["reblog"]["muted"] is True  # the repost shows its original's conversation
    assert all(s["muted"] is False for s in lee.get("/api/v1/timelines/home").json())


def test_edits_and_a_poll_ending_in_a_muted_conversation_stay_quiet(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    post = _post(lee, "점심 메뉴 투표", **{"poll[options][]": ["냉면", "비빔밥"], "poll[expires_in]": "3600"})
    poll = Poll.objects.get(post_id=post)
    assert kim.post(f"/api/v1/polls/{poll.pk}/votes", {"choices[]": ["0"]}).status_code == 200
    assert kim.post(f"/api/v1/statuses/{post}/reblog").status_code == 200
    assert kim.post(f"/api/v1/statuses/{post}/mute").status_code == 200
    assert lee.post(f"/api/v1/statuses/{post}/mute").status_code == 200  # the author mutes it too

    assert lee.put(f"/api/v1/statuses/{post}", {"status": "점심 메뉴 투표 (마감 임박)"}).status_code == 200
    deliver_post_edited(int(post))
    Poll.objects.filter(pk=poll.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    deliver_poll_ended(poll.pk)
    assert not Notification.objects.filter(recipient__in=[people.kim, people.lee]).exists()


def test_a_post_one_cannot_see_cannot_be_muted_and_muting_needs_write_mutes(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    secret = _post(lee, "@choi 둘만 보는 메시지", visibility="direct")
    for path in ("mute", "unmute"):
        refused = kim.post(f"/api/v1/statuses/{secret}/{path}")
        assert refused.status_code == 404 and refused.json() == {"error": "Record not found"}
    assert not ConversationMute.objects.exists()

    shared = _post(lee, "전사 공지")
    read_only = api_as(people.kim, scope="read")
    refused = read_only.post(f"/api/v1/statuses/{shared}/mute")
    assert refused.status_code == 403, refused.content
    assert api_as(people.kim, scope="write:mutes").post(f"/api/v1/statuses/{shared}/mute").status_code == 200
    assert ConversationMute.objects.filter(employee=people.kim, thread_id=int(shared)).exists()
