"""Home timeline benchmark (issue 7): every figure beside its goal and its baseline, in one run.

Run on demand, never in the test suite (bench/README.md), after bench/data.py:

    PYTHONPATH=.:platform .venv/bin/python bench/timelines.py [--seconds 10] [--modes uvicorn,gunicorn]

Defaults: DATABASE_URL or postgres://postgres@127.0.0.1:5432/bt_bench_big, REDIS_URL or
redis://127.0.0.1:6379/13 (the Redis gets ``CONFIG SET zset-max-listpack-entries 512``). The server is
started as production would run it, with ``DJANGO_SETTINGS_MODULE=bench.settings`` (the product's
settings plus ``/bench/hello``, ``/bench/naive_home`` and the ``X-Bench-Queries`` response header), and
load comes from this process over loopback: wrk for closed-loop throughput, bench/loadgen.py for the
fixed-rate phases (latency measured from each request's scheduled start, so a stalled server is not
hidden by a client that waits for it; half the client CPU aiohttp took, ``--client-cost``). Phases:

0. the machine's yardstick (``--calibrate``): a bare Django hello (bench/bare_hello.py) against the
   ~4,300 req/s issue 7 measured on its own machine;
1. throughput, 64 connections: hello, home, naive home — for each serving mode (uvicorn workers;
   gunicorn with sync workers over WSGI);
2. latency at a fixed 400 req/s over a mix: page 1 (70 %), pages 2–5 (20 %), few-follows employees
   (10 %) — home and naive home on the same schedule, with the server's query count per request;
3. a post by an author with 7,000 followers: POST latency, and how long until it is in followers' home
   timelines; baseline: one Celery job per follower (bench/tasks.py), timed until the feeds hold it;
4. 200 posts/s with 200 reads/s alongside: fan-out lag (POST answered → ``fanout_state`` done), read
   p99 against the same read load on an idle server;
5. Redis memory of the tenant's keys; the web worker processes' resident memory.

A Markdown report goes to stdout, raw figures to bench/out/timelines.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[0].parent
sys.path[:0] = [str(ROOT), str(ROOT / "platform"), str(ROOT / "bench")]

import data  # noqa: E402  (bench/data.py: seeding, tokens, Django set-up)
import loadgen  # noqa: E402  (bench/loadgen.py: the fixed-rate client)

OUT = ROOT / "bench" / "out"
CLIENTS = 64
RATE = 400
POST_RATE = 200
READ_RATE = 200
WARM_UP_POSTS = 4


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# --- the population -------------------------------------------------------------------------------------


@dataclass
class People:
    host: str
    schema: str
    regular: list[int]
    few: list[int]
    big_author: int
    big_followers: list[int]
    cursors: dict[int, list[int]] = field(default_factory=dict)  # viewer → max_id of pages 2..5


def load_people(rng: random.Random) -> People:
    from django.db.models import Count
    from django_tenants.utils import tenant_context

    from social.models import Follow
    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug=data.SLUG)
    host = tenant.get_primary_domain().domain
    with tenant_context(tenant):
        following = dict(data.token_holders().annotate(n=Count("following_set")).values_list("id", "n"))
        few = [pk for pk, n in following.items() if n <= 5]
        big_author = (
            Follow.objects.values("followee_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("followee_id", flat=True)[0]
        )
        followers = list(Follow.objects.filter(followee_id=big_author).values_list("follower_id", flat=True))
        regular = [pk for pk, n in following.items() if n > 5 and pk != big_author]
    rng.shuffle(regular)
    return People(host, tenant.schema_name, regular, few, big_author, followers)


# --- servers ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=f"{ROOT}:{ROOT / 'platform'}",
        LOG_LEVEL="WARNING",
    )
    return env


def _uvicorn(app: str) -> Any:
    return lambda port: [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--workers", "2", "--lifespan", "off", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def _gunicorn(workers: int, app: str = "biztweet.wsgi:application") -> Any:
    return lambda port: [
        sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}",
        "-w", str(workers), "-k", "sync", "--backlog", "2048", "--log-level", "warning",
    ]  # fmt: skip


SERVERS = {
    # docker/start-web.sh: biztweet.asgi, the streams and Django's WSGI app on WEB_THREADS threads.
    "uvicorn": _uvicorn("biztweet.asgi:application"),
    # WSGI sync workers, one request at a time per process, no event loop or thread hop in between.
    "gunicorn": _gunicorn(2),
    # The baseline of biztweet.asgi's choice: Django's own ASGI handler instead of its WSGI app.
    "uvicorn-django-asgi": _uvicorn("bench.asgi_django:application"),
    # gunicorn with 4 workers: while one waits for PostgreSQL another can use the core.
    "gunicorn-w4": _gunicorn(4),
    # Not the product: issue 7's yardstick, a bare Django hello (bench/bare_hello.py), for --calibrate.
    "bare-hello": _gunicorn(2, "bench.bare_hello:application"),
}


def wait_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{log.read_text(errors='replace')}") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def server(mode: str, logdir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    log = logdir / f"server-{mode}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            SERVERS[mode](port), cwd=ROOT, env=child_env(), stdout=out, stderr=subprocess.STDOUT
        )
        try:
            wait_port(port, process, log)
            yield f"http://127.0.0.1:{port}", process
        finally:
            stop(process)


@contextmanager
def celery_worker(logdir: Path) -> Iterator[None]:
    log = logdir / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "biztweet", "worker", "-c", "2", "-I", "bench.tasks",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
            cwd=ROOT, env=child_env(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            time.sleep(4)
            if process.poll() is not None:
                raise SystemExit(f"worker did not start:\n{log.read_text(errors='replace')}")
            drain_broker()
            yield
        finally:
            stop(process)


def drain_broker(limit_seconds: float = 600) -> None:
    """Wait for the tasks already queued to be done before anything is timed: bench/post_profile.py
    posts without a worker, and its posts' fan-outs wait in the queue for the next one (thousands of
    them once made a phase's reads and fan-outs 10-100x slower)."""
    from biztweet.celery import app

    def queued() -> int:
        with app.connection_for_write() as conn:
            try:
                queue = conn.default_channel.queue_declare(app.conf.task_default_queue, passive=True)
            except conn.channel_errors:  # an empty queue does not exist on Redis
                return 0
            return int(queue.message_count)

    waiting = queued()
    if not waiting:
        return
    print(f"  {waiting} tasks queued by earlier runs: done first", flush=True)
    deadline = time.monotonic() + limit_seconds
    while queued() and time.monotonic() < deadline:
        time.sleep(1)


