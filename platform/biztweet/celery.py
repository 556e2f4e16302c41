"""The Celery app: ``celery -A biztweet worker`` / ``celery -A biztweet beat``.

tenant-schemas-celery carries the sender's schema in every message and switches to it in the
worker; tasks derive from ``common.tasks.TenantTask`` and refuse to run in the public schema.
"""

import os

from celery.signals import setup_logging
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biztweet.settings")

app = CeleryApp("biztweet", task_cls="common.tasks:TenantTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(**kwargs: object) -> None:
    # Without this Celery installs its own handlers, and worker lines lose the JSON format and tenant.
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
