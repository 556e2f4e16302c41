"""The parts of a stream server's work at 10,000 streams, each alone (issue 8), after bench/streaming.py
has made its tenant and 10,000 viewers:

    ulimit -n 20000 && PYTHONPATH=.:platform .venv/bin/python bench/streaming_parts.py [--streams N]

1. the floor: ``transport.write`` of one 600-byte event to N sockets on loopback, uvloop to a uvloop
   reader in another process — what no fan-out over N TCP streams can go below;
2. the hub's own Python for one event (``Hub._deliver_post``) over N connections whose writes are
   no-ops: routing, ``policy.admits`` and framing, without the sockets;
3. the safety net's database work for N viewers, CPU and wall time: reloading every viewer
   (``lookups.viewers``, what the 30-s refresh did), comparing them (``lookups.changed_viewers``,
   what it does now) and the 3-s re-check (``lookups.inactive_among``).

Same defaults as bench/streaming.py (DATABASE_URL or bt_bench_stream, REDIS_URL or Redis db 2).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.append(str(ROOT / "bench"))
from data import STREAM_DATABASE_URL, STREAM_REDIS_URL, service_arguments, setup_django  # noqa: E402

ROUNDS = 5


def write_floor(streams: int) -> None:
    import uvloop

    server_socket = socket.socket()
    server_socket.bind(("127.0.0.1", 0))
    server_socket.listen(4096)
    port = server_socket.getsockname()[1]
    reader = os.fork()
    if reader == 0:  # the client: N connections that read and drop what arrives
        server_socket.close()

        async def read() -> None:
            loop = asyncio.get_running_loop()
            for _ in range(streams):
                await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
            await asyncio.sleep(3600)

        uvloop.run(read())
        os._exit(0)

    async def write() -> None:
        transports: list[Any] = []

        class Accepted(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                transports.append(transport)

        await asyncio.get_running_loop().create_server(Accepted, sock=server_socket)
        while len(transports) < streams:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        event = b"x" * 600
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for transport in transports:
                transport.write(event)
            ms = (time.perf_counter() - started) * 1000
            print(f"floor: {streams:,} transport.write of 600 bytes: {ms:.1f} ms", flush=True)
            await asyncio.sleep(1)

    try:
        uvloop.run(write())
    finally:
        os.kill(reader, 9)


def timed(label: str, fn: Any, *args: Any) -> Any:
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn(*args)
    cpu_ms, wall_ms = (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
    print(f"{label}: CPU {cpu_ms:.0f} ms, wall {wall_ms:.0f} ms", flush=True)
    return result


def hub_and_safety_net(streams: int) -> None:
    from django.db import connection

    from directory.models import Employee
    from policy import audience_for
    from posts.models import Post
    from streaming import hub as streaming_hub
    from streaming import lookups, visibility
    from streaming.lookups import Principal
    from tenants.models import Tenant

    schema = Tenant.objects.get(slug="streambench").schema_name
    connection.set_schema(schema)
    ids = set(Employee.objects.filter(username__startswith="sb").values_list("id", flat=True)[:streams])
    for _ in range(3):
        viewers = timed(f"safety net, old: lookups.viewers({len(ids):,})", lookups.viewers, schema, ids)
    known = {k: lookups.facts(v) for k, v in viewers.items()}
    for _ in range(3):
        timed(
            f"safety net, now: lookups.changed_viewers({len(known):,})",
            lookups.changed_viewers,
            schema,
            known,
        )
    for _ in range(3):
        timed(f"re-check: lookups.inactive_among({len(ids):,})", lookups.inactive_among, schema, ids)

    post = Post.objects.filter(reblog_of=None).select_related("author__unit").order_by("-id").first()
    if post is None:
        raise SystemExit("no post in the streambench tenant: run bench/streaming.py first")
    hub = streaming_hub.Hub()
    tenant = streaming_hub._Tenant(schema=schema, viewers=viewers)
    for employee_id in ids:
        conn = streaming_hub.Connection(
            schema=schema, principal=Principal(employee_id=employee_id), websocket=False
        )
        conn.subs = [streaming_hub.Sub(kind="public")]
        conn.direct = lambda body: True  # written: the sockets are the floor's part
        tenant.connections.add(conn)

    async def in_this_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    hub.db = in_this_thread  # type: ignore[method-assign]
    message = {
        "k": "update",
        "id": str(post.pk),
        "author": post.author_id,
        "aud": visibility.encode(audience_for(post)),
        "payload": f'{{"id":"{post.pk}"}}',
        "public": True,
        "taggable": True,
        "tags": [],
    }

    async def deliver() -> None:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            await hub._deliver_post(tenant, dict(message))
            ms = (time.perf_counter() - started) * 1000
            print(f"hub: one event over {len(tenant.connections):,} connections, writes no-ops: {ms:.1f} ms")

    asyncio.run(deliver())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=10_000)
    service_arguments(parser, STREAM_DATABASE_URL, STREAM_REDIS_URL)
    args = parser.parse_args()
    write_floor(args.streams)
    # The hub's database calls run here on the event loop's thread (the server runs them in a pool).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    setup_django(args.database_url, args.redis_url)
    hub_and_safety_net(args.streams)


if __name__ == "__main__":
    main()
