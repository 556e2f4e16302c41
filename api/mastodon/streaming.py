"""Mastodon's streaming payloads, rendered once per event by the publisher (``streaming.publish``).

A Status goes to every connection that may see it, so it is rendered for nobody in particular: no
"favourited by me" flags and counts over nothing hidden (Mastodon's streaming server does the same
with its anonymous payload). A notification has one recipient and is rendered for them. The one
per-reader part of a Status, ``filtered`` (the reader's keyword filters that cover it), is added by the
stream process for the few readers it concerns (``with_filter_results``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from api.entities import Entities, account_rows, filter_result
from filters.selectors import Hit, searchable_text
from notifications.models import Notification
from policy import Viewer
from posts.models import Post


class _TenantOrigin:
    """What ``Entities`` needs from a request: the tenant's own address for links and images."""

    def __init__(self) -> None:
        from tenants.services import current_tenant_url

        self.scheme, _, self._host = current_tenant_url(default="http://localhost").partition("://")

    def get_host(self) -> str:
        return self._host


def render_status(post: Post) -> str:
    return render_status_and_text(post)[0]


def render_status_and_text(post: Post) -> tuple[str, str]:
    """The anonymous Status, and the text keyword filters look for in what it shows (for a repost: its
    original's words, poll options and image descriptions), as ``api.entities`` matches them on reads.
    The options and descriptions come from the Status itself: no statement more than rendering."""
    entities = Entities(_TenantOrigin(), Viewer(employee=None))  # type: ignore[arg-type]
    status = entities.status(post)
    shown = status["reblog"] or status
    original = post.reblog_of if post.reblog_of_id is not None and post.reblog_of is not None else post
    poll = shown["poll"]
    text = searchable_text(
        text=original.text,
        spoiler_text=original.spoiler_text,
        poll_options=[o["title"] for o in poll["options"]] if poll else (),
        descriptions=[m["description"] or "" for m in shown["media_attachments"]],
    )
    return orjson.dumps(status).decode(), text


def with_filter_results(status: dict[str, Any], hits: Sequence[Hit], reblog_hits: Sequence[Hit]) -> str:
    """The anonymous Status (parsed) as one reader gets it: ``filtered`` names their filters that
    cover it (``hits``) and, for a repost, those that cover its original (``reblog_hits``), the shape
    the REST API gives (``api.entities.filter_result``)."""
    out = dict(status, filtered=[filter_result(h) for h in hits])
    if (reblog := status.get("reblog")) is not None:
        out["reblog"] = dict(reblog, filtered=[filter_result(h) for h in reblog_hits])
    return orjson.dumps(out).decode()


def render_accounts(employee_ids: list[int]) -> list[list[str]]:
    """``[[id, Account JSON], ...]`` in the order given (one query): the participants a direct post's
    ``conversation`` events show."""
    entities = Entities(_TenantOrigin(), Viewer(employee=None))  # type: ignore[arg-type]
    found = {e.pk: e for e in account_rows(employee_ids)}
    rows = entities.accounts([found[pk] for pk in employee_ids if pk in found])
    return [[row["id"], orjson.dumps(row).decode()] for row in rows]


def render_notification(notification: Notification) -> str | None:
    """The notification as its recipient reads it; None when their "hide" filters leave it out."""
    from api.mastodon.notifications import render_notifications

    recipient = notification.recipient
    entities = Entities(_TenantOrigin(), Viewer.of(recipient))  # type: ignore[arg-type]
    found: list[dict[str, Any]] = render_notifications(entities, [notification])
    return orjson.dumps(found[0]).decode() if found else None


def render_announcement(announcement: Any) -> str:
    """The Announcement as every reader gets it but for what is their own (``with_reader_marks``)."""
    from announcements.selectors import announcement_item_for_nobody
    from api.mastodon.announcements import announcement_entity

    origin = _TenantOrigin()
    base = f"{origin.scheme}://{origin.get_host()}"
    return orjson.dumps(announcement_entity(announcement_item_for_nobody(announcement), base)).decode()


def with_reader_marks(announcement: dict[str, Any], read: bool, reacted: frozenset[str]) -> str:
    """The Announcement (parsed) as one reader gets it: ``read`` if they dismissed it, ``me`` on the
    reactions that are theirs, as ``GET /api/v1/announcements`` shows them."""
    reactions = [dict(r, me=r["name"] in reacted) for r in announcement["reactions"]]
    return orjson.dumps(dict(announcement, read=read, reactions=reactions)).decode()
