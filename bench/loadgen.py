"""Open-loop HTTP/1.1 load at a fixed rate, light enough to share the machine with the server it measures.

The fixed-rate phases of bench/timelines.py used aiohttp: 0.41 ms of client CPU per home request
against uvicorn and 0.65 ms against gunicorn (a new connection per request) on our 2-core machine, CPU
taken from the server under test. This client sends prebuilt request bytes over keep-alive connections
(asyncio protocols, uvloop) and reads only the status line, the headers and the body by its length:
0.22 and 0.33 ms (``bench/timelines.py --client-cost``, bench/RESULTS.md).

Open loop: request ``i`` is due at ``start + i / rate`` whatever happened before, and its latency counts
from then, time waiting for a free connection included, so a server that falls behind shows as latency,
not as a lower rate (no coordinated omission). Responses are framed by Content-Length or chunked
encoding; a server's ``Connection: close`` (gunicorn's sync workers) closes the connection and the next
request opens another, as wrk does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

T = TypeVar("T")


@dataclass
class Result:
    kind: str
    due: float  # time.perf_counter() when the request was due
    done: float  # … and when its response had arrived; 0 when it failed
    status: int  # 0: the connection failed
    queries: int  # the server's X-Bench-Queries header, -1 without it
    body: bytes

    @property
    def latency_ms(self) -> float:
        return (self.done - self.due) * 1000


def get(host: str, path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()


def post_form(host: str, path: str, token: str, fields: dict[str, str]) -> bytes:
    body = urlencode(fields).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, dict[bytes, bytes], bytes]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed before the response"))

    def send(self, raw: bytes) -> asyncio.Future[tuple[int, dict[bytes, bytes], bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        parsed = _response(self.buffer)
        if parsed is None or self.waiter is None or self.waiter.done():
            return
        status, headers, body, used = parsed
        del self.buffer[:used]
        self.waiter.set_result((status, headers, body))


def _response(buffer: bytearray) -> tuple[int, dict[bytes, bytes], bytes, int] | None:
    """A complete response at the start of ``buffer``: status, headers, body, bytes used; or None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buffer[:end]).split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    start = end + 4
    if b"content-length" in headers:
        used = start + int(headers[b"content-length"])
        return (status, headers, bytes(buffer[start:used]), used) if len(buffer) >= used else None
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = bytearray()
        position = start
        while True:
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            size = int(bytes(buffer[position:line_end]).split(b";")[0], 16)
            if size == 0:
                used = buffer.find(b"\r\n\r\n", line_end)  # the (usually empty) trailer ends it
                return (status, headers, bytes(body), used + 4) if used >= 0 else None
            chunk_end = line_end + 2 + size
            if len(buffer) < chunk_end + 2:
                return None
            body += buffer[line_end + 2 : chunk_end]
            position = chunk_end + 2
    return status, headers, b"", start  # no body (204, 304)


async def at_rate(
    base: str,
    requests: Sequence[tuple[str, bytes]],
    rate: float,
    count: int,
    *,
    limit: int = 256,
    keep_body: bool = False,
    start: float | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """``count`` requests, request ``i`` being ``requests[i % len(requests)]`` as (kind, raw bytes),
    due at ``start + i / rate``; at most ``limit`` in flight (later ones wait for a connection, and
    that wait counts in their latency). ``on_result`` is called with each result as it arrives."""
    loop = asyncio.get_running_loop()
    address = urlsplit(base)
    idle: list[_Connection] = []
    slots = asyncio.Semaphore(limit)
    results: list[Result] = []
    start = time.perf_counter() + 0.05 if start is None else start

    async def connect() -> _Connection:
        _, protocol = await loop.create_connection(_Connection, address.hostname, address.port)
        return protocol

    async def one(kind: str, raw: bytes, due: float) -> None:
        async with slots:
            for attempt in range(2):
                reused = bool(idle)
                connection = idle.pop() if reused else await connect()
                if connection.closed:
                    continue
                try:
                    status, headers, body = await connection.send(raw)
                except ConnectionError:
                    if reused and attempt == 0:  # the server closed an idle connection: try a new one
                        continue
                    results.append(Result(kind, due, 0.0, 0, -1, b""))
                    return
                done = time.perf_counter()
                result = Result(
                    kind, due, done, status, int(headers.get(b"x-bench-queries", b"-1")),
                    body if keep_body else b"",
                )  # fmt: skip
                results.append(result)
                if on_result is not None:
                    on_result(result)
                if headers.get(b"connection", b"").lower() == b"close" or connection.closed:
                    assert connection.transport is not None
                    connection.transport.close()
                else:
                    idle.append(connection)
                return
            results.append(Result(kind, due, 0.0, 0, -1, b""))

    tasks = []
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, raw = requests[i % len(requests)]
        tasks.append(loop.create_task(one(kind, raw, due)))
    await asyncio.gather(*tasks)
    for connection in idle:
        if connection.transport is not None:
            connection.transport.close()
    return results


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (it comes with uvicorn[standard]), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def requests_of(host: str, plan: Iterable[tuple[str, str, str]]) -> list[tuple[str, bytes]]:
    """(kind, path, token) → (kind, GET request bytes)."""
    return [(kind, get(host, path, token)) for kind, path, token in plan]
