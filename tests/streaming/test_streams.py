"""Mastodon's streaming API against a real server and a real Redis: delivery, visibility at delivery
time, hashtags (and followed ones on the user stream), notifications, closing on deactivation or
revocation, and tenant isolation."""

from __future__ import annotations

import http.client
import json
import queue
import time
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from oauth2_provider.models import AccessToken
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from posts import services as posts
from posts.models import Audience
from tenants.models import Tenant
from tests.streaming.conftest import SSEClient, World

pytestmark = pytest.mark.slow


def sse(world: World, who: str, path: str, **headers: str) -> SSEClient:
    token = world.token(who)
    return SSEClient(world.host(), path, headers={"Authorization": f"Bearer {token}", **headers})


def is_post(post_id: int) -> Any:
    return lambda e: e.event == "update" and e.json()["id"] == str(post_id)


def test_health_answers_ok(world: World) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", world.base_port, timeout=5)
    conn.request("GET", "/api/v1/streaming/health", headers={"Host": world.host()})
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"OK")


def test_sse_public_stream_receives_a_new_post_within_a_second(in_acme: World) -> None:
    stream = sse(in_acme, "colleague", "/api/v1/streaming/public")
    started = time.monotonic()
    post = posts.post_create(
        author=in_acme.people["author"], text="실시간 #공지 live", audience=Audience.COMPANY
    )
    event, _ = stream.until(is_post(post.pk), timeout=1.0)
    assert time.monotonic() - started < 1.0
    status = event.json()
    assert status["id"] == str(post.pk)
    assert "실시간" in status["content"]
    assert status["account"]["username"] == in_acme.people["author"].username
    assert status["visibility"] == "public"
    stream.close()


def test_websocket_receives_a_new_post_within_a_second(in_acme: World) -> None:
    token = in_acme.token("colleague")
    url = f"ws://{in_acme.host()}/api/v1/streaming?stream=public&access_token={token}"
    with connect(url, open_timeout=5) as ws:
        time.sleep(0.2)  # the subscription is registered once the server has read the query
        started = time.monotonic()
        post = posts.post_create(
            author=in_acme.people["author"], text="웹소켓 hello", audience=Audience.COMPANY
        )
        while True:  # (a late event of an earlier test may come first)
            message = json.loads(ws.recv(timeout=1.0))
            if json.loads(message["payload"]).get("id") == str(post.pk):
                break
        assert time.monotonic() - started < 1.0
    assert message["stream"] == ["public"]
    assert message["event"] == "update"
    assert json.loads(message["payload"])["id"] == str(post.pk)


def test_websocket_token_as_subprotocol_and_subscribe_messages(in_acme: World) -> None:
    token = in_acme.token("colleague")
    url = f"ws://{in_acme.host()}/api/v1/streaming"
    with connect(url, subprotocols=[token], open_timeout=5) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == token
        ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "Release"}))
        ws.send(json.dumps({"type": "subscribe", "stream": "nonsense"}))
        error = json.loads(ws.recv(timeout=2))
        assert error == {"error": "Unknown stream type", "status": 400}
        author = in_acme.people["author"]
        posts.post_create(author=author, text="no tag here", audience=Audience.COMPANY)
        tagged = posts.post_create(author=author, text="shipping #release today", audience=Audience.COMPANY)
        message = json.loads(ws.recv(timeout=5))
        assert message["stream"] == ["hashtag", "release"]
        assert json.loads(message["payload"])["id"] == str(tagged.pk)
        ws.send(json.dumps({"type": "unsubscribe", "stream": "hashtag", "tag": "release"}))
        time.sleep(0.2)
        posts.post_create(author=author, text="again #release", audience=Audience.COMPANY)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.7)


def test_hashtag_stream_gets_only_matching_posts(in_acme: World) -> None:
    stream = sse(in_acme, "colleague", "/api/v1/streaming/hashtag?tag=%ED%9A%8C%EC%9D%98")  # 회의
    author = in_acme.people["author"]
    posts.post_create(author=author, text="점심 #메뉴", audience=Audience.COMPANY)
    posts.post_create(author=author, text="no tags at all", audience=Audience.COMPANY)
    match = posts.post_create(author=author, text="오늘 #회의 10시", audience=Audience.COMPANY)
    event, before = stream.until(lambda e: e.event == "update")
    assert event.json()["id"] == str(match.pk)
    assert before == []
    with pytest.raises(queue.Empty):
        stream.next(timeout=0.5)
    stream.close()


