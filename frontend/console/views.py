"""The tenant admin console: thin views over directory.administration, moderation and audit.

Every view is wrapped by ``admin_view``: anonymous → sign-in page, anyone but an active admin → 403.
Bad input re-renders the form with the service's message and saves nothing. "View as" calls the
employee-facing selectors with ``Viewer.of(that employee)``; it never has a rule path of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

import policy as policy_engine
from audit import selectors as audit_selectors
from audit.services import client_ip
from common.paging import Page, PageInvalid
from common.zones import zone_choices
from directory import admin_selectors, administration, csv_import
from directory.models import Employee, Role
from moderation import selectors as moderation_selectors
from moderation import services as moderation

View = Callable[..., HttpResponse]


def admin_view(view: View) -> View:
    @login_required(login_url="web:login")
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (isinstance(user, Employee) and user.is_active and user.role == Role.ADMIN):
            raise PermissionDenied(_("The admin console is for tenant administrators."))
        return view(request, user, *args, **kwargs)

    return wrapped


def _viewer(request: HttpRequest) -> policy_engine.Viewer:
    return policy_engine.Viewer.of(request.user)


def _page(request: HttpRequest, limit: int = 50) -> Page:
    try:
        return Page.from_params(request.GET, default=limit, maximum=limit)
    except PageInvalid:
        raise Http404("Not found") from None


def _error(exc: ValidationError | policy_engine.ActionRefused) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _done(request: HttpRequest, message: str, to: str, *args: Any) -> HttpResponseRedirect:
    messages.success(request, message)
    return HttpResponseRedirect(reverse(to, args=args))


def _page_render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {"section": template.rsplit("/", 1)[-1][:-5], **context}, status=status)


@admin_view
def dashboard(request: HttpRequest, admin: Employee) -> HttpResponse:
    open_reports = moderation_selectors.report_list(_viewer(request), page=Page(limit=5), resolved=False)
    recent = audit_selectors.audit_list(
        _viewer(request), filters=audit_selectors.AuditFilter(), page=Page(limit=8)
    )
    return _page_render(
        request,
        "console/dashboard.html",
        {"title": _("Admin console"), "reports": open_reports, "recent": recent},
    )


# -- org tree --------------------------------------------------------------------------------------


@admin_view
@require_http_methods(["GET", "POST"])
def org(request: HttpRequest, admin: Employee) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            administration.org_unit_add(
                actor=admin,
                name=request.POST.get("name"),
                parent_id=request.POST.get("parent_id"),
                ip=client_ip(request),
            )
            return _done(request, _("Unit added."), "web:console:org")
        except ValidationError as exc:
            error = _error(exc)
    units = list(admin_selectors.org_unit_list(_viewer(request)))
    counts = admin_selectors.member_counts()
    for unit in units:
        unit.member_count = counts.get(unit.pk, 0)  # type: ignore[attr-defined]
    return _page_render(
        request,
        "console/org.html",
        {"title": _("Organisation"), "units": units, "error": error, "form": request.POST},
        status=422 if error else 200,
    )


@admin_view
@require_POST
def org_unit(request: HttpRequest, admin: Employee, unit_id: int) -> HttpResponse:
    unit = admin_selectors.org_unit_get(_viewer(request), unit_id)
    try:
        if request.POST.get("delete"):
            administration.org_unit_remove(actor=admin, unit=unit, ip=client_ip(request))
            return _done(request, _("Unit deleted."), "web:console:org")
        changes: dict[str, Any] = {"name": request.POST.get("name", unit.name)}
        if unit.parent_id is not None:
            changes["parent_id"] = request.POST.get("parent_id") or unit.parent_id
        administration.org_unit_update(actor=admin, unit=unit, ip=client_ip(request), **changes)
        return _done(request, _("Unit saved."), "web:console:org")
    except ValidationError as exc:
        messages.error(request, _error(exc))
        return HttpResponseRedirect(reverse("web:console:org"))


# -- ranks -----------------------------------------------------------------------------------------


@admin_view
@require_http_methods(["GET", "POST"])
def ranks(request: HttpRequest, admin: Employee) -> HttpResponse:
    error = ""
    if request.method == "POST":
        levels, names = request.POST.getlist("level"), request.POST.getlist("name")
        ladder = [
            {"level": lv.strip(), "name": nm}
            for lv, nm in zip(levels, names, strict=False)
            if lv.strip() or nm.strip()
        ]
        try:
            administration.ranks_replace(actor=admin, ranks=ladder, ip=client_ip(request))
            return _done(request, _("Ranks saved. Display names are being updated."), "web:console:ranks")
        except ValidationError as exc:
            error = _error(exc)
    ladder_rows = admin_selectors.rank_list(_viewer(request))
    return _page_render(
        request,
        "console/ranks.html",
        {"title": _("Ranks"), "ranks": ladder_rows, "error": error},
        status=422 if error else 200,
    )


# -- employees -------------------------------------------------------------------------------------


@admin_view
def employees(request: HttpRequest, admin: Employee) -> HttpResponse:
    page = _page(request)
    query = request.GET.get("q", "").strip()
    people = admin_selectors.employee_list(_viewer(request), page=page, query=query)
    next_max = people[-1].pk if len(people) == page.limit else None
    return _page_render(
        request,
        "console/employees.html",
        {"title": _("Employees"), "people": people, "q": query, "next_max": next_max},
    )


def _employee_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    viewer = _viewer(request)
    return {
        "units": list(admin_selectors.org_unit_list(viewer)),
        "ranks": admin_selectors.rank_list(viewer),
        "roles": Role.values,
        **extra,
    }


@admin_view
@require_http_methods(["GET", "POST"])
def employee_new(request: HttpRequest, admin: Employee) -> HttpResponse:
    error = ""
    if request.method == "POST":
        p = request.POST
        try:
            employee = administration.employee_add(
                actor=admin,
                data=administration.EmployeeInput(
                    email=p.get("email", ""),
                    username=p.get("username", ""),
                    family_name=p.get("family_name", ""),
                    given_name=p.get("given_name", ""),
                    title=p.get("title", ""),
                    employee_number=p.get("employee_number", ""),
                    unit_id=p.get("unit_id"),
                    rank_level=p.get("rank_level", 1),
                    role=p.get("role") or Role.MEMBER,
                    password=p.get("password") or None,
                ),
                ip=client_ip(request),
            )
            return _done(request, _("Employee added."), "web:console:employee", employee.pk)
        except ValidationError as exc:
            error = _error(exc)
    return _page_render(
        request,
        "console/employee.html",
        _employee_context(request, title=_("Add employee"), person=None, error=error, form=request.POST),
        status=422 if error else 200,
    )


@admin_view
@require_http_methods(["GET", "POST"])
def employee_edit(request: HttpRequest, admin: Employee, employee_id: int) -> HttpResponse:
    person = admin_selectors.employee_get(_viewer(request), employee_id)
    error = ""
    if request.method == "POST":
        p = request.POST
        fields = (
            "username",
            "email",
            "family_name",
            "given_name",
            "title",
            "employee_number",
            "unit_id",
            "rank_level",
            "role",
        )
        changes = {name: p.get(name, "") for name in fields if name in p}
        if p.get("password"):
            changes["password"] = p["password"]
        try:
            administration.employee_edit(actor=admin, employee=person, changes=changes, ip=client_ip(request))
            return _done(request, _("Employee saved."), "web:console:employee", person.pk)
        except ValidationError as exc:
            error = _error(exc)
    return _page_render(
        request,
        "console/employee.html",
        _employee_context(
            request, title=person.display_name, person=person, error=error, form=request.POST or None
        ),
        status=422 if error else 200,
    )


@admin_view
@require_POST
def employee_active(request: HttpRequest, admin: Employee, employee_id: int) -> HttpResponse:
    person = admin_selectors.employee_get(_viewer(request), employee_id)
    active = request.POST.get("active") == "1"
    try:
        if active:
            moderation.moderation_employee_reinstate(actor=admin, employee=person, ip=client_ip(request))
        else:
            moderation.moderation_employee_suspend(actor=admin, employee=person, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, _error(exc))
        return HttpResponseRedirect(reverse("web:console:employee", args=[person.pk]))
    return _done(
        request,
        _("Employee reactivated.") if active else _("Employee deactivated."),
        "web:console:employee",
        person.pk,
    )


# -- CSV import ------------------------------------------------------------------------------------


@admin_view
@require_http_methods(["GET", "POST"])
def directory_import(request: HttpRequest, admin: Employee) -> HttpResponse:
    """Upload → preview with per-row errors → confirm. The confirmed file travels back in the form
    (no server-side state) and is validated again before anything is written."""
    context: dict[str, Any] = {"title": _("Import directory")}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        data = upload.read() if upload is not None else request.POST.get("content", "").encode()
        try:
            if request.POST.get("confirm") and upload is None:
                result = csv_import.directory_import(actor=admin, data=data, ip=client_ip(request))
                messages.success(
                    request,
                    _("Imported: %(created)d added, %(updated)d updated.")
                    % {"created": result.count("create"), "updated": result.count("update")},
                )
                return HttpResponseRedirect(reverse("web:console:employees"))
            plan = csv_import.plan(data)
            context.update(plan=plan, content=data.decode("utf-8-sig", errors="replace") if plan.ok else "")
            status = 200 if plan.ok else 422
        except csv_import.ImportFileInvalid as exc:
            context["error"] = str(exc)
            status = 422
        except ValidationError as exc:
            context.update(error=_error(exc), plan=csv_import.plan(data))
            status = 422
    return _page_render(request, "console/import.html", context, status=status)


# -- policy ----------------------------------------------------------------------------------------


def _int_or_none(value: str) -> str | None:
    return value.strip() or None


@admin_view
@require_http_methods(["GET", "POST"])
def policy_page(request: HttpRequest, admin: Employee) -> HttpResponse:
    error = ""
    current = administration.policy_snapshot()
    if request.method == "POST":
        p = request.POST
        rules = [
            {"target_min_rank": t, "sender_min_rank": s}
            for t, s in zip(p.getlist("target_min_rank"), p.getlist("sender_min_rank"), strict=False)
            if t.strip() or s.strip()
        ]
        barriers = []
        for i in range(int(p.get("barrier_count", "0") or 0) + 1):
            a, b = p.getlist(f"barrier-{i}-a"), p.getlist(f"barrier-{i}-b")
            if p.get(f"barrier-{i}-remove") or (not a and not b):
                continue
            barriers.append({"a": a, "b": b})
        proposed = {
            "default_audience": p.get("default_audience", "company"),
            "company_post_min_rank": _int_or_none(p.get("company_post_min_rank", "")),
            "contact_rules": rules,
            "barriers": barriers,
        }
        try:
            administration.tenant_policy_replace(actor=admin, policy=proposed, ip=client_ip(request))
            return _done(request, _("Policy saved. It applies from the next request."), "web:console:policy")
        except ValidationError as exc:
            error = _error(exc)
            current = proposed
    viewer = _viewer(request)
    return _page_render(
        request,
        "console/policy.html",
        {
            "title": _("Policy"),
            "policy": current,
            "units": list(admin_selectors.org_unit_list(viewer)),
            "ranks": admin_selectors.rank_list(viewer),
            "error": error,
            "barrier_count": len(current["barriers"]),
        },
        status=422 if error else 200,
    )


# -- announcements ---------------------------------------------------------------------------------


@admin_view
def announcements(request: HttpRequest, admin: Employee) -> HttpResponse:
    from announcements.selectors import announcement_admin_list

    return _page_render(
        request,
        "console/announcements.html",
        {"title": _("Announcements"), "announcements": list(announcement_admin_list()[:200])},
    )


def _announcement_fields(announcement: Any | None) -> dict[str, Any]:
    """The form's values for ``announcement`` (a new one: for the whole company, published now)."""
    from frontend.forms import local_input

    if announcement is None:
        return {"publish": "now"}
    published = announcement.published_at
    return {
        "text": announcement.text,
        "unit_id": str(announcement.unit_id or ""),
        "starts_at": local_input(announcement.starts_at) if announcement.starts_at else "",
        "ends_at": local_input(announcement.ends_at) if announcement.ends_at else "",
        "all_day": announcement.all_day,
        "publish": "draft" if published is None else "later" if published > timezone.now() else "now",
        "publish_at": local_input(published) if published else "",
    }


