"""Reports: Mastodon's POST /api/v1/reports, the admin queue, removing a post, suspending someone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from audit.models import AuditEntry
from directory.models import Employee
from moderation.models import Report
from posts.models import Post
from posts.services import post_create
from tests.api.admin.conftest import ADMIN_SCOPES
from tests.api.conftest import Api, People

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(people: People) -> Employee:
    return Employee.objects.get(email="admin@acme.example")


def _report(api: Api, account: Employee, status_ids: list[str], **extra: str) -> object:
    return api.post(
        "/api/v1/reports", {"account_id": str(account.pk), "status_ids": status_ids, **extra}, json=True
    )


def test_employee_reports_a_post_and_admin_removes_it(
    api_as: Callable[..., Api], people: People, admin: Employee
) -> None:
    post = post_create(author=people.lee, text="부적절한 글")
    response = _report(
        api_as(people.kim), people.lee, [str(post.pk)], comment="불쾌합니다", category="violation"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status_ids"] == [str(post.pk)] and body["target_account"]["id"] == str(people.lee.pk)
    assert body["category"] == "violation" and body["action_taken"] is False

    admin_api = api_as(admin, ADMIN_SCOPES)
    queue = admin_api.get("/api/bt/v1/admin/reports").json()
    assert [r["id"] for r in queue] == [body["id"]]
    assert queue[0]["statuses"][0]["text"] == "부적절한 글" and queue[0]["comment"] == "불쾌합니다"

    removed = admin_api.post(
        f"/api/bt/v1/admin/reports/{body['id']}/remove_post", {"status_id": str(post.pk)}, json=True
    )
    assert removed.status_code == 200 and removed.json()["action_taken"] is True
    assert not Post.objects.filter(pk=post.pk).exists()
    assert api_as(people.kim).get(f"/api/v1/statuses/{post.pk}").status_code == 404
    entry = AuditEntry.objects.get(action="post.remove")
    assert entry.before["text"] == "부적절한 글" and entry.actor_id == admin.pk
    assert admin_api.get("/api/bt/v1/admin/reports").json() == []


def test_suspend_from_a_report_deactivates_and_audits(
    api_as: Callable[..., Api], people: People, admin: Employee
) -> None:
    report_id = _report(api_as(people.kim), people.lee, []).json()["id"]
    lee_api = api_as(people.lee)
    response = api_as(admin, ADMIN_SCOPES).post(
        f"/api/bt/v1/admin/reports/{report_id}/suspend", {}, json=True
    )
    assert response.status_code == 200 and response.json()["target_account"]["active"] is False
    assert lee_api.get("/api/v1/timelines/public").status_code == 401
    assert AuditEntry.objects.filter(action="employee.suspend", target_id=str(people.lee.pk)).exists()


def test_reporting_a_post_one_cannot_see_is_404_and_saves_nothing(
    api_as: Callable[..., Api], people: People
) -> None:
    secret = post_create(author=people.choi, text="연구소만", audience="unit", unit_id=people.lab.pk)
    response = _report(api_as(people.kim), people.choi, [str(secret.pk)])
    assert response.status_code == 404
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("extra", "message"), [({"category": "rude"}, "Category"), ({"comment": "x" * 1001}, "too long")]
)
def test_bad_report_is_422(api_as: Callable[..., Api], people: People, extra: dict, message: str) -> None:
    response = _report(api_as(people.kim), people.lee, [], **extra)
    assert response.status_code == 422 and message in response.json()["error"]
    assert not Report.objects.exists()


def test_post_by_someone_else_cannot_be_attached(api_as: Callable[..., Api], people: People) -> None:
    other = post_create(author=people.choi, text="공개글")
    response = _report(api_as(people.kim), people.lee, [str(other.pk)])
    assert response.status_code == 422 and "not by the reported account" in response.json()["error"]


def test_report_needs_write_reports_scope(api_as: Callable[..., Api], people: People) -> None:
    assert _report(api_as(people.kim, "read"), people.lee, []).status_code == 403


def test_members_cannot_read_the_queue_or_act(api_as: Callable[..., Api], people: People) -> None:
    report_id = _report(api_as(people.kim), people.lee, []).json()["id"]
    member = api_as(people.kim, ADMIN_SCOPES)
    assert member.get("/api/bt/v1/admin/reports").status_code == 403
    assert member.post(f"/api/bt/v1/admin/reports/{report_id}/suspend", {}, json=True).status_code == 403
    assert Employee.objects.get(pk=people.lee.pk).is_active


def test_admin_cannot_remove_an_unreported_post_they_cannot_see(
    api_as: Callable[..., Api], people: People, admin: Employee
) -> None:
    reported = post_create(author=people.lee, text="신고된 글")
    hidden = post_create(author=people.choi, text="비밀", audience="unit", unit_id=people.lab.pk)
    report_id = _report(api_as(people.kim), people.lee, [str(reported.pk)]).json()["id"]
    response = api_as(admin, ADMIN_SCOPES).post(
        f"/api/bt/v1/admin/reports/{report_id}/remove_post", {"status_id": str(hidden.pk)}, json=True
    )
    assert response.status_code == 404
    assert Post.objects.filter(pk=hidden.pk).exists()
