"""Keyword filters on open streams: each reader's own filters apply to the ``update`` and
``status.update`` events they get, as the REST API applies them to pages. A "hide" filter keeps a post
off the streams of the contexts it names; any other covering filter delivers the post with
``filtered`` (the same FilterResult shape as the API's); other readers get the plain payload. A filter
write reaches open streams at once, with Mastodon's ``filters_changed`` on the user stream.

The server here runs with its periodic re-checks minutes apart (settings_no_periodic_checks), so what
a test sees change after a filter write, the write's reload message did.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from directory.services import employee_update
from filters.models import Filter
from filters.services import KeywordChange, filter_create, filter_delete, filter_status_add
from posts import services as posts
from posts.models import Audience
from posts.services import PollSpec
from tests.streaming.conftest import SSEClient, World, bearer_stream, is_post

pytestmark = pytest.mark.slow


# The stream server's settings (the ``world`` fixture of tests/streaming/conftest.py).
SERVER_SETTINGS = "tests.streaming.settings_no_periodic_checks"


@pytest.fixture
def follows(in_acme: World) -> Iterator[World]:
    """colleague and outsider follow author (so author's posts reach their user streams); every
    filter made in the test is deleted after it."""
    from social.models import Follow

    world = in_acme
    author = world.people["author"]
    for who in ("colleague", "outsider"):
        Follow.objects.get_or_create(follower=world.people[who], followee=author)
    yield world
    by_id = {p.pk: p for p in world.people.values()}
    for made in Filter.objects.filter(owner__in=list(by_id)):
        # The module's own instance: the service keeps its ``has_filters`` right for the next test.
        filter_delete(filter=made, owner=by_id[made.owner_id])
    Follow.objects.filter(followee=author).delete()


def updates_before(world: World, *streams: SSEClient) -> list[dict[str, dict[str, Any]]]:
    """Per stream, the Statuses (by id) of the updates that came before a company-wide marker post
    (one tenant's events arrive in order: once the marker is in, the rest was delivered or withheld)."""
    marker = posts.post_create(author=world.people["author"], text="marker", audience=Audience.COMPANY)
    out = []
    for stream in streams:
        _, before = stream.until(is_post(marker.pk))
        out.append({e.json()["id"]: e.json() for e in before if e.event == "update"})
    return out


def words(world: World, who: str, *keywords: str, action: str, contexts: list[str], **more: Any) -> Filter:
    return filter_create(
        owner=world.people[who],
        title=f"no {keywords[0]}",
        contexts=contexts,
        action=action,
        keywords=[KeywordChange(keyword=k) for k in keywords],
        **more,
    )


def result_of(made: Filter, keywords: list[str] | None, statuses: list[str] | None = None) -> dict[str, Any]:
    return {
        "filter": {
            "id": str(made.pk),
            "title": made.title,
            "context": made.contexts,
            "expires_at": None,
            "filter_action": made.action,
        },
        "keyword_matches": keywords,
        "status_matches": statuses,
    }


def test_a_hide_filter_on_home_keeps_a_post_off_the_user_stream_but_not_off_the_public_one(
    follows: World,
) -> None:
    world = follows
    hide = words(world, "colleague", "lunch", action="hide", contexts=["home"])
    home, public = (
        bearer_stream(world, "colleague", "/api/v1/streaming/user"),
        bearer_stream(world, "colleague", "/api/v1/streaming/public"),
    )
    others = bearer_stream(world, "outsider", "/api/v1/streaming/user")
    try:
        post = posts.post_create(
            author=world.people["author"], text="Lunch at noon?", audience=Audience.COMPANY
        )
        on_home, on_public, on_others = updates_before(world, home, public, others)
    finally:
        for stream in (home, public, others):
            stream.close()
    assert str(post.pk) not in on_home
    # Public is not a context of the filter: the post comes, naming the filter (apps apply it by context).
    assert on_public[str(post.pk)]["filtered"] == [result_of(hide, ["lunch"])]
    assert on_others[str(post.pk)]["filtered"] == []


def test_a_warn_filter_delivers_the_post_naming_the_filter_and_its_keywords(follows: World) -> None:
    world = follows
    warn = words(world, "colleague", "deadline", "Q3", "budget", action="warn", contexts=["public"])
    mine, others = (
        bearer_stream(world, "colleague", "/api/v1/streaming/public"),
        bearer_stream(world, "outsider", "/api/v1/streaming/public"),
    )
    try:
        post = posts.post_create(
            author=world.people["author"],
            text="The q3 report is due",
            spoiler_text="Deadline",
            audience=Audience.COMPANY,
        )
        # Poll options are searched too (``filters.selectors.searchable_text``), as on the API.
        polled = posts.post_create(
            author=world.people["author"],
            text="Where should it go?",
            poll=PollSpec(options=["travel", "budget"], expires_in=3600),
            audience=Audience.COMPANY,
        )
        plain = posts.post_create(
            author=world.people["author"], text="Nothing to see", audience=Audience.COMPANY
        )
        got, others_got = updates_before(world, mine, others)
    finally:
        mine.close()
        others.close()
    assert got[str(post.pk)]["filtered"] == [result_of(warn, ["deadline", "Q3"])]
    assert got[str(polled.pk)]["filtered"] == [result_of(warn, ["budget"])]
    assert got[str(plain.pk)]["filtered"] == []
    assert "The q3 report" in got[str(post.pk)]["content"]  # the rest of the Status as everyone gets it
    assert {k: s["filtered"] for k, s in others_got.items()} == {k: [] for k in got}


def test_a_repost_is_filtered_by_its_original_and_carries_filtered_on_its_reblog_too(follows: World) -> None:
    world = follows
    warn = words(world, "colleague", "offsite", action="warn", contexts=["home"])
    shared = posts.post_create(
        author=world.people["follower"], text="Offsite in May", audience=Audience.COMPANY
    )
    by_hand = filter_create(
        owner=world.people["colleague"], title="this one", contexts=["home"], action="warn"
    )
    filter_status_add(filter=by_hand, owner=world.people["colleague"], post=shared)
    home = bearer_stream(world, "colleague", "/api/v1/streaming/user")
    try:
        repost = posts.post_reblog(post=shared, actor=world.people["author"])
        (got,) = updates_before(world, home)
    finally:
        home.close()
    status = got[str(repost.pk)]
    assert status["filtered"] == [result_of(warn, ["offsite"]), result_of(by_hand, None, [str(shared.pk)])]
    assert status["reblog"]["filtered"] == status["filtered"]
    assert status["reblog"]["id"] == str(shared.pk)


def test_an_edit_that_adds_a_hidden_word_keeps_the_status_update_off_the_stream(follows: World) -> None:
    world = follows
    words(world, "colleague", "secret", action="hide", contexts=["public"])
    stream = bearer_stream(world, "colleague", "/api/v1/streaming/public")
    author = world.people["author"]
    try:
        post = posts.post_create(author=author, text="An open plan", audience=Audience.COMPANY)
        stream.until(is_post(post.pk))
        posts.post_edit(post=post, editor=author, text="A secret plan")
        posts.post_edit(post=post, editor=author, text="An open plan again")
        edited, _ = stream.until(lambda e: e.event == "status.update")
    finally:
        stream.close()
    assert "open plan again" in edited.json()["content"]  # the first edit never came


def test_filter_writes_reach_an_open_stream_at_once_with_filters_changed_and_only_they(
    follows: World,
) -> None:
    world = follows
    colleague, author = world.people["colleague"], world.people["author"]
    home = bearer_stream(world, "colleague", "/api/v1/streaming/user")
    try:
        employee_update(employee=colleague, unit=world.lab)  # a reload of colleague for another reason
        moved = posts.post_create(author=author, text="Townhall after the move", audience=Audience.COMPANY)
        _, before = home.until(is_post(moved.pk))
        assert before == []  # no filters_changed: their filters did not change

        made = words(world, "colleague", "townhall", action="warn", contexts=["home"])
        first = posts.post_create(author=author, text="Townhall today", audience=Audience.COMPANY)
        event, before = home.until(is_post(first.pk))
        assert [(e.event, e.data) for e in before] == [("filters_changed", "undefined")]  # as Mastodon's SSE
        assert event.json()["filtered"] == [result_of(made, ["townhall"])]

        filter_delete(filter=made, owner=colleague)
        second = posts.post_create(author=author, text="Townhall again", audience=Audience.COMPANY)
        event, before = home.until(is_post(second.pk))
        assert [e.event for e in before] == ["filters_changed"]
        assert event.json()["filtered"] == []
    finally:
        home.close()
        employee_update(employee=colleague, unit=world.sales)


def test_an_expired_filter_stops_applying_without_a_reload(follows: World) -> None:
    world = follows
    words(world, "colleague", "fleeting", action="hide", contexts=["public"], expires_in=2)
    stream = bearer_stream(world, "colleague", "/api/v1/streaming/public")
    author = world.people["author"]
    try:
        hidden = posts.post_create(author=author, text="fleeting one", audience=Audience.COMPANY)
        (got,) = updates_before(world, stream)
        assert str(hidden.pk) not in got
        time.sleep(2.1)
        shown = posts.post_create(author=author, text="fleeting two", audience=Audience.COMPANY)
        (got,) = updates_before(world, stream)
    finally:
        stream.close()
    assert got[str(shown.pk)]["filtered"] == []
