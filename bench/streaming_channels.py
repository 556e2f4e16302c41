"""The baseline for bench/streaming.py (issue 8: "Django Channels with its Redis layer is the baseline
to beat"): the same SSE delivery built the usual Channels way, measured the same way.

    .venv/bin/pip install --group bench     # channels, channels-redis: never in the product's runtime
    ulimit -n 20000 && PYTHONPATH=.:platform .venv/bin/python bench/streaming_channels.py --streams 10000

Same defaults, tenant, tokens, client (bench/streaming_client.py) and figures as bench/streaming.py,
whose ``run`` drives this too; only the server and the way an event leaves the writer differ:

- server: one uvicorn process (uvloop, httptools) serving ``bench.streaming_channels:application``, a
  Channels ``ProtocolTypeRouter`` whose ``/api/v1/streaming/public`` is an ``AsyncHttpConsumer`` per
  stream. On connect it resolves the tenant from Host and the bearer token and loads the viewer (the
  same ``streaming.lookups`` functions as ours, in a 4-thread pool like our hub's, not Channels'
  one-thread ``database_sync_to_async``), answers the SSE headers and ``:)``, and joins one group per
  tenant schema (``stream.<schema>``) on the Redis channel layer (channels_redis ``RedisChannelLayer``);
- writer: ``posts.services.post_create`` as in the product; the rendered event (Status JSON and the SSE
  bytes, built once, plus the audience snapshot) goes out with one ``group_send`` per event instead of
  our Redis PUBLISH;
- delivery: each consumer gets the event from the layer and runs the same in-memory check as ours
  (``policy.admits`` on its viewer; the decoded audience is shared per process), then writes the bytes.
  Unlike ours it skips the mute/block check (one query per event), which only flatters the baseline.

Prints the same Markdown row as bench/streaming.py and writes bench/out/streaming-channels.json.
"""

from __future__ import annotations

import asyncio
import sys
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ heads sys.path and bench/streaming.py would shadow the streaming app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
for _root in (str(ROOT / "platform"), str(ROOT)):
    if _root not in sys.path:
        sys.path.insert(0, _root)

NAME = "streaming-channels"
APP = "bench.streaming_channels:application"
PATH = "/api/v1/streaming/public"


def group_name(schema: str) -> str:
    return f"stream.{schema}"


def layer_config(redis_url: str) -> dict[str, Any]:
    # redis-py 8's asyncio pool holds 100 connections and refuses the 101st instead of waiting: the
    # client opens 200 streams at a time, each joining the group. channels_redis' defaults otherwise
    # (capacity 100 messages per channel, expiry 60 s, msgpack).
    host = {"address": redis_url, "max_connections": 1000}
    return {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [host]}}


# ---- the server (imported by uvicorn in its own process) ------------------------------------------


_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="channels-db")
_audiences: OrderedDict[str, Any] = OrderedDict()


async def _db(fn: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_executor, fn, *args)


def _audience(event: dict[str, Any]) -> Any:
    """The event's audience, decoded once per process (each consumer receives its own copy)."""
    from streaming import visibility

    found = _audiences.get(event["id"])
    if found is None:
        found = _audiences[event["id"]] = visibility.decode(event["aud"])
        while len(_audiences) > 64:
            _audiences.popitem(last=False)
    return found


def _build() -> Any:
    import django
    from django.conf import settings

    django.setup()
    # The layer is configured here so the product's settings never name Channels.
    settings.CHANNEL_LAYERS = {"default": layer_config(settings.REDIS_URL)}

    from channels.exceptions import StopConsumer
    from channels.generic.http import AsyncHttpConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    from streaming import lookups, visibility
    from streaming.app import SSE_HEADERS, _hostname

    class PublicStream(AsyncHttpConsumer):
        """``/api/v1/streaming/public`` as an SSE response held open, fed by the tenant's group."""

        group: str | None = None
        viewer: Any = None

        async def http_request(self, message: dict[str, Any]) -> None:
            # AsyncHttpConsumer ends the consumer once ``handle`` returns; a stream must stay and keep
            # taking channel-layer messages, so the request is answered here and the consumer lives on
            # until ``http.disconnect``.
            if message.get("more_body"):
                return
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.scope["headers"]}
            tenant = await _db(lookups.tenant_for_host, _hostname(headers))
            if tenant is None or tenant.suspended:
                await self.send_response(404, b'{"error":"Not found"}')
                raise StopConsumer()
            auth = headers.get("authorization", "")
            token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
            principal = await _db(lookups.principal_for_token, tenant.schema, token) if token else None
            viewers = await _db(lookups.viewers, tenant.schema, {principal.employee_id}) if principal else {}
            if principal is None or principal.employee_id not in viewers:
                await self.send_response(401, b'{"error":"Invalid access token"}')
                raise StopConsumer()
            self.viewer = viewers[principal.employee_id]
            self.group = group_name(tenant.schema)
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.send_headers(headers=SSE_HEADERS)
            await self.send_body(b":)\n", more_body=True)

        async def stream_event(self, event: dict[str, Any]) -> None:
            if event["public"] and visibility.admits(_audience(event), self.viewer):
                await self.send_body(event["sse"], more_body=True)

        async def disconnect(self) -> None:
            if self.group is not None:
                await self.channel_layer.group_discard(self.group, self.channel_name)

    return ProtocolTypeRouter({"http": URLRouter([path(PATH.lstrip("/"), PublicStream.as_asgi())])})


_app: Any = None


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _app
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    if _app is None:
        _app = _build()
    await _app(scope, receive, send)


# ---- the driver -------------------------------------------------------------------------------------


def main() -> None:
    from bench.streaming import arguments, report, run

    args = arguments(__doc__)

    from channels.layers import get_channel_layer
    from django.conf import settings
    from django.db import connection

    from streaming.hub import sse_event

    settings.CHANNEL_LAYERS = {"default": layer_config(settings.REDIS_URL)}
    layer = get_channel_layer()
    loop = asyncio.new_event_loop()

    def group_send(message: dict[str, Any], *, schema: str | None = None) -> None:
        """Where ours publishes the event on the tenant's Redis channel: one group_send."""
        if message.get("k") != "update":
            return
        event = {
            "type": "stream.event",
            "id": message["id"],
            "public": message["public"],
            "aud": message["aud"],
            "sse": sse_event("update", message["payload"]),
        }
        loop.run_until_complete(layer.group_send(group_name(schema or connection.schema_name), event))

    try:
        report(run(args, app=APP, send=group_send, name=NAME), name=NAME)
    finally:
        loop.run_until_complete(layer.flush())
        loop.close()


if __name__ == "__main__":
    main()
