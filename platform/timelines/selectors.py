"""Timeline reads. Each returns posts newest first, through ``policy.visible_posts(viewer)``, with the
viewer's mutes and blocks applied on top (``social.filters``), paged by ``common.paging.Page``.

Home is the one fed from Redis: the feed gives candidate ids, the very-followed authors' recent ids
are merged in from PostgreSQL, and one query re-filters the lot through policy, so a rule or
directory change shows on the next read whatever the feed holds. Everything else is an indexed
PostgreSQL query (DESIGN.md "Timelines at scale").

Definitions that differ from or extend Mastodon's:
- ``public_timeline`` is the company timeline: company-audience posts that are not unlisted, no
  reposts, no replies except an author's replies to themself (Mastodon's default for ``public``).
- ``unit_timeline(unit)``: unit-audience posts addressed to that unit or any unit below it, plus
  company posts (not unlisted) by employees now in that subtree; same reply/repost rules as public.
  It is "what is said in and by this part of the company"; the viewer still sees only what policy allows.
- ``tag_timeline``: posts with the tag the viewer may see, except unlisted and direct ones and reposts
  (Mastodon shows only public posts; inside a company a unit post tagged #회의록 belongs there too).
- A member may be put on a list without being followed (see social.services.list_accounts_add).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from common.compiled import CompiledQuery, slots
from common.paging import Page
from directory.models import Employee, OrgUnit, Rank
from policy import Viewer, dangerously_all_posts, visible_posts, visible_sql
from posts.models import Audience, MediaAttachment, Pin, Post, PostHashtag
from social.filters import post_silenced_q, post_silenced_sql
from social.models import Follow, List, ListMember, RepliesPolicy
from timelines import feeds
from timelines.models import Marker, MarkerTimeline

# What a page's entities need about its authors comes with the page: unit, stored counts and (annotated
# by ``_with_authors``) rank names, so building a page's Accounts costs no query of its own.
RELATED = (
    "author",
    "author__unit",
    "author__stats",
    "reblog_of",
    "reblog_of__author",
    "reblog_of__author__unit",
    "reblog_of__author__stats",
)
# Redis candidates read per round, relative to the page size: room for posts policy filters out.
OVERSHOOT = 2
ROUNDS = 3


def _with_authors(posts: QuerySet[Post]) -> QuerySet[Post]:
    """The page's rows with ``RELATED`` and the authors' rank names (read by ``api.entities``)."""
    return posts.select_related(*RELATED).annotate(
        author_rank_name=Subquery(
            Rank.objects.filter(level=OuterRef("author__rank_level")).values("name")[:1]
        ),
        reblog_author_rank_name=Subquery(
            Rank.objects.filter(level=OuterRef("reblog_of__author__rank_level")).values("name")[:1]
        ),
    )


def _paged(posts: QuerySet[Post], page: Page) -> list[Post]:
    rows = _with_authors(posts.filter(**page.id_filter())).order_by(page.order_by())[: page.limit]
    return page.arrange(list(rows))


def _not_a_reply_q() -> Q:
    """Originals, reposts and self-replies (threads): what Mastodon's public feeds keep."""
    return Q(in_reply_to_account__isnull=True) | Q(in_reply_to_account_id=F("author_id"))


def _with_media_q() -> Q:
    return Q(Exists(MediaAttachment.objects.filter(post_id=OuterRef("pk"))))


def _visible(viewer: Viewer) -> QuerySet[Post]:
    return visible_posts(viewer).exclude(post_silenced_q(viewer.id))


# ---- home ----------------------------------------------------------------------------------------------
#
# The busiest read of the product, so its query is written in SQL over ``policy.visible_sql`` (the same
# rules as ``visible_posts``, proven equal by tests/policy): building the queryset form cost ~35 ms of
# ORM work per page, several times the SQL itself (bench/RESULTS.md, "Timelines"). One statement takes
# the feed's candidate ids, merges in the very-followed authors' recent posts, applies policy, Mastodon's
# home rules and the viewer's mutes and blocks, and brings each row's author and the counts, flags,
# mentions and tags of its original (``posts.selectors.status_details_annotations``).

