"""``/api/v1/notifications``: what happened to me, re-checked against visibility on every read."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, id_list, json_response
from api.entities import Entities, iso

# Our stored kinds → Mastodon's notification types (identical today; the map keeps the wire stable).
TYPES = {
    "mention": "mention",
    "status": "status",
    "reblog": "reblog",
    "follow": "follow",
    "favourite": "favourite",
    "poll": "poll",
    "update": "update",
}


def render_notifications(entities: Entities, notifications: list[Any]) -> list[dict[str, Any]]:
    actors = [n.actor for n in notifications]
    posts = [n.post for n in notifications if n.post_id is not None]
    accounts = entities.accounts(actors)
    statuses = dict(zip([p.pk for p in posts], entities.statuses(posts), strict=True))
    out = []
    for n, account in zip(notifications, accounts, strict=True):
        out.append(
            {
                "id": str(n.pk),
                "type": TYPES.get(n.kind, n.kind),
                "group_key": f"ungrouped-{n.pk}",
                "created_at": iso(n.created_at),
                "account": account,
                "status": statuses.get(n.post_id) if n.post_id is not None else None,
            }
        )
    return out


class NotificationList(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request: Request) -> HttpResponse:
        from notifications.selectors import notification_list

        account_id = request.query_params.get("account_id")
        found = notification_list(
            self.viewer,
            self.page(default=15, maximum=30),
            types=id_list(request, "types") or None,
            exclude_types=id_list(request, "exclude_types") or None,
            account_id=int(account_id) if account_id and account_id.isdigit() else None,
        )
        entities = Entities(request, self.viewer)
        return self.paged(found, lambda items: render_notifications(entities, items))


class NotificationDetail(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request: Request, notification_id: str) -> HttpResponse:
        from notifications.selectors import notification_get

        found = notification_get(self.viewer, notification_id)
        return json_response(render_notifications(Entities(request, self.viewer), [found])[0])


class NotificationClear(MastodonView):
    scopes = {"POST": "write:notifications"}

    def post(self, request: Request) -> HttpResponse:
        from notifications.services import notifications_clear

        notifications_clear(employee=self.employee)
        return json_response({})


class NotificationDismiss(MastodonView):
    scopes = {"POST": "write:notifications"}

    def post(self, request: Request, notification_id: str) -> HttpResponse:
        from notifications.services import notification_dismiss

        try:
            pk = int(notification_id)
        except ValueError:
            raise Unprocessable("Record not found") from None
        notification_dismiss(viewer_employee=self.employee, notification_id=pk)
        return json_response({})
