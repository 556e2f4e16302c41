"""Posts and what hangs off them. Reads go through ``policy``; writes through ``posts.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common import snowflake


class Audience(models.TextChoices):
    COMPANY = "company", "company"
    UNIT = "unit", "unit"
    FOLLOWERS = "followers", "followers"
    DIRECT = "direct", "direct"


class Post(models.Model):
    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    text = models.TextField(blank=True)
    spoiler_text = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=8, blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.COMPANY)
    # A company post kept off the company timeline (Mastodon's "unlisted").
    unlisted = models.BooleanField(default=False)
    unit = models.ForeignKey("directory.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    min_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    reblog_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="reblogs")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(audience="unit") | models.Q(unit__isnull=False), name="unit_post_has_unit"
            ),
        ]
        indexes = [
            models.Index(fields=["author", "-id"], name="post_author_recent"),
            models.Index(
                fields=["-id"], name="post_company_timeline",
                condition=models.Q(audience="company", unlisted=False, reblog_of__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_id}: {self.text[:40]}"


class Mention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentioned_in")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "employee"], name="unique_mention")]
        indexes = [models.Index(fields=["employee", "post"], name="mention_by_employee")]

    def __str__(self) -> str:
        return f"{self.post_id} @{self.employee_id}"
