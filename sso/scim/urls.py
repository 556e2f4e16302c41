"""SCIM 2.0 at /scim/v2/ and the admin API for SCIM tokens; included from the tenant URLconf."""

from django.urls import URLPattern, URLResolver, re_path

from sso.scim import admin
from sso.scim import views as v

ID = r"(?P<pk>[^/]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^api/bt/v1/admin/scim/tokens/?$", admin.ScimTokens.as_view(), name="scim-tokens"),
    re_path(
        r"^api/bt/v1/admin/scim/tokens/(?P<pk>[0-9]+)/?$",
        admin.ScimTokenDetail.as_view(),
        name="scim-token",
    ),
    re_path(
        r"^scim/v2/ServiceProviderConfig/?$",
        v.endpoint(get=v.service_provider_config),
        name="scim-spc",
    ),
    re_path(r"^scim/v2/ResourceTypes/?$", v.endpoint(get=v.resource_types), name="scim-resource-types"),
    re_path(rf"^scim/v2/ResourceTypes/{ID}/?$", v.endpoint(get=v.resource_types), name="scim-resource-type"),
    re_path(r"^scim/v2/Schemas/?$", v.endpoint(get=v.schemas), name="scim-schemas"),
    re_path(rf"^scim/v2/Schemas/{ID}/?$", v.endpoint(get=v.schemas), name="scim-schema"),
    re_path(r"^scim/v2/\.search/?$", v.endpoint(post=v.search_all), name="scim-search"),
    re_path(r"^scim/v2/Users/?$", v.endpoint(get=v.users_list, post=v.user_create), name="scim-users"),
    re_path(r"^scim/v2/Users/\.search/?$", v.endpoint(post=v.users_list), name="scim-users-search"),
    re_path(
        rf"^scim/v2/Users/{ID}/?$",
        v.endpoint(get=v.user_get, put=v.user_replace, patch=v.user_patch, delete=v.user_delete),
        name="scim-user",
    ),
    re_path(r"^scim/v2/Groups/?$", v.endpoint(get=v.groups_list, post=v.group_create), name="scim-groups"),
    re_path(r"^scim/v2/Groups/\.search/?$", v.endpoint(post=v.groups_list), name="scim-groups-search"),
    re_path(
        rf"^scim/v2/Groups/{ID}/?$",
        v.endpoint(get=v.group_get, put=v.group_replace, patch=v.group_patch, delete=v.group_delete),
        name="scim-group",
    ),
    re_path(
        r"^scim/v2(?:/(?P<rest>.*))?$",
        v.endpoint(**{m: v.not_found for m in ("get", "post", "put", "patch", "delete")}),
        name="scim-404",
    ),
]
