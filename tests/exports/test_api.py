"""The tenant export over the admin API (API.md): who may start and download, one at a time, the export
window, and what the zip holds — posts only as the requester may see them (VISIBILITY.md).

The job runs here in-process through ``exports.services.export_run`` (the Celery task's whole body), so
the test transaction rolls everything back; test_worker.py runs the same through a real worker.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from audit.models import AuditEntry
from billing.models import BillingAccount
from billing.services import account_for
from directory.models import Employee
from exports.models import Export, ExportState
from exports.services import export_run
from posts.models import Audience
from posts.services import media_create, pin_add, post_create
from tenants.models import Tenant
from tests.exports.conftest import EXPORT, Api, People, Zip, download_body, photo_upload
from tests.factories import post

pytestmark = pytest.mark.django_db


def start_and_finish(api: Api) -> dict[str, Any]:
    started = api.post(EXPORT)
    assert started.status_code == 201, started.content
    assert export_run(export_id=int(started.json()["id"])) is True
    polled = api.get(started["Location"])
    assert polled.status_code == 200
    return polled.json()


def download(api: Api, body: dict[str, Any]) -> Zip:
    response = api.get(body["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return Zip(download_body(response))


def test_members_may_not_start_or_read_exports(api_as: Any, people: People) -> None:
    member = api_as(people.kim, "read write admin:read admin:write")
    refused = member.post(EXPORT)
    assert refused.status_code == 403 and "administrator" in refused.json()["error"]
    assert member.get(EXPORT).status_code == 403
    assert not Export.objects.exists()


def test_admin_export_starts_polls_and_downloads_a_zip_with_json_and_media(
    admin_api: Api, admin: Employee, people: People
) -> None:
    photo = media_create(owner=people.kim, upload=photo_upload(), description="whiteboard")
    shown = post_create(author=people.kim, text="회의록 공유합니다 #weekly", media_ids=[photo.pk])
    pin_add(post=shown, employee=people.kim)

    started = admin_api.post(EXPORT)
    assert started.status_code == 201
    queued = started.json()
    assert queued["state"] == "queued" and queued["scope"] == "as_viewer"
    assert "no extra reading rights" in queued["scope_note"] and queued["download_url"] is None
    assert admin_api.get(started["Location"]).json()["state"] == "queued"

    assert export_run(export_id=int(queued["id"])) is True
    ready = admin_api.get(started["Location"]).json()
    assert ready["state"] == "ready" and ready["size"] > 0 and ready["finished_at"]
    assert ready["counts"]["posts"] >= 1 and ready["download_url"]

    archive = download(admin_api, ready)
    expected = {
        "manifest.json",
        "tenant.json",
        "org_units.json",
        "ranks.json",
        "employees.json",
        "follows.json",
        "posts.json",
        "policy.json",
        "audit_log.json",
    }
    assert expected <= archive.names
    exported = {p["id"]: p for p in archive.json("posts.json")}[shown.pk]
    assert exported["hashtags"] == ["weekly"] and exported["media"][0]["description"] == "whiteboard"
    assert exported["media"][0]["file"] in archive.names, "the post's image is in the zip"
    assert exported["pinned"] is True
    people_rows = archive.json("employees.json")
    assert {"kim", "lee", "choi"} <= {e["username"] for e in people_rows}
    assert not any("password" in e or "last_login" in e for e in people_rows)
    assert archive.json("tenant.json")["slug"] == "acme"
    assert archive.json("manifest.json")["scope"] == "as_viewer"
    assert any(a["action"] == "export.start" for a in archive.json("audit_log.json"))

    for action in ("export.start", "export.download"):
        entry = AuditEntry.objects.get(action=action, target_id=queued["id"])
        assert entry.actor_id == admin.pk and entry.ip == "127.0.0.1"


def test_admin_export_leaves_out_a_direct_post_the_admin_cannot_see_and_compliance_gets_it(
    admin_api: Api, officer_api: Api, people: People
) -> None:
    post(people.kim, "점심 뭐 먹을까요", audience=Audience.COMPANY)
    post(people.kim, "연봉 협상 비밀 얘기", audience=Audience.DIRECT, mentions=[people.lee])

    as_admin = start_and_finish(admin_api)
    assert as_admin["scope"] == "as_viewer"
    texts = download(admin_api, as_admin).post_texts()
    assert "점심 뭐 먹을까요" in texts
    assert "연봉 협상 비밀 얘기" not in texts, "an admin's export leaked a direct post they cannot see"

    full = start_and_finish(officer_api)
    assert full["scope"] == "full" and "Every post" in full["scope_note"]
    assert {"점심 뭐 먹을까요", "연봉 협상 비밀 얘기"} <= download(officer_api, full).post_texts()

    # The full export never reaches an admin, and an admin's export is its requester's alone.
    seen_by_admin = admin_api.get(full["url"]).json()
    assert seen_by_admin["state"] == "ready" and seen_by_admin["download_url"] is None
    refused = admin_api.get(full["url"] + "/download")
    assert refused.status_code == 403 and "compliance" in refused.json()["error"]
    assert officer_api.get(as_admin["url"] + "/download").status_code == 403


def test_a_second_export_while_one_is_queued_is_409(admin_api: Api, officer_api: Api) -> None:
    first = admin_api.post(EXPORT)
    assert first.status_code == 201
    second = officer_api.post(EXPORT)
    assert second.status_code == 409
    assert "already queued" in second.json()["error"] and second.json()["active_id"] == first.json()["id"]
    assert Export.objects.count() == 1


def test_another_tenants_export_and_bad_ids_are_404(admin_api: Api, globex: Tenant) -> None:
    with tenant_context(globex):
        theirs = Export.objects.create(
            scope="as_viewer", requested_by=Employee.objects.get(email="admin@globex.example")
        )
    paths = [f"{EXPORT}/{theirs.pk}", f"{EXPORT}/{theirs.pk}/download", f"{EXPORT}/12345", f"{EXPORT}/abc"]
    for path in paths:
        response = admin_api.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "Record not found"}


def test_a_cancelled_workspace_exports_until_its_window_closes(admin_api: Api, acme: Tenant) -> None:
    account = account_for(acme)
    BillingAccount.objects.filter(pk=account.pk).update(
        status="cancelled", cancelled_at=timezone.now() - timedelta(days=5)
    )
    assert admin_api.post(EXPORT).status_code == 201

    Export.objects.update(state=ExportState.FAILED)
    BillingAccount.objects.filter(pk=account.pk).update(cancelled_at=timezone.now() - timedelta(days=40))
    refused = admin_api.post(EXPORT)
    assert refused.status_code == 403
    assert refused.json()["rule"] == "export_window" and "export window" in refused.json()["error"]
    assert Export.objects.count() == 1


def test_the_job_is_idempotent_and_a_crashed_run_is_run_again(admin_api: Api, admin: Employee) -> None:
    body = start_and_finish(admin_api)
    export = Export.objects.get(pk=body["id"])
    assert export_run(export_id=export.pk) is False, "a finished export was written again"
    export.refresh_from_db()
    assert export.attempts == 1 and export.state == ExportState.READY

    Export.objects.all().update(state=ExportState.FAILED)
    crashed = Export.objects.create(
        scope="as_viewer",
        requested_by=admin,
        state=ExportState.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now() - timedelta(minutes=30),
    )
    assert export_run(export_id=crashed.pk) is True
    crashed.refresh_from_db()
    assert crashed.state == ExportState.READY and crashed.attempts == 2

    Export.objects.all().update(state=ExportState.FAILED)
    alive = Export.objects.create(
        scope="as_viewer", requested_by=admin, state=ExportState.RUNNING, heartbeat_at=timezone.now()
    )
    assert export_run(export_id=alive.pk) is False, "a second delivery raced a live worker"


def test_a_requester_who_lost_the_role_gets_a_failed_export(admin_api: Api, admin: Employee) -> None:
    started = admin_api.post(EXPORT).json()
    Employee.objects.filter(pk=admin.pk).update(role="member")
    assert export_run(export_id=int(started["id"])) is True
    failed = Export.objects.get(pk=started["id"])
    assert failed.state == ExportState.FAILED and "no longer holds the role" in failed.error


def test_the_export_list_pages_without_a_query_per_export(admin_api: Api, officer: Employee) -> None:
    from tests.api.conftest import Queries

    for requester in (officer, Employee.objects.get(email="admin@acme.example"), officer):
        Export.objects.create(scope="as_viewer", requested_by=requester, state=ExportState.FAILED)
    admin_api.get(EXPORT)  # the first request of a token loads what later ones find cached
    with Queries() as few:
        one = admin_api.get(EXPORT, {"limit": 1})
    with Queries() as many:
        three = admin_api.get(EXPORT, {"limit": 3})
    assert len(one.json()) == 1 and len(three.json()) == 3 and 'rel="next"' in three["Link"]
    assert many.count == few.count
