"""Mastodon's streaming API as a lean ASGI app in front of Django (``biztweet.asgi``).

- Server-Sent Events: ``GET /api/v1/streaming/{user, user/notification, public, public/local,
  public/remote, public/media, …, hashtag?tag=, hashtag/local?tag=, list?list=, direct}`` (also
  ``/api/v1/streaming?stream=…``), ``event:``/``data:`` lines, a ``:thump`` comment as heartbeat.
  ``direct`` carries Mastodon's ``conversation`` events (a Conversation whose ``last_status`` is the
  new direct post), then ``status.update`` and ``delete`` for those posts.
- WebSocket: ``/api/v1/streaming?stream=…``, and ``{"type": "subscribe"|"unsubscribe", "stream": …,
  "tag"|"list": …}`` messages to multiplex streams over one socket; messages are
  ``{"stream": [...], "event": ..., "payload": "<JSON string>"}``.
- ``GET /api/v1/streaming/health`` answers ``OK``.

Tenant from the Host header as ``tenants.middleware`` decides it (unknown host 404, suspended tenant
403). Credentials as Mastodon accepts them: ``access_token=``, ``Authorization: Bearer``, the
WebSocket ``Sec-WebSocket-Protocol`` header; and the web UI's session cookie (for WebSockets only from
the tenant's own origin, so another site cannot open a socket with a visitor's cookie).

Django is not in the path of a stream: a Django request holds a thread and a database connection for
its lifetime, and 10,000 open streams per process is the goal (bench/streaming.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from django.conf import settings

from streaming import lookups
from streaming.hub import HASHTAG_KINDS, KINDS, LIST, SCOPE, Connection, Hub, Sub
from streaming.lookups import Principal

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/api/v1/streaming"
SSE_PATHS = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "public/media": "public:media",
    "public/local/media": "public:local:media",
    "public/remote/media": "public:remote:media",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "list": "list",
    "direct": "direct",
}
SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"private, no-store"),
    # nginx and similar proxies would otherwise buffer the stream.
    (b"x-accel-buffering", b"no"),
]


class StreamError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


_hub: Hub | None = None


def hub() -> Hub:
    global _hub
    if _hub is None:
        _hub = Hub()
    return _hub


def is_stream_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


# ---- request parsing -------------------------------------------------------------------------------


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _params(scope: Scope) -> dict[str, str]:
    query = scope.get("query_string", b"").decode("latin-1")
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


def _hostname(headers: dict[str, str]) -> str:
    host = headers.get("host", "").strip().lower().rstrip(".")
    if host.startswith("["):
        return ""
    host = host.rsplit(":", 1)[0] if ":" in host else host
    # django-tenants' remove_www: www.acme.example is acme.example's tenant.
    return host[4:] if host.startswith("www.") else host


async def _tenant(headers: dict[str, str]) -> str:
    found = await hub().tenant_for_host(_hostname(headers))
    if found is None:
        raise StreamError("Not found", 404)
    if found.suspended:
        raise StreamError("This company's BizTweet is suspended", 403)
    return found.schema


def _bearer(headers: dict[str, str], params: dict[str, str], *, websocket: bool) -> tuple[str | None, bool]:
    """The presented token, and whether it came as the WebSocket subprotocol (it is echoed back then)."""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip(), False
    if params.get("access_token"):
        return params["access_token"], False
    if websocket and headers.get("sec-websocket-protocol"):
        return headers["sec-websocket-protocol"].split(",")[0].strip(), True
    return None, False


def _session_key(headers: dict[str, str]) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    cookie = SimpleCookie()
    try:
        cookie.load(raw)
    except Exception:
        return None
    morsel = cookie.get(settings.SESSION_COOKIE_NAME)
    return morsel.value if morsel is not None else None


def _same_origin(headers: dict[str, str]) -> bool:
    origin = headers.get("origin")
    if not origin:
        return True  # not a browser: cookies are not sent on its behalf
    return (urlsplit(origin).netloc or "").lower() == headers.get("host", "").lower()


async def _principal(
    schema: str, headers: dict[str, str], params: dict[str, str], *, websocket: bool
) -> Principal:
    token, _ = _bearer(headers, params, websocket=websocket)
    if token:
        found = await hub().db(lookups.principal_for_token, schema, token)
        if found is None:
            raise StreamError("Invalid access token", 401)
        return found
    session_key = _session_key(headers)
    if session_key and (not websocket or _same_origin(headers)):
        found = await hub().db(lookups.principal_for_session, schema, session_key)
        if found is not None:
            return found
    raise StreamError("Missing access token", 401)


async def _sub(schema: str, principal: Principal, kind: str, params: dict[str, Any]) -> Sub:
    """One stream's subscription from its name and parameters, as Mastodon validates it."""
    if kind not in KINDS:
        raise StreamError("Unknown stream type", 400)
    if not principal.may(SCOPE.get(kind, "read:statuses")):
        raise StreamError("Access token does not have the required scopes", 401)
    if kind in HASHTAG_KINDS:
        from posts.text import normalise_tag

        tag = normalise_tag(str(params.get("tag") or "").strip())
        if not tag:
            raise StreamError("No tag for stream provided", 400)
        return Sub(kind=kind, tag=tag)
    if kind == LIST:
        try:
            list_id = int(str(params.get("list") or ""))
        except ValueError:
            raise StreamError("Record not found", 404) from None
        owned = await hub().db(lookups.list_owned, schema, list_id, principal.employee_id)
        if owned is None:
            raise StreamError("Record not found", 404)
        return Sub(kind=kind, list_id=owned[0], replies_policy=owned[1])
    return Sub(kind=kind)


