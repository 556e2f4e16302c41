"""The durable side of timelines: read markers and fan-out progress (the state is ``Post.fanout_state``).

Home feeds themselves live in Redis (``timelines.feeds``); they are an index rebuilt from
PostgreSQL whenever missing, so nothing here depends on Redis surviving.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MarkerTimeline(models.TextChoices):
    HOME = "home", "home"
    NOTIFICATIONS = "notifications", "notifications"


class Marker(models.Model):
    """Mastodon's read position for a timeline, synced across an employee's apps."""

    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="markers")
    timeline = models.CharField(max_length=16, choices=MarkerTimeline.choices)
    last_read_id = models.BigIntegerField()
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employee", "timeline"], name="unique_marker")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.timeline}@{self.last_read_id}"


class FanoutProgress(models.Model):
    """How far an unfinished fan-out got: the last follower id whose feed has the post.

    The state itself is ``Post.fanout_state`` (pending → done). This row exists only while a fan-out
    is under way, so a re-run after a killed worker resumes from the cursor instead of the start.
    """

    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, primary_key=True, related_name="+")
    cursor = models.BigIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.post_id} at follower {self.cursor}"


class ConversationState(models.Model):
    """One employee's place in one direct conversation (Mastodon's AccountConversation, minus what is
    read from the posts themselves): how far they have read, and up to which post they removed it from
    their list. A conversation is a thread of direct posts (``Post.thread_id``); a newer post than
    ``removed_up_to`` brings it back, as in Mastodon."""

    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread_id = models.BigIntegerField()
    read_up_to = models.BigIntegerField(default=0)
    removed_up_to = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "thread_id"], name="one_conversation_state"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} in {self.thread_id}: read {self.read_up_to}"