_BIGINT_MAX = 2**63 - 1


def _home_rules_sql(me: int) -> tuple[str, list[object]]:
    """Mastodon's home rules on top of visibility: replies only to people the viewer follows (or to
    themself, or the author's own thread), no reposts of the viewer's own posts, nothing from members
    of the viewer's exclusive lists, no reposts by people followed with reposts hidden. On the row
    ``posts_post``."""
    sql = (
        "(posts_post.in_reply_to_account_id IS NULL"
        " OR posts_post.in_reply_to_account_id = posts_post.author_id"
        " OR posts_post.in_reply_to_account_id = %s"
        " OR EXISTS (SELECT 1 FROM social_follow hr_f WHERE hr_f.follower_id = %s"
        " AND hr_f.followee_id = posts_post.in_reply_to_account_id))"
        # "reblog_of_id IS NULL OR": without it, the plan PostgreSQL keeps for the prepared statement
        # made this an anti-join reading every post of the viewer's per row (76,000 index rows for an
        # employee with 3,000 posts: +3-6 ms); under OR it is looked up by primary key, for reposts only.
        " AND (posts_post.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM posts_post hr_o"
        " WHERE hr_o.id = posts_post.reblog_of_id AND hr_o.author_id = %s))"
        " AND (posts_post.author_id = %s OR NOT EXISTS (SELECT 1 FROM social_listmember hr_lm"
        " JOIN social_list hr_l ON hr_l.id = hr_lm.list_id WHERE hr_l.owner_id = %s AND hr_l.exclusive"
        " AND hr_lm.employee_id = posts_post.author_id))"
        # Reposts by people whose reposts the viewer hides: those people are read once for the statement
        # (an InitPlan over the ``follow_hiding_reblogs`` index), not per row.
        " AND (posts_post.reblog_of_id IS NULL OR posts_post.author_id <> ALL(ARRAY(SELECT hr_nr.followee_id"
        " FROM social_follow hr_nr WHERE hr_nr.follower_id = %s AND NOT hr_nr.show_reblogs)))"
    )
    return sql, [me, me, me, me, me, me]


def _not_sql(condition: tuple[str, list[object]]) -> tuple[str, list[object]]:
    return f"NOT {condition[0]}", condition[1]


def _candidates_sql(
    me: int, feed_ids: list[int], big: set[int], *, below: int | None, above: int, ascending: bool, count: int
) -> tuple[str, list[object]]:
    """The round's candidate ids, as a subquery: the feed's ids merged with the newest (oldest, for
    ``min_id`` pages) posts of each very-followed author the viewer follows, within the bounds, the
    first ``count`` of them in page order."""
    order = "ASC" if ascending else "DESC"
    sql = (
        "SELECT hc.id FROM ("
        " SELECT unnest(%s::bigint[]) AS id"
        " UNION SELECT hc_p.id FROM social_follow hc_f CROSS JOIN LATERAL ("
        "  SELECT hc_x.id FROM posts_post hc_x WHERE hc_x.author_id = hc_f.followee_id"
        f"  AND hc_x.id < %s AND hc_x.id > %s ORDER BY hc_x.id {order} LIMIT %s) hc_p"
        " WHERE hc_f.follower_id = %s AND hc_f.followee_id = ANY(%s::bigint[])"
        f") hc ORDER BY hc.id {order} LIMIT %s"
    )
    high = below if below is not None else _BIGINT_MAX
    return sql, [feed_ids, high, above, count, me, sorted(big), count]


