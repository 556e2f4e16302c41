"""Writes of announcements: administrators make, change and delete them; everyone they are for marks them
read and reacts with emoji. Refusals raise ValidationError with a message for the person (the APIs
answer 422 with it); nothing is saved then."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from announcements.models import Announcement, AnnouncementReaction, AnnouncementRead, AnnouncementState
from audit.services import audit_record
from common.oncommit import after_commit
from directory.administration import require_admin
from directory.models import Employee, OrgUnit
from posts import text as text_lib
from posts.services import resolve_mentions
from tenants.services import current_tenant_url

MAX_TEXT = 2000
# As Mastodon: at most this many different emoji on one announcement (one person may use several).
MAX_REACTION_KINDS = 8
MAX_REACTION_NAME = 32


@dataclass(frozen=True)
class AnnouncementInput:
    """What an administrator writes. ``publish_at`` None keeps it a draft; a time in the future
    schedules it."""

    text: str
    unit_id: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool = False
    publish_at: datetime | None = None


def snapshot(announcement: Announcement) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "text": announcement.text,
        "unit_id": announcement.unit_id,
        "starts_at": iso(announcement.starts_at),
        "ends_at": iso(announcement.ends_at),
        "all_day": announcement.all_day,
        "published_at": iso(announcement.published_at),
    }


def _render(text: str) -> tuple[str, list[int], list[str]]:
    """Content HTML as a post's (links, hashtags, mentions of active colleagues on this host)."""
    parsed = text_lib.parse(text)
    people = resolve_mentions(parsed, hosts=set())

    def mentionable(segment: text_lib.Segment) -> str | None:
        found = people.get(segment.value.lower())
        return found.username if found is not None and not segment.host else None

    html = text_lib.render(text, base_url=current_tenant_url(), mentionable=mentionable, parsed=parsed)
    mentioned = [people[name.lower()].pk for name in parsed.usernames if name.lower() in people]
    return html, mentioned, parsed.tags


def _checked(data: AnnouncementInput) -> AnnouncementInput:
    text = (data.text or "").strip()
    if not text:
        raise ValidationError(_("An announcement needs some text."))
    if len(text) > MAX_TEXT:
        raise ValidationError(_("An announcement can have at most %(max)s characters.") % {"max": MAX_TEXT})
    if data.starts_at and data.ends_at and data.ends_at < data.starts_at:
        raise ValidationError(_("An announcement cannot end before it starts."))
    if data.unit_id is not None and not OrgUnit.objects.filter(pk=data.unit_id).exists():
        raise ValidationError(_("Unit %(id)s does not exist.") % {"id": data.unit_id})
    return AnnouncementInput(
        text=text,
        unit_id=data.unit_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        all_day=bool(data.all_day),
        publish_at=data.publish_at,
    )


def _streamed(announcement: Announcement, *, was_out: bool = False, was_unit: int | None = None) -> None:
    """After the commit, tell open streams (Mastodon's ``announcement`` events on the user stream):
    ``was_out`` and ``was_unit`` say whether it had been published before this write, and for whom."""
    from streaming.publish import announcement_changed

    after_commit(announcement_changed, announcement.pk, was_out=was_out, was_unit=was_unit)


def _is_out(announcement: Announcement) -> bool:
    """Published already: apps may hold it (an ended one too, read before it ended)."""
    return announcement.state in (AnnouncementState.ACTIVE, AnnouncementState.ENDED)


def _fill(announcement: Announcement, data: AnnouncementInput) -> None:
    announcement.text = data.text
    announcement.content_html, announcement.mention_ids, announcement.tags = _render(data.text)
    announcement.unit_id = data.unit_id
    announcement.starts_at = data.starts_at
    announcement.ends_at = data.ends_at
    announcement.all_day = data.all_day
    announcement.published_at = data.publish_at


def _audited(actor: Employee, verb: str, announcement: Announcement, ip: str | None, **change: Any) -> None:
    """An ``announcement.<verb>`` entry in the audit log, with ``before`` and/or ``after``."""
    target = ("announcement", str(announcement.pk), announcement.text[:60])
    audit_record(actor=actor, action=f"announcement.{verb}", target=target, ip=ip, **change)


