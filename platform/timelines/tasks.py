"""Celery tasks for timelines: ids in, idempotent, late-acked (settings), run in the sender's schema.

The per-post tasks keep no result: nobody reads it, and at hundreds of posts a second the result
backend would hold hundreds of thousands of keys for its hour (CELERY_RESULT_EXPIRES)."""

from __future__ import annotations

from celery import shared_task

from common.tasks import PublicTask, send_to_each_tenant
from timelines import services


@shared_task(name="timelines.fanout_post", ignore_result=True)
def fanout_post(post_id: int) -> str:
    return services.fanout_run(post_id)


@shared_task(name="timelines.unfanout_post", ignore_result=True)
def unfanout_post(post_id: int, author_id: int) -> None:
    services.unfanout_run(post_id, author_id)


@shared_task(name="timelines.merge_author", ignore_result=True)
def merge_author(follower_id: int, author_id: int) -> None:
    services.merge_run(follower_id, author_id)


@shared_task(name="timelines.unmerge_author", ignore_result=True)
def unmerge_author(follower_id: int, author_id: int) -> None:
    services.unmerge_run(follower_id, author_id)


@shared_task(name="timelines.tenant_maintenance")
def tenant_maintenance() -> int:
    """One tenant's periodic chores: re-send stuck fan-outs, drop expired mutes."""
    from social.services import mutes_expire

    mutes_expire()
    return services.requeue_stuck_fanouts()


@shared_task(name="timelines.maintenance_all_tenants", base=PublicTask)
def maintenance_all_tenants() -> int:
    """The beat entry point: one ``tenant_maintenance`` per tenant schema, suspended ones included
    (their data is kept, so their stuck fan-outs are finished too)."""
    return send_to_each_tenant(tenant_maintenance, active_only=False)