def rss_mib(root_pid: int) -> dict[int, float]:
    """Resident memory of a server's processes (the master and its workers)."""
    pids = [root_pid, *(int(p) for p in _children(root_pid))]
    out = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[pid] = int(line.split()[1]) / 1024
        except FileNotFoundError:
            pass
    return out


# --- load ----------------------------------------------------------------------------------------------

WRK_SCRIPT = """
local tokens = {%s}
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  local n = (i %% #tokens) + 1
  local headers = {["Host"] = "%s", ["Authorization"] = "Bearer " .. tokens[n]}
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
"""


def wrk(
    base: str, host: str, paths: list[str], tokens: list[str], seconds: int, logdir: Path
) -> dict[str, Any]:
    script = logdir / "wrk.lua"
    quoted = lambda xs: ",".join(f'"{x}"' for x in xs)  # noqa: E731
    script.write_text(WRK_SCRIPT % (quoted(tokens), quoted(paths), host))
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{seconds}s", "--timeout", "30s", "--latency",
         "-s", str(script), base],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    text = out.stdout
    rps = float(next(line for line in text.splitlines() if line.startswith("Requests/sec")).split()[1])
    requests = int(next(line for line in text.splitlines() if " requests in " in line).split()[0])
    errors = sum(
        int(part.split()[-1].rstrip(","))
        for line in text.splitlines()
        if "Non-2xx" in line or "Socket errors" in line
        for part in [line.split(":")[-1]]
        if part.split()[-1].rstrip(",").isdigit()
    )
    return {"rps": rps, "requests": requests, "non_2xx_or_socket_errors": errors, "raw": text}


@dataclass
class Sample:
    kind: str
    latency_ms: float
    status: int
    queries: int


def fixed_rate(
    base: str, host: str, plan: list[tuple[str, str, str]], rate: float, seconds: float
) -> list[Sample]:
    """Open loop (bench/loadgen.py): request i starts at i / rate whatever happened before; latency
    counts from then."""
    requests = loadgen.requests_of(host, plan)
    results = loadgen.run(loadgen.at_rate(base, requests, rate, int(rate * seconds)))
    return samples_of(results)


async def aiohttp_fixed_rate(
    base: str, host: str, plan: list[tuple[str, str, str]], rate: float, seconds: float
) -> list[Sample]:
    """The same schedule through aiohttp, the client these phases used before loadgen: kept only for
    ``--client-cost``."""
    import aiohttp

    samples: list[Sample] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        start = time.perf_counter() + 0.2

        async def one(i: int, kind: str, path: str, token: str) -> None:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            headers = {"Host": host, "Authorization": f"Bearer {token}"}
            async with session.get(base + path, headers=headers) as response:
                await response.read()
                queries = int(response.headers.get("X-Bench-Queries", "-1"))
                samples.append(Sample(kind, (time.perf_counter() - due) * 1000, response.status, queries))

        await asyncio.gather(*(one(i, *plan[i % len(plan)]) for i in range(int(rate * seconds))))
    return samples


