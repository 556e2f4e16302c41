"""Every Mastodon route, grouped by path prefix. Each answers with and without a trailing slash
(Mastodon.py asks for ``/api/v1/instance/``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from api import avatars
from api.base import error
from api.mastodon import (
    accounts,
    announcements,
    apps,
    bookmarks,
    conversations,
    favourites,
    filters,
    instance,
    lists,
    markers,
    media,
    notifications,
    polls,
    scheduled,
    search,
    statuses,
    suggestions,
    tags,
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


# Grouped by path prefix, so that resolving a route tries a handful of prefixes and then the routes of
# its group, not every route before it: Django builds its "tried" list as it goes, and a flat list put
# home about 90 patterns in (~130 µs a request, bench/RESULTS.md "Timelines").
_accounts = [
    route("verify_credentials", _view(accounts.VerifyCredentials), "accounts-verify"),
    route("update_credentials", _view(accounts.UpdateCredentials), "accounts-update"),
    route("relationships", _view(accounts.Relationships), "accounts-relationships"),
    route("lookup", _view(accounts.Lookup), "accounts-lookup"),
    route("familiar_followers", _view(accounts.FamiliarFollowers), "accounts-familiar-followers"),
    route("search", _view(accounts.Search), "accounts-search"),
    route(_id("account_id"), _view(accounts.AccountDetail), "account"),
    route(f"{_id('account_id')}/statuses", _view(accounts.AccountStatuses), "account-statuses"),
    route(f"{_id('account_id')}/followers", _view(accounts.AccountFollowers), "account-followers"),
    route(f"{_id('account_id')}/following", _view(accounts.AccountFollowing), "account-following"),
    route(f"{_id('account_id')}/lists", _view(accounts.AccountLists), "account-lists"),
    route(f"{_id('account_id')}/featured_tags", _view(instance.AccountFeaturedTags), "account-featured-tags"),
    route(f"{_id('account_id')}/follow", _view(accounts.Follow), "account-follow"),
    route(f"{_id('account_id')}/unfollow", _view(accounts.Unfollow), "account-unfollow"),
    route(f"{_id('account_id')}/block", _view(accounts.Block), "account-block"),
    route(f"{_id('account_id')}/unblock", _view(accounts.Unblock), "account-unblock"),
    route(f"{_id('account_id')}/mute", _view(accounts.Mute), "account-mute"),
    route(f"{_id('account_id')}/unmute", _view(accounts.Unmute), "account-unmute"),
    route(f"{_id('account_id')}/note", _view(accounts.Note), "account-note"),
    route(
        f"{_id('account_id')}/remove_from_followers",
        _view(accounts.RemoveFromFollowers),
        "account-remove-from-followers",
    ),
]
_statuses = [
    route(_id("status_id"), _view(statuses.StatusDetail), "status"),
    route(f"{_id('status_id')}/context", _view(statuses.StatusContext), "status-context"),
    route(f"{_id('status_id')}/reblogged_by", _view(statuses.RebloggedBy), "status-reblogged-by"),
    route(f"{_id('status_id')}/favourited_by", _view(statuses.FavouritedBy), "status-favourited-by"),
    route(f"{_id('status_id')}/favourite", _view(statuses.Favourite), "status-favourite"),
    route(f"{_id('status_id')}/unfavourite", _view(statuses.Unfavourite), "status-unfavourite"),
    route(f"{_id('status_id')}/reblog", _view(statuses.Reblog), "status-reblog"),
    route(f"{_id('status_id')}/unreblog", _view(statuses.Unreblog), "status-unreblog"),
    route(f"{_id('status_id')}/bookmark", _view(statuses.Bookmark), "status-bookmark"),
    route(f"{_id('status_id')}/unbookmark", _view(statuses.Unbookmark), "status-unbookmark"),
    route(f"{_id('status_id')}/pin", _view(statuses.Pin), "status-pin"),
    route(f"{_id('status_id')}/unpin", _view(statuses.Unpin), "status-unpin"),
    route(f"{_id('status_id')}/mute", _view(statuses.MuteConversation), "status-mute"),
    route(f"{_id('status_id')}/unmute", _view(statuses.UnmuteConversation), "status-unmute"),
    route(f"{_id('status_id')}/history", _view(statuses.History), "status-history"),
    route(f"{_id('status_id')}/source", _view(statuses.Source), "status-source"),
]
_timelines = [
    route("home", _view(timelines.Home), "timeline-home"),
    route("public", _view(timelines.Public), "timeline-public"),
    route(r"tag/(?P<hashtag>[^/]+)", _view(timelines.Tag), "timeline-tag"),
    route(f"list/{_id('list_id')}", _view(timelines.ListTimeline), "timeline-list"),
    route(f"unit/{_id('unit_id')}", _view(timelines.UnitTimeline), "timeline-unit"),
]
_notifications = [
    route("clear", _view(notifications.NotificationClear), "notifications-clear"),
    route("unread_count", _view(notifications.UnreadCount), "notifications-unread-count"),
    route("policy", _view(notifications.NotificationPolicyV1), "notifications-policy-v1"),
    route("requests", _view(notifications.NotificationRequests), "notification-requests"),
    route("requests/merged", _view(notifications.NotificationRequestsMerged), "notification-requests-merged"),
    route(_id("notification_id"), _view(notifications.NotificationDetail), "notification"),
    route(
        f"{_id('notification_id')}/dismiss", _view(notifications.NotificationDismiss), "notification-dismiss"
    ),
]
_v1: list[URLPattern | URLResolver] = [
    # timelines and statuses first: most requests are theirs
    path("timelines/", include(_timelines)),
    route("statuses", _view(statuses.StatusCreate), "statuses"),
    path("statuses/", include(_statuses)),
    route("notifications", _view(notifications.NotificationList), "notifications"),
    path("notifications/", include(_notifications)),
    route("accounts", _view(accounts.AccountsByIds), "accounts"),
    path("accounts/", include(_accounts)),
    route("apps", _view(apps.AppCreate), "apps"),
    route("apps/verify_credentials", _view(apps.AppVerifyCredentials), "apps-verify"),
    route("bookmarks", _view(bookmarks.Bookmarks), "bookmarks"),
    route("conversations", _view(conversations.Conversations), "conversations"),
    route(f"conversations/{_id('thread_id')}", _view(conversations.ConversationDetail), "conversation"),
    route(
        f"conversations/{_id('thread_id')}/read", _view(conversations.ConversationRead), "conversation-read"
    ),
    route("favourites", _view(favourites.Favourites), "favourites"),
    route("mutes", _view(accounts.Mutes), "mutes"),
    route("blocks", _view(accounts.Blocks), "blocks"),
    route("follow_requests", _view(accounts.FollowRequests), "follow-requests"),
    route("preferences", _view(instance.Preferences), "preferences"),
    route("media", _view(media.MediaCreate), "media-v1"),
    route(f"media/{_id('media_id')}", _view(media.MediaDetail), "media-detail"),
    route(f"polls/{_id('poll_id')}", _view(polls.PollDetail), "poll"),
    route(f"polls/{_id('poll_id')}/votes", _view(polls.PollVote), "poll-votes"),
    route("lists", _view(lists.Lists), "lists"),
    route(f"lists/{_id('list_id')}", _view(lists.ListDetail), "list"),
    route(f"lists/{_id('list_id')}/accounts", _view(lists.ListAccounts), "list-accounts"),
    route("markers", _view(markers.Markers), "markers"),
    route("filters", _view(filters.FiltersV1), "filters-v1"),
    route(f"filters/{_id('keyword_id')}", _view(filters.FilterDetailV1), "filter-v1"),
    route(r"tags/(?P<name>[^/]+)", _view(tags.TagDetail), "tag"),
    route(r"tags/(?P<name>[^/]+)/follow", _view(tags.FollowTag), "tag-follow"),
    route(r"tags/(?P<name>[^/]+)/unfollow", _view(tags.UnfollowTag), "tag-unfollow"),
    route("followed_tags", _view(tags.FollowedTags), "followed-tags"),
    route("suggestions", _view(suggestions.SuggestionsV1), "suggestions-v1"),
    route(f"suggestions/{_id('account_id')}", _view(suggestions.SuggestionDismiss), "suggestion-dismiss"),
    route("featured_tags", _view(instance.FeaturedTags), "featured-tags"),
    route("endorsements", _view(instance.Endorsements), "endorsements"),
    route("domain_blocks", _view(instance.DomainBlocks), "domain-blocks"),
    route("scheduled_statuses", _view(scheduled.ScheduledStatuses), "scheduled-statuses"),
    route(
        f"scheduled_statuses/{_id('scheduled_id')}",
        _view(scheduled.ScheduledStatusDetail),
        "scheduled-status",
    ),
    route("announcements", _view(announcements.Announcements), "announcements"),
    route(
        r"announcements/(?P<announcement_id>[^/]+)/dismiss",
        _view(announcements.AnnouncementDismiss),
        "announcement-dismiss",
    ),
    route(
        r"announcements/(?P<announcement_id>[^/]+)/reactions/(?P<name>[^/]+)",
        _view(announcements.AnnouncementReaction),
        "announcement-reaction",
    ),
    route("trends/statuses", _view(trends.TrendsStatuses), "trends-statuses"),
    route("trends/links", _view(trends.TrendsLinks), "trends-links"),
    route("instance/rules", _view(instance.InstanceRules), "instance-rules"),
    route("instance/peers", _view(instance.InstancePeers), "instance-peers"),
    route("trends/tags", _view(trends.TrendsTags), "trends-tags"),
    route("trends", _view(trends.TrendsTags), "trends"),
    route("instance", _view(instance.InstanceV1), "instance-v1"),
    route("custom_emojis", _view(instance.CustomEmojis), "custom-emojis"),
    route("directory", _view(accounts.Directory), "directory"),
    route("profile/avatar", _view(accounts.ProfileAvatar), "profile-avatar"),
    route("profile/header", _view(accounts.ProfileHeader), "profile-header"),
]
_GROUP_KEY = r"(?P<group_key>[^/]+)"
_v2 = [
    route("notifications", _view(notifications.NotificationGroups), "notification-groups"),
    route(
        "notifications/unread_count",
        _view(notifications.UnreadGroupCount),
        "notification-groups-unread-count",
    ),
    route("notifications/policy", _view(notifications.NotificationPolicyV2), "notifications-policy"),
    route(f"notifications/{_GROUP_KEY}", _view(notifications.NotificationGroupDetail), "notification-group"),
    route(
        f"notifications/{_GROUP_KEY}/accounts",
        _view(notifications.NotificationGroupAccounts),
        "notification-group-accounts",
    ),
    route(
        f"notifications/{_GROUP_KEY}/dismiss",
        _view(notifications.NotificationGroupDismiss),
        "notification-group-dismiss",
    ),
    route("media", _view(media.MediaCreate), "media"),
    route("search", _view(search.SearchV2), "search"),
    route("suggestions", _view(suggestions.SuggestionsV2), "suggestions"),
    route("filters", _view(filters.FiltersV2), "filters"),
    route(f"filters/{_id('filter_id')}", _view(filters.FilterDetailV2), "filter"),
    route(f"filters/{_id('filter_id')}/keywords", _view(filters.FilterKeywords), "filter-keywords"),
    route(f"filters/keywords/{_id('keyword_id')}", _view(filters.FilterKeywordDetail), "filter-keyword"),
    route(f"filters/{_id('filter_id')}/statuses", _view(filters.FilterStatuses), "filter-statuses"),
    route(f"filters/statuses/{_id('status_id')}", _view(filters.FilterStatusDetail), "filter-status"),
    route("instance", _view(instance.InstanceV2), "instance"),
]

# Included first of the tenant's routes (biztweet/urls_tenant.py). A path that none of these routes
# matches (/api/v1/reports, /api/bt/…) goes on to the modules after it, and then to ``fallback``.
urlpatterns = [
    path("api/v1/", include(_v1)),
    path("api/v2/", include(_v2)),
    # OAuth
    route("oauth/authorize", oauth.MastodonAuthorizationView.as_view(), "oauth-authorize"),
    route("oauth/token", oauth.MastodonTokenView.as_view(), "oauth-token"),
    route("oauth/revoke", oauth.MastodonRevokeView.as_view(), "oauth-revoke"),
    route(r"\.well-known/oauth-authorization-server", oauth.authorization_server_metadata, "oauth-metadata"),
    # BizTweet: generated initials avatars
    route(f"avatars/{_id('account_id')}/initials.png", avatars.initials_png, "avatar-initials"),
]

# Included after every module with routes under /api/: anything else there is Mastodon's JSON 404,
# never an HTML page.
fallback = [re_path(r"^api/(?P<rest>.*)$", not_found, name="not-found")]
