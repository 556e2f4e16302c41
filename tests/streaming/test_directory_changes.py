"""Directory and policy changes reach open streams at once (issue 4): moving someone to another unit,
promoting them, moving a unit in the tree, adding a barrier or deactivating them changes what their
open stream delivers from the next event on.

The server here runs with its periodic re-checks minutes apart (settings_no_periodic_checks), so
whatever it applies within the test was applied by the writers' control messages, not by the safety
net. Every change is made through the product's own services or admin API, committed, and undone.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any

import pytest

from directory import administration
from directory.models import Employee, Role
from directory.services import (
    PolicyInput,
    employee_create,
    employee_update,
    tenant_policy,
    tenant_policy_update,
)
from posts import services as posts
from posts.models import Audience
from tests.streaming.conftest import SSEClient, World, bearer_stream, is_post

pytestmark = pytest.mark.slow

SOON = 1.0  # seconds: "at once", against periodic checks minutes apart


# The stream server's settings (the ``world`` fixture of tests/streaming/conftest.py).
SERVER_SETTINGS = "tests.streaming.settings_no_periodic_checks"


@pytest.fixture
def boss(in_acme: World) -> Employee:
    """A tenant admin (removed with the module's people)."""
    if "boss" not in in_acme.people:
        suffix = in_acme.people["author"].username.removeprefix("author")
        in_acme.people["boss"] = employee_create(
            username=f"boss{suffix}",
            email=f"boss{suffix}@acme.example",
            unit=in_acme.root,
            rank_level=9,
            role=Role.ADMIN,
            follow_unit=False,
        )
    return in_acme.people["boss"]


def updates_before(stream: SSEClient, marker_id: int, timeout: float = 5.0) -> tuple[set[int], float]:
    """Ids of the updates that came before the marker post (one tenant's events arrive in order), and
    when the marker arrived."""
    _, before = stream.until(is_post(marker_id), timeout=timeout)
    return {int(e.json()["id"]) for e in before if e.event == "update"}, time.monotonic()


def admin_patch(world: World, boss: Employee, employee: Employee, changes: dict[str, Any]) -> dict[str, Any]:
    token = world.token("boss", "admin:read admin:write")
    name, port = world.host().split(":")
    conn = http.client.HTTPConnection(name, int(port), timeout=10)
    conn.request(
        "PATCH",
        f"/api/bt/v1/admin/employees/{employee.pk}",
        body=json.dumps(changes),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, body
    return json.loads(body)  # type: ignore[no-any-return]


def test_moved_out_of_a_unit_stops_getting_its_posts_on_an_open_stream_at_once(in_acme: World) -> None:
    world = in_acme
    author, mover = world.people["author"], world.people["colleague"]
    stream = bearer_stream(world, "colleague", "/api/v1/streaming/hashtag?tag=moved")
    try:
        before = posts.post_create(
            author=author, text="sales only #moved", audience=Audience.UNIT, unit_id=world.sales.pk
        )
        stream.until(is_post(before.pk))
        started = time.monotonic()
        employee_update(employee=mover, unit=world.lab)  # what HR sync and SCIM call
        after = posts.post_create(
            author=author, text="sales only again #moved", audience=Audience.UNIT, unit_id=world.sales.pk
        )
        marker = posts.post_create(author=author, text="everyone #moved", audience=Audience.COMPANY)
        got, arrived = updates_before(stream, marker.pk)
        assert after.pk not in got
        assert arrived - started < SOON
    finally:
        stream.close()
        employee_update(employee=mover, unit=world.sales)


def test_promoted_above_a_min_rank_starts_getting_those_posts_at_once(in_acme: World, boss: Employee) -> None:
    world = in_acme
    author, junior = world.people["author"], world.people["junior"]
    stream = bearer_stream(world, "junior", "/api/v1/streaming/public")
    try:
        hidden = posts.post_create(
            author=author, text="managers+ only", audience=Audience.COMPANY, min_rank=3
        )
        marker = posts.post_create(author=author, text="marker", audience=Audience.COMPANY)
        got, _ = updates_before(stream, marker.pk)
        assert hidden.pk not in got
        started = time.monotonic()
        assert admin_patch(world, boss, junior, {"rank_level": 3})["rank_level"] == 3  # the admin API
        senior = posts.post_create(
            author=author, text="managers+ again", audience=Audience.COMPANY, min_rank=3
        )
        event, _ = stream.until(is_post(senior.pk), timeout=SOON + 2)
        assert time.monotonic() - started < SOON + 0.5  # the admin request's own time included
        assert event.json()["id"] == str(senior.pk)
    finally:
        stream.close()
        junior.refresh_from_db()
        employee_update(employee=junior, rank_level=1)


def test_a_unit_moved_under_another_gets_that_units_posts_at_once(in_acme: World, boss: Employee) -> None:
    world = in_acme
    author = world.people["author"]
    stream = bearer_stream(world, "outsider", "/api/v1/streaming/hashtag?tag=reorg")  # outsider is in lab
    try:
        hidden = posts.post_create(
            author=author, text="sales only #reorg", audience=Audience.UNIT, unit_id=world.sales.pk
        )
        marker = posts.post_create(author=author, text="everyone #reorg", audience=Audience.COMPANY)
        got, _ = updates_before(stream, marker.pk)
        assert hidden.pk not in got
        started = time.monotonic()
        administration.org_unit_update(actor=boss, unit=world.lab, parent_id=world.sales.pk)
        sales_only = posts.post_create(
            author=author, text="sales and below #reorg", audience=Audience.UNIT, unit_id=world.sales.pk
        )
        stream.until(is_post(sales_only.pk), timeout=SOON + 2)
        assert time.monotonic() - started < SOON
    finally:
        stream.close()
        administration.org_unit_update(actor=boss, unit=world.lab, parent_id=world.root.pk)


def test_a_new_barrier_withholds_posts_from_open_streams_at_once(in_acme: World) -> None:
    world = in_acme
    author = world.people["author"]
    stream = bearer_stream(world, "outsider", "/api/v1/streaming/public")  # outsider: lab; author: sales
    policy = tenant_policy()
    try:
        tenant_policy_update(data=PolicyInput(barriers=(((world.sales.pk,), (world.lab.pk,)),)))
        started = time.monotonic()
        walled = posts.post_create(author=author, text="across the wall", audience=Audience.COMPANY)
        marker = posts.post_create(author=world.people["follower"], text="marker", audience=Audience.COMPANY)
        got, arrived = updates_before(stream, marker.pk)
        assert walled.pk not in got
        assert arrived - started < SOON
    finally:
        stream.close()
        tenant_policy_update(data=policy)


def test_deactivated_through_the_admin_api_their_stream_closes_at_once(
    in_acme: World, boss: Employee
) -> None:
    world = in_acme
    quitter = world.people["quitter"]
    stream = bearer_stream(world, "quitter", "/api/v1/streaming/public")
    started = time.monotonic()
    assert admin_patch(world, boss, quitter, {"active": False})["active"] is False
    assert stream.closed.wait(SOON + 1), "stream still open"
    assert time.monotonic() - started < SOON + 0.5  # the admin request's own time included
