"""Every write to posts: create, edit, delete, reblog, like, bookmark, vote, upload media.

Each service validates everything before it writes, writes in one transaction, and schedules its side
effects (fan-out, notifications) for after the commit, so a refused or failed write leaves nothing
behind and tells nobody. Errors: ``PostInvalid`` (Mastodon's 422), ``policy.ActionRefused`` (403),
``Http404`` for anything the actor may not see (the same answer as for something missing).
"""

from __future__ import annotations

import importlib
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

import policy
from common import snowflake
from directory.models import Employee, OrgUnit, Rank
from directory.services import post_max_chars
from posts import media as media_lib
from posts import text as text_lib
from posts.errors import MediaInvalid, PostInvalid
from posts.models import (
    Audience,
    Bookmark,
    ConversationMute,
    Favourite,
    Hashtag,
    IdempotencyKey,
    MediaAttachment,
    Mention,
    Pin,
    Poll,
    PollOption,
    PollVote,
    Post,
    PostEdit,
    PostHashtag,
    ScheduledPost,
)
from posts.selectors import attach_new_post_details
from tenants.services import current_tenant_url

log = logging.getLogger(__name__)

MAX_MEDIA = 4
POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 4
POLL_OPTION_MAX_CHARS = 50
POLL_MIN_EXPIRY = 300
POLL_MAX_EXPIRY = 30 * 24 * 3600
IDEMPOTENCY_WINDOW = timedelta(hours=1)
# Polls ending sooner than this get their own delayed task; later ones are found by the periodic sweep
# (posts.tasks.polls_expire_due), because a Redis broker redelivers delayed tasks older than its
# visibility timeout (600 s in settings/tasks.py) and a month-long delay would be re-sent all month.
POLL_ETA_HORIZON = 540


@dataclass(frozen=True)
class PollSpec:
    options: list[str]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False


@dataclass
class _Draft:
    """A post's content, validated and resolved, ready to write."""

    text: str
    spoiler_text: str
    sensitive: bool
    content_html: str
    mentioned: list[Employee] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    media_ids: list[int] = field(default_factory=list)
    poll: PollSpec | None = None


# --- side effects -----------------------------------------------------------------------------------


def _call_later(module: str, name: str, *args: Any) -> None:
    """Call ``module.name(*args)`` after the commit (never for a rolled-back write)."""
    transaction.on_commit(partial(_deferred_call, module, name, *args), robust=False)


def _deferred_call(module: str, name: str, *args: Any) -> None:
    # Imported lazily: timelines and notifications import posts, and a missing receiver must not turn
    # a committed write into an error for the writer.
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        log.error("side effect %s.%s is not available; skipped for %s", module, name, args)
        return
    fn(*args)


# --- validation -------------------------------------------------------------------------------------


def _nfc(value: str | None) -> str:
    # Composed Hangul everywhere: one code point per syllable for counting, and search and hashtags
    # match whichever form the keyboard produced.
    return unicodedata.normalize("NFC", value or "")


def _tenant_hosts() -> set[str]:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or not hasattr(tenant, "domains"):
        return set()
    return {d.lower() for d in tenant.domains.values_list("domain", flat=True)}


def _validate_poll(poll: PollSpec) -> PollSpec:
    options = [_nfc(o).strip() for o in poll.options]
    if len(options) < POLL_MIN_OPTIONS:
        raise PostInvalid("Validation failed: Poll must have at least 2 options")
    if len(options) > POLL_MAX_OPTIONS:
        raise PostInvalid(f"Validation failed: Poll can have at most {POLL_MAX_OPTIONS} options")
    if any(not o for o in options):
        raise PostInvalid("Validation failed: Poll options must not be empty")
    if any(len(o) > POLL_OPTION_MAX_CHARS for o in options):
        raise PostInvalid(
            f"Validation failed: Poll options can have at most {POLL_OPTION_MAX_CHARS} characters"
        )
    if len(set(options)) != len(options):
        raise PostInvalid("Validation failed: Poll options must be different")
    try:
        expires_in = int(poll.expires_in)
    except (TypeError, ValueError):
        raise PostInvalid("Validation failed: Poll duration must be a number of seconds") from None
    if not POLL_MIN_EXPIRY <= expires_in <= POLL_MAX_EXPIRY:
        raise PostInvalid("Validation failed: Poll duration must be between 5 minutes and 30 days")
    return PollSpec(
        options=options,
        expires_in=expires_in,
        multiple=bool(poll.multiple),
        hide_totals=bool(poll.hide_totals),
    )


def resolve_mentions(parsed: text_lib.Parsed, hosts: set[str]) -> dict[str, Employee]:
    """Active employees named by the mentions, keyed by lower-cased username. A handle with a host
    counts only if the host is one of this tenant's ``hosts``; anything else stays plain text."""
    names = {
        s.value.lower() for s in parsed.segments if s.kind == "mention" and (not s.host or s.host in hosts)
    }
    if not names:
        return {}
    found = Employee.objects.annotate(lname=Lower("username")).filter(lname__in=names, is_active=True)
    return {e.username.lower(): e for e in found}


