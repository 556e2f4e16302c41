"""Mastodon's ``direct`` stream on a real server: a direct post reaches its participants' direct
streams as a ``conversation`` event (edits and deletions follow), and nobody else's; other audiences
never appear there."""

from __future__ import annotations

import json
import queue
import time

import pytest
from websockets.sync.client import connect

from posts import services as posts
from posts.models import Audience
from tests.streaming.conftest import Event, SSEClient, World

pytestmark = pytest.mark.slow

DIRECT = "/api/v1/streaming/direct"


def sse(world: World, who: str, path: str = DIRECT, scope: str = "read write follow") -> SSEClient:
    token = world.token(who, scope)
    return SSEClient(world.host(), path, headers={"Authorization": f"Bearer {token}"})


def conversation_of(post_id: int):  # type: ignore[no-untyped-def]
    return lambda e: e.event == "conversation" and e.json()["last_status"]["id"] == str(post_id)


def test_a_direct_post_reaches_the_mentioned_colleagues_direct_stream_within_a_second(in_acme: World) -> None:
    world = in_acme
    author, colleague = world.people["author"], world.people["colleague"]
    stream = sse(world, "colleague")
    started = time.monotonic()
    post = posts.post_create(
        author=author, text=f"@{colleague.username} 회의실 바꿨어요", audience=Audience.DIRECT
    )
    event, _ = stream.until(conversation_of(post.pk), timeout=1.0)
    assert time.monotonic() - started < 1.0
    conversation = event.json()
    assert conversation["id"] == str(post.thread_id or post.pk)
    assert conversation["unread"] is True
    # The other participant (the author), never the viewer themself; the Status is the direct post.
    assert [a["username"] for a in conversation["accounts"]] == [author.username]
    assert conversation["accounts"][0]["bt"]["unit"]["id"] == str(world.sales.pk)
    assert conversation["last_status"]["visibility"] == "direct"
    assert "회의실" in conversation["last_status"]["content"]

    posts.post_edit(post=post, editor=author, text=f"@{colleague.username} 회의실 다시 바꿨어요")
    edited, _ = stream.until(lambda e: e.event == "status.update")
    assert edited.json()["id"] == str(post.pk)
    posts.post_delete(post=post, actor=author)
    deleted, _ = stream.until(lambda e: e.event == "delete")
    assert deleted.data == str(post.pk)
    stream.close()


def test_the_author_gets_the_conversation_too_read_and_naming_the_recipients(in_acme: World) -> None:
    world = in_acme
    author, colleague, junior = (world.people[k] for k in ("author", "colleague", "junior"))
    stream = sse(world, "author")
    post = posts.post_create(
        author=author, text=f"@{colleague.username} @{junior.username} 저녁 7시", audience=Audience.DIRECT
    )
    event, _ = stream.until(conversation_of(post.pk))
    conversation = event.json()
    assert conversation["unread"] is False
    assert sorted(a["username"] for a in conversation["accounts"]) == sorted(
        [colleague.username, junior.username]
    )
    stream.close()


def _direct_events_before_marker(world: World, clients: dict[str, SSEClient]) -> dict[str, list[Event]]:
    """What each direct stream got before a direct marker post that mentions all of them (one tenant's
    events arrive in order, so anything published earlier has been delivered or withheld by then)."""
    names = " ".join(f"@{world.people[who].username}" for who in clients)
    marker = posts.post_create(
        author=world.people["author"], text=f"marker {names}", audience=Audience.DIRECT
    )
    got = {}
    for who, client in clients.items():
        _, before = client.until(conversation_of(marker.pk))
        got[who] = before
        client.close()
    return got


def test_a_colleague_who_is_not_mentioned_gets_nothing_and_company_posts_stay_off(in_acme: World) -> None:
    world = in_acme
    author, colleague = world.people["author"], world.people["colleague"]
    clients = {who: sse(world, who) for who in ("colleague", "outsider", "junior")}
    direct = posts.post_create(
        author=author, text=f"@{colleague.username} only you", audience=Audience.DIRECT
    )
    posts.post_create(author=author, text=f"hello everyone @{colleague.username}", audience=Audience.COMPANY)
    posts.post_create(author=author, text="team only", audience=Audience.UNIT, unit_id=world.sales.pk)
    posts.post_delete(post=direct, actor=author)
    got = _direct_events_before_marker(world, clients)
    # The mentioned colleague: the direct post and its deletion, not the company or unit post.
    assert [
        (e.event, e.data if e.event == "delete" else e.json()["last_status"]["id"]) for e in got["colleague"]
    ] == [
        ("conversation", str(direct.pk)),
        ("delete", str(direct.pk)),
    ]
    # Colleagues who are not mentioned: nothing at all (not even the deletion).
    assert got["outsider"] == []
    assert got["junior"] == []


def test_websocket_direct_stream_carries_conversations(in_acme: World) -> None:
    world = in_acme
    author, colleague = world.people["author"], world.people["colleague"]
    token = world.token("colleague")
    with connect(f"ws://{world.host()}/api/v1/streaming?stream=direct&access_token={token}") as ws:
        time.sleep(0.2)  # the subscription is registered once the server has read the query
        posts.post_create(author=author, text="company news", audience=Audience.COMPANY)
        post = posts.post_create(author=author, text=f"@{colleague.username} 비밀", audience=Audience.DIRECT)
        message = json.loads(ws.recv(timeout=5))
    assert message["stream"] == ["direct"]
    assert message["event"] == "conversation"
    assert json.loads(message["payload"])["last_status"]["id"] == str(post.pk)


def test_direct_stream_needs_the_read_statuses_scope(in_acme: World) -> None:
    refused = sse(in_acme, "colleague", scope="read:notifications")
    assert refused.status == 401
    assert json.loads(refused.body) == {"error": "Access token does not have the required scopes"}
    allowed = sse(in_acme, "colleague", scope="read:statuses")
    assert allowed.status == 200
    with pytest.raises(queue.Empty):
        allowed.next(timeout=0.3)
    allowed.close()
