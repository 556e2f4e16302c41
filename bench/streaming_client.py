"""The load side of bench/streaming.py: many SSE streams from one process, timestamps of what arrives.

Run by bench/streaming.py as a separate process (so the server's figures are its own):

    python bench/streaming_client.py --port P --host-header H --tokens FILE --out FILE [--path P]

Opens one SSE stream per token in FILE (one per line) on loopback, prints ``ready N`` once every
stream has answered ``:)`` (the server has subscribed it), then records, per connection, the wall-clock
time each ``update`` event starts to arrive and the status id it carries. On SIGTERM/stdin EOF it
writes ``{post_id: [receive times...]}`` as JSON to --out and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections import defaultdict

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None

ID = re.compile(rb'event: update\ndata: \{"id":"(\d+)"')
received: dict[str, list[float]] = defaultdict(list)


class Stream(asyncio.Protocol):
    __slots__ = ("opened", "transport")

    def __init__(self, opened: asyncio.Future[None]) -> None:
        self.opened = opened

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.opened.done():
            # The status line and the ":)" that says the stream is subscribed may come in separate reads.
            if data.startswith(b"HTTP/1.1") and not data.startswith(b"HTTP/1.1 200 "):
                self.opened.set_exception(RuntimeError(data[:200].decode(errors="replace")))
                return
            if b":)" in data:
                self.opened.set_result(None)
        for match in ID.finditer(data):
            received[match.group(1).decode()].append(now)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(RuntimeError(f"closed: {exc}"))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host-header", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--path", default="/api/v1/streaming/public")
    parser.add_argument("--out", required=True)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    with open(args.tokens) as lines:
        tokens = [line.strip() for line in lines if line.strip()]
    loop = asyncio.get_running_loop()
    transports = []
    gate = asyncio.Semaphore(args.concurrency)

    async def open_one(token: str) -> None:
        async with gate:
            opened: asyncio.Future[None] = loop.create_future()
            transport, _ = await loop.create_connection(lambda: Stream(opened), "127.0.0.1", args.port)
            request = (
                f"GET {args.path} HTTP/1.1\r\nHost: {args.host_header}\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
            )
            transport.write(request.encode())
            await asyncio.wait_for(opened, 120)
            transports.append(transport)

    started = time.monotonic()
    results = await asyncio.gather(*(open_one(t) for t in tokens), return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    print(f"ready {len(transports)} failed {len(failed)} in {time.monotonic() - started:.1f}s", flush=True)
    if failed:
        print(f"first failure: {failed[0]!r}", file=sys.stderr, flush=True)
    # Wait for the driver to close our stdin (it is done posting).
    await loop.run_in_executor(None, sys.stdin.read)
    with open(args.out, "w") as out:
        json.dump(received, out)
    for transport in transports:
        transport.close()


if __name__ == "__main__":
    if uvloop is not None:
        uvloop.install()
    asyncio.run(main())