def _feed_candidates(
    me: int,
    *,
    bound: int | None,
    page: Page,
    count: int,
    big_authors: bool = False,
    viewer: Viewer | None = None,
) -> tuple[list[int], bool, set[int] | None]:
    """Up to ``count`` ids from the viewer's Redis feed past ``bound`` (older for newest-first pages,
    newer with ``min_id``), and whether the feed may hold more; rebuilt from PostgreSQL when missing.
    With ``big_authors``, also the very-followed authors as ``feeds.read_page`` found them; with a
    ``viewer`` whose rules are not read yet, the tenant's rules come in the same round trip (as fresh
    as ``tenant_rules()``: the cache entry is read now) and are given to the viewer."""
    from policy.rules import rules_entry_key, rules_from_entry

    ascending = page.ascending
    max_id = page.max_id if ascending or bound is None else bound
    min_id = (bound if bound is not None else page.min_id) if ascending else None
    want_rules = viewer is not None and not viewer.knows_rules
    read = feeds.read_page(
        me,
        max_id=max_id,
        since_id=page.since_id,
        min_id=min_id,
        count=count,
        big_authors=big_authors,
        also_get=(rules_entry_key(),) if want_rules else (),
    )
    if want_rules:
        assert viewer is not None
        viewer.know_rules(rules_from_entry(read.also[0]))
    ids = read.ids
    more = ids is not None and len(ids) >= count
    if ids is None:
        from timelines.services import feed_rebuild

        rebuilt = feed_rebuild(me)
        ids = [
            pk
            for pk in rebuilt
            if (max_id is None or pk < max_id) and pk > max(min_id or 0, page.since_id or 0)
        ]
        if ascending:
            ids.reverse()
        more = len(ids) > count
        ids = ids[:count]
    elif not more and not ascending and len(ids) < count and read.size >= feeds.feed_cap():
        # Paged past the end of a capped feed: continue from PostgreSQL, as a rebuild would.
        from timelines.services import followed_post_ids

        need = count - len(ids)
        older = followed_post_ids(me, max_id=ids[-1] if ids else max_id, limit=need)
        more = len(older) >= need
        ids += [pk for pk in older if pk > (page.since_id or 0)]
    return ids, more, read.big_authors


def _home_rows(
    viewer: Viewer,
    feed_ids: list[int],
    big: set[int],
    *,
    bound: int | None,
    page: Page,
    count: int,
    limit: int,
) -> tuple[list[Post], int | None, bool]:
    """Up to ``limit`` of the round's ``count`` candidates that pass, in page order; how far the
    candidates reached (the last in page order; None when there were none); and whether they were cut
    at ``count``."""
    from posts.selectors import status_details_sql

    me = viewer.id
    assert me is not None
    ascending = page.ascending
    below = page.max_id if ascending or bound is None else bound
    above = (bound if bound is not None else page.min_id) or 0 if ascending else 0
    above = max(above, page.since_id or 0)
    candidates = _candidates_sql(
        me, feed_ids, big, below=below, above=above, ascending=ascending, count=count
    )
    reach: tuple[str, list[object]] = (
        f"(SELECT jsonb_build_array({'max' if ascending else 'min'}(hr.id), count(*) >= %s)"
        " FROM home_candidates hr)",
        [count],
    )
    # The tenant's rank names ride along (computed once for the statement) instead of the two rank
    # subqueries of ``_with_authors``, which cost more ORM work than the rest of the query.
    select = {"candidates_reach": reach, "rank_names": (RANK_NAMES_SQL, [])}
    select |= status_details_sql(viewer, "COALESCE(posts_post.reblog_of_id, posts_post.id)")
    conditions = [
        # ANY(ARRAY(...)): PostgreSQL computes the candidates first and fetches them by primary key;
        # as "IN (subquery)" it misjudged their number and walked the posts table backwards instead.
        ("posts_post.id = ANY(ARRAY(SELECT hc.id FROM home_candidates hc))", []),
        visible_sql(viewer, "posts_post"),
        _home_rules_sql(me),
        _not_sql(post_silenced_sql(me, "posts_post")),
    ]
    statement = _home_statement(
        _shape(candidates),
        tuple((name, *_shape(part)) for name, part in select.items()),
        tuple(_shape(condition) for condition in conditions),
        page.order_by(),
        limit,
    )
    values = [*candidates[1], *(v for _, params in select.values() for v in params)]
    values += [v for _, params in conditions for v in params]
    found = statement.fetch(values)
    for post in found:
        post.details_of_original = True  # type: ignore[attr-defined]
    if found:
        reach_row = found[0].candidates_reach  # type: ignore[attr-defined]
        attach_rank_names(found)
    else:  # every candidate was filtered out (rare): ask for the reach alone
        with connection.cursor() as cursor:
            reach_params: list[Any] = [*candidates[1], count]
            cursor.execute(f"{_with_candidates(candidates[0])}SELECT {reach[0]}", reach_params)
            (reach_row,) = cursor.fetchone()
    reached, full = _json(reach_row)
    return found, reached, bool(full)


