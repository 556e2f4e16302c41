"""SAML endpoints (API.md) and the admin API for their settings; included from the tenant URLconf."""

from django.urls import URLPattern, URLResolver, path, re_path

from sso.saml import api, views

app_name = "sso_saml"
urlpatterns: list[URLPattern | URLResolver] = [
    path("sso/saml/metadata/", views.metadata, name="metadata"),
    path("sso/saml/login/", views.login_start, name="login"),
    path("sso/saml/acs/", views.acs, name="acs"),
    path("sso/saml/sls/", views.sls, name="sls"),
    re_path(r"^api/bt/v1/admin/sso/saml/?$", api.SamlAdmin.as_view(), name="admin"),
]
