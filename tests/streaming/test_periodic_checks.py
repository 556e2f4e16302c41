"""The stream server's safety net: changes that reach the database without the writers' control
messages (a script, a restore, a lost Redis message — here ``QuerySet.update``, which sends none) still
reach open streams at the next periodic re-check. The server here re-checks every half second and
refreshes its viewers every second (settings_quick_periodic_checks)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from directory.models import Employee
from posts import services as posts
from posts.models import Audience
from tests.streaming.conftest import SSEClient, World, bearer_stream, is_post

pytestmark = pytest.mark.slow

WITHIN = 4.0  # seconds: a re-check or refresh (every 0.5 s / 1 s) plus delivery, with room for a busy CI


# The stream server's settings (the ``world`` fixture of tests/streaming/conftest.py).
SERVER_SETTINGS = "tests.streaming.settings_quick_periodic_checks"


def received_before(stream: SSEClient, marker_id: int) -> set[int]:
    _, before = stream.until(is_post(marker_id), timeout=5)
    return {int(e.json()["id"]) for e in before if e.event == "update"}


def until_delivered(world: World, stream: SSEClient, *, by: str = "author", **post: Any) -> None:
    """Post (as ``by``) every half second until one such post reaches ``stream``; fails when none
    posted within ``WITHIN`` seconds does."""
    started = time.monotonic()
    while time.monotonic() - started < WITHIN:
        made = posts.post_create(author=world.people[by], **post)
        marker = posts.post_create(
            author=world.people["author"], text="marker #moved", audience=Audience.COMPANY
        )
        if made.pk in received_before(stream, marker.pk):
            return
        time.sleep(0.5)
    raise AssertionError(f"not delivered within {WITHIN} s")


def test_a_promotion_behind_the_services_back_reaches_an_open_stream(in_acme: World) -> None:
    world = in_acme
    junior = world.people["junior"]
    stream = bearer_stream(world, "junior", "/api/v1/streaming/public")
    try:
        hidden = posts.post_create(
            author=world.people["author"], text="rank 3+", audience=Audience.COMPANY, min_rank=3
        )
        marker = posts.post_create(author=world.people["author"], text="marker", audience=Audience.COMPANY)
        assert hidden.pk not in received_before(stream, marker.pk)
        Employee.objects.filter(pk=junior.pk).update(rank_level=3)  # no reload message
        until_delivered(world, stream, text="rank 3+ again", audience=Audience.COMPANY, min_rank=3)
    finally:
        stream.close()
        Employee.objects.filter(pk=junior.pk).update(rank_level=1)


def test_a_unit_change_behind_the_services_back_stops_that_units_posts(in_acme: World) -> None:
    world = in_acme
    mover = world.people["colleague"]
    # Unit posts are not on the public stream; a hashtag stream carries every post one may see.
    stream = bearer_stream(world, "colleague", "/api/v1/streaming/hashtag?tag=moved")
    try:
        Employee.objects.filter(pk=mover.pk).update(unit=world.lab)  # no reload message
        until_delivered(
            world, stream, by="outsider", text="lab only #moved", audience=Audience.UNIT, unit_id=world.lab.pk
        )
        sales_only = posts.post_create(
            author=world.people["author"],
            text="sales only #moved",
            audience=Audience.UNIT,
            unit_id=world.sales.pk,
        )
        marker = posts.post_create(
            author=world.people["author"], text="marker #moved", audience=Audience.COMPANY
        )
        assert sales_only.pk not in received_before(stream, marker.pk)
    finally:
        stream.close()
        Employee.objects.filter(pk=mover.pk).update(unit=world.sales)


def test_a_deactivation_behind_the_services_back_closes_the_stream(in_acme: World) -> None:
    world = in_acme
    quitter = world.people["quitter"]
    stream = bearer_stream(world, "quitter", "/api/v1/streaming/public")
    try:
        Employee.objects.filter(pk=quitter.pk).update(is_active=False)
        assert stream.closed.wait(WITHIN), "stream still open"
    finally:
        stream.close()
        Employee.objects.filter(pk=quitter.pk).update(is_active=True)


def test_an_expired_token_closes_its_stream(in_acme: World) -> None:
    world = in_acme
    token = world.token("revoked")
    stream = SSEClient(world.host(), "/api/v1/streaming/public", headers={"Authorization": f"Bearer {token}"})
    assert stream.status == 200
    other = bearer_stream(world, "follower", "/api/v1/streaming/public")
    try:
        AccessToken.objects.filter(token=token).update(expires=timezone.now() - timedelta(seconds=1))
        assert stream.closed.wait(WITHIN), "stream still open"
        assert not other.closed.is_set(), "another employee's stream was closed too"
    finally:
        stream.close()
        other.close()


def filtered_within(world: World, stream: SSEClient, keyword: str) -> None:
    """Post a company-wide post with ``keyword`` every half second until one reaches ``stream`` with
    ``filtered`` naming it; fails when none posted within ``WITHIN`` seconds does."""
    started = time.monotonic()
    while time.monotonic() - started < WITHIN:
        made = posts.post_create(
            author=world.people["author"], text=f"about {keyword}", audience=Audience.COMPANY
        )
        event, _ = stream.until(is_post(made.pk), timeout=5)
        if [m for r in event.json()["filtered"] for m in r["keyword_matches"] or ()] == [keyword]:
            return
        time.sleep(0.5)
    raise AssertionError(f"not filtered by {keyword!r} within {WITHIN} s")


def test_keyword_filters_written_behind_the_services_back_reach_an_open_stream(in_acme: World) -> None:
    from filters.models import Filter, FilterKeyword

    world = in_acme
    colleague = world.people["colleague"]
    stream = bearer_stream(world, "colleague", "/api/v1/streaming/public")
    try:
        # A first filter (``has_filters`` turns true), then another keyword in it: no reload message.
        made = Filter.objects.create(owner=colleague, title="quiet", contexts=["public"], action="warn")
        keyword = FilterKeyword.objects.create(filter=made, keyword="offsite")
        Employee.objects.filter(pk=colleague.pk).update(has_filters=True)
        filtered_within(world, stream, "offsite")
        FilterKeyword.objects.filter(pk=keyword.pk).update(keyword="townhall")
        filtered_within(world, stream, "townhall")
    finally:
        stream.close()
        Filter.objects.filter(owner=colleague).delete()
        Employee.objects.filter(pk=colleague.pk).update(has_filters=False)
