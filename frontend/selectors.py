"""Reads for the web pages; posts always come through the visibility engine."""

from __future__ import annotations

from django.db.models import QuerySet

from directory.models import Employee
from policy import Viewer, visible_posts
from posts.models import Audience, Post


def company_timeline(viewer: Viewer, *, limit: int) -> list[Post]:
    posts = (
        visible_posts(viewer)
        .filter(audience=Audience.COMPANY, unlisted=False, reblog_of__isnull=True)
        .select_related("author", "author__unit")
        .order_by("-id")[:limit]
    )
    return list(posts)


def colleagues(viewer: Viewer, *, limit: int) -> QuerySet[Employee]:
    if viewer.employee is None:
        return Employee.objects.none()
    return (
        Employee.objects.filter(is_active=True, unit__isnull=False)
        .select_related("unit")
        .order_by("-rank_level", "family_name", "given_name")[:limit]
    )
