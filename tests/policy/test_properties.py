"""Property-based: random org trees, ranks, people, follows, tenant policies and posts of every audience.

For every viewer, every form of the rules — the queryset (every read path's base), the predicate, the
delivery check used by streams and notifications, the composer's "who will see this", and the company
and profile timelines — returns exactly the set VISIBILITY.md defines, restated below as a plain-Python
oracle that shares no code with the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.paging import Page
from directory.models import Employee, OrgUnit, Role
from directory.services import PolicyInput, employee_create, tenant_policy_update, unit_create
from policy import Viewer, admits, audience_for, audience_members, can_view_post, visible_posts
from posts.models import Audience, Mention, Post
from social.models import Follow
from tests.policy.test_matrix import sql_visible_ids
from timelines import selectors as timelines

pytestmark = pytest.mark.django_db


# ---- the oracle: VISIBILITY.md in plain Python ----------------------------------------------------------


@dataclass
class World:
    parent: dict[int, int | None]  # unit → parent unit
    unit_of: dict[int, int]  # person → unit
    rank: dict[int, int]
    role: dict[int, str]
    active: dict[int, bool]
    follows: set[tuple[int, int]]  # (follower, followee)
    barriers: list[tuple[set[int], set[int]]] = field(default_factory=list)

    def chain(self, unit: int) -> list[int]:
        out: list[int] = []
        node: int | None = unit
        while node is not None:
            out.append(node)
            node = self.parent[node]
        return out

    def barred(self, a: int, b: int) -> bool:
        if a == b:
            return False
        ca, cb = set(self.chain(self.unit_of[a])), set(self.chain(self.unit_of[b]))
        return any((ca & sa and cb & sb) or (ca & sb and cb & sa) for sa, sb in self.barriers)


@dataclass
class PostSpec:
    id: int
    author: int
    audience: str
    unit: int | None
    min_rank: int | None
    mentioned: set[int]
    reblog_of: PostSpec | None = None


def sees(world: World, viewer: int, post: PostSpec) -> bool:
    if not world.active[viewer]:
        return False
    if world.role[viewer] == Role.COMPLIANCE:
        return True
    if post.reblog_of is not None:
        if post.author != viewer and world.barred(viewer, post.author):
            return False
        return sees(world, viewer, post.reblog_of)
    if post.author == viewer:
        return True
    if world.barred(viewer, post.author):
        return False
    if viewer in post.mentioned:
        return True
    if post.min_rank is not None and world.rank[viewer] < post.min_rank:
        return False
    if post.audience == Audience.COMPANY:
        return True
    if post.audience == Audience.UNIT:
        return post.unit in world.chain(world.unit_of[viewer])
    if post.audience == Audience.FOLLOWERS:
        return (viewer, post.author) in world.follows
    return False


# ---- random worlds ---------------------------------------------------------------------------------------


@st.composite
def worlds(draw: st.DrawFn) -> dict:
    n_units = draw(st.integers(2, 6))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n_units)]
    n_people = draw(st.integers(2, 7))
    people = [
        {
            "unit": draw(st.integers(0, n_units - 1)),
            "rank": draw(st.integers(1, 9)),
            "role": draw(st.sampled_from([Role.MEMBER] * 5 + [Role.ADMIN, Role.COMPLIANCE])),
            "active": draw(st.booleans()) or draw(st.booleans()),
        }
        for _ in range(n_people)
    ]
    follows = draw(
        st.sets(st.tuples(st.integers(0, n_people - 1), st.integers(0, n_people - 1)), max_size=12)
    )
    follows = {(a, b) for a, b in follows if a != b}
    barriers = draw(
        st.lists(
            st.tuples(
                st.sets(st.integers(1, n_units - 1), min_size=1, max_size=2),
                st.sets(st.integers(1, n_units - 1), min_size=1, max_size=2),
            ).filter(lambda ab: not (ab[0] & ab[1])),
            max_size=2,
        )
    )
    posts = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "author": st.integers(0, n_people - 1),
                    "audience": st.sampled_from(Audience.values),
                    "unit": st.integers(0, n_units - 1),
                    "min_rank": st.none() | st.integers(1, 9),
                    "mentioned": st.sets(st.integers(0, n_people - 1), max_size=2),
                    "reblogged_by": st.none() | st.integers(0, n_people - 1),
                }
            ),
            min_size=1,
            max_size=6,
        )
    )
    return {"parents": parents, "people": people, "follows": follows, "barriers": barriers, "posts": posts}


def _build(spec: dict) -> tuple[World, list[Employee], list[tuple[Post, PostSpec]]]:
    root = OrgUnit.objects.get(parent=None)
    units: list[OrgUnit] = [root]
    for i, parent in enumerate(spec["parents"][1:], start=1):
        units.append(unit_create(name=f"u{i}", parent=units[parent]))
    employees = []
    for i, p in enumerate(spec["people"]):
        e = employee_create(
            username=f"p{i}",
            email=f"p{i}@prop.example",
            unit=units[p["unit"]],
            rank_level=p["rank"],
            role=p["role"],
            follow_unit=False,
        )
        if not p["active"]:
            e.is_active = False
            e.save(update_fields=["is_active"])
        employees.append(e)
    Follow.objects.bulk_create(
        Follow(follower=employees[a], followee=employees[b]) for a, b in spec["follows"]
    )
    tenant_policy_update(
        data=PolicyInput(
            barriers=tuple(
                (tuple(units[u].pk for u in a), tuple(units[u].pk for u in b)) for a, b in spec["barriers"]
            )
        )
    )
    world = World(
        parent={u.pk: u.parent_id for u in units},
        unit_of={e.pk: e.unit_id for e in employees},
        rank={e.pk: e.rank_level for e in employees},
        role={e.pk: e.role for e in employees},
        active={e.pk: e.is_active for e in employees},
        follows={(employees[a].pk, employees[b].pk) for a, b in spec["follows"]},
        barriers=[({units[u].pk for u in a}, {units[u].pk for u in b}) for a, b in spec["barriers"]],
    )
    made: list[tuple[Post, PostSpec]] = []
    for p in spec["posts"]:
        author = employees[p["author"]]
        unit = units[p["unit"]] if p["audience"] == Audience.UNIT else None
        post = Post.objects.create(
            author=author, text="x", audience=p["audience"], unit=unit, min_rank=p["min_rank"]
        )
        mentioned = {employees[m].pk for m in p["mentioned"]}
        Mention.objects.bulk_create(Mention(post=post, employee_id=m) for m in mentioned)
        original = PostSpec(
            post.pk, author.pk, p["audience"], unit.pk if unit else None, p["min_rank"], mentioned
        )
        made.append((post, original))
        if p["reblogged_by"] is not None and p["audience"] == Audience.COMPANY:
            reposter = employees[p["reblogged_by"]]
            reblog = Post.objects.create(author=reposter, reblog_of=post, audience=Audience.COMPANY)
            made.append(
                (reblog, PostSpec(reblog.pk, reposter.pk, Audience.COMPANY, None, None, set(), original))
            )
    return world, employees, made


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=worlds())
def test_every_read_path_returns_exactly_what_visibility_md_defines(acme, spec: dict) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        world, employees, posts = _build(spec)
        by_id = {post.pk: post for post, _ in posts}
        for viewer_employee in employees:
            viewer = Viewer(employee=Employee.objects.select_related("unit").get(pk=viewer_employee.pk))
            expected = {ps.id for _, ps in posts if sees(world, viewer_employee.pk, ps)}
            assert set(visible_posts(viewer).values_list("id", flat=True)) == expected
            assert sql_visible_ids(viewer) == expected
            for post, ps in posts:
                fresh = Post.objects.select_related("author__unit", "reblog_of__author__unit").get(pk=post.pk)
                assert can_view_post(viewer, fresh) == (ps.id in expected)
                assert admits(audience_for(fresh), viewer) == (ps.id in expected)
            company = {p.pk for p in timelines.public_timeline(viewer, Page(limit=40))}
            assert company <= expected
            assert company == {
                pk
                for pk in expected
                if by_id[pk].audience == Audience.COMPANY
                and by_id[pk].reblog_of_id is None
                and by_id[pk].in_reply_to_id is None
            }
            for author in employees:
                profile = {p.pk for p in timelines.account_timeline(viewer, author.pk, Page(limit=40))}
                assert profile == {pk for pk in expected if by_id[pk].author_id == author.pk}
        # "Who will see this" for each original post is exactly the set of active colleagues who see it.
        for post, ps in posts:
            if ps.reblog_of is not None:
                continue
            members = set(
                audience_members(
                    post.author,
                    audience=ps.audience,
                    unit_id=ps.unit,
                    min_rank=ps.min_rank,
                    mentioned_ids=tuple(ps.mentioned),
                )
                .filter(pk__in=[e.pk for e in employees])  # the tenant's first admin is not in this world
                .values_list("id", flat=True)
            )
            assert members == {e.pk for e in employees if e.pk != ps.author and sees(world, e.pk, ps)}
        transaction.set_rollback(True)
