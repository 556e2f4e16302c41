"""The ASGI app (HTTP now; SSE and WebSocket streams join it). PYTHONPATH must carry platform/."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biztweet.settings")

application = get_asgi_application()
