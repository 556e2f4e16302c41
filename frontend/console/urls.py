"""The tenant admin console (issue 4): routes filled in by the admin-console work."""

from django.urls import URLPattern, URLResolver

app_name = "console"
urlpatterns: list[URLPattern | URLResolver] = []
