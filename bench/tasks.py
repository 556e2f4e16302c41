"""The baseline fan-out the product's has to beat: one background job per follower, Mastodon's way
(its FeedInsertWorker). Loaded only by the benchmark's Celery worker (``celery ... -I bench.tasks``)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="bench.deliver_to_follower")
def deliver_to_follower(post_id: int, follower_id: int) -> None:
    from timelines import feeds

    feeds.add_to_existing([follower_id], post_id)


@shared_task(name="bench.fanout_per_follower")
def fanout_per_follower(post_id: int, author_id: int) -> int:
    from social.models import Follow

    followers = list(Follow.objects.filter(followee_id=author_id).values_list("follower_id", flat=True))
    for follower_id in followers:
        deliver_to_follower.delay(post_id, follower_id)
    return len(followers)
