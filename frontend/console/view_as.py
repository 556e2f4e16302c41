""" "View as": the admin sees exactly what one employee would, through the employee-facing selectors
called with ``Viewer.of(that employee)`` — the same rule path as the employee's own requests, so the
simulator can never disagree with the product. Every look is audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

import policy
from audit.services import audit_record
from common.paging import Page
from directory.administration import require_admin
from directory.models import Employee
from posts.selectors import status_context
from timelines.selectors import account_timeline, public_timeline

LIMIT = 40
WHAT = ("company", "profile", "post")


def _employee(ref: str) -> Employee:
    ref = ref.lstrip("@")
    found = Employee.objects.filter(Q(username__iexact=ref) | Q(email__iexact=ref)).first()
    if found is None and ref.isdigit():
        found = Employee.objects.filter(pk=int(ref)).first()
    if found is None:
        raise ValidationError(_("No employee %(ref)s.") % {"ref": ref})
    return found


def look(*, admin: Employee, employee_ref: str, what: str, ref: str, ip: str | None) -> dict[str, Any]:
    require_admin(admin)
    if what not in WHAT:
        raise ValidationError(_("Choose the company timeline, a profile or a post."))
    subject = _employee(employee_ref)
    viewer = policy.Viewer.of(subject)
    result: dict[str, Any] = {"subject": subject, "what": what}
    target: Any = subject
    if what == "company":
        result["posts"] = public_timeline(viewer, Page(limit=LIMIT))
    elif what == "profile":
        profile = _employee(ref) if ref else subject
        target = profile
        result["profile"] = profile
        result["posts"] = account_timeline(viewer, profile.pk, Page(limit=LIMIT))
    else:
        if not ref.isdigit():
            raise ValidationError(_("Give a post id."))
        target = ("post", ref, f"post {ref}")
        try:
            post = policy.access_post(viewer, ref)
        except Http404:
            # Invisible and missing look the same to the employee, and so they do here.
            result.update(post=None, visible=False)
        else:
            ancestors, descendants = status_context(viewer, post)
            result.update(post=post, visible=True, ancestors=ancestors, descendants=descendants)
    audit_record(
        actor=admin,
        action=f"view_as.{what}",
        target=target,
        after={"as": str(subject.pk), "as_name": str(subject), "ref": ref or None},
        ip=ip,
    )
    return result