def _announcement_input(p: Any, current: Any | None) -> Any:
    """What the form says, times read in the current time zone. ``publish``: now (a published one
    keeps its time), later (at ``publish_at``) or draft. Bad times raise ValidationError."""
    from announcements.services import AnnouncementInput
    from frontend.forms import local_time

    def when(name: str, message: str) -> Any:
        raw = p.get(name, "").strip()
        if not raw:
            return None
        found = local_time(raw)
        if found is None:
            raise ValidationError(message)
        return found

    starts_at = when("starts_at", _("Enter the start as a date and time."))
    ends_at = when("ends_at", _("Enter the end as a date and time."))
    publish, now = p.get("publish", "now"), timezone.now()
    if publish == "draft":
        publish_at = None
    elif publish == "later":
        publish_at = when("publish_at", _("Enter the date and time to publish the announcement at."))
        if publish_at is None:
            raise ValidationError(_("Enter the date and time to publish the announcement at."))
    elif current is not None and current.published_at is not None and current.published_at <= now:
        publish_at = current.published_at  # already published: edited, not published again
    else:
        publish_at = now
    unit = p.get("unit_id", "").strip()
    if unit and not unit.isdigit():
        raise ValidationError(_("Choose who the announcement is for."))
    return AnnouncementInput(
        text=p.get("text", ""),
        unit_id=int(unit) if unit else None,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=bool(p.get("all_day")),
        publish_at=publish_at,
    )


