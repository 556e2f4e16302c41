"""Every tenant host: the web app, the APIs, SSO and SCIM.

The Mastodon API comes first (most requests are its own), then the other modules with routes under
/api/, then Mastodon's JSON 404 for anything else there (``api.urls.fallback``).
"""

from django.urls import include, path, re_path

from api.urls import fallback
from frontend.media import tenant_media

urlpatterns = [
    re_path(r"^media/(?P<schema>[a-z0-9_]+)/(?P<path>.+)$", tenant_media, name="tenant-media"),
    path("", include("streaming.urls")),
    path("", include("api.urls")),
    path("", include("api.admin.urls")),
    path("", include("sso.saml.urls")),
    path("", include("sso.scim.urls")),
    path("", include("billing.urls_tenant")),
    *fallback,
    path("", include("frontend.urls")),
]
