"""Settings for a benchmark server: the product's settings plus the bench-only endpoints.

A server runs with these only when started with ``DJANGO_SETTINGS_MODULE=bench.settings`` (bench/timelines.py
does so), so the comparison endpoints and the query counter exist in no other process: nothing in the
product imports ``bench``. What they add:

- ``ROOT_URLCONF = bench.urls``: the tenant URLs plus ``/bench/hello`` and ``/bench/naive_home``;
- ``bench.views.QueryCounter`` first in the middleware: every response carries ``X-Bench-Queries``, the
  number of SQL statements the request ran (counted on the server, in the request itself).
"""

from biztweet.settings import *  # noqa: F403
from biztweet.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.views.QueryCounter", *MIDDLEWARE]
DEBUG = False

# For comparing connection persistence under each server (bench/timelines.py --conn-max-age); the
# product's own value is in biztweet/settings/services.py.
import os  # noqa: E402

if "BENCH_CONN_MAX_AGE" in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])  # noqa: F405
