"""The production image and its compose file: one image, four process types, migrate before anything.

No Docker engine runs here, so nothing is built. What can be checked without one is: compose's own
rendering of docker/compose.yml (``docker compose config``; only those tests skip when no compose v2+
CLI is installed), the Dockerfile's instructions, the start scripts as shell, and the start scripts
themselves run from a checkout with the image's PYTHONPATH against real PostgreSQL and Redis.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import yaml
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE_FILE = DOCKER / "compose.yml"
DOCKERFILE = DOCKER / "Dockerfile"
IMAGE_ROOT = "/app"  # WORKDIR in the Dockerfile: the repository root inside the image

PROCESS_TYPES = ("web", "worker", "beat", "migrate")
LONG_RUNNING = ("web", "worker", "beat")
# Values only for rendering the file; compose refuses to render without them (tested below).
REQUIRED_VARS = {"SECRET_KEY": "compose-config-test-only", "POSTGRES_PASSWORD": "compose-config-test-only"}


def _script(process_type: str) -> Path:
    return DOCKER / f"start-{process_type}.sh"


def _in_image(path: Path) -> str:
    return f"{IMAGE_ROOT}/{path.relative_to(ROOT).as_posix()}"


# --- compose's own view of the file -------------------------------------------------------------


def _compose_v2_command() -> list[str] | None:
    """`docker compose` (the CLI plugin) or a standalone `docker-compose` of v2 or later."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return [docker, "compose"]
    # Also next to this interpreter: a virtualenv may carry the binary without being activated.
    for candidate in (shutil.which("docker-compose"), str(Path(sys.executable).parent / "docker-compose")):
        if not candidate or not Path(candidate).is_file():
            continue
        probe = subprocess.run([candidate, "version"], capture_output=True, text=True, timeout=30)
        # v1 (Python) cannot print JSON and predates service_completed_successfully.
        match = re.search(r"v?(\d+)\.\d+", probe.stdout)
        if probe.returncode == 0 and match and int(match.group(1)) >= 2:
            return [candidate]
    return None


@pytest.fixture(scope="module")
def compose() -> list[str]:
    command = _compose_v2_command()
    if command is None:
        pytest.skip(
            "no Docker Compose v2+ CLI: neither the `docker compose` plugin nor a standalone "
            "`docker-compose` (v2+) is installed, so compose cannot render docker/compose.yml here"
        )
    return command


