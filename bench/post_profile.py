"""What one ``POST /api/v1/statuses`` costs the web process, in-process (issue 7's sustained phase):

    PYTHONPATH=.:platform .venv/bin/python bench/post_profile.py [--posts 60]

Ordinary posts ("진행 상황 공유 N #주간보고", no mention) by random employees of bench/data.py's tenant,
through ``django.test.Client`` with their bench bearer tokens: the whole request with its after-commit
work (streaming publish, search index, task enqueues), without the network. Prints wall and CPU time
of this process (PostgreSQL's own time is not in the CPU figure) and the statements of one request.
Writes posts into the bench tenant, as bench/timelines.py does.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform"), str(ROOT / "bench")]

import data  # noqa: E402
from data import pct  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data.service_arguments(parser)
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed posts into FILE (pstats)")
    parser.add_argument("--statements", action="store_true", help="print the last post's statements")
    args = parser.parse_args()
    data.setup_django(args.database_url, args.redis_url)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    tenant, client = data.bench_tenant()
    with tenant_context(tenant):
        authors = list(data.token_holders().values_list("id", flat=True)[:3000])
    rng = random.Random(1)

    def post(n: int) -> None:
        response = client.post(
            "/api/v1/statuses",
            {"status": f"진행 상황 공유 {n} #주간보고"},
            HTTP_AUTHORIZATION=f"Bearer {data.token_for(rng.choice(authors))}",
        )
        assert response.status_code == 200, response.content[:300]

    for n in range(5):  # warm-up
        post(n)
    wall: list[float] = []
    cpu: list[float] = []
    profiler = cProfile.Profile() if args.profile else None
    for n in range(args.posts):
        started, started_cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        post(n)
        if profiler is not None:
            profiler.disable()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    if profiler is not None:
        profiler.dump_stats(args.profile)
    with CaptureQueriesContext(connection) as queries:
        post(args.posts)
    load = os.getloadavg()[0]
    print(f"POST /api/v1/statuses, {args.posts} posts, load {load:.1f}:")
    print(f"  wall p50 {pct(wall, 50):.1f} / p90 {pct(wall, 90):.1f} ms")
    print(f"  CPU of this process p50 {pct(cpu, 50):.1f} ms")
    print(f"  {len(queries.captured_queries)} statements")
    if args.statements:
        for query in queries.captured_queries:
            print(f"    {query['time']:>6} s  {query['sql'][:160]}")


if __name__ == "__main__":
    main()