def _build_draft(
    *,
    author: Employee,
    text: str,
    spoiler_text: str,
    sensitive: bool,
    media_ids: Iterable[int | str],
    poll: PollSpec | None,
) -> _Draft:
    text = _nfc(text)
    spoiler_text = _nfc(spoiler_text).strip()
    try:
        ids = list(dict.fromkeys(int(i) for i in media_ids))
    except (TypeError, ValueError):
        raise PostInvalid("Validation failed: media_ids must be ids") from None
    if len(ids) > MAX_MEDIA:
        raise PostInvalid(f"Validation failed: A post can have at most {MAX_MEDIA} images")
    if poll is not None and ids:
        raise PostInvalid("Validation failed: A post cannot have both images and a poll")
    if poll is not None:
        poll = _validate_poll(poll)
    if not text.strip() and not ids and poll is None:
        raise PostInvalid("Validation failed: Text can't be blank")
    parsed = text_lib.parse(text)
    limit = post_max_chars()
    # Mastodon counts the content warning together with the text.
    if text_lib.count_chars(text, parsed=parsed) + len(spoiler_text) > limit:
        raise PostInvalid(f"Validation failed: Text character limit of {limit} exceeded")
    if len(spoiler_text) > 500:
        raise PostInvalid("Validation failed: Content warning is too long")
    hosts = _tenant_hosts() if any(s.kind == "mention" and s.host for s in parsed.segments) else set()
    people = resolve_mentions(parsed, hosts)

    def mentionable(segment: text_lib.Segment) -> str | None:
        employee = people.get(segment.value.lower())
        if employee is None or (segment.host and segment.host not in hosts):
            return None
        return employee.username

    html = text_lib.render(text, base_url=current_tenant_url(), mentionable=mentionable, parsed=parsed)
    mentioned = {
        people[s.value.lower()].pk: people[s.value.lower()]
        for s in parsed.segments
        if s.kind == "mention" and mentionable(s) is not None
    }
    return _Draft(
        text=text,
        spoiler_text=spoiler_text,
        sensitive=bool(sensitive) or bool(spoiler_text),
        content_html=html,
        mentioned=list(mentioned.values()),
        tags=parsed.tags,
        media_ids=ids,
        poll=poll,
    )


def _check_audience(
    *,
    author: Employee,
    audience: str | None,
    unit_id: int | str | None,
    min_rank: int | str | None,
    unlisted: bool,
) -> tuple[str, OrgUnit | None, int | None, bool]:
    if audience is None:
        audience = _default_audience(author)
    if audience not in Audience.values:
        raise PostInvalid(f"Validation failed: Unknown audience {audience!r}")
    unit: OrgUnit | None = None
    if audience == Audience.UNIT:
        if unit_id in (None, ""):
            unit = author.unit
        else:
            try:
                unit = OrgUnit.objects.filter(pk=int(unit_id)).first()  # type: ignore[arg-type]
            except (TypeError, ValueError):
                unit = None
        if unit is None:
            raise PostInvalid("Validation failed: Unit not found")
        if not policy.may_target_unit(author, unit):
            raise PostInvalid("Validation failed: You may only address your own unit or a unit above it")
    elif unit_id not in (None, ""):
        raise PostInvalid("Validation failed: A unit can only be given for a unit post")
    rank: int | None = None
    if min_rank not in (None, ""):
        try:
            rank = int(min_rank)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise PostInvalid("Validation failed: Minimum rank must be a rank level") from None
        if not Rank.objects.filter(level=rank).exists():
            raise PostInvalid("Validation failed: Minimum rank must be one of the company's rank levels")
    return audience, unit, rank, bool(unlisted) and audience == Audience.COMPANY


def _default_audience(author: Employee) -> str:
    """The tenant's default audience (issue 4 makes it a policy setting; the open default is company)."""
    default = getattr(policy, "default_audience", None)
    return default(author) if callable(default) else Audience.COMPANY


def _check_contact_rules(
    *, author: Employee, audience: str, mentioned: Sequence[Employee], parent: Post | None
) -> None:
    """The tenant's action rules for a new post (VISIBILITY.md: company posting rank, contact rules,
    barriers), in one place so issue 4's rules slot into ``policy`` without touching this module's
    callers. ``policy.check_may_publish`` takes the whole draft once it exists; until then only the
    basic "may post at all" rule applies (checked on entry)."""
    check = getattr(policy, "check_may_publish", None)
    if callable(check):
        check(author, audience=audience, mentioned=list(mentioned), in_reply_to=parent)


