"""Queryset conditions for "people the viewer has silenced", shared by timelines and notifications.

These are not visibility rules (policy decides who *may* see a post); they are the viewer's own choice
not to be shown someone, so they live beside the social graph and are applied on top of policy.
"""

from __future__ import annotations

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
