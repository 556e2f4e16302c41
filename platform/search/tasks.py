"""Background work for search: the safety net for index entries whose after-commit call was lost."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from common.tasks import PublicTask, send_to_each_tenant
from search.services import index_missing

# Posts newer than this are checked on every sweep; older gaps are for ``search_reindex --missing``.
SWEEP_WINDOW = timedelta(hours=2)


@shared_task(name="search.index_missing_recent")
def index_missing_recent() -> int:
    """Index this tenant's recent posts that have no entry (a crash between commit and indexing)."""
    return index_missing(since=timezone.now() - SWEEP_WINDOW)


@shared_task(name="search.dispatch_index_missing", base=PublicTask)
def dispatch_index_missing() -> int:
    """Periodic (beat, public schema): one ``index_missing_recent`` per active tenant, in its schema."""
    return send_to_each_tenant(index_missing_recent)
