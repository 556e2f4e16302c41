"""Reports from employees about posts or people, and what admins did about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common import snowflake


class Category(models.TextChoices):
    SPAM = "spam", "spam"
    LEGAL = "legal", "legal"
    VIOLATION = "violation", "violation"
    OTHER = "other", "other"


class Report(models.Model):
    """A report. The reported posts are snapshotted (text, audience, time) when the report is made:
    the reporter saw them and hands them to the admins, who otherwise have no extra reading rights, and
    the evidence survives the author deleting the post."""

    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=12, choices=Category.choices, default=Category.OTHER)
    comment = models.TextField(blank=True)
    # [{"id": "…", "text": "…", "audience": "…", "created_at": "…"}]
    posts = models.JSONField(default=list, blank=True)
    action_taken = models.BooleanField(default=False)
    action_taken_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["action_taken", "id"], name="report_queue")]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.target_account_id}"

    @property
    def status_ids(self) -> list[str]:
        return [str(p["id"]) for p in self.posts]
