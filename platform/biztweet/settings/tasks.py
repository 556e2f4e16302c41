"""Celery: Redis broker, late acks so a crashed worker's task runs again."""

from billing import schedule as billing_schedule
from biztweet.env import ENV
from exports import schedule as exports_schedule
from posts import schedule as posts_schedule
from search import schedule as search_schedule
from timelines import schedule as timelines_schedule

CELERY_BROKER_URL = ENV.redis_url
CELERY_RESULT_BACKEND = ENV.redis_url
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# tenant-schemas-celery reads the sender's Tenant row before every task (one statement each, and a
# fan-out is one task per post); a worker trusts it for 5 s, as the web trusts a host's tenant.
CELERY_TASK_TENANT_CACHE_SECONDS = 5
# Celery's Django fix-up closes the database connection before and after every task, and in a prefork
# child the whole psycopg pool with it: every task then opened a new pool (its threads) and a new
# PostgreSQL connection, whose backend lost the prepared statements. A child now keeps its connection
# for this many tasks; the pool's health check still replaces one that broke.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    **posts_schedule.BEAT_SCHEDULE,
    **timelines_schedule.BEAT_SCHEDULE,
    **billing_schedule.BEAT_SCHEDULE,
    **search_schedule.BEAT_SCHEDULE,
    **exports_schedule.BEAT_SCHEDULE,
}
