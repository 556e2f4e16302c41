"""A tenant export: one zip of the tenant's data, built by a Celery task, its progress kept on the row.

queued → running → ready | failed. The task advances the row and is safe to run twice (STYLE.md: long
workflows keep their state on the row); a periodic job re-queues what got stuck (exports.tasks).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common import snowflake


class ExportState(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    READY = "ready", "ready"
    FAILED = "failed", "failed"


ACTIVE_STATES = (ExportState.QUEUED, ExportState.RUNNING)


class ExportScope(models.TextChoices):
    """What the zip's posts are (VISIBILITY.md: admins have no extra reading rights)."""

    # A compliance officer's export: every post of the tenant.
    FULL = "full", "full"
    # An admin's export: the posts that admin may see, as on their own home page.
    AS_VIEWER = "as_viewer", "as viewer"


class Export(models.Model):
    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    state = models.CharField(max_length=8, choices=ExportState.choices, default=ExportState.QUEUED)
    scope = models.CharField(max_length=10, choices=ExportScope.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched while the task writes; a running export whose heartbeat stopped lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The zip's name in the private exports storage (exports.storage), once ready.
    file = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    # {"posts": 1234, "employees": 56, "media_files": 78, ...}
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One export at a time per tenant: the second start is refused even when two race.
            models.UniqueConstraint(
                models.Value(True),
                condition=models.Q(state__in=["queued", "running"]),
                name="one_active_export",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} {self.state}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES
