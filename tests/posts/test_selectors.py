"""Reads about posts: thread context, who liked/reposted, bookmarks and likes, per-viewer counts.

The leak cases of VISIBILITY.md: unit, followers, direct and min_rank replies are absent for anyone
outside their audience, and no count changes because of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.http import Http404

from common.paging import Page
from policy import Viewer
from posts.models import Post
from posts.selectors import (
    bookmarks_timeline,
    favourited_by,
    favourites_timeline,
    reblogged_by,
    status_context,
    status_stats,
)
from posts.services import bookmark_add, favourite_add, post_create, post_reblog
from tests.posts.conftest import Org, Queries


@dataclass
class Thread:
    root: Post
    public: Post  # park, company
    unit: Post  # choi, to 기술연구소 only
    followers: Post  # lee, followers only (nobody follows lee)
    direct: Post  # lee → @park
    senior: Post  # boss, min_rank 5
    under_unit: Post  # choi's company reply to the unit reply
    deep: Post  # kim's reply to park's public reply


@pytest.fixture
def thread(org: Org) -> Thread:
    root = post_create(author=org.kim, text="오늘 회의 어땠나요? #회의록")
    public = post_create(author=org.park, text="좋았어요", in_reply_to_id=root.pk)
    unit = post_create(author=org.choi, text="연구소끼리만", audience="unit", in_reply_to_id=root.pk)
    followers = post_create(author=org.lee, text="팔로워만", audience="followers", in_reply_to_id=root.pk)
    direct = post_create(
        author=org.lee, text="@park 따로 얘기해요", audience="direct", in_reply_to_id=root.pk
    )
    senior = post_create(author=org.boss, text="임원만", min_rank=5, in_reply_to_id=root.pk)
    under_unit = post_create(author=org.choi, text="공개 답글", in_reply_to_id=unit.pk)
    deep = post_create(author=org.kim, text="감사합니다", in_reply_to_id=public.pk)
    return Thread(root, public, unit, followers, direct, senior, under_unit, deep)


def _texts(posts: list[Post]) -> list[str]:
    return [p.text for p in posts]


def test_context_shows_only_what_each_viewer_may_see(org: Org, thread: Thread) -> None:
    # kim (author of the root, 영업1팀 사원): none of the restricted replies.
    _, kim_sees = status_context(Viewer.of(org.kim), thread.root)
    assert _texts(kim_sees) == ["좋았어요", "감사합니다", "공개 답글"]
    # park: mentioned in the direct reply.
    _, park_sees = status_context(Viewer.of(org.park), thread.root)
    assert _texts(park_sees) == ["좋았어요", "감사합니다", "공개 답글", "@park 따로 얘기해요"]
    # choi (기술연구소 부장, rank 5): the unit reply and the senior one.
    _, choi_sees = status_context(Viewer.of(org.choi), thread.root)
    assert _texts(choi_sees) == ["좋았어요", "감사합니다", "연구소끼리만", "공개 답글", "임원만"]


def test_ancestors_skip_what_the_viewer_may_not_see(org: Org, thread: Thread) -> None:
    ancestors, descendants = status_context(Viewer.of(org.kim), thread.under_unit)
    assert _texts(ancestors) == ["오늘 회의 어땠나요? #회의록"]
    assert descendants == []
    ancestors, _ = status_context(Viewer.of(org.choi), thread.under_unit)
    assert _texts(ancestors) == ["오늘 회의 어땠나요? #회의록", "연구소끼리만"]
    ancestors, _ = status_context(Viewer.of(org.lee), thread.deep)
    assert _texts(ancestors) == ["오늘 회의 어땠나요? #회의록", "좋았어요"]


def test_context_takes_two_queries_whatever_the_depth(org: Org, queries: Queries) -> None:
    post = post_create(author=org.kim, text="0")
    first = post
    for i in range(1, 30):
        post = post_create(author=org.lee if i % 2 else org.kim, text=str(i), in_reply_to_id=post.pk)
    viewer = Viewer.of(org.park)
    viewer.unit_ancestor_ids  # noqa: B018  (loaded once per request in real use)
    with queries.at_most(2):
        ancestors, _ = status_context(viewer, post)
    assert len(ancestors) == 29
    with queries.at_most(2):
        _, descendants = status_context(viewer, first)
    assert _texts(descendants) == [str(i) for i in range(1, 30)]


def test_reply_counts_do_not_reveal_hidden_replies(org: Org, thread: Thread) -> None:
    def replies(employee):  # type: ignore[no-untyped-def]
        return status_stats(Viewer.of(employee), [thread.root.pk])[thread.root.pk].replies_count

    assert replies(org.kim) == 1
    assert replies(org.park) == 2
    assert replies(org.choi) == 3
    assert replies(org.lee) == 3  # own followers and direct replies


def test_stats_counts_and_flags_in_one_query(org: Org, queries: Queries) -> None:
    posts = [post_create(author=org.kim, text=f"글 {i}") for i in range(20)]
    for p in posts[:3]:
        favourite_add(post=p, employee=org.lee)
        favourite_add(post=p, employee=org.park)
        post_reblog(post=p, actor=org.lee)
    bookmark_add(post=posts[0], employee=org.lee)
    viewer = Viewer.of(org.lee)
    viewer.unit_ancestor_ids  # noqa: B018
    with queries.at_most(1):
        stats = status_stats(viewer, [p.pk for p in posts])
    assert len(stats) == 20
    top = stats[posts[0].pk]
    assert (top.favourites_count, top.reblogs_count, top.favourited, top.reblogged, top.bookmarked) == (
        2,
        1,
        True,
        True,
        True,
    )
    assert stats[posts[5].pk].favourites_count == 0 and not stats[posts[5].pk].bookmarked


def test_favourited_and_reblogged_by_are_404_for_invisible_posts(org: Org) -> None:
    hidden = post_create(author=org.choi, text="연구소", audience="unit")
    favourite_add(post=hidden, employee=org.choi)
    for read in (favourited_by, reblogged_by):
        with pytest.raises(Http404):
            read(Viewer.of(org.kim), hidden.pk, Page())
    assert [e.username for e in favourited_by(Viewer.of(org.choi), hidden.pk, Page())] == ["choi"]


def test_favourited_and_reblogged_by_newest_first_and_paged(org: Org) -> None:
    post = post_create(author=org.kim, text="공지")
    for person in (org.lee, org.park, org.choi):
        favourite_add(post=post, employee=person)
        post_reblog(post=post, actor=person)
    viewer = Viewer.of(org.kim)
    likers = favourited_by(viewer, post.pk, Page(limit=2))
    assert [e.username for e in likers] == ["choi", "park"]
    more = favourited_by(viewer, post.pk, Page(max_id=likers[-1].paging_id, limit=2))  # type: ignore[attr-defined]
    assert [e.username for e in more] == ["lee.yh"]
    assert [e.username for e in reblogged_by(viewer, post.pk, Page())] == ["choi", "park", "lee.yh"]


def test_bookmarks_and_favourites_timelines_drop_posts_no_longer_visible(org: Org) -> None:
    posts = [post_create(author=org.lee, text=f"북마크 {i}", audience="unit") for i in range(3)]
    for p in posts:
        bookmark_add(post=p, employee=org.kim)
        favourite_add(post=p, employee=org.kim)
    viewer = Viewer.of(org.kim)
    page, next_max, prev_min = bookmarks_timeline(viewer, Page(limit=2))
    assert _texts(page) == ["북마크 2", "북마크 1"]
    rest, _, _ = bookmarks_timeline(viewer, Page(max_id=next_max, limit=2))
    assert _texts(rest) == ["북마크 0"]
    newer, _, _ = bookmarks_timeline(viewer, Page(min_id=prev_min))
    assert newer == []

    # kim moves to another division: the team posts are no longer theirs to see.
    org.kim.unit = org.lab
    org.kim.save()
    moved = Viewer.of(org.kim)
    assert bookmarks_timeline(moved, Page()) == ([], None, None)
    assert favourites_timeline(moved, Page())[0] == []


def test_saved_timelines_use_a_constant_number_of_queries(org: Org, queries: Queries) -> None:
    for i in range(30):
        p = post_create(author=org.lee, text=f"글 {i}")
        favourite_add(post=p, employee=org.kim)
    viewer = Viewer.of(org.kim)
    viewer.unit_ancestor_ids  # noqa: B018
    with queries.at_most(1):
        posts, _, _ = favourites_timeline(viewer, Page(limit=40))
        assert {p.author.unit.name for p in posts if p.author.unit} == {"영업1팀"}
    assert len(posts) == 30
