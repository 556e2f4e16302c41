"""Reading notifications, re-checked against policy on every read: a notification whose post the
recipient can no longer see (moved unit, rank change, new rule) is not returned, nor one from
someone they now block, are blocked by, or mute with notifications."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.http import Http404

from common.paging import Page
from notifications.models import Kind, Notification, Preferences
from policy import Viewer, visible_sql
from social.filters import silenced_q

RELATED = ("actor", "post", "post__author", "post__reblog_of", "post__reblog_of__author")


def _inbox(viewer: Viewer) -> QuerySet[Notification]:
    """The viewer's notifications: about a post they may see (``policy.visible_sql``, the SQL form of
    ``visible_posts``: the unread badge on every page built the queryset form at several ms each), from
    an active colleague they have not silenced. A top-level query only (the table keeps its name)."""
    if not viewer.is_active:
        return Notification.objects.none()
    post_visible, params = visible_sql(viewer, "nv")
    about_visible_post = (
        "(notifications_notification.post_id IS NULL OR EXISTS (SELECT 1 FROM posts_post nv"
        f" WHERE nv.id = notifications_notification.post_id AND {post_visible}))"
    )
    return (
        Notification.objects.filter(recipient_id=viewer.id, actor__is_active=True)
        .extra(where=[about_visible_post], params=params)  # noqa: S610
        .exclude(silenced_q(viewer.id, "actor_id", for_notifications=True))
    )


def _kinds(values: Iterable[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [v for v in values if v in Kind.values]


def notification_list(
    viewer: Viewer,
    page: Page,
    *,
    types: Iterable[str] | None = None,
    exclude_types: Iterable[str] | None = None,
    account_id: int | str | None = None,
) -> list[Notification]:
    """One query whatever the page size."""
    rows = _inbox(viewer)
    if (kinds := _kinds(types)) is not None:
        rows = rows.filter(kind__in=kinds)
    if (excluded := _kinds(exclude_types)) is not None:
        rows = rows.exclude(kind__in=excluded)
    if account_id not in (None, ""):
        try:
            rows = rows.filter(actor_id=int(account_id))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return []
    rows = rows.filter(**page.id_filter()).select_related(*RELATED).order_by(page.order_by())[: page.limit]
    return page.arrange(list(rows))


def notification_get(viewer: Viewer, notification_id: int | str) -> Notification:
    try:
        pk = int(notification_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    found = _inbox(viewer).filter(pk=pk).select_related(*RELATED).first()
    if found is None:
        raise Http404("Record not found")
    return found


def unread_count(viewer: Viewer, *, since_id: int | None, limit: int | None = None) -> int:
    """Notifications above the read marker (``/api/v1/notifications/unread_count``, the web badge), at
    most ``limit`` of them counted."""
    rows = _inbox(viewer)
    if since_id is not None:
        rows = rows.filter(id__gt=since_id)
    if limit is not None:
        return len(rows.order_by("-id").values_list("id", flat=True)[:limit])
    return rows.count()


# ---- grouped notifications (Mastodon 4.3, ``/api/v2/notifications``) ----------------------------------
#
# Likes and reposts of one post, and follows, that arrive within the same twelve hours are one group:
# "최민수 and 4 others liked your post". The group of a notification follows from its own row (kind,
# post, the twelve-hour span of the day it came in), so nothing is stored for it and it is the same in
# every read. Any other notification is a group of its own.

GROUPED_KINDS = (Kind.FAVOURITE, Kind.REBLOG, Kind.FOLLOW)
GROUP_SPAN_SECONDS = 12 * 3600
SAMPLE_ACCOUNTS = 8
GROUP_SCAN_ROUNDS = 10
_GROUP_KEY = re.compile(
    r"^(?:ungrouped-(?P<id>\d+)|(?P<kind>favourite|reblog)-(?P<post>\d+)-(?P<span>\d+)|follow-(?P<follow_span>\d+))$"
)


def group_key(notification: Notification, grouped: Iterable[str] = GROUPED_KINDS) -> str:
    if notification.kind not in grouped:
        return f"ungrouped-{notification.pk}"
    span = int(notification.created_at.timestamp()) // GROUP_SPAN_SECONDS
    if notification.kind == Kind.FOLLOW:
        return f"follow-{span}"
    return f"{notification.kind}-{notification.post_id}-{span}"


@dataclass
class NotificationGroup:
    key: str
    # Newest first: the group's notifications within the page's range.
    notifications: list[Notification] = field(default_factory=list)

    @property
    def latest(self) -> Notification:
        return self.notifications[0]

    @property
    def sample_actor_ids(self) -> list[int]:
        """The people who acted last, newest first, each once."""
        return list(dict.fromkeys(n.actor_id for n in self.notifications))[:SAMPLE_ACCOUNTS]


@dataclass
class GroupPage:
    groups: list[NotificationGroup]
    # The oldest and newest notification the page covers: where the next and previous pages start.
    oldest_id: int | None
    newest_id: int | None


def notification_groups(
    viewer: Viewer,
    page: Page,
    *,
    types: Iterable[str] | None = None,
    exclude_types: Iterable[str] | None = None,
    account_id: int | str | None = None,
    grouped_types: Iterable[str] | None = None,
) -> GroupPage:
    """Up to ``page.limit`` groups, newest first. The inbox is read in id order in chunks until the
    page holds ``limit`` groups; a group's older notifications past that point belong to the next page
    (where the group shows again, with the same key, as Mastodon's clients expect)."""
    grouped = tuple(_kinds(grouped_types) or ()) if grouped_types is not None else GROUPED_KINDS
    rows = _inbox(viewer)
    if (kinds := _kinds(types)) is not None:
        rows = rows.filter(kind__in=kinds)
    if (excluded := _kinds(exclude_types)) is not None:
        rows = rows.exclude(kind__in=excluded)
    if account_id not in (None, ""):
        try:
            rows = rows.filter(actor_id=int(account_id))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return GroupPage([], None, None)
    rows = rows.select_related(*RELATED).order_by(page.order_by())
    groups: dict[str, NotificationGroup] = {}
    covered: list[int] = []
    bounds = page
    chunk = max(page.limit * 3, 40)
    full = False
    # Bounded: thousands of likes of one post are one group, and a page is not worth reading them all
    # (the group shows the count of what was read; the next page goes on from there).
    for _ in range(GROUP_SCAN_ROUNDS):
        if full:
            break
        batch = list(rows.filter(**bounds.id_filter())[:chunk])
        for n in batch:
            key = group_key(n, grouped)
            if key not in groups:
                if len(groups) == page.limit:
                    full = True
                    break
                groups[key] = NotificationGroup(key)
            groups[key].notifications.append(n)
            covered.append(n.pk)
        if len(batch) < chunk:
            break
        last = batch[-1].pk
        bounds = (
            Page(max_id=page.max_id, min_id=last)
            if page.ascending
            else Page(max_id=last, since_id=page.since_id)
        )
    found = list(groups.values())
    for group in found:
        group.notifications.sort(key=lambda n: n.pk, reverse=True)
    found.sort(key=lambda g: g.latest.pk, reverse=True)
    return GroupPage(found, min(covered, default=None), max(covered, default=None))


def notification_group(viewer: Viewer, key: str) -> NotificationGroup:
    """Every notification of one group, newest first; 404 when none is the viewer's to see."""
    match = _GROUP_KEY.match(key)
    if match is None:
        raise Http404("Record not found")
    rows = _inbox(viewer).select_related(*RELATED).order_by("-id")
    if match["id"]:
        rows = rows.filter(pk=int(match["id"]))
    else:
        span = int(match["span"] or match["follow_span"])
        start = datetime.fromtimestamp(span * GROUP_SPAN_SECONDS, tz=UTC)
        end = datetime.fromtimestamp((span + 1) * GROUP_SPAN_SECONDS, tz=UTC)
        rows = rows.filter(created_at__gte=start, created_at__lt=end)
        if match["kind"]:
            rows = rows.filter(kind=match["kind"], post_id=int(match["post"]))
        else:
            rows = rows.filter(kind=Kind.FOLLOW)
    found = list(rows)
    if not found:
        raise Http404("Record not found")
    return NotificationGroup(key, found)


def notification_preferences(viewer: Viewer) -> Preferences:
    """The viewer's saved preferences, else the defaults (everything on, from everyone), unsaved."""
    if viewer.id is None:
        raise Http404("Record not found")
    found = Preferences.objects.filter(employee_id=viewer.id).first()
    return found if found is not None else Preferences(employee_id=viewer.id)
