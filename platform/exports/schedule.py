"""Beat entries for exports, to merge into CELERY_BEAT_SCHEDULE (settings/tasks.py)."""

BEAT_SCHEDULE = {
    # Sends again exports whose message was lost or whose worker died (exports.services.STUCK_AFTER).
    "exports-requeue-stuck": {"task": "exports.dispatch_requeue_stuck", "schedule": 60.0},
}
