"""The database side of the stream server: synchronous functions the event loop runs in its thread pool.

Each takes the tenant's schema explicitly (threads are shared between tenants) and returns plain data
or ready-made ``policy.Viewer`` objects, so nothing lazy reaches the event loop: every attribute the
visibility check reads is loaded here.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from api import scopes as mastodon_scopes
from filters.selectors import ActiveFilter, FilterSet
from policy import TenantRules, Viewer, tenant_rules


@dataclass(frozen=True)
class TenantRef:
    schema: str
    suspended: bool


@dataclass(frozen=True)
class Principal:
    """Who opened a stream, and with what credential (re-checked periodically while it is open)."""

    employee_id: int
    token_id: int | None = None
    session_key: str | None = None
    scopes: frozenset[str] | None = None  # None for a session: the web UI may read everything its user may
    # A compliance officer's streams are audited when opened (audit.middleware, VISIBILITY.md).
    compliance: bool = False

    def may(self, needed: str) -> bool:
        return self.scopes is None or mastodon_scopes.satisfies(self.scopes, needed)


@dataclass
class EventContext:
    """Per event, per process: what the visibility and stream rules need beyond the audience snapshot."""

    followers: dict[int, frozenset[int]] = field(default_factory=dict)
    silenced: frozenset[int] = frozenset()
    lists_of: dict[int, frozenset[int]] = field(default_factory=dict)
    exclusive_owners: frozenset[int] = frozenset()
    # Active employees following one of the event's hashtags: its home audience beyond the followers.
    tag_followers: frozenset[int] = frozenset()
    # Per followee, the followers who hide their reposts (the follow's ``show_reblogs`` is off).
    reblogs_hidden: dict[int, frozenset[int]] = field(default_factory=dict)


def _enter(schema: str) -> None:
    # A thread's connection may have been idle past its lifetime or broken by a restart.
    close_old_connections()
    if connection.schema_name != schema:
        connection.set_schema(schema)


# ---- tenants ----------------------------------------------------------------------------------------


def tenant_for_host(hostname: str) -> TenantRef | None:
    """The tenant behind a Host, the way ``tenants.middleware.TenantHostMiddleware`` decides it. The
    vendor's own host has no streams, so it is ``None`` like an unknown host."""
    from tenants.models import Domain

    if not hostname or hostname == settings.BASE_DOMAIN:
        return None
    _enter(get_public_schema_name())
    found = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    if found is None:
        return None
    return TenantRef(schema=found.tenant.schema_name, suspended=found.tenant.is_suspended)


# ---- credentials -----------------------------------------------------------------------------------


def principal_for_token(schema: str, token: str) -> Principal | None:
    from oauth2_provider.models import AccessToken

    _enter(schema)
    checksum = hashlib.sha256(token.encode()).hexdigest()
    found = AccessToken.objects.select_related("user").filter(token_checksum=checksum).first()
    if found is None or found.is_expired() or found.user is None or not found.user.is_active:
        return None
    return Principal(
        employee_id=found.user.pk,
        token_id=found.pk,
        scopes=frozenset(found.scope.split()),
        compliance=found.user.role == "compliance",
    )


def principal_for_session(schema: str, session_key: str) -> Principal | None:
    """The web UI's session, checked as ``django.contrib.auth.get_user`` checks it (including the
    password hash, so a password change signs the stream out as it signs out the browser)."""
    from importlib import import_module

    from django.contrib.auth import get_user

    _enter(schema)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Principal(employee_id=user.pk, session_key=session_key, compliance=user.role == "compliance")


# ---- viewers and their periodic re-check ----------------------------------------------------------


