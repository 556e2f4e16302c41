"""Export jobs. Each task is idempotent: the row's state decides what a (re)delivery does."""

from __future__ import annotations

from celery import shared_task

from common.tasks import PublicTask, send_to_each_tenant
from exports import services


@shared_task(name="exports.export_run")
def export_run(export_id: int) -> bool:
    return services.export_run(export_id=int(export_id))


@shared_task(name="exports.requeue_stuck")
def requeue_stuck() -> int:
    return services.exports_requeue_stuck()


@shared_task(name="exports.dispatch_requeue_stuck", base=PublicTask)
def dispatch_requeue_stuck() -> int:
    """Periodic (beat, public schema): one ``requeue_stuck`` per active tenant, in its schema."""
    return send_to_each_tenant(requeue_stuck)
