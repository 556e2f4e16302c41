"""One task per event, ids in; each is safe to run twice (unique notification rows). None keeps a
result (nobody reads it; see timelines.tasks)."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(name="notifications.deliver_post_created", ignore_result=True)
def deliver_post_created(post_id: int) -> int:
    return services.deliver_post_created(post_id)


@shared_task(name="notifications.deliver_favourite", ignore_result=True)
def deliver_favourite(post_id: int, actor_id: int) -> int:
    return services.deliver_favourite(post_id, actor_id)


@shared_task(name="notifications.deliver_reblog", ignore_result=True)
def deliver_reblog(post_id: int, actor_id: int) -> int:
    return services.deliver_reblog(post_id, actor_id)


@shared_task(name="notifications.deliver_post_edited", ignore_result=True)
def deliver_post_edited(post_id: int) -> int:
    return services.deliver_post_edited(post_id)


@shared_task(name="notifications.deliver_follow", ignore_result=True)
def deliver_follow(follower_id: int, target_id: int) -> int:
    return services.deliver_follow(follower_id, target_id)


@shared_task(name="notifications.deliver_poll_ended", ignore_result=True)
def deliver_poll_ended(poll_id: int) -> int:
    return services.deliver_poll_ended(poll_id)
