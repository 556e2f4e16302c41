from django.contrib.auth import views as auth_views
from django.urls import path

from tenants import views

app_name = "ops"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("ops/login/", auth_views.LoginView.as_view(template_name="tenants/ops_login.html"), name="login"),
    path("ops/logout/", auth_views.LogoutView.as_view(next_page="ops:login"), name="logout"),
    path("ops/", views.console, name="console"),
    path("ops/tenants/<slug:slug>/status/", views.set_status, name="set-status"),
]
