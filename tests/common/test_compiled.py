"""``common.compiled``: a queryset compiled once gives what the queryset gives, run after run, in the
tenant of each run, and refuses to keep a value from its first run. Instances built without
``Model.__init__`` must be indistinguishable from the ORM's, down to their ``_state``."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model
from django.db.models.signals import post_init
from django_tenants.utils import tenant_context

from common.compiled import CompiledQuery, Slot, slots
from directory.models import Employee
from posts.models import Post
from tests import factories

pytestmark = pytest.mark.django_db

RELATED = ("author", "author__unit", "author__stats", "reblog_of", "reblog_of__author")


def state(obj: Model | None, depth: int = 0) -> Any:
    """An instance's field values, extra attributes and loaded relations, compared as data."""
    if obj is None or depth > 2:
        return obj and obj.pk
    values = {k: v for k, v in vars(obj).items() if k != "_state"}
    # The relations loaded are compared as data; whether the empty cache was made yet does not show.
    own_state = {k: v for k, v in vars(obj._state).items() if k != "fields_cache"}
    related = {name: state(rel, depth + 1) for name, rel in obj._state.fields_cache.items()}
    return type(obj), values, own_state, obj._state.adding, obj._state.db, related


def test_rows_become_the_same_instances_as_the_querysets(acme) -> None:
    kim, lee = factories.employee("kim"), factories.employee("lee")
    original = factories.post(lee, "원글")
    posts = [factories.post(kim, "one"), factories.post(kim, reblog_of=original), factories.post(lee, "two")]
    compiled = CompiledQuery(
        Post.objects.select_related(*RELATED)
        .extra(
            select={"doubled": "posts_post.id * %s"},
            select_params=[Slot(1)],
            where=["posts_post.author_id = %s"],
            params=[Slot(0)],
        )
        .order_by("-id")
    )

    for author in (kim, lee):
        expected = list(
            Post.objects.select_related(*RELATED)
            .extra(
                select={"doubled": "posts_post.id * %s"},
                select_params=[2],
                where=["posts_post.author_id = %s"],
                params=[author.pk],
            )
            .order_by("-id")
        )
        got = compiled.fetch([author.pk, 2])
        assert [state(p) for p in got] == [state(p) for p in expected]
        assert [p.doubled for p in got] == [p.pk * 2 for p in got]  # type: ignore[attr-defined]
    assert {p.pk for p in compiled.fetch([kim.pk, 2])} == {posts[0].pk, posts[1].pk}
    assert compiled.fetch([kim.pk, 2])[0].reblog_of.author.username == "lee"  # type: ignore[union-attr]


def test_values_go_where_their_slots_are_whatever_order_the_sql_takes_them_in(acme) -> None:
    kim = factories.employee("kim")
    first, second, third = (factories.post(kim, text) for text in ("1", "2", "3"))
    # The WHERE's value is slot 0 but comes after the SELECT's (slot 1) in the SQL.
    compiled = CompiledQuery(
        Post.objects.extra(
            select={"shifted": "posts_post.id + %s"},
            select_params=[Slot(1)],
            where=["posts_post.id < %s"],
            params=[Slot(0)],
        ).order_by("id")
    )

    rows = compiled.fetch([third.pk, 10])

    assert [p.pk for p in rows] == [first.pk, second.pk]
    assert [p.shifted for p in rows] == [first.pk + 10, second.pk + 10]  # type: ignore[attr-defined]


def test_a_value_left_in_the_queryset_is_refused(acme) -> None:
    with pytest.raises(ValueError, match="Slot"):
        CompiledQuery(
            Post.objects.extra(where=["posts_post.id < %s", "posts_post.id > %s"], params=[Slot(0), 5])
        )
    with pytest.raises(ValueError, match="Slot"):
        CompiledQuery(Post.objects.filter(text=Slot(0), author_id=3))


def test_a_prefix_takes_its_own_slots(acme) -> None:
    kim = factories.employee("kim")
    posts = [factories.post(kim, text) for text in ("a", "b", "c")]
    compiled = CompiledQuery(
        Post.objects.extra(where=["posts_post.id IN (SELECT id FROM wanted)"]).order_by("id"),
        prefix="WITH wanted AS (SELECT unnest(%s::bigint[]) AS id) ",
        prefix_slots=slots(1),
    )

    assert [p.pk for p in compiled.fetch([[posts[2].pk, posts[0].pk]])] == [posts[0].pk, posts[2].pk]


def test_each_run_reads_the_current_tenants_schema(acme, globex) -> None:
    compiled = CompiledQuery(Post.objects.filter(text=Slot(0)))
    in_acme = factories.post(factories.employee("kim"), "같은 글")
    with tenant_context(globex):
        in_globex = factories.post(factories.employee("kim"), "같은 글")
        assert [p.pk for p in compiled.fetch(["같은 글"])] == [in_globex.pk]
    assert [p.pk for p in compiled.fetch(["같은 글"])] == [in_acme.pk]


def test_init_receivers_connected_after_the_compile_see_every_instance(acme) -> None:
    kim = factories.employee("kim")
    factories.post(kim, "one")
    compiled = CompiledQuery(Post.objects.select_related("author").filter(text=Slot(0)))
    assert len(compiled.fetch(["one"])) == 1
    seen: list[Model] = []

    def receiver(sender: type[Model], instance: Model, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=Employee)
    try:
        (found,) = compiled.fetch(["one"])
    finally:
        post_init.disconnect(receiver, sender=Employee)
    assert seen == [found.author]
