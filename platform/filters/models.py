"""Keyword filters (Mastodon's v2 "custom filters"): words and posts an employee would rather not see,
with where (the contexts) and how (warn, blur or hide). Each is the employee's own: nobody else reads
them, and they change only what that employee is shown."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from common import snowflake


class Context(models.TextChoices):
    HOME = "home"  # the home timeline and lists
    NOTIFICATIONS = "notifications"
    PUBLIC = "public"  # the company, unit and hashtag timelines
    THREAD = "thread"  # a conversation's other posts
    ACCOUNT = "account"  # a profile's posts


class Action(models.TextChoices):
    WARN = "warn"  # shown collapsed behind the filter's title
    BLUR = "blur"  # shown, its media hidden behind the filter's title
    HIDE = "hide"  # left out


class Filter(models.Model):
    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    contexts = ArrayField(models.CharField(max_length=16, choices=Context.choices))
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.WARN)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "id"], name="filter_by_owner")]

    def __str__(self) -> str:
        return f"{self.owner_id}'s filter {self.title!r}"


class FilterKeyword(models.Model):
    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    filter = models.ForeignKey(Filter, on_delete=models.CASCADE, related_name="keywords")
    keyword = models.CharField(max_length=100)
    whole_word = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.keyword


class FilterStatus(models.Model):
    """One post filtered by hand ("filter this post"), whatever its words."""

    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    filter = models.ForeignKey(Filter, on_delete=models.CASCADE, related_name="statuses")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["filter", "post"], name="unique_filter_status")]

    def __str__(self) -> str:
        return f"filter {self.filter_id} on post {self.post_id}"
