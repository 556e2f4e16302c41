"""Reading exports (the jobs) and what goes into them.

Posts are read only through ``policy.visible_posts(viewer)`` for the employee who asked: for a
compliance officer that is every post (a true full export), for an admin exactly what that admin may
see (VISIBILITY.md: admins have no extra reading rights). Everything else in the zip (directory,
follows, policy, audit log) is what both roles may already read in the console.

Large tenants: every table is read in id order in chunks (keyset paging), so memory stays flat whatever
the tenant's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from common.paging import Page
from directory.models import Employee, OrgUnit, Rank, Role
from exports.models import Export, ExportScope
from policy import ActionRefused, Viewer, visible_posts
from posts.models import (
    Bookmark,
    Favourite,
    MediaAttachment,
    Mention,
    Pin,
    Poll,
    PollVote,
    PostEdit,
    PostHashtag,
)
from social.models import Follow

CHUNK = 500
EXPORT_ROLES = (Role.ADMIN, Role.COMPLIANCE)


def may_export(viewer: Viewer) -> bool:
    return viewer.is_active and viewer.employee is not None and viewer.employee.role in EXPORT_ROLES


def scope_for(viewer: Viewer) -> str:
    """``full`` for the compliance role (may read everything), ``as_viewer`` for everyone else."""
    return ExportScope.FULL if viewer.is_compliance else ExportScope.AS_VIEWER


def _require(viewer: Viewer) -> None:
    if not may_export(viewer):
        raise ActionRefused(
            _("Only administrators and compliance officers may export the workspace."), rule="admin_only"
        )


def export_list(viewer: Viewer, *, page: Page) -> list[Export]:
    """Every export of the tenant (state and who asked are not secret among admins and compliance;
    the file is, see ``may_download``)."""
    _require(viewer)
    qs = Export.objects.select_related("requested_by").filter(**page.id_filter())
    return page.arrange(list(qs.order_by(page.order_by())[: page.limit]))


def export_get(viewer: Viewer, export_id: int | str) -> Export:
    _require(viewer)
    try:
        pk = int(export_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    found = Export.objects.select_related("requested_by").filter(pk=pk).first()
    if found is None:
        raise Http404("Record not found")
    return found


def active_export() -> Export | None:
    return Export.objects.filter(state__in=["queued", "running"]).first()


def may_download(viewer: Viewer, export: Export) -> bool:
    """The zip holds what its requester could read. An admin's export is theirs alone (another admin
    may see other units' posts, or fewer); a full export only ever goes to a compliance officer."""
    if not may_export(viewer) or export.state != "ready":
        return False
    if export.scope == ExportScope.FULL:
        return viewer.is_compliance
    return export.requested_by_id == viewer.id and scope_for(viewer) == ExportScope.AS_VIEWER


# -- what goes into the zip ------------------------------------------------------------------------


