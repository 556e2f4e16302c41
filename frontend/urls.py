"""The employee web app's pages. Profiles and tags use the addresses post HTML links to
(posts.text: ``/@username``, ``/tags/<tag>``), and a post's page is ``/@username/<id>`` as on Mastodon."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from frontend import views

app_name = "web"

USER = r"@(?P<username>[A-Za-z0-9_][A-Za-z0-9_.-]*)"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="frontend/login.html", next_page="web:home"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("admin-console/", include("frontend.console.urls")),
    path("company/", views.company, name="company"),
    path("unit/", views.my_unit, name="my-unit"),
    path("units/<int:unit_id>/", views.unit, name="unit"),
    path("tags/<str:name>", views.tag, name="tag"),
    path("tags/<str:name>/follow", views.tag_follow, name="tag-follow"),
    path("bookmarks/", views.bookmarks, name="bookmarks"),
    path("messages/", views.direct, name="direct"),
    path("messages/badge", views.messages_badge, name="messages-badge"),
    path("people/", views.people, name="people"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/badge", views.badge, name="badge"),
    path("announcements/", views.announcements, name="announcements"),
    path(
        "announcements/<int:announcement_id>/dismiss", views.announcement_dismiss, name="announcement-dismiss"
    ),
    path("announcements/<int:announcement_id>/react", views.announcement_react, name="announcement-react"),
    path("search/", views.search, name="search"),
    path("compose/", views.compose, name="compose"),
    path("compose/audience", views.audience_preview, name="audience"),
    path("compose/suggest", views.suggest, name="suggest"),
    path("scheduled/", views.scheduled, name="scheduled"),
    path("scheduled/<int:scheduled_id>/reschedule", views.scheduled_reschedule, name="scheduled-reschedule"),
    path("scheduled/<int:scheduled_id>/cancel", views.scheduled_cancel, name="scheduled-cancel"),
    path("scheduled/<int:scheduled_id>/edit", views.scheduled_edit, name="scheduled-edit"),
    path("scheduled/<int:scheduled_id>/dismiss", views.scheduled_dismiss, name="scheduled-dismiss"),
    path("posts/<int:post_id>/actions", views.post_actions, name="post-actions"),
    path("posts/<int:post_id>/favourite", views.favourite, name="favourite"),
    path("posts/<int:post_id>/reblog", views.reblog, name="reblog"),
    path("posts/<int:post_id>/bookmark", views.bookmark, name="bookmark"),
    path("posts/<int:post_id>/mute", views.mute, name="mute"),
    path("posts/<int:post_id>/pin", views.pin, name="pin"),
    path("posts/<int:post_id>/vote", views.vote, name="vote"),
    path("posts/<int:post_id>/delete", views.delete, name="delete"),
    path("posts/<int:post_id>/filter", views.post_filter, name="post-filter"),
    path("settings/", views.settings_profile, name="settings"),
    path("settings/notifications/", views.settings_notifications, name="settings-notifications"),
    path("settings/apps/", views.settings_apps, name="settings-apps"),
    path("settings/apps/<int:application_id>/revoke", views.settings_app_revoke, name="settings-app-revoke"),
    path("settings/filters/", views.settings_filters, name="settings-filters"),
    path("settings/filters/new", views.settings_filter_new, name="settings-filter-new"),
    path("settings/filters/<int:filter_id>/", views.settings_filter_edit, name="settings-filter"),
    path(
        "settings/filters/<int:filter_id>/delete", views.settings_filter_delete, name="settings-filter-delete"
    ),
    path(
        "settings/filters/<int:filter_id>/posts/<int:status_id>/remove",
        views.settings_filter_status_remove,
        name="settings-filter-status-remove",
    ),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
    re_path(rf"^{USER}/(?P<post_id>[0-9]+)$", views.post_detail, name="post"),
    re_path(rf"^{USER}/follow$", views.follow, name="follow"),
    re_path(rf"^{USER}$", views.profile, name="profile"),
]
