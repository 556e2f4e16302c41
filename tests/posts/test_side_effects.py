"""Writes tell timelines and notifications only after they commit, and refused writes tell nobody."""

from __future__ import annotations

from functools import partial

import pytest

from posts.errors import PostInvalid
from posts.services import PollSpec, favourite_add, post_create, post_edit, post_reblog
from tests.posts.conftest import Org


def _receivers(callbacks: list) -> list[str]:  # type: ignore[type-arg]
    """``module.function`` each deferred call will reach (posts.services schedules them as partials)."""
    return [f"{cb.args[0]}.{cb.args[1]}" for cb in callbacks if isinstance(cb, partial)]


def test_a_new_post_is_announced_after_commit(org: Org, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks() as callbacks:
        post_create(author=org.kim, text="hello")
    # Nobody mentioned or replied to: nothing to notify, so no notification task either.
    assert _receivers(callbacks) == [
        "timelines.services.post_published",
        "search.services.post_index",
        "streaming.publish.post_created",
    ]


@pytest.mark.parametrize("kind", ["mention", "reply"])
def test_a_mention_or_a_reply_is_also_announced_to_notifications(  # type: ignore[no-untyped-def]
    org: Org, django_capture_on_commit_callbacks, kind: str
) -> None:
    parent = post_create(author=org.lee, text="first")
    with django_capture_on_commit_callbacks() as callbacks:
        if kind == "mention":
            post_create(author=org.kim, text=f"hi @{org.lee.username}")
        else:
            post_create(author=org.kim, text="an answer", in_reply_to_id=parent.pk)
    assert _receivers(callbacks) == [
        "timelines.services.post_published",
        "notifications.services.notify_post_created",
        "search.services.post_index",
        "streaming.publish.post_created",
    ]


def test_a_refused_post_announces_nothing(org: Org, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PostInvalid):
        post_create(author=org.kim, text="가" * 501)
    assert callbacks == []


def test_likes_reposts_and_edits_are_announced(org: Org, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    post = post_create(author=org.kim, text="hello")
    with django_capture_on_commit_callbacks() as callbacks:
        favourite_add(post=post, employee=org.lee)
        favourite_add(post=post, employee=org.lee)  # already liked: no second notification
        post_reblog(post=post, actor=org.lee)
        post_edit(post=post, editor=org.kim, text="hello again")
    assert _receivers(callbacks) == [
        "notifications.services.notify_favourite",
        "timelines.services.post_published",
        "notifications.services.notify_reblog",
        "streaming.publish.post_created",
        "notifications.services.notify_post_edited",
        "streaming.publish.post_updated",
        "search.services.post_index",
    ]


def test_a_short_poll_gets_its_own_expiry_task(org: Org, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks() as callbacks:
        post_create(author=org.kim, text="quick vote", poll=PollSpec(options=["a", "b"], expires_in=300))
    assert len(callbacks) == 4
    with django_capture_on_commit_callbacks() as callbacks:
        post_create(author=org.kim, text="long vote", poll=PollSpec(options=["a", "b"], expires_in=86400))
    assert len(callbacks) == 3  # left to the periodic sweep


def test_a_new_posts_stream_event_from_the_writers_instance_equals_one_read_back(  # type: ignore[no-untyped-def]
    org: Org, django_capture_on_commit_callbacks
) -> None:
    """post_create hands streaming its own instance instead of an id to read back: the event (routing
    facts and rendered Status) must be the one the read-back gives."""
    import time

    import orjson
    from django.db import connection

    from streaming import publish

    pubsub = publish._client().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(publish.channel(connection.schema_name))

    def next_event() -> dict:  # type: ignore[type-arg]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.5)
            if message is not None:
                return orjson.loads(message["data"])  # type: ignore[no-any-return]
        raise AssertionError("no stream event")

    try:
        parent = post_create(author=org.lee, text="점심 어디서?")  # its callbacks never run: no event
        with django_capture_on_commit_callbacks(execute=True):
            post = post_create(
                author=org.kim,
                text=f"@{org.lee.username} 여기 #점심 #회의록",
                in_reply_to_id=parent.pk,
                spoiler_text="food",
                poll=PollSpec(options=["국밥", "냉면"], expires_in=3600),
            )
        from_instance = next_event()
        publish.post_created(post.pk)  # the same event, read back by id
        read_back = next_event()
    finally:
        pubsub.close()
    assert from_instance["payload"]  # a rendered Status
    assert orjson.loads(from_instance["payload"])["in_reply_to_id"] == str(parent.pk)
    assert from_instance == read_back