def _announcement_form(
    request: HttpRequest, announcement: Any | None, *, title: str, error: str = ""
) -> HttpResponse:
    if error:  # what was typed comes back as it was
        p = request.POST
        names = ("text", "unit_id", "starts_at", "ends_at", "publish", "publish_at")
        fields: dict[str, Any] = {name: p.get(name, "") for name in names}
        fields["all_day"] = bool(p.get("all_day"))
    else:
        fields = _announcement_fields(announcement)
    units = [
        (unit.pk, "\u00a0\u00a0" * (unit.depth - 1) + unit.name)
        for unit in admin_selectors.org_unit_list(_viewer(request))
        if unit.parent_id is not None  # the root is the whole company
    ]
    published = announcement is not None and announcement.state in ("active", "ended")
    return _page_render(
        request,
        "console/announcement.html",
        {
            "title": title,
            "announcement": announcement,
            "f": fields,
            "units": units,
            "published": published,
            "error": error,
        },
        status=422 if error else 200,
    )


@admin_view
@require_http_methods(["GET", "POST"])
def announcement_new(request: HttpRequest, admin: Employee) -> HttpResponse:
    from announcements.services import announcement_create

    error = ""
    if request.method == "POST":
        try:
            created = announcement_create(
                actor=admin, data=_announcement_input(request.POST, None), ip=client_ip(request)
            )
            return _done(request, _announcement_saved(created, new=True), "web:console:announcements")
        except ValidationError as exc:
            error = _error(exc)
    return _announcement_form(request, None, title=_("New announcement"), error=error)


