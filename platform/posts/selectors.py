"""Reads about posts, each starting from ``policy.visible_posts(viewer)``.

Counts are computed per viewer here rather than stored (``status_stats``): a reply or a repost the viewer
may not see is not counted, so no number reveals a post they cannot read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.http import Http404

import policy
from common.paging import Page
from directory.models import Employee
from posts.models import Bookmark, Favourite, MediaAttachment, Poll, PollVote, Post, PostEdit, ScheduledPost
from posts.text import normalise_tag

__all__ = [
    "DETAIL_FIELDS",
    "STATS_FIELDS",
    "PostStats",
    "bookmarks_timeline",
    "edit_history",
    "favourited_by",
    "favourites_timeline",
    "media_for_owner",
    "normalise_tag",
    "poll_for",
    "poll_own_votes",
    "reblogged_by",
    "status_context",
    "status_details_sql",
    "status_stats",
    "status_stats_annotations",
]

# Mastodon's own cap on a thread's context.
CONTEXT_LIMIT = 4096


def status_context(viewer: policy.Viewer, post: Post) -> tuple[list[Post], list[Post]]:
    """Ancestors (oldest first) and descendants (depth-first, in reply order) of ``post`` that the viewer
    may see. Two queries whatever the depth: the thread's shape by its root id, then the visible posts.

    A hidden post in the middle of a chain is left out, not the chain above or below it, as Mastodon
    does: the viewer sees exactly the posts they could open one by one."""
    if post.reblog_of_id is not None:
        assert post.reblog_of is not None
        post = post.reblog_of
    root = post.thread_id or post.pk
    shape = list(
        policy.dangerously_all_posts()
        .filter(thread_id=root, reblog_of__isnull=True)
        .order_by("id")
        .values_list("id", "in_reply_to_id")[:CONTEXT_LIMIT]
    )
    parent_of = dict(shape)
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in shape:
        children[parent].append(pk)

    ancestor_ids: list[int] = []
    seen = {post.pk}
    cursor = parent_of.get(post.pk, post.in_reply_to_id)
    while cursor is not None and cursor not in seen:
        ancestor_ids.append(cursor)
        seen.add(cursor)
        cursor = parent_of.get(cursor)
    ancestor_ids.reverse()

    descendant_ids: list[int] = []
    stack = list(reversed(children.get(post.pk, [])))
    while stack:
        pk = stack.pop()
        if pk in seen:
            continue
        seen.add(pk)
        descendant_ids.append(pk)
        stack.extend(reversed(children.get(pk, [])))

    wanted = ancestor_ids + descendant_ids
    if not wanted:
        return [], []
    visible = {
        p.pk: p
        for p in policy.visible_posts(viewer).filter(pk__in=wanted).select_related("author", "author__unit")
    }
    return (
        [visible[pk] for pk in ancestor_ids if pk in visible],
        [visible[pk] for pk in descendant_ids if pk in visible],
    )


# Mastodon 4.3's ``GET /api/v1/statuses?id[]=``: apps refresh the posts they show in one request.
MAX_IDS = 40


def posts_by_ids(viewer: policy.Viewer, ids: Iterable[int | str]) -> list[Post]:
    """The posts among ``ids`` the viewer may see, in the order asked, each once; ids of posts that do
    not exist or that the viewer may not see are left out, alike (as a 404 is for one post)."""
    wanted: list[int] = []
    for value in ids:
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            continue
    wanted = list(dict.fromkeys(wanted))
    if not wanted or not viewer.is_active:
        return []
    found = {
        p.pk: p
        for p in policy.visible_posts(viewer)
        .filter(pk__in=wanted)
        .select_related("author", "author__unit", "reblog_of", "reblog_of__author__unit")
    }
    return [found[pk] for pk in wanted if pk in found]


def _original(viewer: policy.Viewer, post_id: int | str) -> Post:
    post = policy.access_post(viewer, post_id)
    return post.reblog_of if post.reblog_of_id and post.reblog_of is not None else post


def _paged(qs: QuerySet, page: Page) -> list:  # type: ignore[type-arg]
    return page.arrange(list(qs.filter(**page.id_filter("id")).order_by(page.order_by("id"))[: page.limit]))


def favourited_by(viewer: policy.Viewer, post_id: int | str, page: Page) -> list[Employee]:
    """Who liked a post the viewer may see (404 otherwise), newest like first. Each employee carries
    ``paging_id`` (the like's id) for the Link header."""
    post = _original(viewer, post_id)
    rows = _paged(Favourite.objects.filter(post=post).select_related("employee", "employee__unit"), page)
    return [_with_paging_id(row.employee, row.pk) for row in rows]


def reblogged_by(viewer: policy.Viewer, post_id: int | str, page: Page) -> list[Employee]:
    """Who reposted a post the viewer may see (404 otherwise), newest first; ``paging_id`` = the repost id."""
    post = _original(viewer, post_id)
    rows = _paged(
        policy.visible_posts(viewer).filter(reblog_of=post).select_related("author", "author__unit"), page
    )
    return [_with_paging_id(row.author, row.pk) for row in rows]


def _with_paging_id(employee: Employee, paging_id: int) -> Employee:
    employee.paging_id = paging_id  # type: ignore[attr-defined]
    return employee


def _saved_timeline(
    viewer: policy.Viewer, model: type[Favourite] | type[Bookmark], page: Page
) -> tuple[list[Post], int | None, int | None]:
    if viewer.employee is None or not viewer.is_active:
        return [], None, None
    visible = policy.visible_posts(viewer).filter(pk=OuterRef("post_id"))
    rows = _paged(
        model.objects.filter(employee_id=viewer.employee.pk)
        .filter(Exists(visible))
        .select_related("post", "post__author", "post__author__unit"),
        page,
    )
    if not rows:
        return [], None, None
    return [row.post for row in rows], rows[-1].pk, rows[0].pk


def bookmarks_timeline(viewer: policy.Viewer, page: Page) -> tuple[list[Post], int | None, int | None]:
    """The viewer's bookmarked posts they may still see, newest bookmark first, paged by the bookmark's
    id: (posts, next max_id, prev min_id) for the Link header."""
    return _saved_timeline(viewer, Bookmark, page)


def favourites_timeline(viewer: policy.Viewer, page: Page) -> tuple[list[Post], int | None, int | None]:
    """The viewer's liked posts they may still see, paged like ``bookmarks_timeline``."""
    return _saved_timeline(viewer, Favourite, page)


@dataclass(frozen=True)
class PostStats:
    replies_count: int
    reblogs_count: int
    favourites_count: int
    favourited: bool
    reblogged: bool
    bookmarked: bool
    pinned: bool = False
    muted: bool = False


STATS_FIELDS = (
    "n_replies",
    "n_reblogs",
    "n_favourites",
    "is_favourited",
    "is_reblogged",
    "is_bookmarked",
    "is_pinned",
    "is_muted",
)


# The SQL below holds identifiers of our own code only (``target`` is checked against this); every value
# travels as a parameter.
_TARGET = re.compile(r"^(?:[a-z_][a-z0-9_]*\.[a-z_]+|COALESCE\([a-z_.]+, [a-z_.]+\))$")

DETAIL_FIELDS = (*STATS_FIELDS, "mention_list", "tag_list", "has_media", "has_poll")


def status_details_sql(
    viewer: policy.Viewer, target: str = "posts_post.id"
) -> dict[str, tuple[str, list[Any]]]:
    """What a status entity shows besides the post's own columns, as SQL expressions with parameters, for
    a top-level query of posts (whose table keeps its name): ``STATS_FIELDS`` — counts and the viewer's
    flags — then mentions and tags as JSON arrays, and whether media or a poll exist (rare, so their rows
    are read only then).

    ``target`` is the SQL of the post id the figures are about (``posts_post.id``, or the original's id
    for a page that mixes reposts in). Replies and reposts are counted through ``policy.visible_sql``:
    the same rules as ``visible_posts``, at a fraction of the ORM's cost of building them into two
    nested subqueries for every page (bench/RESULTS.md, "Timelines").
    """
    if not _TARGET.match(target):
        raise ValueError(f"not a column: {target!r}")
    me = viewer.id or 0
    replies, replies_params = policy.visible_sql(viewer, "st_r")
    reblogs, reblogs_params = policy.visible_sql(viewer, "st_b")
    return {
        "n_replies": (
            f"(SELECT count(*) FROM posts_post st_r WHERE st_r.in_reply_to_id = {target} AND {replies})",
            replies_params,
        ),
        "n_reblogs": (
            f"(SELECT count(*) FROM posts_post st_b WHERE st_b.reblog_of_id = {target} AND {reblogs})",
            reblogs_params,
        ),
        "n_favourites": (f"(SELECT count(*) FROM posts_favourite st_f WHERE st_f.post_id = {target})", []),
        "is_favourited": (
            f"EXISTS (SELECT 1 FROM posts_favourite st_f WHERE st_f.post_id = {target}"
            " AND st_f.employee_id = %s)",
            [me],
        ),
        "is_reblogged": (
            f"EXISTS (SELECT 1 FROM posts_post st_b WHERE st_b.reblog_of_id = {target}"
            " AND st_b.author_id = %s)",
            [me],
        ),
        "is_bookmarked": (
            f"EXISTS (SELECT 1 FROM posts_bookmark st_k WHERE st_k.post_id = {target}"
            " AND st_k.employee_id = %s)",
            [me],
        ),
        # One pins only one's own posts, five at most: the viewer's pins are read once for the
        # statement (an InitPlan), not probed per row.
        "is_pinned": (
            f"{target} = ANY(ARRAY(SELECT st_pin.post_id FROM posts_pin st_pin"
            " WHERE st_pin.employee_id = %s))",
            [me],
        ),
        # Whether the viewer muted the post's conversation. Few people mute any: whether the viewer has
        # is asked once for the statement (an InitPlan), and only then is each row's thread looked up.
        "is_muted": (
            "(EXISTS (SELECT 1 FROM posts_conversationmute st_cm WHERE st_cm.employee_id = %s)"
            " AND EXISTS (SELECT 1 FROM posts_post st_o JOIN posts_conversationmute st_cm"
            " ON st_cm.thread_id = COALESCE(st_o.thread_id, st_o.id) AND st_cm.employee_id = %s"
            f" WHERE st_o.id = {target}))",
            [me, me],
        ),
        "mention_list": (
            "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', st_m.employee_id, 'username', st_e.username)"
            " ORDER BY st_m.id), '[]') FROM posts_mention st_m"
            f" JOIN directory_employee st_e ON st_e.id = st_m.employee_id WHERE st_m.post_id = {target})",
            [],
        ),
        "tag_list": (
            "(SELECT coalesce(jsonb_agg(jsonb_build_object('name', st_h.name, 'display', st_h.display_name)"
            " ORDER BY st_t.id), '[]') FROM posts_posthashtag st_t"
            f" JOIN posts_hashtag st_h ON st_h.id = st_t.hashtag_id WHERE st_t.post_id = {target})",
            [],
        ),
        "has_media": (f"EXISTS (SELECT 1 FROM posts_mediaattachment st_a WHERE st_a.post_id = {target})", []),
        "has_poll": (f"EXISTS (SELECT 1 FROM posts_poll st_p WHERE st_p.post_id = {target})", []),
    }


def attach_new_post_details(
    post: Post,
    *,
    mentioned: Iterable[tuple[int, str]],
    tags: Iterable[tuple[str, str]],
    has_media: bool,
    has_poll: bool,
) -> None:
    """Set ``DETAIL_FIELDS`` on a post its writer has just created, as ``status_details_sql`` would read
    them, so rendering it (the POST's response, the stream's ``update``) asks no statement for them.
    Only for a new post, in its writer's process: it has no replies, reposts or likes yet, and nobody
    has liked, reposted or bookmarked it. ``mentioned`` as (employee id, username) and ``tags`` as
    (name, display name), each in the order their rows were written (which is the order read back).
    """
    values: dict[str, Any] = dict.fromkeys(STATS_FIELDS[:3], 0) | dict.fromkeys(STATS_FIELDS[3:], False)
    values["mention_list"] = [{"id": pk, "username": username} for pk, username in mentioned]
    values["tag_list"] = [{"name": name, "display": display} for name, display in tags]
    values["has_media"] = has_media
    values["has_poll"] = has_poll
    for name in DETAIL_FIELDS:
        setattr(post, name, values[name])
    post.details_of_original = True  # type: ignore[attr-defined]


def carries_own_details(post: Post) -> bool:
    """Whether ``post`` carries ``DETAIL_FIELDS`` about itself (set by ``attach_new_post_details``, or
    read with ``status_details_sql``), not about a repost's original: its mentions, tags and media are
    then known without reading their rows."""
    return bool(getattr(post, "details_of_original", False)) and post.reblog_of_id is None


def status_stats_annotations(viewer: policy.Viewer) -> dict[str, RawSQL]:
    """``STATS_FIELDS`` of ``status_details_sql`` as annotations (for ``status_stats``)."""
    details = status_details_sql(viewer)
    fields = dict.fromkeys(STATS_FIELDS[:3], IntegerField()) | dict.fromkeys(STATS_FIELDS[3:], BooleanField())
    return {
        name: RawSQL(details[name][0], tuple(details[name][1]), output_field=field)  # noqa: S611
        for name, field in fields.items()
    }


def status_stats(viewer: policy.Viewer, post_ids: Iterable[int]) -> dict[int, PostStats]:
    """Counts and the viewer's own flags for a page of posts, in one query. Replies and reposts are
    counted only where the viewer may see them. Pass the originals' ids for reposts."""
    ids = list(set(post_ids))
    if not ids:
        return {}
    rows = (
        policy.dangerously_all_posts()
        .filter(pk__in=ids)
        .annotate(**status_stats_annotations(viewer))
        .values_list("pk", *STATS_FIELDS)
    )
    return {pk: PostStats(*values) for pk, *values in rows}


def poll_for(viewer: policy.Viewer, poll_id: int | str) -> Poll:
    """A poll on a post the viewer may see (404 otherwise), with its options and ``own_votes``."""
    try:
        pk = int(poll_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    poll = (
        Poll.objects.filter(pk=pk, post__in=policy.visible_posts(viewer).values("pk"))
        .prefetch_related("options")
        .first()
    )
    if poll is None:
        raise Http404("Record not found")
    poll.own_votes = poll_own_votes(viewer, [poll.pk]).get(poll.pk, [])  # type: ignore[attr-defined]
    return poll


def poll_own_votes(viewer: policy.Viewer, poll_ids: Iterable[int]) -> dict[int, list[int]]:
    """The option positions the viewer chose, per poll (absent = has not voted)."""
    votes: dict[int, list[int]] = defaultdict(list)
    for poll_id, position in (
        PollVote.objects.filter(poll_id__in=list(poll_ids), voter_id=viewer.id or 0)
        .order_by("option__position")
        .values_list("poll_id", "option__position")
    ):
        votes[poll_id].append(position)
    return dict(votes)


def edit_history(viewer: policy.Viewer, post_id: int | str) -> list[PostEdit]:
    """Every version of a post the viewer may see, oldest first; a never-edited post has one version,
    itself (unsaved, as Mastodon answers)."""
    post = policy.access_post(viewer, post_id)
    edits = list(PostEdit.objects.filter(post=post).order_by("created_at", "id"))
    if edits:
        return edits
    media = [
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
    return [
        PostEdit(
            post=post,
            text=post.text,
            content_html=post.content_html,
            spoiler_text=post.spoiler_text,
            sensitive=post.sensitive,
            media=media,
            poll=None,
            created_at=post.created_at,
        )
    ]


def media_for_owner(viewer: policy.Viewer, media_id: int | str) -> MediaAttachment:
    """An upload, to its owner only (anyone else gets 404, as for a missing one)."""
    try:
        pk = int(media_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    media = MediaAttachment.objects.filter(pk=pk, owner_id=viewer.id or 0).first()
    if media is None or not viewer.is_active:
        raise Http404("Record not found")
    return media


def scheduled_post_list(viewer: policy.Viewer, page: Page) -> list[ScheduledPost]:
    """The viewer's posts waiting for their time, newest scheduling first (Mastodon pages them by id)."""
    if viewer.id is None:
        return []
    rows = ScheduledPost.objects.filter(author_id=viewer.id, state=ScheduledPost.State.PENDING)
    rows = rows.filter(**page.id_filter()).order_by(page.order_by())[: page.limit]
    return page.arrange(list(rows))


def scheduled_post_get(viewer: policy.Viewer, scheduled_id: int | str) -> ScheduledPost:
    """One of the viewer's waiting posts; anyone else's, or one already published, is missing (404)."""
    if viewer.id is None or not str(scheduled_id).isdigit():
        raise Http404
    found = ScheduledPost.objects.filter(
        pk=int(scheduled_id), author_id=viewer.id, state=ScheduledPost.State.PENDING
    ).first()
    if found is None:
        raise Http404
    return found
