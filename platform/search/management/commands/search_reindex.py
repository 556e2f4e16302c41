"""``python manage.py search_reindex [--tenant SLUG ...] [--missing]``: (re)build the post search index."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_public_schema_name, tenant_context

from search.services import index_missing, people_reindex, reindex_all
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Rebuild each tenant's post search index from its posts (searches keep using the old index "
        "until the rebuild commits), or with --missing only index posts that have no entry yet and "
        "drop entries of deleted posts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", action="append", metavar="SLUG", help="only this tenant (repeatable)")
        parser.add_argument("--missing", action="store_true", help="only fill in what is missing")

    def handle(self, *args: Any, **opts: Any) -> None:
        tenants = Tenant.objects.exclude(schema_name=get_public_schema_name()).order_by("slug")
        if opts["tenant"]:
            tenants = tenants.filter(slug__in=opts["tenant"])
            unknown = set(opts["tenant"]) - set(tenants.values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"No such tenant: {', '.join(sorted(unknown))}")
        for tenant in tenants:
            started = time.monotonic()
            with tenant_context(tenant):
                n = index_missing() if opts["missing"] else reindex_all()
                people = people_reindex()
            verb = "filled in" if opts["missing"] else "indexed"
            self.stdout.write(
                f"{tenant.slug}: {n} posts {verb}, {people} people in {time.monotonic() - started:.1f} s"
            )
