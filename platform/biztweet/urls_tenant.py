"""Every tenant host: the web app, the APIs, SSO and SCIM."""

from django.urls import include, path, re_path

from frontend.media import tenant_media

urlpatterns = [
    re_path(r"^media/(?P<schema>[a-z0-9_]+)/(?P<path>.+)$", tenant_media, name="tenant-media"),
    path("", include("api.urls")),
    path("", include("frontend.urls")),
]
