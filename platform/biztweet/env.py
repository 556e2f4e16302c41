"""The one reader of the process environment.

Every setting that can come from outside is read here, typed, with its embedded default, so the rest
of the code never touches ``os.environ`` and a fresh machine works with nothing set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/biztweet"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Env:
    database_url: str
    database_pool_size: int
    web_threads: int
    redis_url: str
    base_domain: str
    secret_key: str
    debug: bool
    data_dir: Path
    media_root: Path
    media_url: str
    exports_root: Path
    stripe_secret_key: str
    stripe_webhook_secret: str
    stripe_api_base: str
    email_url: str
    log_json: bool
    log_level: str
    s3_bucket: str
    s3_endpoint_url: str
    testing: bool


def read(environ: Mapping[str, str] | None = None) -> Env:
    e = os.environ if environ is None else environ
    data_dir = Path(e.get("BIZTWEET_DATA_DIR") or REPO_ROOT / "var")
    debug = e.get("DEBUG", "").lower() in _TRUE
    return Env(
        database_url=e.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        # Connections each process keeps open for its request threads; 0 opens one per request instead.
        database_pool_size=int(e.get("DATABASE_POOL_SIZE") or 8),
        # Threads per web process running Django's (synchronous) views: 2 serve as many home pages as 1
        # (4 serve a fifth fewer: bench/RESULTS.md) while a slow request no longer holds up the rest.
        # With the stream server's four database threads they fit the default pool of 8.
        web_threads=int(e.get("WEB_THREADS") or 2),
        redis_url=e.get("REDIS_URL") or DEFAULT_REDIS_URL,
        base_domain=(e.get("BASE_DOMAIN") or "localhost").lower().strip("."),
        # The embedded default is only for laptops; production images refuse to start without one
        # (see settings.base).
        secret_key=e.get("SECRET_KEY") or "",
        debug=debug,
        data_dir=data_dir,
        media_root=Path(e.get("MEDIA_ROOT") or data_dir / "media"),
        media_url=e.get("MEDIA_URL") or "/media/",
        # Tenant exports hold everything a tenant wrote: never under MEDIA_ROOT, never served as media.
        exports_root=Path(e.get("EXPORTS_ROOT") or data_dir / "exports"),
        stripe_secret_key=e.get("STRIPE_SECRET_KEY") or "",
        stripe_webhook_secret=e.get("STRIPE_WEBHOOK_SECRET") or "",
        stripe_api_base=e.get("STRIPE_API_BASE") or "",
        email_url=e.get("EMAIL_URL") or "console://",
        log_json=e.get("LOG_JSON", "").lower() in _TRUE,
        log_level=e.get("LOG_LEVEL") or "INFO",
        s3_bucket=e.get("S3_BUCKET") or "",
        s3_endpoint_url=e.get("S3_ENDPOINT_URL") or "",
        testing=e.get("BIZTWEET_TESTING", "").lower() in _TRUE,
    )


def is_set(name: str) -> bool:
    """Whether the operator configured ``name`` (used by the local runner to decide what to start)."""
    return bool(os.environ.get(name))


def child_environ(**overrides: str) -> dict[str, str]:
    """The environment for a child process (server, worker), with ``overrides`` applied."""
    environ = dict(os.environ)
    environ.update(overrides)
    return environ


def export(**values: str) -> None:
    """Set values for this process and its children (only the local runner does this)."""
    os.environ.update(values)


ENV = read()
