"""Mastodon.py and toot, the real client libraries, against a real server and a real Celery worker.

The server (uvicorn) and the worker are other processes, so the data this test writes is committed,
and removed again at the end. Clients reach ``acme.localhost:PORT``: Python does not resolve
``*.localhost`` the way browsers do, so name resolution (only that) is pointed at loopback.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from mastodon import Mastodon

from announcements.models import Announcement
from announcements.services import AnnouncementInput, announcement_create
from directory.models import Employee, OrgUnit
from directory.services import employee_create
from posts.models import ScheduledPost
from posts.services import scheduled_posts_due
from tenants.models import Tenant
from tests.support.processes import asgi_server, celery_worker

pytestmark = pytest.mark.slow

PASSWORD = "live-client-pw-123"


@pytest.fixture
def localhost_resolves_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def live(
    django_db_setup, django_db_blocker, tmp_path: Path, localhost_resolves_to_loopback
) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    suffix = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            root = OrgUnit.objects.get(parent=None)
            made = [
                employee_create(
                    username=f"{name}{suffix}",
                    email=f"{name}{suffix}@acme.example",
                    unit=root,
                    family_name=family,
                    given_name=given,
                    password=PASSWORD,
                    rank_level=rank,
                    follow_unit=False,  # the clients follow each other themselves below
                )
                for name, family, given, rank in (("jiwoo", "한", "지우", 2), ("minho", "정", "민호", 4))
            ]
        connection.set_schema_to_public()
        with (
            celery_worker("celery", log=tmp_path / "worker.log"),
            asgi_server(log=tmp_path / "server.log") as base,
        ):
            port = base.rsplit(":", 1)[1]
            try:
                yield {"base": f"http://acme.localhost:{port}", "people": made, "suffix": suffix}
            finally:
                _cleanup(acme, made, suffix)


def _cleanup(acme: Tenant, people: list[Employee], suffix: str) -> None:
    from oauth2_provider.models import AccessToken, Application, RefreshToken

    from posts.models import Post

    with tenant_context(acme):
        ids = [p.pk for p in people]
        Post.objects.filter(reblog_of__author_id__in=ids).delete()
        Post.objects.filter(author_id__in=ids).delete()
        RefreshToken.objects.filter(user_id__in=ids).delete()
        AccessToken.objects.filter(user_id__in=ids).delete()
        Application.objects.filter(name__in=["bt-live-test", "toot - a Mastodon CLI client"]).delete()
        Employee.objects.filter(pk__in=ids).delete()
        Announcement.objects.filter(text__endswith=suffix).delete()
    connection.set_schema_to_public()


def eventually(check: Callable[[], Any], *, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


def test_mastodon_py_lives_a_day_at_the_office(live: dict[str, Any], django_db_blocker: Any) -> None:
    base, (jiwoo, minho) = live["base"], live["people"]
    client_id, client_secret = Mastodon.create_app(
        "bt-live-test", api_base_url=base, scopes=["read", "write", "follow"]
    )
    me = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    me.log_in(jiwoo.username, PASSWORD, scopes=["read", "write", "follow"], allow_http=True)
    other = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    other.log_in(minho.email, PASSWORD, scopes=["read", "write", "follow"], allow_http=True)

    assert me.account_verify_credentials()["username"] == jiwoo.username
    assert me.instance()["title"] == "에이크미"

    # minho follows jiwoo, asking to hear of her every post; her post reaches minho's home through
    # the worker's fan-out.
    relationship = other.account_follow(jiwoo.pk, notify=True)
    assert relationship["following"] is True and relationship["notifying"] is True
    posted = me.status_post(f"오늘 #점심 메뉴 정했어요 @{minho.username}")
    assert [t["name"] for t in posted["tags"]] == ["점심"]
    assert [str(m["id"]) for m in posted["mentions"]] == [str(minho.pk)]
    eventually(lambda: posted["id"] in [s["id"] for s in other.timeline_home()])
    assert posted["id"] in [s["id"] for s in other.timeline_public()]
    assert posted["id"] in [s["id"] for s in other.timeline_hashtag("점심")]

    reply = other.status_reply(posted, "좋아요!")
    assert reply["in_reply_to_id"] == posted["id"]
    assert other.status_favourite(posted["id"])["favourited"] is True
    boost = other.status_reblog(posted["id"])
    assert boost["reblog"]["id"] == posted["id"]
    context = me.status_context(posted["id"])
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]

    kinds = eventually(
        lambda: (
            {n["type"] for n in me.notifications()} >= {"follow", "favourite", "reblog", "mention"}
            and {n["type"] for n in me.notifications()}
        )
    )
    assert "favourite" in kinds
    assert eventually(lambda: [n for n in other.notifications() if n["type"] == "mention"])
    # Mastodon 4.3's grouped form, as newer apps read it, and the badge count.
    grouped = me.grouped_notifications()
    liked = [g for g in grouped["notification_groups"] if g["type"] == "favourite"]
    assert [str(g["status_id"]) for g in liked] == [str(posted["id"])]
    assert str(minho.pk) in [str(i) for i in liked[0]["sample_account_ids"]]
    assert me.notifications_unread_count()["count"] >= 4
    assert str(posted["id"]) in [str(s["id"]) for s in me.trending_statuses()]  # liked and boosted

    # The administrator announces a holiday: jiwoo reacts, then marks it read and it leaves her list.
    assert me.announcements() == []
    with django_db_blocker.unblock(), tenant_context(Tenant.objects.get(slug="acme")):
        admin = Employee.objects.get(email="admin@acme.example")
        text = f"금요일은 창립기념일 휴무입니다 {live['suffix']}"
        news = announcement_create(actor=admin, data=AnnouncementInput(text=text, publish_at=timezone.now()))
    connection.set_schema_to_public()
    assert [str(a["id"]) for a in me.announcements()] == [str(news.pk)]
    me.announcement_reaction_create(news.pk, "🎉")
    [shown] = me.announcements()
    assert [(r["name"], r["count"], r["me"]) for r in shown["reactions"]] == [("🎉", 1, True)]
    me.announcement_dismiss(news.pk)
    assert me.announcements() == []

    # A direct message waits in minho's conversations ("Direct messages") until he reads it.
    secret = me.status_post(f"@{minho.username} 회의 전에 잠깐 얘기해요", visibility="direct")
    [conversation] = other.conversations()
    assert conversation["last_status"]["id"] == secret["id"] and conversation["unread"] is True
    assert [str(a["id"]) for a in conversation["accounts"]] == [str(jiwoo.pk)]
    assert other.conversations_read(conversation["id"])["unread"] is False
    assert [c["unread"] for c in other.conversations()] == [False]

    # jiwoo follows #회의록 (not minho): minho's notes reach her home through the worker's fan-out.
    assert me.tag_follow("회의록")["following"] is True
    assert [t["name"] for t in me.followed_tags()] == ["회의록"]
    plain = me.status_post("오늘 오후 반차입니다")  # no mention: minho hears of it as he asked
    eventually(lambda: [n for n in other.notifications(types=["status"]) if n["status"]["id"] == plain["id"]])
    # minho would rather not read about half days off: a warning first, then hidden.
    noise = other.create_filter_v2(
        "반차", ["home"], "warn", keywords_attributes=[{"keyword": "반차", "whole_word": True}]
    )
    assert [f["title"] for f in other.filters_v2()] == ["반차"]
    warned = eventually(lambda: [s for s in other.timeline_home() if s["id"] == plain["id"]])
    assert [r["filter"]["title"] for r in warned[0]["filtered"]] == ["반차"]
    other.update_filter_v2(noise["id"], filter_action="hide")
    assert plain["id"] not in [s["id"] for s in other.timeline_home()]
    other.delete_filter_v2(noise["id"])
    assert other.filters_v2() == []
    notes = other.status_post("#회의록 주간회의 정리했습니다")
    eventually(lambda: notes["id"] in [s["id"] for s in me.timeline_home()])

    # minho mutes the lunch thread: jiwoo's next reply in it tells him nothing. The directory lists
    # both, jiwoo (who posted last) first.
    assert other.status_mute(posted["id"])["muted"] is True
    quiet = me.status_reply(reply, f"@{minho.username} 12시에 봬요")
    nudge = me.status_post(f"@{minho.username} 회의실 예약했어요")
    eventually(lambda: nudge["id"] in [n["status"]["id"] for n in other.notifications() if n.get("status")])
    assert quiet["id"] not in [n["status"]["id"] for n in other.notifications() if n.get("status")]
    assert [a["username"] for a in me.directory(order="active")][:1] == [jiwoo.username]

    # Paging back with max_id through the Link header.
    for i in range(4):
        me.status_post(f"페이지 {i}")
    first = me.account_statuses(jiwoo.pk, limit=2)
    assert len(first) == 2
    second = me.fetch_next(first)
    assert second and int(second[0]["id"]) < int(first[-1]["id"])

    # A post scheduled for later waits unseen; when its time comes, the worker publishes it.
    later = me.status_post("내일 아침 9시 전체 회의", scheduled_at=datetime.now(UTC) + timedelta(minutes=10))
    assert [str(s["id"]) for s in me.scheduled_statuses()] == [str(later["id"])]
    assert not [s for s in other.timeline_public() if "전체 회의" in s["content"]]
    with django_db_blocker.unblock(), tenant_context(Tenant.objects.get(slug="acme")):
        # Its time brought near (the API keeps it five minutes ahead): the sweep hands it to the worker
        # with its exact time.
        soon = timezone.now() + timedelta(seconds=2)
        ScheduledPost.objects.filter(pk=later["id"]).update(scheduled_at=soon)
        scheduled_posts_due()
    connection.set_schema_to_public()
    eventually(lambda: [s for s in other.timeline_public() if "전체 회의" in s["content"]])
    assert me.scheduled_statuses() == []


def test_toot_registers_logs_in_posts_and_reads(
    live: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    from toot import App, User, api, http
    from toot.entities import Account, Notification, Status, from_dict

    base, (jiwoo, minho) = live["base"], live["people"]
    registered = api.create_app(base)
    app = App("acme.localhost", base, registered["client_id"], registered["client_secret"])
    token = api.login(app, jiwoo.username, PASSWORD)["access_token"]
    user = User("acme.localhost", jiwoo.username, token)
    minho_token = api.login(app, minho.username, PASSWORD)["access_token"]
    minho_user = User("acme.localhost", minho.username, minho_token)

    me = from_dict(Account, api.verify_credentials(app, user).json())
    assert me.username == jiwoo.username
    api.follow(app, minho_user, me.id)
    status = from_dict(Status, api.post_status(app, user, f"#회의록 공유합니다 @{minho.username}").json())
    assert status.account.username == jiwoo.username

    def in_home() -> bool:
        page = next(api.home_timeline_generator(app, minho_user, limit=20))
        return status.id in [from_dict(Status, s).id for s in page]

    eventually(in_home)
    api.favourite(app, minho_user, status.id)
    api.reblog(app, minho_user, status.id)
    context = api.context(app, user, status.id).json()
    assert context["ancestors"] == []
    # toot's notification timeline shows the statuses of mentions: minho was mentioned.
    mentions = eventually(lambda: next(api.notification_timeline_generator(app, minho_user, limit=20)))
    assert status.id in [from_dict(Status, s).id for s in mentions]

    def kinds() -> set[str]:
        parsed = [from_dict(Notification, n) for n in http.get(app, user, "/api/v1/notifications").json()]
        return {n.type for n in parsed}

    eventually(lambda: kinds() >= {"favourite", "reblog", "follow"})
    public = next(api.public_timeline_generator(app, user, limit=20))
    assert status.id in [from_dict(Status, s).id for s in public]
