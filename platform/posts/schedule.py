"""Beat entries for posts, to merge into CELERY_BEAT_SCHEDULE (settings/tasks.py), like timelines.schedule."""

BEAT_SCHEDULE = {
    # Announces ended polls that had no delayed task of their own (longer than POLL_ETA_HORIZON) or lost it.
    "posts-polls-expire-due": {"task": "posts.dispatch_polls_expire_due", "schedule": 60.0},
    # Publishes scheduled posts whose task was lost and sends the tasks of those due in the next two
    # minutes (posts.services.SWEEP_AHEAD), so a post is published on time, not at the next sweep.
    "posts-scheduled-due": {"task": "posts.dispatch_scheduled_posts_due", "schedule": 60.0},
}