def _chunks(qs: QuerySet[Any], fields: Iterable[str], key: str = "id") -> Iterator[list[dict[str, Any]]]:
    """``qs`` in ``key`` order, ``CHUNK`` rows at a time, by keyset (no OFFSET, no server-side cursor)."""
    fields = list(fields)
    last = None
    while True:
        page = qs if last is None else qs.filter(**{f"{key}__gt": last})
        rows = list(page.order_by(key).values(*fields)[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1][key]


def _rows(qs: QuerySet[Any], fields: Iterable[str], key: str = "id") -> Iterator[dict[str, Any]]:
    for chunk in _chunks(qs, fields, key):
        yield from chunk


def org_units() -> Iterator[dict[str, Any]]:
    return _rows(OrgUnit.objects.all(), ["id", "name", "parent_id", "path", "sort_order"])


def ranks() -> list[dict[str, Any]]:
    return [{"level": r.level, "name": r.name} for r in Rank.objects.order_by("level")]


# Directory fields only: no password hash, no tokens, no sessions.
EMPLOYEE_FIELDS = [
    "id",
    "username",
    "email",
    "display_name",
    "family_name",
    "given_name",
    "name_latin",
    "unit_id",
    "rank_level",
    "title",
    "bio",
    "employee_number",
    "photo",
    "role",
    "locale",
    "is_active",
    "date_joined",
]


def employees() -> Iterator[dict[str, Any]]:
    for row in _rows(Employee.objects.all(), EMPLOYEE_FIELDS):
        row["photo"] = media_path(row["photo"]) if row["photo"] else None
        yield row


def follows() -> Iterator[dict[str, Any]]:
    return _rows(Follow.objects.all(), ["id", "follower_id", "followee_id", "created_at"])


AUDIT_FIELDS = [
    "id",
    "created_at",
    "actor_id",
    "actor_name",
    "ip",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "before",
    "after",
]


def audit_log() -> Iterator[dict[str, Any]]:
    return _rows(AuditEntry.objects.all(), AUDIT_FIELDS)


def media_path(name: str) -> str:
    """Where a stored file sits inside the zip."""
    return f"media/{name}"


POST_FIELDS = [
    "id",
    "author_id",
    "created_at",
    "edited_at",
    "text",
    "content_html",
    "spoiler_text",
    "sensitive",
    "language",
    "audience",
    "unlisted",
    "unit_id",
    "min_rank",
    "in_reply_to_id",
    "in_reply_to_account_id",
    "thread_id",
    "reblog_of_id",
]


def _grouped(pairs: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for key, value in pairs:
        out[key].append(value)
    return out


def posts(viewer: Viewer) -> Iterator[dict[str, Any]]:
    """Every post ``viewer`` may see, with what hangs off it, one chunk of posts and one query per
    related table at a time."""
    full = scope_for(viewer) == ExportScope.FULL
    for chunk in _chunks(visible_posts(viewer), POST_FIELDS):
        ids = [row["id"] for row in chunk]
        mentions = _grouped(
            Mention.objects.filter(post_id__in=ids).order_by("id").values_list("post_id", "employee_id")
        )
        tags = _grouped(  # in the order the post's text names them
            PostHashtag.objects.filter(post_id__in=ids)
            .order_by("id")
            .values_list("post_id", "hashtag__display_name")
        )
        media = _grouped(
            (m["post_id"], m)
            for m in MediaAttachment.objects.filter(post_id__in=ids)
            .order_by("post_id", "position")
            .values("post_id", "id", "kind", "file", "description", "width", "height", "blurhash")
        )
        likes = _grouped(
            Favourite.objects.filter(post_id__in=ids).order_by("id").values_list("post_id", "employee_id")
        )
        # Bookmarks are private to whoever made them: a full export has them all, an admin's only their own.
        marks = Bookmark.objects.filter(post_id__in=ids)
        if not full:
            marks = marks.filter(employee=viewer.employee)
        bookmarks = _grouped(marks.order_by("id").values_list("post_id", "employee_id"))
        # Pinned to the author's profile (only authors pin, their own posts): public, like the post.
        pinned = set(Pin.objects.filter(post_id__in=ids).values_list("post_id", flat=True))
        edits = _grouped(
            (e["post_id"], e)
            for e in PostEdit.objects.filter(post_id__in=ids)
            .order_by("post_id", "created_at", "id")
            .values("post_id", "created_at", "text", "spoiler_text", "sensitive", "media", "poll")
        )
        polls = {p.post_id: p for p in Poll.objects.filter(post_id__in=ids).prefetch_related("options")}
        votes: dict[int, list[Any]] = {}
        if full and polls:
            # Who voted for what is never shown in the product; only a compliance export carries it.
            votes = _grouped(
                (v["poll_id"], {"voter_id": v["voter_id"], "option": v["option__position"]})
                for v in PollVote.objects.filter(poll__in=list(polls.values())).values(
                    "poll_id", "voter_id", "option__position"
                )
            )
        for row in chunk:
            pk = row["id"]
            row["mentions"] = mentions.get(pk, [])
            row["hashtags"] = tags.get(pk, [])
            row["media"] = [
                {**{k: v for k, v in m.items() if k != "post_id"}, "file": media_path(m["file"])}
                for m in media.get(pk, [])
            ]
            row["favourited_by"] = likes.get(pk, [])
            row["bookmarked_by"] = bookmarks.get(pk, [])
            row["pinned"] = pk in pinned
            row["edits"] = [{k: v for k, v in e.items() if k != "post_id"} for e in edits.get(pk, [])]
            poll = polls.get(pk)
            row["poll"] = (
                None
                if poll is None
                else {
                    "id": poll.pk,
                    "expires_at": poll.expires_at,
                    "multiple": poll.multiple,
                    "votes_count": poll.votes_count,
                    "voters_count": poll.voters_count,
                    "options": [{"title": o.title, "votes_count": o.votes_count} for o in poll.options.all()],
                    **({"votes": votes.get(poll.pk, [])} if full else {}),
                }
            )
            yield row


def post_media_files(viewer: Viewer) -> Iterator[str]:
    """The stored names of every file attached to a post ``viewer`` may see."""
    qs = MediaAttachment.objects.filter(post__in=visible_posts(viewer).values("id")).exclude(file="")
    for row in _rows(qs, ["id", "file"]):
        yield row["file"]


def employee_photos() -> Iterator[str]:
    for row in _rows(Employee.objects.exclude(photo=""), ["id", "photo"]):
        yield row["photo"]
