"""Home timelines: fan-out into Redis, rebuild when the feed is missing, read-time merge for
very-followed authors, and every page re-filtered through policy."""

from __future__ import annotations

import pytest

from common.paging import Page
from directory.services import unit_create
from policy import Viewer
from posts.models import Audience
from social.models import Follow
from social.services import block_create, follow_create, list_accounts_add, list_create, mute_create
from tests.factories import employee, post, root_unit
from timelines import feeds, selectors
from timelines.services import big_author_ids, fanout_run, feed_rebuild, merge_run, unmerge_run


def home(who, **page):  # type: ignore[no-untyped-def]
    return [p.pk for p in selectors.home_timeline(Viewer.of(who), Page(**page))]


def publish(p):  # type: ignore[no-untyped-def]
    fanout_run(p.pk)
    return p


@pytest.fixture
def people(acme):  # type: ignore[no-untyped-def]
    alice, bob, carol = employee("alice"), employee("bob"), employee("carol")
    Follow.objects.create(follower=bob, followee=alice)
    return alice, bob, carol


def test_post_reaches_followers_feed_and_own_but_not_strangers(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol = people
    for who in people:
        feed_rebuild(who.pk)
    p = publish(post(alice, "안녕하세요"))
    assert feeds.contains(bob.pk, p.pk) and feeds.contains(alice.pk, p.pk)
    assert not feeds.contains(carol.pk, p.pk)
    assert home(bob) == [p.pk]
    assert home(alice) == [p.pk]
    assert home(carol) == []


def test_missing_feed_is_rebuilt_from_postgres_with_the_same_posts(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = people
    posts = [publish(post(alice, f"p{i}")).pk for i in range(5)]
    before = home(bob)
    assert before == posts[::-1]
    feeds.client().flushdb()  # Redis wiped
    assert home(bob) == before
    assert feeds.size(bob.pk) == 5


def test_idle_feeds_expire_and_reading_keeps_a_feed_alive(people, settings) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = people
    settings.TIMELINES_FEED_TTL = 100
    p = publish(post(alice, "잘 지내요"))
    home(bob)  # builds the feed
    key = feeds.home_key(bob.pk)
    assert 0 < feeds.client().ttl(key) <= 100
    feeds.client().expire(key, 5)
    assert home(bob) == [p.pk]  # a read renews the lease
    assert feeds.client().ttl(key) > 5
    feeds.client().delete(key)  # expired: the next read rebuilds it
    assert home(bob) == [p.pk]


def test_fanout_does_not_create_a_partial_feed_for_someone_without_one(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = people
    older = post(alice, "before the wipe")
    publish(post(alice, "after the wipe"))
    # bob had no feed: the fan-out skipped him, and his first read rebuilds with both posts.
    assert len(home(bob)) == 2 and older.pk in home(bob)


def test_pages_two_to_five_come_from_the_feed(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = people
    ids = [post(alice, f"p{i}").pk for i in range(60)]
    newest_first = ids[::-1]
    got, max_id = [], None
    for _ in range(5):
        page = home(bob, max_id=max_id, limit=12)
        got += page
        max_id = page[-1]
    assert got == newest_first[:60]
    assert home(bob, since_id=newest_first[3]) == newest_first[:3]
    assert home(bob, min_id=newest_first[10], limit=3) == newest_first[7:10]


def test_paging_past_a_capped_feed_continues_from_postgres(people, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIMELINES_FEED_CAP = 10
    alice, bob, _ = people
    ids = [post(alice, f"p{i}").pk for i in range(25)][::-1]
    first = home(bob, limit=8)
    second = home(bob, limit=8, max_id=first[-1])
    third = home(bob, limit=8, max_id=second[-1])
    assert first + second + third == ids[:24]


def test_post_whose_audience_the_viewer_left_disappears_on_next_read(acme) -> None:  # type: ignore[no-untyped-def]
    root = root_unit()
    team, other = unit_create(name="팀A", parent=root), unit_create(name="팀B", parent=root)
    author, reader = employee("author", unit=team), employee("reader", unit=team)
    Follow.objects.create(follower=reader, followee=author)
    feed_rebuild(reader.pk)
    secret = publish(post(author, "팀 전용", audience=Audience.UNIT, unit=team))
    open_post = publish(post(author, "모두에게"))
    assert home(reader) == [open_post.pk, secret.pk]
    reader.unit = other
    reader.save(update_fields=["unit"])
    assert feeds.contains(reader.pk, secret.pk), "the id is still in Redis"
    assert home(reader) == [open_post.pk]


def test_min_rank_and_followers_posts_are_filtered_per_reader(acme) -> None:  # type: ignore[no-untyped-def]
    author, junior, senior = employee("a"), employee("j", rank=1), employee("s", rank=5)
    for r in (junior, senior):
        Follow.objects.create(follower=r, followee=author)
        feed_rebuild(r.pk)
    ranked = publish(post(author, "임원만", min_rank=4))
    assert home(senior) == [ranked.pk]
    assert home(junior) == []


def test_very_followed_author_is_merged_at_read_time(people, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIMELINES_FANOUT_MAX_FOLLOWERS = 1
    alice, bob, carol = people
    Follow.objects.create(follower=carol, followee=alice)  # alice now has 2 followers > 1
    feed_rebuild(bob.pk)
    p = post(alice, "to everyone")
    assert fanout_run(p.pk) == "read-time"
    assert not feeds.contains(bob.pk, p.pk), "not written to followers' feeds"
    assert alice.pk in big_author_ids()
    assert home(bob) == [p.pk]
    assert home(carol) == [p.pk]
    own = post(bob, "mine")
    fanout_run(own.pk)
    assert home(bob) == [own.pk, p.pk]


def test_replies_show_only_when_the_reader_follows_the_replied_to_author(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol = people
    feed_rebuild(bob.pk)
    root = publish(post(carol, "carol's post"))
    to_stranger = publish(post(alice, "reply to carol", in_reply_to=root))
    thread = publish(post(alice, "first"))
    self_reply = publish(post(alice, "second", in_reply_to=thread))
    to_bob = publish(post(alice, "reply to bob", in_reply_to=publish(post(bob, "bob asks"))))
    got = home(bob)
    assert to_stranger.pk not in got
    assert self_reply.pk in got and to_bob.pk in got
    Follow.objects.create(follower=bob, followee=carol)
    assert to_stranger.pk in home(bob)


def test_muted_and_blocked_authors_are_left_out(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol = people
    Follow.objects.create(follower=bob, followee=carol)
    feed_rebuild(bob.pk)
    _a, c = publish(post(alice, "a")), publish(post(carol, "c"))
    mute_create(muter=bob, target=alice)
    assert home(bob) == [c.pk]
    block_create(blocker=carol, target=bob)
    assert home(bob) == []


def test_a_post_and_its_reposts_show_once(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol = people
    Follow.objects.create(follower=bob, followee=carol)
    feed_rebuild(bob.pk)
    original = publish(post(alice, "original"))
    boost = publish(post(carol, "", reblog_of=original))
    assert home(bob) == [boost.pk]
    # Reposts of your own post are not put in front of you again.
    Follow.objects.create(follower=alice, followee=carol)
    assert home(alice) == [original.pk]


def test_exclusive_list_members_stay_out_of_home(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = people
    publish(post(alice, "x"))
    lst = list_create(owner=bob, title="알림", exclusive=True)
    list_accounts_add(lst=lst, owner=bob, account_ids=[alice.pk])
    assert home(bob) == []


def test_follow_merges_and_unfollow_removes_recent_posts(people) -> None:  # type: ignore[no-untyped-def]
    alice, _bob, carol = people
    feed_rebuild(carol.pk)
    p = publish(post(alice, "x"))
    assert home(carol) == []
    follow_create(follower=carol, target=alice)
    merge_run(carol.pk, alice.pk)
    assert feeds.contains(carol.pk, p.pk) and home(carol) == [p.pk]
    Follow.objects.filter(follower=carol).delete()
    unmerge_run(carol.pk, alice.pk)
    assert not feeds.contains(carol.pk, p.pk) and home(carol) == []


def test_home_timeline_query_count_is_constant(people, assert_max_queries, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIMELINES_FANOUT_MAX_FOLLOWERS = 3
    alice, bob, carol = people
    star = employee("star")
    for who in (alice, carol, employee("x1"), employee("x2")):
        Follow.objects.create(follower=who, followee=star)
    Follow.objects.create(follower=bob, followee=star)
    for i in range(50):
        post(alice if i % 2 else star, f"p{i}")
    big_author_ids()
    feed_rebuild(bob.pk)
    for limit in (5, 20, 40):
        viewer = Viewer.of(type(bob).objects.get(pk=bob.pk))
        with assert_max_queries(3):
            got = selectors.home_timeline(viewer, Page(limit=limit))
        assert len(got) == limit


def _redis_round_trips(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Every command or pipeline sent to Redis, on the feeds' client or the cache's (where the tenant's
    rules live), takes a connection from its client's pool."""
    from django.core.cache import cache

    trips: list[str] = []
    pools = {"feeds": feeds.client().connection_pool, "cache": cache.client.get_client().connection_pool}  # type: ignore[attr-defined]
    for name, pool in pools.items():

        def counting(*args, _real=pool.get_connection, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            trips.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(pool, "get_connection", counting)
    return trips


@pytest.mark.parametrize("posts", [3, 60], ids=["short feed", "long feed"])
def test_a_home_page_asks_redis_once(people, monkeypatch, posts) -> None:  # type: ignore[no-untyped-def]
    """The feed's page, its size, the very-followed authors and the tenant's rules come in one round
    trip."""
    alice, bob, _ = people
    for i in range(posts):
        post(alice, f"p{i}")
    big_author_ids()
    feed_rebuild(bob.pk)
    trips = _redis_round_trips(monkeypatch)
    first = home(bob, limit=20)
    assert len(first) == min(posts, 20)
    assert len(trips) == 1, trips
    trips.clear()
    assert home(bob, limit=20, max_id=first[-1]) == home(bob, limit=40)[20:40]


def test_rules_read_with_the_feed_apply_on_the_next_home_read(people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The rules that come with the feed's round trip are the cache's current entry: a barrier set
    between two reads applies to the second, and one lifted applies as soon."""
    from billing import entitlements
    from directory.services import PolicyInput, tenant_policy_update

    monkeypatch.setattr(entitlements, "tenant_has", lambda feature, tenant=None: True)
    alice, bob, _ = people
    sales, lab = unit_create(name="영업", parent=root_unit()), unit_create(name="연구소", parent=root_unit())
    for who, unit in ((alice, sales), (bob, lab)):
        who.unit = unit
        who.save(update_fields=["unit"])
    big_author_ids()
    feed_rebuild(bob.pk)
    p = publish(post(alice, "영업팀 소식"))
    trips = _redis_round_trips(monkeypatch)
    assert home(bob) == [p.pk]
    assert trips == ["feeds"]

    tenant_policy_update(data=PolicyInput(barriers=(((sales.pk,), (lab.pk,)),)))
    assert home(bob) == []
    # The entry was dropped by the update: the first read loads and caches it, the next reads it.
    trips.clear()
    assert home(bob) == []
    assert trips == ["feeds"]

    tenant_policy_update(data=PolicyInput())
    assert home(bob) == [p.pk]


def test_a_post_deleted_while_its_fan_out_is_under_way_takes_its_progress_row_with_it(people) -> None:  # type: ignore[no-untyped-def]
    """The database cascades, not only Django's collector: a worker may write the progress row after
    the collector looked (seen in CI as an IntegrityError on a post's DELETE)."""
    from django.db import connection

    from timelines.models import FanoutProgress

    alice, _, _ = people
    p = post(alice, "곧 지울 글")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # What the worker writes, and the DELETE the collector sends once it has collected (nothing).
        cursor.execute(
            "INSERT INTO timelines_fanoutprogress (post_id, cursor, attempts, updated_at)"
            " VALUES (%s, 0, 1, now())",
            [p.pk],
        )
        cursor.execute("DELETE FROM posts_post WHERE id = %s", [p.pk])
    assert not FanoutProgress.objects.filter(post_id=p.pk).exists()


def test_a_fanout_runs_three_statements_and_leaves_no_cursor_behind(people, settings) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from posts.models import FanoutState, Post
    from timelines.models import FanoutProgress

    alice, bob, carol = people
    for who in people:
        feed_rebuild(who.pk)
    p = post(alice, "한 번에")
    with CaptureQueriesContext(connection) as queries:
        assert fanout_run(p.pk) == "done"
    # The post, its cursor and the author's followers; the followers' ids; the state.
    assert len(queries.captured_queries) == 3, [q["sql"][:80] for q in queries.captured_queries]
    assert feeds.contains(bob.pk, p.pk) and not feeds.contains(carol.pk, p.pk)
    assert fanout_run(p.pk) == "done"  # a second run does nothing

    # In chunks, a cursor is saved between them and removed at the end.
    settings.TIMELINES_FANOUT_CHUNK = 2
    more = [employee(f"follower{i}") for i in range(4)]
    for follower in more:
        Follow.objects.create(follower=follower, followee=alice)
        feed_rebuild(follower.pk)
    chunked = post(alice, "여러 번에")
    assert fanout_run(chunked.pk) == "done"
    assert all(feeds.contains(who.pk, chunked.pk) for who in [bob, *more])
    assert Post.objects.get(pk=chunked.pk).fanout_state == FanoutState.DONE
    assert not FanoutProgress.objects.filter(post_id=chunked.pk).exists()


def test_deactivated_followers_do_not_make_an_author_very_followed(people, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIMELINES_FANOUT_MAX_FOLLOWERS = 1
    alice, bob, carol = people
    Follow.objects.create(follower=carol, followee=alice)
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    feed_rebuild(bob.pk)
    p = post(alice, "one active follower")
    assert fanout_run(p.pk) == "done"
    assert feeds.contains(bob.pk, p.pk)
