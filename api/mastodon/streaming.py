"""Mastodon's streaming payloads, rendered once per event by the publisher (``streaming.publish``).

A Status goes to every connection that may see it, so it is rendered for nobody in particular: no
"favourited by me" flags and counts over nothing hidden (Mastodon's streaming server does the same
with its anonymous payload). A notification has one recipient and is rendered for them.
"""

from __future__ import annotations

from typing import Any

import orjson

from api.entities import Entities, account_rows
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
    entities = Entities(_TenantOrigin(), Viewer(employee=None))  # type: ignore[arg-type]
    return orjson.dumps(entities.status(post)).decode()


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
