"""Notifications: one row per (recipient, kind, actor, post), so a task that runs twice adds nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common import snowflake


class Kind(models.TextChoices):
    """Mastodon's notification ``type`` values (a reply arrives as a ``mention``, as in Mastodon)."""

    MENTION = "mention", "mention"
    STATUS = "status", "status"
    REBLOG = "reblog", "reblog"
    FOLLOW = "follow", "follow"
    FAVOURITE = "favourite", "favourite"
    POLL = "poll", "poll"
    UPDATE = "update", "update"


class Notification(models.Model):
    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The post shown with the notification (for a reblog or favourite: the original). Null for follows.
    post = models.ForeignKey("posts.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "actor", "post"],
                nulls_distinct=False,
                name="unique_notification",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "-id"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} from {self.actor_id}"


class Source(models.TextChoices):
    """Whom a kind of notification may come from."""

    EVERYONE = "everyone", "everyone"
    FOLLOWING = "following", "people I follow"
    NOBODY = "nobody", "nobody"


class Preferences(models.Model):
    """What an employee wants to hear about. No row means the defaults: everything, from everyone.

    Applied when notifications are created (as Mastodon does): switching a kind off stops new ones;
    those already in the inbox stay. A reply to one's post arrives as a ``mention`` (Mastodon's shape),
    but has its own switch here: ``mention`` covers being mentioned anywhere else.
    """

    employee = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preferences",
    )
    mention = models.BooleanField(default=True)
    reply = models.BooleanField(default=True)
    favourite = models.CharField(max_length=10, choices=Source.choices, default=Source.EVERYONE)
    reblog = models.CharField(max_length=10, choices=Source.choices, default=Source.EVERYONE)
    follow = models.CharField(max_length=10, choices=Source.choices, default=Source.EVERYONE)
    poll = models.BooleanField(default=True)
    update = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"notification preferences of {self.employee_id}"
