"""Who follows, mutes and blocks whom. Follows need no approval inside a company."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common import snowflake


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_set"
    )
    followee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_set"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="unique_follow"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followee")), name="no_self_follow"),
        ]
        indexes = [models.Index(fields=["followee", "follower"], name="follow_by_followee")]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.followee_id}"


class Mute(models.Model):
    """Hides the target's posts from the muter's timelines; ``notifications`` also silences them there.

    An expired mute is ignored by every read and deleted by a periodic sweep.
    """

    muter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mutes")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_by")
    notifications = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muter", "target"], name="unique_mute"),
            models.CheckConstraint(condition=~models.Q(muter=models.F("target")), name="no_self_mute"),
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.target_id}"


class Block(models.Model):
    """Neither side sees the other's posts or notifications; follows both ways are removed."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "target"], name="unique_block"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("target")), name="no_self_block"),
        ]
        indexes = [models.Index(fields=["target", "blocker"], name="block_by_target")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.target_id}"


class RepliesPolicy(models.TextChoices):
    """Mastodon's list ``replies_policy``: which replies by members the list shows."""

    FOLLOWED = "followed", "followed"  # replies to anyone the owner follows
    LIST = "list", "list"  # replies to other members of the list
    NONE = "none", "none"  # no replies (threads by one author still show)


class List(models.Model):
    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lists")
    title = models.CharField(max_length=100)
    replies_policy = models.CharField(
        max_length=10, choices=RepliesPolicy.choices, default=RepliesPolicy.LIST
    )
    # Members of an exclusive list are kept out of the owner's home timeline (Mastodon 4.2).
    exclusive = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "title"], name="list_by_owner")]

    def __str__(self) -> str:
        return self.title


class ListMember(models.Model):
    list = models.ForeignKey(List, on_delete=models.CASCADE, related_name="members")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["list", "employee"], name="unique_list_member")]
        indexes = [models.Index(fields=["employee", "list"], name="listmember_by_employee")]

    def __str__(self) -> str:
        return f"{self.list_id} ∋ {self.employee_id}"
