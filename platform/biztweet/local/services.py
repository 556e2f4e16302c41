"""Which PostgreSQL and Redis ``bin/run`` and ``bin/test`` use, in this order:

1. the URL the operator configured (``DATABASE_URL`` / ``REDIS_URL``), as given;
2. a server answering on this machine's default port (PostgreSQL: user postgres without a password;
   the ``biztweet`` database is created if missing);
3. an embedded server with its data under ``var/`` (``embedded``), kept for next time.

Probe addresses and data folders are parameters, so tests can point them at ports where nothing listens.
"""

from __future__ import annotations

import logging
import socket
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from biztweet import env
from biztweet.local.embedded import (
    EmbeddedPostgres,
    EmbeddedRedis,
    ensure_database,
    postgres_answers,
    redis_answers,
)

log = logging.getLogger("biztweet.local")

DATABASE_NAME = "biztweet"
RUN_REDIS_DB = 0
# bin/test on a Redis that bin/run also uses (the machine's, or the shared embedded one) takes another
# database index, so tests never flush or read the running product's feeds.
TEST_REDIS_DB = 1


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


POSTGRES_PROBE = Endpoint("127.0.0.1", 5432)
REDIS_PROBE = Endpoint("127.0.0.1", 6379)

Origin = Literal["configured", "found", "embedded"]


@dataclass(frozen=True)
class Service:
    url: str
    origin: Origin


@dataclass(frozen=True)
class Services:
    database: Service
    redis: Service

    def environ(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database.url, "REDIS_URL": self.redis.url}


def _something_listens(probe: Endpoint) -> bool:
    try:
        with socket.create_connection((probe.host, probe.port), timeout=1):
            return True
    except OSError:
        return False


def resolve_database(stack: ExitStack, *, configured: str | None, probe: Endpoint, folder: Path) -> Service:
    """A PostgreSQL URL; an embedded server it starts is stopped when ``stack`` closes."""
    if configured:
        log.info("PostgreSQL: DATABASE_URL as configured")
        return Service(configured, "configured")
    if postgres_answers(host=probe.host, port=probe.port):
        ensure_database(DATABASE_NAME, host=probe.host, port=probe.port)
        log.info("PostgreSQL: found on %s", probe.netloc)
        return Service(f"postgres://postgres@{probe.netloc}/{DATABASE_NAME}", "found")
    if _something_listens(probe):
        log.warning(
            "something on %s refused user postgres without a password; using an embedded "
            "PostgreSQL instead (set DATABASE_URL to use that server)",
            probe.netloc,
        )
    server = EmbeddedPostgres(folder)
    server.start()
    stack.callback(server.stop)
    ensure_database(DATABASE_NAME, host=server.host, port=server.port)
    return Service(server.url(DATABASE_NAME), "embedded")


def resolve_redis(
    stack: ExitStack, *, configured: str | None, probe: Endpoint, folder: Path, db: int
) -> Service:
    """A Redis URL (database index ``db`` unless configured); an embedded server stops with ``stack``."""
    if configured:
        log.info("Redis: REDIS_URL as configured")
        return Service(configured, "configured")
    if redis_answers(host=probe.host, port=probe.port):
        log.info("Redis: found on %s, database %d", probe.netloc, db)
        return Service(f"redis://{probe.netloc}/{db}", "found")
    if _something_listens(probe):
        log.warning(
            "something on %s did not answer PING; using an embedded Redis instead "
            "(set REDIS_URL to use that server)",
            probe.netloc,
        )
    server = EmbeddedRedis(folder)
    server.start()
    stack.callback(server.stop)
    return Service(server.url(db), "embedded")


def resolve_services(
    stack: ExitStack,
    *,
    redis_db: int,
    data_dir: Path | None = None,
    postgres_probe: Endpoint = POSTGRES_PROBE,
    redis_probe: Endpoint = REDIS_PROBE,
) -> Services:
    """Both services, configured from the environment (read through ``biztweet.env``)."""
    settings = env.read()
    data_dir = data_dir or settings.data_dir
    database = resolve_database(
        stack,
        configured=settings.database_url if env.is_set("DATABASE_URL") else None,
        probe=postgres_probe,
        folder=data_dir / "pg",
    )
    redis = resolve_redis(
        stack,
        configured=settings.redis_url if env.is_set("REDIS_URL") else None,
        probe=redis_probe,
        folder=data_dir / "redis",
        db=redis_db,
    )
    return Services(database=database, redis=redis)
