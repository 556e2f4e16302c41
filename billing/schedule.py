"""Beat entries for billing, to merge into CELERY_BEAT_SCHEDULE (settings/tasks.py)."""

BEAT_SCHEDULE = {
    # Trial and grace-period ends are enforced on read; this records them and retries lost webhook tasks.
    "billing-sweep": {"task": "billing.sweep", "schedule": 300.0},
    "billing-seats-sync-all": {"task": "billing.seats_sync_all", "schedule": 24 * 3600.0},
}
