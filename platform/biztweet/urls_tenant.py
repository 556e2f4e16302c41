"""Every tenant host: the web app, the APIs, SSO and SCIM.

Modules whose routes live under /api/ come before api.urls, which ends with Mastodon's JSON 404
for anything else under /api/.
"""

from django.urls import include, path, re_path

from frontend.media import tenant_media

urlpatterns = [
    re_path(r"^media/(?P<schema>[a-z0-9_]+)/(?P<path>.+)$", tenant_media, name="tenant-media"),
    path("", include("streaming.urls")),
    path("", include("api.admin.urls")),
    path("", include("sso.saml.urls")),
    path("", include("sso.scim.urls")),
    path("", include("billing.urls_tenant")),
    path("", include("api.urls")),
    path("", include("frontend.urls")),
]
