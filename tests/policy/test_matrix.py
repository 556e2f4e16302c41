"""The queryset, SQL and predicate forms of the visibility rules agree, and all match VISIBILITY.md.

Every combination of audience, unit target, minimum rank, mention and follow is checked for viewers
placed everywhere in the org tree, against an oracle that restates the rules in plain Python.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from django.db import connection

from directory.models import Employee, OrgUnit, Role
from directory.services import employee_create, unit_create
from policy import Viewer, can_view_post, visible_posts, visible_sql
from posts.models import Audience, Mention, Post
from social.models import Follow

pytestmark = pytest.mark.django_db


@dataclass
class Org:
    root: OrgUnit
    division: OrgUnit
    team: OrgUnit
    sibling_team: OrgUnit
    other_division: OrgUnit


def _org() -> Org:
    root = OrgUnit.objects.get(parent=None)
    division = unit_create(name="영업본부", parent=root)
    other_division = unit_create(name="기술연구소", parent=root)
    return Org(
        root=root,
        division=division,
        team=unit_create(name="영업1팀", parent=division),
        sibling_team=unit_create(name="영업2팀", parent=division),
        other_division=other_division,
    )


def _person(
    name: str, unit: OrgUnit, rank: int = 1, role: str = Role.MEMBER, active: bool = True
) -> Employee:
    employee = employee_create(
        username=name, email=f"{name}@acme.example", unit=unit, rank_level=rank, role=role, follow_unit=False
    )
    if not active:
        employee.is_active = False
        employee.save(update_fields=["is_active"])
    return employee


def oracle(viewer: Employee | None, post: Post, mentioned: set[int], follows: set[tuple[int, int]]) -> bool:
    """VISIBILITY.md, restated independently of the engine."""
    if viewer is None or not viewer.is_active:
        return False
    if viewer.role == Role.COMPLIANCE:
        return True
    if post.reblog_of is not None:
        return oracle(viewer, post.reblog_of, mentioned, follows)
    if post.author_id == viewer.pk or viewer.pk in mentioned:
        return True
    if post.min_rank is not None and viewer.rank_level < post.min_rank:
        return False
    if post.audience == Audience.COMPANY:
        return True
    if post.audience == Audience.UNIT:
        unit = viewer.unit
        while unit is not None:  # the viewer's unit is the target or lies below it
            if unit.pk == post.unit_id:
                return True
            unit = unit.parent
        return False
    if post.audience == Audience.FOLLOWERS:
        return (viewer.pk, post.author_id) in follows
    return False  # direct: only the mentioned


def test_queryset_predicate_and_oracle_agree_for_every_combination(acme) -> None:  # type: ignore[no-untyped-def]
    org = _org()
    author = _person("author", org.team, rank=3)
    viewers: list[Employee | None] = [
        author,
        _person("teammate", org.team, rank=1),
        _person("teammate_senior", org.team, rank=5),
        _person("division_head", org.division, rank=6),
        _person("sibling", org.sibling_team, rank=2),
        _person("engineer", org.other_division, rank=4),
        _person("ceo", org.root, rank=9),
        _person("follower", org.other_division, rank=1),
        _person("mentioned", org.other_division, rank=1),
        _person("auditor", org.other_division, rank=1, role=Role.COMPLIANCE),
        _person("tenant_admin", org.other_division, rank=1, role=Role.ADMIN),
        _person("leaver", org.team, rank=9, active=False),
        None,
    ]
    follower = Employee.objects.get(username="follower")
    mentioned_person = Employee.objects.get(username="mentioned")
    Follow.objects.create(follower=follower, followee=author)
    follows = {(follower.pk, author.pk)}

    posts: list[tuple[Post, set[int]]] = []
    targets = {Audience.UNIT: [org.team, org.division, org.root]}
    for audience, min_rank, mention in itertools.product(Audience.values, [None, 3, 6], [False, True]):
        for unit in targets.get(audience, [None]):
            post = Post.objects.create(
                author=author, text="t", audience=audience, unit=unit, min_rank=min_rank
            )
            mentioned: set[int] = set()
            if mention:
                Mention.objects.create(post=post, employee=mentioned_person)
                mentioned.add(mentioned_person.pk)
            posts.append((post, mentioned))
    reposter = Employee.objects.get(username="engineer")
    for original, mentioned in list(posts):
        reblog = Post.objects.create(author=reposter, reblog_of=original, audience=Audience.COMPANY)
        posts.append((reblog, mentioned))

    checked = 0
    for viewer_employee in viewers:
        viewer = Viewer(employee=viewer_employee)
        visible_ids = set(visible_posts(viewer).values_list("id", flat=True))
        sql_ids = sql_visible_ids(viewer)
        for post, mentioned in posts:
            expected = oracle(viewer_employee, post, mentioned, follows)
            name = viewer_employee.username if viewer_employee else "anonymous"
            assert (post.pk in visible_ids) == expected, f"queryset disagrees for {name} on {_describe(post)}"
            assert (post.pk in sql_ids) == expected, f"SQL form disagrees for {name} on {_describe(post)}"
            assert can_view_post(viewer, post) == expected, (
                f"predicate disagrees for {name} on {_describe(post)}"
            )
            checked += 1
    assert checked == len(viewers) * len(posts) > 400


def sql_visible_ids(viewer: Viewer) -> set[int]:
    condition, params = visible_sql(viewer, "p")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.id FROM posts_post p WHERE {condition}", params)  # noqa: S608
        return {pk for (pk,) in cursor.fetchall()}


def _describe(post: Post) -> str:
    target = post.reblog_of or post
    kind = "reblog of " if post.reblog_of else ""
    return f"{kind}{target.audience} unit={target.unit_id} min_rank={target.min_rank}"


def test_rules_are_read_at_read_time_moving_a_unit_changes_the_answer(acme) -> None:  # type: ignore[no-untyped-def]
    org = _org()
    author = _person("author", org.team, rank=3)
    reader = _person("reader", org.team)
    post = Post.objects.create(author=author, text="팀 공지", audience=Audience.UNIT, unit=org.team)
    assert visible_posts(Viewer(employee=reader)).filter(pk=post.pk).exists()

    reader.unit = org.other_division
    reader.save(update_fields=["unit"])
    reader = Employee.objects.get(pk=reader.pk)
    assert not visible_posts(Viewer(employee=reader)).filter(pk=post.pk).exists()
    assert not can_view_post(Viewer(employee=reader), post)
