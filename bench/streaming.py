"""Live streams at load (issue 8): how many SSE streams one web process holds, and post → delivery delay.

    ulimit -n 20000 && PYTHONPATH=.:platform .venv/bin/python bench/streaming.py [--streams N] [--posts N]

Defaults: DATABASE_URL or postgres://postgres@127.0.0.1:5432/bt_bench_stream, REDIS_URL or
redis://127.0.0.1:6379/2. The database is created and migrated if missing; tenant ``streambench`` is
onboarded once and given one employee and one bearer token per stream (bulk rows, re-used next run).

One uvicorn process serves ``biztweet.asgi:application`` (uvloop, httptools). A separate client process
(bench/streaming_client.py) opens the streams on loopback and waits until each has answered. Then this
process writes company-wide posts through ``posts.services.post_create`` at ``--interval`` seconds:
the delay is from just before ``post_create`` (so it includes the write, the commit, rendering the
Status and publishing) to the moment each stream starts receiving the ``update``. Memory per stream is
the server's RSS growth from one open stream to all of them, divided by the number added.

Prints a Markdown table for bench/RESULTS.md and writes the raw figures to bench/out/streaming.json.
Bounded: every wait has a timeout; the server and client are stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ is first on sys.path, and bench/timelines.py would shadow the timelines app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
# ... but its shared set-up lives in bench/data.py: reachable last, after the apps.
sys.path.append(str(ROOT / "bench"))
from data import STREAM_DATABASE_URL, STREAM_REDIS_URL, ensure_database, pct, service_arguments, setup_django  # noqa: E402

OUT = ROOT / "bench" / "out"
SLUG = "streambench"
HOST = f"{SLUG}.localhost"


def prepare(streams: int) -> tuple[Any, list[str], Any]:
    """The tenant, ``streams`` bearer tokens (one employee each) and the posting author."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from oauth2_provider.models import AccessToken, Application

    from directory.models import Employee, OrgUnit
    from tenants.models import Tenant
    from tenants.services import tenant_onboard

    call_command("migrate_schemas", interactive=False, verbosity=0)
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        tenant_onboard(
            slug=SLUG, name="Stream Bench", admin_email="admin@streambench.example", admin_password="x" * 16
        )
        tenant = Tenant.objects.get(slug=SLUG)
    with tenant_context(tenant):
        root = OrgUnit.objects.get(parent=None)
        have = Employee.objects.filter(username__startswith="sb").count()
        if have < streams:
            rows = [
                Employee(
                    username=f"sb{i}",
                    email=f"sb{i}@streambench.example",
                    unit=root,
                    display_name=f"직원 {i}",
                    rank_level=1 + i % 9,
                )
                for i in range(have, streams)
            ]
            for row in rows:
                row.set_unusable_password()
            Employee.objects.bulk_create(rows, batch_size=2000)
        app, _ = Application.objects.get_or_create(
            name="stream-bench",
            defaults={
                "client_type": "confidential",
                "authorization_grant_type": "authorization-code",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            },
        )
        people = list(Employee.objects.filter(username__startswith="sb").order_by("username")[:streams])
        existing = set(AccessToken.objects.filter(application=app).values_list("user_id", flat=True))
        expires = timezone.now() + timedelta(days=365)
        AccessToken.objects.bulk_create(
            [
                AccessToken(user=e, token=f"sbench-{e.pk}", application=app, scope="read", expires=expires)
                for e in people
                if e.pk not in existing
            ],
            batch_size=2000,
        )
        AccessToken.objects.filter(application=app, expires__lt=timezone.now() + timedelta(days=1)).update(
            expires=expires
        )
        author = Employee.objects.get(email="admin@streambench.example")
    return tenant, [f"sbench-{e.pk}" for e in people], author


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    import psutil

    return int(psutil.Process(pid).memory_info().rss // 1024)


OURS = "biztweet.asgi:application"


def start_server(port: int, env: dict[str, str], log: Path, app: str = OURS) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--backlog",
            "4096",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{log.read_text(errors='replace')}") from None
            time.sleep(0.2)


def run(
    args: argparse.Namespace, *, app: str = OURS, send: Any = None, name: str = "streaming"
) -> dict[str, Any]:
    """Serve ``app``, open the streams, post, and measure. ``send`` replaces how a published event
    leaves (``streaming.publish._send``: a Redis PUBLISH) for a baseline that delivers otherwise;
    ``name`` prefixes the files in bench/out/."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from posts.models import Audience
    from posts.services import post_create
    from streaming import publish as streaming_publish

    tenant, tokens, author = prepare(args.streams)
    connection.set_schema_to_public()
    OUT.mkdir(exist_ok=True)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'platform'}")
    server = start_server(port, env, OUT / f"{name}-server.log", app)
    client: subprocess.Popen[str] | None = None
    try:
        token_file = OUT / f"{name}-tokens.txt"
        # One stream first, so the baseline includes the hub, the Redis subscription and the thread pool.
        token_file.write_text(tokens[0] + "\n")
        warm = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "streaming_client.py"), "--port", str(port),
             "--host-header", f"{HOST}:{port}", "--tokens", str(token_file), "--out", os.devnull],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert warm.stdout is not None
        print(" ", warm.stdout.readline().strip(), file=sys.stderr)
        time.sleep(2)
        baseline = rss_kib(server.pid)
        token_file.write_text("\n".join(tokens[1:]) + "\n")
        client = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "streaming_client.py"), "--port", str(port),
             "--host-header", f"{HOST}:{port}", "--tokens", str(token_file),
             "--out", str(OUT / f"{name}-received.json")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert client.stdout is not None
        started = time.monotonic()
        ready_line = client.stdout.readline().strip()
        connect_s = time.monotonic() - started
        print(" ", ready_line, file=sys.stderr)
        opened = int(ready_line.split()[1]) + 1
        time.sleep(3)  # let the re-check and allocator settle
        loaded = rss_kib(server.pid)
        sent: dict[str, float] = {}
        published: dict[str, float] = {}
        send = send or streaming_publish._send

        def timed_send(message: dict[str, Any], **kwargs: Any) -> None:
            # When the event leaves for Redis: splits the delay into writing + rendering and delivery.
            published[str(message.get("id"))] = time.time()
            send(message, **kwargs)

        streaming_publish._send = timed_send  # type: ignore[assignment]
        with tenant_context(tenant):
            # One untimed post first: this process's first post_create pays for imports, templates
            # and connections once, and with 30 posts one cold post is 3 % of all deliveries (all of
            # p99) — a server that has been up for a minute no longer pays it.
            post_create(author=author, text="warm-up #bench", audience=Audience.COMPANY)
            time.sleep(args.interval)
            published.clear()
            for i in range(args.posts):
                t0 = time.time()
                post = post_create(
                    author=author, text=f"방송 {i} #bench broadcast to everyone", audience=Audience.COMPANY
                )
                sent[str(post.pk)] = t0
                time.sleep(args.interval)
        time.sleep(2)
        peak = rss_kib(server.pid)
        assert client.stdin is not None
        client.stdin.close()
        client.wait(timeout=120)
        warm.stdin.close()  # type: ignore[union-attr]
        warm.wait(timeout=30)
        received: dict[str, list[float]] = json.loads((OUT / f"{name}-received.json").read_text())
    finally:
        for proc in (client, server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    delays = [(t - sent[pid]) * 1000 for pid, times in received.items() if pid in sent for t in times]
    fanout = [(t - published[p]) * 1000 for p, times in received.items() if p in published for t in times]
    publish_ms = [(published[pid] - sent[pid]) * 1000 for pid in sent if pid in published]
    expected = (opened - 1) * len(sent)
    per_post_p50 = [
        statistics.median([(t - sent[pid]) * 1000 for t in received.get(pid, [])])
        for pid in sent
        if received.get(pid)
    ]
    return {
        "streams": opened,
        "connect_s": round(connect_s, 1),
        "baseline_rss_mib": round(baseline / 1024, 1),
        "loaded_rss_mib": round(loaded / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "kib_per_stream": round((loaded - baseline) / max(1, opened - 1), 1),
        "posts": len(sent),
        "deliveries": len(delays),
        "expected_deliveries": expected,
        "p50_ms": round(pct(delays, 50), 1) if delays else None,
        "p90_ms": round(pct(delays, 90), 1) if delays else None,
        "p99_ms": round(pct(delays, 99), 1) if delays else None,
        "max_ms": round(max(delays), 1) if delays else None,
        "write_render_publish_p50_ms": round(statistics.median(publish_ms), 1) if publish_ms else None,
        "publish_to_delivery_p50_ms": round(pct(fanout, 50), 1) if fanout else None,
        "publish_to_delivery_p99_ms": round(pct(fanout, 99), 1) if fanout else None,
        "write_render_publish_ms": [
            round((published[pid] - sent[pid]) * 1000, 1) for pid in sent if pid in published
        ],
        "per_post_p50_ms_range": [round(min(per_post_p50), 1), round(max(per_post_p50), 1)]
        if per_post_p50
        else None,
    }


def arguments(doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--interval", type=float, default=1.0)
    service_arguments(parser, STREAM_DATABASE_URL, STREAM_REDIS_URL)
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url, args.redis_url)
    return args


def report(result: dict[str, Any], name: str = "streaming") -> None:
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print()
    print("| streams | KiB/stream | RSS loaded | post → delivery p50 | p90 | p99 | max | delivered |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {result['streams']:,} | {result['kib_per_stream']} | {result['loaded_rss_mib']} MiB "
        f"| {result['p50_ms']} ms | {result['p90_ms']} ms | {result['p99_ms']} ms | {result['max_ms']} ms "
        f"| {result['deliveries']:,} / {result['expected_deliveries']:,} |"
    )


def main() -> None:
    report(run(arguments(__doc__)))


if __name__ == "__main__":
    main()
