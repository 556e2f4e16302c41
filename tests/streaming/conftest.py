"""A real uvicorn serving ``biztweet.asgi`` and a real Redis, with committed people in ``acme``.

The server is another process, so everything it must see is committed (and removed at the end of
the module). Stream clients are plain sockets speaking SSE and the ``websockets`` package, reaching
``acme.localhost:PORT`` with only name resolution pointed at loopback.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from oauth2_provider.models import AccessToken, Application

from directory.models import Employee, OrgUnit
from directory.services import employee_create, unit_create
from tenants.models import Tenant
from tests.support.processes import asgi_server


@dataclass
class World:
    base_port: int
    tenant: Tenant
    app: Application
    root: OrgUnit
    sales: OrgUnit
    lab: OrgUnit
    people: dict[str, Employee]
    units: list[OrgUnit] = field(default_factory=list)

    def host(self) -> str:
        return f"acme.localhost:{self.base_port}"

    def token(self, who: str, scope: str = "read write follow") -> str:
        value = secrets.token_urlsafe(24)
        with tenant_context(self.tenant):
            AccessToken.objects.create(
                user=self.people[who],
                token=value,
                application=self.app,
                scope=scope,
                expires=timezone.now() + timedelta(days=1),
            )
        return value


@pytest.fixture(scope="module")
def localhost_is_loopback() -> Iterator[None]:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    yield
    socket.getaddrinfo = real  # type: ignore[assignment]


@pytest.fixture(scope="module")
def world(  # type: ignore[no-untyped-def]
    request, django_db_setup, django_db_blocker, tmp_path_factory, localhost_is_loopback
) -> Iterator[World]:
    """The module's people and a stream server; a module that needs other server settings (periodic
    checks minutes apart, or seconds apart) names them in ``SERVER_SETTINGS``."""
    settings_module = getattr(request.module, "SERVER_SETTINGS", None)
    extra_env = {"DJANGO_SETTINGS_MODULE": settings_module} if settings_module else None
    with serve_world(django_db_blocker, tmp_path_factory, extra_env=extra_env) as made:
        yield made


@contextlib.contextmanager
def serve_world(  # type: ignore[no-untyped-def]
    django_db_blocker, tmp_path_factory, *, extra_env: dict[str, str] | None = None
) -> Iterator[World]:
    """The committed people and units of a module, and a server (``extra_env`` for its process)."""
    suffix = uuid.uuid4().hex[:6]
    log: Path = tmp_path_factory.mktemp("streaming") / "server.log"
    with django_db_blocker.unblock():
        tenant = Tenant.objects.get(slug="acme")
        with tenant_context(tenant):
            root = OrgUnit.objects.get(parent=None)
            sales = unit_create(name=f"영업{suffix}", parent=root)
            lab = unit_create(name=f"연구{suffix}", parent=root)
            app = Application.objects.create(
                name=f"stream-test-{suffix}",
                client_type="confidential",
                authorization_grant_type="authorization-code",
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                client_secret="s3cret",
            )

            def person(name: str, unit: OrgUnit, rank: int) -> Employee:
                return employee_create(
                    username=f"{name}{suffix}",
                    email=f"{name}{suffix}@acme.example",
                    unit=unit,
                    rank_level=rank,
                    family_name="김",
                    given_name=name,
                    password=f"pw-{name}-{suffix}",
                    follow_unit=False,
                )

            people = {
                "author": person("author", sales, 5),
                "colleague": person("colleague", sales, 5),
                "outsider": person("outsider", lab, 5),
                "junior": person("junior", sales, 1),
                "follower": person("follower", lab, 5),
                "quitter": person("quitter", sales, 5),
                "revoked": person("revoked", sales, 5),
            }
        connection.set_schema_to_public()
        with asgi_server(log=log, extra_env=extra_env) as base:
            port = int(base.rsplit(":", 1)[1])
            try:
                yield World(port, tenant, app, root, sales, lab, people, [sales, lab])
            finally:
                _cleanup(tenant, people, app, [sales, lab])


def _cleanup(tenant: Tenant, people: dict[str, Employee], app: Application, units: list[OrgUnit]) -> None:
    from notifications.models import Notification
    from posts.models import Post
    from social.models import Follow

    with tenant_context(tenant):
        ids = [p.pk for p in people.values()]
        Notification.objects.filter(recipient_id__in=ids).delete()
        Post.objects.filter(reblog_of__author_id__in=ids).delete()
        Post.objects.filter(author_id__in=ids).delete()
        Follow.objects.filter(follower_id__in=ids).delete()
        AccessToken.objects.filter(application=app).delete()
        app.delete()
        Employee.objects.filter(pk__in=ids).delete()
        OrgUnit.objects.filter(pk__in=[u.pk for u in units]).delete()
    connection.set_schema_to_public()


@pytest.fixture
def in_acme(world: World, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """Committed writes in acme's schema from the test body (the server must see them)."""
    with django_db_blocker.unblock(), tenant_context(world.tenant):
        yield world
    connection.set_schema_to_public()


# ---- clients -----------------------------------------------------------------------------------------


@dataclass
class Event:
    event: str
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


class SSEClient:
    """An EventSource in a thread: events go to a queue; ``closed`` is set when the server ends it."""

    def __init__(self, host: str, path: str, *, headers: dict[str, str] | None = None) -> None:
        name, port = host.split(":")
        self.conn = http.client.HTTPConnection(name, int(port), timeout=30)
        self.conn.request("GET", path, headers={"Accept": "text/event-stream", **(headers or {})})
        self.sock = self.conn.sock
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.events: queue.Queue[Event] = queue.Queue()
        self.comments: list[str] = []
        self.closed = threading.Event()
        self.opened = threading.Event()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
            assert self.opened.wait(5), "stream did not open"
        else:
            self.body = self.response.read()

    def _read(self) -> None:
        event, data = "message", []
        try:
            while True:
                line = self.response.readline()
                if not line:
                    break
                text = line.decode().rstrip("\n")
                if text.startswith(":"):
                    self.comments.append(text)
                    self.opened.set()
                elif text.startswith("event: "):
                    event = text[7:]
                elif text.startswith("data: "):
                    data.append(text[6:])
                elif text == "" and data:
                    self.events.put(Event(event, "\n".join(data)))
                    event, data = "message", []
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed under the reader by close()
        finally:
            self.closed.set()

    def next(self, timeout: float = 5.0) -> Event:
        return self.events.get(timeout=timeout)

    def until(self, predicate: Any, timeout: float = 5.0) -> tuple[Event, list[Event]]:
        """The first event matching ``predicate`` and every event before it."""
        seen: list[Event] = []
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if predicate(event):
                return event, seen
            seen.append(event)

    def close(self) -> None:
        # Shutting the socket down wakes the reader thread (closing alone would wait for its lock).
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.closed.wait(5)
        self.conn.close()


def bearer_stream(world: World, who: str, path: str) -> SSEClient:
    """An SSE stream opened with ``who``'s bearer token, checked to have been accepted."""
    client = SSEClient(world.host(), path, headers={"Authorization": f"Bearer {world.token(who)}"})
    assert client.status == 200
    return client


def is_post(post_id: int) -> Any:
    """Matches the ``update`` event of ``post_id``."""
    return lambda e: e.event == "update" and e.json()["id"] == str(post_id)
