"""Reads of the social graph and of followed hashtags. Account lists are paged by the id of the row
that links them (the follow, mute, block or list membership), as Mastodon does; each returned employee
carries that id as ``cursor_id`` so the API can build its ``Link`` header."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Model, QuerySet
from django.http import Http404

from common.paging import Page
from directory.models import Employee
from policy import ActionRefused, Viewer, check_not_barred
from social.filters import active_mutes_q, silenced_q
from social.models import (
    AccountNote,
    AccountStats,
    Block,
    Follow,
    List,
    ListMember,
    Mute,
    SuggestionDismissal,
    TagFollow,
)

if TYPE_CHECKING:
    from posts.models import Hashtag


def _account(account_id: int | str) -> Employee:
    try:
        pk = int(account_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    found = Employee.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("Record not found")
    return found


def _page_of_people(rows: QuerySet[Any], person: str, page: Page) -> list[Employee]:
    """``rows`` link to an employee through ``person``; returns them newest link first, with cursors."""
    rows = rows.filter(**{f"{person}__is_active": True}).filter(**page.id_filter())
    rows = rows.select_related(person).order_by(page.order_by())[: page.limit]
    people = []
    for row in page.arrange(list(rows)):
        employee = getattr(row, person)
        employee.cursor_id = row.pk
        people.append(employee)
    return people


def followers(viewer: Viewer, account_id: int | str, page: Page) -> list[Employee]:
    if not viewer.is_active:
        return []
    account = _account(account_id)
    return _page_of_people(Follow.objects.filter(followee=account), "follower", page)


def following(viewer: Viewer, account_id: int | str, page: Page) -> list[Employee]:
    if not viewer.is_active:
        return []
    account = _account(account_id)
    return _page_of_people(Follow.objects.filter(follower=account), "followee", page)


def mutes(viewer: Viewer, page: Page) -> list[Employee]:
    if not viewer.is_active:
        return []
    return _page_of_people(Mute.objects.filter(active_mutes_q(), muter_id=viewer.id), "target", page)


def blocks(viewer: Viewer, page: Page) -> list[Employee]:
    if not viewer.is_active:
        return []
    return _page_of_people(Block.objects.filter(blocker_id=viewer.id), "target", page)


def lists(viewer: Viewer) -> list[List]:
    if not viewer.is_active:
        return []
    return list(List.objects.filter(owner_id=viewer.id).order_by("title", "id"))


def list_get(viewer: Viewer, list_id: int | str) -> List:
    """The viewer's own list; anyone else's is "not found"."""
    try:
        pk = int(list_id)
    except (TypeError, ValueError):
        raise Http404("Record not found") from None
    found = List.objects.filter(pk=pk, owner_id=viewer.id).first() if viewer.is_active else None
    if found is None:
        raise Http404("Record not found")
    return found


def list_accounts(viewer: Viewer, list_id: int | str, page: Page) -> list[Employee]:
    lst = list_get(viewer, list_id)
    return _page_of_people(ListMember.objects.filter(list=lst), "employee", page)


def lists_containing(viewer: Viewer, account_id: int | str) -> list[List]:
    """The viewer's lists that contain an account (``GET /api/v1/accounts/:id/lists``)."""
    if not viewer.is_active:
        return []
    account = _account(account_id)
    return list(List.objects.filter(owner_id=viewer.id, members__employee=account).order_by("title", "id"))


def followed_tags(viewer: Viewer, page: Page) -> list[Hashtag]:
    """The hashtags the viewer follows, newest follow first, paged by the follow's id (each hashtag
    carries it as ``cursor_id``), as ``GET /api/v1/followed_tags``."""
    if not viewer.is_active or viewer.id is None:
        return []
    rows = TagFollow.objects.filter(employee_id=viewer.id).filter(**page.id_filter())
    rows = rows.select_related("hashtag").order_by(page.order_by())[: page.limit]
    tags = []
    for row in page.arrange(list(rows)):
        row.hashtag.cursor_id = row.pk
        tags.append(row.hashtag)
    return tags


def follows_tag_named(viewer: Viewer, name: str) -> bool | None:
    """Whether the viewer follows the hashtag of that name (``#점심``, ``Release``); None when the name is
    not a hashtag one could follow (``posts.text.tag_named``)."""
    from posts.text import tag_named

    named = tag_named(name)
    if named is None:
        return None
    if not viewer.is_active or viewer.id is None:
        return False
    return TagFollow.objects.filter(employee_id=viewer.id, hashtag__name=named[0]).exists()


def followed_tag_ids(viewer: Viewer, hashtag_ids: Sequence[int]) -> set[int]:
    """Which of these hashtags the viewer follows."""
    if not viewer.is_active or viewer.id is None or not hashtag_ids:
        return set()
    return set(
        TagFollow.objects.filter(employee_id=viewer.id, hashtag_id__in=hashtag_ids).values_list(
            "hashtag_id", flat=True
        )
    )


