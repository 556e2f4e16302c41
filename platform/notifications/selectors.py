"""Reading notifications, re-checked against policy on every read: a notification whose post the
recipient can no longer see (moved unit, rank change, new rule) is not returned, nor one from
someone they now block, are blocked by, or mute with notifications."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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


def _filtered(
    viewer: Viewer,
    types: Iterable[str] | None,
    exclude_types: Iterable[str] | None,
    account_id: int | str | None,
) -> QuerySet[Notification] | None:
    """The inbox with Mastodon's ``types``, ``exclude_types`` and ``account_id``; None when the account
    id is no id (nothing matches)."""
    rows = _inbox(viewer)
    if (kinds := _kinds(types)) is not None:
        rows = rows.filter(kind__in=kinds)
    if (excluded := _kinds(exclude_types)) is not None:
        rows = rows.exclude(kind__in=excluded)
    if account_id not in (None, ""):
        try:
            rows = rows.filter(actor_id=int(account_id))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return rows


def notification_list(
    viewer: Viewer,
    page: Page,
    *,
    types: Iterable[str] | None = None,
    exclude_types: Iterable[str] | None = None,
    account_id: int | str | None = None,
) -> list[Notification]:
    """One query whatever the page size."""
    rows = _filtered(viewer, types, exclude_types, account_id)
    if rows is None:
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


def read_up_to(viewer: Viewer) -> int | None:
    """The last notification the viewer has read, by their ``notifications`` marker (None: none yet)."""
    from timelines.selectors import markers

    marker = markers(viewer, ["notifications"]).get("notifications")
    return marker.last_read_id if marker else None


def unread_count(viewer: Viewer, *, since_id: int | None, limit: int | None = None) -> int:
    """Notifications above the read marker (``/api/v1/notifications/unread_count``, the web badge), at
    most ``limit`` of them counted."""
    from filters.selectors import hidden_post_ids, hiding_filters

    rows = _inbox(viewer)
    if since_id is not None:
        rows = rows.filter(id__gt=since_id)
    hiding = hiding_filters(viewer, "notifications")
    if hiding:
        # What the reader's "hide" filters leave off the page is not counted either.
        post_ids = list(rows.order_by("-id").values_list("post_id", flat=True)[: limit or UNREAD_SCAN])
        hidden = hidden_post_ids(viewer, hiding, {pk for pk in post_ids if pk is not None})
        return sum(1 for pk in post_ids if pk not in hidden)
    if limit is not None:
        return len(rows.order_by("-id").values_list("id", flat=True)[:limit])
    return rows.count()


# The most unread notifications read to leave out filtered ones: a badge shows "99+" long before.
UNREAD_SCAN = 1000


# ---- grouped notifications (Mastodon 4.3, ``/api/v2/notifications``) ----------------------------------
#
# Likes and reposts of one post, and follows, that arrive within the same twelve hours are one group:
# "최민수 and 4 others liked your post". The group of a notification follows from its own row (kind,
# post, which twelve-hour span since the epoch it came in), so nothing is stored for it and it is the
# same in every read, v1 and stream events included. Any other notification is a group of its own.

GROUPED_KINDS = (Kind.FAVOURITE, Kind.REBLOG, Kind.FOLLOW)
GROUP_SPAN_SECONDS = 12 * 3600
SAMPLE_ACCOUNTS = 8
GROUP_SCAN_ROUNDS = 10
_GROUP_KEY = re.compile(
    r"^(?:ungrouped-(?P<id>\d+)|(?P<kind>favourite|reblog)-(?P<post>\d+)-(?P<span>\d+)|follow-(?P<follow_span>\d+))$"
)


def _group_key(pk: int, kind: str, post_id: int | None, created_at: datetime, grouped: Iterable[str]) -> str:
    if kind not in grouped:
        return f"ungrouped-{pk}"
    span = int(created_at.timestamp()) // GROUP_SPAN_SECONDS
    if kind == Kind.FOLLOW:
        return f"follow-{span}"
    return f"{kind}-{post_id}-{span}"


def group_key(notification: Notification, grouped: Iterable[str] = GROUPED_KINDS) -> str:
    n = notification
    return _group_key(n.pk, n.kind, n.post_id, n.created_at, grouped)


# What grouping reads of each notification: a tuple, not a model (a page may read hundreds).
_SCANNED = ("id", "kind", "actor_id", "post_id", "created_at")


@dataclass
class NotificationGroup:
    key: str
    # The newest notification of the group within the page's range, with its post and people.
    latest: Notification
    # Every notification of the group within that range, newest first, as (id, actor id).
    members: list[tuple[int, int]]

    @property
    def oldest_id(self) -> int:
        return self.members[-1][0]

    @property
    def actor_ids(self) -> list[int]:
        """Who acted, newest first, each once."""
        return list(dict.fromkeys(actor for _, actor in self.members))

    @property
    def sample_actor_ids(self) -> list[int]:
        return self.actor_ids[:SAMPLE_ACCOUNTS]


@dataclass
class GroupPage:
    groups: list[NotificationGroup]
    # The oldest and newest notification the page covers: where the next and previous pages start.
    oldest_id: int | None
    newest_id: int | None


def _groups(
    rows: QuerySet[Notification], scanned: list[tuple[int, str, int, int | None, datetime]], keys: list[str]
) -> list[NotificationGroup]:
    """Groups of scanned rows (newest first in each), each with its newest notification read in full:
    one statement for all of them."""
    members: dict[str, list[tuple[int, int]]] = {}
    for (pk, _kind, actor, _post, _at), key in zip(scanned, keys, strict=True):
        members.setdefault(key, []).append((pk, actor))
    for found in members.values():
        found.sort(reverse=True)
    newest = {key: found[0][0] for key, found in members.items()}
    loaded = {n.pk: n for n in rows.filter(pk__in=list(newest.values())).select_related(*RELATED)}
    groups = [
        NotificationGroup(key, loaded[newest[key]], found)
        for key, found in members.items()
        if newest[key] in loaded
    ]
    groups.sort(key=lambda g: g.latest.pk, reverse=True)
    return groups


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
    rows = _filtered(viewer, types, exclude_types, account_id)
    if rows is None:
        return GroupPage([], None, None)
    scan = rows.order_by(page.order_by()).values_list(*_SCANNED)
    scanned: list[tuple[int, str, int, int | None, datetime]] = []
    keys: list[str] = []
    seen: set[str] = set()
    bounds = page
    chunk = max(page.limit * 5, 100)
    full = False
    # Bounded: thousands of likes of one post are one group, and a page is not worth reading them all
    # (the group shows the count of what was read; the next page goes on from there).
    for _ in range(GROUP_SCAN_ROUNDS):
        batch = list(scan.filter(**bounds.id_filter())[:chunk])
        for row in batch:
            key = _group_key(row[0], row[1], row[3], row[4], grouped)
            if key not in seen:
                if len(seen) == page.limit:
                    full = True
                    break
                seen.add(key)
            scanned.append(row)
            keys.append(key)
        if full or len(batch) < chunk:
            break
        last = batch[-1][0]
        bounds = (
            Page(max_id=page.max_id, min_id=last)
            if page.ascending
            else Page(max_id=last, since_id=page.since_id)
        )
    ids = [row[0] for row in scanned]
    return GroupPage(_groups(rows, scanned, keys), min(ids, default=None), max(ids, default=None))


def notification_group(viewer: Viewer, key: str) -> NotificationGroup:
    """Every notification of one group; 404 when none is the viewer's to see."""
    match = _GROUP_KEY.match(key)
    if match is None:
        raise Http404("Record not found")
    rows = _inbox(viewer)
    if match["id"]:
        wanted = rows.filter(pk=int(match["id"]))
    else:
        span = int(match["span"] or match["follow_span"])
        start = datetime.fromtimestamp(span * GROUP_SPAN_SECONDS, tz=UTC)
        end = datetime.fromtimestamp((span + 1) * GROUP_SPAN_SECONDS, tz=UTC)
        wanted = rows.filter(created_at__gte=start, created_at__lt=end)
        if match["kind"]:
            wanted = wanted.filter(kind=match["kind"], post_id=int(match["post"]))
        else:
            wanted = wanted.filter(kind=Kind.FOLLOW)
    scanned = list(wanted.order_by("-id").values_list(*_SCANNED))
    if not scanned:
        raise Http404("Record not found")
    # Every row read here has this key: the filters above are what the key says.
    groups = _groups(rows, scanned, [key] * len(scanned))
    if not groups:
        raise Http404("Record not found")
    return groups[0]


def notification_preferences(viewer: Viewer) -> Preferences:
    """The viewer's saved preferences, else the defaults (everything on, from everyone), unsaved."""
    if viewer.id is None:
        raise Http404("Record not found")
    found = Preferences.objects.filter(employee_id=viewer.id).first()
    return found if found is not None else Preferences(employee_id=viewer.id)
