"""Every Mastodon route, in the order of Mastodon's API documentation. Each answers with and without a
trailing slash (Mastodon.py asks for ``/api/v1/instance/``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from api import avatars
from api.base import error
from api.mastodon import (
    accounts,
    apps,
    bookmarks,
    favourites,
    instance,
    lists,
    markers,
    media,
    notifications,
    polls,
    search,
    statuses,
    timelines,
    trends,
)
from api.oauth import views as oauth

app_name = "api"

ID = r"(?P<{}>[0-9]+)"


def route(pattern: str, view: Any, name: str) -> URLPattern:
    pattern = pattern.replace(":id", ID.format("pk"))
    return re_path(rf"^{pattern}/?$", view, name=name)


def _view(cls: Any) -> Any:
    return cls.as_view()


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error("Record not found", 404)


def _id(name: str) -> str:
    return ID.format(name)


urlpatterns = [
    # OAuth
    route("oauth/authorize", oauth.MastodonAuthorizationView.as_view(), "oauth-authorize"),
    route("oauth/token", oauth.MastodonTokenView.as_view(), "oauth-token"),
    route("oauth/revoke", oauth.MastodonRevokeView.as_view(), "oauth-revoke"),
    route(r"\.well-known/oauth-authorization-server", oauth.authorization_server_metadata, "oauth-metadata"),
    # apps
    route("api/v1/apps", _view(apps.AppCreate), "apps"),
    route("api/v1/apps/verify_credentials", _view(apps.AppVerifyCredentials), "apps-verify"),
    # accounts
    route("api/v1/accounts/verify_credentials", _view(accounts.VerifyCredentials), "accounts-verify"),
    route("api/v1/accounts/update_credentials", _view(accounts.UpdateCredentials), "accounts-update"),
    route("api/v1/accounts/relationships", _view(accounts.Relationships), "accounts-relationships"),
    route("api/v1/accounts/lookup", _view(accounts.Lookup), "accounts-lookup"),
    route("api/v1/accounts/search", _view(accounts.Search), "accounts-search"),
    route(f"api/v1/accounts/{_id('account_id')}", _view(accounts.AccountDetail), "account"),
    route(
        f"api/v1/accounts/{_id('account_id')}/statuses", _view(accounts.AccountStatuses), "account-statuses"
    ),
    route(
        f"api/v1/accounts/{_id('account_id')}/followers",
        _view(accounts.AccountFollowers),
        "account-followers",
    ),
    route(
        f"api/v1/accounts/{_id('account_id')}/following",
        _view(accounts.AccountFollowing),
        "account-following",
    ),
    route(f"api/v1/accounts/{_id('account_id')}/follow", _view(accounts.Follow), "account-follow"),
    route(f"api/v1/accounts/{_id('account_id')}/unfollow", _view(accounts.Unfollow), "account-unfollow"),
    route(f"api/v1/accounts/{_id('account_id')}/block", _view(accounts.Block), "account-block"),
    route(f"api/v1/accounts/{_id('account_id')}/unblock", _view(accounts.Unblock), "account-unblock"),
    route(f"api/v1/accounts/{_id('account_id')}/mute", _view(accounts.Mute), "account-mute"),
    route(f"api/v1/accounts/{_id('account_id')}/unmute", _view(accounts.Unmute), "account-unmute"),
    route("api/v1/bookmarks", _view(bookmarks.Bookmarks), "bookmarks"),
    route("api/v1/favourites", _view(favourites.Favourites), "favourites"),
    route("api/v1/mutes", _view(accounts.Mutes), "mutes"),
    route("api/v1/blocks", _view(accounts.Blocks), "blocks"),
    route("api/v1/follow_requests", _view(accounts.FollowRequests), "follow-requests"),
    route("api/v1/preferences", _view(instance.Preferences), "preferences"),
    # statuses
    route("api/v1/statuses", _view(statuses.StatusCreate), "statuses"),
    route(f"api/v1/statuses/{_id('status_id')}", _view(statuses.StatusDetail), "status"),
    route(f"api/v1/statuses/{_id('status_id')}/context", _view(statuses.StatusContext), "status-context"),
    route(
        f"api/v1/statuses/{_id('status_id')}/reblogged_by", _view(statuses.RebloggedBy), "status-reblogged-by"
    ),
    route(
        f"api/v1/statuses/{_id('status_id')}/favourited_by",
        _view(statuses.FavouritedBy),
        "status-favourited-by",
    ),
    route(f"api/v1/statuses/{_id('status_id')}/favourite", _view(statuses.Favourite), "status-favourite"),
    route(
        f"api/v1/statuses/{_id('status_id')}/unfavourite", _view(statuses.Unfavourite), "status-unfavourite"
    ),
    route(f"api/v1/statuses/{_id('status_id')}/reblog", _view(statuses.Reblog), "status-reblog"),
    route(f"api/v1/statuses/{_id('status_id')}/unreblog", _view(statuses.Unreblog), "status-unreblog"),
    route(f"api/v1/statuses/{_id('status_id')}/bookmark", _view(statuses.Bookmark), "status-bookmark"),
    route(f"api/v1/statuses/{_id('status_id')}/unbookmark", _view(statuses.Unbookmark), "status-unbookmark"),
    route(f"api/v1/statuses/{_id('status_id')}/history", _view(statuses.History), "status-history"),
    route(f"api/v1/statuses/{_id('status_id')}/source", _view(statuses.Source), "status-source"),
    route("api/v1/media", _view(media.MediaCreate), "media-v1"),
    route("api/v2/media", _view(media.MediaCreate), "media"),
    route(f"api/v1/media/{_id('media_id')}", _view(media.MediaDetail), "media-detail"),
    route(f"api/v1/polls/{_id('poll_id')}", _view(polls.PollDetail), "poll"),
    route(f"api/v1/polls/{_id('poll_id')}/votes", _view(polls.PollVote), "poll-votes"),
    # timelines
    route("api/v1/timelines/home", _view(timelines.Home), "timeline-home"),
    route("api/v1/timelines/public", _view(timelines.Public), "timeline-public"),
    route(r"api/v1/timelines/tag/(?P<hashtag>[^/]+)", _view(timelines.Tag), "timeline-tag"),
    route(f"api/v1/timelines/list/{_id('list_id')}", _view(timelines.ListTimeline), "timeline-list"),
    route(f"api/v1/timelines/unit/{_id('unit_id')}", _view(timelines.UnitTimeline), "timeline-unit"),
    route("api/v1/lists", _view(lists.Lists), "lists"),
    route(f"api/v1/lists/{_id('list_id')}", _view(lists.ListDetail), "list"),
    route(f"api/v1/lists/{_id('list_id')}/accounts", _view(lists.ListAccounts), "list-accounts"),
    route("api/v1/markers", _view(markers.Markers), "markers"),
    # notifications
    route("api/v1/notifications", _view(notifications.NotificationList), "notifications"),
    route("api/v1/notifications/clear", _view(notifications.NotificationClear), "notifications-clear"),
    route(
        f"api/v1/notifications/{_id('notification_id')}",
        _view(notifications.NotificationDetail),
        "notification",
    ),
    route(
        f"api/v1/notifications/{_id('notification_id')}/dismiss",
        _view(notifications.NotificationDismiss),
        "notification-dismiss",
    ),
    # search, filters, trends
    route("api/v2/search", _view(search.SearchV2), "search"),
    route("api/v1/filters", _view(instance.FiltersV1), "filters-v1"),
    route("api/v2/filters", _view(instance.FiltersV2), "filters"),
    route("api/v1/trends/tags", _view(trends.TrendsTags), "trends-tags"),
    route("api/v1/trends", _view(trends.TrendsTags), "trends"),
    # instance
    route("api/v1/instance", _view(instance.InstanceV1), "instance-v1"),
    route("api/v2/instance", _view(instance.InstanceV2), "instance"),
    route("api/v1/custom_emojis", _view(instance.CustomEmojis), "custom-emojis"),
    # BizTweet: generated initials avatars
    route(f"avatars/{_id('account_id')}/initials.png", avatars.initials_png, "avatar-initials"),
    # Anything else under /api/ is Mastodon's JSON 404, never an HTML page.
    re_path(r"^api/(?P<rest>.*)$", not_found, name="not-found"),
]
