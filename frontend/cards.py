"""Posts prepared for the templates, loaded in batches: a page of cards costs a fixed number of queries.

The selectors decide which posts a viewer sees; this module only gathers, for those posts, what a
card shows (author with unit and rank, images, poll, counts and the viewer's own flags). Counts come
from ``posts.selectors.status_stats``, which counts replies and reposts only where the viewer may
see them, so a number on a card never reveals a hidden post.

Given the page's filter context, ``build`` also applies the viewer's keyword filters (``filters``):
a post a "hide" filter covers there gets no card, a "warn" one's card is collapsed behind the filter's
title, a "blur" one's images are. Every list of posts goes through here, so each page gets them alike;
one who has no filters costs no query for it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from directory.models import Employee, OrgUnit, Rank
from filters.models import Action
from filters.selectors import NO_FILTERS, FilterSet, active_filters, searchable_text
from policy import Viewer
from posts.models import Audience, MediaAttachment, Poll, Post
from posts.selectors import STATS_FIELDS, PostStats, poll_own_votes, status_stats

NO_STATS = PostStats(0, 0, 0, False, False, False)


def avatar_url(employee: Employee) -> str:
    if employee.photo:
        return str(employee.photo.url)
    # Same address the API gives (api.avatars): the name is in the version, so new initials show.
    version = hashlib.blake2b(
        f"{employee.family_name}|{employee.given_name}|{employee.name_latin}".encode(), digest_size=4
    ).hexdigest()
    return f"/avatars/{employee.pk}/initials.png?v={version}"


@dataclass
class Person:
    employee: Employee
    unit: OrgUnit | None
    rank_name: str

    @property
    def pk(self) -> int:
        return int(self.employee.pk)

    @property
    def name(self) -> str:
        return self.employee.display_name or self.employee.username

    @property
    def username(self) -> str:
        return self.employee.username

    @property
    def avatar(self) -> str:
        return avatar_url(self.employee)

    @property
    def url(self) -> str:
        # Built here rather than with {% url %} in the card templates: a page of 40 cards reversed
        # some 300 URLs, a fifth of its rendering time. Shapes match frontend/urls.py (tested).
        return f"/@{self.employee.username}"


@dataclass
class PollView:
    poll: Poll
    options: list[Any]
    own_votes: list[int]
    expired: bool

    @property
    def show_results(self) -> bool:
        return self.expired or bool(self.own_votes)


@dataclass
class Card:
    """One post on a page. For a repost, ``post`` is the original and ``reposted_by`` who shared it."""

    entry: Post
    post: Post
    author: Person
    stats: PostStats
    media: list[MediaAttachment] = field(default_factory=list)
    poll: PollView | None = None
    reposted_by: Person | None = None
    audience_unit: OrgUnit | None = None
    in_reply_to: Person | None = None
    # Titles of the viewer's filters that cover the post where it is shown: "warn" ones collapse the
    # card, "blur" ones (when none warns) its images.
    warned_by: tuple[str, ...] = ()
    blurred_by: tuple[str, ...] = ()

    # Ids as text: a template renders an int through the locale's number formatting, which cost a
    # tenth of the home page's rendering time for the ~16 ids of 40 cards (bench/web.py, cProfile).
    @property
    def id(self) -> str:
        return str(self.entry.pk)

    @property
    def pid(self) -> str:
        """The shown post's id (the original, for a repost)."""
        return str(self.post.pk)

    @property
    def url(self) -> str:
        return f"/@{self.author.employee.username}/{self.post.pk}"

    @property
    def actions(self) -> str:
        """Where the post's actions live (``/posts/<id>/favourite`` and so on, frontend/urls.py)."""
        return f"/posts/{self.post.pk}"

    @property
    def audience(self) -> str:
        return str(self.post.audience)

    @property
    def is_company(self) -> bool:
        return self.post.audience == Audience.COMPANY


class People:
    """Employees with their unit and rank names, loaded once per page."""

    def __init__(self) -> None:
        self._ranks: dict[int, str] | None = None
        self._units: dict[int, OrgUnit] = {}

    @property
    def ranks(self) -> dict[int, str]:
        if self._ranks is None:
            self._ranks = dict(Rank.objects.values_list("level", "name"))
        return self._ranks

    def load_units(self, ids: set[int]) -> None:
        missing = {i for i in ids if i not in self._units}
        if missing:
            self._units.update({u.pk: u for u in OrgUnit.objects.filter(pk__in=missing)})

    def person(self, employee: Employee) -> Person:
        unit = self._units.get(employee.unit_id) if employee.unit_id else None
        return Person(employee=employee, unit=unit, rank_name=self.ranks.get(employee.rank_level, ""))

    def people(self, employees: list[Employee]) -> list[Person]:
        self.load_units({e.unit_id for e in employees if e.unit_id})
        return [self.person(e) for e in employees]


