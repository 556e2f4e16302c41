"""Followed hashtags in home timelines: a post carrying a followed tag reaches the follower's feed from
whoever wrote it (fan-out, and a rebuild from PostgreSQL), and every read still filters it through
policy and home's rules."""

from __future__ import annotations

import pytest

from common.paging import Page
from directory.services import unit_create
from policy import Viewer
from posts.models import Audience, Hashtag, Post, PostHashtag
from social.models import Follow, TagFollow
from social.services import mute_create, tag_follow, tag_unfollow
from tests.factories import employee, post, root_unit
from timelines import feeds, selectors
from timelines.services import fanout_run, feed_rebuild


def home(who) -> list[int]:  # type: ignore[no-untyped-def]
    return [p.pk for p in selectors.home_timeline(Viewer.of(who), Page())]


def tagged(p: Post, *names: str) -> Post:
    for name in names:
        hashtag, _ = Hashtag.objects.get_or_create(name=name, defaults={"display_name": name})
        PostHashtag.objects.create(post=p, hashtag=hashtag)
    return p


def publish(p: Post) -> Post:
    fanout_run(p.pk)
    return p


@pytest.fixture
def people(acme):  # type: ignore[no-untyped-def]
    """``writer`` is followed by nobody; ``reader`` follows #점심 only."""
    writer, reader = employee("writer"), employee("reader")
    tag_follow(employee=reader, name="#점심")
    feed_rebuild(reader.pk)
    return writer, reader


def test_a_post_with_a_followed_tag_reaches_the_follower_who_does_not_follow_its_author(people) -> None:  # type: ignore[no-untyped-def]
    writer, reader = people
    lunch = publish(tagged(post(writer, "오늘 #점심 은 냉면"), "점심"))
    other = publish(tagged(post(writer, "#회의록 올렸습니다"), "회의록"))
    plain = publish(post(writer, "태그 없음"))
    assert feeds.contains(reader.pk, lunch.pk)
    assert not feeds.contains(reader.pk, other.pk) and not feeds.contains(reader.pk, plain.pk)
    assert home(reader) == [lunch.pk]


def test_the_tag_is_matched_by_its_normalised_name(people) -> None:  # type: ignore[no-untyped-def]
    writer, _ = people
    fan = employee("fan")
    tag_follow(employee=fan, name="Release")  # as typed; posts write #release, #RELEASE …
    feed_rebuild(fan.pk)
    p = publish(tagged(post(writer, "#RELEASE 2.0"), "release"))
    assert home(fan) == [p.pk]


def test_a_rebuilt_feed_holds_the_followed_tags_posts_too(people) -> None:  # type: ignore[no-untyped-def]
    writer, reader = people
    friend = employee("friend")
    Follow.objects.create(follower=reader, followee=friend)
    posts = [
        publish(tagged(post(writer, "#점심 1"), "점심")),
        publish(post(friend, "친구 글")),
        publish(tagged(post(writer, "#점심 2"), "점심")),
        publish(post(writer, "태그 없음")),
    ]
    before = home(reader)
    assert before == [posts[2].pk, posts[1].pk, posts[0].pk]
    feeds.client().flushdb()  # Redis wiped
    assert home(reader) == before
    assert feeds.size(reader.pk) == 3


def test_posts_the_follower_may_not_see_never_show_though_they_carry_the_tag(people) -> None:  # type: ignore[no-untyped-def]
    writer, reader = people
    team = unit_create(name="보안팀", parent=root_unit())
    writer.unit = team
    writer.save(update_fields=["unit"])
    hidden = [
        tagged(post(writer, "팀 전용 #점심", audience=Audience.UNIT, unit=team), "점심"),
        tagged(post(writer, "팔로워만 #점심", audience=Audience.FOLLOWERS), "점심"),
        tagged(post(writer, "임원만 #점심", min_rank=4), "점심"),
        tagged(post(writer, "@someone #점심", audience=Audience.DIRECT), "점심"),
    ]
    for p in hidden:
        publish(p)
    # Not even put in the feed where the hashtag timeline would not show them: unlisted, reposts.
    unlisted = publish(tagged(post(writer, "조용히 #점심", unlisted=True), "점심"))
    assert not feeds.contains(reader.pk, unlisted.pk)
    assert not feeds.contains(reader.pk, hidden[3].pk)  # direct
    assert home(reader) == []

    # A teammate who follows the tag sees the unit post; the rank floor still applies to them.
    teammate = employee("teammate", unit=team)
    tag_follow(employee=teammate, name="점심")
    assert home(teammate) == [hidden[0].pk]  # rebuilt from PostgreSQL


def test_muted_authors_replies_to_strangers_and_reposts_stay_out(people) -> None:  # type: ignore[no-untyped-def]
    writer, reader = people
    stranger = employee("stranger")
    original = post(stranger, "원글")
    reply = publish(tagged(post(writer, "답글 #점심", in_reply_to=original), "점심"))
    repost = publish(post(writer, "", reblog_of=publish(tagged(post(stranger, "#점심 원글"), "점심"))))
    shown = home(reader)
    assert reply.pk not in shown and repost.pk not in shown and len(shown) == 1  # the original only
    mute_create(muter=reader, target=stranger)
    assert home(reader) == []


def test_the_author_of_a_post_is_not_delivered_it_twice_and_inactive_followers_not_at_all(people) -> None:  # type: ignore[no-untyped-def]
    from timelines.services import _dangerously_fanout_start

    writer, reader = people
    tag_follow(employee=writer, name="점심")
    gone = employee("gone")
    tag_follow(employee=gone, name="점심")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    p = tagged(post(writer, "#점심"), "점심")
    start = _dangerously_fanout_start(p.pk)
    assert start is not None and start[4] == [reader.pk]


def test_unfollowing_a_tag_stops_new_posts_and_leaves_earlier_ones(people) -> None:  # type: ignore[no-untyped-def]
    writer, reader = people
    earlier = publish(tagged(post(writer, "#점심 1"), "점심"))
    tag_unfollow(employee=reader, name="점심")
    later = publish(tagged(post(writer, "#점심 2"), "점심"))
    assert not TagFollow.objects.filter(employee=reader).exists()
    assert home(reader) == [earlier.pk]
    assert not feeds.contains(reader.pk, later.pk)


def test_a_very_followed_authors_post_still_reaches_its_tags_followers(people, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIMELINES_FANOUT_MAX_FOLLOWERS = 1
    writer, reader = people
    for i in range(2):
        Follow.objects.create(follower=employee(f"f{i}"), followee=writer)
    p = tagged(post(writer, "#점심"), "점심")
    assert fanout_run(p.pk) == "read-time"
    assert feeds.contains(reader.pk, p.pk) and home(reader) == [p.pk]
