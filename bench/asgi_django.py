"""The web app as served before biztweet.asgi ran Django through a2wsgi: Django's own ASGI handler
behind the streams. Only for bench/timelines.py's ``uvicorn-django-asgi`` mode, the baseline of that
serving choice."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biztweet.settings")

django_application = get_asgi_application()

from biztweet.process import freeze_startup_objects  # noqa: E402
from streaming.app import StreamingRouter  # noqa: E402 (needs Django set up first)

application = StreamingRouter(django_application)
freeze_startup_objects()