@admin_view
@require_http_methods(["GET", "POST"])
def announcement_edit(request: HttpRequest, admin: Employee, announcement_id: int) -> HttpResponse:
    from announcements.selectors import announcement_admin_get
    from announcements.services import announcement_update

    found = announcement_admin_get(announcement_id)
    error = ""
    if request.method == "POST":
        try:
            changed = announcement_update(
                actor=admin,
                announcement=found,
                data=_announcement_input(request.POST, found),
                ip=client_ip(request),
            )
            return _done(request, _announcement_saved(changed, new=False), "web:console:announcements")
        except ValidationError as exc:
            error = _error(exc)
    return _announcement_form(request, found, title=_("Edit announcement"), error=error)


def _announcement_saved(announcement: Any, *, new: bool) -> str:
    from frontend.templatetags.web import full_time

    if announcement.published_at is None:
        return _("The announcement was saved as a draft.")
    if announcement.published_at > timezone.now():
        return _("The announcement will be published on %(when)s.") % {
            "when": full_time(announcement.published_at)
        }
    return _("The announcement was published.") if new else _("The announcement was saved.")


@admin_view
@require_POST
def announcement_delete(request: HttpRequest, admin: Employee, announcement_id: int) -> HttpResponse:
    from announcements.selectors import announcement_admin_get
    from announcements.services import announcement_delete as delete

    delete(actor=admin, announcement=announcement_admin_get(announcement_id), ip=client_ip(request))
    return _done(request, _("The announcement was deleted."), "web:console:announcements")


# -- moderation ------------------------------------------------------------------------------------


@admin_view
def moderation_page(request: HttpRequest, admin: Employee) -> HttpResponse:
    resolved = request.GET.get("resolved") == "1"
    reports = moderation_selectors.report_list(_viewer(request), page=_page(request), resolved=resolved)
    return _page_render(
        request,
        "console/moderation.html",
        {"title": _("Moderation"), "reports": reports, "resolved": resolved},
    )


