"""Fan-out through a real Celery worker (another process, so the data is committed and removed after):
a post reaches followers' home feeds, and a worker killed in the middle of a fan-out loses nothing."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from biztweet.celery import app
from common.paging import Page
from directory.models import Employee
from notifications.models import Notification
from policy import Viewer
from posts.models import FanoutState, Post
from social.models import Follow
from tenants.models import Tenant
from tests.factories import employee, employees_bulk, post
from tests.support import processes
from tests.support.processes import celery_worker
from timelines import feeds
from timelines.selectors import home_timeline
from timelines.services import post_published, requeue_stuck_fanouts

pytestmark = pytest.mark.slow


def wait_for(check: Callable[[], bool], *, timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def queue(django_db_setup) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A queue of our own, and every timelines/notifications task routed to it while this module runs."""
    name = f"test-feeds-{uuid.uuid4().hex[:8]}"
    saved = app.conf.task_routes
    app.conf.task_routes = {"timelines.*": {"queue": name}, "notifications.*": {"queue": name}}
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    yield name
    app.conf.task_routes = saved
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@pytest.fixture
def tenant(django_db_blocker) -> Iterator[Tenant]:  # type: ignore[no-untyped-def]
    """acme, with writes committed (the worker must see them); everything this test made is deleted after."""
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            before = set(Employee.objects.values_list("pk", flat=True))
            yield acme
            new = Employee.objects.exclude(pk__in=before)
            Notification.objects.filter(recipient__in=new).delete()
            Post.objects.filter(author__in=new, reblog_of__isnull=False).delete()
            Post.objects.filter(author__in=new).delete()
            new.delete()
            keys = list(feeds.client().scan_iter(match=f"{acme.schema_name}:*", count=1000))
            if keys:
                feeds.client().delete(*keys)
        connection.set_schema_to_public()


def test_a_post_reaches_every_followers_home_timeline(queue: str, tenant: Tenant, tmp_path: Path) -> None:
    author = employee(f"w{uuid.uuid4().hex[:6]}")
    followers = [employee(f"f{uuid.uuid4().hex[:6]}") for _ in range(3)]
    for f in followers:
        Follow.objects.create(follower=f, followee=author)
        home_timeline(Viewer.of(f), Page())  # builds their (empty) feeds
    with celery_worker(queue, log=tmp_path / "worker.log"):
        p = post(author, "전체 공지 #공지")
        post_published(p.pk)
        wait_for(lambda: Post.objects.get(pk=p.pk).fanout_state == FanoutState.DONE, what="fan-out done")
    for f in followers:
        assert feeds.contains(f.pk, p.pk)
        assert [x.pk for x in home_timeline(Viewer.of(f), Page())] == [p.pk]


def test_a_fanout_keeps_no_result_in_redis(queue: str, tenant: Tenant, tmp_path: Path) -> None:
    # Nobody reads a fan-out's result; kept for an hour, one per post, they would fill Redis.
    from timelines.tasks import fanout_post

    author = employee(f"r{uuid.uuid4().hex[:6]}")
    with celery_worker(queue, log=tmp_path / "worker.log"):
        p = post(author, "결과 없음")
        sent = fanout_post.delay(p.pk)
        wait_for(lambda: Post.objects.get(pk=p.pk).fanout_state == FanoutState.DONE, what="fan-out done")
        time.sleep(0.3)  # a result would be stored right after the task's work
    assert app.backend.client.exists(app.backend.get_key_for_task(sent.id)) == 0


def test_a_prefork_worker_keeps_its_database_connection_between_tasks(
    queue: str, tenant: Tenant, tmp_path: Path
) -> None:
    # Celery's Django fix-up would close a prefork child's connection pool after every task: each
    # fan-out would then open a new PostgreSQL session (a new backend, planning every statement anew).
    def sessions() -> int:
        with psycopg.connect(processes.test_database_url(), autocommit=True) as conn:
            conn.execute("SELECT pg_stat_clear_snapshot()")
            row = conn.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
            return int(row[0]) if row else 0

    author = employee(f"s{uuid.uuid4().hex[:6]}")
    posts = [post(author, f"연결 {n}") for n in range(8)]
    with celery_worker(queue, log=tmp_path / "worker.log", pool="prefork"):
        post_published(posts[0].pk)
        wait_for(lambda: Post.objects.get(pk=posts[0].pk).fanout_state == FanoutState.DONE, what="first")
        before = sessions()
        for p in posts[1:]:
            post_published(p.pk)
            wait_for(lambda: Post.objects.get(pk=p.pk).fanout_state == FanoutState.DONE, what="fan-out")  # noqa: B023
    time.sleep(1.5)  # sessions are counted when a backend reports its statistics (at most once a second)
    opened = sessions() - before - 1  # less this test's own connection for the count
    assert opened <= 2, f"{opened} new sessions for 7 tasks"


def test_a_worker_killed_mid_fanout_loses_no_follower(queue: str, tenant: Tenant, tmp_path: Path) -> None:
    """700 followers, chunks of 500. The test holds a lock that stops the worker right after its first
    chunk (saving the cursor), SIGKILLs it there, and a fresh worker started by the periodic sweep's
    function finishes the job: every follower gets the post, once."""
    prefix = f"k{uuid.uuid4().hex[:6]}_"
    author = employee(f"{prefix}author")
    followers = employees_bulk(prefix, 700)
    Follow.objects.bulk_create([Follow(follower=f, followee=author) for f in followers])
    for f in followers:
        feeds.replace(f.pk, [])  # everyone has a live feed

    def delivered(post_id: int) -> int:
        pipe = feeds.client().pipeline(transaction=False)
        for f in followers:
            pipe.zscore(feeds.home_key(f.pk), str(post_id))
        return sum(score is not None for score in pipe.execute())

    table = f'"{tenant.schema_name}"."timelines_fanoutprogress"'
    with psycopg.connect(processes.test_database_url()) as blocker:
        blocker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # held until rollback below
        with celery_worker(queue, log=tmp_path / "first.log") as worker:
            p = post(author, "실적 발표")
            post_published(p.pk)
            wait_for(lambda: delivered(p.pk) >= 500, what="the first chunk")
            time.sleep(0.5)
            assert delivered(p.pk) == 500, "the worker should be stuck after its first chunk"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        blocker.rollback()

    assert Post.objects.get(pk=p.pk).fanout_state == FanoutState.PENDING
    assert delivered(p.pk) == 500

    with celery_worker(queue, log=tmp_path / "second.log"):
        assert requeue_stuck_fanouts(min_age_seconds=0) >= 1
        wait_for(lambda: Post.objects.get(pk=p.pk).fanout_state == FanoutState.DONE, what="fan-out resumed")
    assert delivered(p.pk) == 700


def test_mention_and_follow_notifications_arrive_through_the_worker(
    queue: str, tenant: Tenant, tmp_path: Path
) -> None:
    from notifications.services import notify_post_created
    from social.services import follow_create

    alice, bob = employee(f"n{uuid.uuid4().hex[:6]}"), employee(f"n{uuid.uuid4().hex[:6]}")
    with celery_worker(queue, log=tmp_path / "worker.log"):
        p = post(alice, f"@{bob.username} 확인 부탁드립니다", mentions=[bob])
        notify_post_created(p.pk)
        follow_create(follower=alice, target=bob)
        wait_for(lambda: Notification.objects.filter(recipient=bob).count() == 2, what="two notifications")
    kinds = set(Notification.objects.filter(recipient=bob).values_list("kind", "actor_id", "post_id"))
    assert kinds == {("mention", alice.pk, p.pk), ("follow", alice.pk, None)}
