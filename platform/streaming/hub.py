"""One process's streams: a single Redis subscription fanned out in memory to every open connection.

Shape of the work, per process:
- one Redis connection subscribed to ``{schema}:stream`` for each tenant with open streams here
  (never one per client);
- per event: the payload arrives rendered, the audience snapshot decoded once, a few indexed queries
  for the follow/mute/list edges into the event's authors and the followers of its hashtags
  (``lookups.event_context``), then one pass over the tenant's connections in which each viewer's
  check is ``policy.admits`` on data in memory; the wire bytes are built once per event (per stream
  name for WebSocket);
- readers with keyword filters (few; the viewer holds them, ``lookups.StreamViewer``) get the event
  matched against their filters once per reader: left out of a stream whose context a "hide" filter
  covers, else re-serialised for them with ``filtered``; readers without filters cost nothing more;
- announcements (Mastodon's ``announcement``, ``announcement.reaction``, ``announcement.delete``) go
  to user streams of the readers their unit is for, checked on the unit chain each viewer holds; an
  ``announcement`` is re-serialised only for readers who read it or reacted (one statement per event);
- control messages from the writers act at once: close the streams of a deactivated employee or a
  revoked token, reload viewers whose unit, rank, role or filters changed (or all of them, with the
  tenant's rules, after a unit move or a policy edit); a reload that finds a reader's filters changed
  sends their user streams Mastodon's ``filters_changed``;
- a periodic re-check per tenant (one query each for employees, tokens and sessions, however many
  connections) is the safety net for a lost control message: it closes streams whose employee was
  deactivated or whose credential died, and reloads every viewer each ``refresh_seconds``.

Everything here runs on the event loop; database work goes to a small thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import orjson
import redis.asyncio as aioredis
from django.conf import settings
from django.utils import timezone

from announcements.selectors import announcement_is_for
from api.mastodon.streaming import with_filter_results, with_reader_marks
from filters.selectors import Hit, hidden_in
from policy import PostAudience
from streaming import lookups, visibility
from streaming.lookups import EventContext, Principal, StreamViewer, TenantRef
from streaming.publish import CHANNEL_SUFFIX, channel

log = logging.getLogger(__name__)
T = TypeVar("T")


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# A slow reader's backlog beyond this is dropped with the connection (it reconnects and reloads).
MAX_PENDING_BYTES = 4 * 1024 * 1024
TENANT_CACHE_SECONDS = 10.0


# ---- streams ---------------------------------------------------------------------------------------

USER = "user"
NOTIFICATION = "user:notification"
PUBLIC_KINDS = {
    "public": (False, False),  # (media only, remote only)
    "public:local": (False, False),
    "public:media": (True, False),
    "public:local:media": (True, False),
    "public:remote": (False, True),
    "public:remote:media": (True, True),
}
HASHTAG_KINDS = {"hashtag", "hashtag:local"}
LIST = "list"
DIRECT = "direct"
KINDS = {USER, NOTIFICATION, LIST, DIRECT, *PUBLIC_KINDS, *HASHTAG_KINDS}
# The scope each stream needs (Mastodon: read:statuses, or read:notifications for notifications only).
SCOPE = {NOTIFICATION: "read:notifications"}
# The keyword-filter context (``filters.models.Context``) of what each stream shows. The direct stream
# has none: Mastodon does not filter it.
FILTER_CONTEXT = {
    USER: "home",
    LIST: "home",
    **dict.fromkeys(PUBLIC_KINDS, "public"),
    **dict.fromkeys(HASHTAG_KINDS, "public"),
}


@dataclass(frozen=True, slots=True)
class Sub:
    """One stream on a connection: ``name`` is what WebSocket messages carry in ``stream``."""

    kind: str
    tag: str | None = None
    list_id: int | None = None
    replies_policy: str | None = None

    @property
    def name(self) -> list[str]:
        if self.tag is not None:
            return [self.kind, self.tag]
        if self.list_id is not None:
            return [self.kind, str(self.list_id)]
        return [self.kind]


class Connection:
    """One client: an SSE response or a WebSocket. The hub pushes ready bytes/strings; the connection's
    own task writes them out, so a slow socket never holds up the fan-out."""

    __slots__ = (
        "_busy",
        "_pending",
        "_pending_bytes",
        "_waiter",
        "closed",
        "direct",
        "principal",
        "schema",
        "subs",
        "websocket",
    )

    def __init__(self, *, schema: str, principal: Principal, websocket: bool) -> None:
        self.schema = schema
        self.principal = principal
        self.websocket = websocket
        self.subs: list[Sub] = []
        self.closed = False
        self._pending: list[Any] | None = None
        self._pending_bytes = 0
        self._waiter: asyncio.Future[None] | None = None
        # Writes without waking the connection's task when the socket can take them now (see app.py).
        self.direct: Callable[[bytes], bool] | None = None
        self._busy = False

    def push(self, item: bytes | str) -> None:
        if self.closed:
            return
        if self.direct is not None and self._pending is None and not self._busy and self.direct(item):  # type: ignore[arg-type]
            return
        if self._pending is None:
            self._pending = [item]
        else:
            self._pending.append(item)
        self._pending_bytes += len(item)
        if self._pending_bytes > MAX_PENDING_BYTES:
            log.info("stream of %s dropped: reader too slow", self.principal.employee_id)
            self.close()
            return
        self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next_batch(self) -> list[Any] | None:
        """What to write next, or None once the connection is closed."""
        while self._pending is None and not self.closed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.closed:
            return None
        batch, self._pending, self._pending_bytes = self._pending, None, 0
        # Until the writer is back here, later items queue behind this batch (order is kept).
        self._busy = True
        return batch

    def written(self) -> None:
        self._busy = False


@dataclass
class _Tenant:
    schema: str
    connections: set[Connection] = field(default_factory=set)
    viewers: dict[int, StreamViewer] = field(default_factory=dict)
    # Who among ``viewers`` holds keyword filters: while nobody does, an event costs nothing for them.
    filtering: set[int] = field(default_factory=set)
    refs: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[None] | None = None
    last_refresh: float = 0.0
    rules: Any = None
    # Bumped by every control reload: a viewer load that started before one is stale and not applied.
    generation: int = 0

    def hold(self, employee_id: int, viewer: StreamViewer) -> None:
        self.viewers[employee_id] = viewer
        self.held_filters(employee_id, viewer)

    def held_filters(self, employee_id: int, viewer: StreamViewer) -> None:
        if viewer.filters is None:
            self.filtering.discard(employee_id)
        else:
            self.filtering.add(employee_id)

    def drop(self, employee_id: int) -> None:
        self.viewers.pop(employee_id, None)
        self.filtering.discard(employee_id)


# ---- wire formats ----------------------------------------------------------------------------------


def sse_event(event: str, payload: str) -> bytes:
    return f"event: {event}\ndata: {payload}\n\n".encode()


def ws_message(sub: Sub, event: str, payload: str) -> str:
    return orjson.dumps({"stream": sub.name, "event": event, "payload": payload}).decode()


class _Frames:
    """An event's bytes, built once for all SSE connections and once per stream name for WebSockets."""

    __slots__ = ("_sse", "_ws", "event", "payload")

    def __init__(self, event: str, payload: str) -> None:
        self.event, self.payload = event, payload
        self._sse: bytes | None = None
        self._ws: dict[tuple[Any, ...], str] = {}

    def for_connection(self, conn: Connection, sub: Sub) -> bytes | str:
        if not conn.websocket:
            if self._sse is None:
                self._sse = sse_event(self.event, self.payload)
            return self._sse
        key = (sub.kind, sub.tag, sub.list_id)
        found = self._ws.get(key)
        if found is None:
            found = self._ws[key] = ws_message(sub, self.event, self.payload)
        return found


