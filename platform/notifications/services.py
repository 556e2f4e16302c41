"""Notifications: ``notify_*`` are called after commit and only enqueue a task per event; the task
(``deliver_*``) decides who gets what and writes rows, idempotently (a unique constraint on
recipient, kind, actor and post, so a task that runs twice adds nothing).

Rules (VISIBILITY.md, Mastodon): a notification is created only for a post the recipient may see,
never for one's own action, not from someone the recipient blocked, is blocked by, or muted with
notifications, and not of a kind the recipient switched off (``Preferences``: no row, no stream
event, no unread count). Reads re-check visibility (``notifications.selectors``), so a post that
becomes invisible later takes its notifications with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from common.oncommit import after_commit, enqueue
from directory.models import Employee
from notifications.models import Kind, Notification, Preferences, Source
from policy import Viewer, can_view_post, dangerously_all_posts
from posts.models import ConversationMute, Mention, Post
from social.filters import is_silenced

# ---- entry points (called after commit by posts and social services) --------------------------------


def notify_post_created(post_id: int) -> None:
    from notifications.tasks import deliver_post_created

    enqueue(deliver_post_created, post_id)


def notify_favourite(post_id: int, actor_id: int) -> None:
    from notifications.tasks import deliver_favourite

    enqueue(deliver_favourite, post_id, actor_id)


def notify_reblog(post_id: int, actor_id: int) -> None:
    from notifications.tasks import deliver_reblog

    enqueue(deliver_reblog, post_id, actor_id)


def notify_post_edited(post_id: int) -> None:
    from notifications.tasks import deliver_post_edited

    enqueue(deliver_post_edited, post_id)


def notify_follow(follower_id: int, target_id: int) -> None:
    from notifications.tasks import deliver_follow

    enqueue(deliver_follow, follower_id, target_id)


def notify_poll_ended(poll_id: int) -> None:
    from notifications.tasks import deliver_poll_ended

    enqueue(deliver_poll_ended, poll_id)


# ---- the work -------------------------------------------------------------------------------------------


def _stream(notification_id: int) -> None:
    """The recipient's open streams hear about it once it is committed."""
    from streaming.publish import notification_created

    after_commit(notification_created, notification_id)


def _post(post_id: int) -> Post | None:
    return dangerously_all_posts().filter(pk=post_id).select_related("author", "reblog_of").first()


def _preferences(employee_ids: Iterable[int]) -> dict[int, Preferences]:
    """Saved preferences by employee; those without a row get the defaults (everything on)."""
    ids = set(employee_ids)
    saved = {p.employee_id: p for p in Preferences.objects.filter(employee_id__in=ids)}
    return {pk: saved.get(pk) or Preferences(employee_id=pk) for pk in ids}


def _wants(preferences: Preferences, kind: str, *, reply: bool, follows_actor: bool) -> bool:
    if kind == Kind.MENTION:
        # A reply to one's own post is told apart from a mention elsewhere, though both arrive as mentions.
        return preferences.reply if reply else preferences.mention
    if kind in (Kind.FAVOURITE, Kind.REBLOG, Kind.FOLLOW):
        source = getattr(preferences, kind)
        return source == Source.EVERYONE or (source == Source.FOLLOWING and follows_actor)
    if kind == Kind.POLL:
        return preferences.poll
    if kind == Kind.UPDATE:
        return preferences.update
    return True


def _muted_conversation(post: Post, employee_ids: Iterable[int]) -> set[int]:
    """Those of ``employee_ids`` who muted the conversation ``post`` is in: it stays quiet for them,
    whatever happens in it (Mastodon's way)."""
    return set(
        ConversationMute.objects.filter(
            thread_id=ConversationMute.thread_of(post), employee_id__in=list(employee_ids)
        ).values_list("employee_id", flat=True)
    )


def _deliver(
    kind: str,
    *,
    actor_id: int,
    post: Post | None,
    recipient_ids: Iterable[int],
    replied_to_id: int | None = None,
) -> int:
    """Create the notifications that pass the rules; returns how many were new."""
    from social.models import Follow

    wanted = {pk for pk in recipient_ids if pk != actor_id}
    if post is not None and wanted:
        wanted -= _muted_conversation(post, wanted)
    if not wanted:
        return 0
    preferences = _preferences(wanted)
    selective = [pk for pk, p in preferences.items() if Source.FOLLOWING in (p.favourite, p.reblog, p.follow)]
    follow_actor = set(
        Follow.objects.filter(follower_id__in=selective, followee_id=actor_id).values_list(
            "follower_id", flat=True
        )
        if selective
        else ()
    )
    made = 0
    for recipient in Employee.objects.filter(pk__in=wanted, is_active=True).select_related("unit"):
        reply = recipient.pk == replied_to_id
        if not _wants(
            preferences[recipient.pk], kind, reply=reply, follows_actor=recipient.pk in follow_actor
        ):
            continue
        if post is not None and not can_view_post(Viewer.of(recipient), post):
            continue
        if is_silenced(recipient.pk, actor_id, for_notifications=True):
            continue
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                recipient=recipient, kind=kind, actor_id=actor_id, post=post
            )
        if created:
            _stream(notification.pk)
        made += int(created)
    return made


