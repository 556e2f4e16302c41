"""The console's Export page: start an export, see its state, download it when ready; the compliance
officer reaches this page (and only this one) and takes the full export."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from audit.models import AuditEntry
from directory.models import Employee, Role
from exports.models import Export
from exports.services import export_run
from posts.models import Audience
from tests.api.conftest import People
from tests.conftest import ACME_HOST
from tests.exports.conftest import download_body, exports_root  # noqa: F401 (fixture)
from tests.factories import employee, post

pytestmark = pytest.mark.django_db

PAGE = "/admin-console/export/"


def _client(who: Employee) -> Client:
    # English pages, so the assertions below read the product's own words whatever the catalogue holds.
    Employee.objects.filter(pk=who.pk).update(locale="en")
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(who)
    return client


def test_admin_starts_an_export_sees_it_ready_and_downloads_it(people: People) -> None:
    admin = Employee.objects.get(email="admin@acme.example")
    post(people.kim, "모두에게 공지", audience=Audience.COMPANY)
    client = _client(admin)

    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="export-start"' in html and "no extra reading rights" in html
    assert 'href="/admin-console/export/"' in html and 'aria-current="page"' in html

    started = client.post(PAGE, follow=True)
    assert started.status_code == 200 and "Export started" in started.content.decode()
    export = Export.objects.get()
    assert 'data-state="queued"' in started.content.decode()
    assert 'hx-trigger="every 5s"' in started.content.decode(), "the list refreshes while it runs"
    assert AuditEntry.objects.filter(action="export.start", actor_id=admin.pk).exists()

    busy = client.post(PAGE)
    assert busy.status_code == 409 and "already running" in busy.content.decode()
    assert Export.objects.count() == 1

    export_run(export_id=export.pk)
    ready = client.get(PAGE).content.decode()
    assert 'data-state="ready"' in ready and f"/admin-console/export/{export.pk}/download/" in ready

    response = client.get(f"/admin-console/export/{export.pk}/download/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(download_body(response))).namelist()
    assert "posts.json" in names and "employees.json" in names
    assert AuditEntry.objects.filter(action="export.download", target_id=str(export.pk)).exists()


def test_members_get_403_and_compliance_sees_only_the_export_page(people: People) -> None:
    assert _client(people.kim).get(PAGE).status_code == 403
    officer = employee("auditor", role=Role.COMPLIANCE)
    page = _client(officer).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "every post of the workspace" in html
    assert "/admin-console/employees/" not in html, "nav shows pages the officer cannot open"
    assert _client(officer).get("/admin-console/employees/").status_code == 403


def test_someone_elses_export_cannot_be_downloaded_from_the_console(people: People) -> None:
    admin = Employee.objects.get(email="admin@acme.example")
    officer = employee("auditor2", role=Role.COMPLIANCE)
    _client(officer).post(PAGE)
    full = Export.objects.get()
    export_run(export_id=full.pk)
    page = _client(admin).get(PAGE).content.decode()
    assert 'data-state="ready"' in page and "/download/" not in page
    assert _client(admin).get(f"/admin-console/export/{full.pk}/download/").status_code == 404
