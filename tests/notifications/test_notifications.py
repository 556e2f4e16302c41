"""Notifications: who gets one for what, none for posts the recipient may not see, none from people
they silenced, and a re-check at read time."""

from __future__ import annotations

import pytest

from common.paging import Page
from directory.services import unit_create
from notifications import selectors
from notifications.models import Notification
from notifications.services import (
    deliver_favourite,
    deliver_follow,
    deliver_post_created,
    deliver_post_edited,
    deliver_reblog,
    notification_dismiss,
    notifications_clear,
)
from policy import Viewer
from posts.models import Audience
from social.models import Follow
from social.services import block_create, mute_create
from tests.factories import employee, post, root_unit


def inbox(who, **kw):  # type: ignore[no-untyped-def]
    return [
        (n.kind, n.actor_id, n.post_id) for n in selectors.notification_list(Viewer.of(who), Page(), **kw)
    ]


@pytest.fixture
def pair(acme):  # type: ignore[no-untyped-def]
    return employee("alice"), employee("bob")


def test_mention_reply_like_repost_and_follow_each_notify(pair) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    mention = post(alice, "@bob 보셨나요?", mentions=[bob])
    deliver_post_created(mention.pk)
    original = post(bob, "제 글")
    reply = post(alice, "답글", in_reply_to=original)
    deliver_post_created(reply.pk)
    deliver_favourite(original.pk, alice.pk)
    boost = post(alice, "", reblog_of=original)
    deliver_reblog(boost.pk, alice.pk)
    Follow.objects.create(follower=alice, followee=bob)
    deliver_follow(alice.pk, bob.pk)
    assert inbox(bob) == [
        ("follow", alice.pk, None),
        ("reblog", alice.pk, original.pk),
        ("favourite", alice.pk, original.pk),
        ("mention", alice.pk, reply.pk),
        ("mention", alice.pk, mention.pk),
    ]
    assert inbox(alice) == []


def test_running_a_delivery_twice_adds_nothing(pair) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    p = post(alice, "@bob", mentions=[bob])
    assert deliver_post_created(p.pk) == 1
    assert deliver_post_created(p.pk) == 0
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_no_notification_for_your_own_actions(pair) -> None:  # type: ignore[no-untyped-def]
    alice, _ = pair
    p = post(alice, "mine")
    deliver_favourite(p.pk, alice.pk)
    deliver_post_created(post(alice, "self reply", in_reply_to=p).pk)
    assert inbox(alice) == []


def test_likes_and_replies_on_a_post_the_recipient_cannot_see_notify_nobody(acme) -> None:  # type: ignore[no-untyped-def]
    team = unit_create(name="비밀팀", parent=root_unit())
    outsider, insider = employee("outsider"), employee("insider", unit=team)
    # The insider replies, in the unit, to the outsider's company post: the outsider may not see the reply.
    original = post(outsider, "회사 공지")
    hidden = post(insider, "팀끼리", audience=Audience.UNIT, unit=team, in_reply_to=original)
    deliver_post_created(hidden.pk)
    # Same for a followers-only reply by someone the outsider does not follow.
    follower_only = post(insider, "팔로워만", audience=Audience.FOLLOWERS, in_reply_to=original)
    deliver_post_created(follower_only.pk)
    assert inbox(outsider) == []


def test_mentioned_people_are_notified_even_on_restricted_posts(acme) -> None:  # type: ignore[no-untyped-def]
    author, target = employee("author"), employee("target")
    direct = post(author, "@target 개인 메시지", audience=Audience.DIRECT, mentions=[target])
    deliver_post_created(direct.pk)
    assert inbox(target) == [("mention", author.pk, direct.pk)]


def test_muted_and_blocked_accounts_do_not_notify(acme) -> None:  # type: ignore[no-untyped-def]
    me, muted, quiet_mute, blocked = employee("me"), employee("m"), employee("q"), employee("b")
    mute_create(muter=me, target=muted)
    mute_create(muter=me, target=quiet_mute, notifications=False)
    block_create(blocker=me, target=blocked)
    for actor in (muted, quiet_mute, blocked):
        deliver_post_created(post(actor, "@me", mentions=[me]).pk)
    assert [a for _, a, _ in inbox(me)] == [quiet_mute.pk]


def test_a_post_that_becomes_invisible_takes_its_notification_with_it(acme) -> None:  # type: ignore[no-untyped-def]
    team, elsewhere = unit_create(name="팀1", parent=root_unit()), unit_create(name="팀2", parent=root_unit())
    author, reader = employee("author", unit=team), employee("reader", unit=team)
    original = post(reader, "질문")
    answer = post(author, "팀 답변", audience=Audience.UNIT, unit=team, in_reply_to=original)
    deliver_post_created(answer.pk)
    assert inbox(reader) == [("mention", author.pk, answer.pk)]
    reader.unit = elsewhere
    reader.save(update_fields=["unit"])
    assert inbox(reader) == []
    with pytest.raises(Exception, match="not found"):
        selectors.notification_get(Viewer.of(reader), Notification.objects.get(recipient=reader).pk)


def test_update_notifies_people_who_reposted(pair) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    original = post(alice, "v1")
    post(bob, "", reblog_of=original)
    deliver_post_edited(original.pk)
    deliver_post_edited(original.pk)
    assert inbox(bob) == [("update", alice.pk, original.pk)]


def test_filters_dismiss_and_clear(pair) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    deliver_post_created(post(alice, "@bob", mentions=[bob]).pk)
    Follow.objects.create(follower=alice, followee=bob)
    deliver_follow(alice.pk, bob.pk)
    assert [k for k, _, _ in inbox(bob, types=["follow"])] == ["follow"]
    assert [k for k, _, _ in inbox(bob, exclude_types=["follow"])] == ["mention"]
    assert len(inbox(bob, account_id=alice.pk)) == 2
    first = Notification.objects.filter(recipient=bob, kind="follow").get()
    with pytest.raises(Exception, match="not found"):
        notification_dismiss(viewer_employee=alice, notification_id=first.pk)
    notification_dismiss(viewer_employee=bob, notification_id=first.pk)
    assert [k for k, _, _ in inbox(bob)] == ["mention"]
    notifications_clear(employee=bob)
    assert inbox(bob) == []


def test_listing_is_one_query_whatever_the_page_size(pair, assert_max_queries) -> None:  # type: ignore[no-untyped-def]
    alice, bob = pair
    for i in range(30):
        deliver_post_created(post(alice, f"@bob {i}", mentions=[bob]).pk)
    for limit in (5, 30):
        viewer = Viewer.of(type(bob).objects.select_related("unit").get(pk=bob.pk))
        with assert_max_queries(1):
            got = selectors.notification_list(viewer, Page(limit=limit))
            assert all(n.post.author.pk == alice.pk for n in got)
        assert len(got) == limit
