"""Reports and admin moderation actions: remove a post, suspend or reinstate an employee."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

import policy
from audit.services import audit_record
from directory.administration import employee_edit, employee_snapshot, require_admin
from directory.models import Employee
from moderation.models import Category, Report

MAX_COMMENT = 1000


@transaction.atomic
def report_create(
    *,
    reporter: Employee,
    account: Employee,
    post_ids: Sequence[str | int] = (),
    comment: str = "",
    category: str = "",
) -> Report:
    """File a report. Each post must be one the reporter can see (else 404, as everywhere) and be by
    the reported account (else 422)."""
    viewer = policy.Viewer.of(reporter)
    if not viewer.is_active:
        raise Http404("Record not found")
    if account.pk == reporter.pk:
        raise ValidationError(_("You cannot report yourself."))
    category = category or Category.OTHER
    if category not in Category.values:
        raise ValidationError(
            _("Category must be one of %(categories)s.") % {"categories": ", ".join(Category.values)}
        )
    if len(comment) > MAX_COMMENT:
        raise ValidationError(
            _("Comment is too long (maximum is %(max)s characters).") % {"max": MAX_COMMENT}
        )
    snapshots = []
    for post_id in dict.fromkeys(str(p) for p in post_ids):
        post = policy.access_post(viewer, post_id)
        if post.author_id != account.pk:
            raise ValidationError(_("Status %(id)s is not by the reported account.") % {"id": post_id})
        snapshots.append(
            {
                "id": str(post.pk),
                "text": post.text,
                "spoiler_text": post.spoiler_text,
                "audience": post.audience,
                "created_at": post.created_at.isoformat() if getattr(post, "created_at", None) else None,
            }
        )
    return Report.objects.create(
        reporter=reporter, target_account=account, category=category, comment=comment, posts=snapshots
    )


def _close(report: Report, *, actor: Employee, resolution: str) -> None:
    if not report.action_taken:
        report.action_taken = True
        report.action_taken_at = timezone.now()
        report.resolved_by = actor
        report.resolution = resolution[:200]
        report.save(update_fields=["action_taken", "action_taken_at", "resolved_by", "resolution"])


@transaction.atomic
def report_resolve(*, actor: Employee, report: Report, resolution: str = "", ip: str | None = None) -> Report:
    require_admin(actor)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.action_taken:
        return report
    _close(report, actor=actor, resolution=resolution or "resolved without action")
    audit_record(
        actor=actor,
        action="report.resolve",
        target=("report", report.pk, f"report on {report.target_account}"),
        before={"action_taken": False},
        after={"action_taken": True, "resolution": report.resolution},
        ip=ip,
    )
    return report


def _post_for_removal(actor: Employee, post_id: str | int, report: Report | None) -> Any:
    """Admins have no extra reading rights: they may remove a post they can see, or one handed to
    them in a report; any other id is 404, the same as a missing post."""
    if report is not None and str(post_id) in report.status_ids:
        post = policy.dangerously_all_posts().filter(pk=int(post_id)).first()
        if post is None:
            raise ValidationError(_("This post has already been deleted."))
        return post
    return policy.access_post(policy.Viewer.of(actor), post_id)


@transaction.atomic
def moderation_post_remove(
    *, actor: Employee, post_id: str | int, report: Report | None = None, ip: str | None = None
) -> None:
    from posts.services import post_delete

    require_admin(actor)
    post = _post_for_removal(actor, post_id, report)
    before = {
        "id": str(post.pk),
        "author_id": str(post.author_id),
        "text": post.text,
        "audience": post.audience,
    }
    author = post.author
    post_delete(post=post, actor=actor)
    audit_record(
        actor=actor,
        action="post.remove",
        target=("post", before["id"], f"post by {author}"),
        before=before,
        after=None,
        ip=ip,
    )
    if report is not None:
        _close(Report.objects.select_for_update().get(pk=report.pk), actor=actor, resolution="post removed")


@transaction.atomic
def moderation_employee_suspend(
    *, actor: Employee, employee: Employee, report: Report | None = None, ip: str | None = None
) -> Employee:
    """Suspend = deactivate: they see nothing and their tokens stop working; their posts stay."""
    require_admin(actor)
    if employee.pk == actor.pk:
        raise ValidationError(_("You cannot suspend yourself."))
    before = employee_snapshot(employee)
    employee = employee_edit(actor=actor, employee=employee, changes={"active": False}, ip=ip)
    if before["active"]:
        audit_record(
            actor=actor,
            action="employee.suspend",
            target=employee,
            before={"active": True},
            after={"active": False, "report_id": str(report.pk) if report else None},
            ip=ip,
        )
    if report is not None:
        _close(
            Report.objects.select_for_update().get(pk=report.pk), actor=actor, resolution="account suspended"
        )
    return employee


@transaction.atomic
def moderation_employee_reinstate(*, actor: Employee, employee: Employee, ip: str | None = None) -> Employee:
    require_admin(actor)
    return employee_edit(actor=actor, employee=employee, changes={"active": True}, ip=ip)