def client_cost(base: str, people: People, seconds: int) -> dict[str, Any]:
    """This process's CPU per request at READ_RATE over the mix, with each client."""
    plan = mix(people, "/api/v1/timelines/home", random.Random(6))
    out = {}
    for name, run in (
        ("aiohttp", lambda: asyncio.run(aiohttp_fixed_rate(base, people.host, plan, READ_RATE, seconds))),
        ("loadgen", lambda: fixed_rate(base, people.host, plan, READ_RATE, seconds)),
    ):
        started = time.process_time()
        samples = run()
        cpu_ms = (time.process_time() - started) * 1000 / len(samples)
        out[name] = {"client_cpu_ms_per_request": round(cpu_ms, 3), **summarise(samples)["all"]}
    return out


def samples_of(results: list[loadgen.Result]) -> list[Sample]:
    return [Sample(r.kind, r.latency_ms if r.status else float("inf"), r.status, r.queries) for r in results]


def summarise(samples: list[Sample]) -> dict[str, Any]:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s)
        by_kind["all"].append(s)
    out = {}
    for kind, group in by_kind.items():
        lat = [s.latency_ms for s in group]
        queries = [s.queries for s in group]
        out[kind] = {
            "n": len(group),
            "p50_ms": round(pct(lat, 50), 2),
            "p99_ms": round(pct(lat, 99), 2),
            "errors": sum(1 for s in group if s.status != 200),
            "queries_max": max(queries),
            "queries_mean": round(statistics.mean(queries), 2),
        }
    return out