def _shape(part: tuple[str, list[object]]) -> tuple[str, int]:
    """SQL with parameters → its text and how many values it takes: what ``_home_statement`` keys on."""
    return part[0], len(part[1])


def _with_candidates(candidates: str) -> str:
    # The candidates once, for both the reach and the id list: inline, PostgreSQL computed them twice
    # (an InitPlan each), ~0.4 ms of the ~2.5 ms statement.
    return f"WITH home_candidates AS MATERIALIZED ({candidates}) "


@functools.lru_cache(maxsize=256)
def _home_statement(
    candidates: tuple[str, int],
    select: tuple[tuple[str, str, int], ...],
    where: tuple[tuple[str, int], ...],
    order_by: str,
    limit: int,
) -> CompiledQuery[Post]:
    """The home statement of one shape — its SQL text, which the values do not change (``visible_sql``
    keeps a fixed text, lists travel as arrays) — compiled once per process: the ORM's compile of this
    queryset (its select_related graph, extra columns and ordering) cost ~1.5 ms a request, more than
    the rows' model instances. Values go in ``_home_rows``' order: candidates, select, where."""
    n_candidates, n_select = candidates[1], sum(count for _, _, count in select)
    n_where = sum(count for _, count in where)
    posts = (
        dangerously_all_posts()
        .select_related(*RELATED)
        .extra(  # noqa: S610
            # ``extra`` rather than RawSQL expressions: the same SQL, without the ORM hashing every
            # expression it is handed (6 ms a page, measured with bench/home_profile.py).
            select={name: sql for name, sql, _ in select},
            select_params=slots(n_select, start=n_candidates),
            where=[sql for sql, _ in where],
            params=slots(n_where, start=n_candidates + n_select),
        )
        .order_by(order_by)
    )
    return CompiledQuery(
        posts[:limit], prefix=_with_candidates(candidates[0]), prefix_slots=slots(n_candidates)
    )


# Selected beside a page's rows (an uncorrelated subquery: computed once for the statement).
RANK_NAMES_SQL = "(SELECT jsonb_object_agg(level, name) FROM directory_rank)"


def attach_rank_names(posts: list[Post]) -> None:
    """Set the authors' rank names that ``api.entities`` reads from rows selected with ``RANK_NAMES_SQL``
    as ``rank_names``."""
    if not posts:
        return
    ranks = _json(posts[0].rank_names) or {}  # type: ignore[attr-defined]
    for post in posts:
        post.author_rank_name = ranks.get(str(post.author.rank_level), "")  # type: ignore[attr-defined]
        if post.reblog_of is not None:
            level = str(post.reblog_of.author.rank_level)
            post.reblog_author_rank_name = ranks.get(level, "")  # type: ignore[attr-defined]


def _json(value: object) -> Any:
    """A jsonb value from an ``extra`` select: text with Django's psycopg set-up, decoded otherwise."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def home_timeline(viewer: Viewer, page: Page) -> list[Post]:
    """The viewer's home timeline: in the usual case one statement (besides Redis), which also
    carries what the page's entities need (``api.entities`` reads it from the rows)."""
    if not viewer.is_active or viewer.id is None:
        return []
    from timelines.services import big_author_ids

    me = viewer.id
    big: set[int] | None = None
    count = page.limit * OVERSHOOT + 5
    found: list[Post] = []
    seen_originals: set[int] = set()
    bound: int | None = None
    for _ in range(ROUNDS):
        # The first round's feed read brings the very-followed authors and the tenant's rules along:
        # one Redis round trip, where each was one of its own.
        feed_ids, more, big_read = _feed_candidates(
            me, bound=bound, page=page, count=count, big_authors=big is None, viewer=viewer
        )
        if big is None:
            # None from the read: the set is stale or gone, so it is read or recomputed on its own.
            big = big_read if big_read is not None else big_author_ids()
        if not feed_ids and not big:
            break
        # A few rows more than the page needs: room for reposts of one post, shown once.
        limit = page.limit - len(found) + 5
        rows, reached, full = _home_rows(
            viewer, feed_ids, big, bound=bound, page=page, count=count, limit=limit
        )
        for post in rows:
            # A post and its reposts, or several reposts of one post, show once: the first one met.
            original = post.reblog_of_id or post.pk
            if original in seen_originals:
                continue
            seen_originals.add(original)
            found.append(post)
            if len(found) == page.limit:
                return page.arrange(found)
        if len(rows) == limit:
            # Candidates past the last row were not looked at yet: the next round starts there.
            bound = rows[-1].pk
            continue
        # Another round only when this one's candidates may not be all there is: the feed holds more,
        # or the merged candidates were cut at ``count``. It starts past the last candidate.
        if reached is None or not (more or full):
            break
        bound = reached
    return page.arrange(found)


