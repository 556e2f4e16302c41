"""The local runner behind bin/run and bin/test: which services it picks, and the ones it starts itself.

These start real PostgreSQL and Redis servers in temporary folders, probing ports where nothing listens,
so they behave the same on a laptop with services, in CI, and in a network namespace with none.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import dj_database_url
import psutil
import psycopg
import pytest
import redis

from biztweet.local.cli import main
from biztweet.local.embedded import EmbeddedRedis, pid_alive
from biztweet.local.services import (
    Endpoint,
    Service,
    resolve_database,
    resolve_redis,
    resolve_services,
)
from biztweet.local.supervisor import StopSignals, Supervisor, run_step

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: its root is private to us (0700), and as root the embedded PostgreSQL
    # runs as another account that must reach its data folder.
    folder = Path(tempfile.mkdtemp(prefix="biztweet-local-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def nowhere() -> Iterator[Endpoint]:
    """A loopback port that refuses connections, held so nothing else takes it during the test."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield Endpoint("127.0.0.1", held.getsockname()[1])


@pytest.fixture
def silent() -> Iterator[Endpoint]:
    """A loopback port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield Endpoint("127.0.0.1", listener.getsockname()[1])


def _postmaster_pid(folder: Path) -> int:
    return int((folder / "data" / "postmaster.pid").read_text().split()[0])


def _redis_pid(folder: Path) -> int:
    return int(json.loads((folder / "server.json").read_text())["pid"])


def _family(pid: int) -> list[psutil.Process]:
    parent = psutil.Process(pid)
    return [parent, *parent.children(recursive=True)]


def _resolve_both(stack: ExitStack, data_dir: Path, probe: Endpoint) -> tuple[Service, Service]:
    database = resolve_database(stack, configured=None, probe=probe, folder=data_dir / "pg")
    cache = resolve_redis(stack, configured=None, probe=probe, folder=data_dir / "redis", db=1)
    return database, cache


def test_nothing_listening_starts_embedded_servers_that_keep_their_data_and_stop_cleanly(
    data_dir: Path, nowhere: Endpoint
) -> None:
    with ExitStack() as stack:
        database, cache = _resolve_both(stack, data_dir, nowhere)
        assert (database.origin, cache.origin) == ("embedded", "embedded")
        # The URL forms Django's settings parse: a percent-encoded socket folder as the host.
        assert dj_database_url.parse(database.url)["HOST"] == str(data_dir / "pg" / "data")
        assert dj_database_url.parse(database.url)["NAME"] == "biztweet"
        assert cache.url.startswith("redis://127.0.0.1:") and cache.url.endswith("/1")

        with psycopg.connect(database.url, autocommit=True) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
            connection.execute("CREATE TABLE kept (note text)")
            connection.execute("INSERT INTO kept VALUES ('still here')")
        client = redis.Redis.from_url(cache.url)
        assert client.ping()
        client.set("kept", "still here")
        client.close()
        processes = _family(_postmaster_pid(data_dir / "pg")) + _family(_redis_pid(data_dir / "redis"))
        assert len(processes) > 2, "PostgreSQL runs a postmaster and its workers"

    _, alive = psutil.wait_procs(processes, timeout=10)
    assert not alive, f"left behind: {alive}"
    assert not (data_dir / "pg" / "data" / "postmaster.pid").exists()

    with ExitStack() as stack:
        again, cache_again = _resolve_both(stack, data_dir, nowhere)
        assert again.url == database.url
        with psycopg.connect(again.url) as connection:
            assert connection.execute("SELECT note FROM kept").fetchall() == [("still here",)]
        client = redis.Redis.from_url(cache_again.url)
        assert client.get("kept") == b"still here"
        client.close()


def test_a_second_user_shares_the_running_server_and_the_last_one_out_stops_it(
    data_dir: Path, nowhere: Endpoint
) -> None:
    with ExitStack() as first:
        database, cache = _resolve_both(first, data_dir, nowhere)
        postgres_pid, redis_pid = _postmaster_pid(data_dir / "pg"), _redis_pid(data_dir / "redis")
        with ExitStack() as second:
            assert _resolve_both(second, data_dir, nowhere) == (database, cache)
            assert _postmaster_pid(data_dir / "pg") == postgres_pid
        assert pid_alive(postgres_pid) and pid_alive(redis_pid)
        with psycopg.connect(database.url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    assert not pid_alive(postgres_pid)
    assert not pid_alive(redis_pid)


def test_a_server_found_on_the_probed_port_is_used_with_the_requested_database_index(
    data_dir: Path,
) -> None:
    machines_redis = EmbeddedRedis(data_dir / "machine")
    machines_redis.start()
    try:
        assert machines_redis.port is not None
        with ExitStack() as stack:
            found = resolve_redis(
                stack,
                configured=None,
                probe=Endpoint("127.0.0.1", machines_redis.port),
                folder=data_dir / "redis",
                db=1,
            )
        assert found == Service(f"redis://127.0.0.1:{machines_redis.port}/1", "found")
        assert not (data_dir / "redis").exists()
    finally:
        machines_redis.stop()


def test_a_port_that_is_not_postgresql_falls_back_to_embedded_without_hanging(
    data_dir: Path, silent: Endpoint
) -> None:
    began = time.monotonic()
    with ExitStack() as stack:
        database = resolve_database(stack, configured=None, probe=silent, folder=data_dir / "pg")
        assert database.origin == "embedded"
    assert time.monotonic() - began < 20


def test_configured_urls_win_over_probing_and_start_nothing(
    data_dir: Path, nowhere: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.internal:5432/biztweet")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    with ExitStack() as stack:
        services = resolve_services(
            stack, redis_db=1, data_dir=data_dir, postgres_probe=nowhere, redis_probe=nowhere
        )
    # Given as is: even the test command's own Redis index does not apply to a configured URL.
    assert services.environ() == {
        "DATABASE_URL": "postgres://app:secret@db.internal:5432/biztweet",
        "REDIS_URL": "redis://cache.internal:6379/0",
    }
    assert list(data_dir.iterdir()) == []


def test_a_child_that_dies_is_reported_and_the_others_are_stopped() -> None:
    sleeper = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]
    crasher = [sys.executable, "-c", "import time; time.sleep(0.3); raise SystemExit(3)"]
    with StopSignals() as stop:
        supervisor = Supervisor(environ={}, cwd=".", stop=stop, out=sys.stdout.buffer)
        supervisor.start({"sleeper": sleeper, "crasher": crasher})
        try:
            died = supervisor.watch()
        finally:
            supervisor.stop_all(timeout=5)
    assert died is not None
    assert (died.name, died.process.returncode) == ("crasher", 3)
    assert all(child.process.returncode is not None for child in supervisor.children)


def test_a_stop_request_is_passed_on_to_the_running_step() -> None:
    with StopSignals() as stop:
        stop.requested = signal.SIGTERM
        result = run_step(
            [sys.executable, "-c", "import time; time.sleep(60)"], environ={}, cwd=".", stop=stop
        )
    assert result.returncode == -signal.SIGTERM


def test_when_the_starter_leaves_first_the_server_stays_up_for_the_other_user(
    data_dir: Path, nowhere: Endpoint
) -> None:
    starter, other = ExitStack(), ExitStack()
    with other:
        with starter:
            database = resolve_database(starter, configured=None, probe=nowhere, folder=data_dir / "pg")
            assert resolve_database(other, configured=None, probe=nowhere, folder=data_dir / "pg") == database
            postgres_pid = _postmaster_pid(data_dir / "pg")
        with psycopg.connect(database.url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    assert not pid_alive(postgres_pid)


def test_arguments_after_the_separator_are_for_the_test_command_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--", "-x"])
    assert exit_info.value.code == 2
    assert "arguments after -- are for the test command" in capsys.readouterr().err
