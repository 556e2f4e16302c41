"""Writes to timelines: fan-out of new posts into home feeds (the author's followers' and their hashtags'
followers'), feed maintenance, read markers and conversation marks.

``post_published`` / ``post_deleted`` are called by ``posts.services`` after commit; they only
enqueue tasks, so a post's HTTP request never waits on its followers' feeds.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from common import snowflake
from common.oncommit import enqueue
from directory.models import Employee
from policy import Viewer, dangerously_all_posts
from posts.models import Audience, FanoutState
from social.models import Follow, TagFollow
from timelines import feeds
from timelines.models import ConversationState, FanoutProgress, Marker, MarkerTimeline

if TYPE_CHECKING:
    from timelines.selectors import Conversation

log = logging.getLogger(__name__)


def fanout_max_followers() -> int:
    """Authors followed by more people than this are merged in at read time instead of fanned out."""
    return int(getattr(settings, "TIMELINES_FANOUT_MAX_FOLLOWERS", 1000))


def fanout_chunk() -> int:
    return int(getattr(settings, "TIMELINES_FANOUT_CHUNK", 500))


# Which posts reach the followers of their hashtags, on the row ``p``: the hashtag timeline's rule
# (``timelines.selectors.tag_timeline``): originals, neither unlisted nor direct. Whether a follower may
# see one (a unit post, a followers-only post, a rank floor) is policy's question at every read.
TAG_REACH_SQL = f"p.reblog_of_id IS NULL AND NOT p.unlisted AND p.audience <> '{Audience.DIRECT.value}'"


# ---- entry points for posts.services (called after commit) ----------------------------------------


def post_published(post_id: int) -> None:
    from timelines.tasks import fanout_post

    enqueue(fanout_post, post_id)


def post_deleted(post_id: int, author_id: int) -> None:
    from timelines.tasks import unfanout_post

    enqueue(unfanout_post, post_id, author_id)


def feed_merge(*, follower_id: int, author_id: int) -> None:
    from timelines.tasks import merge_author

    enqueue(merge_author, follower_id, author_id)


def feed_unmerge(*, follower_id: int, author_id: int) -> None:
    from timelines.tasks import unmerge_author

    enqueue(unmerge_author, follower_id, author_id)


def feed_forget(employee_id: int) -> None:
    feeds.forget(employee_id)


# ---- the work the tasks do ---------------------------------------------------------------------------


def fanout_run(post_id: int) -> str:
    """Deliver one post to its author's and followers' home feeds, and to those of the people who follow
    one of its hashtags; idempotent and resumable.

    Followers are walked in id order in chunks; after each chunk the cursor is saved, so a worker
    killed half-way leaves a post that is still ``pending`` with a cursor, and the next run (the same
    message redelivered thanks to late acks, or the periodic sweep) continues from there. Re-adding an
    id a feed already holds is a no-op, so overlapping runs do no harm.
    """
    start = _dangerously_fanout_start(post_id)
    if start is None:
        return "gone"
    author_id, state, saved_cursor, active_followers, tag_followers, notify_followers = start
    if state == FanoutState.DONE:
        return "done"
    if notify_followers and saved_cursor is None:
        # Followers who asked to hear of each post ("notify"): a post without mentions or a reply
        # queued no notification task when it was written (posts.services.post_create); the fan-out,
        # which reads the author's followers anyway, asks for one. Delivery is idempotent, so a
        # re-run that asks again does no harm.
        from notifications.services import notify_post_created

        notify_post_created(post_id)
    followers = Follow.objects.filter(followee_id=author_id, follower__is_active=True)
    resumed = saved_cursor is not None
    cursor = saved_cursor or 0
    chunk = fanout_chunk()
    # The followers of its hashtags first (again on a resumed run: adding is idempotent), also when the
    # author's own followers are merged in at read time.
    for start_at in range(0, len(tag_followers), chunk):
        feeds.add_to_existing(tag_followers[start_at : start_at + chunk], post_id)
    if not resumed:
        feeds.add_to_existing([author_id], post_id)
        if active_followers > fanout_max_followers():
            feeds.client().sadd(feeds.big_authors_key(), author_id)
            _finish(post_id, cursor_saved=active_followers >= fanout_chunk())
            return "read-time"
    while True:
        ids = list(
            followers.filter(follower_id__gt=cursor)
            .order_by("follower_id")
            .values_list("follower_id", flat=True)[:chunk]
        )
        if not ids:
            break
        feeds.add_to_existing(ids, post_id)
        if len(ids) < chunk:
            # The last chunk: no cursor to save and no empty query after it (most authors have fewer
            # followers than one chunk). Killed before ``_finish``, a re-run re-adds, harmlessly.
            break
        cursor = ids[-1]
        FanoutProgress.objects.update_or_create(
            post_id=post_id, defaults={"cursor": cursor}, create_defaults={"cursor": cursor}
        )
        resumed = True
    # An author with more followers than a chunk may have a cursor saved by an overlapping run.
    _finish(post_id, cursor_saved=resumed or active_followers >= chunk)
    return "done"


def _dangerously_fanout_start(post_id: int) -> tuple[int, str, int | None, int, list[int], bool] | None:
    """A post's author, fan-out state, saved cursor (None when no run saved one), the author's active
    followers, the active followers of its hashtags that it reaches (``TAG_REACH_SQL``), and whether
    followers who asked to hear of each post must be told of this one though its writing queued no
    notification (an original, not a reply, without mentions, by an author someone follows with
    ``notify``) — in one statement instead of five (the fan-out runs once per post). Raw access: the
    fan-out delivers every post, whoever may read it; the readers' timelines filter it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.author_id, p.fanout_state, fp.cursor,"  # noqa: S608 (a constant of this module)
            " (SELECT count(*) FROM social_follow f JOIN directory_employee e ON e.id = f.follower_id"
            "  WHERE f.followee_id = p.author_id AND e.is_active),"
            " ARRAY(SELECT DISTINCT tf.employee_id FROM posts_posthashtag ph"
            "  JOIN social_tagfollow tf ON tf.hashtag_id = ph.hashtag_id"
            "  JOIN directory_employee te ON te.id = tf.employee_id"
            f"  WHERE ph.post_id = p.id AND te.is_active AND te.id <> p.author_id AND {TAG_REACH_SQL}),"
            " (p.reblog_of_id IS NULL AND p.in_reply_to_account_id IS NULL"
            "  AND EXISTS (SELECT 1 FROM social_follow nf WHERE nf.followee_id = p.author_id AND nf.notify)"
            "  AND NOT EXISTS (SELECT 1 FROM posts_mention nm WHERE nm.post_id = p.id))"
            " FROM posts_post p LEFT JOIN timelines_fanoutprogress fp ON fp.post_id = p.id WHERE p.id = %s",
            [post_id],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], row[2], row[3], list(row[4]), bool(row[5]))


