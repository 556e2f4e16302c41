"""Reading notifications, re-checked against policy on every read: a notification whose post the
recipient can no longer see (moved unit, rank change, new rule) is not returned, nor one from
someone they now block, are blocked by, or mute with notifications."""

from __future__ import annotations

from collections.abc import Iterable

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


def unread_count(viewer: Viewer, *, since_id: int | None) -> int:
    """Notifications above the read marker (for ``/api/v1/notifications/unread_count``)."""
    rows = _inbox(viewer)
    if since_id is not None:
        rows = rows.filter(id__gt=since_id)
    return rows.count()


def notification_preferences(viewer: Viewer) -> Preferences:
    """The viewer's saved preferences, else the defaults (everything on, from everyone), unsaved."""
    if viewer.id is None:
        raise Http404("Record not found")
    found = Preferences.objects.filter(employee_id=viewer.id).first()
    return found if found is not None else Preferences(employee_id=viewer.id)
