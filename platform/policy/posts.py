"""THE visibility rules for posts (VISIBILITY.md), as a queryset filter, a SQL condition and a
predicate side by side.

``visible_posts``, ``visible_sql`` and ``can_view_post`` must always agree; tests/policy/test_matrix.py
proves it for every combination of audience, rank, unit, follow and mention, and
tests/policy/test_properties.py for random org trees, policies and barriers. Every read of posts
starts here.
"""

from __future__ import annotations

import re
from typing import Any

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


# Only SQL identifiers of our own code reach the text (aliases like "p"); every value is a parameter.
_ALIAS = re.compile(r"^[a-z_][a-z0-9_]*$")


def _own_rule_sql(viewer: Viewer, x: str) -> tuple[str, list[Any]]:
    """``_own_rule_q`` for the post row ``x``."""
    # Identifiers only in the text (see _ALIAS); values are parameters.
    sql = (
        f"({x}.author_id = %s"
        f" OR (({x}.audience = %s"
        f" OR ({x}.audience = %s AND {x}.unit_id = ANY(%s))"
        f" OR ({x}.audience = %s AND EXISTS (SELECT 1 FROM social_follow {x}_f"
        f" WHERE {x}_f.follower_id = %s AND {x}_f.followee_id = {x}.author_id)))"
        f" AND ({x}.min_rank IS NULL OR {x}.min_rank <= %s))"
        f" OR EXISTS (SELECT 1 FROM posts_mention {x}_m WHERE {x}_m.post_id = {x}.id"
        f" AND {x}_m.employee_id = %s))"
    )
    params: list[Any] = [
        viewer.id,
        Audience.COMPANY,
        Audience.UNIT,
        list(viewer.unit_ancestor_ids),
        Audience.FOLLOWERS,
        viewer.id,
        viewer.rank_level,
        viewer.id,
    ]
    return sql, params


def _not_barred_sql(viewer: Viewer, column: str, x: str) -> tuple[str, list[Any]]:
    """``_not_barred_q`` for an employee id ``column``; ("TRUE", []) when no barrier applies."""
    segments = viewer.barred_unit_sets
    if not segments:
        return "TRUE", []
    # LIKE's wildcards cannot occur in a path of digits and slashes, so the patterns need no escaping.
    patterns = [f"%/{uid}/%" for uid in sorted(set().union(*segments))]
    # Identifiers only in the text (see _ALIAS); values are parameters.
    sql = (
        f"({column} = %s OR {column} NOT IN (SELECT {x}_e.id FROM directory_employee {x}_e"
        f" JOIN directory_orgunit {x}_u ON {x}_u.id = {x}_e.unit_id WHERE {x}_u.path LIKE ANY(%s)))"
    )
    return sql, [viewer.id, patterns]


def visible_sql(viewer: Viewer, alias: str) -> tuple[str, list[Any]]:
    """``visible_posts`` as a SQL condition on the posts table row ``alias``, with its parameters.

    For the hot read paths written in SQL (the home timeline): the text has a fixed shape whatever the
    viewer (lists travel as array parameters) and building it costs microseconds, where the queryset
    form costs milliseconds of ORM work per use. Subquery aliases start with ``alias``, so the
    condition nests inside itself (counting the visible replies of visible posts).
    """
    if not _ALIAS.match(alias):
        raise ValueError(f"not a SQL alias: {alias!r}")
    if not viewer.is_active:
        return "FALSE", []
    if viewer.is_compliance:
        return "TRUE", []
    own, own_params = _own_rule_sql(viewer, alias)
    barred, barred_params = _not_barred_sql(viewer, f"{alias}.author_id", alias)
    o = f"{alias}_o"
    original, original_params = _own_rule_sql(viewer, o)
    original_barred, original_barred_params = _not_barred_sql(viewer, f"{o}.author_id", o)
    # Identifiers only in the text (see _ALIAS); values are parameters.
    sql = (
        f"(({alias}.reblog_of_id IS NULL AND {own} AND {barred})"
        f" OR ({alias}.reblog_of_id IS NOT NULL AND {barred} AND EXISTS (SELECT 1 FROM posts_post {o}"
        f" WHERE {o}.id = {alias}.reblog_of_id AND {original} AND {original_barred})))"
    )
    return sql, [
        *own_params,
        *barred_params,
        *barred_params,
        *original_params,
        *original_barred_params,
    ]


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
