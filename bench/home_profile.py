"""Where one home-timeline request spends its time, in-process: the whole Django request and its parts.

Run on demand (bench/README.md) on the big tenant bench/data.py seeds:

    PYTHONPATH=.:platform .venv/bin/python bench/home_profile.py [--requests 300] [--parts]

The request goes through ``django.test.Client`` with a bench bearer token (tenant middleware, OAuth,
the view, orjson), without the network, so the figure is server CPU and database time only. The same
mix as bench/timelines.py's fixed-rate phase: page 1 (70 %), pages 2–5 (20 %), few-follows employees
(10 %). Besides the whole request it times the selector and the entity building alone, and counts SQL
statements and Redis round trips per request. Nothing is written to the bench database.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform"), str(ROOT / "bench")]

import data  # noqa: E402
from data import pct  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data.service_arguments(parser)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--path", default="/api/v1/timelines/home")
    parser.add_argument("--parts", action="store_true", help="also time selector and entities alone")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed requests into FILE (pstats)")
    parser.add_argument(
        "--filters",
        type=int,
        default=0,
        metavar="KEYWORDS",
        help="give each viewer a warn filter with this many keywords (two common), rolled back after",
    )
    args = parser.parse_args()
    data.setup_django(args.database_url, args.redis_url)

    from django.db import connection
    from django.db.models import Count
    from django_tenants.utils import tenant_context

    tenant, client = data.bench_tenant()
    host = client.defaults["HTTP_HOST"]
    rng = random.Random(7)
    with tenant_context(tenant):
        following = dict(data.token_holders().annotate(n=Count("following_set")).values_list("id", "n"))
    few = [pk for pk, n in following.items() if n <= 5]
    regular = [pk for pk, n in following.items() if n > 5]

    cpu: list[float] = []
    # Redis round trips: every command or pipeline takes a connection from its client's pool.
    import redis

    redis_trips = [0]
    take = redis.ConnectionPool.get_connection

    def counted(pool: Any, *args: Any, **kwargs: Any) -> Any:
        redis_trips[0] += 1
        return take(pool, *args, **kwargs)

    redis.ConnectionPool.get_connection = counted  # type: ignore[method-assign]

    def get(viewer: int, query: str = "") -> tuple[Any, float, int]:
        count = 0

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        started, started_cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(counter):
            response = client.get(args.path + query, HTTP_AUTHORIZATION=f"Bearer {data.token_for(viewer)}")
        ms = (time.perf_counter() - started) * 1000
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:200])
        return response, ms, count

    # Cursors for pages 2–5 of some viewers, from the Link-free way: the last id of each page.
    paged: dict[int, list[int]] = {}
    for viewer in rng.sample(regular, 40):
        cursors: list[int] = []
        query = ""
        for _ in range(4):
            body = get(viewer, query)[0].json()
            if not body:
                break
            cursors.append(int(body[-1]["id"]))
            query = f"?max_id={cursors[-1]}"
        paged[viewer] = cursors
    plan: list[tuple[str, int, str]] = []
    for _ in range(args.requests):
        roll = rng.random()
        if roll < 0.7:
            plan.append(("page 1", rng.choice(regular), ""))
        elif roll < 0.9:
            viewer = rng.choice([v for v in paged if paged[v]])
            plan.append(("pages 2-5", viewer, f"?max_id={rng.choice(paged[viewer])}"))
        else:
            plan.append(("few follows", rng.choice(few), ""))
    if args.filters:
        from django.db import transaction

        with tenant_context(tenant), transaction.atomic():
            give_filters({viewer for _, viewer, _ in plan}, args.filters)
            measure(args, plan, get, cpu, redis_trips)
            transaction.set_rollback(True)
    else:
        measure(args, plan, get, cpu, redis_trips)
    if args.parts:
        parts(tenant, host, regular, rng)


def give_filters(viewers: set[int], keywords: int) -> None:
    """A warn filter on home for each viewer: "예산" and "launch" match some bench posts, the rest none;
    warn keeps the pages as long as without filters."""
    from directory.models import Employee
    from filters.services import KeywordChange, filter_create

    words = ["예산", "launch", *(f"없는말{i}" for i in range(max(0, keywords - 2)))][:keywords]
    for employee in Employee.objects.filter(pk__in=viewers):
        filter_create(
            owner=employee,
            title="bench",
            contexts=["home"],
            action="warn",
            keywords=[KeywordChange(keyword=w) for w in words],
        )


def measure(
    args: Any, plan: list[tuple[str, int, str]], get: Any, cpu: list[float], redis_trips: list[int]
) -> None:
    for _kind, viewer, query in plan[:30]:  # warm-up
        get(viewer, query)
    times: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    cpu.clear()
    redis_trips[0] = 0
    for kind, viewer, query in plan:
        _, ms, count = get(viewer, query)
        for k in (kind, "all"):
            times[k].append(ms)
            queries[k].append(count)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(f"{args.path}, {args.requests} requests, load average {os.getloadavg()[0]:.1f}")
    print("| slice | n | p50 ms | p90 ms | p99 ms | mean ms | queries max | queries mean |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in ("all", "page 1", "pages 2-5", "few follows"):
        t, q = times[kind], queries[kind]
        print(
            f"| {kind} | {len(t)} | {pct(t, 50):.1f} | {pct(t, 90):.1f} | {pct(t, 99):.1f} "
            f"| {statistics.mean(t):.1f} | {max(q)} | {statistics.mean(q):.1f} |"
        )
    print(f"this process's CPU per request: mean {statistics.mean(cpu):.2f} ms, p50 {pct(cpu, 50):.2f} ms")
    print(f"Redis round trips per request: mean {redis_trips[0] / len(plan):.2f}")


def parts(tenant: Any, host: str, regular: list[int], rng: random.Random) -> None:
    """The selector and the entities alone, for page 1 of random regular viewers."""
    from django.db import connection
    from django.test import RequestFactory
    from django_tenants.utils import tenant_context
    from rest_framework.request import Request

    from api.entities import Entities
    from common.paging import Page
    from directory.models import Employee
    from policy import Viewer
    from timelines.selectors import home_timeline

    sel: list[float] = []
    ent: list[float] = []
    with tenant_context(tenant):
        for viewer_id in rng.sample(regular, 100):
            employee = Employee.objects.select_related("unit").get(pk=viewer_id)
            viewer = Viewer.of(employee)
            started = time.perf_counter()
            posts = home_timeline(viewer, Page.from_params({}, default=20, maximum=40))
            mid = time.perf_counter()
            Entities(Request(RequestFactory(HTTP_HOST=host).get("/")), viewer).statuses(posts)
            sel.append((mid - started) * 1000)
            ent.append((time.perf_counter() - mid) * 1000)
    connection.set_schema_to_public()
    print(f"selector p50 {pct(sel, 50):.1f} ms, entities p50 {pct(ent, 50):.1f} ms (page 1, 100 viewers)")


if __name__ == "__main__":
    main()