async def _json_error(send: Send, error: StreamError) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", b"application/json; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": orjson.dumps({"error": error.message})})


# ---- compliance audit -----------------------------------------------------------------------------


async def _audit_open(scope: Scope, headers: dict[str, str], schema: str, principal: Principal) -> None:
    """A compliance officer's stream opening is one audit entry, like their other reads (the events
    that follow are not logged one by one). The token never reaches the log."""
    query = "&".join(
        part
        for part in scope.get("query_string", b"").decode("latin-1").split("&")
        if part and not part.startswith("access_token=")
    )
    path = scope["path"] + (f"?{query}" if query else "")
    forwarded = headers.get("x-forwarded-for", "").split(",")[0].strip()
    client = scope.get("client") or (None, None)
    ip = forwarded or client[0]
    await hub().db(lookups.record_compliance_stream, schema, principal.employee_id, path, ip)


# ---- SSE ------------------------------------------------------------------------------------------


async def _http(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope["path"].rstrip("/")
    rest = path[len(PREFIX) + 1 :] if path != PREFIX else ""
    if rest == "health":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"OK"})
        return
    if scope["method"] not in {"GET", "HEAD"}:
        await _json_error(send, StreamError("Method not allowed", 405))
        return
    params = _params(scope)
    kind = SSE_PATHS.get(rest) if rest else params.get("stream", "")
    headers = _headers(scope)
    try:
        if kind is None:
            raise StreamError("Unknown stream type", 404)
        schema = await _tenant(headers)
        principal = await _principal(schema, headers, params, websocket=False)
        sub = await _sub(schema, principal, kind, params)
        conn = Connection(schema=schema, principal=principal, websocket=False)
        conn.subs.append(sub)
        if not await hub().attach(conn):
            raise StreamError("Invalid access token", 401)
    except StreamError as error:
        await _json_error(send, error)
        return
    try:
        if principal.compliance:
            await _audit_open(scope, headers, schema, principal)
        await _serve_sse(conn, receive, send)
    finally:
        hub().detach(conn)


async def _until_disconnect(receive: Receive) -> None:
    # The only way an ASGI app learns that the client went away (the request body comes first).
    while (await receive())["type"] != "http.disconnect":
        pass


def _direct_writer(send: Send) -> Callable[[bytes], bool] | None:
    """A synchronous write for uvicorn's HTTP protocols, or None elsewhere.

    Waking 10,000 connection tasks per event costs more than the rest of the event's fan-out, so on
    uvicorn the hub writes each event to the socket in place. False means nothing was written (the
    socket is under back-pressure): the item then goes to the connection's own task, which waits for
    the socket properly through ``send``.
    """
    owner = getattr(send, "__self__", None)
    if owner is None or not type(owner).__module__.startswith("uvicorn.protocols.http."):
        return None
    if _streams_chunks(owner):
        return _chunk_writer(owner)

    def write(body: bytes) -> bool:
        # uvicorn's ``send`` writes without suspending unless the socket is under back-pressure, and
        # then suspends *before* writing anything: drive it to completion, or drop it unwritten.
        step = send({"type": "http.response.body", "body": body, "more_body": True})
        try:
            step.send(None)  # type: ignore[attr-defined]
        except StopIteration:
            return True
        step.close()  # type: ignore[attr-defined]
        return False

    return write


def _streams_chunks(cycle: Any) -> bool:
    """Whether ``cycle`` is uvicorn's httptools response cycle with its headers out and a chunked body
    under way: then its ``send`` of one more body part is exactly ``transport.write`` of one chunk."""
    return (
        type(cycle).__module__ == "uvicorn.protocols.http.httptools_impl"
        and getattr(cycle, "response_started", False) is True
        and getattr(cycle, "chunked_encoding", None) is True
        and hasattr(cycle, "transport")
        and isinstance(getattr(getattr(cycle, "flow", None), "write_paused", None), bool)
    )


# The hub hands every connection the same bytes for an event: frame them once, not 10,000 times.
_last_chunk: tuple[bytes, bytes] = (b"", b"")


def _chunk_writer(cycle: Any) -> Callable[[bytes], bool]:
    """uvicorn's ``send`` for one more body part, without building an ASGI message and a coroutine per
    connection per event: Python work that 10,000 streams multiply on every event (bench/RESULTS.md)."""
    transport, flow = cycle.transport, cycle.flow

    def write(body: bytes) -> bool:
        global _last_chunk
        if not body or cycle.disconnected or cycle.response_complete:
            # As ``send`` does, nothing goes to a closed stream (and an empty chunk would end it).
            return True
        if flow.write_paused:
            return False
        last_body, chunk = _last_chunk
        if body is not last_body:
            chunk = b"%x\r\n%b\r\n" % (len(body), body)
            _last_chunk = (body, chunk)
        transport.write(chunk)
        return True

    return write