# ---- PostgreSQL timelines ----------------------------------------------------------------------------------


def public_timeline(viewer: Viewer, page: Page, *, only_media: bool = False) -> list[Post]:
    """The company timeline (indexed by ``post_company_timeline``)."""
    posts = _visible(viewer).filter(audience=Audience.COMPANY, unlisted=False, reblog_of__isnull=True)
    posts = posts.filter(_not_a_reply_q())
    if only_media:
        posts = posts.filter(_with_media_q())
    return _paged(posts, page)


def unit_timeline(viewer: Viewer, unit_id: int | str, page: Page) -> list[Post]:
    try:
        unit = OrgUnit.objects.get(pk=int(unit_id))
    except (TypeError, ValueError, OrgUnit.DoesNotExist):
        raise Http404("Record not found") from None
    in_subtree = Q(audience=Audience.UNIT, unit__path__startswith=unit.path) | Q(
        audience=Audience.COMPANY, unlisted=False, author__unit__path__startswith=unit.path
    )
    posts = _visible(viewer).filter(in_subtree, reblog_of__isnull=True).filter(_not_a_reply_q())
    return _paged(posts, page)


def _tag_names(tags: Iterable[str]) -> list[str]:
    from posts.text import normalise_tag

    return [name for name in (normalise_tag(t.lstrip("#")) for t in tags if t) if name]


def _has_tag_q(names: list[str]) -> Q:
    return Q(Exists(PostHashtag.objects.filter(post_id=OuterRef("pk"), hashtag__name__in=names)))


def tag_timeline(
    viewer: Viewer,
    tag: str,
    page: Page,
    *,
    any_tags: Iterable[str] = (),
    all_tags: Iterable[str] = (),
    none_tags: Iterable[str] = (),
    only_media: bool = False,
) -> list[Post]:
    names = _tag_names([tag, *any_tags])
    if not names:
        return []
    posts = _visible(viewer).filter(_has_tag_q(names), reblog_of__isnull=True, unlisted=False)
    posts = posts.exclude(audience=Audience.DIRECT)
    for name in _tag_names(all_tags):
        posts = posts.filter(_has_tag_q([name]))
    if none := _tag_names(none_tags):
        posts = posts.exclude(_has_tag_q(none))
    if only_media:
        posts = posts.filter(_with_media_q())
    return _paged(posts, page)


def list_timeline(viewer: Viewer, list_id: int | str, page: Page) -> list[Post]:
    """Posts by the list's members, computed from PostgreSQL (``post_author_recent`` per member)."""
    from social.selectors import list_get

    lst: List = list_get(viewer, list_id)
    members = ListMember.objects.filter(list=lst).values("employee_id")
    posts = _visible(viewer).filter(author_id__in=members)
    if lst.replies_policy == RepliesPolicy.NONE:
        posts = posts.filter(_not_a_reply_q())
    elif lst.replies_policy == RepliesPolicy.LIST:
        posts = posts.filter(_not_a_reply_q() | Q(in_reply_to_account_id__in=members))
    else:
        followed = Follow.objects.filter(follower_id=lst.owner_id).values("followee_id")
        posts = posts.filter(_not_a_reply_q() | Q(in_reply_to_account_id__in=followed))
    return _paged(posts, page)


