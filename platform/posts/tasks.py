"""Background work for posts: announcing ended polls. Every task is idempotent."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from common.tasks import PublicTask, send_to_each_tenant
from posts.models import Poll
from posts.services import poll_expire as poll_expire_service


@shared_task(name="posts.poll_expire", ignore_result=True)
def poll_expire(poll_id: int) -> bool:
    """Announce one ended poll (sent with an ETA at its end; a no-op if already announced)."""
    return poll_expire_service(poll_id=int(poll_id))


@shared_task(name="posts.polls_expire_due")
def polls_expire_due() -> int:
    """Announce every ended poll of this tenant not yet announced: the safety net for lost or long
    delayed tasks (polls longer than posts.services.POLL_ETA_HORIZON rely on it alone)."""
    due = Poll.objects.filter(ended_notified_at__isnull=True, expires_at__lte=timezone.now())
    return sum(poll_expire_service(poll_id=pk) for pk in due.values_list("pk", flat=True)[:1000])


@shared_task(name="posts.dispatch_polls_expire_due", base=PublicTask)
def dispatch_polls_expire_due() -> int:
    """Periodic (beat, public schema): one ``polls_expire_due`` per active tenant, sent in its schema."""
    return send_to_each_tenant(polls_expire_due)


@shared_task(name="posts.scheduled_post_publish", ignore_result=True)
def scheduled_post_publish(scheduled_id: int) -> bool:
    """Publish one scheduled post at its time (sent with an ETA; a no-op once published)."""
    from posts.services import scheduled_post_publish as publish

    return publish(int(scheduled_id)) is not None


@shared_task(name="posts.scheduled_posts_due")
def scheduled_posts_due() -> int:
    """Publish this tenant's scheduled posts that are due and send the tasks of those due soon."""
    from posts.services import scheduled_posts_due as sweep

    return sweep()


@shared_task(name="posts.dispatch_scheduled_posts_due", base=PublicTask)
def dispatch_scheduled_posts_due() -> int:
    """Periodic (beat, public schema): one ``scheduled_posts_due`` per active tenant."""
    return send_to_each_tenant(scheduled_posts_due)
