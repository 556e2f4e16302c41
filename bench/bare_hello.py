"""A bare Django "hello": the machine's yardstick, not part of the product.

Issue 7 states its facts as measured on its author's 2-core machine, the first being "Django hello under
gunicorn with 2 sync workers ~4,300 req/s". This module is that server: a fresh ``startproject``'s
middleware and apps, one view, no database, no tenant. ``bench/timelines.py --calibrate`` serves it the
same way (gunicorn, 2 sync workers, wrk with 64 connections), so a run on a slower or busier machine can
say how much slower it is, and what the issue's fixed rates correspond to there.

Nothing imports this module; gunicorn loads ``bench.bare_hello:application``.
"""

from __future__ import annotations

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-hello-not-a-secret",  # serves one constant page, on loopback
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    # ``django-admin startproject``'s defaults, without the admin and the database: the session and
    # the user stay lazy, as they do on a page that does not read them.
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    DATABASES={},
    USE_TZ=True,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"hello":"world"}', content_type="application/json")


urlpatterns = [path("", hello)]
application = get_wsgi_application()