def account_timeline(
    viewer: Viewer,
    account_id: int | str,
    page: Page,
    *,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    only_media: bool = False,
    pinned: bool = False,
    tagged: str | None = None,
) -> list[Post]:
    """A profile's posts the viewer may see. Muting someone does not hide their profile (as Mastodon);
    a block in either direction shows it empty. ``pinned``: only the posts the account pinned (by post
    id, as Mastodon pages them), still only those the viewer may see."""
    try:
        account = Employee.objects.get(pk=int(account_id))
    except (TypeError, ValueError, Employee.DoesNotExist):
        raise Http404("Record not found") from None
    if not viewer.is_active:
        return []
    from social.filters import silenced_q

    posts = visible_posts(viewer).filter(author=account)
    if viewer.id != account.pk:
        from social.models import Block

        if Block.objects.filter(
            Q(blocker_id=viewer.id, target=account) | Q(blocker=account, target_id=viewer.id)
        ).exists():
            return []
        # Reposts of posts by people the viewer silenced stay hidden here too.
        posts = posts.exclude(Q(reblog_of__isnull=False) & silenced_q(viewer.id, "reblog_of__author_id"))
    if pinned:
        posts = posts.filter(pk__in=Pin.objects.filter(employee=account).values("post_id"))
    if exclude_replies:
        posts = posts.filter(_not_a_reply_q())
    if exclude_reblogs or only_media:
        posts = posts.filter(reblog_of__isnull=True)
    if only_media:
        posts = posts.filter(_with_media_q())
    if tagged:
        posts = posts.filter(_has_tag_q(_tag_names([tagged])))
    return _paged(posts, page)


# ---- conversations ---------------------------------------------------------------------------------------
#
# Mastodon's conversations: the direct threads the viewer takes part in, newest activity first. Nothing
# is stored about a conversation but the viewer's read and removed marks (``ConversationState``); its
# last status and its people are read from the posts the viewer may see, so a rule or directory change
# shows on the next read, as on every timeline.


@dataclass(frozen=True)
class Conversation:
    """One direct thread as ``viewer`` sees it. ``paging_id`` is the last status's id: Mastodon pages
    conversations by it."""

    thread_id: int
    last_status: Post
    participant_ids: tuple[int, ...]
    unread: bool

    @property
    def paging_id(self) -> int:
        return int(self.last_status.pk)


# The viewer's direct threads and their people, newest last status first, in one statement over
# ``policy.visible_sql``, as home: built from ``visible_posts`` querysets, a page of 20 cost 62–69 ms
# (p50, the bench tenant's busiest direct-message reader, this 2-core machine), ~40 of them compiling
# the querysets; written so, 30–44 ms with one statement fewer. ``me_posts`` are the
# direct posts the viewer may see and takes part in — wrote, or is named in: the compliance role may
# see every post, yet its conversations are only its own. A conversation's people are everyone who
# wrote or was named in those posts, so nobody the viewer may not see in it is shown. The unread count
# (the web app's Messages badge) starts from the same two tables, so it agrees with the list.
_THREADS_SQL = """
WITH me_posts AS MATERIALIZED (
    SELECT cv.id, cv.thread_id, cv.author_id FROM posts_post cv
    WHERE cv.id IN (
        SELECT cv_a.id FROM posts_post cv_a WHERE cv_a.author_id = %s AND cv_a.audience = 'direct'
        UNION SELECT cv_m.post_id FROM posts_mention cv_m WHERE cv_m.employee_id = %s
    )
    AND cv.audience = 'direct' AND cv.reblog_of_id IS NULL AND cv.thread_id IS NOT NULL AND {visible}
), threads AS MATERIALIZED (
    SELECT mp.thread_id, max(mp.id) AS last_id,
        coalesce(max(cs.read_up_to), 0) AS read_up_to, coalesce(max(cs.removed_up_to), 0) AS removed_up_to
    FROM me_posts mp
    LEFT JOIN timelines_conversationstate cs ON cs.employee_id = %s AND cs.thread_id = mp.thread_id
    WHERE %s::bigint IS NULL OR mp.thread_id = %s::bigint
    GROUP BY mp.thread_id
)
"""
_CONVERSATIONS_SQL = (
    _THREADS_SQL
    + """
SELECT t.thread_id, t.last_id, t.read_up_to, ARRAY(
    SELECT mp.author_id FROM me_posts mp WHERE mp.thread_id = t.thread_id
    UNION SELECT pm.employee_id FROM me_posts mp JOIN posts_mention pm ON pm.post_id = mp.id
    WHERE mp.thread_id = t.thread_id
)
FROM threads t
WHERE (%s OR t.last_id > t.removed_up_to) AND t.last_id < %s AND t.last_id > %s
ORDER BY t.last_id {order} LIMIT %s
"""
)
# A conversation is unread when it is listed (not removed since its last status) and that last status,
# by someone else, is above the viewer's read mark: ``Conversation.unread``.
_UNREAD_CONVERSATIONS_SQL = (
    _THREADS_SQL
    + """
SELECT count(*) FROM (
    SELECT 1 FROM threads t JOIN me_posts mp ON mp.id = t.last_id
    WHERE t.last_id > t.removed_up_to AND t.last_id > t.read_up_to AND mp.author_id <> %s
    LIMIT %s
) unread
"""
)


