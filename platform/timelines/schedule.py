"""Beat entries for timelines, merged into CELERY_BEAT_SCHEDULE by settings/tasks.py."""

BEAT_SCHEDULE = {
    "timelines-maintenance": {"task": "timelines.maintenance_all_tenants", "schedule": 60.0},
}
