"""Tenant administration (/api/bt/v1/org/…, /api/bt/v1/admin/…) and Mastodon's reports endpoint.
Included before api.urls, whose /api/ catch-all answers 404."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, re_path

from api.admin import announcements, exports, reports, views

ID = r"(?P<pk>[0-9]+)"


def route(pattern: str, view: Any, name: str) -> URLPattern:
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)


urlpatterns: list[URLPattern | URLResolver] = [
    route("api/v1/reports", reports.ReportCreate, "reports"),
    route("api/bt/v1/org/units", views.OrgUnits, "admin-org-units"),
    route(f"api/bt/v1/org/units/{ID}", views.OrgUnitDetail, "admin-org-unit"),
    route("api/bt/v1/org/ranks", views.Ranks, "admin-org-ranks"),
    route("api/bt/v1/admin/employees", views.Employees, "admin-employees"),
    route(f"api/bt/v1/admin/employees/{ID}", views.EmployeeDetail, "admin-employee"),
    route("api/bt/v1/admin/policy", views.Policy, "admin-policy"),
    route("api/bt/v1/admin/settings", views.Settings, "admin-settings"),
    route("api/bt/v1/admin/audit", views.Audit, "admin-audit"),
    route("api/bt/v1/admin/announcements", announcements.Announcements, "admin-announcements"),
    route(f"api/bt/v1/admin/announcements/{ID}", announcements.AnnouncementDetail, "admin-announcement"),
    route("api/bt/v1/admin/export", exports.Exports, "admin-exports"),
    route(f"api/bt/v1/admin/export/{ID}", exports.ExportDetail, "admin-export"),
    route(f"api/bt/v1/admin/export/{ID}/download", exports.ExportDownload, "admin-export-download"),
    route("api/bt/v1/admin/reports", views.Reports, "admin-reports"),
    route(f"api/bt/v1/admin/reports/{ID}", views.ReportDetail, "admin-report"),
    route(
        f"api/bt/v1/admin/reports/{ID}/(?P<action>resolve|remove_post|suspend)",
        views.ReportAction,
        "admin-report-action",
    ),
]
