"""Posts and what hangs off them. Reads go through ``policy``; writes through ``posts.services``.

Counts that could reveal a post (replies, reblogs) are not stored: ``posts.selectors.status_stats``
computes them per viewer from rows the viewer may see, so a reply in a unit the viewer is outside
never changes the number they are shown (VISIBILITY.md, "no count change that reveals it").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common import snowflake


class Audience(models.TextChoices):
    COMPANY = "company", "company"
    UNIT = "unit", "unit"
    FOLLOWERS = "followers", "followers"
    DIRECT = "direct", "direct"


class FanoutState(models.TextChoices):
    """Where the post's delivery to home feeds stands; timelines advances it, a periodic job re-queues
    what stays pending (STYLE.md: long workflows keep their state on the row)."""

    PENDING = "pending", "pending"
    DONE = "done", "done"


class Post(models.Model):
    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    text = models.TextField(blank=True)
    # Mastodon's ``content``: rendered once from ``text`` at write time (posts.text.render), inert HTML.
    content_html = models.TextField(blank=True)
    spoiler_text = models.CharField(max_length=500, blank=True)
    sensitive = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.COMPANY)
    # A company post kept off the company timeline (Mastodon's "unlisted").
    unlisted = models.BooleanField(default=False)
    unit = models.ForeignKey(
        "directory.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    min_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    # A deleted parent leaves its replies in place with ``in_reply_to`` cleared (they then read as
    # starting their own branch); ``in_reply_to_account`` and ``thread_id`` survive the deletion, so the
    # reply still says whom it answered and still belongs to its conversation.
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    in_reply_to_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The id of the conversation's first post (its own id for a root). Not a foreign key: the root may be
    # deleted while the thread lives on. Thread context is one indexed query on it, whatever the depth.
    thread_id = models.BigIntegerField(null=True, blank=True)
    reblog_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reblogs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    fanout_state = models.CharField(max_length=8, choices=FanoutState.choices, default=FanoutState.PENDING)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(audience="unit") | models.Q(unit__isnull=False), name="unit_post_has_unit"
            ),
            # One reblog per employee per original (post_reblog is idempotent on top of this).
            models.UniqueConstraint(
                fields=["author", "reblog_of"],
                condition=models.Q(reblog_of__isnull=False),
                name="one_reblog_per_author",
            ),
        ]
        indexes = [
            models.Index(fields=["author", "-id"], name="post_author_recent"),
            models.Index(
                fields=["-id"],
                name="post_company_timeline",
                condition=models.Q(audience="company", unlisted=False, reblog_of__isnull=True),
            ),
            models.Index(fields=["thread_id", "id"], name="post_thread"),
            # Conversations start from the viewer's own direct posts among all they wrote.
            models.Index(
                fields=["author", "id"], name="post_direct_by_author", condition=models.Q(audience="direct")
            ),
            models.Index(fields=["in_reply_to", "id"], name="post_replies"),
            models.Index(fields=["reblog_of", "id"], name="post_reblogs"),
            models.Index(
                fields=["id"], name="post_fanout_pending", condition=models.Q(fanout_state="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_id}: {self.text[:40]}"

    @property
    def is_reblog(self) -> bool:
        return self.reblog_of_id is not None


class Mention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentioned_in"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "employee"], name="unique_mention")]
        indexes = [models.Index(fields=["employee", "post"], name="mention_by_employee")]

    def __str__(self) -> str:
        return f"{self.post_id} @{self.employee_id}"


class Hashtag(models.Model):
    """One tag per normalised name (posts.text.normalise_tag): ``#Release`` and ``#release`` are one."""

    name = models.CharField(max_length=100, unique=True)
    # How it was first written, for display ("Release" rather than "release").
    display_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.display_name}"


class PostHashtag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_tags")
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="post_tags")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "hashtag"], name="unique_post_hashtag")]
        # Tag timelines page newest first through this index.
        indexes = [models.Index(fields=["hashtag", "-post"], name="post_hashtag_recent")]

    def __str__(self) -> str:
        return f"{self.post_id} #{self.hashtag_id}"


class MediaAttachment(models.Model):
    """An uploaded image, re-encoded by posts.media; owned by its uploader until attached to one post."""

    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media")
    # Cleared if the post is deleted, so "delete & redraft" can attach the same images again.
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="media")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, default="image")
    # Paths start with the tenant's schema (TenantFileSystemStorage).
    file = models.ImageField(upload_to="media/", width_field="width", height_field="height")
    preview = models.ImageField(
        upload_to="media/previews/", width_field="preview_width", height_field="preview_height", blank=True
    )
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    preview_width = models.PositiveIntegerField(null=True, blank=True)
    preview_height = models.PositiveIntegerField(null=True, blank=True)
    description = models.CharField(max_length=1500, blank=True)
    # Mastodon's focal point, each in -1.0..1.0.
    focus_x = models.FloatField(default=0.0)
    focus_y = models.FloatField(default=0.0)
    blurhash = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["post", "position"], name="media_by_post")]

    def __str__(self) -> str:
        return f"media {self.pk} of {self.owner_id}"