class ViewerFilters:
    """A viewer's keyword filters in force, as an open stream holds them: compiled once at load. One
    that expires stops applying at the first event past its ``expires_at`` without a reload or a query:
    the set is rebuilt then from what is held, as ``filters.selectors.active_filters`` would read it.
    (Checking each filter's expiry at every match would cost a comparison per filter per event; this
    is one per viewer, and none until something expires.)"""

    __slots__ = ("_next_expiry", "filters", "set")

    def __init__(self, filters: tuple[ActiveFilter, ...]) -> None:
        self._hold(filters)

    def _hold(self, filters: tuple[ActiveFilter, ...]) -> None:
        self.filters = filters
        self.set = FilterSet(filters)
        self._next_expiry = min((f.expires_at for f in filters if f.expires_at is not None), default=None)

    def in_force(self, now: datetime) -> FilterSet:
        if self._next_expiry is not None and now >= self._next_expiry:
            self._hold(tuple(f for f in self.filters if f.expires_at is None or f.expires_at > now))
        return self.set


class StreamViewer(Viewer):
    """A ``policy.Viewer`` as the stream server holds it: with its keyword filters, None for the many
    who have none (the fan-out then does nothing more for them than before filters existed). Not a
    field of its own: set only on the few who have filters, the others' instances stay as small as a
    plain Viewer's (10,000 of them are walked per event)."""

    filters: ViewerFilters | None = None


def filters_in_force(viewer: StreamViewer, now: datetime) -> tuple[ActiveFilter, ...]:
    """What the viewer's filters are now: to tell whether a reload changed them (``filters_changed``)."""
    return viewer.filters.in_force(now).filters if viewer.filters is not None else ()


def viewers(schema: str, employee_ids: set[int], rules: TenantRules | None = None) -> dict[int, StreamViewer]:
    """Ready viewers for the active ones among ``employee_ids`` (the rest are gone: close their streams),
    under ``rules`` when given (else the tenant's current ones), with their keyword filters (one more
    statement for all of them, none when nobody among them has a filter).

    ``followees`` starts empty on purpose: the only follow edges a delivery depends on are those to
    the event's authors, and each event loads exactly those (``event_context``), so they are exact at
    delivery time instead of as old as the connection.
    """
    from directory.models import Employee

    _enter(schema)
    out: dict[int, StreamViewer] = {}
    filtering = []
    # Each viewer made right after its employee row, as before filters existed: the fan-out walks
    # 10,000 of them per event, and kept side by side in memory they cost ~4 % less to walk.
    for employee in Employee.objects.filter(pk__in=employee_ids, is_active=True).select_related("unit"):
        viewer = StreamViewer(employee=employee, _followees=frozenset())
        prepare(viewer, rules)
        out[employee.pk] = viewer
        if employee.has_filters:
            filtering.append(employee.pk)
    for employee_id, filters in _filters_of(filtering).items():
        out[employee_id].filters = filters
    return out


def filters_of(schema: str, employee_ids: Collection[int]) -> dict[int, ViewerFilters]:
    """The keyword filters in force of ``employee_ids`` (only those who have any come back): the
    periodic refresh's check of what the writers' reload messages should have told."""
    _enter(schema)
    return _filters_of(employee_ids)


def _filters_of(employee_ids: Collection[int]) -> dict[int, ViewerFilters]:
    from filters.selectors import active_filters_of

    return {owner: ViewerFilters(found) for owner, found in active_filters_of(employee_ids).items()}


def prepare(viewer: Viewer, rules: TenantRules | None = None) -> None:
    """Compute here, in the pool, everything ``policy.admits`` reads lazily (the unit chain, the
    tenant's rules and the barrier segments), so the event loop never touches the database or cache."""
    if rules is not None:
        viewer.__dict__["rules"] = rules
        viewer.__dict__.pop("barred_unit_sets", None)
    _ = viewer.unit_ancestor_ids
    _ = viewer.barred_unit_sets


def current_rules(schema: str) -> TenantRules:
    """The tenant's policy (barriers), to notice an edit between viewer reloads."""
    _enter(schema)
    return tenant_rules()


