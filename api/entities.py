"""Mastodon entities as prepared dicts, loaded in batches: a page costs a fixed number of queries.

``Entities(request, viewer)`` lives for one request. ``statuses(posts)`` gathers, for the whole page
at once, the authors (with unit and rank names), media, polls and the viewer's votes, mentions, tags,
the viewer's favourited/reblogged/bookmarked flags and the counts, then builds plain dicts that
``api.base.json_response`` dumps with orjson. Counts that could reveal hidden posts (replies,
reblogs) are counted over the posts the viewer may see (``policy.visible_posts``).

The API layer reads related rows here only for posts and people the selectors already returned;
which posts a viewer may see is never decided here.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from rest_framework.request import Request

from directory.models import Employee, Rank
from filters.models import Filter, FilterKeyword, FilterStatus
from filters.selectors import ActiveFilter, FilterSet, Hit, active_filters, hidden_in, searchable_text
from policy import Viewer
from posts.models import (
    Audience,
    MediaAttachment,
    Poll,
    PollVote,
    Post,
)
from social.models import AccountStats

DEFAULT_HEADER = "/static/frontend/header.png"


class RenderMemo:
    """What a rendering shows of a post or an account that is the same for every viewer, kept in this
    process and reused when *every* value it was built from is equal: never stale, so it needs no
    invalidation. A page then costs a comparison per post and per author instead of building each dict
    again (on the bench tenant's home page, ~25 statuses and ~15 accounts). Bounded: past ``size``
    entries the oldest goes. Values are shared between requests, so every user copies before changing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], inputs: tuple[Any, ...]) -> Any:
        found = self._items.get(key)
        return found[1] if found is not None and found[0] == inputs else None

    def put(self, key: tuple[Any, ...], inputs: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            if key not in self._items and len(self._items) >= self.size:
                del self._items[next(iter(self._items))]
            self._items[key] = (inputs, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Sized for a company's recent posts and the people who wrote them: on the bench tenant, 3,000 people's
# first home pages held 2,637 posts by 1,317 authors, and 27,773 pages (everyone's first four) 12,757
# posts by 2,756. Measured at ~3.5 KB a status and ~3.2 KB an account with what they keep alive, so full
# they hold ~65 MiB of a web process (bench/RESULTS.md, "Timelines", seventh session).
STATUS_MEMO = RenderMemo(12_000)
ACCOUNT_MEMO = RenderMemo(8_000)


def iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with milliseconds, as Mastodon writes it (2024-01-02T03:04:05.678Z)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat (C) ends "+00:00"; strftime was ~1.7x slower, and a page formats ~50 of these.
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


def iso_date(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d")


def visibility_of(post: Post) -> str:
    if post.audience == Audience.COMPANY:
        return "unlisted" if post.unlisted else "public"
    if post.audience == Audience.DIRECT:
        return "direct"
    return "private"


def _plain_note(bio: str) -> str:
    import html

    if not bio:
        return ""
    paragraphs = [html.escape(p).replace("\n", "<br>") for p in bio.split("\n\n") if p.strip()]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def with_account_details(employees: QuerySet[Employee]) -> QuerySet[Employee]:
    """``employees`` with all an Account shows, read in the same query: the unit joined, the stored
    counts (``social.AccountStats``, kept by the database) and the rank's name."""
    rank_name = Rank.objects.filter(level=OuterRef("rank_level")).values("name")[:1]
    return employees.select_related("unit", "stats").annotate(rank_name=Subquery(rank_name))


def account_rows(ids: Iterable[int]) -> QuerySet[Employee]:
    """Employees by id with all an Account shows, in one query (``with_account_details``)."""
    return with_account_details(Employee.objects.filter(pk__in=list(ids)))


def _cached_original(p: Post) -> Post | None:
    """A repost's original when the row already carries it (``select_related``), else None."""
    return p.reblog_of if p.reblog_of_id is not None and Post.reblog_of.is_cached(p) else None  # type: ignore[attr-defined]


def _author_slots(p: Post) -> list[tuple[Post, str]]:
    """The posts a page row carries whose authors it can hold, each with the attribute of the row that
    holds that author's rank name (timelines.selectors' annotations): the row's own, and a repost's
    original's when the row carries it."""
    original = _cached_original(p)
    own = [(p, "author_rank_name")]
    return own if original is None else [*own, (original, "reblog_author_rank_name")]


def _preloaded_authors(posts: list[Post]) -> dict[int, Employee]:
    """Authors a selector already loaded with everything an Account needs (timelines.selectors'
    ``RELATED`` and rank-name annotations), so they cost no query here."""
    found: dict[int, Employee] = {}
    for p in posts:
        for post, annotation in _author_slots(p):
            if not hasattr(p, annotation) or not Post.author.is_cached(post):  # type: ignore[attr-defined]
                continue
            author = post.author
            if Employee.unit.is_cached(author) and Employee.stats.is_cached(author):  # type: ignore[attr-defined]
                author.rank_name = getattr(p, annotation)  # type: ignore[attr-defined]
                found[author.pk] = author
    return found


def _keep_loaded_authors(posts: list[Post], loaded: dict[int, Employee]) -> None:
    """Keep authors read by ``account_rows`` on the posts, as ``_preloaded_authors`` finds them, so that
    rendering the same posts again reads nothing: a new post is rendered for its stream event and then
    for the writer's answer (one statement and its ORM compile fewer on every POST)."""
    for p in posts:
        for post, annotation in _author_slots(p):
            if (author := loaded.get(post.author_id)) is not None:
                Post.author.field.set_cached_value(post, author)  # type: ignore[attr-defined]
                setattr(p, annotation, author.rank_name)  # type: ignore[attr-defined]


# A repost's own figures: it has no text, mentions, media or poll, and nothing counts the wrapper itself.
_REPOST_DETAILS: tuple[Any, ...] = (0, 0, 0, False, False, False, False, False, [], [], False, False)


def _preloaded_details(posts: list[Post]) -> dict[int, tuple[Any, ...]]:
    """Details a selector annotated on the page's rows, each about the row's original (see
    ``posts.selectors.status_details_annotations``), keyed by the post they describe."""
    from posts.selectors import DETAIL_FIELDS

    found: dict[int, tuple[Any, ...]] = {}
    for p in posts:
        if not getattr(p, "details_of_original", False):
            continue
        found[p.reblog_of_id or p.pk] = tuple(getattr(p, field) for field in DETAIL_FIELDS)
        if p.reblog_of_id is not None:
            found[p.pk] = _REPOST_DETAILS
    return found


def _json_items(values: str | list[Any] | None) -> list[dict[str, Any]]:
    """An array of JSON objects from PostgreSQL, whether the driver decoded it (or its items) or not."""
    import orjson

    if isinstance(values, str | bytes):
        values = orjson.loads(values)
    return [v if isinstance(v, dict) else orjson.loads(v) for v in values or ()]


def _mention(m: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "id": str(m["id"]),
        "username": m["username"],
        "acct": m["username"],
        "url": f"{base}/@{m['username']}",
    }


def _stats_of(employee: Employee) -> AccountStats | None:
    try:
        return employee.stats  # type: ignore[no-any-return]
    except AccountStats.DoesNotExist:
        return None


class Entities:
    def __init__(self, request: Request, viewer: Viewer) -> None:
        self.request = request
        self.viewer = viewer
        self.base = f"{request.scheme}://{request.get_host()}"
        self.schema = connection.schema_name  # type: ignore[attr-defined]
        self._accounts: dict[int, dict[str, Any]] = {}
        # The viewer's keyword filters that cover each rendered post, by the post's id.
        self.filter_hits: dict[int, tuple[Hit, ...]] = {}

    @cached_property
    def filters(self) -> FilterSet:
        """The viewer's keyword filters in force: no query for one who has none."""
        return active_filters(self.viewer)

    def hidden_in(self, context: str, post_id: int | None) -> bool:
        """Whether a rendered post is one the viewer's "hide" filters leave out in ``context``."""
        return post_id is not None and hidden_in(self.filter_hits.get(post_id, ()), context)

    def timeline(self, context: str) -> Callable[[list[Post]], list[dict[str, Any]]]:
        """``statuses`` for a page shown in a filter ``context`` ("home", "public", "account",
        "thread"): the posts a "hide" filter covers there are left out, as Mastodon's apps expect of a
        filter they did not apply themselves; the others carry ``filtered``."""

        def render(posts: list[Post]) -> list[dict[str, Any]]:
            rendered = self.statuses(posts)
            if not self.filter_hits:
                return rendered
            return [s for p, s in zip(posts, rendered, strict=True) if not self.hidden_in(context, p.pk)]

        return render

    # -- accounts ---------------------------------------------------------------------------------

    def avatar_url(self, employee: Employee) -> str:
        if employee.photo:
            return self.base + employee.photo.url
        # The name is in the URL's version, so a renamed employee's new initials are not cached away.
        version = hashlib.blake2b(
            f"{employee.family_name}|{employee.given_name}|{employee.name_latin}".encode(), digest_size=4
        ).hexdigest()
        return f"{self.base}/avatars/{employee.pk}/initials.png?v={version}"

    def accounts(self, employees: Iterable[Employee]) -> list[dict[str, Any]]:
        employees = list(employees)
        missing = [e for e in employees if e.pk not in self._accounts]
        if missing:
            if not all(hasattr(e, "rank_name") for e in missing):
                missing = list(account_rows([e.pk for e in missing]))
            self._load_accounts(missing)
        return [self._accounts[e.pk] for e in employees]

    def account(self, employee: Employee) -> dict[str, Any]:
        return self.accounts([employee])[0]

    def accounts_by_id(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Accounts of employees known by id, those not rendered yet read in one statement; an id
        that names nobody is left out."""
        ids = set(ids)
        if missing := ids - self._accounts.keys():
            self._load_accounts(list(account_rows(missing)))
        return {pk: self._accounts[pk] for pk in ids if pk in self._accounts}

    def conversations(self, items: list[Any]) -> list[dict[str, Any]]:
        """Mastodon Conversations from ``timelines.selectors.Conversation``: the last statuses rendered
        together, and everyone in the page's conversations read in one statement."""
        statuses = self.statuses([c.last_status for c in items])
        people = self.accounts_by_id(pk for c in items for pk in c.participant_ids)
        return [
            {
                "id": str(c.thread_id),
                "unread": c.unread,
                "accounts": [people[pk] for pk in c.participant_ids if pk in people],
                "last_status": status,
            }
            for c, status in zip(items, statuses, strict=True)
        ]

    def _load_accounts(self, employees: list[Employee]) -> None:
        """``employees`` come from ``account_rows``: unit, stored counts and rank name already loaded."""
        for e in employees:
            unit = e.unit
            inputs = (
                e.username, e.display_name, e.family_name, e.given_name, e.name_latin, e.photo.name, e.bio,
                e.date_joined, e.is_active, e.rank_level, e.rank_name, e.title, e.role,  # type: ignore[attr-defined]
                e.unit_id, unit.name if unit else None, unit.path if unit else None,
            )  # fmt: skip
            key = (self.schema, self.base, e.pk)
            shown = ACCOUNT_MEMO.get(key, inputs)
            if shown is None:
                shown = self._account_shown(e)
                ACCOUNT_MEMO.put(key, inputs, shown)
            account = shown.copy()
            if (stats := _stats_of(e)) is not None:
                account["followers_count"] = stats.followers_count
                account["following_count"] = stats.following_count
                account["statuses_count"] = stats.statuses_count
                account["last_status_at"] = iso_date(stats.last_status_at)
            self._accounts[e.pk] = account

    def _account_shown(self, e: Employee) -> dict[str, Any]:
        """An Account as every viewer sees it, with the stored counts at zero (``_load_accounts`` sets
        them: they change far more often than the rest)."""
        unit = e.unit
        avatar = self.avatar_url(e)
        account = {
            "id": str(e.pk),
            "username": e.username,
            "acct": e.username,
            "display_name": e.display_name or e.username,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "indexable": False,
            "group": False,
            "noindex": True,
            "created_at": iso(e.date_joined),
            "note": _plain_note(e.bio),
            "url": f"{self.base}/@{e.username}",
            "uri": f"{self.base}/users/{e.username}",
            "avatar": avatar,
            "avatar_static": avatar,
            "header": self.base + DEFAULT_HEADER,
            "header_static": self.base + DEFAULT_HEADER,
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": 0,
            "last_status_at": None,
            "hide_collections": False,
            "emojis": [],
            "fields": [],
            "roles": [],
            "bt": {
                "unit": {"id": str(unit.pk), "name": unit.name, "path": unit.path} if unit else None,
                "rank": {"level": e.rank_level, "name": e.rank_name or ""},  # type: ignore[attr-defined]
                "title": e.title,
                "role": e.role,
            },
        }
        if not e.is_active:
            account["suspended"] = True
        return account

    def credential_account(self, employee: Employee) -> dict[str, Any]:
        """The signed-in employee's own account, with ``source`` (what update_credentials edits)."""
        data = dict(self.account(employee))
        data["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": employee.locale or "",
            "note": employee.bio,
            "fields": [],
            "follow_requests_count": 0,
            "hide_collections": False,
            "discoverable": True,
            "indexable": False,
        }
        data["role"] = {
            "id": "0" if employee.role == "member" else "1",
            "name": employee.role,
            "permissions": "0",
            "color": "",
            "highlighted": False,
        }
        return data

    # -- statuses ---------------------------------------------------------------------------------

    def status(self, post: Post) -> dict[str, Any]:
        return self.statuses([post])[0]

    def statuses(self, posts: list[Post]) -> list[dict[str, Any]]:
        if not posts:
            return []
        originals_needed = [p.reblog_of_id for p in posts if p.reblog_of_id is not None]
        originals: dict[int, Post] = {}
        if originals_needed:
            originals.update({o.pk: o for p in posts if (o := _cached_original(p)) is not None})
            rest = [i for i in originals_needed if i not in originals]
            if rest:
                originals.update({p.pk: p for p in Post.objects.filter(pk__in=rest)})
        everything = {p.pk: p for p in posts}
        everything.update(originals)
        ids = list(everything)
        author_ids = {p.author_id for p in everything.values()}

        authors = _preloaded_authors(posts)
        if missing := author_ids - authors.keys():
            read = {e.pk: e for e in account_rows(missing)}
            authors.update(read)
            _keep_loaded_authors(posts, read)
        accounts = dict(zip(authors, self.accounts(authors.values()), strict=True))

        # Everything else about the page's posts in one statement: the counts and the viewer's flags
        # (``status_stats``), mentions and tags as arrays, and whether media or a poll exist — those
        # two are rare, so their rows are read only when a page has any. A selector that already read
        # them with the page (``posts.selectors.status_details_annotations`` over each row's original,
        # as the home timeline does) saves the statement.
        from posts.selectors import DETAIL_FIELDS, PostStats, status_details_sql

        details = _preloaded_details(posts)
        if missing_ids := [pk for pk in ids if pk not in details]:
            sql = status_details_sql(self.viewer)
            rows = Post.objects.filter(pk__in=missing_ids).extra(  # noqa: S610
                select={name: sql[name][0] for name in DETAIL_FIELDS},
                select_params=[p for name in DETAIL_FIELDS for p in sql[name][1]],
            )
            details.update({pk: tuple(values) for pk, *values in rows.values_list("pk", *DETAIL_FIELDS)})
        stats: dict[int, PostStats] = {}
        lists: dict[int, tuple[Any, Any]] = {}
        with_media: list[int] = []
        with_poll: list[int] = []
        for pk, values in details.items():
            *counts, mention_list, tag_list, has_media, has_poll = values
            stats[pk] = PostStats(*counts)
            lists[pk] = (mention_list, tag_list)
            if has_media:
                with_media.append(pk)
            if has_poll:
                with_poll.append(pk)

        media: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if with_media:
            attachments = MediaAttachment.objects.filter(post_id__in=with_media).order_by(
                "post_id", "position", "id"
            )
            for m in attachments:
                media[m.post_id].append(self.media(m))  # type: ignore[index]

        polls_dicts: dict[int, dict[str, Any]] = {}
        if with_poll:
            polls = {
                p.post_id: p for p in Poll.objects.filter(post_id__in=with_poll).prefetch_related("options")
            }
            for post_id, poll in polls.items():
                poll._author_id = everything[post_id].author_id  # type: ignore[attr-defined]
            polls_dicts = dict(zip(polls, self.polls(list(polls.values())), strict=True))

        if self.filters:
            self._match_filters(posts, everything, media, polls_dicts)

        def build(p: Post) -> dict[str, Any]:
            reblog = None
            if p.reblog_of_id is not None and p.reblog_of_id in originals:
                reblog = build(originals[p.reblog_of_id])
            account = accounts[p.author_id]
            status = self._status_shown(p, account["username"], reblog is not None, lists.get(p.pk)).copy()
            status["account"] = account
            status["media_attachments"] = media.get(p.pk, [])
            if (counts := stats.get(p.pk)) is not None:
                status["reblogs_count"] = counts.reblogs_count
                status["favourites_count"] = counts.favourites_count
                status["replies_count"] = counts.replies_count
                status["favourited"] = bool(counts.favourited)
                status["reblogged"] = bool(counts.reblogged)
                status["bookmarked"] = bool(counts.bookmarked)
                # Mastodon's apps offer "Unpin" by it on the viewer's own posts; a repost is never pinned.
                status["pinned"] = bool(counts.pinned) and p.reblog_of_id is None
                status["muted"] = bool(counts.muted)
            if hits := self.filter_hits.get(p.pk):
                status["filtered"] = [filter_result(h) for h in hits]
            status["reblog"] = reblog
            status["poll"] = polls_dicts.get(p.pk)
            return status

        return [build(p) for p in posts]

    def _match_filters(
        self,
        posts: list[Post],
        everything: dict[int, Post],
        media: dict[int, list[dict[str, Any]]],
        polls: dict[int, dict[str, Any]],
    ) -> None:
        """Which of the viewer's filters cover each post, looked up in what it shows: a repost by its
        original's words, and by either id for a post filtered by hand (as Mastodon does)."""
        for p in everything.values():
            original = everything.get(p.reblog_of_id, p) if p.reblog_of_id is not None else p
            poll = polls.get(original.pk)
            text = searchable_text(
                text=original.text,
                spoiler_text=original.spoiler_text,
                poll_options=[o["title"] for o in poll["options"]] if poll else (),
                descriptions=[m["description"] or "" for m in media.get(original.pk, ())],
            )
            if hits := self.filters.hits({p.pk, original.pk}, text):
                self.filter_hits[p.pk] = hits

    def _status_shown(
        self, p: Post, username: str, is_reblog: bool, lists: tuple[Any, Any] | None
    ) -> dict[str, Any]:
        """A Status as every viewer sees it, from ``STATUS_MEMO`` when nothing it shows has changed:
        without its account, media and poll, and with the counts and the viewer's flags at zero and
        false (``statuses`` sets those). ``lists``: the post's mentions and tags as
        ``status_details_sql`` reads them."""
        mention_list, tag_list = lists if lists is not None else (None, None)
        inputs = (
            username, is_reblog, p.created_at, p.edited_at, p.text, p.content_html, p.spoiler_text,
            p.sensitive, p.language, p.audience, p.unlisted, p.unit_id, p.min_rank, p.in_reply_to_id,
            p.in_reply_to_account_id, mention_list, tag_list,
        )  # fmt: skip
        key = (self.schema, self.base, p.pk)
        if (shown := STATUS_MEMO.get(key, inputs)) is not None:
            return shown  # type: ignore[no-any-return]
        account_url = f"{self.base}/@{username}"
        shown = {
            "id": str(p.pk),
            "uri": f"{self.base}/users/{username}/statuses/{p.pk}",
            "url": f"{account_url}/{p.pk}",
            "created_at": iso(p.created_at),
            "account": None,
            "content": "" if is_reblog else (p.content_html or _plain_note(p.text)),
            "visibility": visibility_of(p),
            "sensitive": p.sensitive,
            "spoiler_text": p.spoiler_text,
            "media_attachments": [],
            "application": None,
            "mentions": [_mention(m, self.base) for m in _json_items(mention_list)],
            "tags": [
                {"name": t["display"] or t["name"], "url": f"{self.base}/tags/{t['name']}"}
                for t in _json_items(tag_list)
            ],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": str(p.in_reply_to_id) if p.in_reply_to_id else None,
            "in_reply_to_account_id": str(p.in_reply_to_account_id) if p.in_reply_to_account_id else None,
            "reblog": None,
            "poll": None,
            "card": None,
            "language": p.language or None,
            "edited_at": iso(p.edited_at),
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "filtered": [],
            "bt_audience": {
                "kind": p.audience,
                "unit_id": str(p.unit_id) if p.unit_id else None,
                "min_rank": p.min_rank,
            },
        }
        STATUS_MEMO.put(key, inputs, shown)
        return shown

    # -- media, polls -----------------------------------------------------------------------------

    def media(self, m: MediaAttachment) -> dict[str, Any]:
        url = self.base + m.file.url if m.file else None
        preview = self.base + m.preview.url if m.preview else url
        meta: dict[str, Any] = {"focus": {"x": m.focus_x, "y": m.focus_y}}
        if m.width and m.height:
            meta["original"] = {
                "width": m.width,
                "height": m.height,
                "size": f"{m.width}x{m.height}",
                "aspect": m.width / m.height,
            }
        if m.preview_width and m.preview_height:
            meta["small"] = {
                "width": m.preview_width,
                "height": m.preview_height,
                "size": f"{m.preview_width}x{m.preview_height}",
                "aspect": m.preview_width / m.preview_height,
            }
        return {
            "id": str(m.pk),
            "type": m.kind or "image",
            "url": url,
            "preview_url": preview,
            "remote_url": None,
            "preview_remote_url": None,
            "text_url": None,
            "meta": meta,
            "description": m.description or None,
            "blurhash": m.blurhash or None,
        }

    def poll(self, poll: Poll) -> dict[str, Any]:
        return self.polls([poll])[0]

    def polls(self, polls: list[Poll]) -> list[dict[str, Any]]:
        own: dict[int, list[int]] = defaultdict(list)
        if self.viewer.id is not None and polls:
            for poll_id, position in PollVote.objects.filter(
                poll_id__in=[p.pk for p in polls], voter_id=self.viewer.id
            ).values_list("poll_id", "option__position"):
                own[poll_id].append(position)
        now = timezone.now()
        out = []
        for poll in polls:
            expired = poll.expires_at <= now
            post_author = getattr(poll, "_author_id", None)
            show_totals = not poll.hide_totals or expired or post_author == self.viewer.id
            out.append(
                {
                    "id": str(poll.pk),
                    "expires_at": iso(poll.expires_at),
                    "expired": expired,
                    "multiple": poll.multiple,
                    "votes_count": poll.votes_count,
                    "voters_count": poll.voters_count,
                    "options": [
                        {"title": o.title, "votes_count": o.votes_count if show_totals else None}
                        for o in poll.options.all()
                    ],
                    "emojis": [],
                    "voted": bool(own.get(poll.pk)),
                    "own_votes": sorted(own.get(poll.pk, [])),
                }
            )
        return out

    # -- others -----------------------------------------------------------------------------------

    def tag(self, name: str, display: str | None = None, *, following: bool | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"name": display or name, "url": f"{self.base}/tags/{name}", "history": []}
        if following is not None:
            data["following"] = following
        return data


# -- keyword filters ------------------------------------------------------------------------------


def filter_keyword(k: FilterKeyword) -> dict[str, Any]:
    return {"id": str(k.pk), "keyword": k.keyword, "whole_word": k.whole_word}


def filter_status(s: FilterStatus) -> dict[str, Any]:
    return {"id": str(s.pk), "status_id": str(s.post_id)}


def _filter_head(
    pk: int, title: str, contexts: Iterable[str], expires_at: datetime | None, action: str
) -> dict[str, Any]:
    """Mastodon's Filter without its keywords and posts: whole in a FilterResult, the start of a Filter."""
    return {
        "id": str(pk),
        "title": title,
        "context": list(contexts),
        "expires_at": iso(expires_at),
        "filter_action": action,
    }


def filter_entity(f: Filter) -> dict[str, Any]:
    """Mastodon's Filter (v2), with its keywords and posts (prefetched by ``filters.selectors``)."""
    return {
        **_filter_head(f.pk, f.title, f.contexts, f.expires_at, f.action),
        "keywords": [filter_keyword(k) for k in f.keywords.all()],
        "statuses": [filter_status(s) for s in f.statuses.all()],
    }


def filter_v1(f: Filter, k: FilterKeyword) -> dict[str, Any]:
    """Mastodon's V1::Filter: one keyword of a filter, known by the keyword's id."""
    return {
        "id": str(k.pk),
        "phrase": k.keyword,
        "context": list(f.contexts),
        "whole_word": k.whole_word,
        "expires_at": iso(f.expires_at),
        "irreversible": f.action == "hide",
    }


def filter_result(hit: Hit) -> dict[str, Any]:
    """Mastodon's FilterResult. The filter comes without its keywords and posts, as Mastodon sends it:
    apps need its title, contexts and action here, and a page would grow by every keyword."""
    f: ActiveFilter = hit.filter
    return {
        "filter": _filter_head(f.id, f.title, f.contexts, f.expires_at, f.action),
        "keyword_matches": list(hit.keyword_matches) if hit.keyword_matches else None,
        "status_matches": [str(pk) for pk in hit.status_matches] if hit.status_matches else None,
    }