def _finish(post_id: int, *, cursor_saved: bool) -> None:
    if not cursor_saved:  # the usual case: only the state to set, one statement
        dangerously_all_posts().filter(pk=post_id).update(fanout_state=FanoutState.DONE)
        return
    with transaction.atomic():
        dangerously_all_posts().filter(pk=post_id).update(fanout_state=FanoutState.DONE)
        FanoutProgress.objects.filter(post_id=post_id).delete()


def unfanout_run(post_id: int, author_id: int) -> None:
    """Take a deleted post's id out of the feeds it went into (reads would drop it anyway)."""
    followers = list(Follow.objects.filter(followee_id=author_id).values_list("follower_id", flat=True))
    chunk = fanout_chunk()
    for start in range(0, len(followers) + 1, chunk):
        feeds.remove([author_id, *followers[start : start + chunk]], [post_id])


def merge_run(follower_id: int, author_id: int) -> None:
    """A new follow: the followee's recent posts join the follower's feed (if it exists)."""
    if not Follow.objects.filter(follower_id=follower_id, followee_id=author_id).exists():
        return  # unfollowed again before this ran
    ids = list(
        dangerously_all_posts()
        .filter(author_id=author_id)
        .order_by("-id")
        .values_list("id", flat=True)[: feeds.feed_cap()]
    )
    feeds.add_many(follower_id, ids)


def unmerge_run(follower_id: int, author_id: int) -> None:
    if Follow.objects.filter(follower_id=follower_id, followee_id=author_id).exists():
        return  # followed again before this ran
    ids = list(
        dangerously_all_posts()
        .filter(author_id=author_id)
        .order_by("-id")
        .values_list("id", flat=True)[: feeds.feed_cap() * 2]
    )
    feeds.remove([follower_id], ids)


def followed_post_ids(employee_id: int, *, max_id: int | None = None, limit: int) -> list[int]:
    """Newest ids by the employee and everyone they follow, and of the posts that reach them through
    a hashtag they follow (``TAG_REACH_SQL``): what a home feed holds when rebuilt."""
    follows = Follow.objects.filter(follower_id=employee_id).values("followee_id")
    posts = dangerously_all_posts().filter(Q(author_id=employee_id) | Q(author_id__in=follows))
    if max_id is not None:
        posts = posts.filter(id__lt=max_id)
    ids = list(posts.order_by("-id").values_list("id", flat=True)[:limit])
    if not TagFollow.objects.filter(employee_id=employee_id).exists():
        return ids
    with connection.cursor() as cursor:
        # Per followed tag, its newest posts through ``post_hashtag_recent``; then the newest of all.
        cursor.execute(
            "SELECT DISTINCT t.post_id FROM social_tagfollow tf CROSS JOIN LATERAL ("  # noqa: S608 (a constant)
            " SELECT ph.post_id FROM posts_posthashtag ph JOIN posts_post p ON p.id = ph.post_id"
            f" WHERE ph.hashtag_id = tf.hashtag_id AND ph.post_id < %s AND {TAG_REACH_SQL}"
            " ORDER BY ph.post_id DESC LIMIT %s) t"
            " WHERE tf.employee_id = %s ORDER BY t.post_id DESC LIMIT %s",
            [max_id if max_id is not None else 2**63 - 1, limit, employee_id, limit],
        )
        tagged = [row[0] for row in cursor.fetchall()]
    return sorted(set(ids) | set(tagged), reverse=True)[:limit]


