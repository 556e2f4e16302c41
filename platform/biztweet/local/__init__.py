"""The laptop and CI runner behind ``bin/run`` and ``bin/test`` (``python -m biztweet.local``).

- ``services``: which PostgreSQL and Redis to use: configured (``DATABASE_URL``/``REDIS_URL``), found on
  this machine's default ports, or embedded.
- ``embedded``: PostgreSQL and Redis started from binaries shipped in Python wheels, data under ``var/``.
- ``supervisor``: the child processes (migrations, web, worker, beat, pytest) and how they stop.
- ``cli``: the ``run`` and ``test`` commands.

Nothing here imports Django: the runner decides the environment its children's settings are read from.
"""