def test_hashtag_stream_requires_a_tag(in_acme: World) -> None:
    stream = sse(in_acme, "colleague", "/api/v1/streaming/hashtag")
    assert stream.status == 400
    assert json.loads(stream.body) == {"error": "No tag for stream provided"}


def _restricted_posts(world: World, tag: str = "") -> dict[str, int]:
    """One post of each restricted audience by ``author`` (sales, rank 5)."""
    author, colleague = world.people["author"], world.people["colleague"]
    made = {
        "unit": posts.post_create(
            author=author, text=f"unit only {tag}", audience=Audience.UNIT, unit_id=world.sales.pk
        ),
        "followers": posts.post_create(
            author=author, text=f"followers only {tag}", audience=Audience.FOLLOWERS
        ),
        "direct": posts.post_create(
            author=author, text=f"psst @{colleague.username} {tag}", audience=Audience.DIRECT
        ),
        "senior": posts.post_create(
            author=author, text=f"seniors only {tag}", audience=Audience.COMPANY, min_rank=3
        ),
    }
    return {k: p.pk for k, p in made.items()}


def _received(
    world: World, streams: dict[str, SSEClient], marker_text: str = "marker"
) -> dict[str, set[int]]:
    """Post ids each stream got before a company-wide marker post (one tenant's events arrive in order,
    so once the marker is in, everything published before it has been delivered or withheld)."""
    marker = posts.post_create(author=world.people["author"], text=marker_text, audience=Audience.COMPANY)
    got = {}
    for who, client in streams.items():
        _, before = client.until(is_post(marker.pk))
        got[who] = {int(e.json()["id"]) for e in before if e.event == "update"}
        client.close()
    return got


def _set_follows(world: World, followers: list[str]) -> None:
    from social.models import Follow

    author = world.people["author"]
    Follow.objects.filter(followee=author).delete()
    for who in followers:
        Follow.objects.create(follower=world.people[who], followee=author)


def test_user_stream_delivers_each_audience_only_to_its_members(in_acme: World) -> None:
    world = in_acme
    everyone = ["colleague", "junior", "outsider", "follower"]
    _set_follows(world, everyone)
    streams = {who: sse(world, who, "/api/v1/streaming/user") for who in everyone}
    made = _restricted_posts(world)
    got = _received(world, streams)
    # colleague: sales, rank 5, mentioned. junior: sales, rank 1. outsider, follower: lab, rank 5.
    assert got["colleague"] == {made["unit"], made["followers"], made["direct"], made["senior"]}
    assert got["junior"] == {made["unit"], made["followers"]}
    assert got["outsider"] == {made["followers"], made["senior"]}
    assert got["follower"] == {made["followers"], made["senior"]}


def test_hashtag_stream_withholds_what_the_viewer_may_not_see(in_acme: World) -> None:
    world = in_acme
    _set_follows(world, ["follower"])
    everyone = ["colleague", "junior", "outsider", "follower"]
    streams = {who: sse(world, who, "/api/v1/streaming/hashtag?tag=leakcheck") for who in everyone}
    made = _restricted_posts(world, tag="#LeakCheck")
    got = _received(world, streams, marker_text="marker #leakcheck")
    # Direct posts never appear on hashtag streams; followers-only only to followers.
    assert got["colleague"] == {made["unit"], made["senior"]}
    assert got["junior"] == {made["unit"]}
    assert got["outsider"] == {made["senior"]}
    assert got["follower"] == {made["followers"], made["senior"]}


def test_public_stream_respects_min_rank_and_leaves_out_other_audiences(in_acme: World) -> None:
    world = in_acme
    _set_follows(world, ["junior", "colleague"])
    streams = {who: sse(world, who, "/api/v1/streaming/public") for who in ("colleague", "junior")}
    made = _restricted_posts(world)
    got = _received(world, streams)
    assert got["colleague"] == {made["senior"]}
    assert got["junior"] == set()


def test_a_muted_author_is_left_out_of_the_public_stream(in_acme: World) -> None:
    from social.models import Mute

    world = in_acme
    Mute.objects.create(muter=world.people["outsider"], target=world.people["author"])
    try:
        streams = {"outsider": sse(world, "outsider", "/api/v1/streaming/public")}
        posts.post_create(author=world.people["author"], text="muted words", audience=Audience.COMPANY)
        marker = posts.post_create(author=world.people["follower"], text="marker", audience=Audience.COMPANY)
        _, before = streams["outsider"].until(is_post(marker.pk))
        assert [e for e in before if e.event == "update"] == []
        streams["outsider"].close()
    finally:
        Mute.objects.filter(muter=world.people["outsider"]).delete()


