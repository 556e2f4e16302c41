"""Tenant hosts: the admin billing API (API.md), before api.urls' /api/ catch-all."""

from django.urls import URLPattern, URLResolver, path

from billing import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/bt/v1/admin/billing", views.BillingView.as_view(), name="billing-overview"),
    path(
        "api/bt/v1/admin/billing/subscription", views.SubscriptionView.as_view(), name="billing-subscription"
    ),
    path("api/bt/v1/admin/billing/checkout", views.CheckoutView.as_view(), name="billing-checkout"),
    path("api/bt/v1/admin/billing/portal", views.PortalView.as_view(), name="billing-portal"),
]
