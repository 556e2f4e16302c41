"""Queryset conditions for "people the viewer has silenced", shared by timelines and notifications.

These are not visibility rules (policy decides who *may* see a post); they are the viewer's own choice
not to be shown someone, so they live beside the social graph and are applied on top of policy.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from social.models import Block, Mute


def active_mutes_q() -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


def silenced_q(viewer_id: int | None, field: str, *, for_notifications: bool = False) -> Q:
    """True for rows whose ``field`` (an employee id) the viewer muted or blocked, or who blocked the viewer.

    With ``for_notifications``, a mute only counts when it also mutes notifications.
    """
    mutes = Mute.objects.filter(active_mutes_q(), muter_id=viewer_id, target_id=OuterRef(field))
    if for_notifications:
        mutes = mutes.filter(notifications=True)
    blocked = Block.objects.filter(blocker_id=viewer_id, target_id=OuterRef(field))
    blocked_by = Block.objects.filter(blocker_id=OuterRef(field), target_id=viewer_id)
    return Q(Exists(mutes)) | Q(Exists(blocked)) | Q(Exists(blocked_by))


def post_silenced_q(viewer_id: int | None) -> Q:
    """A post (or the original of a repost) by someone the viewer silenced."""
    return silenced_q(viewer_id, "author_id") | (
        Q(reblog_of__isnull=False) & silenced_q(viewer_id, "reblog_of__author_id")
    )


def silenced_sql(viewer_id: int | None, column: str, alias: str) -> tuple[str, list[object]]:
    """``silenced_q`` as SQL on an employee id ``column`` (identifiers of our own code only), for reads
    written in SQL; subquery aliases start with ``alias``."""
    sql = (
        f"(EXISTS (SELECT 1 FROM social_mute {alias}_mu WHERE {alias}_mu.muter_id = %s"
        f" AND {alias}_mu.target_id = {column}"
        f" AND ({alias}_mu.expires_at IS NULL OR {alias}_mu.expires_at > %s))"
        f" OR EXISTS (SELECT 1 FROM social_block {alias}_bl WHERE {alias}_bl.blocker_id = %s"
        f" AND {alias}_bl.target_id = {column})"
        f" OR EXISTS (SELECT 1 FROM social_block {alias}_bb WHERE {alias}_bb.blocker_id = {column}"
        f" AND {alias}_bb.target_id = %s))"
    )
    return sql, [viewer_id, timezone.now(), viewer_id, viewer_id]


def post_silenced_sql(viewer_id: int | None, alias: str) -> tuple[str, list[object]]:
    """``post_silenced_q`` as SQL on the posts row ``alias``: a post, or the original of a repost, by
    someone the viewer silenced."""
    author, author_params = silenced_sql(viewer_id, f"{alias}.author_id", f"{alias}_sa")
    original, original_params = silenced_sql(viewer_id, f"{alias}_so.author_id", f"{alias}_so")
    sql = (
        f"({author} OR EXISTS (SELECT 1 FROM posts_post {alias}_so"
        f" WHERE {alias}_so.id = {alias}.reblog_of_id AND {original}))"
    )
    return sql, [*author_params, *original_params]


def silencers_of(people: set[int]) -> set[int]:
    """Who has silenced any of ``people`` in ``silenced_q``'s sense (muted or blocked one of them, or
    is blocked by one): the viewers a post by them is kept from. One statement, for the stream server,
    which asks this once per event for every open connection at once."""
    if not people:
        return set()
    ids = list(people)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT muter_id FROM social_mute WHERE target_id = ANY(%s)"
            " AND (expires_at IS NULL OR expires_at > %s)"
            " UNION SELECT blocker_id FROM social_block WHERE target_id = ANY(%s)"
            " UNION SELECT target_id FROM social_block WHERE blocker_id = ANY(%s)",
            [ids, timezone.now(), ids, ids],
        )
        return {row[0] for row in cursor.fetchall()}


def is_silenced(viewer_id: int, other_id: int, *, for_notifications: bool = False) -> bool:
    """The predicate form of ``silenced_q`` for one pair."""
    mutes = Mute.objects.filter(active_mutes_q(), muter_id=viewer_id, target_id=other_id)
    if for_notifications:
        mutes = mutes.filter(notifications=True)
    return (
        mutes.exists()
        or Block.objects.filter(
            Q(blocker_id=viewer_id, target_id=other_id) | Q(blocker_id=other_id, target_id=viewer_id)
        ).exists()
    )
