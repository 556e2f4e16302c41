"""Tenant hosts in a benchmark server: the bench endpoints, then everything the product serves."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/hello", views.hello, name="bench-hello"),
    path("bench/naive_home", views.NaiveHome.as_view(), name="bench-naive-home"),
    path("", include("biztweet.urls_tenant")),
]