async def _serve_sse(conn: Connection, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
    await send({"type": "http.response.body", "body": b":)\n", "more_body": True})
    watcher = asyncio.ensure_future(_until_disconnect(receive))
    watcher.add_done_callback(lambda _: conn.close())
    conn.direct = _direct_writer(send)
    try:
        while (batch := await conn.next_batch()) is not None:
            await send({"type": "http.response.body", "body": b"".join(batch), "more_body": True})
            conn.written()
    finally:
        conn.direct = None
        watcher.cancel()
        with contextlib.suppress(Exception):
            await send({"type": "http.response.body", "body": b"", "more_body": False})


# ---- WebSocket ------------------------------------------------------------------------------------


async def _deny(scope: Scope, send: Send, error: StreamError) -> None:
    if "websocket.http.response" in scope.get("extensions", {}):
        await send(
            {
                "type": "websocket.http.response.start",
                "status": error.status,
                "headers": [(b"content-type", b"application/json; charset=utf-8")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": orjson.dumps({"error": error.message})})
    else:
        await send({"type": "websocket.close", "code": 4000 + error.status})


async def _websocket(scope: Scope, receive: Receive, send: Send) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    headers, params = _headers(scope), _params(scope)
    try:
        schema = await _tenant(headers)
        principal = await _principal(schema, headers, params, websocket=True)
        conn = Connection(schema=schema, principal=principal, websocket=True)
        if not await hub().attach(conn):
            raise StreamError("Invalid access token", 401)
    except StreamError as error:
        await _deny(scope, send, error)
        return
    token, as_protocol = _bearer(headers, params, websocket=True)
    accept: dict[str, Any] = {"type": "websocket.accept"}
    if as_protocol:
        accept["subprotocol"] = token
    try:
        if principal.compliance:
            await _audit_open(scope, headers, schema, principal)
        await send(accept)
        sender = asyncio.ensure_future(_ws_sender(conn, send))
        try:
            if params.get("stream"):
                await _ws_command(conn, {"type": "subscribe", **params})
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
                try:
                    command = orjson.loads(text)
                except orjson.JSONDecodeError:
                    command = None
                if isinstance(command, dict):
                    await _ws_command(conn, command)
        finally:
            conn.close()
            await sender
    finally:
        hub().detach(conn)


async def _ws_command(conn: Connection, command: dict[str, Any]) -> None:
    kind = str(command.get("stream") or "")
    action = command.get("type")
    try:
        if action not in {"subscribe", "unsubscribe"}:
            raise StreamError("Unknown message type", 400)
        sub = await _sub(conn.schema, conn.principal, kind, command)
    except StreamError as error:
        conn.push(orjson.dumps({"error": error.message, "status": error.status}).decode())
        return
    if action == "subscribe" and sub not in conn.subs:
        conn.subs.append(sub)
    elif action == "unsubscribe" and sub in conn.subs:
        conn.subs.remove(sub)


async def _ws_sender(conn: Connection, send: Send) -> None:
    with contextlib.suppress(Exception):
        while (batch := await conn.next_batch()) is not None:
            for text in batch:
                await send({"type": "websocket.send", "text": text})
        # Closed by the hub (deactivated, revoked) or by the client: say goodbye if still open.
        await send({"type": "websocket.close", "code": 1000})


# ---- routing ---------------------------------------------------------------------------------------


def _end_streams_when_the_server_stops() -> None:
    """uvicorn waits for open responses before it stops, and a stream never ends by itself: end them
    when the server is told to exit, so a deploy or restart is not held up (clients reconnect)."""
    try:
        from uvicorn.server import Server
    except ImportError:  # another ASGI server: its own timeout applies
        return
    original = Server.handle_exit
    if getattr(original, "ends_streams", False):
        return

    def handle_exit(self: Any, sig: int, frame: Any) -> None:
        if _hub is not None:
            _hub.close_all_threadsafe()
        original(self, sig, frame)

    handle_exit.ends_streams = True  # type: ignore[attr-defined]
    Server.handle_exit = handle_exit  # type: ignore[method-assign]


class StreamingRouter:
    """``/api/v1/streaming…`` here, everything else to Django; the lifespan stops the hub cleanly."""

    def __init__(self, django_app: ASGIApp) -> None:
        self.django_app = django_app
        _end_streams_when_the_server_stops()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
        elif is_stream_path(scope.get("path", "")):
            if kind == "websocket":
                await _websocket(scope, receive, send)
            else:
                await _http(scope, receive, send)
        elif kind == "websocket":
            await receive()
            await send({"type": "websocket.close", "code": 1000})
        else:
            await self.django_app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _hub is not None:
                    await _hub.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
