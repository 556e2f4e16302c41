"""Reads for the web pages that the shared selectors do not already provide.

Posts always come through ``policy`` (via timelines/posts selectors or ``policy.visible_posts``);
this module adds directory reads (people, org tree, autocomplete), the unread badges, the search
fallback used until ``platform/search`` provides its selectors, and the viewer's own scheduled posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from directory.models import Employee, OrgUnit, Rank
from policy import Viewer, visible_posts
from posts.models import Audience, Hashtag, Post, ScheduledPost

PEOPLE_PAGE = 60


def company_timeline(viewer: Viewer, *, limit: int) -> list[Post]:
    from common.paging import Page
    from timelines.selectors import public_timeline

    return public_timeline(viewer, Page(limit=limit))


def colleagues(viewer: Viewer, *, limit: int) -> QuerySet[Employee]:
    """The most senior colleagues first: who is who, for the side column."""
    if not viewer.is_active:
        return Employee.objects.none()
    return (
        Employee.objects.filter(is_active=True, unit__isnull=False)
        .select_related("unit")
        .order_by("-rank_level", "family_name", "given_name")[:limit]
    )


def employee_by_username(viewer: Viewer, username: str) -> Employee:
    """Anyone in the directory, active or not (a former colleague's posts stay, shown by name)."""
    if not viewer.is_active:
        raise Http404("Not found")
    found = Employee.objects.filter(username__iexact=username, unit__isnull=False).first()
    if found is None:
        raise Http404("Not found")
    return found


def unit_get(viewer: Viewer, unit_id: int | str) -> OrgUnit:
    if not viewer.is_active:
        raise Http404("Not found")
    try:
        return OrgUnit.objects.get(pk=int(unit_id))
    except (TypeError, ValueError, OrgUnit.DoesNotExist):
        raise Http404("Not found") from None


def units_above(unit: OrgUnit | None) -> list[OrgUnit]:
    """``unit`` and every unit above it, nearest first (the unit audiences an author may pick)."""
    if unit is None:
        return []
    ids = unit.ancestor_ids()
    found = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    return [found[i] for i in reversed(ids) if i in found]


def _name_q(query: str) -> Q:
    q = Q()
    for word in query.split():
        q &= (
            Q(display_name__icontains=word)
            | Q(name_latin__icontains=word)
            | Q(username__icontains=word)
            | Q(title__icontains=word)
            | Q(unit__name__icontains=word)
        )
    # "김철수" typed without a space matches family + given name written apart in the directory.
    compact = query.replace(" ", "")
    if compact:
        q |= Q(name_latin__icontains=query) | Q(display_name__icontains=compact)
    return q


def people_search(viewer: Viewer, query: str, *, limit: int = PEOPLE_PAGE) -> list[Employee]:
    """Active colleagues by real name in Hangul or Latin letters, username, title or unit."""
    if not viewer.is_active:
        return []
    query = " ".join(query.split())[:60]
    rows = Employee.objects.filter(is_active=True, unit__isnull=False)
    if query:
        rows = rows.filter(_name_q(query))
    return list(
        rows.select_related("unit").order_by("-rank_level", "family_name", "given_name", "id")[:limit]
    )


def people_in_unit(viewer: Viewer, unit: OrgUnit, *, limit: int = PEOPLE_PAGE) -> list[Employee]:
    if not viewer.is_active:
        return []
    return list(
        Employee.objects.filter(is_active=True, unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("unit__path", "-rank_level", "family_name", "given_name", "id")[:limit]
    )


@dataclass
class TreeNode:
    unit: OrgUnit
    members: int = 0
    children: list[TreeNode] = field(default_factory=list)


def org_tree(viewer: Viewer) -> list[TreeNode]:
    """The whole org chart with head counts (of the subtree), two queries whatever its size."""
    if not viewer.is_active:
        return []
    units = list(OrgUnit.objects.order_by("path", "sort_order", "name"))
    direct = dict(
        Employee.objects.filter(is_active=True, unit__isnull=False)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    nodes = {u.pk: TreeNode(unit=u, members=direct.get(u.pk, 0)) for u in units}
    roots: list[TreeNode] = []
    for unit in units:
        node = nodes[unit.pk]
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(node)
    # Paths sort parents before children, so summing deepest-first gives subtree totals.
    for unit in sorted(units, key=lambda u: -u.depth):
        node = nodes[unit.pk]
        if unit.parent_id and unit.parent_id in nodes:
            nodes[unit.parent_id].members += node.members
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.unit.sort_order, n.unit.name))
    return roots


def mention_suggestions(viewer: Viewer, query: str, *, limit: int = 8) -> list[Employee]:
    """Composer autocomplete: people by real name (Hangul or Latin) or username."""
    query = query.strip().lstrip("@")
    if not viewer.is_active or not query:
        return []
    return people_search(viewer, query, limit=limit)


def tag_suggestions(viewer: Viewer, query: str, *, limit: int = 8) -> list[Hashtag]:
    from posts.text import normalise_tag

    name = normalise_tag(query.strip().lstrip("#"))
    if not viewer.is_active or not name:
        return []
    # Tags are names, not content: a tag used only in hidden posts reveals nothing more than its name,
    # but the most used tags come first, counted over what the viewer may see.
    visible = visible_posts(viewer).values("id")
    return list(
        Hashtag.objects.filter(name__startswith=name)
        .annotate(uses=Count("post_tags", filter=Q(post_tags__post_id__in=visible)))
        .filter(uses__gt=0)
        .order_by("-uses", "name")[:limit]
    )


def search_posts(viewer: Viewer, query: str, *, limit: int = 20) -> list[Post]:
    """Posts the viewer may see that contain ``query``. Uses ``platform/search`` when it offers a
    selector; until then a plain scan of the newest visible posts (correct, not fast)."""
    query = " ".join(query.split())
    if not query or not viewer.is_active:
        return []
    try:
        from search import selectors as search_selectors  # type: ignore[attr-defined]

        found = getattr(search_selectors, "post_search", None)
    except ImportError:
        found = None
    if callable(found):
        try:
            return list(found(viewer, query, limit=limit))
        except TypeError:
            pass
    rows = visible_posts(viewer).filter(reblog_of__isnull=True)
    for word in query.split():
        rows = rows.filter(text__icontains=word)
    return list(rows.select_related("author", "reblog_of", "reblog_of__author").order_by("-id")[:limit])


def filtered_posts(viewer: Viewer, post_ids: list[int]) -> dict[int, Post]:
    """The posts a filter of the viewer's holds by hand that the viewer may still see, by id: one that
    has since become hidden from them is listed without its text (``filters`` never checks again)."""
    if not post_ids or not viewer.is_active:
        return {}
    return {p.pk: p for p in visible_posts(viewer).filter(pk__in=post_ids).select_related("author")}


def tag_search(viewer: Viewer, query: str, *, limit: int = 10) -> list[Hashtag]:
    return tag_suggestions(viewer, query, limit=limit)


def unread_notifications(viewer: Viewer) -> int:
    """Notifications above the read marker, as the badge shows them (capped: "99+")."""
    if not viewer.is_active:
        return 0
    from notifications.selectors import read_up_to, unread_count

    return unread_count(viewer, since_id=read_up_to(viewer))


# A badge shows "99+" beyond 99: conversations past the hundredth are not counted.
BADGE_COUNTED = 100


def unread_conversations(viewer: Viewer) -> int:
    """Conversations the Messages page marks unread, as the Messages badge shows them (capped: "99+")."""
    from timelines.selectors import conversation_unread_count

    return conversation_unread_count(viewer, limit=BADGE_COUNTED)


def tenant_summary() -> dict[str, Any]:
    from directory.services import company_settings

    settings = company_settings()
    return {"post_max_chars": settings.post_max_chars}


@dataclass
class AuthorisedApp:
    application_id: int
    name: str
    scopes: str
    personal: bool
    last_used: Any
    created: Any


def authorised_apps(viewer: Viewer) -> list[AuthorisedApp]:
    """Apps (and personal tokens) holding a live token of the viewer's, newest first."""
    if not viewer.is_active:
        return []
    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    from frontend.services import PERSONAL_TOKEN_APP_PREFIX

    apps: dict[int, AuthorisedApp] = {}
    rows = (
        AccessToken.objects.filter(user_id=viewer.id, expires__gt=timezone.now(), application__isnull=False)
        .select_related("application")
        .order_by("-created")
    )
    for token in rows:
        app = token.application
        if app.pk in apps:
            continue
        personal = app.name.startswith(PERSONAL_TOKEN_APP_PREFIX) and app.user_id == viewer.id
        apps[app.pk] = AuthorisedApp(
            application_id=app.pk,
            name=app.name.removeprefix(PERSONAL_TOKEN_APP_PREFIX) if personal else app.name,
            scopes=token.scope,
            personal=personal,
            last_used=token.updated,
            created=token.created,
        )
    return list(apps.values())


def mentioned_ids(text: str) -> list[int]:
    """Employees a draft mentions (for the "mentioned people only" preview)."""
    from django.db.models.functions import Lower

    from posts.text import parse

    names = {s.value.lower() for s in parse(text or "").segments if s.kind == "mention" and not s.host}
    if not names:
        return []
    return list(
        Employee.objects.annotate(lname=Lower("username"))
        .filter(lname__in=names, is_active=True)
        .values_list("id", flat=True)
    )


def follow_counts(person: Employee) -> dict[str, int]:
    from social.models import Follow

    return {
        "followers": Follow.objects.filter(followee=person).count(),
        "following": Follow.objects.filter(follower=person).count(),
    }


# --- scheduled posts ------------------------------------------------------------------------------

# Failed scheduled posts stay until their author dismisses them; the page shows the latest ones.
FAILED_SHOWN = 20


@dataclass
class ScheduledItem:
    """One scheduled post as the page shows it: what was written, and to whom, from its ``params``."""

    scheduled: ScheduledPost
    audience: str
    unit: OrgUnit | None
    min_rank: str  # the rank's name, "" for any rank
    images: int
    poll: list[str]

    @property
    def text(self) -> str:
        return str(self.scheduled.params.get("text") or "")

    @property
    def spoiler_text(self) -> str:
        return str(self.scheduled.params.get("spoiler_text") or "")

    @property
    def is_reply(self) -> bool:
        return bool(self.scheduled.params.get("in_reply_to_id"))


@dataclass
class ScheduledPosts:
    pending: list[ScheduledItem]
    failed: list[ScheduledItem]


def scheduled_posts(viewer: Viewer) -> ScheduledPosts:
    """The viewer's scheduled posts: those waiting, soonest first (all of them: an author has at most
    ``posts.services.MAX_SCHEDULED``), and the latest that could not be published when due, with the
    reason, until dismissed. Only rows the viewer wrote; four statements whatever their number."""
    if viewer.id is None or not viewer.is_active:
        return ScheduledPosts(pending=[], failed=[])
    from posts.services import MAX_SCHEDULED

    own = ScheduledPost.objects.filter(author_id=viewer.id)
    pending = list(
        own.filter(state=ScheduledPost.State.PENDING).order_by("scheduled_at", "id")[:MAX_SCHEDULED]
    )
    failed = list(
        own.filter(state=ScheduledPost.State.FAILED).order_by("-scheduled_at", "-id")[:FAILED_SHOWN]
    )
    return ScheduledPosts(pending=_scheduled_items(pending), failed=_scheduled_items(failed))


def scheduled_failed_get(viewer: Viewer, scheduled_id: int | str) -> ScheduledItem:
    """One of the viewer's failed scheduled posts; anyone else's, or one not failed, is missing (404)."""
    if viewer.id is None or not viewer.is_active or not str(scheduled_id).isdigit():
        raise Http404("Not found")
    found = ScheduledPost.objects.filter(
        pk=int(scheduled_id), author_id=viewer.id, state=ScheduledPost.State.FAILED
    ).first()
    if found is None:
        raise Http404("Not found")
    return _scheduled_items([found])[0]


def _scheduled_items(rows: list[ScheduledPost]) -> list[ScheduledItem]:
    unit_ids = {int(r.params["unit_id"]) for r in rows if r.params.get("unit_id")}
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    wants_ranks = any(r.params.get("min_rank") is not None for r in rows)
    ranks = dict(Rank.objects.values_list("level", "name")) if wants_ranks else {}
    items = []
    for row in rows:
        p = row.params
        audience = p.get("audience") or Audience.COMPANY  # settled when scheduled (posts.services)
        min_rank = p.get("min_rank")
        poll = p.get("poll") or {}
        items.append(
            ScheduledItem(
                scheduled=row,
                audience=str(audience),
                unit=units.get(int(p["unit_id"])) if p.get("unit_id") else None,
                min_rank=ranks.get(int(min_rank), str(min_rank)) if min_rank is not None else "",
                images=len(p.get("media_ids") or ()),
                poll=[str(o) for o in poll.get("options") or ()],
            )
        )
    return items
