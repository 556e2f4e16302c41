"""Onboarding benchmark: a new tenant's schema from plain migrations vs cloned from the template.

Run on demand, never in the test suite (bench/README.md):

    PYTHONPATH=.:platform .venv/bin/python bench/onboarding.py [--runs 5]

It uses a database of its own, DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bt_bench),
created if missing and migrated (public schema and the `_template` schema). Each run onboards a
tenant through the real service, tenants.services.tenant_onboard, in one of two ways:

- plain: TENANT_CREATION_FAKES_MIGRATIONS off and no TENANT_BASE_SCHEMA, so django-tenants'
  TenantMixin.create_schema creates an empty schema and replays every tenant migration;
- clone: the project's settings, so create_schema copies `_template` with the clone_schema SQL
  function and only fakes the migration records.

The two alternate, after one discarded warm-up each, so drift on the machine hits both alike. Every
tenant is deleted with its schema after its run. The result depends on how many tenant migrations
exist, so it is printed with the date and that count; a JSON copy goes to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform"), str(ROOT / "bench")]

from data import ensure_database, setup_django  # noqa: E402  (bench/data.py: the shared set-up)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bt_bench"
SLUG_PREFIX = "bench-"
MODES = ("plain", "clone")


@dataclass
class Samples:
    total_ms: list[float] = field(default_factory=list)  # tenant_onboard, end to end
    schema_ms: list[float] = field(default_factory=list)  # Tenant.create_schema: where the modes differ
    clone_sql_ms: list[float] = field(default_factory=list)  # clone mode: the clone_schema SQL alone


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def tenant_migration_counts() -> tuple[int, int]:
    """(all tenant migrations, those of our own apps rather than Django's and third parties')."""
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    tenant_apps = [config for config in apps.get_app_configs() if config.name in settings.TENANT_APPS]
    ours = {config.label for config in tenant_apps if ROOT in Path(config.path).resolve().parents}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    nodes = [label for label, _ in loader.graph.nodes if label in {c.label for c in tenant_apps}]
    return len(nodes), sum(1 for label in nodes if label in ours)


def schema_tables(schema: str) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def remove_bench_tenants() -> int:
    from django.db import connection

    from tenants.models import Tenant

    connection.set_schema_to_public()
    leftovers = list(Tenant.objects.filter(slug__startswith=SLUG_PREFIX))
    for tenant in leftovers:
        tenant.delete(force_drop=True)
    return len(leftovers)


@contextmanager
def timed(owner: type, method: str, record: Callable[[float], None]) -> Iterator[None]:
    """Time every call of owner.method while inside, without changing what it does."""
    original = getattr(owner, method)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            record((time.perf_counter() - started) * 1000)

    setattr(owner, method, wrapper)
    try:
        yield
    finally:
        setattr(owner, method, original)


@contextmanager
def onboarding_mode(mode: str) -> Iterator[None]:
    from django.test import override_settings
    from django_tenants.utils import get_creation_fakes_migrations, get_tenant_base_schema, schema_exists

    if mode == "clone":
        base = get_tenant_base_schema()
        if not (get_creation_fakes_migrations() and base and schema_exists(base)):
            raise SystemExit(f"clone mode needs a migrated template schema, found {base!r}")
        yield
        return
    # With no base schema, create_schema takes its CREATE SCHEMA + migrate branch and
    # tenants.template_schema.ensure_template has nothing to refresh.
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False, TENANT_BASE_SCHEMA=None):
        assert not get_creation_fakes_migrations() and not get_tenant_base_schema()
        yield


def onboard_once(mode: str, index: int, reference_tables: set[str], samples: Samples | None) -> None:
    from django.db import connection
    from django_tenants.clone import CloneSchema

    from tenants.models import Tenant
    from tenants.services import tenant_onboard

    slug = f"{SLUG_PREFIX}{mode}-{index}"
    schema_times: list[float] = []
    clone_times: list[float] = []
    with (
        onboarding_mode(mode),
        timed(Tenant, "create_schema", schema_times.append),
        timed(CloneSchema, "clone_schema", clone_times.append),
    ):
        started = time.perf_counter()
        onboarded = tenant_onboard(
            slug=slug,
            name=f"Bench {mode} {index}",
            admin_email=f"admin@{slug}.example",
            admin_password="bench-password-1",
        )
        total = (time.perf_counter() - started) * 1000
    tenant = onboarded.tenant
    try:
        tables = schema_tables(tenant.schema_name)
        if tables != reference_tables:
            raise SystemExit(
                f"{mode}: schema differs from the template: missing {sorted(reference_tables - tables)}, "
                f"extra {sorted(tables - reference_tables)}"
            )
    finally:
        connection.set_schema_to_public()
        tenant.delete(force_drop=True)
    if (mode == "clone") != bool(clone_times):
        raise SystemExit(f"{mode}: took the wrong path in create_schema (clone_schema calls: {clone_times})")
    if samples is not None:
        samples.total_ms.append(total)
        samples.schema_ms.append(schema_times[0])
        samples.clone_sql_ms.extend(clone_times)


def run(runs: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django_tenants.utils import get_tenant_base_schema

    started = time.perf_counter()
    # Public schema, any existing tenants and the template (the project's migrate_schemas refreshes it).
    call_command("migrate_schemas", interactive=False, verbosity=0)
    migrate_ms = (time.perf_counter() - started) * 1000
    removed = remove_bench_tenants()  # left by an interrupted run
    reference = schema_tables(get_tenant_base_schema())

    samples = {mode: Samples() for mode in MODES}
    for mode in MODES:  # warm-up: imports, the migration graph, the clone_schema function
        onboard_once(mode, 0, reference, None)
    for index in range(1, runs + 1):
        for mode in MODES if index % 2 else reversed(MODES):
            onboard_once(mode, index, reference, samples[mode])
    all_migrations, our_migrations = tenant_migration_counts()

    return {
        "date": datetime.now(UTC).date().isoformat(),
        "runs": runs,
        "cpus": os.cpu_count(),
        "commit": git_commit(),
        "tenant_migrations": all_migrations,
        "our_tenant_migrations": our_migrations,
        "tenant_tables": len(reference),
        "leftover_tenants_removed": removed,
        "initial_migrate_ms": round(migrate_ms),
        "modes": {
            mode: {
                "total_ms": _summary(s.total_ms),
                "schema_ms": _summary(s.schema_ms),
                **({"clone_sql_ms": _summary(s.clone_sql_ms)} if s.clone_sql_ms else {}),
                "raw": asdict(s),
            }
            for mode, s in samples.items()
        },
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['date']} (commit {result['commit']}): {result['tenant_migrations']} tenant migrations "
        f"({result['our_tenant_migrations']} in our apps), "
        f"{result['tenant_tables']} tables per tenant schema, {result['runs']} runs per mode, "
        f"{result['cpus']} CPUs",
        "",
        "| mode | onboard total, median (min–max) | schema step, median (min–max) |",
        "|---|---|---|",
    ]
    for mode, figures in result["modes"].items():
        total, schema = figures["total_ms"], figures["schema_ms"]
        lines.append(
            f"| {mode} | {total['median']:.0f} ms ({total['min']:.0f}–{total['max']:.0f}) "
            f"| {schema['median']:.0f} ms ({schema['min']:.0f}–{schema['max']:.0f}) |"
        )
    plain = result["modes"]["plain"]["schema_ms"]["median"]
    clone = result["modes"]["clone"]["schema_ms"]["median"]
    clone_sql = result["modes"]["clone"]["clone_sql_ms"]
    lines += [
        "",
        f"schema step: clone is {plain / clone:.1f}x faster than plain migrations; of the clone's "
        f"{clone:.0f} ms, the clone_schema SQL takes {clone_sql['median']:.0f} ms "
        f"({clone_sql['min']:.0f}–{clone_sql['max']:.0f}); faking the migration records, the rest",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per mode (default 5)")
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "bench" / "out" / "onboarding.json",
        help="where to write raw figures",
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    url = args.database_url
    if ensure_database(url):
        print(f"created database {urlsplit(url).path.lstrip('/')}", file=sys.stderr)
    setup_django(url)
    result = run(args.runs)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(report(result))


if __name__ == "__main__":
    main()
