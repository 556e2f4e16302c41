"""Beat entries for posts, to merge into CELERY_BEAT_SCHEDULE (settings/tasks.py), like timelines.schedule."""

BEAT_SCHEDULE = {
    # Announces ended polls that had no delayed task of their own (longer than POLL_ETA_HORIZON) or lost it.
    "posts-polls-expire-due": {"task": "posts.dispatch_polls_expire_due", "schedule": 60.0},
}