@transaction.atomic
def announcement_create(*, actor: Employee, data: AnnouncementInput, ip: str | None = None) -> Announcement:
    require_admin(actor)
    announcement = Announcement(created_by=actor)
    _fill(announcement, _checked(data))
    announcement.save()
    _audited(actor, "create", announcement, ip, after=snapshot(announcement))
    _streamed(announcement)
    return announcement


@transaction.atomic
def announcement_update(
    *, actor: Employee, announcement: Announcement, data: AnnouncementInput, ip: str | None = None
) -> Announcement:
    require_admin(actor)
    before = snapshot(announcement)
    was_out, was_unit = _is_out(announcement), announcement.unit_id
    _fill(announcement, _checked(data))
    announcement.save()
    after = snapshot(announcement)
    if after != before:
        _audited(actor, "update", announcement, ip, before=before, after=after)
    _streamed(announcement, was_out=was_out, was_unit=was_unit)
    return announcement


@transaction.atomic
def announcement_delete(*, actor: Employee, announcement: Announcement, ip: str | None = None) -> None:
    require_admin(actor)
    _audited(actor, "delete", announcement, ip, before=snapshot(announcement))
    _streamed(announcement, was_out=_is_out(announcement), was_unit=announcement.unit_id)
    announcement.delete()


def announcement_dismiss(*, employee: Employee, announcement: Announcement) -> None:
    """Mark it read for ``employee`` (again is nothing)."""
    AnnouncementRead.objects.bulk_create(
        [AnnouncementRead(announcement=announcement, employee=employee)], ignore_conflicts=True
    )


def is_emoji(name: str) -> bool:
    """A single Unicode emoji, with its modifiers, joiners and variation selectors ("👍", "👍🏽",
    "👩‍💻", "🇰🇷", "1️⃣"), not text ("ok", ":party:")."""
    if not name or len(name) > MAX_REACTION_NAME:
        return False
    pictographs = 0
    for ch in name:
        code = ord(ch)
        if code in (0x200D, 0xFE0F, 0x20E3) or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
            continue  # joiner, emoji presentation, keycap, skin tone, tag letters (flags of regions)
        if ch in "0123456789#*" and "\u20e3" in name:
            continue  # a keycap's base
        if unicodedata.category(ch) == "So":
            pictographs += 1
            continue
        return False
    return pictographs >= 1


def announcement_react(*, employee: Employee, announcement: Announcement, name: str) -> None:
    """Add ``employee``'s reaction ``name`` (again is nothing). Refused, as Mastodon does, for
    something that is not an emoji and for a ninth different emoji on one announcement."""
    name = unicodedata.normalize("NFC", name.strip())
    if not is_emoji(name):
        raise ValidationError(_("Validation failed: Name is not a recognized emoji"))
    with transaction.atomic():
        # One reaction at a time per announcement, so two new kinds at once cannot pass the limit.
        Announcement.objects.select_for_update().filter(pk=announcement.pk).first()
        kinds = set(announcement.reactions.values_list("name", flat=True).distinct())
        if name not in kinds and len(kinds) >= MAX_REACTION_KINDS:
            raise ValidationError(_("Validation failed: Maximum number of different reactions reached"))
        try:
            with transaction.atomic():
                AnnouncementReaction.objects.create(announcement=announcement, employee=employee, name=name)
        except IntegrityError:
            return  # already there
        _reaction_streamed(announcement, name)


def announcement_unreact(*, employee: Employee, announcement: Announcement, name: str) -> None:
    name = unicodedata.normalize("NFC", name.strip())
    deleted, _rows = AnnouncementReaction.objects.filter(
        announcement=announcement, employee=employee, name=name
    ).delete()
    if deleted:
        _reaction_streamed(announcement, name)


def _reaction_streamed(announcement: Announcement, name: str) -> None:
    """After the commit, the count of ``name`` now to open streams (``announcement.reaction``)."""
    from streaming.publish import announcement_reaction

    after_commit(announcement_reaction, announcement.pk, name)
