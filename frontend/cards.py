"""Posts prepared for the templates, loaded in batches: a page of cards costs a fixed number of queries.

The selectors decide which posts a viewer sees; this module only gathers, for those posts, what a
card shows (author with unit and rank, images, poll, counts and the viewer's own flags). Counts come
from ``posts.selectors.status_stats``, which counts replies and reposts only where the viewer may
see them, so a number on a card never reveals a hidden post.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from directory.models import Employee, OrgUnit, Rank
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


def build(viewer: Viewer, entries: list[Post], people: People | None = None) -> list[Card]:
    """Cards for ``entries`` (posts the selectors returned), in order. Six queries or fewer in all."""
    if not entries:
        return []
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
            )
        )
    return cards
