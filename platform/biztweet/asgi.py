"""The ASGI app: Mastodon's streaming API (SSE and WebSocket) in front, Django for everything else.

Streams are served by ``streaming.app`` without passing through Django: each open stream would
otherwise hold a Django request (a thread and a database connection) for hours. PYTHONPATH must
carry platform/.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biztweet.settings")

django_application = get_asgi_application()

from biztweet.process import freeze_startup_objects  # noqa: E402
from streaming.app import StreamingRouter  # noqa: E402 (needs Django set up first)

application = StreamingRouter(django_application)
freeze_startup_objects()
