"""Search reads: posts by full text, people, hashtags, and trending hashtags and posts.

Every post read starts from ``policy.visible_posts`` (VISIBILITY.md); the index only proposes
candidates, and each candidate is re-checked against the post's text, so an index entry can never
surface a post the viewer may not see, nor a post that no longer says what was searched for.

How a text search runs (issue 8's measurements): a GIN lookup over application-computed bigrams answers
a rare word in well under a millisecond, but for a common word the same lookup returns hundreds of
thousands of candidates, while simply reading the newest posts finds 20 matches after a few hundred
rows. So the plan is chosen here, from the per-token document counts, not left to the planner:

- rare (the rarest token of the search is in at most ``sqrt(wanted × indexed posts)`` posts, where the
  two costs cross): fetch the candidate ids from the GIN index (in a MATERIALIZED CTE so the planner
  cannot swap in a backward scan of the primary key), then read them through the visibility filter,
  newest first, in chunks until the page is full;
- common: scan the newest posts through the visibility filter with the text re-check and a LIMIT,
  bounded to a window of the newest posts sized from the same counts; if the window does not fill the
  page (a word common last year, rare this week), the rest comes from the GIN path below the window.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDay
from django.http import Http404
from django.utils import timezone

from common import snowflake
from common.paging import Page
from directory.models import Employee
from policy import Viewer, dangerously_all_posts, visible_posts
from posts.models import Audience, Hashtag, Post
from posts.text import normalise_tag
from search.models import TokenFrequency
from search.tokens import Term, first_char_range, parse_query, second_char
from social.filters import post_silenced_q

RELATED = ("author", "reblog_of", "reblog_of__author")
# How many of a word's rarest bigrams the GIN lookup uses: the re-check does the rest, and each extra
# common bigram only makes the index decompress a longer posting list.
GIN_TOKENS_PER_TERM = 3
# Candidate ids read through the visibility filter per round.
CHUNK = 1000
# Bounds of the newest-posts window the scan path reads before falling back to the index.
WINDOW_MIN, WINDOW_MAX, WINDOW_SLACK = 2_000, 60_000, 4
HISTORY_DAYS = 7


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


# ---- posts --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How one search will run, and why (bench/search.py prints it)."""

    path: str  # "empty" | "gin" | "scan"
    estimate: int  # at most this many indexed posts can match
    indexed: int  # posts in the index
    tokens: tuple[int, ...]  # what the GIN path asks for
    any_of: bool  # tokens are alternatives (a one-character search) rather than all required


def _frequencies(tokens: set[int]) -> dict[int, int]:
    if not tokens:
        return {}
    rows = TokenFrequency.objects.filter(token__in=[*tokens, TokenFrequency.TOTAL]).values_list(
        "token", "documents"
    )
    return dict(rows)


def _single_char_tokens(ch: str) -> dict[int, int]:
    """Every indexed token holding ``ch`` (as first or second character), with its document count."""
    low, high = first_char_range(ch)
    rows = (
        TokenFrequency.objects.annotate(second=F("token").bitand(0xFFFF))
        .filter(Q(token__gte=low, token__lte=high) | Q(second=second_char(ch)))
        .exclude(token=TokenFrequency.TOTAL)
        .values_list("token", "documents")
    )
    return {t: d for t, d in rows if d > 0}


def plan_for(terms: list[Term], wanted: int) -> Plan:
    if not terms:
        return Plan("empty", 0, 0, (), False)
    counts = _frequencies({t for term in terms for t in term.tokens})
    indexed = max(counts.pop(TokenFrequency.TOTAL, 0), 0) or _indexed_total()
    best: tuple[int, tuple[int, ...], bool] | None = None  # (estimate, tokens, any_of)
    chosen: list[int] = []
    for term in terms:
        if term.single_char:
            continue
        per_token = sorted((counts.get(t, 0), t) for t in term.tokens)
        if per_token[0][0] <= 0:
            return Plan("empty", 0, indexed, (), False)  # a bigram no post has: nothing can match
        chosen.extend(t for _, t in per_token[:GIN_TOKENS_PER_TERM])
        if best is None or per_token[0][0] < best[0]:
            best = (per_token[0][0], (), False)
    if best is not None:
        estimate, tokens, any_of = best[0], tuple(sorted(set(chosen))), False
    else:
        # Only one-character words: the rarest character's tokens, any of which will do.
        options = [_single_char_tokens(term.raw) for term in terms]
        sizes = [sum(o.values()) for o in options]
        if min(sizes) == 0:
            return Plan("empty", 0, indexed, (), False)
        rarest = options[sizes.index(min(sizes))]
        estimate, tokens, any_of = min(min(sizes), indexed), tuple(sorted(rarest)), True
    crossover = max(math.sqrt(max(wanted, 1) * max(indexed, 1)), 200.0)
    path = "gin" if estimate <= crossover else "scan"
    return Plan(path, estimate, indexed, tokens, any_of)


