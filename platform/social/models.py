"""Who follows, mutes and blocks whom, and which hashtags they follow. Follows need no approval inside
a company."""

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
    # Mastodon's follow options. ``show_reblogs``: the followee's reposts reach the follower's home
    # timeline (off: "hide boosts"). ``notify``: a notification of each new post ("status").
    # Database defaults too, for follows written in bulk (the directory's own-unit follows, imports).
    show_reblogs = models.BooleanField(default=True, db_default=True)
    notify = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="unique_follow"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followee")), name="no_self_follow"),
        ]
        indexes = [
            models.Index(fields=["followee", "follower"], name="follow_by_followee"),
            # Home reads whose reposts the viewer hides (few rows: an index of exceptions) ...
            models.Index(
                fields=["follower"], condition=models.Q(show_reblogs=False), name="follow_hiding_reblogs"
            ),
            # ... and a new post, whom to notify.
            models.Index(fields=["followee"], condition=models.Q(notify=True), name="follow_notifying"),
        ]

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


class TagFollow(models.Model):
    """Following a hashtag (Mastodon 4): new posts carrying it reach the follower's home timeline, from
    whoever wrote them, as far as policy lets the follower see them (``timelines.services.fanout_run``
    delivers; every read re-filters)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_tags"
    )
    hashtag = models.ForeignKey("posts.Hashtag", on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employee", "hashtag"], name="unique_tag_follow")]
        # The fan-out reads a tag's followers.
        indexes = [models.Index(fields=["hashtag", "employee"], name="tag_follow_by_hashtag")]

    def __str__(self) -> str:
        return f"{self.employee_id} follows #{self.hashtag_id}"


class SuggestionDismissal(models.Model):
    """Someone the employee asked not to be suggested to follow again (``DELETE /api/v1/suggestions/:id``)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dismissed_suggestions"
    )
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "target"], name="unique_suggestion_dismissal")
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} dismissed {self.target_id}"


class AccountNote(models.Model):
    """A private note about a colleague, seen only by its writer (Mastodon's account note, shown in the
    Relationship)."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    comment = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["author", "target"], name="unique_account_note")]

    def __str__(self) -> str:
        return f"{self.author_id}'s note on {self.target_id}"


class AccountStats(models.Model):
    """An account's public counts, as Mastodon's ``account_stats``: read with the account, never counted
    per request (an executive has 7,000 followers and thousands of posts; counting them cost ~70 ms per
    timeline page).

    The database keeps them, by triggers on ``social_follow`` and ``posts_post`` (migration
    ``0003_account_stats_kept_by_triggers``): every write path — services, cascades, bulk deletes,
    COPY, test factories — moves them in the same transaction, which service code alone could not promise.

    ``statuses_count`` and ``last_status_at`` cover only posts every colleague may see: company-audience
    originals without ``min_rank``. A count over all posts would tell a reader that unit, followers-only,
    direct or rank-limited posts exist that they cannot see, and this way one stored number is right
    for every reader (VISIBILITY.md, "no count change that reveals it"). Reposts are not counted.

    No foreign-key constraint: a deleted employee leaves a harmless orphan row rather than failing the
    delete when their follows' triggers touch it during Django's cascade.
    """

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="stats",
    )
    followers_count = models.IntegerField(default=0)
    following_count = models.IntegerField(default=0)
    statuses_count = models.IntegerField(default=0)
    last_status_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.followers_count}/{self.following_count}/{self.statuses_count}"
