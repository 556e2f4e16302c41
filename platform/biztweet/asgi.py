"""The ASGI app: Mastodon's streaming API (SSE and WebSocket) in front, Django for everything else.

Streams are served by ``streaming.app`` without passing through Django: each open stream would
otherwise hold a Django request (a thread and a database connection) for hours.

Django is served as the WSGI app it is — every view here is synchronous — on a pool of
``WEB_THREADS`` threads (a2wsgi), not through Django's ASGI handler and its hops between the event loop
and a thread per request: with two uvicorn workers, hello went from ~660 to ~2,100 requests a second
and the home timeline from ~215 to ~350, what gunicorn's sync workers serve (bench/RESULTS.md,
"Serving"). PYTHONPATH must carry platform/.
"""

import os

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biztweet.settings")

django_application = WSGIMiddleware(get_wsgi_application(), workers=settings.WEB_THREADS)

from biztweet.process import freeze_startup_objects  # noqa: E402
from streaming.app import StreamingRouter  # noqa: E402 (needs Django set up first)

application = StreamingRouter(django_application)
freeze_startup_objects()
