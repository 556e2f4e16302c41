"""Beat entries for search, to merge into CELERY_BEAT_SCHEDULE (settings/tasks.py), like posts.schedule."""

BEAT_SCHEDULE = {
    # Indexes recent posts whose after-commit indexing was lost (the process died right after commit).
    "search-index-missing": {"task": "search.dispatch_index_missing", "schedule": 600.0},
}
