"""Routes filled in by the saml work; included from the host URLconfs."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