async def discover_cursors(base: str, people: People, viewers: list[int], path: str) -> None:
    """Pages 2–5 of each viewer: the max_id each page starts from, read from Link headers."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        sem = asyncio.Semaphore(8)

        async def walk(viewer: int) -> None:
            async with sem:
                cursors: list[int] = []
                url = base + path
                for _ in range(4):
                    headers = {"Host": people.host, "Authorization": f"Bearer {data.token_for(viewer)}"}
                    async with session.get(url, headers=headers) as response:
                        body = await response.json()
                        if not body:
                            break
                    cursors.append(int(body[-1]["id"]))
                    url = f"{base}{path}?max_id={cursors[-1]}"
                people.cursors[viewer] = cursors

        await asyncio.gather(*(walk(v) for v in viewers))


def warm_cursors(base: str, people: People, rng: random.Random) -> None:
    """Pages 2–5 of 300 regular viewers (``discover_cursors``), which also warms the server."""
    viewers = rng.sample(people.regular, 300)
    asyncio.run(discover_cursors(base, people, viewers, "/api/v1/timelines/home"))


def mix(people: People, path: str, rng: random.Random, n: int = 4000) -> list[tuple[str, str, str]]:
    plan = []
    paged = [v for v in people.cursors if people.cursors[v]]
    for _ in range(n):
        roll = rng.random()
        if roll < 0.7:
            viewer = rng.choice(people.regular)
            plan.append(("page 1", path, data.token_for(viewer)))
        elif roll < 0.9 and paged:
            viewer = rng.choice(paged)
            max_id = rng.choice(people.cursors[viewer])
            plan.append(("pages 2-5", f"{path}?max_id={max_id}", data.token_for(viewer)))
        else:
            viewer = rng.choice(people.few)
            plan.append(("few follows", path, data.token_for(viewer)))
    return plan


# --- phases -----------------------------------------------------------------------------------------------


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU time so far of the server's processes (``web``), PostgreSQL's and Redis's, and of the
    children this process has waited for (``wrk``)."""
    import resource

    tick = os.sysconf("SC_CLK_TCK")
    web = {server_pid, *(int(p) for p in _children(server_pid))}
    out = {"web": 0.0, "postgres": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        group = "web" if int(entry.name) in web else comm.split(":")[0].split()[0].removesuffix("-server")
        if group in out:
            out[group] += used
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["wrk"] = children.ru_utime + children.ru_stime
    return out


def _children(pid: int) -> list[str]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return path.read_text().split() if path.exists() else []


def phase_throughput(
    base: str, people: People, seconds: int, logdir: Path, server_pid: int
) -> dict[str, Any]:
    """Closed-loop req/s of each endpoint, and the CPU each request cost the server, PostgreSQL, Redis
    and wrk (from /proc, over the run)."""
    tokens = [data.token_for(v) for v in people.regular[:2000]]
    figures = {}
    for name, path in (("hello", "/bench/hello"), ("home", "/api/v1/timelines/home"),
                       ("naive home", "/bench/naive_home")):  # fmt: skip
        wrk(base, people.host, [path], tokens, 2, logdir)  # warm-up
        before = cpu_seconds(server_pid)
        figures[name] = wrk(base, people.host, [path], tokens, seconds, logdir)
        after = cpu_seconds(server_pid)
        requests = max(figures[name]["requests"], 1)
        figures[name]["cpu_ms_per_request"] = {
            group: round((after[group] - before[group]) * 1000 / requests, 2) for group in after
        }
        cpu = figures[name]["cpu_ms_per_request"]
        rps = figures[name]["rps"]
        print(f"    {name}: {rps:.0f} req/s, CPU ms/request {cpu}", file=sys.stderr, flush=True)
    return figures


# Issue 7's first fact: "Django hello under gunicorn with 2 sync workers ~4,300 req/s" on its machine.
ISSUE_BARE_HELLO_RPS = 4300


def phase_calibrate(seconds: int, logdir: Path) -> dict[str, Any]:
    """This machine against the one issue 7's facts were measured on: the bare Django hello's req/s,
    served and loaded as the issue describes, and what the issue's fixed rate corresponds to here."""
    with server("bare-hello", logdir) as (base, process):
        wrk(base, "localhost", ["/"], ["-"], 2, logdir)  # warm-up
        before = cpu_seconds(process.pid)
        figures = wrk(base, "localhost", ["/"], ["-"], seconds, logdir)
        after = cpu_seconds(process.pid)
    figures.pop("raw")
    requests = max(figures["requests"], 1)
    figures["cpu_ms_per_request"] = {
        group: round((after[group] - before[group]) * 1000 / requests, 3) for group in ("web", "wrk")
    }
    figures["speed_vs_issue"] = round(figures["rps"] / ISSUE_BARE_HELLO_RPS, 2)
    figures["issue_rate_here"] = round(RATE * figures["rps"] / ISSUE_BARE_HELLO_RPS)
    print(f"    bare Django hello: {figures}", file=sys.stderr, flush=True)
    return figures


def calibration_line(c: dict[str, Any]) -> str:
    return (
        f"Machine yardstick (bench/bare_hello.py, gunicorn 2 sync workers, wrk {CLIENTS} connections): "
        f"bare Django hello {c['rps']:.0f} req/s, "
        f"{c['speed_vs_issue']}× issue 7's ~{ISSUE_BARE_HELLO_RPS:,}; "
        f"its {RATE} req/s corresponds to ~{c['issue_rate_here']} req/s here."
    )


def phase_latency(
    base: str, people: People, seconds: int, rng: random.Random, rate: int = RATE
) -> dict[str, Any]:
    out = {}
    for name, path in (("home", "/api/v1/timelines/home"), ("naive home", "/bench/naive_home")):
        plan = mix(people, path, random.Random(1))
        samples = fixed_rate(base, people.host, plan, rate, seconds)
        out[name] = summarise(samples)
        print(f"    {name} @{rate}/s: {out[name]['all']}", file=sys.stderr, flush=True)
    return out


async def post_status(session: Any, base: str, host: str, author: int, text: str) -> tuple[int, float, float]:
    headers = {"Host": host, "Authorization": f"Bearer {data.token_for(author)}"}
    started = time.perf_counter()
    async with session.post(base + "/api/v1/statuses", headers=headers, data={"status": text}) as response:
        body = await response.json()
        if response.status != 200:
            raise SystemExit(f"POST failed: {response.status} {body}")
    done = time.perf_counter()
    return int(body["id"]), (done - started) * 1000, done


async def big_author(base: str, people: People, posts: int, sample: int) -> dict[str, Any]:
    """Posts by the most-followed author; each is looked for in ``sample`` followers' home timelines."""
    import aiohttp

    rng = random.Random(3)
    post_ms: list[float] = []
    seen_ms: list[float] = []
    visible_ms: list[float] = []
    first_asks: list[bool] = []  # found by the first request to that timeline
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as session:
        # Untimed: the first post a worker process handles pays once for what a running server has
        # (the broker connection, templates); with 10 posts on 2 workers that was the whole p99.
        await asyncio.sleep(2)  # and whatever the phase before queued is served first
        for n in range(WARM_UP_POSTS):
            await post_status(session, base, people.host, people.big_author, f"warm-up {n} #벤치마크")
        for n in range(posts):
            pk, ms, answered = await post_status(
                session, base, people.host, people.big_author, f"전사 공지 {n} #공지 벤치마크"
            )
            post_ms.append(ms)
            followers = rng.sample(people.big_followers, sample)
            sem = asyncio.Semaphore(16)

            async def until_seen(
                viewer: int, pk: int = pk, answered: float = answered, sem: Any = sem
            ) -> None:
                headers = {"Host": people.host, "Authorization": f"Bearer {data.token_for(viewer)}"}
                async with sem:
                    for attempt in range(200):
                        asked = time.perf_counter()
                        async with session.get(
                            f"{base}/api/v1/timelines/home?limit=5", headers=headers
                        ) as response:
                            body = await response.json()
                        if any(int(s["id"]) == pk for s in body):
                            seen_ms.append((time.perf_counter() - answered) * 1000)
                            # When the post was there at the latest: the request that found it was
                            # asked then. The answer's time adds the checker's own queue (100 timelines
                            # asked at once, 16 at a time), which the baseline's figure does not have.
                            visible_ms.append((asked - answered) * 1000)
                            first_asks.append(attempt == 0)
                            return
                        await asyncio.sleep(0.05)

            await asyncio.gather(*(until_seen(v) for v in followers))
            await asyncio.sleep(0.3)
    return {
        "posts": posts,
        "followers_checked_per_post": sample,
        "post_p50_ms": round(pct(post_ms, 50), 1),
        "post_p99_ms": round(pct(post_ms, 99), 1),
        "seen_n": len(seen_ms),
        "seen_p50_ms": round(pct(seen_ms, 50), 1),
        "seen_p99_ms": round(pct(seen_ms, 99), 1),
        "visible_p50_ms": round(pct(visible_ms, 50), 1),
        "visible_p99_ms": round(pct(visible_ms, 99), 1),
        "found_at_first_ask": sum(first_asks),
    }


def per_follower_baseline(people: People, posts: int) -> dict[str, Any]:
    """Mastodon's way: one job per follower. Timed from the post's commit until every feed holds it."""
    from django_tenants.utils import schema_context

    from bench.tasks import fanout_per_follower
    from common import snowflake
    from timelines import feeds

    client = feeds.client()
    all_ms: list[float] = []
    done_ms = []
    with schema_context(people.schema):
        keys = [feeds.home_key(f) for f in people.big_followers]
        present = [k for k, e in zip(keys, _exists_many(client, keys), strict=True) if e]
        for _ in range(posts):
            pk = snowflake.generate()  # a post id only in the feeds: the timing is the delivery itself
            started = time.perf_counter()
            fanout_per_follower.delay(pk, people.big_author)
            waiting = set(present)
            arrivals: list[float] = []
            deadline = started + 120
            while waiting and time.perf_counter() < deadline:
                pipe = client.pipeline(transaction=False)
                order = list(waiting)
                for key in order:
                    pipe.zscore(key, str(pk))
                now = time.perf_counter()
                for key, score in zip(order, pipe.execute(), strict=True):
                    if score is not None:
                        waiting.discard(key)
                        arrivals.append((now - started) * 1000)
                time.sleep(0.05)
            all_ms += arrivals
            done_ms.append(max(arrivals) if arrivals else float("nan"))
            # Leave the feeds as they were: the id belongs to no post.
            feeds.remove(people.big_followers, [pk])
    return {
        "posts": posts,
        "feeds": len(present),
        "p50_ms": round(pct(all_ms, 50), 1),
        "p99_ms": round(pct(all_ms, 99), 1),
        "last_feed_ms": round(max(done_ms), 1),
    }


def _exists_many(client: Any, keys: list[str]) -> list[bool]:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.exists(key)
    return [bool(x) for x in pipe.execute()]


async def sustained(base: str, people: People, seconds: float, database_url: str) -> dict[str, Any]:
    """POST_RATE posts/s by ordinary employees with READ_RATE home reads/s alongside, both open loop
    (bench/loadgen.py) on one schedule."""
    import psycopg

    rng = random.Random(5)
    authors = people.regular[:3000]
    reads = loadgen.requests_of(people.host, mix(people, "/api/v1/timelines/home", random.Random(6)))
    posts = [
        ("post", loadgen.post_form(people.host, "/api/v1/statuses", data.token_for(rng.choice(authors)),
                                   {"status": f"진행 상황 공유 {i} #주간보고"}))
        for i in range(int(POST_RATE * seconds))
    ]  # fmt: skip
    answered: dict[int, float] = {}
    done_at: dict[int, float] = {}
    stop = asyncio.Event()
    stop_time = [0.0]

    async def poll_fanout() -> None:
        conn = await psycopg.AsyncConnection.connect(database_url, autocommit=True)
        async with conn:
            await conn.execute(f"SET search_path TO {people.schema}")
            while not stop.is_set() or len(done_at) < len(answered):
                waiting = [pk for pk in answered if pk not in done_at]
                if waiting:
                    cur = await conn.execute(
                        "SELECT id FROM posts_post WHERE id = ANY(%s) AND fanout_state = 'done'", [waiting]
                    )
                    now = time.perf_counter()
                    for (pk,) in await cur.fetchall():
                        done_at[pk] = now
                if stop.is_set() and time.perf_counter() - stop_time[0] > 30:
                    break
                await asyncio.sleep(0.1)

    def posted(result: loadgen.Result) -> None:
        if result.status == 200:  # the fan-out lag counts from the answer
            answered[int(json.loads(result.body)["id"])] = result.done

    poller = asyncio.create_task(poll_fanout())
    start = time.perf_counter() + 0.2
    post_results, read_results = await asyncio.gather(
        loadgen.at_rate(base, posts, POST_RATE, len(posts), keep_body=True, start=start, on_result=posted),
        loadgen.at_rate(base, reads, READ_RATE, int(READ_RATE * seconds), start=start),
    )
    post_errors = sum(1 for r in post_results if r.status != 200)
    stop_time[0] = time.perf_counter()
    stop.set()
    await poller
    lags = [(done_at[pk] - at) * 1000 for pk, at in answered.items() if pk in done_at]
    return {
        "posts_answered": len(answered),
        "post_errors": post_errors,
        "fanout_done": len(lags),
        "lag_p50_ms": round(pct(lags, 50), 1),
        "lag_p99_ms": round(pct(lags, 99), 1),
        "reads": summarise(samples_of(read_results)),
    }


def redis_memory(schema: str) -> dict[str, Any]:
    from timelines import feeds

    client = feeds.client()
    total = n = 0
    batch: list[bytes] = []
    encodings: dict[str, int] = defaultdict(int)

    def flush() -> int:
        pipe = client.pipeline(transaction=False)
        for key in batch:
            pipe.memory_usage(key, samples=0)
        return sum(x or 0 for x in pipe.execute())

    for key in client.scan_iter(match=f"{schema}:*", count=2000):
        batch.append(key)
        n += 1
        if len(batch) == 1000:
            total += flush()
            batch.clear()
    if batch:
        total += flush()
    for key in list(client.scan_iter(match=f"{schema}:feed:home:*", count=2000))[:200]:
        encodings[client.object("encoding", key).decode()] += 1
    return {
        "keys": n,
        "mib": round(total / 2**20, 1),
        "listpack_setting": client.config_get("zset-max-listpack-entries"),
        "feed_encodings_sampled": dict(encodings),
    }


# --- report -------------------------------------------------------------------------------------------------


def report(r: dict[str, Any]) -> str:
    lines = [f"{r['date']} (commit {r['commit']}), {r['cpus']} CPUs, {r['seconds']} s per measurement", ""]
    lines += [calibration_line(r["calibration"]), ""]
    lines += ["| serving mode | hello req/s | home req/s | naive home req/s | home/hello (≥ 0.15) |"
              " home/naive (≥ 1.5) |", "|---|---|---|---|---|---|"]  # fmt: skip
    for mode, t in r["throughput"].items():
        hello, home, naive = (t[k]["rps"] for k in ("hello", "home", "naive home"))
        lines.append(
            f"| {mode} | {hello:.0f} | {home:.0f} | {naive:.0f} | {home / hello:.2f}× | {home / naive:.2f}× |"
        )
    lines += ["", f"Latency at {RATE} req/s ({r['mode']}), from each request's scheduled start:", "",
              "| endpoint | slice | n | p50 ms (≤ 15) | p99 ms (≤ 50) | queries max (≤ 4) | mean | errors |",
              "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for endpoint, slices in r["latency"].items():
        for name, s in slices.items():
            lines.append(
                f"| {endpoint} | {name} | {s['n']} | {s['p50_ms']} | {s['p99_ms']} | {s['queries_max']} "
                f"| {s['queries_mean']} | {s['errors']} |"
            )
    b, base = r["big_author"], r["big_author_baseline"]
    lines += [
        "",
        f"Post by an author with {len(r['big_followers'])} followers ({b['posts']} posts, "
        f"{b['followers_checked_per_post']} followers' home timelines polled per post):",
        "",
        "| figure | goal | ours | baseline: one job per follower |",
        "|---|---|---|---|",
        f"| POST p99 | ≤ 100 ms | {b['post_p99_ms']} ms (p50 {b['post_p50_ms']}) | — |",
        f"| in followers' home, p50 | ≤ 300 ms | {b['visible_p50_ms']} ms | {base['p50_ms']} ms |",
        f"| in followers' home, p99 | ≤ 1 s | {b['visible_p99_ms']} ms | {base['p99_ms']} ms "
        f"(last feed {base['last_feed_ms']} ms) |",
        "",
        "Ours: from the POST's answer until the home request that showed the post was sent (the post was",
        f"there then at the latest). Until that request's answer: p50 {b['seen_p50_ms']} ms, p99 "
        f"{b['seen_p99_ms']} ms, which adds the checker's own queue of 100 requests, 16 at a time. "
        f"{b['found_at_first_ask']} of {b['seen_n']} timelines showed the post at the first request.",
    ]
    s, idle = r["sustained"], r["idle_reads"]
    lines += [
        "",
        f"Sustained {POST_RATE} posts/s with {READ_RATE} reads/s for {r['seconds']} s:",
        "",
        "| figure | goal | measured |",
        "|---|---|---|",
        f"| posts answered / errors | — | {s['posts_answered']} / {s['post_errors']} |",
        f"| fan-out lag p99 (p50) | ≤ 2 s | {s['lag_p99_ms']} ms ({s['lag_p50_ms']} ms), "
        f"{s['fanout_done']} done |",
        f"| read p99 under load / idle | ≤ 1.5× | {s['reads']['all']['p99_ms']} / {idle['all']['p99_ms']} ms "
        f"= {s['reads']['all']['p99_ms'] / idle['all']['p99_ms']:.2f}× |",
        "",
        "| memory | goal | measured |",
        "|---|---|---|",
        f"| Redis, the tenant's keys | ≤ 60 MiB | {r['redis']['mib']} MiB ({r['redis']['keys']} keys, "
        f"feeds {r['redis']['feed_encodings_sampled']}) |",
        f"| web process RSS, max | ≤ 300 MB | {max(r['web_rss_mib'].values()):.0f} MiB |",
    ]
    return "\n".join(lines)


def data_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or data.DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or data.DEFAULT_REDIS_URL)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--modes", default="uvicorn,gunicorn")
    parser.add_argument("--big-posts", type=int, default=10)
    parser.add_argument("--throughput-only", action="store_true", help="phase 1 only, then the report of it")
    parser.add_argument("--conn-max-age", type=int, help="servers' CONN_MAX_AGE")
    parser.add_argument(
        "--big-author-only", action="store_true", help="only phase 3 (posts by the most-followed author)"
    )
    parser.add_argument(
        "--sustained-only",
        action="store_true",
        help="only phase 4 (posts and reads together), beside idle reads",
    )
    parser.add_argument(
        "--latency-at",
        type=int,
        metavar="RATE",
        help="only the fixed-rate latency phase, at RATE req/s under the first of --modes, then its table",
    )
    parser.add_argument(
        "--warm",
        type=int,
        default=0,
        metavar="SECONDS",
        help="with --latency-at: load home closed-loop for SECONDS first, as the full run's throughput phase",
    )
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="only the machine's yardstick: a bare Django hello's req/s against issue 7's ~4,300",
    )
    parser.add_argument(
        "--client-cost",
        action="store_true",
        help="only the load generators' own CPU per request (aiohttp and loadgen) under the first of --modes",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = args.database_url, args.redis_url
    if args.conn_max_age is not None:
        os.environ["BENCH_CONN_MAX_AGE"] = str(args.conn_max_age)
    data.setup_django(args.database_url, args.redis_url)
    data.seed()
    from django.db import connection

    connection.set_schema_to_public()
    from timelines import feeds

    feeds.client().config_set("zset-max-listpack-entries", 512)
    rng = random.Random(1)
    people = load_people(rng)
    logdir = Path(tempfile.mkdtemp(prefix="bench-timelines-"))
    modes = args.modes.split(",")
    result: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "commit": data_commit(),
        "cpus": os.cpu_count(),
        "seconds": args.seconds,
        "big_followers": people.big_followers,
        "throughput": {},
    }
    if args.calibrate:
        print(calibration_line(phase_calibrate(args.seconds, logdir)) + f" Load {os.getloadavg()[0]:.1f}.")
        return
    if args.sustained_only:
        with server(modes[0], logdir) as (base, _), celery_worker(logdir):
            warm_cursors(base, people, rng)
            plan = mix(people, "/api/v1/timelines/home", random.Random(6))
            idle = summarise(fixed_rate(base, people.host, plan, READ_RATE, args.seconds))
            load = loadgen.run(sustained(base, people, args.seconds, args.database_url))
        ratio = load["reads"]["all"]["p99_ms"] / idle["all"]["p99_ms"]
        print(f"Sustained ({modes[0]}), load {os.getloadavg()[0]:.1f}: idle reads {idle['all']}")
        lag = f"p50 {load['lag_p50_ms']} p99 {load['lag_p99_ms']} ms"
        print(f"  fan-out lag {lag}, {load['posts_answered']} posts")
        print(f"  reads under load {load['reads']['all']}; p99 ratio {ratio:.2f}")
        return
    if args.client_cost:
        with server(modes[0], logdir) as (base, _):
            warm_cursors(base, people, rng)
            fixed_rate(base, people.host, mix(people, "/api/v1/timelines/home", rng), READ_RATE, 2)  # warm-up
            costs = client_cost(base, people, args.seconds)
        print(f"Load generators at {READ_RATE} req/s ({modes[0]}), load {os.getloadavg()[0]:.1f}:")
        for name, figures in costs.items():
            print(f"  {name}: {figures}")
        return
    if args.big_author_only:
        with server(modes[0], logdir) as (base, _), celery_worker(logdir):
            big = asyncio.run(big_author(base, people, args.big_posts, 100))
        print(f"A post by the most-followed author ({modes[0]}), load {os.getloadavg()[0]:.1f}: {big}")
        return
    if args.latency_at:
        with server(modes[0], logdir) as (base, _):
            warm_cursors(base, people, rng)
            if args.warm:
                # As in the full run, where the throughput phase comes first: workers whose render
                # memos are filled, the steady state of a server that has been up a while.
                tokens = [data.token_for(v) for v in people.regular[:2000]]
                wrk(base, people.host, ["/api/v1/timelines/home"], tokens, args.warm, logdir)
            latency = phase_latency(base, people, args.seconds, rng, args.latency_at)
        print(f"Latency at {args.latency_at} req/s ({modes[0]}), load {os.getloadavg()[0]:.1f}:")
        print("| endpoint | slice | n | p50 ms | p99 ms | queries max | mean | errors |")
        print("|---|---|---|---|---|---|---|---|")
        for name, slices in latency.items():
            for slice_name, f in slices.items():
                print(
                    f"| {name} | {slice_name} | {f['n']} | {f['p50_ms']} | {f['p99_ms']} "
                    f"| {f['queries_max']} | {f['queries_mean']} | {f['errors']} |"
                )
        return
    if not args.throughput_only:
        result["calibration"] = phase_calibrate(args.seconds, logdir)
    for mode in modes:
        print(f"  throughput under {mode}", file=sys.stderr, flush=True)
        with server(mode, logdir) as (base, process):
            if not people.cursors:
                warm_cursors(base, people, rng)
            result["throughput"][mode] = phase_throughput(base, people, args.seconds, logdir, process.pid)
    if args.throughput_only:
        for mode, t in result["throughput"].items():
            hello, home, naive = (t[k]["rps"] for k in ("hello", "home", "naive home"))
            errors = {k: t[k]["non_2xx_or_socket_errors"] for k in t}
            ratios = f"{home / max(hello, 1):.2f}× | {home / max(naive, 1):.2f}×"
            load = os.getloadavg()[0]
            counts = f"{hello:.0f} | {home:.0f} | {naive:.0f}"
            print(f"| {mode} | {counts} | {ratios} | errors {errors} | load {load:.1f} |")
            print(f"  CPU ms per home request: {t['home']['cpu_ms_per_request']}")
        return
    best = max(modes, key=lambda m: result["throughput"][m]["home"]["rps"])
    result["mode"] = best
    print(f"  the other phases under {best}", file=sys.stderr, flush=True)
    with server(best, logdir) as (base, process), celery_worker(logdir):
        # A new server: its processes' first requests pay for connections, prepared statements and
        # imports. The throughput servers were warmed by wrk's warm-up; this one is warmed the same way.
        fixed_rate(base, people.host, mix(people, "/api/v1/timelines/home", rng), 100, 3)
        result["latency"] = phase_latency(base, people, args.seconds, rng)
        result["big_author"] = asyncio.run(big_author(base, people, args.big_posts, 100))
        print(f"    big author: {result['big_author']}", file=sys.stderr, flush=True)
        result["big_author_baseline"] = per_follower_baseline(people, 1)
        print(f"    baseline: {result['big_author_baseline']}", file=sys.stderr, flush=True)
        plan = mix(people, "/api/v1/timelines/home", random.Random(6))
        result["idle_reads"] = summarise(fixed_rate(base, people.host, plan, READ_RATE, args.seconds))
        result["sustained"] = loadgen.run(sustained(base, people, args.seconds, args.database_url))
        print(f"    sustained: {result['sustained']}", file=sys.stderr, flush=True)
        result["web_rss_mib"] = rss_mib(process.pid)
    result["redis"] = redis_memory(people.schema)
    for t in result["throughput"].values():
        for figures in t.values():
            figures.pop("raw", None)
    result["big_followers"] = len(people.big_followers)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "timelines.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    result["big_followers"] = people.big_followers
    print(report(result))


if __name__ == "__main__":
    main()
