"""Search benchmark (issue 8): "the 20 newest posts containing a term", for one employee, on the
7,000-employee / 1,000,000-post tenant of bench/data.py, beside two baselines in the same run:

- ``ours``: search.selectors.status_search (bigram GIN index or newest-first scan, chosen per term
  from the per-token document counts), through the visibility filter;
- ``no index``: the same visibility filter and ``text ILIKE '%term%' ORDER BY id DESC LIMIT 20``;
- ``pg_trgm``: the same query with a pg_trgm GIN index on the posts' text (built here, dropped after).

    PYTHONPATH=.:platform .venv/bin/python bench/data.py --database-url URL      # once
    DATABASE_URL=URL .venv/bin/python manage.py migrate_schemas                  # if search is new there
    DATABASE_URL=URL .venv/bin/python manage.py search_reindex --tenant bench    # builds the index
    PYTHONPATH=.:platform .venv/bin/python bench/search.py --database-url URL [--runs 7]

The generator's text comes from a few dozen sentence templates (527 distinct bigrams in 1M posts), so
it has no rare words of its own. This script plants some, once, in random posts spread over the whole
period (and indexes those posts through search.services.post_index, as an edit would): "혜성" in 10
posts, "고래" in 100, "펭귄" in 1,000, "나비효과" in 50, "zeppelin" in 30 and the single rare syllable
"뷁" in 5.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform"), str(ROOT / "bench")]

import data  # noqa: E402  (bench/data.py: the tenant, Django set-up)

PLANTED = {"혜성": 10, "고래": 100, "펭귄": 1000, "나비효과": 50, "zeppelin": 30, "뷁": 5}
TERMS: list[tuple[str, str]] = [
    ("1 char", "회"),
    ("1 char", "요"),
    ("1 char", "a"),
    ("1 char, rare", "뷁"),
    ("2 chars, common", "회의"),
    ("2 chars, common", "일정"),
    ("2 chars, common", "예산"),
    ("2 chars, common", "점심"),
    ("2 chars, rare", "혜성"),
    ("2 chars, rare", "고래"),
    ("2 chars, medium", "펭귄"),
    ("2 chars, absent", "우주"),
    ("Korean, longer", "회의록"),
    ("Korean, longer", "주간보고"),
    ("Korean, longer", "국밥집"),
    ("Korean, longer, rare", "나비효과"),
    ("Korean, two words", "고객 만족도"),
    ("English", "roadmap"),
    ("English", "feedback"),
    ("English, partial", "onboard"),
    ("English, common", "the"),
    ("English, rare", "zeppelin"),
]
LIMIT = 20
VIEWERS = 20


def plant(rng: random.Random) -> None:
    from django.db import connection

    from search.services import post_index

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM posts_post WHERE text LIKE %s", ["%혜성%"])
        if cursor.fetchone()[0]:
            return
        cursor.execute("SELECT max(id), min(id) FROM posts_post")
        high, low = cursor.fetchone()
        started = time.perf_counter()
        done = 0
        for word, count in PLANTED.items():
            ids: set[int] = set()
            while len(ids) < count:
                cursor.execute(
                    "SELECT id FROM posts_post WHERE reblog_of_id IS NULL AND id >= %s ORDER BY id LIMIT 1",
                    [rng.randint(low, high)],
                )
                row = cursor.fetchone()
                if row:
                    ids.add(row[0])
            cursor.execute(
                "UPDATE posts_post SET text = text || ' ' || %s WHERE id = ANY(%s)", [word, sorted(ids)]
            )
            for pk in ids:
                post_index(pk)
                done += 1
        print(
            f"planted rare words in {done} posts, indexed one by one: {time.perf_counter() - started:.1f} s"
        )


def viewers(rng: random.Random) -> list[Any]:
    from directory.models import Employee
    from policy import Viewer

    ids = list(
        Employee.objects.filter(is_active=True, role="member", rank_level__lte=4).values_list("pk", flat=True)
    )
    return [Viewer.of(e) for e in Employee.objects.filter(pk__in=rng.sample(ids, VIEWERS))]


def ours(viewer: Any, term: str) -> list[int]:
    from common.paging import Page
    from search.selectors import status_search

    return [p.pk for p in status_search(viewer, term, Page(limit=LIMIT))]


def plain(viewer: Any, term: str) -> list[int]:
    """Both baselines: what the database does with ILIKE (the trgm index, when present, serves it)."""
    from policy import visible_posts
    from search.selectors import RELATED, _no_jit
    from social.filters import post_silenced_q

    words = term.split()
    qs = visible_posts(viewer).exclude(post_silenced_q(viewer.id)).filter(reblog_of__isnull=True)
    for word in words:
        qs = qs.extra(where=["posts_post.text ILIKE %s"], params=[f"%{word}%"])
    with _no_jit():  # as for ours: JIT would add ~170 ms of compiling to every one of these queries
        return [p.pk for p in qs.select_related(*RELATED).order_by("-id")[:LIMIT]]


def measure(name: str, fn: Callable[[Any, str], list[int]], people: list[Any], runs: int) -> dict[str, Any]:
    per_term: dict[str, list[float]] = {}
    answers: dict[str, list[int]] = {}
    for _, term in TERMS:
        fn(people[0], term)  # warm the cache for this term
        times = []
        for i in range(runs):
            viewer = people[i % len(people)]
            started = time.perf_counter()
            found = fn(viewer, term)
            times.append((time.perf_counter() - started) * 1000)
            if i == 0:
                answers[term] = found
        per_term[term] = times
        print(
            f"  {name:9} {term:12} p50 {statistics.median(times):8.1f} ms  max {max(times):8.1f} ms",
            flush=True,
        )
    return {"times": per_term, "answers": answers}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(result: dict[str, Any]) -> dict[str, float]:
    samples = [t for times in result["times"].values() for t in times]
    medians = [statistics.median(times) for times in result["times"].values()]
    return {
        "p50": percentile(samples, 0.5),
        "p99": percentile(samples, 0.99),
        "worst term (p50)": max(medians),
        "worst / median": max(medians) / statistics.median(medians),
    }


def sizes() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('posts_post'), pg_total_relation_size('posts_post'), "
            "pg_relation_size('search_document_tokens'), pg_total_relation_size('search_postdocument'), "
            "pg_total_relation_size('search_tokenfrequency')"
        )
        keys = ("posts heap", "posts with indexes", "GIN index", "token table with indexes", "token counts")
        return dict(zip(keys, cursor.fetchone(), strict=True))


def trgm_index() -> tuple[float, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(
            "CREATE INDEX bench_posts_text_trgm ON posts_post USING gin (text public.gin_trgm_ops)"
        )
        built = time.perf_counter() - started
        cursor.execute("ANALYZE posts_post")
        cursor.execute("SELECT pg_relation_size('bench_posts_text_trgm')")
        return built, cursor.fetchone()[0]


def drop_trgm() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS bench_posts_text_trgm")


def plans(people: list[Any]) -> None:
    from search.selectors import plan_for
    from search.tokens import parse_query

    print("\nplan per term (path, at most this many posts can match):")
    for kind, term in TERMS:
        plan = plan_for(parse_query(term), LIMIT)
        print(f"  {kind:22} {term:12} {plan.path:5} {plan.estimate:>9,}")


def people_search(people: list[Any], runs: int) -> None:
    from search.selectors import account_search, hashtag_search, trending_tags

    print("\npeople, hashtags, trends (ms, p50 / max):")
    cases: list[tuple[str, Callable[[Any], object]]] = [
        ("people '김'", lambda v: account_search(v, "김", limit=40)),
        ("people '민수'", lambda v: account_search(v, "민수", limit=40)),
        ("people 'kim'", lambda v: account_search(v, "kim", limit=40)),
        ("people 'cheol'", lambda v: account_search(v, "cheol", limit=40)),
        ("people '영업'", lambda v: account_search(v, "영업", limit=40)),
        ("hashtags '회의'", lambda v: hashtag_search(v, "회의")),
        ("hashtags 'release'", lambda v: hashtag_search(v, "release")),
        ("trends", lambda v: trending_tags(v, limit=10)),
    ]
    for name, fn in cases:
        fn(people[0])
        times = []
        for i in range(runs):
            started = time.perf_counter()
            fn(people[i % len(people)])
            times.append((time.perf_counter() - started) * 1000)
        print(f"  {name:20} {statistics.median(times):7.1f} / {max(times):7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or data.DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or data.DEFAULT_REDIS_URL)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per term and method")
    parser.add_argument("--skip-baselines", action="store_true")
    args = parser.parse_args()
    data.setup_django(args.database_url, args.redis_url)

    from django_tenants.utils import tenant_context

    from tenants.models import Tenant

    rng = random.Random(8)
    with tenant_context(Tenant.objects.get(slug=data.SLUG)):
        plant(rng)
        people = viewers(rng)
        plans(people)
        print(f"\n{len(TERMS)} terms × {args.runs} runs, {VIEWERS} rotating viewers (rank ≤ 4 members)")
        results = {"ours": measure("ours", ours, people, args.runs)}
        if not args.skip_baselines:
            drop_trgm()
            results["no index"] = measure("no index", plain, people, args.runs)
            built, trgm_size = trgm_index()
            print(f"  pg_trgm index built in {built:.1f} s, {trgm_size / 2**20:.0f} MB")
            try:
                results["pg_trgm"] = measure("pg_trgm", plain, people, args.runs)
            finally:
                drop_trgm()
            mismatched = [
                t for _, t in TERMS if results["ours"]["answers"][t] != results["no index"]["answers"][t]
            ]
            print(f"\nanswers equal to the no-index baseline's: {len(TERMS) - len(mismatched)}/{len(TERMS)}")
            if mismatched:
                print(f"  DIFFERENT: {mismatched}")
        print("\n| term | kind | " + " | ".join(f"{n} p50 ms" for n in results) + " |")
        print("|---|---|" + "---:|" * len(results))
        for kind, term in TERMS:
            cells = " | ".join(f"{statistics.median(r['times'][term]):.1f}" for r in results.values())
            print(f"| {term} | {kind} | {cells} |")
        print("\n| method | p50 ms | p99 ms | worst term (p50) ms | worst / median |")
        print("|---|---:|---:|---:|---:|")
        for name, result in results.items():
            s = summary(result)
            print(
                f"| {name} | {s['p50']:.1f} | {s['p99']:.1f} | {s['worst term (p50)']:.1f} | "
                f"{s['worst / median']:.1f} |"
            )
        measured = sizes()
        print("\nsizes (MB): " + ", ".join(f"{k} {v / 2**20:.0f}" for k, v in measured.items()))
        storage = measured["token table with indexes"] + measured["token counts"]
        print(
            f"GIN index / posts heap = {measured['GIN index'] / measured['posts heap']:.2f}; "
            f"all search storage / posts heap = {storage / measured['posts heap']:.2f}"
        )
        people_search(people, args.runs)


if __name__ == "__main__":
    main()
