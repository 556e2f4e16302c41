"""Announcements: the company's notices from its administrators, shown above everything else in the web
app and in Mastodon apps (Mastodon's server announcements), to the whole company or to one unit and
everyone below it. They are not posts: nobody replies to them; people react and mark them read."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Employee, OrgUnit


class AnnouncementState(models.TextChoices):
    """Where an announcement stands, from its publishing time and its end (not stored: time moves)."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")  # published in the future
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")  # its ``ends_at`` passed


class Announcement(models.Model):
    text = models.TextField()
    # Rendered once when saved (links, hashtags, mentions of colleagues), as a post's content is.
    content_html = models.TextField()
    # Who it is for: the whole company (None), or this unit and everyone below it. Deleting the unit
    # deletes its announcements rather than widening them to the company.
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # When what it announces happens (shown beside it), not when it is shown.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    all_day = models.BooleanField(default=False)
    # Shown from this time (a later time schedules it); a draft until set. Shown until ``ends_at``.
    published_at = models.DateTimeField(null=True, blank=True)
    # The colleagues it mentions and the hashtags it names, as rendered.
    mention_ids = models.JSONField(default=list)
    tags = models.JSONField(default=list)
    created_by = models.ForeignKey(Employee, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["published_at"], name="announcement_published")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(starts_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="announcement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def state(self) -> AnnouncementState:
        now = timezone.now()
        if self.published_at is None:
            return AnnouncementState.DRAFT
        if self.published_at > now:
            return AnnouncementState.SCHEDULED
        if self.ends_at is not None and self.ends_at <= now:
            return AnnouncementState.ENDED
        return AnnouncementState.ACTIVE


class AnnouncementRead(models.Model):
    """Someone marked it read (Mastodon's dismiss): it leaves their list unless they ask for all."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "employee"], name="announcement_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} read {self.announcement_id}"


class AnnouncementReaction(models.Model):
    """One person's emoji reaction (a Unicode emoji: the tenant has no custom ones)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reactions")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "employee", "name"], name="announcement_reaction_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} by {self.employee_id}"