def _render(compose: list[str], env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*compose, "-f", str(COMPOSE_FILE), *extra, "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def config(compose: list[str]) -> dict[str, Any]:
    result = _render(compose, {**os.environ, **REQUIRED_VARS})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return config["services"]


@pytest.mark.parametrize("missing", sorted(REQUIRED_VARS))
def test_compose_refuses_to_render_without_required_secret(
    compose: list[str], missing: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in {**os.environ, **REQUIRED_VARS}.items() if k != missing}
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    # An empty --env-file so a developer's docker/.env cannot supply the value.
    result = _render(compose, env, "--env-file", str(empty_env_file))
    assert result.returncode != 0
    assert missing in result.stderr
    assert "docker/.env" in result.stderr, "the error should say where to put the value"


def test_compose_defines_the_data_stores_and_every_process_type(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"postgres", "redis", *PROCESS_TYPES}
    assert services["postgres"]["image"].split(":")[1].startswith("16")
    assert services["redis"]["image"].split(":")[1].startswith("7")


@pytest.mark.parametrize("process_type", PROCESS_TYPES)
def test_each_process_type_runs_its_start_script(
    services: dict[str, dict[str, Any]], process_type: str
) -> None:
    assert services[process_type]["command"] == [_in_image(_script(process_type))]


def test_all_process_types_share_one_image_built_from_the_repository_root(
    services: dict[str, dict[str, Any]],
) -> None:
    builds = {json.dumps(services[name]["build"], sort_keys=True) for name in PROCESS_TYPES}
    images = {services[name]["image"] for name in PROCESS_TYPES}
    assert len(builds) == 1, builds
    assert len(images) == 1, images
    build = services["web"]["build"]
    assert Path(build["context"]).resolve() == ROOT
    assert (ROOT / build["dockerfile"]).resolve() == DOCKERFILE


@pytest.mark.parametrize("process_type", LONG_RUNNING)
def test_long_running_processes_start_only_after_migrate_succeeded(
    services: dict[str, dict[str, Any]], process_type: str
) -> None:
    depends_on = services[process_type]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_migrate_is_one_shot_and_waits_for_a_healthy_database(services: dict[str, dict[str, Any]]) -> None:
    migrate = services["migrate"]
    # A restarting one-shot never "completes", and web would wait forever.
    assert migrate.get("restart", "no") == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "ports" not in migrate


@pytest.mark.parametrize("name", PROCESS_TYPES)
def test_app_services_get_production_settings(services: dict[str, dict[str, Any]], name: str) -> None:
    env = services[name]["environment"]
    assert env["DEBUG"] == "false"
    assert env["LOG_JSON"] == "true"
    assert env["SECRET_KEY"] == REQUIRED_VARS["SECRET_KEY"]
    assert env["BASE_DOMAIN"]
    assert urlsplit(env["DATABASE_URL"]).hostname == "postgres"
    assert urlsplit(env["REDIS_URL"]).hostname == "redis"
    # The image sets PYTHONPATH with platform/ on it; an override here would have to keep it.
    assert "PYTHONPATH" not in env or f"{IMAGE_ROOT}/platform" in env["PYTHONPATH"].split(":")


def test_healthchecks_probe_each_service_the_right_way(services: dict[str, dict[str, Any]]) -> None:
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    web_test = services["web"]["healthcheck"]["test"]
    assert web_test[-1] == "/readyz" and _in_image(DOCKER / "healthcheck.py") in web_test
    # beat and migrate have no HTTP server, so the image's /healthz check must not mark them unhealthy.
    assert services["beat"]["healthcheck"].get("disable") is True
    assert services["migrate"]["healthcheck"].get("disable") is True


def test_web_is_published_on_8000_and_data_lives_in_volumes(config: dict[str, Any]) -> None:
    services = config["services"]
    assert [port["target"] for port in services["web"]["ports"]] == [8000]
    mounts = {name: {v["target"]: v["source"] for v in s.get("volumes", [])} for name, s in services.items()}
    assert mounts["postgres"]["/var/lib/postgresql/data"] == "postgres-data"
    assert mounts["web"]["/data/media"] == mounts["worker"]["/data/media"] == "media"
    assert {"postgres-data", "media"} <= set(config["volumes"])


def test_redis_never_evicts_the_celery_broker_queues(services: dict[str, dict[str, Any]]) -> None:
    command = services["redis"]["command"]
    policy = command[command.index("--maxmemory-policy") + 1]
    # Queue keys carry no TTL: volatile-* and noeviction leave them alone, allkeys-* may drop tasks.
    assert policy == "noeviction" or policy.startswith("volatile-")
    assert "--maxmemory" in command, "without a limit the policy never applies"


# --- the Dockerfile and the start scripts (no compose needed) -----------------------------------


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    logical: list[str] = []
    current = ""
    for line in DOCKERFILE.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    pairs = []
    for entry in logical:
        keyword, _, rest = entry.strip().partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def _args(keyword: str) -> list[str]:
    return [rest for kw, rest in _instructions() if kw == keyword]


def _env() -> dict[str, str]:
    values: dict[str, str] = {}
    for rest in _args("ENV"):
        for key, value in re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", rest):
            values[key] = value
    return values


def test_dockerfile_puts_the_repo_root_and_platform_on_pythonpath() -> None:
    assert _args("WORKDIR") == [IMAGE_ROOT]
    assert _env()["PYTHONPATH"].split(":") == [IMAGE_ROOT, f"{IMAGE_ROOT}/platform"]


def test_dockerfile_builds_from_python_311_slim_with_pinned_pip_and_the_runtime_group() -> None:
    assert _args("FROM")[0].startswith("python:3.11-slim")
    runs = " ".join(_args("RUN"))
    pip_pin = re.search(r"pip install pip==(\d+)\.(\d+)", runs)
    assert pip_pin and (int(pip_pin.group(1)), int(pip_pin.group(2))) >= (25, 1), "--group needs pip >= 25.1"
    assert "--group runtime" in runs
    assert "collectstatic --noinput" in runs


def test_dockerfile_runs_as_a_non_root_user_and_checks_liveness() -> None:
    users = _args("USER")
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert _args("EXPOSE") == ["8000"]
    healthcheck = _args("HEALTHCHECK")
    assert len(healthcheck) == 1 and "/healthz" in healthcheck[0]
    assert json.loads(_args("CMD")[-1]) == [_in_image(_script("web"))]


def _scripts_named_in_the_docker_files() -> set[Path]:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    named = {json.loads(_args("CMD")[-1])[0]}
    for service in raw["services"].values():
        command = service.get("command") or [""]
        if command[0].startswith(f"{IMAGE_ROOT}/"):
            named.add(command[0])
    return {ROOT / Path(path).relative_to(IMAGE_ROOT) for path in named}


def test_every_start_script_the_image_runs_exists_and_is_executable() -> None:
    scripts = _scripts_named_in_the_docker_files()
    assert scripts == {_script(kind) for kind in PROCESS_TYPES}
    for script in scripts:
        assert script.is_file(), script
        assert os.access(script, os.X_OK), f"{script} is not executable (git update-index --chmod=+x)"
        assert script.read_text().startswith("#!/bin/sh\n"), "the slim image runs them with /bin/sh"


@pytest.mark.parametrize("process_type", PROCESS_TYPES)
def test_start_script_is_valid_sh(process_type: str) -> None:
    result = subprocess.run(
        ["sh", "-n", str(_script(process_type))], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


def test_dockerignore_keeps_secrets_history_and_local_data_out_of_the_image() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "var", "docker/.env"} <= ignored
    # The start scripts and probes live in docker/ and must reach the image.
    assert "docker" not in ignored and "docker/" not in ignored


# --- the start scripts, run from this checkout as the image runs them ---------------------------


def _image_environ(**overrides: str) -> dict[str, str]:
    """This process's environment with the image's PYTHONPATH mapped onto the checkout."""
    pythonpath = ":".join(
        str(ROOT / Path(p).relative_to(IMAGE_ROOT)) for p in _env()["PYTHONPATH"].split(":")
    )
    env = {**os.environ, "PYTHONPATH": pythonpath, "LOG_JSON": "true"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the image sets it; prove the apps' own defaults suffice
    env.update(overrides)
    return env


def test_image_pythonpath_loads_web_and_celery_apps_and_keeps_stdlib_platform() -> None:
    code = (
        "import platform, sysconfig, pathlib, biztweet.asgi, biztweet.celery;"
        "assert pathlib.Path(platform.__file__).parent == pathlib.Path(sysconfig.get_paths()['stdlib']);"
        "print(biztweet.celery.app.main)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=_image_environ(),
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "biztweet"


def _database_url(name: str | None = None) -> str:
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/biztweet"
    if name is None:
        return url
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _admin_connection() -> psycopg.Connection[Any]:
    return psycopg.connect(_database_url("postgres"), autocommit=True)


@pytest.fixture
def existing_database() -> str:
    """The database named by DATABASE_URL, created if missing (readiness connects to it)."""
    name = urlsplit(_database_url()).path.lstrip("/")
    with _admin_connection() as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _database_url()


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A fresh database named after DATABASE_URL's, so concurrent runs with their own URLs never meet."""
    name = urlsplit(_database_url()).path.lstrip("/") + "_migrate_smoke"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with _admin_connection() as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _database_url(name)
    with _admin_connection() as conn:
        conn.execute(drop)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


@pytest.mark.slow
def test_start_web_serves_liveness_and_readiness_over_uvicorn(existing_database: str) -> None:
    port = _free_port()
    env = _image_environ(
        PORT=str(port), HOST="127.0.0.1", WEB_CONCURRENCY="1", DATABASE_URL=existing_database
    )
    process = subprocess.Popen(
        [str(_script("web"))], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/"
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(port, "/healthz")
                break
            except OSError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "uvicorn did not answer within 60 s"
                time.sleep(0.3)
        assert (status, body) == (200, {"status": "ok"})
        status, body = _get(port, "/readyz")
        assert (status, body) == (200, {"status": "ok", "database": True, "redis": True})
        # The probe the image and compose use, against the same server.
        probe = subprocess.run(
            [sys.executable, str(DOCKER / "healthcheck.py"), "/readyz"],
            env={**os.environ, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert probe.returncode == 0, probe.stderr
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    # LOG_JSON=true: uvicorn's own lines (startup, access log) are JSON too, so shippers see one format.
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert {"uvicorn.error", "uvicorn.access"} <= {record["logger"] for record in records}
    assert not [line for line in output.splitlines() if line.startswith("INFO:")], "plain uvicorn log lines"


@pytest.mark.slow
def test_start_migrate_migrates_public_schema_and_builds_the_tenant_template(scratch_database: str) -> None:
    result = subprocess.run(
        [str(_script("migrate"))],
        env=_image_environ(DATABASE_URL=scratch_database),
        capture_output=True,
        text=True,
        timeout=300,
        cwd="/",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with psycopg.connect(scratch_database) as conn:
        schemas = {row[0] for row in conn.execute("SELECT schema_name FROM information_schema.schemata")}
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    assert "_template" in schemas
    assert {"tenants_tenant", "tenants_domain", "django_migrations"} <= tables
