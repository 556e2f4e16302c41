"""Reposts, likes and bookmarks: who may, idempotency, and 404 for what the actor may not see."""

from __future__ import annotations

import pytest
from django.http import Http404

from policy import ActionRefused
from posts.models import Bookmark, Favourite, Post
from posts.services import (
    bookmark_add,
    bookmark_remove,
    favourite_add,
    favourite_remove,
    post_create,
    post_reblog,
    post_unreblog,
)
from tests.posts.conftest import Org


def test_reblog_is_a_post_row_and_idempotent(org: Org) -> None:
    original = post_create(author=org.kim, text="공지")
    reblog = post_reblog(post=original, actor=org.lee)
    assert (reblog.reblog_of, reblog.author, reblog.text) == (original, org.lee, "")
    assert post_reblog(post=original, actor=org.lee).pk == reblog.pk
    # Reposting a repost reposts the original, still once per person.
    assert post_reblog(post=reblog, actor=org.lee).pk == reblog.pk
    second = post_reblog(post=reblog, actor=org.park)
    assert second.reblog_of == original
    assert Post.objects.filter(reblog_of=original).count() == 2


def test_only_company_posts_can_be_reposted(org: Org) -> None:
    unit_post = post_create(author=org.kim, text="팀 전용", audience="unit")
    followers_post = post_create(author=org.kim, text="팔로워", audience="followers")
    org.follow(org.lee, org.kim)
    for post in (unit_post, followers_post):
        with pytest.raises(ActionRefused) as refused:
            post_reblog(post=post, actor=org.lee)
        assert refused.value.rule == "reblog_audience"
    assert not Post.objects.filter(reblog_of__isnull=False).exists()


def test_reposting_a_post_one_cannot_see_is_404(org: Org) -> None:
    hidden = post_create(author=org.choi, text="부장 이상", min_rank=5)
    with pytest.raises(Http404):
        post_reblog(post=hidden, actor=org.kim)


def test_unreblog_removes_the_repost_and_returns_the_original(org: Org) -> None:
    original = post_create(author=org.kim, text="공지")
    reblog = post_reblog(post=original, actor=org.lee)
    assert post_unreblog(post=reblog, actor=org.lee) == original
    assert not Post.objects.filter(pk=reblog.pk).exists()
    assert post_unreblog(post=original, actor=org.lee) == original  # idempotent


def test_likes_and_bookmarks_are_unique_and_idempotent(org: Org) -> None:
    post = post_create(author=org.kim, text="좋아요")
    reblog = post_reblog(post=post, actor=org.park)
    for _ in range(2):
        favourite_add(post=post, employee=org.lee)
        bookmark_add(post=post, employee=org.lee)
    # Liking a repost likes the original.
    favourite_add(post=reblog, employee=org.lee)
    assert Favourite.objects.filter(post=post, employee=org.lee).count() == 1
    assert Bookmark.objects.filter(post=post, employee=org.lee).count() == 1
    for _ in range(2):
        favourite_remove(post=post, employee=org.lee)
        bookmark_remove(post=post, employee=org.lee)
    assert not Favourite.objects.exists() and not Bookmark.objects.exists()


def test_liking_or_bookmarking_an_invisible_post_is_404(org: Org) -> None:
    hidden = post_create(author=org.lee, text="팔로워 전용", audience="followers")
    with pytest.raises(Http404):
        favourite_add(post=hidden, employee=org.choi)
    with pytest.raises(Http404):
        bookmark_add(post=hidden, employee=org.choi)
    assert not Favourite.objects.exists() and not Bookmark.objects.exists()
