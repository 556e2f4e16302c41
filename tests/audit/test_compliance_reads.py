"""Every read by a compliance officer leaves an audit entry with the path, the IP and, for one post,
the post (audit.middleware); nobody else's reads do; the entries cannot be changed afterwards."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from audit.models import AuditEntry, AuditLogIsAppendOnly
from directory.models import Employee, Role
from posts.models import Audience
from tests.api.conftest import Api, People, api_as, make_token, oauth_app, people  # noqa: F401
from tests.conftest import ACME_HOST
from tests.factories import employee, post

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


@pytest.fixture
def officer(people: People) -> Employee:  # noqa: F811
    return employee("officer", unit=people.lab, rank=2, role=Role.COMPLIANCE)


def reads(who: Employee) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="compliance.read", actor_id=who.pk).order_by("id"))


def test_compliance_api_reads_of_timeline_post_and_search_are_audited_with_ip(
    api_as: Callable[..., Api],  # noqa: F811
    officer: Employee,
    people: People,  # noqa: F811
) -> None:
    secret = post(people.kim, "인사 평가 결과 #평가", audience=Audience.DIRECT, mentions=[people.lee])
    api = api_as(officer)

    assert api.get("/api/v1/timelines/home", X_FORWARDED_FOR=IP).status_code == 200
    assert api.get(f"/api/v1/statuses/{secret.pk}", X_FORWARDED_FOR=IP).status_code == 200
    assert api.get("/api/v2/search", {"q": "평가"}, X_FORWARDED_FOR=IP).status_code == 200

    home, one, search = reads(officer)
    assert (home.target_type, home.target_label, home.ip) == ("path", "/api/v1/timelines/home", IP)
    assert (one.target_type, one.target_id, one.ip) == ("post", str(secret.pk), IP)
    assert search.target_label.startswith("/api/v2/search?q=") and search.ip == IP
    assert home.actor_name.endswith("(@officer)")


def test_compliance_web_pages_are_audited_and_a_post_page_names_the_post(
    officer: Employee,
    people: People,  # noqa: F811
) -> None:
    shown = post(people.kim, "분기 실적 공유", audience=Audience.UNIT, unit=people.sales)
    web = Client(HTTP_HOST=ACME_HOST, HTTP_X_FORWARDED_FOR=IP)
    web.force_login(officer)

    assert web.get("/").status_code == 200
    assert web.get(f"/@kim/{shown.pk}").status_code == 200
    assert web.get("/search/", {"q": "실적"}).status_code == 200
    assert web.get("/static/frontend/app.css").status_code in (200, 404)
    assert web.get("/notifications/badge").status_code == 200
    assert web.get("/messages/badge").status_code == 200

    home, page, search = reads(officer)
    assert (home.target_label, home.ip) == ("/", IP)
    assert (page.target_type, page.target_id) == ("post", str(shown.pk))
    assert page.target_label == f"/@kim/{shown.pk}"
    assert search.target_label == "/search/?q=%EC%8B%A4%EC%A0%81" and search.ip == IP


def test_reads_by_members_and_admins_and_failed_reads_leave_no_entry(
    api_as: Callable[..., Api],  # noqa: F811
    officer: Employee,
    people: People,  # noqa: F811
) -> None:
    hidden = post(people.kim, "비공개", audience=Audience.DIRECT, mentions=[people.lee])
    before = AuditEntry.objects.count()
    member = api_as(people.choi)
    assert member.get("/api/v1/timelines/home").status_code == 200
    assert member.get(f"/api/v1/statuses/{hidden.pk}").status_code == 404
    web = Client(HTTP_HOST=ACME_HOST)
    web.force_login(Employee.objects.get(email="admin@acme.example"))
    assert web.get("/").status_code == 200
    # A compliance officer's request that found nothing read nothing.
    assert api_as(officer).get("/api/v1/statuses/1").status_code == 404
    assert AuditEntry.objects.count() == before


def test_compliance_read_entries_are_append_only(api_as: Callable[..., Api], officer: Employee) -> None:  # noqa: F811
    api_as(officer).get("/api/v1/timelines/public")
    (entry,) = reads(officer)
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditentry SET ip = NULL WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.ip == "127.0.0.1"
