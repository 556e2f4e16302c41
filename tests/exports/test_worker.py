"""The export end to end through a real Celery worker (another process: the data is committed, and
removed afterwards): start over the API, poll until ready, download, open the zip."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from oauth2_provider.models import AccessToken, Application

from biztweet.celery import app
from directory.models import Employee
from exports.models import Export
from posts.models import MediaAttachment, Post
from posts.services import media_create, post_create
from tenants.models import Tenant
from tests.conftest import ACME_HOST
from tests.exports.conftest import ADMIN_SCOPES, EXPORT, Zip, download_body, photo_upload
from tests.support.processes import celery_worker

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A worker of our own consuming the export tasks, with the same media and exports folders as this
    process (tests/conftest.py's media_root, tests/exports/conftest.py's exports_root)."""
    name = f"test-exports-{uuid.uuid4().hex[:8]}"
    base = tmp_path_factory.getbasetemp()
    saved_routes = app.conf.task_routes
    app.conf.task_routes = {"exports.*": {"queue": name}}
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    saved_env = os.environ.get("EXPORTS_ROOT")
    os.environ["EXPORTS_ROOT"] = str(base / "exports")
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(MEDIA_ROOT=base / "media"),
            celery_worker(name, log=tmp_path_factory.mktemp("exports-worker") / "worker.log"),
        ):
            yield name
    finally:
        if saved_env is None:
            os.environ.pop("EXPORTS_ROOT", None)
        else:
            os.environ["EXPORTS_ROOT"] = saved_env
        app.conf.task_routes = saved_routes
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)


@pytest.fixture
def committed(django_db_blocker) -> Iterator[Tenant]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            before_posts = set(Post.objects.values_list("pk", flat=True))
            before_apps = set(Application.objects.values_list("pk", flat=True))
            yield acme
            Export.objects.all().delete()
            new_posts = Post.objects.exclude(pk__in=before_posts)
            MediaAttachment.objects.filter(post__in=new_posts).delete()
            new_posts.delete()
            new_apps = Application.objects.exclude(pk__in=before_apps)
            AccessToken.objects.filter(application__in=new_apps).delete()
            new_apps.delete()
        connection.set_schema_to_public()


def _token(employee: Employee) -> str:
    application = Application.objects.create(
        name=f"export-test-{uuid.uuid4().hex[:6]}",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
    )
    value = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        user=employee,
        token=value,
        application=application,
        scope=ADMIN_SCOPES,
        expires=timezone.now() + timedelta(hours=1),
    )
    return value


def test_an_export_runs_on_a_real_worker_and_downloads_as_a_zip(
    worker: str, committed: Tenant, exports_root: Path
) -> None:
    assert Path(settings.EXPORTS_ROOT) == Path(os.environ["EXPORTS_ROOT"]), "worker and test disagree"
    admin = Employee.objects.get(email="admin@acme.example")
    photo = media_create(owner=admin, upload=photo_upload("board.jpg"), description="화이트보드")
    shown = post_create(author=admin, text=f"주간 회의 {uuid.uuid4().hex[:6]}", media_ids=[photo.pk])
    client = Client(HTTP_HOST=ACME_HOST, HTTP_AUTHORIZATION=f"Bearer {_token(admin)}")

    started = client.post(EXPORT)
    assert started.status_code == 201, started.content
    poll = started["Location"]
    deadline = time.monotonic() + 60
    body: dict[str, Any] = client.get(poll).json()
    while body["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"export stuck in {body['state']}"
        time.sleep(0.2)
        body = client.get(poll).json()
    assert body["state"] == "ready", body["error"]
    assert body["attempts"] == 1 and body["size"] > 0

    response = client.get(body["download_url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="biztweet-export-t_acme-')
    archive = Zip(download_body(response))
    assert {"tenant.json", "employees.json", "posts.json", "audit_log.json", "policy.json"} <= archive.names
    exported = next(p for p in archive.json("posts.json") if p["id"] == shown.pk)
    media_file = exported["media"][0]["file"]
    assert media_file in archive.names
    assert archive.zip.read(media_file)[:2] == b"\xff\xd8", "the image itself, a JPEG"
    assert not Path(settings.MEDIA_ROOT).joinpath("t_acme", "exports").exists()
    stored = Export.objects.get(pk=body["id"]).file
    assert (exports_root / stored).is_file() and not (Path(settings.MEDIA_ROOT) / stored).exists()
