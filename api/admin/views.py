"""Tenant administration API (API.md): org units, ranks, employees, policy, audit log; and the
reports queue. Thin views: parse, call one service or selector, serialise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.request import Request

from api.admin.base import AdminView
from api.base import Unprocessable, flag, json_response
from api.entities import iso
from audit import selectors as audit_selectors
from audit.models import AuditEntry
from directory import admin_selectors as selectors
from directory import administration as admin
from directory.models import Employee, OrgUnit, Role
from moderation import selectors as moderation_selectors
from moderation import services as moderation
from moderation.models import Report


def unit_json(unit: OrgUnit) -> dict[str, Any]:
    return {
        "id": str(unit.pk),
        "name": unit.name,
        "parent_id": str(unit.parent_id) if unit.parent_id else None,
        "path": unit.path,
    }


def employee_json(e: Employee) -> dict[str, Any]:
    return {
        "id": str(e.pk),
        "username": e.username,
        "email": e.email,
        "display_name": e.display_name,
        "family_name": e.family_name,
        "given_name": e.given_name,
        "title": e.title,
        "employee_number": e.employee_number,
        "unit_id": str(e.unit_id) if e.unit_id else None,
        "rank_level": e.rank_level,
        "role": e.role,
        "active": e.is_active,
        "created_at": iso(e.date_joined),
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": str(entry.pk),
        "created_at": iso(entry.created_at),
        "actor": {"id": str(entry.actor_id) if entry.actor_id else None, "name": entry.actor_name},
        "ip": entry.ip,
        "action": entry.action,
        "target": {"type": entry.target_type, "id": entry.target_id, "label": entry.target_label},
        "before": entry.before,
        "after": entry.after,
    }


def report_json(report: Report) -> dict[str, Any]:
    # Mastodon's Admin::Report shape, trimmed to what BizTweet has.
    return {
        "id": str(report.pk),
        "action_taken": report.action_taken,
        "action_taken_at": iso(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "created_at": iso(report.created_at),
        "account": {"id": str(report.reporter_id), "display_name": report.reporter.display_name},
        "target_account": {
            "id": str(report.target_account_id),
            "display_name": report.target_account.display_name,
            "active": report.target_account.is_active,
        },
        "statuses": report.posts,
        "resolution": report.resolution,
    }


# -- org units -------------------------------------------------------------------------------------


class OrgUnits(AdminView):
    def get(self, request: Request) -> HttpResponse:
        # The tree is small (hundreds of units): one array, parents before children.
        return json_response([unit_json(u) for u in selectors.org_unit_list(self.viewer)])

    def post(self, request: Request) -> HttpResponse:
        data = self.body()
        unit = admin.org_unit_add(
            actor=self.employee, name=data.get("name"), parent_id=data.get("parent_id"), ip=self.ip
        )
        return json_response(unit_json(unit), status=201)


class OrgUnitDetail(AdminView):
    def get(self, request: Request, pk: str) -> HttpResponse:
        return json_response(unit_json(selectors.org_unit_get(self.viewer, pk)))

    def patch(self, request: Request, pk: str) -> HttpResponse:
        unit = selectors.org_unit_get(self.viewer, pk)
        data = self.body()
        unknown = set(data) - {"name", "parent_id", "id"}
        if unknown:
            raise Unprocessable(f"Unknown field(s): {', '.join(sorted(unknown))}.")
        kwargs = {k: data[k] for k in ("name", "parent_id") if k in data}
        unit = admin.org_unit_update(actor=self.employee, unit=unit, ip=self.ip, **kwargs)
        return json_response(unit_json(unit))

    put = patch

    def delete(self, request: Request, pk: str) -> HttpResponse:
        unit = selectors.org_unit_get(self.viewer, pk)
        admin.org_unit_remove(actor=self.employee, unit=unit, ip=self.ip)
        return json_response({})


# -- ranks -----------------------------------------------------------------------------------------


class Ranks(AdminView):
    def get(self, request: Request) -> HttpResponse:
        return json_response([{"level": r.level, "name": r.name} for r in selectors.rank_list(self.viewer)])

    def put(self, request: Request) -> HttpResponse:
        ranks = admin.ranks_replace(actor=self.employee, ranks=request.data, ip=self.ip)
        return json_response([{"level": r.level, "name": r.name} for r in ranks])


# -- employees -------------------------------------------------------------------------------------


class Employees(AdminView):
    def get(self, request: Request) -> HttpResponse:
        params = request.query_params
        unit_id = params.get("unit_id")
        if unit_id not in (None, "") and not str(unit_id).isdigit():
            raise Unprocessable("unit_id must be an id")
        active = params.get("active")
        people = selectors.employee_list(
            self.viewer,
            page=self.page(default=40, maximum=200),
            query=params.get("q", "").strip(),
            unit_id=int(unit_id) if unit_id else None,
            active=None if active in (None, "") else flag(active),
        )
        return self.paged(people, lambda items: [employee_json(e) for e in items])

    def post(self, request: Request) -> HttpResponse:
        data = self.body()
        unknown = set(data) - admin.EDITABLE - {"id"}
        if unknown:
            raise Unprocessable(f"Unknown field(s): {', '.join(sorted(unknown))}.")
        if "active" in data and not flag(data["active"], True):
            raise Unprocessable("New employees start active; deactivate them afterwards.")
        employee = admin.employee_add(
            actor=self.employee,
            data=admin.EmployeeInput(
                email=str(data.get("email") or ""),
                username=str(data.get("username") or ""),
                display_name=str(data.get("display_name") or ""),
                family_name=str(data.get("family_name") or ""),
                given_name=str(data.get("given_name") or ""),
                title=str(data.get("title") or ""),
                employee_number=str(data.get("employee_number") or ""),
                unit_id=data.get("unit_id"),
                rank_level=data.get("rank_level", 1),
                role=str(data.get("role") or Role.MEMBER),
                password=data.get("password") or None,
            ),
            ip=self.ip,
        )
        return json_response(employee_json(employee), status=201)


class EmployeeDetail(AdminView):
    def get(self, request: Request, pk: str) -> HttpResponse:
        return json_response(employee_json(selectors.employee_get(self.viewer, pk)))

    def patch(self, request: Request, pk: str) -> HttpResponse:
        employee = selectors.employee_get(self.viewer, pk)
        changes = {k: v for k, v in self.body().items() if k != "id"}
        employee = admin.employee_edit(actor=self.employee, employee=employee, changes=changes, ip=self.ip)
        return json_response(employee_json(employee))

    put = patch


# -- policy ----------------------------------------------------------------------------------------


class Policy(AdminView):
    def get(self, request: Request) -> HttpResponse:
        return json_response(admin.policy_snapshot())

    def put(self, request: Request) -> HttpResponse:
        return json_response(admin.tenant_policy_replace(actor=self.employee, policy=self.body(), ip=self.ip))


class Settings(AdminView):
    def get(self, request: Request) -> HttpResponse:
        return json_response(admin.settings_snapshot())

    def patch(self, request: Request) -> HttpResponse:
        return json_response(
            admin.tenant_settings_update(actor=self.employee, changes=self.body(), ip=self.ip)
        )

    put = patch


# -- audit log -------------------------------------------------------------------------------------


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise Unprocessable(f"{name} must be an ISO 8601 date or time")
        parsed = datetime(day.year, day.month, day.day)
    if parsed.tzinfo is None:
        from django.utils import timezone

        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


class Audit(AdminView):
    extra_roles = frozenset({Role.COMPLIANCE})

    def get(self, request: Request) -> HttpResponse:
        params = request.query_params
        filters = audit_selectors.AuditFilter(
            actor=params.get("actor", "").strip(),
            action=params.get("action", "").strip(),
            target=params.get("target", "").strip(),
            since=_when(params.get("since"), "since"),
            until=_when(params.get("until"), "until"),
        )
        entries = audit_selectors.audit_list(
            self.viewer, filters=filters, page=self.page(default=40, maximum=200)
        )
        return self.paged(entries, lambda items: [audit_json(e) for e in items])


# -- reports queue ---------------------------------------------------------------------------------


class Reports(AdminView):
    def get(self, request: Request) -> HttpResponse:
        resolved = request.query_params.get("resolved")
        reports = moderation_selectors.report_list(
            self.viewer, page=self.page(), resolved=None if resolved == "all" else flag(resolved)
        )
        return self.paged(reports, lambda items: [report_json(r) for r in items])


class ReportDetail(AdminView):
    def get(self, request: Request, pk: str) -> HttpResponse:
        return json_response(report_json(moderation_selectors.report_get(self.viewer, pk)))


class ReportAction(AdminView):
    """POST …/reports/:id/resolve | remove_post {status_id} | suspend."""

    def post(self, request: Request, pk: str, action: str) -> HttpResponse:
        report = moderation_selectors.report_get(self.viewer, pk)
        if action == "resolve":
            report = moderation.report_resolve(
                actor=self.employee,
                report=report,
                resolution=str(self.body().get("resolution") or ""),
                ip=self.ip,
            )
        elif action == "remove_post":
            status_id = self.body().get("status_id")
            if not status_id:
                raise Unprocessable("status_id is required")
            moderation.moderation_post_remove(
                actor=self.employee, post_id=status_id, report=report, ip=self.ip
            )
        else:
            moderation.moderation_employee_suspend(
                actor=self.employee, employee=report.target_account, report=report, ip=self.ip
            )
        return json_response(report_json(moderation_selectors.report_get(self.viewer, pk)))