def filters_changed_message(conn: Connection, sub: Sub) -> bytes | str:
    """Mastodon's ``filters_changed``, which has no payload: an "undefined" one on SSE, none on a
    WebSocket."""
    if not conn.websocket:
        return sse_event("filters_changed", "undefined")
    return orjson.dumps({"stream": sub.name, "event": "filters_changed"}).decode()


class _Filtered:
    """An ``update`` or ``status.update`` as readers with keyword filters get it. Their filters are
    matched once per reader per event (a reader may have several connections); the Status is parsed
    once and re-serialised with ``filtered`` only for readers whose filters cover it. Readers without
    filters never come here."""

    __slots__ = ("_by_viewer", "_frames", "_ids", "_now", "_original", "_status", "_text")

    def __init__(self, message: dict[str, Any], frames: _Frames) -> None:
        self._frames = frames
        self._original: int | None = message.get("original")
        post_id = int(message["id"])
        self._ids = (post_id,) if self._original is None else (post_id, self._original)
        self._text: str = message.get("text") or ""
        self._now: datetime | None = None
        self._status: dict[str, Any] | None = None
        self._by_viewer: dict[int, tuple[tuple[Hit, ...], _Frames | None]] = {}

    def for_connection(self, conn: Connection, sub: Sub, viewer: StreamViewer) -> bytes | str | None:
        """What to push on ``sub``; None when a "hide" filter of the reader's covers it there."""
        me: int = viewer.id  # type: ignore[assignment]
        found = self._by_viewer.get(me)
        if found is None:
            found = self._by_viewer[me] = self._for_viewer(viewer)
        hits, frames = found
        context = FILTER_CONTEXT.get(sub.kind)
        if frames is None or context is None:
            return self._frames.for_connection(conn, sub)
        if hidden_in(hits, context):
            return None
        return frames.for_connection(conn, sub)

    def _for_viewer(self, viewer: StreamViewer) -> tuple[tuple[Hit, ...], _Frames | None]:
        assert viewer.filters is not None
        if self._now is None:
            self._now = timezone.now()
        hits = viewer.filters.in_force(self._now).hits(self._ids, self._text)
        if not hits:
            return (), None
        if self._status is None:
            self._status = orjson.loads(self._frames.payload)
        reblog_hits = _of_original(hits, self._original) if self._original is not None else ()
        payload = with_filter_results(self._status, hits, reblog_hits)
        return hits, _Frames(self._frames.event, payload)