def dead_credentials(schema: str, token_ids: set[int], session_keys: set[str]) -> tuple[set[int], set[str]]:
    """Which of the given tokens and sessions are gone or expired. Only those come back: this runs
    every few seconds beside 10,000 open streams, where reading back every live one would be 10,000
    rows of Python work on the event loop's GIL."""
    from django.contrib.sessions.models import Session
    from oauth2_provider.models import AccessToken

    _enter(schema)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT x.id FROM unnest(%s::bigint[]) AS x(id) WHERE NOT EXISTS"  # noqa: S608
            f" (SELECT 1 FROM {AccessToken._meta.db_table} t WHERE t.id = x.id AND t.expires > %s)",
            [list(token_ids), now],
        )
        tokens = {row[0] for row in cursor.fetchall()}
    sessions: set[str] = set()
    if session_keys:
        live = set(
            Session.objects.filter(session_key__in=session_keys, expire_date__gt=now).values_list(
                "session_key", flat=True
            )
        )
        sessions = set(session_keys) - live
    return tokens, sessions


def facts(viewer: Viewer) -> tuple[str | None, int, str, bool]:
    """What ``policy.admits`` reads about a viewer from the directory, besides being active: the unit
    chain (as the unit's path), the rank and the role; and whether they have keyword filters (a first
    filter made, or the last one deleted, behind a lost reload message)."""
    employee = viewer.employee
    assert employee is not None
    unit_path = employee.unit.path if employee.unit is not None else None
    return (unit_path, employee.rank_level, employee.role, employee.has_filters)


def changed_viewers(schema: str, known: dict[int, tuple[str | None, int, str, bool]]) -> set[int]:
    """Of the employees in ``known`` (id → ``facts``), those now inactive or gone, or whose facts
    differ: the periodic safety net behind the writers' reload messages. PostgreSQL compares, so a
    quiet directory costs one statement and no rows, however many viewers are loaded."""
    from directory.models import Employee, OrgUnit

    _enter(schema)
    ids, paths, ranks, roles, filtering = [], [], [], [], []
    for employee_id, (path, rank, role, has_filters) in known.items():
        ids.append(employee_id)
        paths.append(path)
        ranks.append(rank)
        roles.append(role)
        filtering.append(has_filters)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x.id FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::text[], %s::boolean[])"  # noqa: S608
            " AS x(id, path, rank_level, role, has_filters)"
            f" LEFT JOIN {Employee._meta.db_table} e ON e.id = x.id AND e.is_active"
            f" LEFT JOIN {OrgUnit._meta.db_table} u ON u.id = e.unit_id"
            " WHERE e.id IS NULL OR u.path IS DISTINCT FROM x.path"
            " OR e.rank_level IS DISTINCT FROM x.rank_level OR e.role IS DISTINCT FROM x.role"
            " OR e.has_filters IS DISTINCT FROM x.has_filters",
            [ids, paths, ranks, roles, filtering],
        )
        return {row[0] for row in cursor.fetchall()}


def list_owned(schema: str, list_id: int, owner_id: int) -> tuple[int, str] | None:
    """(list id, replies policy) when ``owner_id`` owns the list; None otherwise (a 404 either way)."""
    from social.models import List

    _enter(schema)
    found = List.objects.filter(pk=list_id, owner_id=owner_id).values_list("pk", "replies_policy").first()
    return (int(found[0]), str(found[1])) if found else None


# ---- per event ------------------------------------------------------------------------------------