def feed_rebuild(employee_id: int) -> list[int]:
    """Write the employee's home feed from PostgreSQL; returns the ids, newest first."""
    ids = followed_post_ids(employee_id, limit=feeds.feed_cap())
    feeds.replace(employee_id, ids)
    return ids


def big_author_ids() -> set[int]:
    """Authors merged in at read time. Recomputed from PostgreSQL every few minutes (and after Redis loss)."""
    client = feeds.client()
    pipe = client.pipeline(transaction=False)
    pipe.exists(feeds.big_authors_fresh_key())
    pipe.smembers(feeds.big_authors_key())
    fresh, members = pipe.execute()
    if fresh:
        return {int(m) for m in members}
    ids = set(
        Follow.objects.filter(follower__is_active=True)
        .values("followee_id")
        .annotate(n=Count("id"))
        .filter(n__gt=fanout_max_followers())
        .values_list("followee_id", flat=True)
    )
    pipe = client.pipeline(transaction=True)
    pipe.delete(feeds.big_authors_key())
    if ids:
        pipe.sadd(feeds.big_authors_key(), *ids)
    pipe.set(feeds.big_authors_fresh_key(), "1", ex=300)
    pipe.execute()
    return ids


def requeue_stuck_fanouts(*, min_age_seconds: int = 120, limit: int = 1000) -> int:
    """Re-send fan-outs still pending after ``min_age_seconds`` (a lost message or a killed worker)."""
    from timelines.tasks import fanout_post

    cutoff = snowflake.lower_bound(timezone.now() - timedelta(seconds=min_age_seconds))
    ids = list(
        dangerously_all_posts()
        .filter(fanout_state=FanoutState.PENDING, id__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for post_id in ids:
        fanout_post.delay(post_id)
    FanoutProgress.objects.filter(post_id__in=ids).update(attempts=F("attempts") + 1)
    if ids:
        log.info("re-queued %d pending fan-outs", len(ids))
    return len(ids)


# ---- markers -------------------------------------------------------------------------------------------


class MarkerInvalid(ValueError):
    pass


@transaction.atomic
def marker_set(*, employee: Employee, timeline: str, last_read_id: int | str) -> Marker:
    """Save a read position; ``version`` counts the updates, as Mastodon's does."""
    if timeline not in MarkerTimeline.values:
        raise MarkerInvalid(f"Unknown timeline {timeline!r}: use home or notifications")
    try:
        position = int(last_read_id)
    except (TypeError, ValueError):
        raise MarkerInvalid("last_read_id must be an id") from None
    marker, created = Marker.objects.select_for_update().get_or_create(
        employee=employee, timeline=timeline, defaults={"last_read_id": position}
    )
    if not created:
        marker.last_read_id = position
        marker.version += 1
        marker.save(update_fields=["last_read_id", "version", "updated_at"])
    return marker


def conversation_mark_read(*, viewer: Viewer, thread_id: int | str) -> Conversation:
    """Mark one of the viewer's conversations read up to its last status (404 when it is not theirs);
    returns it as now read."""
    from timelines.selectors import conversation_get

    conversation = conversation_get(viewer, thread_id)
    _conversation_marks(viewer, conversation.thread_id, read_up_to=conversation.paging_id)
    return dataclasses.replace(conversation, unread=False)


def conversation_remove(*, viewer: Viewer, thread_id: int | str) -> None:
    """Take a conversation off the viewer's list (and mark it read) until a newer post arrives in it.
    The posts stay: the others in it keep theirs, and the viewer can still open the thread."""
    from timelines.selectors import conversation_get

    conversation = conversation_get(viewer, thread_id)
    last = conversation.paging_id
    _conversation_marks(viewer, conversation.thread_id, read_up_to=last, removed_up_to=last)


@transaction.atomic
def _conversation_marks(viewer: Viewer, thread_id: int, *, read_up_to: int, removed_up_to: int = 0) -> None:
    # Marks only move forward: a request that saw an older last status cannot undo a newer mark.
    assert viewer.id is not None  # conversation_get found a conversation of theirs
    state, _ = ConversationState.objects.select_for_update().get_or_create(
        employee_id=viewer.id, thread_id=thread_id
    )
    state.read_up_to = max(state.read_up_to, read_up_to)
    state.removed_up_to = max(state.removed_up_to, removed_up_to)
    state.save(update_fields=["read_up_to", "removed_up_to", "updated_at"])
