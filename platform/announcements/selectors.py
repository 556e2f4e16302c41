"""Reads of announcements. A reader sees one that is published (its time has come), not over (its
``ends_at`` not passed) and for them: the whole company's, or their unit's or one above it. Anyone
else's is missing (404), as a post they may not see is."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.aggregates import BoolOr
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from announcements.models import Announcement, AnnouncementReaction, AnnouncementRead, AnnouncementState
from directory.models import Employee
from policy import Viewer


@dataclass(frozen=True)
class Reaction:
    name: str
    count: int
    me: bool


@dataclass(frozen=True)
class AnnouncementItem:
    announcement: Announcement
    read: bool
    reactions: list[Reaction] = field(default_factory=list)
    mentions: list[Employee] = field(default_factory=list)


def _shown_to(viewer: Viewer) -> QuerySet[Announcement]:
    if not viewer.is_active:
        return Announcement.objects.none()
    now = timezone.now()
    # With its unit, which the web app names beside a unit's announcement (a count leaves the join out).
    return Announcement.objects.select_related("unit").filter(
        Q(unit__isnull=True) | Q(unit_id__in=viewer.unit_ancestor_ids),
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        published_at__lte=now,
    )


def announcement_is_for(viewer: Viewer, unit_id: int | None) -> bool:
    """``_shown_to``'s audience condition as a predicate, on what the viewer holds in memory (the stream
    server's check of each reader at delivery): the whole company's, or their unit's or one above it."""
    return viewer.is_active and (unit_id is None or unit_id in viewer.unit_ancestor_ids)


def announcement_is_current(announcement: Announcement) -> bool:
    """``_shown_to``'s time conditions as a predicate: published (its time has come) and not over."""
    return announcement.state is AnnouncementState.ACTIVE


def _read(viewer: Viewer) -> Exists:
    return Exists(AnnouncementRead.objects.filter(announcement=OuterRef("pk"), employee_id=viewer.id))


def announcement_list(viewer: Viewer, *, with_dismissed: bool = False) -> list[AnnouncementItem]:
    """The reader's announcements in Mastodon's order (by when what they announce starts, else by
    when they were published), unread ones only unless ``with_dismissed``. Three statements at most:
    the announcements, their reactions, the people they mention."""
    rows = _shown_to(viewer).annotate(read=_read(viewer))
    if not with_dismissed:
        rows = rows.filter(read=False)
    found = list(rows.order_by(Coalesce("starts_at", "published_at"), "id"))
    return _items(viewer, found)


def _items(viewer: Viewer, found: list[Announcement]) -> list[AnnouncementItem]:
    ids = [a.pk for a in found]
    reactions: dict[int, list[Reaction]] = {}
    if ids:
        grouped = (
            AnnouncementReaction.objects.filter(announcement_id__in=ids)
            .values("announcement_id", "name")
            .annotate(count=Count("id"), me=BoolOr(Q(employee_id=viewer.id)), first=Min("id"))
            .order_by("first")
        )
        for row in grouped:
            reactions.setdefault(row["announcement_id"], []).append(
                Reaction(name=row["name"], count=row["count"], me=bool(row["me"]))
            )
    mentioned = {pk for a in found for pk in a.mention_ids}
    people = {e.pk: e for e in Employee.objects.filter(pk__in=mentioned)} if mentioned else {}
    return [
        AnnouncementItem(
            announcement=a,
            read=bool(getattr(a, "read", False)),
            reactions=reactions.get(a.pk, []),
            mentions=[people[pk] for pk in a.mention_ids if pk in people],
        )
        for a in found
    ]


def announcement_get(viewer: Viewer, announcement_id: int | str) -> Announcement:
    """One announcement the reader is shown; anything else is missing (404)."""
    if not str(announcement_id).isdigit():
        raise Http404
    found = _shown_to(viewer).filter(pk=int(announcement_id)).first()
    if found is None:
        raise Http404
    return found


def announcement_item(viewer: Viewer, announcement: Announcement) -> AnnouncementItem:
    """One announcement as the reader sees it: read or not, reactions with their own marked."""
    announcement.read = AnnouncementRead.objects.filter(  # type: ignore[attr-defined]
        announcement=announcement, employee_id=viewer.id
    ).exists()
    return _items(viewer, [announcement])[0]


def announcement_item_for_nobody(announcement: Announcement) -> AnnouncementItem:
    """As a stream event carries it, rendered once for all its readers: unread, no reaction anyone's
    own (the stream server sets each reader's ``read`` and ``me`` at delivery)."""
    return _items(Viewer(employee=None), [announcement])[0]


def unread_announcement_count(viewer: Viewer) -> int:
    return _shown_to(viewer).filter(~_read(viewer)).count()


# -- for administrators -----------------------------------------------------------------------------


def announcement_admin_list() -> QuerySet[Announcement]:
    """Every announcement, drafts and past ones too, newest first, each with how many marked it read."""
    return (
        Announcement.objects.select_related("unit", "created_by")
        .annotate(read_count=Count("reads", distinct=True))
        .order_by("-created_at", "-id")
    )


def announcement_admin_get(announcement_id: int | str) -> Announcement:
    if not str(announcement_id).isdigit():
        raise Http404
    found = announcement_admin_list().filter(pk=int(announcement_id)).first()
    if found is None:
        raise Http404
    return found
