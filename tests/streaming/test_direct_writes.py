"""The stream server's in-place writes (``streaming.app._direct_writer``) against a real uvicorn: what a
client reads is the same chunked body ``send`` would have produced, and uvicorn's httptools protocol
takes the fast path (if an uvicorn upgrade changes its internals, this says so instead of the fan-out
silently slowing down)."""

from __future__ import annotations

import asyncio
import http.client
from typing import Any

import uvicorn

from streaming.app import SSE_HEADERS, _direct_writer

FRAME = b'event: update\ndata: {"id":"1"}\n\n'


def _serve_and_read(protocol: str) -> tuple[str, bytes, list[bool]]:
    chosen: list[str] = []
    results: list[bool] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        await send({"type": "http.response.body", "body": b":)\n", "more_body": True})
        write = _direct_writer(send)
        assert write is not None
        chosen.append(write.__qualname__)
        results.extend([write(FRAME), write(b""), write(FRAME)])
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def main() -> bytes:
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, http=protocol, lifespan="off", log_level="error")
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]

        def read() -> bytes:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/streaming/public")
            response = conn.getresponse()
            assert response.getheader("transfer-encoding") == "chunked"
            return response.read()

        try:
            return await asyncio.to_thread(read)
        finally:
            server.should_exit = True
            await serving

    body = asyncio.run(main())
    return chosen[0], body, results


def test_httptools_streams_are_written_in_place_as_chunks() -> None:
    chosen, body, results = _serve_and_read("httptools")
    assert chosen == "_chunk_writer.<locals>.write"
    # An empty write is a no-op (as a chunk it would have ended the stream early).
    assert body == b":)\n" + FRAME + FRAME
    assert results == [True, True, True]


def test_h11_streams_drive_send_in_place() -> None:
    chosen, body, results = _serve_and_read("h11")
    assert chosen == "_direct_writer.<locals>.write"
    assert body == b":)\n" + FRAME + FRAME
    assert results == [True, True, True]
