"""Web app: server time of the home page with 40 posts, and the page's weight before images.

Run on demand (bench/README.md), on the big tenant that ``bench/data.py`` seeds (7,000 employees,
1,000,000 posts, Redis home feeds):

    PYTHONPATH=.:platform .venv/bin/python bench/web.py [--requests 600] [--people 60]

Server time is the whole Django request in-process (tenant middleware, session, language, CSP, the
home timeline selector through policy, the cards' batch loading and template rendering), the way
the ASGI server would run it, without the network: ``django.test.Client`` against the bench tenant's
host. Sessions use signed cookies in this process only, so the benchmark writes nothing to the bench
database. Page weight is the HTML of one home page plus every stylesheet and script it loads (images
excluded), raw and gzip-compressed.

Goals (issue 3): p99 < 80 ms on the 7,000-employee tenant; page weight < 300 KB before images.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ heads sys.path, and bench/timelines.py would shadow the timelines app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.data import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, SLUG, setup_django  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=60)
    args = parser.parse_args()

    setup_django(args.database_url, args.redis_url)
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from directory.models import Employee
    from tenants.models import Domain, Tenant

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    tenant = Tenant.objects.get(slug=SLUG)
    host = Domain.objects.filter(tenant=tenant, is_primary=True).values_list("domain", flat=True).first()
    with tenant_context(tenant):
        ids = list(Employee.objects.filter(is_active=True, unit__isnull=False).values_list("id", flat=True))
        rng = random.Random(3)
        people = [Employee.objects.get(pk=pk) for pk in rng.sample(ids, min(args.people, len(ids)))]
        # Signing in must not write to the bench database (last_login); sessions are signed cookies.
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        clients = []
        for person in people:
            client = Client(HTTP_HOST=host)
            client.force_login(person)
            clients.append(client)
    connection.set_schema_to_public()
    # As the server processes do once Django is loaded (biztweet/asgi.py).
    from biztweet.process import freeze_startup_objects

    freeze_startup_objects()

    def get(client: Client, path: str = "/") -> Any:
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response

    for i in range(args.warmup):
        get(clients[i % len(clients)])

    timings: list[float] = []
    queries: list[int] = []
    cards: list[int] = []
    settings.DEBUG = False
    for i in range(args.requests):
        client = clients[i % len(clients)]
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = get(client)
            timings.append((time.perf_counter() - start) * 1000)
        queries.append(
            sum(1 for q in captured.captured_queries if not q["sql"].startswith("SET search_path"))
        )
        if i < len(clients):
            cards.append(response.content.count(b'<article class="post"'))

    # Page weight: one full home page and what it loads (stylesheets, scripts, the manifest).
    client = clients[0]
    html = get(client).content
    assets = sorted(set(re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)))
    assets.append(b"/manifest.webmanifest")
    weights = {"html": (len(html), len(gzip.compress(html)))}
    for path in assets:
        body = (
            b"".join(client.get(path.decode()).streaming_content)
            if path.startswith(b"/static/")
            else (client.get(path.decode()).content)
        )
        weights[path.decode()] = (len(body), len(gzip.compress(body)))
    total_raw = sum(r for r, _ in weights.values())
    total_gz = sum(g for _, g in weights.values())

    result = {
        "requests": args.requests,
        "people": len(clients),
        "posts_per_page_median": statistics.median(cards),
        "posts_per_page_min": min(cards),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "p99_ms": round(percentile(timings, 99), 1),
        "max_ms": round(max(timings), 1),
        "queries_median": statistics.median(queries),
        "queries_max": max(queries),
        "weight": {k: {"raw": r, "gzip": g} for k, (r, g) in weights.items()},
        "weight_total_raw": total_raw,
        "weight_total_gzip": total_gz,
    }
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "web.json").write_text(json.dumps(result, indent=2))
    print(
        f"| home page, {result['posts_per_page_median']:.0f} posts (min {result['posts_per_page_min']}) "
        f"| p50 {result['p50_ms']} ms | p95 {result['p95_ms']} ms | p99 {result['p99_ms']} ms "
        f"| max {result['max_ms']} ms "
        f"| queries {result['queries_median']:.0f} (max {result['queries_max']}) |"
    )
    print("| asset | raw | gzip |\n|---|---|---|")
    for name, (raw, gz) in weights.items():
        print(f"| {name} | {raw / 1024:.1f} KB | {gz / 1024:.1f} KB |")
    print(f"| **total before images** | **{total_raw / 1024:.1f} KB** | **{total_gz / 1024:.1f} KB** |")


if __name__ == "__main__":
    main()