def build(
    viewer: Viewer,
    entries: list[Post],
    people: People | None = None,
    *,
    context: str | None = None,
    unfiltered: Collection[int] = (),
) -> list[Card]:
    """Cards for ``entries`` (posts the selectors returned), in order. Six queries or fewer in all, one
    more for a viewer with keyword filters when the page has a filter ``context`` (``filters.models.
    Context``): then the entries those filters hide there are left out, except ``unfiltered`` ones (a
    thread's page shows the post it was asked for, as Mastodon does)."""
    if not entries:
        return []
    filters = active_filters(viewer) if context else NO_FILTERS
    people = people or People()
    originals: dict[int, Post] = {}
    for entry in entries:
        original = entry.reblog_of if entry.reblog_of_id else entry
        assert original is not None
        originals[original.pk] = original
    posts = list(originals.values())
    authors: dict[int, Employee] = {}
    for entry in entries:
        authors[entry.author_id] = entry.author
    for post in posts:
        authors[post.author_id] = post.author
    reply_to_ids = {p.in_reply_to_account_id for p in posts if p.in_reply_to_account_id}
    missing = reply_to_ids - authors.keys()
    if missing:
        authors.update({e.pk: e for e in Employee.objects.filter(pk__in=missing)})
    people.load_units(
        {e.unit_id for e in authors.values() if e.unit_id} | {p.unit_id for p in posts if p.unit_id}
    )
    # The home timeline's rows carry each original's counts and flags and whether it has media or a
    # poll (``posts.selectors.status_details_sql``): then the stats query is saved, and media and polls
    # are read only for the posts that have any. Other pages read all three.
    preloaded = {e.reblog_of_id or e.pk: e for e in entries if getattr(e, "details_of_original", False)}
    if preloaded.keys() >= originals.keys():
        stats = {pk: PostStats(*(getattr(row, f) for f in STATS_FIELDS)) for pk, row in preloaded.items()}
        with_media = [pk for pk, row in preloaded.items() if row.has_media]  # type: ignore[attr-defined]
        with_poll = [pk for pk, row in preloaded.items() if row.has_poll]  # type: ignore[attr-defined]
    else:
        stats = status_stats(viewer, originals.keys())
        with_media = with_poll = list(originals)
    media: dict[int, list[MediaAttachment]] = defaultdict(list)
    if with_media:
        for item in MediaAttachment.objects.filter(post_id__in=with_media).order_by("position"):
            media[item.post_id].append(item)  # type: ignore[index]
    polls = (
        {p.post_id: p for p in Poll.objects.filter(post_id__in=with_poll).prefetch_related("options")}
        if with_poll
        else {}
    )
    votes = poll_own_votes(viewer, [p.pk for p in polls.values()]) if polls else {}
    from django.utils import timezone

    now = timezone.now()
    cards = []
    for entry in entries:
        post = originals[entry.reblog_of_id or entry.pk]
        poll = polls.get(post.pk)
        warned_by: tuple[str, ...] = ()
        blurred_by: tuple[str, ...] = ()
        if filters and context and entry.pk not in unfiltered:
            shown = _filtered(filters, context, entry, post, media.get(post.pk, []), poll)
            if shown is None:
                continue
            warned_by, blurred_by = shown
        cards.append(
            Card(
                entry=entry,
                post=post,
                author=people.person(authors[post.author_id]),
                stats=stats.get(post.pk, NO_STATS),
                media=media.get(post.pk, []),
                poll=PollView(
                    poll=poll,
                    options=list(poll.options.all()),
                    own_votes=votes.get(poll.pk, []),
                    expired=poll.expires_at <= now,
                )
                if poll
                else None,
                reposted_by=people.person(authors[entry.author_id]) if entry.reblog_of_id else None,
                audience_unit=people._units.get(post.unit_id) if post.unit_id else None,
                in_reply_to=people.person(authors[post.in_reply_to_account_id])
                if post.in_reply_to_account_id in authors
                else None,
                warned_by=warned_by,
                blurred_by=blurred_by,
            )
        )
    return cards


def _filtered(
    filters: FilterSet,
    context: str,
    entry: Post,
    post: Post,
    media: list[MediaAttachment],
    poll: Poll | None,
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """How the viewer's filters in force in ``context`` show an entry: None when one hides it, else the
    titles of those that warn and (unless one warns) blur. Looked up in what the card shows, as the API
    does (``api.entities``): a repost by its original's words, by either id for a post filtered by hand."""
    text = searchable_text(
        text=post.text,
        spoiler_text=post.spoiler_text,
        poll_options=[o.title for o in poll.options.all()] if poll else (),
        descriptions=[m.description or "" for m in media],
    )
    hits = [h.filter for h in filters.hits({entry.pk, post.pk}, text) if context in h.filter.contexts]
    if any(f.action == Action.HIDE for f in hits):
        return None
    warned = tuple(f.title for f in hits if f.action == Action.WARN)
    blurred = () if warned else tuple(f.title for f in hits if f.action == Action.BLUR)
    return warned, blurred
