"""The template schema new tenants are cloned from.

Cloning a migrated schema is much faster than replaying every migration for each new company
(figures in bench/RESULTS.md). A template that lags behind the code would hand new tenants an old
schema, so it is checked against the migration graph before every clone and migrated when stale.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_tenant_base_schema, quote_schema_name, schema_exists


def template_schema_name() -> str:
    return get_tenant_base_schema() or ""


def _expected_migrations() -> set[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    tenant_labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    return {key for key in loader.graph.nodes if key[0] in tenant_labels}


def _applied_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT app, name FROM {quote_schema_name(schema)}.django_migrations"  # noqa: S608
        )
        return {(app, name) for app, name in cursor.fetchall()}


def template_is_current() -> bool:
    schema = template_schema_name()
    if not schema or not schema_exists(schema):
        return False
    return _expected_migrations() <= _applied_migrations(schema)


def ensure_template(*, verbosity: int = 0) -> bool:
    """Create or migrate the template schema if needed. Returns True when it had to do work."""
    schema = template_schema_name()
    if not schema or template_is_current():
        return False
    if not schema_exists(schema):
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {quote_schema_name(schema)}")
    call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=verbosity)
    connection.set_schema_to_public()
    return True
