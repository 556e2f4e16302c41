"""THE visibility rules for posts (VISIBILITY.md), as a queryset filter and a predicate side by side.

``visible_posts`` and ``can_view_post`` must always agree; tests/policy/test_matrix.py proves it for
every combination of audience, rank, unit, follow and mention. Every read of posts starts here.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from policy.viewer import Viewer
from posts.models import Audience, Mention, Post
from social.models import Follow


def dangerously_all_posts() -> QuerySet[Post]:
    """Every post, unfiltered. Only for writes, exports by compliance, and this module."""
    return Post.objects.all()


def _own_rule_q(viewer: Viewer) -> Q:
    """Who may see a post that is not a repost."""
    mentioned = Exists(Mention.objects.filter(post_id=OuterRef("pk"), employee_id=viewer.id))
    follows_author = Exists(Follow.objects.filter(follower_id=viewer.id, followee_id=OuterRef("author_id")))
    by_audience = (
        Q(audience=Audience.COMPANY)
        | Q(audience=Audience.UNIT, unit_id__in=list(viewer.unit_ancestor_ids))
        | (Q(audience=Audience.FOLLOWERS) & Q(follows_author))
    )
    rank_ok = Q(min_rank__isnull=True) | Q(min_rank__lte=viewer.rank_level)
    return Q(author_id=viewer.id) | (by_audience & rank_ok) | Q(mentioned)


def visible_posts(viewer: Viewer) -> QuerySet[Post]:
    """The posts ``viewer`` may see, as a queryset to build every read path on."""
    posts = dangerously_all_posts()
    if not viewer.is_active:
        return posts.none()
    if viewer.is_compliance:
        return posts
    original_visible = Exists(Post.objects.filter(pk=OuterRef("reblog_of_id")).filter(_own_rule_q(viewer)))
    return posts.filter(
        (Q(reblog_of__isnull=True) & _own_rule_q(viewer)) | (Q(reblog_of__isnull=False) & Q(original_visible))
    )


def _can_view_own(viewer: Viewer, post: Post) -> bool:
    assert viewer.employee is not None
    if post.author_id == viewer.id:
        return True
    if Mention.objects.filter(post_id=post.pk, employee_id=viewer.id).exists():
        return True
    if post.min_rank is not None and viewer.rank_level < post.min_rank:
        return False
    if post.audience == Audience.COMPANY:
        return True
    if post.audience == Audience.UNIT:
        return post.unit_id in viewer.unit_ancestor_ids
    if post.audience == Audience.FOLLOWERS:
        return post.author_id in viewer.followees
    return False


def can_view_post(viewer: Viewer, post: Post) -> bool:
    """The predicate form of ``visible_posts`` for one post already in hand."""
    if not viewer.is_active:
        return False
    if viewer.is_compliance:
        return True
    if post.reblog_of_id is not None:
        original = post.reblog_of
        return original is not None and _can_view_own(viewer, original)
    return _can_view_own(viewer, post)


def access_post(viewer: Viewer, post_id: int | str) -> Post:
    """The post if ``viewer`` may see it; otherwise 404, the same answer as for a missing post."""
    try:
        pk = int(post_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    post = visible_posts(viewer).filter(pk=pk).select_related("author", "reblog_of").first()
    if post is None:
        raise Http404("Record not found")
    return post