def _follow_tag(world: World, who: str, name: str) -> None:
    from posts.models import Hashtag
    from social.models import TagFollow

    hashtag, _ = Hashtag.objects.get_or_create(name=name, defaults={"display_name": name})
    TagFollow.objects.create(employee=world.people[who], hashtag=hashtag)


def test_user_stream_carries_posts_with_a_followed_tag_the_viewer_may_see(in_acme: World) -> None:
    from social.models import TagFollow

    world = in_acme
    author, colleague = world.people["author"], world.people["colleague"]
    _set_follows(world, [])  # they follow the tag, not its author
    readers = ["outsider", "junior"]
    for who in readers:
        _follow_tag(world, who, "followedtag")
    try:
        streams = {who: sse(world, who, "/api/v1/streaming/user") for who in readers}
        tagged = posts.post_create(author=author, text="출시 #FollowedTag", audience=Audience.COMPANY)
        posts.post_create(author=author, text="출시, no tag", audience=Audience.COMPANY)
        posts.post_create(author=author, text="quiet #followedtag", audience=Audience.COMPANY, unlisted=True)
        asked = posts.post_create(author=colleague, text="question?", audience=Audience.COMPANY)
        posts.post_create(
            author=author, text="answer #followedtag", audience=Audience.COMPANY, in_reply_to_id=asked.pk
        )
        made = _restricted_posts(world, tag="#followedtag")
        got = _received(world, streams, marker_text="marker #followedtag")
    finally:
        TagFollow.objects.filter(hashtag__name="followedtag").delete()
    # outsider: lab, rank 5. junior: sales, rank 1. Unlisted and direct posts do not reach tag followers;
    # a reply only to those following whom it answers; the rest only to whom may see it.
    assert got["outsider"] == {tagged.pk, made["senior"]}
    assert got["junior"] == {tagged.pk, made["unit"]}


def test_a_muted_author_is_left_out_of_the_user_stream_of_a_tag_follower(in_acme: World) -> None:
    from social.models import Mute, TagFollow

    world = in_acme
    outsider = world.people["outsider"]
    _set_follows(world, [])
    _follow_tag(world, "outsider", "mutedtag")
    Mute.objects.create(muter=outsider, target=world.people["author"])
    try:
        stream = sse(world, "outsider", "/api/v1/streaming/user")
        posts.post_create(author=world.people["author"], text="muted #mutedtag", audience=Audience.COMPANY)
        marker = posts.post_create(
            author=world.people["follower"], text="marker #mutedtag", audience=Audience.COMPANY
        )
        _, before = stream.until(is_post(marker.pk))
        assert [e for e in before if e.event == "update"] == []
        stream.close()
    finally:
        Mute.objects.filter(muter=outsider).delete()
        TagFollow.objects.filter(employee=outsider).delete()


def test_reposts_stay_off_the_user_stream_of_a_follower_who_hides_them(in_acme: World) -> None:
    from social.models import Follow

    world = in_acme
    author, colleague = world.people["author"], world.people["colleague"]
    _set_follows(world, ["outsider", "follower"])
    Follow.objects.filter(follower=world.people["follower"], followee=author).update(show_reblogs=False)
    streams = {who: sse(world, who, "/api/v1/streaming/user") for who in ("outsider", "follower")}
    shared = posts.post_create(author=colleague, text="공유할 만한 소식", audience=Audience.COMPANY)
    repost = posts.post_reblog(post=shared, actor=author)
    marker = posts.post_create(author=author, text="marker after the repost", audience=Audience.COMPANY)
    seen = {}
    for who, stream in streams.items():
        _, before = stream.until(is_post(marker.pk))
        seen[who] = {e.json()["id"] for e in before if e.event == "update"}
        stream.close()
    assert seen["outsider"] == {str(repost.pk)}
    assert seen["follower"] == set()  # the author's own posts still come: the marker did


def test_user_stream_carries_notifications_and_notification_stream_only_those(in_acme: World) -> None:
    world = in_acme
    user = sse(world, "colleague", "/api/v1/streaming/user")
    only = sse(world, "colleague", "/api/v1/streaming/user/notification")
    post = posts.post_create(
        author=world.people["author"],
        text=f"hi @{world.people['colleague'].username}",
        audience=Audience.COMPANY,
    )
    from notifications.services import deliver_post_created

    deliver_post_created(post.pk)  # what the worker does with notify_post_created's task
    event, _ = user.until(lambda e: e.event == "notification")
    assert event.json()["type"] == "mention"
    assert event.json()["status"]["id"] == str(post.pk)
    first = only.next(timeout=1.0)
    assert first.event == "notification"
    user.close()
    only.close()