def event_context(
    schema: str,
    *,
    authors: set[int],
    reply_to: int | None,
    follows: bool,
    lists: bool,
    tags: Collection[str] = (),
) -> EventContext:
    """Follow edges into the event's authors (and the replied-to account), who silenced them (mutes and
    blocks, Mastodon applies them to every stream), which lists they are on, and who follows one of
    ``tags`` (normalised names; given only when the post reaches its tags' followers' home timelines).
    A handful of indexed queries per event per process, however many connections are open."""
    from social.filters import silencers_of
    from social.models import Follow, ListMember, TagFollow

    _enter(schema)
    context = EventContext()
    people = set(authors) | ({reply_to} if reply_to else set())
    if follows:
        by_followee: dict[int, set[int]] = defaultdict(set)
        hiding: dict[int, set[int]] = defaultdict(set)
        for followee, follower, show_reblogs in Follow.objects.filter(followee_id__in=people).values_list(
            "followee_id", "follower_id", "show_reblogs"
        ):
            by_followee[followee].add(follower)
            if not show_reblogs:
                hiding[followee].add(follower)
        context.followers = {k: frozenset(v) for k, v in by_followee.items()}
        context.reblogs_hidden = {k: frozenset(v) for k, v in hiding.items()}
    context.silenced = frozenset(silencers_of(authors))
    if lists:
        by_member: dict[int, set[int]] = defaultdict(set)
        owners: set[int] = set()
        for member, list_id, owner, exclusive in ListMember.objects.filter(
            employee_id__in=people
        ).values_list("employee_id", "list_id", "list__owner_id", "list__exclusive"):
            by_member[member].add(list_id)
            if exclusive and member in authors:
                owners.add(owner)
        context.lists_of = {k: frozenset(v) for k, v in by_member.items()}
        context.exclusive_owners = frozenset(owners)
    if tags:
        # Through ``tag_follow_by_hashtag``, as the fan-out reads them (``timelines.services.fanout_run``).
        context.tag_followers = frozenset(
            TagFollow.objects.filter(hashtag__name__in=list(tags), employee__is_active=True).values_list(
                "employee_id", flat=True
            )
        )
    return context


def announcement_marks(
    schema: str, announcement_id: int, employee_ids: Collection[int]
) -> dict[int, tuple[bool, frozenset[str]]]:
    """Of ``employee_ids``, those who marked the announcement read or reacted to it: (read, the names of
    their reactions). One statement per event however many readers; the others are unread, no reaction."""
    from announcements.models import AnnouncementReaction, AnnouncementRead

    _enter(schema)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT employee_id, NULL FROM {AnnouncementRead._meta.db_table}"  # noqa: S608
            " WHERE announcement_id = %s AND employee_id = ANY(%s::bigint[])"
            f" UNION ALL SELECT employee_id, name FROM {AnnouncementReaction._meta.db_table}"
            " WHERE announcement_id = %s AND employee_id = ANY(%s::bigint[])",
            [announcement_id, list(employee_ids), announcement_id, list(employee_ids)],
        )
        rows = cursor.fetchall()
    read: set[int] = set()
    reacted: dict[int, set[str]] = defaultdict(set)
    for employee_id, name in rows:
        if name is None:
            read.add(employee_id)
        else:
            reacted[employee_id].add(name)
    return {k: (k in read, frozenset(reacted.get(k, ()))) for k in read | set(reacted)}


def notification_silenced(schema: str, recipient_id: int, actor_id: int) -> bool:
    from social.filters import is_silenced

    _enter(schema)
    return is_silenced(recipient_id, actor_id, for_notifications=True)


def inactive_among(schema: str, employee_ids: set[int]) -> set[int]:
    """Which of ``employee_ids`` are deactivated or gone (the cheap check that runs every few seconds)."""
    from directory.models import Employee

    _enter(schema)
    # One array parameter instead of 10,000 placeholders, and only the inactive come back: this runs
    # every few seconds in the stream process, where Python work on 10,000 rows holds the GIL.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT x.id FROM unnest(%s::bigint[]) AS x(id) WHERE NOT EXISTS"  # noqa: S608
            f" (SELECT 1 FROM {Employee._meta.db_table} e WHERE e.id = x.id AND e.is_active)",
            [list(employee_ids)],
        )
        return {row[0] for row in cursor.fetchall()}


def record_compliance_stream(schema: str, employee_id: int, path: str, ip: str | None) -> None:
    from audit.middleware import compliance_stream_opened

    _enter(schema)
    compliance_stream_opened(employee_id=employee_id, path=path, ip=ip)
