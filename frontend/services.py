"""Writes the web app needs beyond the shared services: composing (now or scheduled) with uploads,
dismissing a scheduled post that failed, personal tokens, "filter this post".

Composing calls the same ``posts.services`` as the API. Uploads are stored first (each its own
write, as the API's ``POST /api/v2/media`` does), so a post the rules refuse keeps its images: the
form comes back with them attached and the author's text intact.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from directory.models import Employee
from filters.models import Action, Context, Filter
from posts.models import MediaAttachment, Post, ScheduledPost
from posts.services import PollSpec, media_create, media_update, post_create, scheduled_post_create

PERSONAL_TOKEN_APP_PREFIX = "Personal access token: "  # noqa: S105 - a name prefix, not a secret
PERSONAL_TOKEN_SCOPES = ("read", "write", "follow", "push")


@dataclass
class Draft:
    text: str = ""
    spoiler_text: str = ""
    audience: str | None = None
    unit_id: str = ""
    min_rank: str = ""
    in_reply_to_id: str = ""
    media_ids: list[int] = field(default_factory=list)
    alt_texts: dict[int, str] = field(default_factory=dict)
    poll_options: list[str] = field(default_factory=list)
    poll_expires_in: int = 86400
    poll_multiple: bool = False
    # As typed in the composer's date-time field (the current time zone's wall time): set, the post is
    # scheduled instead of published.
    scheduled_at: str = ""
    # A failed scheduled post this one is written again from ("Edit as new post"): dismissed once the
    # new one is posted or scheduled.
    replaces: str = ""


def compose(*, author: Employee, draft: Draft, uploads: Sequence[tuple[UploadedFile, str]]) -> Post:
    """Store new uploads (appending their ids to ``draft.media_ids``, so the caller can show them
    again if the post is refused), update alt texts, then create the post."""
    post = post_create(author=author, **_post_fields(draft, _prepare(author, draft, uploads)))
    _replaced(author, draft)
    return post


def schedule(
    *, author: Employee, draft: Draft, uploads: Sequence[tuple[UploadedFile, str]], scheduled_at: datetime
) -> ScheduledPost:
    """As ``compose``, but the post is kept for ``scheduled_at``: checked now as it would be posted
    now (``posts.services.scheduled_post_create``), so a refusal comes back to the form as typed."""
    fields = _post_fields(draft, _prepare(author, draft, uploads))
    scheduled = scheduled_post_create(author=author, scheduled_at=scheduled_at, **fields)
    _replaced(author, draft)
    return scheduled


def _post_fields(draft: Draft, poll: PollSpec | None) -> dict[str, Any]:
    """What ``post_create`` and ``scheduled_post_create`` both take from the composer."""
    return {
        "text": draft.text,
        "audience": draft.audience or None,
        "unit_id": draft.unit_id or None,
        "min_rank": draft.min_rank or None,
        "in_reply_to_id": draft.in_reply_to_id or None,
        "spoiler_text": draft.spoiler_text,
        "media_ids": draft.media_ids,
        "poll": poll,
    }


def _prepare(author: Employee, draft: Draft, uploads: Sequence[tuple[UploadedFile, str]]) -> PollSpec | None:
    for upload, description in uploads:
        media = media_create(owner=author, upload=upload, description=description)
        draft.media_ids.append(media.pk)
    for media in MediaAttachment.objects.filter(pk__in=draft.media_ids, owner=author, post__isnull=True):
        alt = draft.alt_texts.get(media.pk)
        if alt is not None and alt != media.description:
            media_update(media=media, owner=author, description=alt)
    options = [o.strip() for o in draft.poll_options if o.strip()]
    return (
        PollSpec(options=options, expires_in=draft.poll_expires_in, multiple=draft.poll_multiple)
        if options
        else None
    )


def _replaced(author: Employee, draft: Draft) -> None:
    if draft.replaces.isdigit():
        scheduled_failed_dismiss(author=author, scheduled_id=int(draft.replaces))


def scheduled_failed_dismiss(*, author: Employee, scheduled_id: int) -> bool:
    """Remove one of the author's scheduled posts that failed, once they have read why (or written it
    again). Only failed rows: a waiting one is cancelled by ``posts.services.scheduled_post_delete``,
    and a published one is the record of its post. Returns whether one was removed."""
    removed, _ = ScheduledPost.objects.filter(
        pk=scheduled_id, author=author, state=ScheduledPost.State.FAILED
    ).delete()
    return bool(removed)


@dataclass(frozen=True)
class NewToken:
    application_id: int
    token: str  # shown once


class TokenInvalid(ValueError):
    pass


@transaction.atomic
def personal_token_create(*, employee: Employee, name: str, scopes: Sequence[str]) -> NewToken:
    """A personal access token: an OAuth application owned by the employee with one token, in the
    tenant schema like every token, so revoking it (or deactivating the employee) ends it."""
    from oauth2_provider.generators import generate_client_id, generate_client_secret
    from oauth2_provider.models import AccessToken, Application

    from api.models import AppRegistration

    name = " ".join((name or "").split())
    if not name:
        raise TokenInvalid("name")
    if len(name) > 40:
        raise TokenInvalid("name_length")
    wanted = [s for s in PERSONAL_TOKEN_SCOPES if s in set(scopes)]
    if not wanted:
        raise TokenInvalid("scopes")
    application = Application.objects.create(
        name=PERSONAL_TOKEN_APP_PREFIX + name,
        user=employee,
        client_id=generate_client_id(),
        client_secret=generate_client_secret(),
        client_type="confidential",
        authorization_grant_type="client-credentials",
        redirect_uris="",
        skip_authorization=True,
    )
    AppRegistration.objects.create(application=application, scopes=" ".join(wanted))
    token = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        user=employee,
        application=application,
        token=token,
        scope=" ".join(wanted),
        expires=timezone.now() + timedelta(days=365 * 5),
    )
    return NewToken(application_id=application.pk, token=token)


@transaction.atomic
def authorised_app_revoke(*, employee: Employee, application_id: int | str) -> int:
    """Sign an app (or a personal token) out: every token of this employee for it ends now.
    Returns how many tokens ended; someone else's app is simply not found (0)."""
    from oauth2_provider.models import AccessToken, Application, RefreshToken

    try:
        app_pk = int(application_id)
    except (TypeError, ValueError):
        return 0
    RefreshToken.objects.filter(user=employee, application_id=app_pk).delete()
    _, per_model = AccessToken.objects.filter(user=employee, application_id=app_pk).delete()
    ended = per_model.get(AccessToken._meta.label, 0)
    # A personal token's application is the employee's own and has no other use.
    Application.objects.filter(pk=app_pk, user=employee, name__startswith=PERSONAL_TOKEN_APP_PREFIX).delete()
    return int(ended)


@transaction.atomic
def post_filter_add(*, owner: Employee, post: Post, into: Filter | None, title: str) -> Filter:
    """ "Filter this post": into the owner's filter ``into``, or with None into their "hide everywhere"
    filter named ``title``, made the first time. The caller found ``post`` through ``policy``."""
    from filters.services import filter_create, filter_status_add

    if into is None:
        into = Filter.objects.filter(owner=owner, title=title, action=Action.HIDE).order_by("id").first()
    if into is None:
        into = filter_create(owner=owner, title=title, contexts=Context.values, action=Action.HIDE)
    filter_status_add(filter=into, owner=owner, post=post)
    return into
