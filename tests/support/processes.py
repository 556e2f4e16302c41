"""Real processes for tests: a Celery worker and an ASGI server running against the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """A URL for the database this test session created (test_<name>), for child processes."""
    db = connection.settings_dict
    host = quote(db.get("HOST") or "", safe="")
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'platform'}",
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DJANGO_SETTINGS_MODULE="biztweet.settings",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def celery_worker(queue: str, *, log: Path, pool: str = "solo") -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery -A biztweet worker`` consuming only ``queue`` (``pool``: solo, or prefork with
    one child: production's pool, docker/start-worker.sh)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "biztweet",
                "worker",
                f"--pool={pool}",
                *(["--concurrency=1"] if pool == "prefork" else []),
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while b"ready." not in log.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"celery worker did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.1)
            yield process
        finally:
            _stop(process)


@contextmanager
def asgi_server(*, log: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """A real uvicorn serving ``biztweet.asgi:application``; yields its base URL (http://127.0.0.1:PORT)."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "biztweet.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=child_env(**(extra_env or {})),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"server did not start:\n{log.read_text(errors='replace')}"
                        ) from None
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(process)
