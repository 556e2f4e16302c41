"""THE visibility rules for posts (VISIBILITY.md), as a queryset filter and a predicate side by side.

``visible_posts`` and ``can_view_post`` must always agree; tests/policy/test_matrix.py proves it for
every combination of audience, rank, unit, follow and mention. Every read of posts starts here.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from directory.models import Employee, OrgUnit
from policy.viewer import Viewer
from posts.models import Audience, Mention, Post
from social.models import Follow


def dangerously_all_posts() -> QuerySet[Post]:
    """Every post, unfiltered. Only for writes, exports by compliance, and this module."""
    return Post.objects.all()


def _own_rule_q(viewer: Viewer) -> Q:
    """Who may see a post that is not a repost, before information barriers."""
    mentioned = Exists(Mention.objects.filter(post_id=OuterRef("pk"), employee_id=viewer.id))
    follows_author = Exists(Follow.objects.filter(follower_id=viewer.id, followee_id=OuterRef("author_id")))
    by_audience = (
        Q(audience=Audience.COMPANY)
        | Q(audience=Audience.UNIT, unit_id__in=list(viewer.unit_ancestor_ids))
        | (Q(audience=Audience.FOLLOWERS) & Q(follows_author))
    )
    rank_ok = Q(min_rank__isnull=True) | Q(min_rank__lte=viewer.rank_level)
    return Q(author_id=viewer.id) | (by_audience & rank_ok) | Q(mentioned)


def _units_q(unit_ids: set[int]) -> Q:
    # A unit is inside the subtree of ``uid`` when its materialised path contains "/uid/".
    q = Q()
    for uid in sorted(unit_ids):
        q |= Q(path__contains=f"/{uid}/")
    return q


def barred_employee_ids(viewer: Viewer) -> QuerySet[Employee] | None:
    """A subquery of the employees across a barrier from ``viewer``; None when no barrier applies."""
    segments = viewer.barred_unit_sets
    if not segments:
        return None
    unit_ids = set().union(*segments)
    return Employee.objects.filter(unit__in=OrgUnit.objects.filter(_units_q(unit_ids))).values("id")


def _not_barred_q(viewer: Viewer, field: str = "author_id") -> Q:
    barred = barred_employee_ids(viewer)
    if barred is None:
        return Q()
    # Nobody is ever barred from their own posts.
    return ~Q(**{f"{field}__in": barred}) | Q(**{field: viewer.id})


def visible_posts(viewer: Viewer) -> QuerySet[Post]:
    """The posts ``viewer`` may see, as a queryset to build every read path on."""
    posts = dangerously_all_posts()
    if not viewer.is_active:
        return posts.none()
    if viewer.is_compliance:
        return posts
    own = _own_rule_q(viewer) & _not_barred_q(viewer)
    original_visible = Exists(Post.objects.filter(pk=OuterRef("reblog_of_id")).filter(own))
    # A repost shows when the original does and the reposter is not across a barrier.
    return posts.filter(
        (Q(reblog_of__isnull=True) & own)
        | (Q(reblog_of__isnull=False) & Q(original_visible) & _not_barred_q(viewer))
    )


def is_barred(viewer: Viewer, other: Employee) -> bool:
    """Predicate form of the barrier rule between the viewer and one other person."""
    if not viewer.barred_unit_sets or other.pk == viewer.id or other.unit_id is None:
        return False
    chain = set(other.unit.ancestor_ids()) if other.unit is not None else set()
    return any(chain & segment for segment in viewer.barred_unit_sets)


def _can_view_own(viewer: Viewer, post: Post) -> bool:
    assert viewer.employee is not None
    if post.author_id == viewer.id:
        return True
    if is_barred(viewer, post.author):
        return False
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
        if original is None or (post.author_id != viewer.id and is_barred(viewer, post.author)):
            return False
        return _can_view_own(viewer, original)
    return _can_view_own(viewer, post)


def access_post(viewer: Viewer, post_id: int | str) -> Post:
    """The post if ``viewer`` may see it; otherwise 404, the same answer as for a missing post."""
    try:
        pk = int(post_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    post = (
        visible_posts(viewer)
        .filter(pk=pk)
        .select_related("author", "author__unit", "reblog_of", "reblog_of__author__unit")
        .first()
    )
    if post is None:
        raise Http404("Record not found")
    return post
