"""``/api/v1/notifications`` and Mastodon 4.3's grouped ``/api/v2/notifications``: what happened to me,
re-checked against visibility on every read."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, id_list, json_response, link_header
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


def render_notifications(
    entities: Entities, notifications: list[Any], *, filtered: bool = True
) -> list[dict[str, Any]]:
    """Notifications as Mastodon renders them. ``filtered``: those about a post the recipient's "hide"
    filters leave out of notifications are left out (not when one is asked for by id)."""
    from notifications.selectors import group_key

    actors = [n.actor for n in notifications]
    posts = [n.post for n in notifications if n.post_id is not None]
    accounts = entities.accounts(actors)
    statuses = dict(zip([p.pk for p in posts], entities.statuses(posts), strict=True))
    out = []
    for n, account in zip(notifications, accounts, strict=True):
        if filtered and entities.hidden_in("notifications", n.post_id):
            continue
        out.append(
            {
                "id": str(n.pk),
                "type": TYPES.get(n.kind, n.kind),
                # The key of its group in /api/v2/notifications, so that a stream event or a v1
                # page joins the group an app already shows.
                "group_key": group_key(n),
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
        return json_response(render_notifications(Entities(request, self.viewer), [found], filtered=False)[0])


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


def _count_limit(request: Request) -> int:
    raw = request.query_params.get("limit") or "100"
    try:
        return max(1, min(int(raw), 1000))
    except ValueError:
        raise Unprocessable("limit must be a number") from None


class UnreadCount(MastodonView):
    """Notifications above the notifications marker (what apps show as a badge), at most ``limit``."""

    scopes = {"GET": "read:notifications"}

    def get(self, request: Request) -> HttpResponse:
        from notifications.selectors import read_up_to, unread_count

        limit = _count_limit(request)
        return json_response(
            {"count": unread_count(self.viewer, since_id=read_up_to(self.viewer), limit=limit)}
        )


PARTIAL_ACCOUNT_FIELDS = ("id", "acct", "url", "avatar", "avatar_static", "locked", "bot")


def render_groups(entities: Entities, groups: list[Any], *, partial_avatars: bool = False) -> dict[str, Any]:
    """Mastodon's GroupedNotificationsResults: the groups, and once each the accounts and statuses
    they name. ``partial_avatars`` (``expand_accounts=partial_avatars``): only each group's most recent
    account in full, the others in ``partial_accounts`` as PartialAccountWithAvatar (what an app needs
    to draw the row of small avatars)."""
    people = {pk for g in groups for pk in g.sample_actor_ids}
    accounts = entities.accounts_by_id(people)
    partial: dict[int, dict[str, Any]] = {}
    if partial_avatars:
        first = {g.sample_actor_ids[0] for g in groups if g.sample_actor_ids}
        partial = {
            pk: {field: account[field] for field in PARTIAL_ACCOUNT_FIELDS}
            for pk, account in accounts.items()
            if pk not in first
        }
        full = {pk: account for pk, account in accounts.items() if pk in first}
    else:
        full = accounts
    posts = list({n.post_id: n.post for g in groups if (n := g.latest).post_id is not None}.values())
    statuses = entities.statuses(posts)
    rendered = []
    for g in groups:
        latest = g.latest
        if entities.hidden_in("notifications", latest.post_id):
            continue
        group: dict[str, Any] = {
            "group_key": g.key,
            "notifications_count": len(g.members),
            "type": TYPES.get(latest.kind, latest.kind),
            "most_recent_notification_id": str(latest.pk),
            "page_min_id": str(g.oldest_id),
            "page_max_id": str(latest.pk),
            "latest_page_notification_at": iso(latest.created_at),
            "sample_account_ids": [str(pk) for pk in g.sample_actor_ids if pk in accounts],
        }
        if latest.post_id is not None:
            group["status_id"] = str(latest.post_id)
        rendered.append(group)
    results = {
        "accounts": list(full.values()),
        "statuses": [
            s for p, s in zip(posts, statuses, strict=True) if not entities.hidden_in("notifications", p.pk)
        ],
        "notification_groups": rendered,
    }
    if partial_avatars:
        results["partial_accounts"] = list(partial.values())
    return results


class NotificationGroups(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request: Request) -> HttpResponse:
        from notifications.selectors import notification_groups

        account_id = request.query_params.get("account_id")
        grouped = id_list(request, "grouped_types")
        found = notification_groups(
            self.viewer,
            self.page(default=40, maximum=80),
            types=id_list(request, "types") or None,
            exclude_types=id_list(request, "exclude_types") or None,
            account_id=int(account_id) if account_id and account_id.isdigit() else None,
            grouped_types=grouped if "grouped_types" in request.query_params or grouped else None,
        )
        headers = {}
        if found.groups:
            link = link_header(request, next_max_id=found.oldest_id, prev_min_id=found.newest_id)
            headers["Link"] = link
        partial = request.query_params.get("expand_accounts") == "partial_avatars"
        rendered = render_groups(Entities(request, self.viewer), found.groups, partial_avatars=partial)
        return json_response(rendered, headers=headers)


class NotificationGroupDetail(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request: Request, group_key: str) -> HttpResponse:
        from notifications.selectors import notification_group

        group = notification_group(self.viewer, group_key)
        return json_response(render_groups(Entities(request, self.viewer), [group]))


class NotificationGroupAccounts(MastodonView):
    """Everyone in a group, newest first (a group's sample shows eight at most)."""

    scopes = {"GET": "read:notifications"}

    def get(self, request: Request, group_key: str) -> HttpResponse:
        from notifications.selectors import notification_group

        group = notification_group(self.viewer, group_key)
        accounts = Entities(request, self.viewer).accounts_by_id(group.actor_ids)
        return json_response([accounts[pk] for pk in group.actor_ids if pk in accounts])


class NotificationGroupDismiss(MastodonView):
    scopes = {"POST": "write:notifications"}

    def post(self, request: Request, group_key: str) -> HttpResponse:
        from notifications.services import notification_group_dismiss

        notification_group_dismiss(viewer=self.viewer, group_key=group_key)
        return json_response({})


class UnreadGroupCount(MastodonView):
    """Groups above the notifications marker, at most ``limit`` (Mastodon 4.3's v2 badge)."""

    scopes = {"GET": "read:notifications"}

    def get(self, request: Request) -> HttpResponse:
        from common.paging import Page
        from filters.selectors import hidden_post_ids, hiding_filters
        from notifications.selectors import notification_groups, read_up_to

        limit = _count_limit(request)
        found = notification_groups(self.viewer, Page(since_id=read_up_to(self.viewer), limit=limit))
        # Groups about a post the reader's "hide" filters leave off the page are not counted either.
        hidden = hidden_post_ids(
            self.viewer,
            hiding_filters(self.viewer, "notifications"),
            {g.latest.post_id for g in found.groups if g.latest.post_id is not None},
        )
        return json_response({"count": sum(1 for g in found.groups if g.latest.post_id not in hidden)})


# Mastodon 4.3's notification policy: what to do with notifications from strangers, new accounts and
# private mentions. Inside a company everyone is a colleague under their real name, so every kind is
# accepted and nothing is ever held back as a request. Apps read these to decide whether to show a
# "filtered notifications" entry; changing the policy is not offered (a 405 says so).
_NO_PENDING = {"pending_requests_count": 0, "pending_notifications_count": 0}


class NotificationPolicyV1(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request: Request) -> HttpResponse:
        return json_response(
            {
                "filter_not_following": False,
                "filter_not_followers": False,
                "filter_new_accounts": False,
                "filter_private_mentions": False,
                "summary": _NO_PENDING,
            }
        )


class NotificationPolicyV2(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request: Request) -> HttpResponse:
        kinds = ("not_following", "not_followers", "new_accounts", "private_mentions", "limited_accounts")
        return json_response({**{f"for_{kind}": "accept" for kind in kinds}, "summary": _NO_PENDING})


class NotificationRequests(MastodonView):
    """Held-back notifications from strangers: never any (see the policy above)."""

    scopes = {"GET": "read:notifications"}

    def get(self, request: Request) -> HttpResponse:
        return json_response([])


class NotificationRequestsMerged(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request: Request) -> HttpResponse:
        return json_response({"merged": True})