def _of_original(hits: tuple[Hit, ...], original: int) -> tuple[Hit, ...]:
    """Of a repost's hits, those that cover its original as well (its ``reblog``), as the REST API
    matches the original by its own id: the same words, and only a filter made on the original."""
    out = []
    for hit in hits:
        posts = tuple(pk for pk in hit.status_matches or () if pk == original) or None
        if hit.keyword_matches or posts:
            out.append(Hit(hit.filter, hit.keyword_matches, posts))
    return tuple(out)


class _Conversations:
    """The ``conversation`` events of one new direct post, for Mastodon's ``direct`` stream.

    A Conversation differs per participant (``accounts`` are the others, it is unread for all but the
    author), so it is assembled per viewer, from the Status and Accounts the publisher rendered, without
    parsing them. Direct posts have a handful of participants: this is a few string joins per event.
    """

    __slots__ = ("_accounts", "_author", "_by_viewer", "_id", "_status")

    def __init__(self, message: dict[str, Any]) -> None:
        self._id = str(message.get("thread") or message["id"])
        self._author: int = message["author"]
        self._status: str = message["payload"]
        self._accounts: list[list[str]] = message.get("accounts") or []
        self._by_viewer: dict[int, _Frames] = {}

    def for_connection(self, conn: Connection, sub: Sub, viewer_id: int) -> bytes | str:
        frames = self._by_viewer.get(viewer_id)
        if frames is None:
            me = str(viewer_id)
            # Mastodon shows the viewer's own account when nobody else takes part.
            others = [a for i, a in self._accounts if i != me] or [a for i, a in self._accounts if i == me]
            unread = "false" if viewer_id == self._author else "true"
            payload = (
                f'{{"id":"{self._id}","unread":{unread},"accounts":[{",".join(others)}],'
                f'"last_status":{self._status}}}'
            )
            frames = self._by_viewer[viewer_id] = _Frames("conversation", payload)
        return frames.for_connection(conn, sub)