def _indexed_total() -> int:
    return (
        TokenFrequency.objects.filter(token=TokenFrequency.TOTAL).values_list("documents", flat=True).first()
        or 0
    )


def _text_q(terms: list[Term]) -> Q:
    q = Q()
    for term in terms:
        q &= Q(text__icontains=term.raw) | Q(spoiler_text__icontains=term.raw)
    return q


def _searchable(viewer: Viewer, terms: list[Term], account_id: int | None) -> QuerySet[Post]:
    # The queryset form of the rules here, not ``visible_sql``: with the SQL form the planner walked
    # common terms' scan path several times slower (bench/search.py: "a" 1.4 s instead of 25 ms).
    posts = (
        visible_posts(viewer)
        .exclude(post_silenced_q(viewer.id))
        .filter(_text_q(terms), reblog_of__isnull=True)
    )
    if account_id is not None:
        posts = posts.filter(author_id=account_id)
    return posts


def _candidates(plan: Plan, *, below: int | None, above: int | None, ascending: bool) -> list[int]:
    op = "&&" if plan.any_of else "@>"
    where: list[str] = [f"tokens {op} %s::int[]"]
    params: list[Any] = [list(plan.tokens)]
    if below is not None:
        where.append("post_id < %s")
        params.append(below)
    if above is not None:
        where.append("post_id > %s")
        params.append(above)
    # Only fixed words are put together here; every value is a parameter.
    sql = (
        f"WITH m AS MATERIALIZED (SELECT post_id FROM search_postdocument WHERE {' AND '.join(where)}) "  # noqa: S608
        f"SELECT post_id FROM m ORDER BY post_id {'ASC' if ascending else 'DESC'}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [r[0] for r in cursor.fetchall()]


@contextmanager
def _no_jit() -> Iterator[None]:
    """Search's planner settings, for the rest of this transaction (one statement):

    - JIT off: the visibility filter's OR of EXISTS subqueries, with a substring filter or a LIMIT the
      planner cannot estimate, is costed as if it read the whole table, which switches on JIT
      compilation: ~170 ms of compiling for a query that runs in a few milliseconds (bench/RESULTS.md).
    - A custom plan for every execution: statements are prepared on second use (settings.services), and
      PostgreSQL may then reuse a generic plan, made without the parameters' values. For a substring
      search the value is everything: with generic plans the common terms took 150–500 ms instead of
      20–40 (bench/search.py), and pg_trgm's index went unused.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)"
        )
        yield


def _ids(posts: QuerySet[Post], order: str, limit: int) -> list[int]:
    return list(posts.order_by(order).values_list("pk", flat=True)[:limit])


def _through_candidates(posts: QuerySet[Post], ids: list[int], wanted: int, ascending: bool) -> list[int]:
    found: list[int] = []
    order = "pk" if ascending else "-pk"
    for start in range(0, len(ids), CHUNK):
        found.extend(_ids(posts.filter(pk__in=ids[start : start + CHUNK]), order, wanted - len(found)))
        if len(found) >= wanted:
            break
    return found


def _window_floor(size: int) -> int | None:
    """The id of the ``size``-th newest post: where the scan path stops."""
    return Post.objects.order_by("-pk").values_list("pk", flat=True)[size : size + 1].first()  # type: ignore[attr-defined]


def _load(ids: list[int]) -> list[Post]:
    """The posts of ``ids``, in that order, with what the entities need. The ids come from a query
    through ``visible_posts`` in this same call; reading them again through it would only repeat the
    filter. (Selecting the related rows in the filtering query itself made the planner, which cannot
    estimate a substring filter, join the employees by a nested loop of sequential scans.)"""
    rows = dangerously_all_posts().filter(pk__in=ids).select_related(*RELATED)
    by_id = {p.pk: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def _matching_ids(
    posts: QuerySet[Post], plan: Plan, page: Page, wanted: int, *, by_author: bool
) -> list[int]:
    """Ids of matching posts in ``page.order_by()`` order, at most ``wanted``."""
    ascending = page.ascending
    below = page.max_id
    above = max(filter(None, (page.min_id, page.since_id)), default=None)
    if by_author:
        # One author's posts: their own index (post_author_recent) is the shortest path.
        return _ids(posts, page.order_by(), wanted)
    if plan.path == "empty":
        return []
    if plan.path == "gin":
        candidates = _candidates(plan, below=below, above=above, ascending=ascending)
        return _through_candidates(posts, candidates, wanted, ascending)
    if ascending:
        return _ids(posts, "pk", wanted)
    window = int(
        min(max(WINDOW_SLACK * wanted * plan.indexed / max(plan.estimate, 1), WINDOW_MIN), WINDOW_MAX)
    )
    # Newest posts first, in bands that grow fourfold up to WINDOW_MAX: a term common in the corpus but
    # absent from the very newest posts (a burst of posts about something else) costs one more band,
    # not a GIN read of every older match (1.5 s for "a" when 1,600 new posts did not contain it).
    found: list[int] = []
    ceiling: int | None = None
    while True:
        floor = _window_floor(window)
        band = posts if floor is None else posts.filter(pk__gte=floor)
        if ceiling is not None:
            band = band.filter(pk__lt=ceiling)
        found.extend(_ids(band, "-pk", wanted - len(found)))
        if len(found) >= wanted or floor is None or window >= WINDOW_MAX:
            break
        ceiling, window = floor, min(window * 4, WINDOW_MAX)
    if len(found) < wanted and floor is not None:
        rest = _candidates(plan, below=min(filter(None, (below, floor))), above=above, ascending=False)
        found.extend(_through_candidates(posts, rest, wanted - len(found), False))
    return found


def status_search(
    viewer: Viewer, query: str, page: Page, *, offset: int = 0, account_id: int | None = None
) -> list[Post]:
    """Posts the viewer may see containing every word of ``query`` (as a substring: "회의" finds
    "주간회의록", "deplo" finds "deployment"), newest first, paged by ``max_id``/``min_id`` or ``offset``."""
    if not viewer.is_active:
        return []
    terms = parse_query(query)
    if not terms:
        return []
    wanted = offset + page.limit
    plan = plan_for(terms, wanted) if account_id is None else Plan("scan", 0, 0, (), False)
    if plan.path == "empty":
        return []
    posts = _searchable(viewer, terms, account_id).filter(**page.id_filter())
    with _no_jit():
        ids = _matching_ids(posts, plan, page, wanted, by_author=account_id is not None)
    ids = ids[offset:] if offset else ids
    return page.arrange(_load(ids))


# ---- hashtags ----------------------------------------------------------------------------------------


@dataclass
class TagResult:
    name: str
    display_name: str
    # Newest day first: (day start, uses, accounts), counted from posts the viewer may see.
    history: list[tuple[datetime, int, int]]
    pk: int | None = None


def _day_starts(now: datetime) -> list[datetime]:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return [today - timedelta(days=i) for i in range(HISTORY_DAYS)]


def _tag_posts(viewer: Viewer) -> QuerySet[Post]:
    """Posts that count for a tag's history and trends: originals the viewer may see, off direct."""
    return visible_posts(viewer).filter(reblog_of__isnull=True).exclude(audience=Audience.DIRECT)


def _histories(
    posts: QuerySet[Post], tag_ids: list[int], now: datetime
) -> dict[int, dict[datetime, tuple[int, int]]]:
    """Per tag, per UTC day of the last week: (uses, distinct accounts) — one grouped query. Time
    ranges are id ranges (ids are time-ordered snowflakes), so they use the primary key."""
    days = _day_starts(now)
    rows = (
        posts.filter(pk__gte=snowflake.lower_bound(days[-1]), post_tags__hashtag_id__in=tag_ids)
        .annotate(tag=F("post_tags__hashtag_id"), day=TruncDay("created_at", tzinfo=UTC))
        .values("tag", "day")
        .annotate(uses=Count("pk"), accounts=Count("author_id", distinct=True))
        .values_list("tag", "day", "uses", "accounts")
    )
    out: dict[int, dict[datetime, tuple[int, int]]] = defaultdict(dict)
    for tag_id, day, uses, accounts in rows:
        out[tag_id][day] = (uses, accounts)
    return out


def _history_list(per_day: dict[datetime, tuple[int, int]], now: datetime) -> list[tuple[datetime, int, int]]:
    return [(day, *per_day.get(day, (0, 0))) for day in _day_starts(now)]


def hashtag_search(viewer: Viewer, query: str, *, limit: int = 20, offset: int = 0) -> list[TagResult]:
    """Hashtags whose name contains the query (after normalise_tag: "#Release" = "release", composed or
    decomposed Hangul alike) and that are on at least one post the viewer may see — a tag used only in
    posts hidden from the viewer does not exist for them. Exact match first, then prefix, then by name."""
    if not viewer.is_active:
        return []
    name = normalise_tag(query.strip())
    if not name:
        return []
    posts = _tag_posts(viewer)
    with _no_jit():
        return _hashtags_named(posts, name, limit, offset)


def _hashtags_named(posts: QuerySet[Post], name: str, limit: int, offset: int) -> list[TagResult]:
    tags = list(
        Hashtag.objects.filter(name__contains=name)
        # Per candidate tag: its uses newest first (post_hashtag_recent) until one the viewer may see.
        .filter(Exists(posts.filter(post_tags__hashtag_id=OuterRef("pk"))))
        .annotate(exact=_flag(Q(name=name)), prefix=_flag(Q(name__startswith=name)))
        .order_by("-exact", "-prefix", "name")
        .values_list("pk", "name", "display_name")[offset : offset + limit]
    )
    if not tags:
        return []
    now = timezone.now()
    history = _histories(posts, [t[0] for t in tags], now)
    return [TagResult(n, d, _history_list(history.get(pk, {}), now), pk) for pk, n, d in tags]


def hashtag_get(viewer: Viewer, name: str) -> TagResult:
    """One hashtag with its week of use, as ``hashtag_search`` finds it: 404 when no post the viewer
    may see carries it (a tag used only where the viewer cannot look does not exist for them), unless
    the viewer follows it (they named it themselves; its history still counts only what they may see)."""
    from social.models import TagFollow

    wanted = normalise_tag(name.strip().lstrip("#"))
    if not viewer.is_active or not wanted:
        raise Http404("Record not found")
    posts = _tag_posts(viewer)
    found = (
        Hashtag.objects.filter(name=wanted)
        .filter(
            Exists(posts.filter(post_tags__hashtag_id=OuterRef("pk")))
            | Exists(TagFollow.objects.filter(employee_id=viewer.id or 0, hashtag_id=OuterRef("pk")))
        )
        .first()
    )
    if found is None:
        raise Http404("Record not found")
    [result] = hashtag_results(viewer, [found])
    return result


def hashtag_results(viewer: Viewer, hashtags: list[Hashtag]) -> list[TagResult]:
    """Hashtags the caller already holds (followed ones, say), each with its week of use counted from
    the posts the viewer may see: one statement (none for an unsaved hashtag, which has no uses)."""
    now = timezone.now()
    ids = [t.pk for t in hashtags if t.pk is not None]
    history = _histories(_tag_posts(viewer), ids, now) if ids and viewer.is_active else {}
    return [
        TagResult(t.name, t.display_name, _history_list(history.get(t.pk, {}), now), t.pk) for t in hashtags
    ]


def trending_tags(viewer: Viewer, *, limit: int = 10, offset: int = 0) -> list[TagResult]:
    """Hashtags rising in the last 24 hours among company-audience posts (no rank floor) that the
    viewer may see, ranked by how many more people used them than on an average day of the week
    before. Counted only from posts the viewer may see, so a barrier or a hidden post changes nothing
    they are shown."""
    if not viewer.is_active:
        return []
    with _no_jit():
        return _trending(viewer, limit, offset)


def _trending(viewer: Viewer, limit: int, offset: int) -> list[TagResult]:
    now = timezone.now()
    company = _tag_posts(viewer).filter(audience=Audience.COMPANY, min_rank__isnull=True)
    recent = (
        company.filter(pk__gte=snowflake.lower_bound(now - timedelta(hours=24)), post_tags__isnull=False)
        .values("post_tags__hashtag_id")
        .annotate(accounts=Count("author_id", distinct=True), uses=Count("pk"))
        .values_list("post_tags__hashtag_id", "accounts", "uses")
    )
    today = {tag_id: (accounts, uses) for tag_id, accounts, uses in recent}
    if not today:
        return []
    # The week's daily counts are both the answer's history and the baseline "rising" is measured
    # against: the average number of people a day over the six days before today.
    history = _histories(company, list(today), now)
    days = _day_starts(now)[1:]

    def baseline(tag_id: int) -> float:
        per_day = history.get(tag_id, {})
        return sum(per_day.get(day, (0, 0))[1] for day in days) / len(days)

    scored = sorted(
        (
            (accounts - baseline(tag_id), accounts, uses, tag_id)
            for tag_id, (accounts, uses) in today.items()
            if accounts > baseline(tag_id)
        ),
        reverse=True,
    )[offset : offset + limit]
    ids = [s[3] for s in scored]
    names = {
        pk: (n, d)
        for pk, n, d in Hashtag.objects.filter(pk__in=ids).values_list("pk", "name", "display_name")
    }
    return [TagResult(names[i][0], names[i][1], _history_list(history.get(i, {}), now), i) for i in ids]


# ---- posts in fashion ---------------------------------------------------------------------------------

TRENDING_POSTS_HOURS = 48


def trending_posts(viewer: Viewer, *, limit: int = 20, offset: int = 0) -> list[Post]:
    """``/api/v1/trends/statuses``: company-audience originals of the last two days that the viewer may
    see, most liked and reposted by others first (the counts every reader of a post sees on it). As on
    the company timeline: no unlisted posts, no replies to others, no one the viewer muted or blocked."""
    if not viewer.is_active:
        return []
    from posts.models import Favourite

    since = snowflake.lower_bound(timezone.now() - timedelta(hours=TRENDING_POSTS_HOURS))
    # Only posts someone reacted to are scored: on the bench tenant, 16,500 posts of two days took
    # ~350 ms to score one by one, the few with a like or a repost a fraction of that.
    reacted = Q(pk__in=Favourite.objects.filter(post_id__gte=since).values("post_id")) | Q(
        pk__in=dangerously_all_posts().filter(reblog_of_id__gte=since).values("reblog_of_id")
    )
    posts = (
        visible_posts(viewer)
        .exclude(post_silenced_q(viewer.id))
        .filter(pk__gte=since, audience=Audience.COMPANY, unlisted=False, reblog_of__isnull=True)
        .filter(Q(in_reply_to_account__isnull=True) | Q(in_reply_to_account_id=F("author_id")))
        .filter(reacted)
    )
    # Counted per candidate (a subquery each), not by joining every like and repost to the posts.
    liked = Favourite.objects.filter(post_id=OuterRef("pk")).exclude(employee_id=OuterRef("author_id"))
    reposted = (
        dangerously_all_posts().filter(reblog_of_id=OuterRef("pk")).exclude(author_id=OuterRef("author_id"))
    )
    with _no_jit():
        return list(
            posts.annotate(score=_count_of(liked) + _count_of(reposted))
            .filter(score__gt=0)
            .select_related("author")
            .order_by("-score", "-pk")[offset : offset + limit]
        )


def _count_of(rows: QuerySet[Any]) -> Subquery:
    return Subquery(rows.order_by().values(n=Func(F("pk"), function="COUNT")), output_field=IntegerField())


# ---- people -------------------------------------------------------------------------------------------


def account_search(
    viewer: Viewer, query: str, *, limit: int = 40, offset: int = 0, following: bool = False
) -> list[Employee]:
    """Active colleagues by real name (Hangul or Latin letters), username, unit or title, partial words
    included ("철수", "cheol", "영업", "manager"); every word of the query must match one of them.
    Best matches first: the username or a name that starts with the query, then the rest by name.

    A tenant has thousands of employees, not millions: substring matches over these few columns are a
    scan of one small table (measured in bench/search.py), cheaper to keep right than an index to keep
    in sync with renames of units."""
    if not viewer.is_active:
        return []
    query = (query or "").strip().lstrip("@").split("@", 1)[0]
    words = [w for w in query.split() if w][:5]
    if not words:
        return []
    people = Employee.objects.filter(is_active=True)
    for word in words:
        people = people.filter(
            Q(username__icontains=word)
            | Q(display_name__icontains=word)
            | Q(name_latin__icontains=word)
            | Q(search_person__latin__icontains=word)
            | Q(family_name__icontains=word)
            | Q(given_name__icontains=word)
            | Q(title__icontains=word)
            | Q(unit__name__icontains=word)
        )
    if following:
        people = people.filter(follower_set__follower_id=viewer.id)
    first = words[0]
    people = people.annotate(
        exact=_flag(Q(username__iexact=first) | Q(display_name__iexact=first) | Q(name_latin__iexact=query)),
        prefix=_flag(
            Q(username__istartswith=first)
            | Q(display_name__istartswith=first)
            | Q(name_latin__istartswith=first)
            | Q(search_person__latin__istartswith=first)
            | Q(given_name__istartswith=first)
        ),
    )
    return list(people.order_by("-exact", "-prefix", "display_name", "username")[offset : offset + limit])


def post_search(viewer: Viewer, query: str, *, limit: int = 20) -> list[Post]:
    """The newest ``limit`` posts the viewer may see containing every word of ``query`` (the web UI's
    search page; the API pages with status_search)."""
    return status_search(viewer, query, Page(limit=max(1, min(limit, 40))))