class Poll(models.Model):
    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="poll")
    expires_at = models.DateTimeField()
    multiple = models.BooleanField(default=False)
    hide_totals = models.BooleanField(default=False)
    # Votes are cast only by people who can see the poll, so these counts reveal no hidden post.
    votes_count = models.PositiveIntegerField(default=0)
    voters_count = models.PositiveIntegerField(default=0)
    # Set once the "poll ended" notifications were sent, so the expiry task is safe to run twice.
    ended_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"poll {self.pk} on {self.post_id}"


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=100)
    votes_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="unique_poll_option_position")
        ]

    def __str__(self) -> str:
        return self.title


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["option", "voter"], name="unique_poll_vote")]
        indexes = [models.Index(fields=["poll", "voter"], name="poll_vote_by_voter")]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.option_id}"


class Favourite(models.Model):
    """A like. The row id orders the liker's favourites timeline (Mastodon pages it by this id)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employee", "post"], name="unique_favourite")]
        indexes = [
            models.Index(fields=["employee", "-id"], name="favourite_by_employee"),
            models.Index(fields=["post", "-id"], name="favourite_by_post"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} ♥ {self.post_id}"


class Bookmark(models.Model):
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employee", "post"], name="unique_bookmark")]
        indexes = [models.Index(fields=["employee", "-id"], name="bookmark_by_employee")]

    def __str__(self) -> str:
        return f"{self.employee_id} 🔖 {self.post_id}"


class Pin(models.Model):
    """A post its author keeps at the top of their profile (Mastodon's StatusPin); at most
    ``posts.services.PIN_LIMIT`` each."""

    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employee", "post"], name="unique_pin")]

    def __str__(self) -> str:
        return f"{self.employee_id} 📌 {self.post_id}"


class ConversationMute(models.Model):
    """A conversation the employee no longer wants notifications from (Mastodon's ConversationMute):
    mentions, replies, likes, reposts, poll results and edits in it stay quiet. ``thread_id`` is the
    conversation's ``Post.thread_id``; like it, not a foreign key, as the first post may be deleted."""

    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "thread_id"], name="unique_conversation_mute")
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} muted thread {self.thread_id}"

    @staticmethod
    def thread_of(post: Post) -> int:
        """The conversation a post belongs to; a repost's is its original's."""
        original = post.reblog_of if post.reblog_of_id is not None else post
        assert original is not None
        return int(original.thread_id or original.pk)


class PostEdit(models.Model):
    """One version of an edited post (Mastodon's StatusEdit). The first edit also stores the original,
    so the history lists every version, oldest first, the last one equal to the post as it is now."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="edits")
    text = models.TextField(blank=True)
    content_html = models.TextField(blank=True)
    spoiler_text = models.CharField(max_length=500, blank=True)
    sensitive = models.BooleanField(default=False)
    # [{"id", "description", "file", "preview", "width", "height"}] as attached at that version.
    media = models.JSONField(default=list, blank=True)
    # {"options": [titles]} or null when the version had no poll.
    poll = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at"], name="post_edit_history")]

    def __str__(self) -> str:
        return f"edit of {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` a client sent with a new post: the same author and key within an hour get
    the same post back. A table rather than Redis so that losing Redis cannot double-post."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["author", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.author_id}:{self.key}"


class ScheduledPost(models.Model):
    """A post its author asked to be published later (Mastodon's ScheduledStatus): what they wrote, as
    the arguments ``post_create`` takes, checked when scheduled and published once due by
    ``posts.services.scheduled_post_publish``. The state stays on the row: a lost task costs latency
    (the periodic sweep finds it), never the post."""

    class State(models.TextChoices):
        PENDING = "pending"
        PUBLISHED = "published"
        FAILED = "failed"  # refused when due (the reply target deleted, posting no longer allowed…)

    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scheduled_at = models.DateTimeField()
    # {"text", "visibility", "audience", "unlisted", "unit_id", "min_rank", "in_reply_to_id",
    #  "spoiler_text", "sensitive", "language", "media_ids", "poll"}
    params = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["scheduled_at"], name="scheduled_post_due", condition=models.Q(state="pending")
            ),
            models.Index(fields=["author", "id"], name="scheduled_post_by_author"),
        ]

    def __str__(self) -> str:
        return f"{self.author_id}'s post at {self.scheduled_at:%Y-%m-%d %H:%M} ({self.state})"
