"""Notification preferences: everything is on until switched off; a switched-off kind makes no row,
no stream event and no unread count; likes, reposts and follows can be limited to people one follows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from common.paging import Page
from directory.models import Employee
from notifications import selectors
from notifications.models import Notification, Preferences, Source
from notifications.services import (
    deliver_favourite,
    deliver_follow,
    deliver_poll_ended,
    deliver_post_created,
    deliver_post_edited,
    deliver_reblog,
    notification_preferences_update,
)
from policy import Viewer
from posts.services import PollSpec, poll_vote, post_create
from social.models import Follow
from streaming.publish import channel
from tests.factories import employee, post

ALL_ON: dict[str, Any] = {
    "mention": True,
    "reply": True,
    "favourite": Source.EVERYONE,
    "reblog": Source.EVERYONE,
    "follow": Source.EVERYONE,
    "poll": True,
    "update": True,
}


def inbox(who: Employee) -> list[tuple[str, int, int | None]]:
    return [(n.kind, n.actor_id, n.post_id) for n in selectors.notification_list(Viewer.of(who), Page())]


def unread(who: Employee) -> int:
    return selectors.unread_count(Viewer.of(who), since_id=None)


def prefer(who: Employee, **changes: Any) -> Preferences:
    return notification_preferences_update(employee=who, **{**ALL_ON, **changes})


@pytest.fixture
def pair(acme):  # type: ignore[no-untyped-def]
    return employee("alice"), employee("bob")


@pytest.fixture
def stream_events() -> Iterator[Any]:
    """What the tenant's stream channel carried (a real Redis subscription), read after the fact."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(connection.schema_name))

    def notifications_for(recipient: Employee) -> list[dict[str, Any]]:
        found = []
        while (message := pubsub.get_message(timeout=0.5)) is not None:
            event = orjson.loads(message["data"])
            if event.get("k") == "notification" and event.get("to") == recipient.pk:
                found.append(event)
        return found

    yield notifications_for
    pubsub.close()
    client.close()


def test_everything_is_on_by_default(pair) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    defaults = selectors.notification_preferences(Viewer.of(bob))
    assert {name: getattr(defaults, name) for name in ALL_ON} == ALL_ON
    assert not Preferences.objects.filter(employee=bob).exists()  # nothing stored until changed
    original = post(bob, "제 글")
    deliver_favourite(original.pk, alice.pk)
    deliver_reblog(post(alice, "", reblog_of=original).pk, alice.pk)
    assert [kind for kind, _, _ in inbox(bob)] == ["reblog", "favourite"]


def test_likes_switched_off_make_no_notification_no_stream_event_and_no_unread_count(  # type: ignore[no-untyped-def]
    pair, stream_events, django_capture_on_commit_callbacks
) -> None:
    alice, bob = pair
    prefer(bob, favourite=Source.NOBODY)
    liked = post(bob, "좋아요 눌러 주세요")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_favourite(liked.pk, alice.pk) == 0
    assert inbox(bob) == [] and unread(bob) == 0
    assert stream_events(bob) == []
    # Other kinds still arrive, live: only likes were switched off.
    mention = post(alice, "@bob 확인 부탁드려요", mentions=[bob])
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_post_created(mention.pk) == 1
    assert inbox(bob) == [("mention", alice.pk, mention.pk)] and unread(bob) == 1
    assert [event["actor"] for event in stream_events(bob)] == [alice.pk]


def test_switching_likes_back_on_notifies_again(pair) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    prefer(bob, favourite=Source.NOBODY)
    prefer(bob)
    liked = post(bob, "다시")
    deliver_favourite(liked.pk, alice.pk)
    assert inbox(bob) == [("favourite", alice.pk, liked.pk)]


def test_replies_and_mentions_have_separate_switches(pair) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    mine = post(bob, "제 글")
    prefer(bob, reply=False)
    reply = post(alice, "@bob 답글", in_reply_to=mine, mentions=[bob])
    deliver_post_created(reply.pk)
    mention = post(alice, "@bob 참고하세요", mentions=[bob])
    deliver_post_created(mention.pk)
    assert inbox(bob) == [("mention", alice.pk, mention.pk)]

    prefer(bob, mention=False)
    another_reply = post(alice, "또 답글", in_reply_to=mine)
    deliver_post_created(another_reply.pk)
    deliver_post_created(post(alice, "@bob 또 언급", mentions=[bob]).pk)
    assert inbox(bob)[0] == ("mention", alice.pk, another_reply.pk)
    assert len(inbox(bob)) == 2


def test_reposts_follows_poll_results_and_edits_can_be_switched_off(pair) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    prefer(bob, reblog=Source.NOBODY, follow=Source.NOBODY, poll=False, update=False)
    mine = post(bob, "공유해 주세요")
    deliver_reblog(post(alice, "", reblog_of=mine).pk, alice.pk)
    Follow.objects.create(follower=alice, followee=bob)
    deliver_follow(alice.pk, bob.pk)
    theirs = post(alice, "원문")
    post(bob, "", reblog_of=theirs)
    deliver_post_edited(theirs.pk)
    # A poll bob created and one he voted in both end.
    own_poll = post_create(
        author=bob, text="점심 메뉴?", poll=PollSpec(options=["국밥", "냉면"], expires_in=300)
    )
    voted = post_create(author=alice, text="회식 날짜?", poll=PollSpec(options=["금", "토"], expires_in=300))
    poll_vote(poll=voted.poll, voter=bob, choices=[0])
    deliver_poll_ended(own_poll.poll.pk)
    deliver_poll_ended(voted.poll.pk)
    assert inbox(bob) == []
    assert not Notification.objects.filter(recipient=bob).exists()
    # alice, with the defaults, still hears about her poll.
    assert [kind for kind, _, _ in inbox(alice)] == ["poll"]


def test_likes_reposts_and_follows_only_from_people_i_follow(acme) -> None:  # type: ignore[no-untyped-def]
    me, colleague, stranger = employee("me"), employee("colleague"), employee("stranger")
    Follow.objects.create(follower=me, followee=colleague)
    prefer(me, favourite=Source.FOLLOWING, reblog=Source.FOLLOWING, follow=Source.FOLLOWING)
    mine = post(me, "제 글")
    for actor in (colleague, stranger):
        deliver_favourite(mine.pk, actor.pk)
        deliver_reblog(post(actor, "", reblog_of=mine).pk, actor.pk)
        Follow.objects.create(follower=actor, followee=me)
        deliver_follow(actor.pk, me.pk)
    assert sorted(kind for kind, actor, _ in inbox(me) if actor == colleague.pk) == [
        "favourite",
        "follow",
        "reblog",
    ]
    assert [n for n in inbox(me) if n[1] == stranger.pk] == []


@pytest.mark.parametrize("field", ["favourite", "reblog", "follow"])
def test_an_unknown_source_is_refused_and_nothing_is_saved(pair, field: str) -> None:  # type: ignore[no-untyped-def]
    _, bob = pair
    with pytest.raises(ValidationError, match=field):
        prefer(bob, mention=False, **{field: "sometimes"})
    assert not Preferences.objects.filter(employee=bob).exists()