def deliver_post_created(post_id: int) -> int:
    """Mentions, and replies (a reply notifies the replied-to author as a mention, Mastodon's way); and
    "status" to followers who turned on notifications of the author's posts."""
    post = _post(post_id)
    if post is None or post.reblog_of_id is not None:
        return 0
    recipients = set(Mention.objects.filter(post=post).values_list("employee_id", flat=True))
    if post.in_reply_to_account_id is not None:
        recipients.add(post.in_reply_to_account_id)
    made = _deliver(
        Kind.MENTION,
        actor_id=post.author_id,
        post=post,
        recipient_ids=recipients,
        replied_to_id=post.in_reply_to_account_id,
    )
    if post.in_reply_to_account_id in (None, post.author_id):
        # Followers who asked to hear of the author's every post ("notify"), as Mastodon: not of a
        # reply to someone else, and not twice for one post (a mention already told them).
        from social.models import Follow

        notified = Follow.objects.filter(followee_id=post.author_id, notify=True).values_list(
            "follower_id", flat=True
        )
        made += _deliver(
            Kind.STATUS, actor_id=post.author_id, post=post, recipient_ids=set(notified) - recipients
        )
    return made


def _original(post: Post) -> Post:
    return post.reblog_of if post.reblog_of is not None else post


def deliver_favourite(post_id: int, actor_id: int) -> int:
    post = _post(post_id)
    if post is None:
        return 0
    original = _original(post)
    return _deliver(Kind.FAVOURITE, actor_id=actor_id, post=original, recipient_ids=[original.author_id])


def deliver_reblog(post_id: int, actor_id: int) -> int:
    """``post_id`` may be the repost or the original; the notification shows the original."""
    post = _post(post_id)
    if post is None:
        return 0
    original = _original(post)
    return _deliver(Kind.REBLOG, actor_id=actor_id, post=original, recipient_ids=[original.author_id])


def deliver_post_edited(post_id: int) -> int:
    """Mastodon's "update": everyone who reposted the post hears that it changed."""
    post = _post(post_id)
    if post is None:
        return 0
    rebloggers = dangerously_all_posts().filter(reblog_of=post).values_list("author_id", flat=True)
    # One "update" row per post and person: a later edit refreshes it instead of piling up.
    Notification.objects.filter(kind=Kind.UPDATE, post=post).delete()
    return _deliver(Kind.UPDATE, actor_id=post.author_id, post=post, recipient_ids=rebloggers)


def deliver_follow(follower_id: int, target_id: int) -> int:
    from social.models import Follow

    if not Follow.objects.filter(follower_id=follower_id, followee_id=target_id).exists():
        return 0
    return _deliver(Kind.FOLLOW, actor_id=follower_id, post=None, recipient_ids=[target_id])


def deliver_poll_ended(poll_id: int) -> int:
    """Voters and the author hear that a poll ended. The actor is the poll's author (Mastodon's shape);
    the author's own notification is the one case of "your own action", as in Mastodon."""
    from posts.models import Poll, PollVote

    poll = Poll.objects.filter(pk=poll_id).select_related("post", "post__author").first()
    if poll is None:
        return 0
    post = poll.post
    voters = set(PollVote.objects.filter(poll=poll).values_list("voter_id", flat=True))
    made = _deliver(Kind.POLL, actor_id=post.author_id, post=post, recipient_ids=voters)
    if not _preferences([post.author_id])[post.author_id].poll or _muted_conversation(post, [post.author_id]):
        return made
    notification, created = Notification.objects.get_or_create(
        recipient_id=post.author_id, kind=Kind.POLL, actor_id=post.author_id, post=post
    )
    if created:
        _stream(notification.pk)
    return made + int(created)


# ---- the recipient's own writes -----------------------------------------------------------------------


@transaction.atomic
def notification_dismiss(*, viewer_employee: Employee, notification_id: int | str) -> None:
    """Idempotent; someone else's notification is "not found"."""
    from django.http import Http404

    try:
        pk = int(notification_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    deleted, _ = Notification.objects.filter(pk=pk, recipient=viewer_employee).delete()
    if not deleted:
        raise Http404("Record not found")


@transaction.atomic
def notification_group_dismiss(*, viewer: Viewer, group_key: str) -> int:
    """Dismiss every notification of a group (``notifications.selectors.notification_group``) at once;
    a key that names none of the viewer's is "not found"."""
    from notifications.selectors import notification_group

    group = notification_group(viewer, group_key)
    deleted, _ = Notification.objects.filter(
        pk__in=[pk for pk, _ in group.members], recipient_id=viewer.id
    ).delete()
    return deleted


def notifications_clear(*, employee: Employee) -> int:
    deleted, _ = Notification.objects.filter(recipient=employee).delete()
    return deleted


@transaction.atomic
def notification_preferences_update(
    *,
    employee: Employee,
    mention: bool,
    reply: bool,
    favourite: str,
    reblog: str,
    follow: str,
    poll: bool,
    update: bool,
) -> Preferences:
    """Saves what the employee wants to hear about; applies to notifications created from now on.
    Raises ValidationError (nothing saved) for a source that is not everyone, following or nobody."""
    sources = {"favourite": favourite, "reblog": reblog, "follow": follow}
    for field, value in sources.items():
        if value not in Source.values:
            raise ValidationError(f"{field} must be one of {', '.join(Source.values)}.")
    preferences, _ = Preferences.objects.update_or_create(
        employee=employee,
        defaults={"mention": mention, "reply": reply, "poll": poll, "update": update, **sources},
    )
    return preferences
