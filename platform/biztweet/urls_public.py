"""The vendor's own host (BASE_DOMAIN): operator console, Stripe webhooks."""

from django.urls import include, path

urlpatterns = [
    path("", include("billing.urls_public")),
    path("", include("tenants.urls")),
]