class _Announcements:
    """An ``announcement`` event as each reader gets it: rendered for nobody by the publisher, and
    re-serialised only for the readers who marked it read or reacted to it (``marks``), once per
    distinct (read, own reactions): most readers share the publisher's bytes."""

    __slots__ = ("_by_marks", "_entity", "_frames", "_marks")

    def __init__(self, payload: str, marks: dict[int, tuple[bool, frozenset[str]]]) -> None:
        self._frames = _Frames("announcement", payload)
        self._marks = marks
        self._entity: dict[str, Any] | None = None
        self._by_marks: dict[tuple[bool, frozenset[str]], _Frames] = {}

    def for_connection(self, conn: Connection, sub: Sub, viewer_id: int) -> bytes | str:
        marks = self._marks.get(viewer_id)
        if marks is None:
            return self._frames.for_connection(conn, sub)
        frames = self._by_marks.get(marks)
        if frames is None:
            if self._entity is None:
                self._entity = orjson.loads(self._frames.payload)
            payload = with_reader_marks(self._entity, *marks)
            frames = self._by_marks[marks] = _Frames("announcement", payload)
        return frames.for_connection(conn, sub)


# ---- the hub ---------------------------------------------------------------------------------------


class Hub:
    def __init__(self) -> None:
        self.tenants: dict[str, _Tenant] = {}
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="stream-db")
        self._redis: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._subscribed: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = asyncio.Event()
        self._lock = asyncio.Lock()
        self._tenant_cache: dict[str, tuple[float, TenantRef | None]] = {}
        self.recheck_seconds = _setting("STREAMING_RECHECK_SECONDS", 3.0)
        self.refresh_seconds = _setting("STREAMING_VIEWER_REFRESH_SECONDS", 30.0)
        self.heartbeat_seconds = _setting("STREAMING_HEARTBEAT_SECONDS", 15.0)

    # -- plumbing ---------------------------------------------------------------------------------

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def _start(self) -> None:
        async with self._lock:
            if self._started:
                return
            self._loop = asyncio.get_running_loop()
            self._redis = aioredis.Redis.from_url(settings.REDIS_URL)
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            self._tasks = [
                asyncio.create_task(self._read_forever(), name="stream-reader"),
                asyncio.create_task(self._recheck_forever(), name="stream-recheck"),
                asyncio.create_task(self._heartbeat_forever(), name="stream-heartbeat"),
            ]
            self._started = True

    def close_all_threadsafe(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def close_all() -> None:
            for tenant in self.tenants.values():
                for conn in list(tenant.connections):
                    conn.close()

        loop.call_soon_threadsafe(close_all)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for tenant in self.tenants.values():
            for conn in list(tenant.connections):
                conn.close()
            if tenant.worker is not None:
                tenant.worker.cancel()
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def tenant_for_host(self, hostname: str) -> TenantRef | None:
        now = time.monotonic()
        cached = self._tenant_cache.get(hostname)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = await self.db(lookups.tenant_for_host, hostname)
        self._tenant_cache[hostname] = (now + TENANT_CACHE_SECONDS, found)
        return found

    # -- connections ------------------------------------------------------------------------------

    async def attach(self, conn: Connection) -> bool:
        """Register a connection once its tenant's channel is subscribed (so nothing published after
        the client sees its stream open can be missed). False when its employee is no longer active."""
        await self._start()
        tenant = self.tenants.get(conn.schema)
        if tenant is None:
            tenant = self.tenants[conn.schema] = _Tenant(schema=conn.schema)
            tenant.worker = asyncio.create_task(self._tenant_worker(tenant), name=f"stream-{conn.schema}")
        await self._subscribe(conn.schema)
        employee_id = conn.principal.employee_id
        while employee_id not in tenant.viewers:
            generation = tenant.generation
            found = await self.db(lookups.viewers, conn.schema, {employee_id})
            if employee_id not in found:
                return False
            if generation == tenant.generation:  # else a reload came meanwhile: this may be stale
                tenant.hold(employee_id, found[employee_id])
        tenant.refs[employee_id] += 1
        tenant.connections.add(conn)
        return True

    def detach(self, conn: Connection) -> None:
        conn.close()
        tenant = self.tenants.get(conn.schema)
        if tenant is None or conn not in tenant.connections:
            return
        tenant.connections.discard(conn)
        employee_id = conn.principal.employee_id
        tenant.refs[employee_id] -= 1
        if tenant.refs[employee_id] <= 0:
            del tenant.refs[employee_id]
            tenant.drop(employee_id)

    def connection_count(self) -> int:
        return sum(len(t.connections) for t in self.tenants.values())

    # -- Redis --------------------------------------------------------------------------------------

    async def _subscribe(self, schema: str) -> None:
        if schema in self._subscribed:
            return
        async with self._lock:
            if schema in self._subscribed:
                return
            await self._pubsub.subscribe(channel(schema))
            self._subscribed.add(schema)
            self._ready.set()

    async def _read_forever(self) -> None:
        backoff = 0.5
        while True:
            await self._ready.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis went away: redis-py re-subscribes every channel when it reconnects. Events
                # published meanwhile are lost (pub/sub keeps nothing); clients reload on reconnect.
                log.warning("stream subscription lost; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            name = message["channel"].decode()
            schema = name[: -len(CHANNEL_SUFFIX)]
            tenant = self.tenants.get(schema)
            if tenant is None:
                continue
            try:
                tenant.queue.put_nowait(orjson.loads(message["data"]))
            except orjson.JSONDecodeError:
                log.warning("unreadable stream message on %s", name)

    # -- events -------------------------------------------------------------------------------------

    async def _tenant_worker(self, tenant: _Tenant) -> None:
        """Events of one tenant, in order (an ``update`` is never overtaken by its ``delete``)."""
        while True:
            message = await tenant.queue.get()
            try:
                await self._dispatch(tenant, message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("stream event %s failed in %s", message.get("k"), tenant.schema)

    async def _dispatch(self, tenant: _Tenant, message: dict[str, Any]) -> None:
        kind = message.get("k")
        if kind == "disconnect":
            self._close_where(tenant, lambda c: c.principal.employee_id == message["employee"])
            tenant.drop(message["employee"])
        elif kind == "revoke":
            self._close_where(tenant, lambda c: c.principal.token_id == message["token"])
        elif kind == "reload":
            await self._reload(tenant, message.get("employees"))
        elif kind == "notification":
            await self._deliver_notification(tenant, message)
        elif kind in {"update", "status.update", "delete"}:
            await self._deliver_post(tenant, message)
        elif kind in {"announcement", "announcement.reaction", "announcement.delete"}:
            await self._deliver_announcement(tenant, message)

    async def _reload(self, tenant: _Tenant, employee_ids: list[int] | None) -> None:
        """A writer changed what the rules read about these viewers (None: about anyone, or the rules
        themselves): reload them before the next event is delivered, and close the streams of any who
        are no longer active. Runs in the tenant's event order, so every event published after the
        change's commit is checked against the new facts."""
        tenant.generation += 1
        if employee_ids is None:
            tenant.rules = await self.db(lookups.current_rules, tenant.schema)
            wanted = set(tenant.refs)
        else:
            wanted = set(employee_ids) & set(tenant.refs)
        if not wanted:
            return
        fresh = await self.db(lookups.viewers, tenant.schema, wanted, tenant.rules)
        wanted &= set(tenant.refs)  # (streams may have closed meanwhile)
        self._install(tenant, {k: v for k, v in fresh.items() if k in wanted})
        gone = wanted - set(fresh)
        for employee_id in gone:
            tenant.drop(employee_id)
        if gone:
            self._close_where(tenant, lambda c: c.principal.employee_id in gone)

    def _install(self, tenant: _Tenant, fresh: dict[int, StreamViewer]) -> None:
        """Put reloaded viewers in place. Those whose keyword filters changed get Mastodon's
        ``filters_changed`` on their user streams, so their apps read the filters again: compared with
        what was held rather than told by the writer, so a reload for another reason (a unit move, a
        promotion) sends nothing, and one that came by the periodic refresh still does."""
        now, in_force = timezone.now(), lookups.filters_in_force
        changed = set()
        for employee_id, viewer in fresh.items():
            held = tenant.viewers.get(employee_id)
            if held is not None and in_force(held, now) != in_force(viewer, now):
                changed.add(employee_id)
            tenant.hold(employee_id, viewer)
        if changed:
            self._filters_changed(tenant, changed)

    def _refilter(self, tenant: _Tenant, filters: dict[int, lookups.ViewerFilters | None]) -> None:
        """Give held viewers the filters just read for them, and ``filters_changed`` where they differ."""
        now = timezone.now()
        changed = set()
        for employee_id, found in filters.items():
            viewer = tenant.viewers.get(employee_id)
            if viewer is None:
                continue
            before = lookups.filters_in_force(viewer, now)
            viewer.filters = found
            tenant.held_filters(employee_id, viewer)
            if lookups.filters_in_force(viewer, now) != before:
                changed.add(employee_id)
        if changed:
            self._filters_changed(tenant, changed)

    def _filters_changed(self, tenant: _Tenant, employee_ids: set[int]) -> None:
        for conn in tenant.connections:
            if conn.principal.employee_id in employee_ids:
                for sub in conn.subs:
                    if sub.kind == USER:
                        conn.push(filters_changed_message(conn, sub))

    def _close_where(self, tenant: _Tenant, condition: Callable[[Connection], bool]) -> None:
        for conn in [c for c in tenant.connections if condition(c)]:
            conn.close()

    async def _deliver_notification(self, tenant: _Tenant, message: dict[str, Any]) -> None:
        recipient = message["to"]
        targets = [
            c
            for c in tenant.connections
            if c.principal.employee_id == recipient and any(s.kind in {USER, NOTIFICATION} for s in c.subs)
        ]
        viewer = tenant.viewers.get(recipient)
        if not targets or viewer is None:
            return
        if message.get("aud") is not None:
            audience = visibility.decode(message["aud"])
            # The recipient may see the post now (not only when the notification was written), and
            # nobody they silenced since is let through.
            viewer._followees = frozenset(
                await self.db(_followees_among, tenant.schema, recipient, visibility.author_ids(audience))
            )
            if not visibility.admits(audience, viewer):
                return
        if await self.db(lookups.notification_silenced, tenant.schema, recipient, message["actor"]):
            return
        frames = _Frames("notification", message["payload"])
        for conn in targets:
            for sub in conn.subs:
                if sub.kind in {USER, NOTIFICATION}:
                    conn.push(frames.for_connection(conn, sub))

    async def _deliver_announcement(self, tenant: _Tenant, message: dict[str, Any]) -> None:
        """Mastodon's announcement events, on user streams only, to the readers it is for: the whole
        company, or its unit and those below (``announcements.selectors.announcement_is_for`` on the
        unit chain each viewer holds). An ``announcement`` also tells those it was for before an edit,
        and no longer is, ``announcement.delete``."""
        listening = {
            c.principal.employee_id for c in tenant.connections if any(s.kind == USER for s in c.subs)
        }
        if not listening:
            return
        kind, unit = message["k"], message.get("unit")
        was_out, was_unit = message.get("was_out", False), message.get("was_unit")
        entity: _Announcements | None = None
        if kind == "announcement":
            marks = await self.db(lookups.announcement_marks, tenant.schema, int(message["id"]), listening)
            entity = _Announcements(message["payload"], marks)
            frames = _Frames("announcement.delete", message["id"])  # for those it is no longer for
        elif kind == "announcement.reaction":
            frames = _Frames(kind, message["payload"])
        else:
            frames = _Frames(kind, message["id"])
        for conn in list(tenant.connections):
            viewer = tenant.viewers.get(conn.principal.employee_id)
            if conn.closed or viewer is None:
                continue
            if announcement_is_for(viewer, unit):
                shown = entity  # None for a reaction or a delete: ``frames`` then
            elif entity is not None and was_out and announcement_is_for(viewer, was_unit):
                shown = None  # an edit took it away from them: ``frames`` is its delete
            else:
                continue
            for sub in conn.subs:
                if sub.kind != USER:
                    continue
                if shown is not None:
                    conn.push(shown.for_connection(conn, sub, conn.principal.employee_id))
                else:
                    conn.push(frames.for_connection(conn, sub))

    async def _deliver_post(self, tenant: _Tenant, message: dict[str, Any]) -> None:
        if not tenant.connections:
            return
        kinds = {s.kind for c in tenant.connections for s in c.subs}
        audience = visibility.decode(message["aud"])
        authors = visibility.author_ids(audience) | {message["author"]}
        needs_lists = USER in kinds or LIST in kinds
        needs_follows = needs_lists or visibility.depends_on_follows(audience)
        # A taggable post also reaches the home timelines of its hashtags' followers.
        tags = (message.get("tags") or ()) if USER in kinds and message.get("taggable") else ()
        context = await self.db(
            lookups.event_context,
            tenant.schema,
            authors=authors,
            reply_to=message.get("reply_to"),
            follows=needs_follows,
            lists=needs_lists,
            tags=tags,
        )
        event = message["k"]
        frames = _Frames(event, message["payload"])
        conversations = _Conversations(message) if event == "update" and DIRECT in kinds else None
        filtered = _Filtered(message, frames) if tenant.filtering and event != "delete" else None
        route = _Route(message, context, authors, audience)
        # The loop below runs once per open connection (10,000 per process): names are looked up once.
        viewers, admits, matches = tenant.viewers, visibility.admits, route.matches
        for conn in list(tenant.connections):
            if conn.closed:
                continue
            viewer = viewers.get(conn.principal.employee_id)
            if viewer is None:
                continue
            me = viewer.id
            if needs_follows:
                viewer._followees = route.followees_of(me)
            visible: bool | None = None
            for sub in conn.subs:
                if not matches(sub, me):
                    continue
                if visible is None:
                    visible = admits(audience, viewer)
                if not visible:
                    break
                if conversations is not None and sub.kind == DIRECT:
                    conn.push(conversations.for_connection(conn, sub, conn.principal.employee_id))
                elif filtered is None or viewer.filters is None:
                    conn.push(frames.for_connection(conn, sub))
                elif (item := filtered.for_connection(conn, sub, viewer)) is not None:
                    conn.push(item)

    # -- periodic work ------------------------------------------------------------------------------

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_seconds)
            for tenant in list(self.tenants.values()):
                try:
                    await self._recheck(tenant)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("stream re-check failed for %s", tenant.schema)

    async def _recheck(self, tenant: _Tenant) -> None:
        """Close streams whose employee is gone or inactive, or whose token or session died; every
        ``refresh_seconds`` also reload the viewers (a new unit or rank changes what they may see)."""
        if not tenant.connections:
            return
        conns = list(tenant.connections)
        employees = {c.principal.employee_id for c in conns}
        tokens = {c.principal.token_id for c in conns if c.principal.token_id is not None}
        sessions = {c.principal.session_key for c in conns if c.principal.session_key is not None}
        now = time.monotonic()
        rules = await self.db(lookups.current_rules, tenant.schema)
        if rules != tenant.rules:
            # A policy edit (a new barrier) applies to open streams within one re-check.
            tenant.rules = rules
            for viewer in tenant.viewers.values():
                lookups.prepare(viewer, rules)
        if now - tenant.last_refresh >= self.refresh_seconds:
            # Reload only the viewers whose directory facts changed without a reload message reaching
            # us: reloading all 10,000 took about a second of CPU, holding the GIL against deliveries.
            generation = tenant.generation
            known = {k: lookups.facts(v) for k, v in tenant.viewers.items()}
            stale = await self.db(lookups.changed_viewers, tenant.schema, known)
            stale |= employees - set(known)
            fresh = await self.db(lookups.viewers, tenant.schema, stale) if stale else {}
            # Filters edited behind a lost reload message: re-read for the few readers who have any
            # (one statement); a first filter or the last one gone shows in ``facts`` instead.
            filtering = tenant.filtering - stale
            filters = await self.db(lookups.filters_of, tenant.schema, filtering) if filtering else {}
            if generation == tenant.generation:  # else a control reload already applied newer facts
                self._install(tenant, {k: v for k, v in fresh.items() if k in tenant.refs})
                self._refilter(tenant, {k: filters.get(k) for k in filtering})
            inactive = stale - set(fresh)
            tenant.last_refresh = now
        else:
            inactive = await self.db(lookups.inactive_among, tenant.schema, employees)
        dead_tokens, dead_sessions = await self.db(lookups.dead_credentials, tenant.schema, tokens, sessions)
        for conn in conns:
            p = conn.principal
            if (
                p.employee_id in inactive
                or (p.token_id is not None and p.token_id in dead_tokens)
                or (p.session_key is not None and p.session_key in dead_sessions)
            ):
                conn.close()
        for gone in inactive & employees:
            tenant.drop(gone)

    async def _heartbeat_forever(self) -> None:
        """A comment line on every SSE stream so proxies keep idle streams open (WebSockets get
        protocol pings from the server, uvicorn's ``--ws-ping-interval``)."""
        beat = b":thump\n"
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            for tenant in list(self.tenants.values()):
                for conn in list(tenant.connections):
                    if not conn.websocket:
                        conn.push(beat)


def _followees_among(schema: str, follower_id: int, authors: set[int]) -> set[int]:
    from social.models import Follow

    lookups._enter(schema)
    return set(
        Follow.objects.filter(follower_id=follower_id, followee_id__in=authors).values_list(
            "followee_id", flat=True
        )
    )


class _Route:
    """Which streams an event belongs on, for one viewer (visibility aside): Mastodon's routing rules
    with the BizTweet timelines' definitions (``timelines.selectors``)."""

    __slots__ = (
        "_authors",
        "_context",
        "author",
        "direct",
        "media",
        "mentioned",
        "original_author",
        "public",
        "reply_to",
        "taggable",
        "tags",
    )

    def __init__(
        self, message: dict[str, Any], context: EventContext, authors: set[int], audience: PostAudience
    ) -> None:
        self._context = context
        self._authors = authors
        self.author: int = message["author"]
        self.reply_to: int | None = message.get("reply_to")
        self.original_author: int | None = message.get("original_author")
        self.public: bool = message.get("public", False)
        self.taggable: bool = message.get("taggable", False)
        self.media: bool = message.get("media", False)
        self.tags = frozenset(message.get("tags") or ())
        self.direct: bool = message.get("direct", False)
        self.mentioned = audience.mentioned

    def followees_of(self, viewer_id: int | None) -> frozenset[int]:
        followers = self._context.followers
        return frozenset(a for a in self._authors if viewer_id in followers.get(a, ()))

    def _follows(self, viewer_id: int, whom: int) -> bool:
        return viewer_id in self._context.followers.get(whom, ())

    def _silenced(self, viewer_id: int) -> bool:
        return viewer_id in self._context.silenced

    def matches(self, sub: Sub, me: int | None) -> bool:
        if me is None:
            return False
        kind = sub.kind
        if kind == USER:
            return self._home(me)
        if kind in PUBLIC_KINDS:
            media_only, remote_only = PUBLIC_KINDS[kind]
            return (
                self.public
                and not remote_only
                and (self.media or not media_only)
                and (self.author == me or not self._silenced(me))
            )
        if kind in HASHTAG_KINDS:
            return self.taggable and sub.tag in self.tags and (self.author == me or not self._silenced(me))
        if kind == LIST:
            return self._list(sub, me)
        if kind == DIRECT:
            # Mastodon's direct stream: the direct conversations one takes part in (as author or
            # mentioned); whether the viewer may see the post is still policy's question.
            return self.direct and (self.author == me or (me in self.mentioned and not self._silenced(me)))
        return False

    def _home(self, me: int) -> bool:
        """``timelines.selectors.home_timeline``'s rules: own posts, posts by people followed, and
        taggable posts carrying a hashtag one follows (``timelines.services.fanout_run``); then, for
        all but one's own, the same rules on mutes and blocks, exclusive lists, hidden reposts and
        replies."""
        if self.author == me:
            return True
        reached = self._follows(me, self.author) or (self.taggable and me in self._context.tag_followers)
        if not reached or self._silenced(me):
            return False
        if self.original_author == me:
            return False  # a repost of one's own post
        if self.original_author is not None and me in self._context.reblogs_hidden.get(self.author, ()):
            return False  # a repost by someone whose reposts I hide
        if me in self._context.exclusive_owners:
            return False  # the author is on one of my exclusive lists
        if self.reply_to is None or self.reply_to in {self.author, me}:
            return True
        return self._follows(me, self.reply_to)

    def _list(self, sub: Sub, me: int) -> bool:
        if sub.list_id not in self._context.lists_of.get(self.author, ()):
            return False
        if self._silenced(me):
            return False
        if self.reply_to is None or self.reply_to == self.author:
            return True
        if sub.replies_policy == "none":
            return False
        if sub.replies_policy == "list":
            return sub.list_id in self._context.lists_of.get(self.reply_to, ())
        return self._follows(me, self.reply_to)
