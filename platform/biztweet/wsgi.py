"""The WSGI app: what uvicorn serves through a2wsgi beside the streams (biztweet.asgi), and what the
benchmarks' gunicorn mode serves alone. PYTHONPATH must carry platform/."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biztweet.settings")

application = get_wsgi_application()

from biztweet.process import freeze_startup_objects  # noqa: E402

freeze_startup_objects()
