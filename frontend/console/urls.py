"""The tenant admin console (issue 4), at /admin-console/. Every page is admin-only and CSRF-protected."""

from django.urls import path

from frontend.console import exports, integrations, views

app_name = "console"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("org/", views.org, name="org"),
    path("org/<int:unit_id>/", views.org_unit, name="org-unit"),
    path("ranks/", views.ranks, name="ranks"),
    path("employees/", views.employees, name="employees"),
    path("employees/new/", views.employee_new, name="employee-new"),
    path("employees/<int:employee_id>/", views.employee_edit, name="employee"),
    path("employees/<int:employee_id>/active/", views.employee_active, name="employee-active"),
    path("import/", views.directory_import, name="import"),
    path("policy/", views.policy_page, name="policy"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/new/", views.announcement_new, name="announcement-new"),
    path("announcements/<int:announcement_id>/", views.announcement_edit, name="announcement"),
    path(
        "announcements/<int:announcement_id>/delete/", views.announcement_delete, name="announcement-delete"
    ),
    path("moderation/", views.moderation_page, name="moderation"),
    path("moderation/<int:report_id>/", views.report_action, name="report-action"),
    path("audit/", views.audit, name="audit"),
    path("settings/", views.tenant_settings, name="settings"),
    path("view-as/", views.view_as, name="view-as"),
    path("sso/", integrations.saml_page, name="sso"),
    path("scim/", integrations.scim_page, name="scim"),
    path("scim/<int:token_id>/revoke/", integrations.scim_token_revoke, name="scim-revoke"),
    path("billing/", integrations.billing_page, name="billing"),
    path("billing/subscription/", integrations.billing_subscription, name="billing-subscription"),
    path("export/", exports.export_page, name="export"),
    path("export/<int:export_id>/download/", exports.export_download, name="export-download"),
]
