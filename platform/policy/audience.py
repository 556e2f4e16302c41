"""A post's audience as data: for deliveries (streams, notifications) and the composer's preview.

``audience_for(post)`` snapshots what the rules need about a post once; ``admits(audience, viewer)``
then decides for each connected reader without touching the database (apart from the reader's own
follow set, loaded once per viewer), so one new post can be checked against thousands of open
streams cheaply and, being evaluated at delivery time, reflects the rules as they are then.
``audience_members`` is the same rule as a queryset of employees ("who will see this").
All three agree with ``visible_posts``/``can_view_post``; tests/policy proves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from directory.models import Employee, OrgUnit, Role
from policy.posts import _units_q
from policy.rules import tenant_rules
from policy.viewer import Viewer
from posts.models import Audience, Post

# Ranks from here up are shown as executives (임원) in the composer's preview.
EXECUTIVE_MIN_RANK = 6


@dataclass(frozen=True)
class PostAudience:
    post_id: int
    author_id: int
    author_chain: tuple[int, ...]  # the author's unit and the units above it
    kind: str
    unit_id: int | None
    min_rank: int | None
    mentioned: frozenset[int]
    original: PostAudience | None = None  # for a repost: the original's audience


def _chain(employee: Employee) -> tuple[int, ...]:
    return tuple(employee.unit.ancestor_ids()) if employee.unit is not None else ()


def audience_for(post: Post) -> PostAudience:
    original = post.reblog_of if post.reblog_of_id else None
    return PostAudience(
        post_id=post.pk,
        author_id=post.author_id,
        author_chain=_chain(post.author),
        kind=post.audience,
        unit_id=post.unit_id,
        min_rank=post.min_rank,
        mentioned=_mentioned_ids(post),
        original=audience_for(original) if original is not None else None,
    )


def _mentioned_ids(post: Post) -> frozenset[int]:
    # A post its writer has just created carries the mentions it wrote
    # (``posts.selectors.attach_new_post_details``): the rows need not be read back.
    from posts.selectors import carries_own_details

    written = getattr(post, "mention_list", None)
    if carries_own_details(post) and isinstance(written, list):
        return frozenset(int(m["id"]) for m in written)
    return frozenset(post.mentions.values_list("employee_id", flat=True))


def _admits_own(audience: PostAudience, viewer: Viewer) -> bool:
    if audience.author_id == viewer.id:
        return True
    barred = viewer.barred_unit_sets
    if barred and any(set(audience.author_chain) & segment for segment in barred):
        return False
    if viewer.id in audience.mentioned:
        return True
    if audience.min_rank is not None and viewer.rank_level < audience.min_rank:
        return False
    if audience.kind == Audience.COMPANY:
        return True
    if audience.kind == Audience.UNIT:
        return audience.unit_id in viewer.unit_ancestor_ids
    if audience.kind == Audience.FOLLOWERS:
        return audience.author_id in viewer.followees
    return False


def admits(audience: PostAudience, viewer: Viewer) -> bool:
    """Whether ``viewer`` may see the post ``audience`` was taken from, under the rules as they are now."""
    if not viewer.is_active:
        return False
    if viewer.is_compliance:
        return True
    if audience.original is not None:
        reposter_barred = audience.author_id != viewer.id and any(
            set(audience.author_chain) & segment for segment in viewer.barred_unit_sets
        )
        return not reposter_barred and _admits_own(audience.original, viewer)
    return _admits_own(audience, viewer)


def audience_members(
    author: Employee,
    *,
    audience: str,
    unit_id: int | None = None,
    min_rank: int | None = None,
    mentioned_ids: tuple[int, ...] | list[int] = (),
) -> QuerySet[Employee]:
    """The active colleagues (author excluded) who would see a post with this audience."""
    people = Employee.objects.filter(is_active=True, unit__isnull=False).exclude(pk=author.pk)
    if audience == Audience.COMPANY:
        reach = Q(pk__isnull=False)  # everyone (an empty Q() would vanish when OR-ed below)
    elif audience == Audience.UNIT:
        target = unit_id or author.unit_id
        reach = Q(unit__in=OrgUnit.objects.filter(_units_q({int(target)}))) if target else Q(pk__in=[])
    elif audience == Audience.FOLLOWERS:
        reach = Q(following_set__followee=author)
    else:
        reach = Q(pk__in=[])
    if min_rank is not None:
        reach &= Q(rank_level__gte=min_rank)
    reach |= Q(pk__in=list(mentioned_ids)) | Q(role=Role.COMPLIANCE)
    people = people.filter(reach)
    # Barriers bind both ways: whoever the author is barred from cannot see it (compliance excepted).
    segments = tenant_rules().barred_unit_sets(_chain(author))
    if segments:
        barred_units = OrgUnit.objects.filter(_units_q(set().union(*segments)))
        people = people.exclude(Q(unit__in=barred_units) & ~Q(role=Role.COMPLIANCE))
    return people.distinct()


@dataclass(frozen=True)
class AudiencePreview:
    count: int
    executives: int
    sample: list[Employee]


def audience_preview(
    author: Employee,
    *,
    audience: str,
    unit_id: int | None = None,
    min_rank: int | None = None,
    mentioned_ids: tuple[int, ...] | list[int] = (),
    sample_size: int = 5,
) -> AudiencePreview:
    """ "Who will see this": how many colleagues, how many of them executives, and a few faces."""
    people = audience_members(
        author, audience=audience, unit_id=unit_id, min_rank=min_rank, mentioned_ids=mentioned_ids
    )
    return AudiencePreview(
        count=people.count(),
        executives=people.filter(rank_level__gte=EXECUTIVE_MIN_RANK).count(),
        sample=list(people.select_related("unit").order_by("-rank_level", "display_name")[:sample_size]),
    )