@admin_view
@require_POST
def report_action(request: HttpRequest, admin: Employee, report_id: int) -> HttpResponse:
    report = moderation_selectors.report_get(_viewer(request), report_id)
    action = request.POST.get("action")
    try:
        if action == "remove_post":
            moderation.moderation_post_remove(
                actor=admin, post_id=request.POST.get("status_id", ""), report=report, ip=client_ip(request)
            )
            messages.success(request, _("Post removed."))
        elif action == "suspend":
            moderation.moderation_employee_suspend(
                actor=admin, employee=report.target_account, report=report, ip=client_ip(request)
            )
            messages.success(request, _("Employee suspended."))
        elif action == "resolve":
            moderation.report_resolve(actor=admin, report=report, ip=client_ip(request))
            messages.success(request, _("Report resolved."))
        else:
            messages.error(request, _("Unknown action."))
    except (ValidationError, policy_engine.ActionRefused) as exc:
        messages.error(request, _error(exc))
    except Http404:
        messages.error(request, _("That post no longer exists."))
    return HttpResponseRedirect(reverse("web:console:moderation"))


# -- audit log -------------------------------------------------------------------------------------


@admin_view
def audit(request: HttpRequest, admin: Employee) -> HttpResponse:
    g = request.GET
    since, until = parse_date(g.get("since", "") or ""), parse_date(g.get("until", "") or "")
    from datetime import datetime, timedelta

    filters = audit_selectors.AuditFilter(
        actor=g.get("actor", "").strip(),
        action=g.get("action", "").strip(),
        target=g.get("target", "").strip(),
        since=timezone.make_aware(datetime(since.year, since.month, since.day)) if since else None,
        until=timezone.make_aware(datetime(until.year, until.month, until.day)) + timedelta(days=1)
        if until
        else None,
    )
    page = _page(request)
    entries = audit_selectors.audit_list(_viewer(request), filters=filters, page=page)
    query = g.copy()
    query.pop("max_id", None)
    next_max = entries[-1].pk if len(entries) == page.limit else None
    return _page_render(
        request,
        "console/audit.html",
        {
            "title": _("Audit log"),
            "entries": entries,
            "f": g,
            "next_max": next_max,
            "query": query.urlencode(),
        },
    )


# -- tenant settings -------------------------------------------------------------------------------


@admin_view
@require_http_methods(["GET", "POST"])
def tenant_settings(request: HttpRequest, admin: Employee) -> HttpResponse:
    error = ""
    current = administration.settings_snapshot()
    if request.method == "POST":
        p = request.POST
        changes = {
            name: p.get(name, "")
            for name in (
                "company_name",
                "locale",
                "time_zone",
                "post_max_chars",
                "default_audience",
                "display_name_template",
            )
        }
        changes["follow_own_unit_on_join"] = "true" if p.get("follow_own_unit_on_join") else "false"
        try:
            administration.tenant_settings_update(actor=admin, changes=changes, ip=client_ip(request))
            return _done(request, _("Settings saved."), "web:console:settings")
        except ValidationError as exc:
            error = _error(exc)
            current = {**current, **changes}
    return _page_render(
        request,
        "console/settings.html",
        {
            "title": _("Tenant settings"),
            "s": current,
            "zones": zone_choices(timezone.now()),
            "error": error,
        },
        status=422 if error else 200,
    )


# -- view as ---------------------------------------------------------------------------------------


@admin_view
def view_as(request: HttpRequest, admin: Employee) -> HttpResponse:
    """What an employee would see: the company timeline, a profile, or one post (with its thread).
    Read-only, and each look is written to the audit log."""
    from frontend.console.view_as import look

    g = request.GET
    context: dict[str, Any] = {"title": _("View as"), "f": g}
    target = g.get("employee", "").strip()
    if target:
        try:
            context.update(
                look(
                    admin=admin,
                    employee_ref=target,
                    what=g.get("what", "company"),
                    ref=g.get("ref", "").strip(),
                    ip=client_ip(request),
                )
            )
        except ValidationError as exc:
            context["error"] = _error(exc)
    return _page_render(request, "console/view_as.html", context, status=422 if context.get("error") else 200)
