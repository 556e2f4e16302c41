"""The Celery app: ``celery -A biztweet worker`` / ``celery -A biztweet beat``.

tenant-schemas-celery carries the sender's schema in every message and switches to it in the
worker; tasks derive from ``common.tasks.TenantTask`` and refuse to run in the public schema.
"""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biztweet.settings")

app = CeleryApp("biztweet", task_cls="common.tasks:TenantTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
