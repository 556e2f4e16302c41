"""``python -m biztweet.local run|test``: the commands behind ``bin/run`` and ``bin/test``.

run:  services → migrate_schemas → seed_demo → web + worker + beat, until Ctrl-C/SIGTERM (exit 0) or a
      child dies (exit 1). Everything it started is stopped either way.
test: services → makemigrations --check → local test peers → pytest; exits with pytest's code.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import shlex
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

import psycopg

from biztweet import env
from biztweet.local import stripe_peer
from biztweet.local.embedded import EmbeddedServerError
from biztweet.local.services import RUN_REDIS_DB, TEST_REDIS_DB, resolve_services
from biztweet.local.supervisor import StopSignals, Supervisor, describe_exit, run_step

log = logging.getLogger("biztweet.local")

ROOT = env.REPO_ROOT
PYTHON = sys.executable
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
WEB_START_TIMEOUT = 90.0

# Local stand-ins for the network edge that the suite talks to (DESIGN.md, "Tests"): a browser for UI
# tests, localstripe for Stripe. Each starts its peer with its cleanup on the stack, and returns the
# environment variables (read in biztweet.env) that point the tests at it. They run after PostgreSQL
# and Redis are resolved and before pytest starts.
TestPeer = Callable[[ExitStack], Mapping[str, str]]
TEST_PEERS: tuple[TestPeer, ...] = (stripe_peer.test_peer,)


def _child_environ() -> dict[str, str]:
    return env.child_environ(
        # The import roots (DESIGN/STYLE, "Layout"), whatever the caller's PYTHONPATH was.
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
        DJANGO_SETTINGS_MODULE="biztweet.settings",
        PYTHONUNBUFFERED="1",
    )


def _manage(*args: str) -> list[str]:
    return [PYTHON, str(ROOT / "manage.py"), *args]


def _interrupted(stop: StopSignals) -> int:
    assert stop.requested is not None
    return 128 + int(stop.requested)


def _seed_demo(environ: Mapping[str, str], stop: StopSignals) -> tuple[int, str | None]:
    """Run seed_demo (idempotent); return its exit code and its standard output, the demo logins.

    Its log lines (standard error) are shown as they are; its output goes into the banner instead.
    """
    result = run_step(_manage("seed_demo"), environ=environ, cwd=str(ROOT), stop=stop, capture=True)
    if result.returncode != 0 and "Unknown command: 'seed_demo'" in result.stderr:
        log.warning("seed_demo does not exist yet: starting without demo data")
        return 0, None
    sys.stderr.write(result.stderr)
    sys.stderr.flush()
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
    return result.returncode, result.stdout


def _processes(host: str, port: int, schedule: Path) -> dict[str, list[str]]:
    uvicorn = [PYTHON, "-m", "uvicorn", "biztweet.asgi:application"]
    celery = [PYTHON, "-m", "celery", "-A", "biztweet"]
    return {
        # Django's ASGI handler has no lifespan support; "off" spares a warning on every start.
        "web": [*uvicorn, "--host", host, "--port", str(port), "--lifespan", "off"],
        "worker": [*celery, "worker", "--concurrency", "2", "--loglevel", "info"],
        "beat": [*celery, "beat", "--schedule", str(schedule), "--loglevel", "info"],
    }


def _port_taken(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _web_answers(host: str, port: int) -> bool:
    connect_to = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    connection = http.client.HTTPConnection(connect_to, port, timeout=2)
    try:
        connection.request("GET", "/healthz", headers={"Host": "localhost"})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _banner(port: int, logins: str | None) -> None:
    rule = "─" * 72
    lines = [
        rule,
        "BizTweet Cloud is running. Ctrl-C stops everything.",
        "",
        f"  http://acme.localhost:{port}",
        f"  http://globex.localhost:{port}",
        f"  http://localhost:{port}/ops/        operator console",
        "",
    ]
    if logins:
        lines += ["From seed_demo:", *(f"  {line}" for line in logins.strip().splitlines())]
    else:
        lines += ["No demo logins: seed_demo is not available yet."]
    lines.append(rule)
    print("\n".join(lines), flush=True)


def run(*, host: str, port: int) -> int:
    if _port_taken(host, port):
        # Before migrating anything: the web server would only fail minutes later.
        log.error("%s:%d is in use (another bin/run?); pick another port: bin/run --port N", host, port)
        return 1
    with StopSignals() as stop, ExitStack() as stack:
        services = resolve_services(stack, redis_db=RUN_REDIS_DB)
        env.export(**services.environ())
        environ = _child_environ()
        if stop.requested:
            return 0
        # Shared schema, every tenant schema, then the template new tenants are cloned from.
        migrate = _manage("migrate_schemas", "--noinput")
        code = run_step(migrate, environ=environ, cwd=str(ROOT), stop=stop).returncode
        if stop.requested:
            return 0
        if code != 0:
            log.error("migrate_schemas failed (exit code %d)", code)
            return code
        code, logins = _seed_demo(environ, stop)
        if stop.requested:
            return 0
        if code != 0:
            log.error("seed_demo failed (exit code %d)", code)
            return code

        schedule = env.read().data_dir / "celery" / "beat-schedule"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        supervisor = Supervisor(environ=environ, cwd=str(ROOT), stop=stop, out=sys.stdout.buffer)
        stack.callback(supervisor.stop_all)
        supervisor.start(_processes(host, port, schedule))
        if supervisor.wait_until(lambda: _web_answers(host, port), timeout=WEB_START_TIMEOUT):
            _banner(port, logins)
            died = supervisor.watch()
        else:
            died = supervisor.exited()
            if died is None and stop.requested is None:
                log.error(
                    "the web server did not answer on %s:%d within %.0f s; stopping everything",
                    host,
                    port,
                    WEB_START_TIMEOUT,
                )
                return 1
        if died is None:
            return 0
        log.error(
            "%s exited unexpectedly (%s); stopping everything",
            died.name,
            describe_exit(died.process.returncode),
        )
        return 1


def test(pytest_args: Sequence[str]) -> int:
    with StopSignals() as stop, ExitStack() as stack:
        services = resolve_services(stack, redis_db=TEST_REDIS_DB)
        env.export(**services.environ())
        for peer in TEST_PEERS:
            env.export(**peer(stack))
        environ = _child_environ()
        if stop.requested:
            return _interrupted(stop)
        log.info("checking that the migrations match the models")
        check = _manage("makemigrations", "--check", "--dry-run")
        code = run_step(check, environ=environ, cwd=str(ROOT), stop=stop).returncode
        if stop.requested:
            return _interrupted(stop)
        if code != 0:
            log.error("models and migrations disagree: run `manage.py makemigrations` and commit the result")
            return code
        log.info("running pytest %s", shlex.join(pytest_args) or "(whole suite)")
        pytest = [PYTHON, "-m", "pytest", *pytest_args]
        return run_step(pytest, environ=environ, cwd=str(ROOT), stop=stop).returncode


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        if record.levelno >= logging.WARNING:
            message = f"{record.levelname.lower()}: {message}"
        return f"runner | {message}"


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_Formatter("%(message)s"))
    logger = logging.getLogger("biztweet.local")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # Everything after "--" belongs to pytest, untouched by argparse.
    extra: list[str] = []
    if "--" in args:
        split = args.index("--")
        args, extra = args[:split], args[split + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m biztweet.local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="serve the product with worker and scheduler")
    run_parser.add_argument("--host", default=DEFAULT_HOST, help=f"web address (default {DEFAULT_HOST})")
    run_parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"web server port (default {DEFAULT_PORT})"
    )
    commands.add_parser("test", help="run the test suite; arguments after -- go to pytest")
    options = parser.parse_args(args)
    if extra and options.command != "test":
        parser.error("arguments after -- are for the test command")

    _configure_logging()
    try:
        code = run(host=options.host, port=options.port) if options.command == "run" else test(extra)
    except (EmbeddedServerError, psycopg.Error, OSError) as error:
        log.error("%s", error)
        return 1
    # A step killed by a signal reports -N; a shell reports 128 + N.
    return 128 - code if code < 0 else code
