"""The vendor's host: Stripe's webhook and the operators' billing pages."""

from django.urls import URLPattern, URLResolver, path

from billing import views, views_ops

urlpatterns: list[URLPattern | URLResolver] = [
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("ops/billing/", views_ops.billing_log, name="ops-billing-log"),
    path("ops/tenants/<slug:slug>/comp/", views_ops.comp, name="ops-billing-comp"),
]