def conversation_list(
    viewer: Viewer, page: Page, *, thread_id: int | None = None, removed_too: bool = False
) -> list[Conversation]:
    """The viewer's conversations, newest last status first, without those they removed (until a newer
    post arrives); ``thread_id`` narrows it to one. Two statements whatever the page holds: the
    threads with the viewer's marks and people, then the last statuses with their authors."""
    if not viewer.is_active or viewer.id is None:
        return []
    me = viewer.id
    visible, visible_params = visible_sql(viewer, "cv")
    below = page.max_id if page.max_id is not None else _BIGINT_MAX
    above = max(page.min_id or 0, page.since_id or 0)
    sql = _CONVERSATIONS_SQL.format(visible=visible, order="ASC" if page.ascending else "DESC")
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [me, me, *visible_params, me, thread_id, thread_id, removed_too, below, above, page.limit],
        )
        threads = cursor.fetchall()
    if not threads:
        return []
    last_ids = [last_id for _, last_id, _, _ in threads]
    # Ids that passed policy above; read again through it all the same, with what a page shows.
    last = {p.pk: p for p in _with_authors(visible_posts(viewer).filter(pk__in=last_ids))}
    found = [
        Conversation(
            thread_id=thread,
            last_status=last[last_id],
            participant_ids=tuple(sorted(set(people) - {me})),
            unread=last[last_id].author_id != me and last_id > read_up_to,
        )
        for thread, last_id, read_up_to, people in threads
        if last_id in last
    ]
    return page.arrange(found)


def conversation_unread_count(viewer: Viewer, *, limit: int | None = None) -> int:
    """How many of the conversations ``conversation_list`` gives the viewer are unread, at most
    ``limit`` of them counted. One statement, over the same threads as the list."""
    if not viewer.is_active or viewer.id is None:
        return 0
    me = viewer.id
    visible, visible_params = visible_sql(viewer, "cv")
    with connection.cursor() as cursor:
        cursor.execute(
            _UNREAD_CONVERSATIONS_SQL.format(visible=visible),
            [me, me, *visible_params, me, None, None, me, limit],
        )
        return int(cursor.fetchone()[0])


def conversation_get(viewer: Viewer, thread_id: int | str) -> Conversation:
    """One of the viewer's conversations, including a removed one; 404 when they take part in no
    direct post of that thread they may see."""
    try:
        pk = int(thread_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    if not 0 < pk <= _BIGINT_MAX:
        raise Http404("Record not found")
    found = conversation_list(viewer, Page(limit=1), thread_id=pk, removed_too=True)
    if not found:
        raise Http404("Record not found")
    return found[0]


# ---- markers -------------------------------------------------------------------------------------------


def markers(viewer: Viewer, timelines: Iterable[str]) -> dict[str, Marker]:
    if not viewer.is_active:
        return {}
    wanted = [t for t in timelines if t in MarkerTimeline.values]
    return {m.timeline: m for m in Marker.objects.filter(employee_id=viewer.id, timeline__in=wanted)}