def test_delete_and_edit_reach_streams(in_acme: World) -> None:
    world = in_acme
    stream = sse(world, "colleague", "/api/v1/streaming/public")
    author = world.people["author"]
    post = posts.post_create(author=author, text="first draft", audience=Audience.COMPANY)
    stream.until(is_post(post.pk))
    posts.post_edit(post=post, editor=author, text="second draft")
    edited, _ = stream.until(lambda e: e.event == "status.update")
    assert edited.json()["id"] == str(post.pk)
    assert "second draft" in edited.json()["content"]
    posts.post_delete(post=post, actor=author)
    deleted, _ = stream.until(lambda e: e.event == "delete")
    assert deleted.data == str(post.pk)
    stream.close()


def test_deactivating_a_subscriber_closes_their_stream_within_seconds(in_acme: World) -> None:
    world = in_acme
    quitter = world.people["quitter"]
    stream = sse(world, "quitter", "/api/v1/streaming/public")
    started = time.monotonic()
    try:
        from directory.services import employee_deactivate  # type: ignore[attr-defined]
    except ImportError:
        quitter.is_active = False
        quitter.save(update_fields=["is_active"])
    else:
        employee_deactivate(employee=quitter)
    assert stream.closed.wait(8), "stream still open"
    assert time.monotonic() - started < 8
    # and a new one is refused
    again = SSEClient(world.host(), "/api/v1/streaming/public", headers={"Authorization": "Bearer x"})
    assert again.status == 401


def test_revoking_the_token_closes_the_stream_at_once(in_acme: World) -> None:
    world = in_acme
    token = world.token("revoked")
    stream = SSEClient(world.host(), "/api/v1/streaming/public", headers={"Authorization": f"Bearer {token}"})
    assert stream.status == 200
    started = time.monotonic()
    AccessToken.objects.filter(user=world.people["revoked"]).delete()
    assert stream.closed.wait(5)
    assert time.monotonic() - started < 2.5  # the control message, not the periodic re-check
    again = SSEClient(world.host(), "/api/v1/streaming/public", headers={"Authorization": f"Bearer {token}"})
    assert again.status == 401
    assert json.loads(again.body) == {"error": "Invalid access token"}


def test_a_token_of_another_tenant_is_refused(world: World, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        globex = Tenant.objects.get(slug="globex")
        with tenant_context(globex):
            import secrets
            from datetime import timedelta

            from django.utils import timezone

            from directory.models import Employee

            admin = Employee.objects.get(email="admin@globex.example")
            value = secrets.token_urlsafe(24)
            token = AccessToken.objects.create(
                user=admin, token=value, scope="read", expires=timezone.now() + timedelta(days=1)
            )
        connection.set_schema_to_public()
        try:
            refused = SSEClient(
                world.host(), "/api/v1/streaming/public", headers={"Authorization": f"Bearer {value}"}
            )
            assert refused.status == 401
            port = world.base_port
            own = SSEClient(
                f"globex.localhost:{port}",
                "/api/v1/streaming/public",
                headers={"Authorization": f"Bearer {value}"},
            )
            assert own.status == 200
            own.close()
        finally:
            with tenant_context(globex):
                token.delete()
            connection.set_schema_to_public()


def test_unknown_host_is_404_and_no_credentials_401(world: World) -> None:
    unknown = SSEClient(f"nobody.localhost:{world.base_port}", "/api/v1/streaming/public")
    assert unknown.status == 404
    anonymous = SSEClient(world.host(), "/api/v1/streaming/public")
    assert anonymous.status == 401
    assert json.loads(anonymous.body) == {"error": "Missing access token"}


def test_websocket_without_credentials_is_refused(world: World) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://{world.host()}/api/v1/streaming?stream=public", open_timeout=5)
    assert refused.value.response.status_code == 401


def test_websocket_closes_when_the_token_is_revoked(in_acme: World) -> None:
    world = in_acme
    token = world.token("colleague")
    with connect(
        f"ws://{world.host()}/api/v1/streaming?stream=user",
        additional_headers={"Authorization": f"Bearer {token}"},
    ) as ws:
        time.sleep(0.2)
        AccessToken.objects.filter(token_checksum=_checksum(token)).delete()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)


def _checksum(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()
