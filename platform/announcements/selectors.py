"""Reads of announcements. A reader sees one that is published (its time has come), not over (its
``ends_at`` not passed) and for them: the whole company's, or their unit's or one above it. Anyone
else's is missing (404), as a post they may not see is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.aggregates import BoolOr
from django.db import connection
from django.db.models import Count, Min, Q, QuerySet, prefetch_related_objects
from django.db.models.query import RawQuerySet
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


# Whom one is shown to, as SQL: published (its time has come), not over, and for the whole company or
# for the reader's unit or one above it. Raw, since these reads run on every web page (the nav badge's
# count) and the ORM's compile of them took ~1 ms of CPU a page where the statement takes ~0.1 ms
# (bench/RESULTS.md, "Web").
_SHOWN_SQL = """
FROM announcements_announcement a
WHERE a.published_at <= %(now)s AND (a.ends_at IS NULL OR a.ends_at > %(now)s)
  AND (a.unit_id IS NULL OR a.unit_id = ANY(%(units)s))
"""
_READ_SQL = """EXISTS (
  SELECT 1 FROM announcements_announcementread r WHERE r.announcement_id = a.id AND r.employee_id = %(me)s
)"""


def _shown(viewer: Viewer, sql: str, **values: object) -> RawQuerySet[Announcement]:
    """The announcements shown to an active ``viewer`` among those ``sql`` (after ``_SHOWN_SQL``'s
    WHERE, "AND …", then any ORDER BY) keeps, each with ``read``."""
    params = {**_params(viewer), **values}
    return Announcement.objects.raw(f"SELECT a.*, {_READ_SQL} AS read {_SHOWN_SQL} {sql}", params)


def _params(viewer: Viewer) -> dict[str, Any]:
    """The values ``_SHOWN_SQL`` and ``_READ_SQL`` name."""
    return {"now": timezone.now(), "units": list(viewer.unit_ancestor_ids), "me": viewer.id}


def announcement_is_for(viewer: Viewer, unit_id: int | None) -> bool:
    """``_SHOWN_SQL``'s audience condition as a predicate, on what the viewer holds in memory (the stream
    server's check of each reader at delivery): the whole company's, or their unit's or one above it."""
    return viewer.is_active and (unit_id is None or unit_id in viewer.unit_ancestor_ids)


def announcement_is_current(announcement: Announcement) -> bool:
    """``_SHOWN_SQL``'s time conditions as a predicate: published (its time has come) and not over."""
    return announcement.state is AnnouncementState.ACTIVE


def announcement_list(viewer: Viewer, *, with_dismissed: bool = False) -> list[AnnouncementItem]:
    """The reader's announcements in Mastodon's order (by when what they announce starts, else by
    when they were published), unread ones only unless ``with_dismissed``. Three statements at most:
    the announcements, their reactions, the people they mention (and the units of unit ones)."""
    if not viewer.is_active:
        return []
    unread = "" if with_dismissed else f"AND NOT {_READ_SQL}"
    found = list(_shown(viewer, f"{unread} ORDER BY coalesce(a.starts_at, a.published_at), a.id"))
    # With its unit, which the web app names beside a unit's announcement.
    prefetch_related_objects([a for a in found if a.unit_id], "unit")
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
    if not viewer.is_active or not str(announcement_id).isdigit():
        raise Http404
    found = list(_shown(viewer, "AND a.id = %(id)s", id=int(announcement_id)))
    if not found:
        raise Http404
    return found[0]


def announcement_item(viewer: Viewer, announcement: Announcement) -> AnnouncementItem:
    """One announcement as the reader sees it now: read or not, reactions with their own marked."""
    read = AnnouncementRead.objects.filter(announcement=announcement, employee=viewer.employee).exists()
    announcement.read = read  # type: ignore[attr-defined]
    return _items(viewer, [announcement])[0]


def announcement_item_for_nobody(announcement: Announcement) -> AnnouncementItem:
    """As a stream event carries it, rendered once for all its readers: unread, no reaction anyone's
    own (the stream server sets each reader's ``read`` and ``me`` at delivery)."""
    return _items(Viewer(employee=None), [announcement])[0]


def unread_announcement_count(viewer: Viewer) -> int:
    if not viewer.is_active:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {_SHOWN_SQL} AND NOT {_READ_SQL}", _params(viewer))
        return int(cursor.fetchone()[0])


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
