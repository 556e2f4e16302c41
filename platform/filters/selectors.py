"""A viewer's keyword filters: read once per request (no query at all for the many who have none) and
matched against the posts a page shows, after ``policy`` chose them. A filter never widens what anyone
sees; it only hides or marks, for its owner, posts they may already see."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from common.compiled import CompiledQuery, Slot
from filters.models import Action, Filter, FilterKeyword, FilterStatus
from policy import Viewer

# A Hangul syllable: in Korean a word takes its particles and endings without a space ("점심은",
# "회의록을"), so a whole-word keyword ending in one may be followed by more Hangul, never by Latin
# letters or digits. Elsewhere a word boundary, as Mastodon's whole_word.
_HANGUL = "\uac00-\ud7a3"
_WORD_START = re.compile(r"^\w")
_WORD_END = re.compile(r"\w$")
_HANGUL_END = re.compile(f"[{_HANGUL}]$")


def keyword_pattern(keyword: str, whole_word: bool) -> str:
    """The regular expression a keyword matches with (case-insensitive), as Mastodon builds it: a plain
    substring, or for ``whole_word`` one bounded where the keyword starts and ends with a word
    character."""
    body = re.escape(keyword)
    if not whole_word:
        return body
    start = r"\b" if _WORD_START.search(keyword) else ""
    if _HANGUL_END.search(keyword):
        end = rf"(?![^\W{_HANGUL}])"
    elif _WORD_END.search(keyword):
        end = r"\b"
    else:
        end = ""
    return start + body + end


@dataclass(frozen=True, slots=True)
class ActiveFilter:
    id: int
    title: str
    contexts: tuple[str, ...]
    action: str
    expires_at: datetime | None
    keywords: tuple[str, ...]
    whole_words: tuple[bool, ...]
    post_ids: frozenset[int]

    def compiled(self) -> tuple[re.Pattern[str] | None, tuple[re.Pattern[str], ...]]:
        singles = tuple(
            re.compile(keyword_pattern(k, w), re.IGNORECASE)
            for k, w in zip(self.keywords, self.whole_words, strict=True)
        )
        if not singles:
            return None, ()
        anyone = re.compile("|".join(f"(?:{p.pattern})" for p in singles), re.IGNORECASE)
        return anyone, singles


@dataclass(frozen=True, slots=True)
class Hit:
    """One filter that covers a post (Mastodon's FilterResult): by which of its keywords, or because
    the post itself was filtered."""

    filter: ActiveFilter
    keyword_matches: tuple[str, ...] | None
    status_matches: tuple[int, ...] | None


class FilterSet:
    """The viewer's unexpired filters, compiled once."""

    def __init__(self, filters: Iterable[ActiveFilter]) -> None:
        self.filters = tuple(filters)
        self._compiled = [(f, *f.compiled()) for f in self.filters]

    def __bool__(self) -> bool:
        return bool(self.filters)

    def hits(self, post_ids: Collection[int], text: str) -> tuple[Hit, ...]:
        """The filters covering a post known by ``post_ids`` (a repost's and its original's) whose
        searchable ``text`` (``searchable_text``) is given."""
        found = []
        for f, anyone, singles in self._compiled:
            words = None
            if anyone is not None and anyone.search(text):
                words = tuple(k for k, p in zip(f.keywords, singles, strict=True) if p.search(text))
            posts = tuple(pk for pk in post_ids if pk in f.post_ids) or None
            if words or posts:
                found.append(Hit(f, words or None, posts))
        return tuple(found)


NO_FILTERS = FilterSet(())


def hidden_in(hits: Iterable[Hit], context: str) -> bool:
    """Whether a post with these hits is left out where ``context`` shows it."""
    return any(h.filter.action == Action.HIDE and context in h.filter.contexts for h in hits)


def searchable_text(
    *, text: str, spoiler_text: str = "", poll_options: Iterable[str] = (), descriptions: Iterable[str] = ()
) -> str:
    """What keywords are looked for in, as Mastodon does: the content warning, the text, the poll's
    options and the images' descriptions."""
    parts = [spoiler_text, text, *poll_options, *descriptions]
    return "\n\n".join(p for p in parts if p)


def active_filters(viewer: Viewer) -> FilterSet:
    """The viewer's filters now in force, in one statement; none read for one who has never made any.
    Kept on the viewer, which lives for one request: a web page reads them for its cards and again for
    the unread badge."""
    employee = viewer.employee
    if employee is None or not employee.has_filters:
        return NO_FILTERS
    found = viewer.__dict__.get(_KEPT)
    if found is None:
        found = viewer.__dict__[_KEPT] = FilterSet(
            _active(f) for f in _active_filters_query().fetch([employee.pk])
        )
    return found  # type: ignore[no-any-return]


_KEPT = "_keyword_filters"


def active_filters_of(employee_ids: Collection[int]) -> dict[int, tuple[ActiveFilter, ...]]:
    """``active_filters`` of many employees in one statement (the stream servers' readers); only those
    with filters in force come back."""
    if not employee_ids:
        return {}
    rows = _with_rules_listed(
        Filter.objects.filter(owner_id__in=list(employee_ids)).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )
    ).order_by("owner_id", "id")
    by_owner: dict[int, list[ActiveFilter]] = defaultdict(list)
    for f in rows:
        by_owner[f.owner_id].append(_active(f))
    return {owner: tuple(found) for owner, found in by_owner.items()}