def suggestions(viewer: Viewer, *, limit: int = 40) -> list[tuple[Employee, list[str]]]:
    """Colleagues to follow, best first, each with why, as Mastodon 4.3's ``sources`` say it: followed
    by several of the people one follows ("friends_of_friends"), in one's own unit ("featured": the org
    chart puts them there), or followed by many ("most_followed"). Only the active, not oneself, not
    followed yet, not silenced either way (``social.filters.silenced_q``), not dismissed, and not behind
    an information barrier (whom one may not follow is not suggested). Six small indexed statements,
    whatever the size of the company."""
    me = viewer.employee
    if not viewer.is_active or me is None:
        return []
    excluded = {me.pk}
    excluded |= set(Follow.objects.filter(follower_id=me.pk).values_list("followee_id", flat=True))
    excluded |= set(SuggestionDismissal.objects.filter(employee_id=me.pk).values_list("target_id", flat=True))
    wanted = limit * 2  # room for those a barrier leaves out
    found: dict[int, list[str]] = {}
    friends = (
        Follow.objects.filter(follower__in=Follow.objects.filter(follower_id=me.pk).values("followee_id"))
        .exclude(followee_id__in=excluded)
        .values("followee_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "followee_id")
        .values_list("followee_id", flat=True)[:wanted]
    )
    for pk in friends:
        found.setdefault(pk, []).append("friends_of_friends")
    if me.unit_id is not None:
        unit = (
            Employee.objects.filter(unit_id=me.unit_id, is_active=True)
            .exclude(pk__in=excluded)
            .order_by("-rank_level", "pk")
            .values_list("pk", flat=True)[:wanted]
        )
        for pk in unit:
            found.setdefault(pk, []).append("featured")
    popular = (
        AccountStats.objects.exclude(account_id__in=excluded)
        .filter(followers_count__gt=0)
        .order_by("-followers_count", "account_id")
        .values_list("account_id", flat=True)[:wanted]
    )
    for pk in popular:
        found.setdefault(pk, []).append("most_followed")
    # Silenced either way is checked on the few candidates, not on every follow the counts read.
    candidates = Employee.objects.filter(pk__in=found, is_active=True).exclude(silenced_q(me.pk, "pk"))
    people = {e.pk: e for e in candidates.select_related("unit")}
    ordered: list[tuple[Employee, list[str]]] = []
    for pk, sources in found.items():
        person = people.get(pk)
        if person is None:
            continue
        try:
            check_not_barred(me, person, action="follow")
        except ActionRefused:
            continue
        ordered.append((person, sources))
        if len(ordered) == limit:
            break
    return ordered


def familiar_followers(viewer: Viewer, ids: list[int]) -> list[tuple[int, list[int]]]:
    """For each account asked, in the order asked: the active people the viewer follows who follow it
    too, newest follow first (``GET /api/v1/accounts/familiar_followers``). One statement."""
    if not viewer.is_active or not ids:
        return [(pk, []) for pk in ids]
    mine = Follow.objects.filter(follower_id=viewer.id).values("followee_id")
    rows = (
        Follow.objects.filter(followee_id__in=ids, follower_id__in=mine, follower__is_active=True)
        .exclude(follower_id=viewer.id)
        .order_by("-id")
        .values_list("followee_id", "follower_id")
    )
    found: dict[int, list[int]] = defaultdict(list)
    for account, follower in rows:
        found[account].append(follower)
    return [(pk, found.get(pk, [])) for pk in ids]


def relationships(viewer: Viewer, ids: Sequence[int | str]) -> list[dict[str, Any]]:
    """Mastodon Relationship entities, in the order asked, for accounts that exist (with the viewer's
    private notes about them).

    Seven queries, whatever the count.
    """
    try:
        wanted = list(dict.fromkeys(int(i) for i in ids))
    except (TypeError, ValueError):
        return []
    if not viewer.is_active or not wanted:
        return []
    me = viewer.id
    existing = set(Employee.objects.filter(pk__in=wanted).values_list("pk", flat=True))

    def pairs(model: type[Model], mine: str, theirs: str, **extra: Any) -> set[int]:
        return set(
            model._default_manager.filter(**{mine: me, f"{theirs}__in": wanted}, **extra).values_list(  # type: ignore[attr-defined]
                theirs, flat=True
            )
        )

    # Whom the viewer follows, with the follow's options (Mastodon's showing_reblogs and notifying).
    following = {
        followee: (show_reblogs, notify)
        for followee, show_reblogs, notify in Follow.objects.filter(
            follower_id=me, followee_id__in=wanted
        ).values_list("followee_id", "show_reblogs", "notify")
    }
    followed_by_ids = pairs(Follow, "followee_id", "follower_id")
    blocking_ids = pairs(Block, "blocker_id", "target_id")
    blocked_by_ids = pairs(Block, "target_id", "blocker_id")
    notes = dict(
        AccountNote.objects.filter(author_id=me, target_id__in=wanted).values_list("target_id", "comment")
    )
    mutes_by_target = dict(
        Mute.objects.filter(active_mutes_q(), muter_id=me, target_id__in=wanted).values_list(
            "target_id", "notifications"
        )
    )
    return [
        {
            "id": str(pk),
            "following": pk in following,
            "showing_reblogs": following.get(pk, (False, False))[0],
            "notifying": following.get(pk, (False, False))[1],
            "languages": None,
            "followed_by": pk in followed_by_ids,
            "blocking": pk in blocking_ids,
            "blocked_by": pk in blocked_by_ids,
            "muting": pk in mutes_by_target,
            "muting_notifications": bool(mutes_by_target.get(pk, False)),
            "requested": False,
            "requested_by": False,
            "domain_blocking": False,
            "endorsed": False,
            "note": notes.get(pk, ""),
        }
        for pk in wanted
        if pk in existing
    ]
