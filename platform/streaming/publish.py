"""The publishing side of streams: services call these after their transaction commits.

Each event is one message on the tenant's channel (``{schema}:stream``): the Mastodon payload,
rendered once here, plus the facts every stream process needs to route it without touching the
database (the audience snapshot, hashtags, whether it belongs on the company timeline). Which
connection may receive it is decided by each stream process at delivery time (``streaming.hub``).

Publishing never fails the write that triggered it: a post is saved whether or not Redis answers
(pub/sub is best-effort by nature; timelines and notifications are the durable record).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from typing import Any

import orjson
import redis
from django.conf import settings
from django.db import connection, transaction

from streaming import visibility

log = logging.getLogger(__name__)

CHANNEL_SUFFIX = ":stream"


def channel(schema: str) -> str:
    return f"{schema}{CHANNEL_SUFFIX}"


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _send(message: dict[str, Any], *, schema: str | None = None) -> None:
    schema = schema or connection.schema_name
    try:
        _client().publish(channel(schema), orjson.dumps(message))
    except redis.RedisError:
        log.warning("stream event %s not published: Redis unavailable", message.get("k"))


def _post_facts(post: Any) -> dict[str, Any]:
    """Routing facts about a post (for a repost: about the repost, with the original's audience inside)."""
    from posts.models import Audience, MediaAttachment, PostHashtag
    from posts.selectors import carries_own_details

    original = post.reblog_of if post.reblog_of_id else None
    if carries_own_details(post):
        # Set by its writer (``posts.selectors.attach_new_post_details``): the rows need not be read.
        tags = [t["name"] for t in post.tag_list]
        has_media = bool(post.has_media)
    else:
        tags = list(
            PostHashtag.objects.filter(post_id=post.pk).order_by("id").values_list("hashtag__name", flat=True)
        )
        has_media = MediaAttachment.objects.filter(post_id=post.pk).exists()
    is_reply = post.in_reply_to_account_id is not None
    return {
        "id": str(post.pk),
        "author": post.author_id,
        "reply_to": post.in_reply_to_account_id,
        "original_author": original.author_id if original is not None else None,
        # The company timeline's rule (timelines.selectors.public_timeline): company posts, not unlisted,
        # no reposts, no replies except an author's replies to themself.
        "public": post.audience == Audience.COMPANY
        and not post.unlisted
        and original is None
        and (not is_reply or post.in_reply_to_account_id == post.author_id),
        # The hashtag timeline's rule: every audience the viewer may see except unlisted and direct.
        "taggable": original is None and not post.unlisted and post.audience != Audience.DIRECT,
        # Mastodon's ``direct`` stream: direct posts (never reposted), grouped by conversation.
        "direct": original is None and post.audience == Audience.DIRECT,
        "thread": post.thread_id or post.pk,
        "media": has_media,
        "tags": tags,
        "aud": visibility.encode(visibility.audience_for(post)),
    }


def _load_post(post_id: int) -> Any:
    from policy import dangerously_all_posts

    return (
        dangerously_all_posts()
        .filter(pk=post_id)
        .select_related("author__unit", "reblog_of__author__unit")
        .first()
    )


def _post_event(kind: str, post_id: int, post: Any = None) -> None:
    from api.mastodon.streaming import render_accounts, render_status_and_text

    try:
        if post is None or post.pk != post_id:
            post = _load_post(post_id)
        if post is None:
            return
        facts = _post_facts(post)
        payload, text = render_status_and_text(post)
        message = {"k": kind, **facts, "payload": payload}
        # What readers' keyword filters are matched against (``filters.selectors.FilterSet.hits``): the
        # searchable text of what the post shows (a repost: its original's) and, for filters made on
        # posts, the original's id beside ``id``. Only update events carry them: a delete is never
        # filtered.
        if text:
            message["text"] = text
        if post.reblog_of_id is not None:
            message["original"] = post.reblog_of_id
        if kind == "update" and facts["direct"]:
            # A ``conversation`` event names the other participants as Accounts: rendered once here,
            # each stream process picks the ones its viewer's Conversation shows.
            participants = [post.author_id, *facts["aud"]["mentioned"]]
            message["accounts"] = render_accounts(list(dict.fromkeys(participants)))
        _send(message)
    except Exception:
        # A failure here must never surface in the writer's request (this runs after its commit).
        log.exception("stream event %s for post %s failed", kind, post_id)


def post_created(post_id: int, post: Any = None) -> None:
    """A new post or repost: Mastodon's ``update`` event. ``post``: the instance its writer has just
    saved, after the commit and in the same process, which saves reading it back (a statement and the
    ORM's compile of it, on every POST)."""
    _post_event("update", post_id, post)


def post_updated(post_id: int) -> None:
    """An edited post: Mastodon's ``status.update`` event."""
    _post_event("status.update", post_id)


def posts_deleting(post_ids: list[int]) -> None:
    """Called inside the deleting transaction, *before* the rows go: the audience is taken now (the
    post will be gone by delivery time) and the ``delete`` events are sent once the delete commits."""
    try:
        messages = []
        for post_id in post_ids:
            post = _load_post(post_id)
            if post is not None:
                facts = _post_facts(post)
                messages.append({"k": "delete", **facts, "payload": facts["id"]})
    except Exception:
        log.exception("stream delete events for %s failed", post_ids)
        return
    schema = connection.schema_name

    def send() -> None:
        for message in messages:
            _send(message, schema=schema)

    transaction.on_commit(send)


def notification_created(notification_id: int) -> None:
    """A new notification, for its recipient's ``user`` and ``user:notification`` streams."""
    from api.mastodon.streaming import render_notification
    from notifications.models import Notification

    try:
        found = (
            Notification.objects.filter(pk=notification_id)
            .select_related("recipient__unit", "actor", "post__author__unit")
            .first()
        )
        if found is None:
            return
        payload = render_notification(found)
        if payload is None:
            return
        aud = visibility.encode(visibility.audience_for(found.post)) if found.post is not None else None
        _send(
            {
                "k": "notification",
                "to": found.recipient_id,
                "actor": found.actor_id,
                "aud": aud,
                "payload": payload,
            }
        )
    except Exception:
        log.exception("stream event for notification %s failed", notification_id)


# ---- announcements: Mastodon's ``announcement`` events, on the user stream --------------------------


def announcement_changed(announcement_id: int, *, was_out: bool, was_unit: int | None) -> None:
    """An announcement made, edited or deleted. When it is shown now (published, not over), Mastodon's
    ``announcement`` for everyone it is for; else, when it was out before (``was_out``, for the unit
    ``was_unit`` or the company), ``announcement.delete`` for everyone it was for. Each reader's
    ``read`` and ``me`` are set by the stream process, and an edit that took it away from some readers
    (a narrower unit) sends them ``announcement.delete`` there."""
    from announcements.models import Announcement
    from announcements.selectors import announcement_is_current
    from api.mastodon.streaming import render_announcement

    try:
        found = Announcement.objects.filter(pk=announcement_id).first()
        if found is not None and announcement_is_current(found):
            _send(
                {
                    "k": "announcement",
                    "id": str(found.pk),
                    "unit": found.unit_id,
                    "was_out": was_out,
                    "was_unit": was_unit,
                    "payload": render_announcement(found),
                }
            )
        elif was_out:
            _send({"k": "announcement.delete", "id": str(announcement_id), "unit": was_unit})
    except Exception:
        log.exception("stream event for announcement %s failed", announcement_id)


def announcement_reaction(announcement_id: int, name: str) -> None:
    """Someone reacted with ``name`` or took it back: Mastodon's ``announcement.reaction``, with the
    count now, for everyone the announcement is for."""
    from announcements.models import Announcement, AnnouncementReaction

    try:
        found = Announcement.objects.filter(pk=announcement_id).values_list("unit_id").first()
        if found is None:
            return  # deleted meanwhile: its ``announcement.delete`` says all
        (unit,) = found
        count = AnnouncementReaction.objects.filter(announcement_id=announcement_id, name=name).count()
        payload = {"name": name, "count": count, "announcement_id": str(announcement_id)}
        _send(
            {
                "k": "announcement.reaction",
                "id": str(announcement_id),
                "unit": unit,
                "payload": orjson.dumps(payload).decode(),
            }
        )
    except Exception:
        log.exception("stream reaction event for announcement %s failed", announcement_id)


# ---- control messages: act now instead of at the next periodic check -------------------------------


def employee_disconnected(employee_id: int) -> None:
    """Close every open stream of ``employee_id`` (deactivated, or signed out everywhere)."""
    _send({"k": "disconnect", "employee": int(employee_id)})


def token_revoked(token_id: int) -> None:
    """Close the streams opened with one OAuth access token."""
    _send({"k": "revoke", "token": int(token_id)})


# Past this many people one message says "everyone": a reload of all viewers costs one query anyway.
RELOAD_ALL_ABOVE = 1000


def viewers_changed(employee_ids: Iterable[int] | None = None) -> None:
    """What the rules read about these readers changed (unit, rank, role): stream processes reload
    them now instead of at their periodic refresh. ``None`` reloads every viewer and the tenant's
    rules (a unit moved in the tree, the policy was edited)."""
    ids = None if employee_ids is None else sorted({int(i) for i in employee_ids})
    if ids is not None and not ids:
        return
    if ids is not None and len(ids) > RELOAD_ALL_ABOVE:
        ids = None
    _send({"k": "reload", "employees": ids})