def _reply_target(author: Employee, in_reply_to_id: int | str | None) -> Post | None:
    if in_reply_to_id in (None, ""):
        return None
    try:
        pk = int(in_reply_to_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PostInvalid("Validation failed: The post you are replying to was not found") from None
    viewer = policy.Viewer.of(author)
    parent = policy.visible_posts(viewer).filter(pk=pk).select_related("reblog_of").first()
    if parent is None:
        # The same answer for a missing post and one the author may not see (Mastodon's 422).
        raise PostInvalid("Validation failed: The post you are replying to was not found")
    # A reply to a reblog answers the original, as in Mastodon.
    return parent.reblog_of if parent.reblog_of_id else parent


def _attach_media(
    *, post: Post, owner: Employee, media_ids: Sequence[int], keep: set[int] | None = None
) -> None:
    """Attach ``media_ids`` in order. Only the owner's uploads, each to one post: ``keep`` lists ids
    already on this post (an edit)."""
    rows = _checked_media(owner, media_ids, post_id=post.pk, keep=keep or set())
    for position, media_id in enumerate(media_ids):
        rows[media_id].post_id = post.pk
        rows[media_id].position = position
    MediaAttachment.objects.bulk_update(list(rows.values()), ["post", "position"])


def _checked_media(
    owner: Employee,
    media_ids: Sequence[int],
    *,
    post_id: int | None = None,
    keep: set[int] | frozenset[int] = frozenset(),
) -> dict[int, MediaAttachment]:
    """The rows of ``media_ids``, locked until the transaction ends, once each is found to be the owner's
    upload, on no post (except those in ``keep`` already on post ``post_id``: an edit) and in none of
    the owner's scheduled posts still waiting, which hold their images as Mastodon's do. Attaching and
    scheduling both read them here, so that one waits for the other instead of both passing."""
    # Locked in id order, so that two writes naming the same images cannot deadlock.
    rows = {
        m.pk: m for m in MediaAttachment.objects.select_for_update().filter(pk__in=media_ids).order_by("pk")
    }
    for media_id in media_ids:
        item = rows.get(media_id)
        if item is None or item.owner_id != owner.pk:
            raise PostInvalid("Validation failed: Media not found")
        if item.post_id is not None and not (item.post_id == post_id and media_id in keep):
            raise PostInvalid("Validation failed: Media is already attached to a post")
    # One statement for all of them: the params keep media ids as strings, so jsonb's ?| finds any.
    free = [str(pk) for pk in media_ids if rows[pk].post_id is None]
    if (
        free
        and ScheduledPost.objects.filter(
            author=owner, state=ScheduledPost.State.PENDING, params__media_ids__has_any_keys=free
        ).exists()
    ):
        raise PostInvalid("Validation failed: An image is already in a scheduled post")
    return rows


def _write_entities(post: Post, draft: _Draft) -> list[Hashtag]:
    """The post's mentions and hashtags; returns the hashtags in the order their rows were written."""
    Mention.objects.bulk_create(
        [Mention(post=post, employee=e) for e in draft.mentioned], ignore_conflicts=True
    )
    if not draft.tags:
        return []
    by_name = {text_lib.normalise_tag(t): t for t in draft.tags}
    # Most tags are in use already: they are read, and only the new ones written (and read back, as
    # another post may have written one meanwhile).
    found = {t.name: t for t in Hashtag.objects.filter(name__in=list(by_name))}
    if new := [name for name in by_name if name not in found]:
        Hashtag.objects.bulk_create(
            [Hashtag(name=name, display_name=by_name[name]) for name in new], ignore_conflicts=True
        )
        found |= {t.name: t for t in Hashtag.objects.filter(name__in=new)}
    # Rows in the order the text names the tags (the order a status lists them, as Mastodon's).
    tags = [found[name] for name in by_name]
    PostHashtag.objects.bulk_create([PostHashtag(post=post, hashtag=t) for t in tags], ignore_conflicts=True)
    return tags


def _create_poll(post: Post, spec: PollSpec) -> Poll:
    poll = Poll.objects.create(
        post=post,
        expires_at=timezone.now() + timedelta(seconds=spec.expires_in),
        multiple=spec.multiple,
        hide_totals=spec.hide_totals,
    )
    PollOption.objects.bulk_create(
        PollOption(poll=poll, position=i, title=t) for i, t in enumerate(spec.options)
    )
    if spec.expires_in <= POLL_ETA_HORIZON:
        from posts.tasks import poll_expire

        transaction.on_commit(lambda: poll_expire.apply_async((poll.pk,), eta=poll.expires_at))
    return poll


class _KeyTaken(Exception):
    pass


def _idempotent_post(author: Employee, key: str) -> Post | None:
    found = (
        IdempotencyKey.objects.filter(
            author=author, key=key, created_at__gte=timezone.now() - IDEMPOTENCY_WINDOW
        )
        .select_related("post")
        .first()
    )
    return found.post if found else None


# --- posts ------------------------------------------------------------------------------------------


def post_create(
    *,
    author: Employee,
    text: str,
    audience: str | None = None,
    unlisted: bool = False,
    unit_id: int | str | None = None,
    min_rank: int | str | None = None,
    in_reply_to_id: int | str | None = None,
    spoiler_text: str = "",
    sensitive: bool = False,
    language: str = "",
    media_ids: Iterable[int | str] = (),
    poll: PollSpec | None = None,
    idempotency_key: str | None = None,
    created_at: datetime | None = None,
) -> Post:
    """A new post (or reply). With ``idempotency_key``, a repeat by the same author within an hour
    returns the first post and writes nothing. ``created_at`` backdates the post and its id (imports and
    demo data only; never from client input)."""
    policy.check_may_post(author)
    key = (idempotency_key or "").strip()[:200] or None
    if key and (earlier := _idempotent_post(author, key)) is not None:
        return earlier
    try:
        return _post_create(
            author=author,
            text=text,
            audience=audience,
            unlisted=unlisted,
            unit_id=unit_id,
            min_rank=min_rank,
            in_reply_to_id=in_reply_to_id,
            spoiler_text=spoiler_text,
            sensitive=sensitive,
            language=language,
            media_ids=media_ids,
            poll=poll,
            key=key,
            created_at=created_at,
        )
    except _KeyTaken:
        # The same request arrived twice at once; the other one won and its post is the answer.
        winner = _idempotent_post(author, key or "")
        if winner is None:
            raise
        return winner


def _checked_new_post(
    *,
    author: Employee,
    text: str,
    audience: str | None,
    unlisted: bool,
    unit_id: int | str | None,
    min_rank: int | str | None,
    in_reply_to_id: int | str | None,
    spoiler_text: str,
    sensitive: bool,
    media_ids: Iterable[int | str],
    poll: PollSpec | None,
) -> tuple[_Draft, tuple[str, OrgUnit | None, int | None, bool], Post | None]:
    """Everything a new post must pass before it is written (now, or when scheduled): its text, images
    and poll, its audience, its reply target, the tenant's contact rules. Raises on the first refusal;
    returns the draft, the audience as ``_check_audience`` settles it, and the post replied to."""
    draft = _build_draft(
        author=author,
        text=text,
        spoiler_text=spoiler_text,
        sensitive=sensitive,
        media_ids=media_ids,
        poll=poll,
    )
    settled = _check_audience(
        author=author, audience=audience, unit_id=unit_id, min_rank=min_rank, unlisted=unlisted
    )
    parent = _reply_target(author, in_reply_to_id)
    _check_contact_rules(author=author, audience=settled[0], mentioned=draft.mentioned, parent=parent)
    return draft, settled, parent


@transaction.atomic
def _post_create(
    *,
    author: Employee,
    text: str,
    audience: str | None,
    unlisted: bool,
    unit_id: int | str | None,
    min_rank: int | str | None,
    in_reply_to_id: int | str | None,
    spoiler_text: str,
    sensitive: bool,
    language: str,
    media_ids: Iterable[int | str],
    poll: PollSpec | None,
    key: str | None,
    created_at: datetime | None,
) -> Post:
    draft, (audience, unit, rank, unlisted), parent = _checked_new_post(
        author=author,
        text=text,
        audience=audience,
        unlisted=unlisted,
        unit_id=unit_id,
        min_rank=min_rank,
        in_reply_to_id=in_reply_to_id,
        spoiler_text=spoiler_text,
        sensitive=sensitive,
        media_ids=media_ids,
        poll=poll,
    )
    post_id = snowflake.generate(at=created_at)
    post = Post.objects.create(
        id=post_id,
        author=author,
        text=draft.text,
        content_html=draft.content_html,
        spoiler_text=draft.spoiler_text,
        sensitive=draft.sensitive,
        language=(language or "")[:8],
        audience=audience,
        unlisted=unlisted,
        unit=unit,
        min_rank=rank,
        in_reply_to=parent,
        in_reply_to_account_id=parent.author_id if parent else None,
        thread_id=(parent.thread_id or parent.pk) if parent else post_id,
    )
    if created_at is not None:
        # auto_now_add has just overwritten it.
        Post.objects.filter(pk=post_id).update(created_at=created_at)
        post.created_at = created_at
    tags = _write_entities(post, draft)
    if draft.media_ids:
        _attach_media(post=post, owner=author, media_ids=draft.media_ids)
    if draft.poll is not None:
        _create_poll(post, draft.poll)
    # What the writer knows, kept on the instance its answer and stream event render (4 statements fewer).
    attach_new_post_details(
        post,
        mentioned=[(e.pk, e.username) for e in draft.mentioned],
        tags=[(t.name, t.display_name) for t in tags],
        has_media=bool(draft.media_ids),
        has_poll=draft.poll is not None,
    )
    if key:
        IdempotencyKey.objects.filter(
            author=author, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW
        ).delete()
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(author=author, key=key, post=post)
        except IntegrityError:
            raise _KeyTaken from None
    _call_later("timelines.services", "post_published", post.pk)
    if draft.mentioned or post.in_reply_to_account_id is not None:
        # Mentions and replies are what a new post notifies of here; without either, no task to run.
        # (Followers who asked to hear of every post are the fan-out's to find: it reads them anyway.)
        _call_later("notifications.services", "notify_post_created", post.pk)
    _call_later("search.services", "post_index", post.pk)
    _call_later("streaming.publish", "post_created", post.pk, post)
    return post


def _media_snapshot(post: Post) -> list[dict[str, Any]]:
    return [
        {
            "id": str(m.pk),
            "description": m.description,
            "file": m.file.name,
            "preview": m.preview.name,
            "width": m.width,
            "height": m.height,
        }
        for m in MediaAttachment.objects.filter(post=post).order_by("position")
    ]


def _poll_snapshot(post: Post) -> dict[str, Any] | None:
    poll = Poll.objects.filter(post=post).first()
    if poll is None:
        return None
    return {"options": list(poll.options.order_by("position").values_list("title", flat=True))}


def _version(post: Post, *, at: Any) -> PostEdit:
    return PostEdit(
        post=post,
        text=post.text,
        content_html=post.content_html,
        spoiler_text=post.spoiler_text,
        sensitive=post.sensitive,
        media=_media_snapshot(post),
        poll=_poll_snapshot(post),
        created_at=at,
    )


@transaction.atomic
def post_edit(
    *,
    post: Post,
    editor: Employee,
    text: str,
    spoiler_text: str = "",
    sensitive: bool = False,
    media_ids: Iterable[int | str] = (),
    poll: PollSpec | None = None,
) -> Post:
    """Edit a post, keeping every version (Mastodon's edit history). Only the author may edit. As in
    Mastodon, ``media_ids`` and ``poll`` are the post's new media and poll: leaving them out removes them,
    and a changed poll starts again with no votes."""
    if post.author_id != editor.pk:
        raise policy.ActionRefused("Only the author may edit a post.", rule="edit_not_author")
    policy.check_may_post(editor)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.reblog_of_id is not None:
        raise PostInvalid("Validation failed: A repost cannot be edited")
    draft = _build_draft(
        author=editor,
        text=text,
        spoiler_text=spoiler_text,
        sensitive=sensitive,
        media_ids=media_ids,
        poll=poll,
    )
    now = timezone.now()
    if not PostEdit.objects.filter(post=post).exists():
        # The first edit records the original, so the history shows every version.
        _version(post, at=post.created_at).save()

    current_media = set(MediaAttachment.objects.filter(post=post).values_list("pk", flat=True))
    MediaAttachment.objects.filter(post=post).exclude(pk__in=draft.media_ids).update(post=None)
    if draft.media_ids:
        _attach_media(post=post, owner=editor, media_ids=draft.media_ids, keep=current_media)

    old_poll = Poll.objects.filter(post=post).first()
    old_options = list(old_poll.options.values_list("title", flat=True)) if old_poll else None
    if draft.poll is None:
        if old_poll is not None:
            old_poll.delete()
    elif old_poll is None or old_options != draft.poll.options or old_poll.multiple != draft.poll.multiple:
        if old_poll is not None:
            old_poll.delete()
        _create_poll(post, draft.poll)

    post.text, post.content_html = draft.text, draft.content_html
    post.spoiler_text, post.sensitive, post.edited_at = draft.spoiler_text, draft.sensitive, now
    post.save(update_fields=["text", "content_html", "spoiler_text", "sensitive", "edited_at"])
    previously_mentioned = set(Mention.objects.filter(post=post).values_list("employee_id", flat=True))
    Mention.objects.filter(post=post).exclude(employee__in=[e.pk for e in draft.mentioned]).delete()
    PostHashtag.objects.filter(post=post).delete()
    _write_entities(post, draft)
    _version(post, at=now).save()
    _call_later("notifications.services", "notify_post_edited", post.pk)
    _call_later("streaming.publish", "post_updated", post.pk)
    _call_later("search.services", "post_index", post.pk)
    if {e.pk for e in draft.mentioned} - previously_mentioned:
        # Someone newly mentioned hears about it (the notification service skips the others).
        _call_later("notifications.services", "notify_post_created", post.pk)
    return post


def post_delete(*, post: Post, actor: Employee) -> None:
    """Delete a post (its author, or a tenant admin). Its reposts go with it; replies stay, no longer
    pointing at it but still in its conversation (``thread_id``) and still naming whom they answered.
    The instance keeps its id afterwards so the caller can still describe it ("delete & redraft")."""
    if post.author_id != actor.pk and not actor.is_admin:
        raise policy.ActionRefused(
            "Only the author or an administrator may delete a post.", rule="delete_not_author"
        )
    post_id, author_id = post.pk, post.author_id
    with transaction.atomic():
        reblogs = list(Post.objects.filter(reblog_of_id=post_id).values_list("pk", "author_id"))
        # Streams need the audience while the rows exist; the delete events go out after the commit.
        _deferred_call("streaming.publish", "posts_deleting", [post_id, *(pk for pk, _ in reblogs)])
        policy.dangerously_all_posts().filter(pk=post_id).delete()
        for reblog_id, reblogger_id in reblogs:
            _call_later("timelines.services", "post_deleted", reblog_id, reblogger_id)
        _call_later("timelines.services", "post_deleted", post_id, author_id)
        _call_later("search.services", "post_index", post_id)
    post.pk = post_id


def post_reblog(*, post: Post, actor: Employee) -> Post:
    """Repost ``post`` (a repost of a repost reposts the original). Idempotent: one repost per employee
    per original. Invisible → 404; visible but not a company post → ActionRefused."""
    viewer = policy.Viewer.of(actor)
    original = post.reblog_of if post.reblog_of_id else post
    assert original is not None
    if not policy.can_view_post(viewer, original):
        raise Http404("Record not found")
    if not policy.may_reblog(viewer, original):
        raise policy.ActionRefused("Only company-wide posts can be reposted.", rule="reblog_audience")
    existing = Post.objects.filter(author=actor, reblog_of=original).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            reblog = Post.objects.create(
                author=actor,
                reblog_of=original,
                audience=Audience.COMPANY,
                thread_id=None,
            )
            _call_later("timelines.services", "post_published", reblog.pk)
            _call_later("notifications.services", "notify_reblog", original.pk, actor.pk)
            _call_later("streaming.publish", "post_created", reblog.pk)
    except IntegrityError:
        return Post.objects.get(author=actor, reblog_of=original)
    return reblog


def post_unreblog(*, post: Post, actor: Employee) -> Post:
    """Undo ``actor``'s repost of ``post`` (or of the post it reposts). Returns the original."""
    original = post.reblog_of if post.reblog_of_id else post
    assert original is not None
    with transaction.atomic():
        reblog_ids = list(Post.objects.filter(author=actor, reblog_of=original).values_list("pk", flat=True))
        _deferred_call("streaming.publish", "posts_deleting", reblog_ids)
        Post.objects.filter(pk__in=reblog_ids).delete()
        for reblog_id in reblog_ids:
            _call_later("timelines.services", "post_deleted", reblog_id, actor.pk)
    return original


# --- likes and bookmarks ------------------------------------------------------------------------------


def _visible_original(post: Post, employee: Employee) -> Post:
    original = post.reblog_of if post.reblog_of_id else post
    assert original is not None
    if not policy.can_view_post(policy.Viewer.of(employee), original):
        raise Http404("Record not found")
    return original


def favourite_add(*, post: Post, employee: Employee) -> None:
    original = _visible_original(post, employee)
    with transaction.atomic():
        _, created = Favourite.objects.get_or_create(employee=employee, post=original)
        if created:
            _call_later("notifications.services", "notify_favourite", original.pk, employee.pk)


def favourite_remove(*, post: Post, employee: Employee) -> None:
    original = post.reblog_of if post.reblog_of_id else post
    Favourite.objects.filter(employee=employee, post=original).delete()


def bookmark_add(*, post: Post, employee: Employee) -> None:
    original = _visible_original(post, employee)
    Bookmark.objects.get_or_create(employee=employee, post=original)


def bookmark_remove(*, post: Post, employee: Employee) -> None:
    original = post.reblog_of if post.reblog_of_id else post
    Bookmark.objects.filter(employee=employee, post=original).delete()


# --- pins ------------------------------------------------------------------------------------------

# Mastodon's limit, which its apps assume.
PIN_LIMIT = 5


@transaction.atomic
def pin_add(*, post: Post, employee: Employee) -> None:
    """Pin one's own post to one's profile, as Mastodon allows: one's own, not a repost, not a direct
    message, ``PIN_LIMIT`` at most. Pinning a pinned post again changes nothing."""
    if post.reblog_of_id is not None:
        raise PostInvalid("Validation failed: Reposts cannot be pinned")
    if post.author_id != employee.pk:
        raise PostInvalid("Validation failed: Someone else's post cannot be pinned")
    if post.audience == Audience.DIRECT:
        raise PostInvalid("Validation failed: Direct messages cannot be pinned")
    # One employee's pins one at a time, so that two requests cannot both take the fifth place.
    Employee.objects.select_for_update().filter(pk=employee.pk).first()
    if Pin.objects.filter(employee=employee, post=post).exists():
        return
    if Pin.objects.filter(employee=employee).count() >= PIN_LIMIT:
        raise PostInvalid(f"Validation failed: You have already pinned the maximum of {PIN_LIMIT} posts")
    Pin.objects.create(employee=employee, post=post)


def pin_remove(*, post: Post, employee: Employee) -> None:
    Pin.objects.filter(employee=employee, post=post).delete()


def conversation_mute(*, post: Post, employee: Employee) -> None:
    """Stop notifications from the conversation ``post`` is in (the caller checked the employee may see
    the post). Idempotent."""
    ConversationMute.objects.get_or_create(employee=employee, thread_id=ConversationMute.thread_of(post))


def conversation_unmute(*, post: Post, employee: Employee) -> None:
    ConversationMute.objects.filter(employee=employee, thread_id=ConversationMute.thread_of(post)).delete()


# --- polls ------------------------------------------------------------------------------------------


@transaction.atomic
def poll_vote(*, poll: Poll, voter: Employee, choices: Sequence[int | str]) -> Poll:
    """Vote once (several choices if the poll allows it), before it ends. Authors may vote on their own
    polls, as in Mastodon."""
    poll = Poll.objects.select_for_update().select_related("post").get(pk=poll.pk)
    if not policy.can_view_post(policy.Viewer.of(voter), poll.post):
        raise Http404("Record not found")
    if poll.expires_at <= timezone.now():
        raise PostInvalid("Validation failed: The poll has already ended")
    if PollVote.objects.filter(poll=poll, voter=voter).exists():
        raise PostInvalid("Validation failed: You have already voted on this poll")
    try:
        picked = sorted({int(c) for c in choices})
    except (TypeError, ValueError):
        raise PostInvalid("Validation failed: Choices must be option numbers") from None
    options = list(poll.options.order_by("position"))
    if not picked:
        raise PostInvalid("Validation failed: Choose at least one option")
    if any(c < 0 or c >= len(options) for c in picked):
        raise PostInvalid("Validation failed: No such option")
    if len(picked) > 1 and not poll.multiple:
        raise PostInvalid("Validation failed: This poll allows only one choice")
    chosen = [options[c] for c in picked]
    PollVote.objects.bulk_create(PollVote(poll=poll, option=o, voter=voter) for o in chosen)
    PollOption.objects.filter(pk__in=[o.pk for o in chosen]).update(votes_count=F("votes_count") + 1)
    Poll.objects.filter(pk=poll.pk).update(
        votes_count=F("votes_count") + len(chosen), voters_count=F("voters_count") + 1
    )
    poll.refresh_from_db()
    return poll


def poll_expire(*, poll_id: int) -> bool:
    """Mark an ended poll as announced and send "poll ended" once. Safe to run any number of times;
    returns whether this call announced it."""
    with transaction.atomic():
        poll = Poll.objects.select_for_update().filter(pk=poll_id).first()
        if poll is None or poll.ended_notified_at is not None or poll.expires_at > timezone.now():
            return False
        poll.ended_notified_at = timezone.now()
        poll.save(update_fields=["ended_notified_at"])
        _call_later("notifications.services", "notify_poll_ended", poll.pk)
    return True


# --- media ------------------------------------------------------------------------------------------


@transaction.atomic
def media_create(
    *, owner: Employee, upload: UploadedFile, description: str = "", focus: str = ""
) -> MediaAttachment:
    """Store an uploaded image after validating and re-encoding it (``MediaInvalid`` otherwise)."""
    policy.check_may_post(owner)
    description = _nfc(description).strip()
    if len(description) > media_lib.MAX_DESCRIPTION:
        raise MediaInvalid(
            f"Validation failed: Description can have at most {media_lib.MAX_DESCRIPTION} characters"
        )
    fx, fy = media_lib.parse_focus(focus) if focus else (0.0, 0.0)
    full, preview = media_lib.process_image(upload)
    media = MediaAttachment(owner=owner, description=description, focus_x=fx, focus_y=fy)
    media.file.save(f"{media.pk}.{full.extension}", ContentFile(full.data), save=False)
    media.preview.save(f"{media.pk}.{preview.extension}", ContentFile(preview.data), save=False)
    # Set last: assigning a file re-reads dimension fields from storage, which we already know.
    media.width, media.height = full.width, full.height
    media.preview_width, media.preview_height = preview.width, preview.height
    media.save()
    return media


def media_update(
    *, media: MediaAttachment, owner: Employee, description: str | None = None, focus: str | None = None
) -> MediaAttachment:
    """Change an upload's alt text or focal point. Someone else's upload is a 404."""
    if media.owner_id != owner.pk:
        raise Http404("Record not found")
    fields = []
    if description is not None:
        description = _nfc(description).strip()
        if len(description) > media_lib.MAX_DESCRIPTION:
            raise MediaInvalid(
                f"Validation failed: Description can have at most {media_lib.MAX_DESCRIPTION} characters"
            )
        media.description = description
        fields.append("description")
    if focus is not None:
        media.focus_x, media.focus_y = media_lib.parse_focus(focus) if focus else (0.0, 0.0)
        fields += ["focus_x", "focus_y"]
    if fields:
        media.save(update_fields=fields)
    return media


# -- scheduled posts ------------------------------------------------------------------------------

# Mastodon's bounds: at least five minutes ahead, at most 300 waiting per author.
SCHEDULE_MIN_AHEAD = timedelta(minutes=5)
MAX_SCHEDULED = 300
# Due within this, a scheduled post gets a delayed task for its exact time (the sweep sends those for
# posts scheduled further ahead as their time nears); below the broker's visibility timeout, as polls.
SCHEDULE_ETA_HORIZON = POLL_ETA_HORIZON


def scheduled_post_create(
    *,
    author: Employee,
    scheduled_at: datetime,
    text: str,
    visibility: str = "",
    audience: str | None = None,
    unlisted: bool = False,
    unit_id: int | str | None = None,
    min_rank: int | str | None = None,
    in_reply_to_id: int | str | None = None,
    spoiler_text: str = "",
    sensitive: bool = False,
    language: str = "",
    media_ids: Iterable[int | str] = (),
    poll: PollSpec | None = None,
) -> ScheduledPost:
    """Keep a post to publish at ``scheduled_at``. Everything ``post_create`` would refuse now is refused
    now (the text, the audience, the reply target, the tenant's rules, the images), so that the author
    hears of it while they can still fix it; what changes before it is due (a deleted reply target) makes
    it fail then, kept as ``failed`` with the reason."""
    with transaction.atomic():
        _check_schedule_time(scheduled_at)
        policy.check_may_post(author)
        # Locks the author's row: two at once cannot both pass the count, nor both find an image in
        # none of the author's waiting posts and take it (the second reads after the first commits).
        Employee.objects.select_for_update().filter(pk=author.pk).first()
        waiting = ScheduledPost.objects.filter(author=author, state=ScheduledPost.State.PENDING).count()
        if waiting >= MAX_SCHEDULED:
            raise PostInvalid(f"Validation failed: You can have at most {MAX_SCHEDULED} scheduled posts")
        draft, (settled, unit, rank, unlisted), parent = _checked_new_post(
            author=author,
            text=text,
            audience=audience,
            unlisted=unlisted,
            unit_id=unit_id,
            min_rank=min_rank,
            in_reply_to_id=in_reply_to_id,
            spoiler_text=spoiler_text,
            sensitive=sensitive,
            media_ids=media_ids,
            poll=poll,
        )
        if draft.media_ids:
            # Also locks the images: a post published now with one of them waits for this row, and
            # then finds the image held by it.
            _checked_media(author, draft.media_ids)
        scheduled = ScheduledPost.objects.create(
            author=author,
            scheduled_at=scheduled_at,
            params={
                "text": text,
                "visibility": visibility,
                # As settled now (the company's default audience, the author's own unit), so that it
                # is published to whom the author saw it addressed.
                "audience": settled,
                "unlisted": unlisted,
                "unit_id": unit.pk if unit is not None else None,
                "min_rank": rank,
                "in_reply_to_id": parent.pk if parent else None,
                "spoiler_text": spoiler_text,
                "sensitive": sensitive,
                "language": (language or "")[:8],
                "media_ids": [str(pk) for pk in draft.media_ids],
                "poll": None
                if draft.poll is None
                else {
                    "options": draft.poll.options,
                    "expires_in": draft.poll.expires_in,
                    "multiple": draft.poll.multiple,
                    "hide_totals": draft.poll.hide_totals,
                },
            },
        )
        _publish_on_time(scheduled)
    return scheduled


def scheduled_post_reschedule(*, scheduled: ScheduledPost, scheduled_at: datetime) -> ScheduledPost:
    with transaction.atomic():
        _check_schedule_time(scheduled_at)
        updated = ScheduledPost.objects.filter(pk=scheduled.pk, state=ScheduledPost.State.PENDING).update(
            scheduled_at=scheduled_at
        )
        if not updated:
            raise Http404  # published or failed meanwhile: no longer a scheduled post
        scheduled.scheduled_at = scheduled_at
        _publish_on_time(scheduled)
    return scheduled


def scheduled_post_delete(*, scheduled: ScheduledPost) -> None:
    """Cancel a waiting post; its images are free again (only waiting posts hold them)."""
    ScheduledPost.objects.filter(pk=scheduled.pk, state=ScheduledPost.State.PENDING).delete()


def scheduled_post_publish(scheduled_id: int) -> Post | None:
    """Publish one scheduled post if it is due and still waiting: idempotent, safe to run twice or
    early (a task that comes before its time does nothing; the sweep sends another). A refusal by
    ``post_create`` (the author may no longer post, the reply target is gone) marks it failed with the
    reason instead of losing it silently."""
    with transaction.atomic():
        scheduled = (
            ScheduledPost.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("author")
            .filter(pk=scheduled_id, state=ScheduledPost.State.PENDING, scheduled_at__lte=timezone.now())
            .first()
        )
        if scheduled is None:
            return None
        params = scheduled.params
        poll = params.get("poll")
        try:
            with transaction.atomic():
                # Published from here on, so that it no longer holds the images it is about to attach
                # (undone with the post if that is refused).
                ScheduledPost.objects.filter(pk=scheduled.pk).update(state=ScheduledPost.State.PUBLISHED)
                post = post_create(
                    author=scheduled.author,
                    text=params["text"],
                    audience=params["audience"],
                    unlisted=params["unlisted"],
                    unit_id=params["unit_id"],
                    min_rank=params["min_rank"],
                    in_reply_to_id=params["in_reply_to_id"],
                    spoiler_text=params["spoiler_text"],
                    sensitive=params["sensitive"],
                    language=params["language"],
                    media_ids=params["media_ids"],
                    poll=None if poll is None else PollSpec(**poll),
                )
        except (PostInvalid, policy.ActionRefused) as refused:
            scheduled.state = ScheduledPost.State.FAILED
            scheduled.error = str(refused)[:500]
            scheduled.save(update_fields=["state", "error"])
            log.info("scheduled post %s not published: %s", scheduled.pk, scheduled.error)
            return None
        scheduled.state = ScheduledPost.State.PUBLISHED
        scheduled.post = post
        scheduled.save(update_fields=["state", "post"])
        return post


def scheduled_posts_due() -> int:
    """The periodic sweep: publishes what is due (its task lost or never sent) and sends a delayed task
    for what falls due before the next sweep. Returns how many were published."""
    now = timezone.now()
    published = 0
    due = ScheduledPost.objects.filter(state=ScheduledPost.State.PENDING, scheduled_at__lte=now)
    for pk in due.order_by("scheduled_at").values_list("pk", flat=True)[:1000]:
        published += scheduled_post_publish(pk) is not None
    soon = ScheduledPost.objects.filter(
        state=ScheduledPost.State.PENDING, scheduled_at__gt=now, scheduled_at__lte=now + SWEEP_AHEAD
    )
    for scheduled in soon.only("pk", "scheduled_at"):
        _publish_on_time(scheduled)
    return published


# The sweep runs every minute (posts.schedule); it sends the tasks for the next two.
SWEEP_AHEAD = timedelta(minutes=2)


def _check_schedule_time(scheduled_at: datetime) -> None:
    if scheduled_at < timezone.now() + SCHEDULE_MIN_AHEAD:
        raise PostInvalid("Validation failed: Scheduled at must be at least 5 minutes in the future")


def _publish_on_time(scheduled: ScheduledPost) -> None:
    """A delayed task for the post's exact time, when that is near enough for the broker to hold it."""
    if scheduled.scheduled_at - timezone.now() > timedelta(seconds=SCHEDULE_ETA_HORIZON):
        return
    from posts.tasks import scheduled_post_publish as task

    pk, eta = scheduled.pk, scheduled.scheduled_at
    transaction.on_commit(lambda: task.apply_async((pk,), eta=eta))