@functools.cache
def _active_filters_query() -> CompiledQuery[Filter]:
    """Compiled once per process (``common.compiled``): building this queryset took as long as running
    it (bench/RESULTS.md, "Timelines", thirteenth session)."""
    unexpired = ["owner_id = %s", "(expires_at IS NULL OR expires_at > now())"]
    owned = Filter.objects.extra(where=unexpired, params=[Slot(0)])  # noqa: S610 (constant SQL)
    return CompiledQuery(_with_rules_listed(owned).order_by("id"))


def _with_rules_listed(filters: QuerySet[Filter]) -> QuerySet[Filter]:
    """Each filter with its keywords, their whole-word flags and its posts as arrays."""
    keywords = FilterKeyword.objects.filter(filter=OuterRef("pk")).order_by("id")
    return filters.annotate(
        keyword_list=ArraySubquery(keywords.values("keyword")),
        whole_word_list=ArraySubquery(keywords.values("whole_word")),
        post_id_list=ArraySubquery(FilterStatus.objects.filter(filter=OuterRef("pk")).values("post_id")),
    )


def _active(f: Filter) -> ActiveFilter:
    return ActiveFilter(
        id=f.pk,
        title=f.title,
        contexts=tuple(f.contexts),
        action=f.action,
        expires_at=f.expires_at,
        keywords=tuple(f.keyword_list),  # type: ignore[attr-defined]
        whole_words=tuple(f.whole_word_list),  # type: ignore[attr-defined]
        post_ids=frozenset(f.post_id_list),  # type: ignore[attr-defined]
    )


def hiding_filters(viewer: Viewer, context: str) -> FilterSet:
    """The viewer's filters that leave posts out in ``context`` (no query for one without filters)."""
    found = active_filters(viewer)
    if not found:
        return NO_FILTERS
    return FilterSet(f for f in found.filters if f.action == Action.HIDE and context in f.contexts)


def hidden_post_ids(viewer: Viewer, filters: FilterSet, post_ids: Collection[int]) -> set[int]:
    """Which of these posts ``filters`` (the viewer's) cover, from each post's searchable text (a
    repost's original's), read in one statement through ``policy.visible_posts``: for counts, where a
    page's rendering is not at hand (the unread badge)."""
    from policy import visible_posts
    from posts.models import MediaAttachment, PollOption

    if not filters or not post_ids:
        return set()

    def options(post: str) -> ArraySubquery:
        return ArraySubquery(
            PollOption.objects.filter(poll__post=OuterRef(post)).order_by("position").values("title")
        )

    def descriptions(post: str) -> ArraySubquery:
        return ArraySubquery(MediaAttachment.objects.filter(post=OuterRef(post)).values("description"))

    rows = (
        visible_posts(viewer)
        .filter(pk__in=list(post_ids))
        .annotate(
            own_options=options("pk"),
            own_descriptions=descriptions("pk"),
            original_options=options("reblog_of_id"),
            original_descriptions=descriptions("reblog_of_id"),
        )
        .values_list(
            "pk",
            "reblog_of_id",
            "text",
            "spoiler_text",
            "reblog_of__text",
            "reblog_of__spoiler_text",
            "own_options",
            "own_descriptions",
            "original_options",
            "original_descriptions",
        )
    )
    hidden = set()
    for pk, original, text, spoiler, o_text, o_spoiler, opts, descs, o_opts, o_descs in rows:
        if original is not None:
            text, spoiler, opts, descs = o_text or "", o_spoiler or "", o_opts, o_descs
        searchable = searchable_text(text=text, spoiler_text=spoiler, poll_options=opts, descriptions=descs)
        if filters.hits({pk} if original is None else {pk, original}, searchable):
            hidden.add(pk)
    return hidden


def filter_list(viewer: Viewer) -> list[Filter]:
    """The viewer's own filters, expired ones too (an app shows them as expired), with their keywords
    and posts: three statements."""
    if viewer.employee is None:
        return []
    return list(_with_rules(Filter.objects.filter(owner=viewer.employee)).order_by("id"))


def filter_get(viewer: Viewer, filter_id: int | str, *, with_rules: bool = False) -> Filter:
    """One of the viewer's filters (``with_rules``: its keywords and posts read too); anyone else's is
    missing (404)."""
    rows = _with_rules(Filter.objects.all()) if with_rules else Filter.objects.all()
    return _own(viewer, rows, "owner", filter_id)


def _with_rules(filters: QuerySet[Filter]) -> QuerySet[Filter]:
    return filters.prefetch_related(
        Prefetch("keywords", FilterKeyword.objects.order_by("id")),
        Prefetch("statuses", FilterStatus.objects.order_by("id")),
    )


def filter_keyword_get(viewer: Viewer, keyword_id: int | str) -> FilterKeyword:
    return _own(viewer, FilterKeyword.objects.select_related("filter"), "filter__owner", keyword_id)


def filter_status_get(viewer: Viewer, status_id: int | str) -> FilterStatus:
    return _own(viewer, FilterStatus.objects.select_related("filter"), "filter__owner", status_id)


M = TypeVar("M", Filter, FilterKeyword, FilterStatus)


def _own(viewer: Viewer, rows: QuerySet[M], owner: str, pk: int | str) -> M:
    if viewer.employee is None or not str(pk).isdigit():
        raise Http404
    try:
        return rows.get(pk=int(pk), **{owner: viewer.employee})
    except rows.model.DoesNotExist as missing:
        raise Http404 from missing
