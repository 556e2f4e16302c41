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
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone
from rest_framework.request import Request

from directory.models import Employee, Rank
from policy import Viewer
from posts.models import (
    Audience,
    MediaAttachment,
    Mention,
    Poll,
    PollVote,
    Post,
    PostHashtag,
)
from social.models import Follow

DEFAULT_HEADER = "/static/frontend/header.png"


def iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with milliseconds, as Mastodon writes it (2024-01-02T03:04:05.678Z)."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


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


class Entities:
    def __init__(self, request: Request, viewer: Viewer) -> None:
        self.request = request
        self.viewer = viewer
        self.base = f"{request.scheme}://{request.get_host()}"
        self._rank_names: dict[int, str] | None = None
        self._accounts: dict[int, dict[str, Any]] = {}

    # -- accounts ---------------------------------------------------------------------------------

    @property
    def rank_names(self) -> dict[int, str]:
        if self._rank_names is None:
            self._rank_names = dict(Rank.objects.values_list("level", "name"))
        return self._rank_names

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
            self._load_accounts(missing)
        return [self._accounts[e.pk] for e in employees]

    def account(self, employee: Employee) -> dict[str, Any]:
        return self.accounts([employee])[0]

    def _load_accounts(self, employees: list[Employee]) -> None:
        ids = [e.pk for e in employees]
        followers = dict(
            Follow.objects.filter(followee_id__in=ids)
            .values("followee_id")
            .annotate(n=Count("id"))
            .values_list("followee_id", "n")
        )
        following = dict(
            Follow.objects.filter(follower_id__in=ids)
            .values("follower_id")
            .annotate(n=Count("id"))
            .values_list("follower_id", "n")
        )
        # Only company-wide posts are counted: a count over every post would reveal unit, followers-only
        # and direct posts to colleagues who may not see them.
        statuses = {
            row["author_id"]: (row["n"], row["last"])
            for row in Post.objects.filter(author_id__in=ids, audience=Audience.COMPANY)
            .values("author_id")
            .annotate(n=Count("id"), last=Max("created_at"))
        }
        units = {e.unit_id for e in employees if e.unit_id is not None}
        unit_rows: dict[int, Any] = {}
        if units:
            from directory.models import OrgUnit

            unit_rows = {u.pk: u for u in OrgUnit.objects.filter(pk__in=units)}
        for e in employees:
            unit = unit_rows.get(e.unit_id) if e.unit_id is not None else None
            count, last = statuses.get(e.pk, (0, None))
            avatar = self.avatar_url(e)
            self._accounts[e.pk] = {
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
                "followers_count": followers.get(e.pk, 0),
                "following_count": following.get(e.pk, 0),
                "statuses_count": count,
                "last_status_at": iso_date(last),
                "hide_collections": False,
                "emojis": [],
                "fields": [],
                "roles": [],
                "suspended": not e.is_active or None,
                "bt": {
                    "unit": {"id": str(unit.pk), "name": unit.name, "path": unit.path} if unit else None,
                    "rank": {"level": e.rank_level, "name": self.rank_names.get(e.rank_level, "")},
                    "title": e.title,
                    "role": e.role,
                },
            }
            if self._accounts[e.pk]["suspended"] is None:
                del self._accounts[e.pk]["suspended"]

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
            loaded = {
                p.reblog_of_id: p.reblog_of
                for p in posts
                if p.reblog_of_id is not None and Post.reblog_of.is_cached(p)
            }  # type: ignore[attr-defined]
            originals.update({k: v for k, v in loaded.items() if v is not None})
            rest = [i for i in originals_needed if i not in originals]
            if rest:
                originals.update({p.pk: p for p in Post.objects.filter(pk__in=rest)})
        everything = {p.pk: p for p in posts}
        everything.update(originals)
        ids = list(everything)
        author_ids = {p.author_id for p in everything.values()}

        authors = {e.pk: e for e in Employee.objects.filter(pk__in=author_ids)}
        accounts = dict(zip(authors, self.accounts(authors.values()), strict=True))

        media: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for m in MediaAttachment.objects.filter(post_id__in=ids).order_by("post_id", "position", "id"):
            media[m.post_id].append(self.media(m))  # type: ignore[index]

        mentions: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for post_id, emp_id, username in Mention.objects.filter(post_id__in=ids).values_list(
            "post_id", "employee_id", "employee__username"
        ):
            mentions[post_id].append(
                {"id": str(emp_id), "username": username, "acct": username, "url": f"{self.base}/@{username}"}
            )

        tags: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for post_id, name, display in PostHashtag.objects.filter(post_id__in=ids).values_list(
            "post_id", "hashtag__name", "hashtag__display_name"
        ):
            tags[post_id].append({"name": display or name, "url": f"{self.base}/tags/{name}"})

        polls = {
            poll.post_id: poll for poll in Poll.objects.filter(post_id__in=ids).prefetch_related("options")
        }
        for post_id, poll in polls.items():
            poll._author_id = everything[post_id].author_id  # type: ignore[attr-defined]
        polls_dicts = dict(zip(polls, self.polls(list(polls.values())), strict=True)) if polls else {}

        from posts.selectors import status_stats

        stats = status_stats(self.viewer, ids)

        def build(p: Post) -> dict[str, Any]:
            reblog = None
            if p.reblog_of_id is not None and p.reblog_of_id in originals:
                reblog = build(originals[p.reblog_of_id])
            counts = stats.get(p.pk)
            account = accounts[p.author_id]
            return {
                "id": str(p.pk),
                "uri": f"{account['uri']}/statuses/{p.pk}",
                "url": f"{account['url']}/{p.pk}",
                "created_at": iso(p.created_at),
                "account": account,
                "content": "" if reblog else (p.content_html or _plain_note(p.text)),
                "visibility": visibility_of(p),
                "sensitive": p.sensitive,
                "spoiler_text": p.spoiler_text,
                "media_attachments": media.get(p.pk, []),
                "application": None,
                "mentions": mentions.get(p.pk, []),
                "tags": tags.get(p.pk, []),
                "emojis": [],
                "reblogs_count": counts.reblogs_count if counts else 0,
                "favourites_count": counts.favourites_count if counts else 0,
                "replies_count": counts.replies_count if counts else 0,
                "in_reply_to_id": str(p.in_reply_to_id) if p.in_reply_to_id else None,
                "in_reply_to_account_id": (
                    str(p.in_reply_to_account_id) if p.in_reply_to_account_id else None
                ),
                "reblog": reblog,
                "poll": polls_dicts.get(p.pk),
                "card": None,
                "language": p.language or None,
                "edited_at": iso(p.edited_at),
                "favourited": bool(counts and counts.favourited),
                "reblogged": bool(counts and counts.reblogged),
                "muted": False,
                "bookmarked": bool(counts and counts.bookmarked),
                "pinned": False,
                "filtered": [],
                "bt_audience": {
                    "kind": p.audience,
                    "unit_id": str(p.unit_id) if p.unit_id else None,
                    "min_rank": p.min_rank,
                },
            }

        return [build(p) for p in posts]

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
