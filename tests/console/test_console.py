"""The admin console over HTTP: admin-only, CSRF-protected, every write audited; CSV import; view as."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from directory.models import CompanySettings, ContactRule, Employee, OrgUnit, Rank
from posts.services import post_create
from tests.api.conftest import People
from tests.conftest import ACME_HOST

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin-console/",
    "/admin-console/org/",
    "/admin-console/ranks/",
    "/admin-console/employees/",
    "/admin-console/employees/new/",
    "/admin-console/import/",
    "/admin-console/policy/",
    "/admin-console/announcements/",
    "/admin-console/announcements/new/",
    "/admin-console/moderation/",
    "/admin-console/audit/",
    "/admin-console/settings/",
    "/admin-console/view-as/",
]


def _client(employee: Employee, *, csrf: bool = False) -> Client:
    client = Client(HTTP_HOST=ACME_HOST, enforce_csrf_checks=csrf)
    client.force_login(employee)
    return client


@pytest.fixture
def admin(people: People) -> Employee:
    return Employee.objects.get(email="admin@acme.example")


@pytest.fixture
def console(admin: Employee) -> Client:
    return _client(admin)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_admins(console: Client, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 200, path


KOREAN_HEADINGS = {
    "/admin-console/": "관리 콘솔",
    "/admin-console/org/": "조직도",
    "/admin-console/ranks/": "직급",
    "/admin-console/employees/": "직원",
    "/admin-console/employees/new/": "직원 추가",
    "/admin-console/import/": "인사 정보 가져오기",
    "/admin-console/policy/": "정책",
    "/admin-console/announcements/": "공지",
    "/admin-console/announcements/new/": "새 공지",
    "/admin-console/moderation/": "신고 관리",
    "/admin-console/audit/": "감사 로그",
    "/admin-console/settings/": "회사 설정",
    "/admin-console/view-as/": "직원 시점으로 보기",
}
KOREAN_NAV = [
    "개요",
    "조직도",
    "직급",
    "직원",
    "인사 정보 가져오기",
    "정책",
    "신고 관리",
    "감사 로그",
    "공지",
]
ENGLISH_NAV = [
    ">Overview<",
    ">Organisation<",
    ">Ranks<",
    ">Employees<",
    ">Policy<",
    ">Announcements<",
    ">Moderation<",
    ">Audit log<",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_speaks_korean_to_a_korean_admin(console: Client, path: str) -> None:
    page = console.get(path).content.decode()
    assert f"<h1>{KOREAN_HEADINGS[path]}</h1>" in page, path
    assert all(f">{label}</a>" in page for label in KOREAN_NAV), path
    assert not [english for english in ENGLISH_NAV if english in page], path


def test_console_form_labels_and_messages_are_korean(console: Client, people: People) -> None:
    policy = console.get("/admin-console/policy/").content.decode()
    assert "연락 규칙" in policy and "정보 차단벽" in policy and "정책 저장" in policy
    response = console.post(
        "/admin-console/org/", {"name": "인사팀", "parent_id": people.root.pk}, follow=True
    )
    assert "조직을 추가했습니다." in response.content.decode()
    unknown = console.get("/admin-console/view-as/", {"employee": "nobody"}).content.decode()
    assert "nobody 직원을 찾을 수 없습니다." in unknown


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_403_for_members(people: People, path: str) -> None:
    assert _client(people.kim).get(path).status_code == 403
    assert _client(people.kim).post(path, {}).status_code == 403


def test_anonymous_is_sent_to_sign_in(acme_client: Client) -> None:
    response = acme_client.get("/admin-console/org/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_posts_without_csrf_token_are_refused(admin: Employee, people: People) -> None:
    client = _client(admin, csrf=True)
    response = client.post("/admin-console/org/", {"name": "CSRF팀", "parent_id": people.root.pk})
    assert response.status_code == 403
    assert not OrgUnit.objects.filter(name="CSRF팀").exists()


# -- org tree, ranks, employees, settings, policy ------------------------------------------------


def test_org_tree_add_rename_move_delete(console: Client, people: People) -> None:
    assert (
        console.post("/admin-console/org/", {"name": "기획팀", "parent_id": people.root.pk}).status_code
        == 302
    )
    unit = OrgUnit.objects.get(name="기획팀")
    console.post(f"/admin-console/org/{unit.pk}/", {"name": "전략기획팀", "parent_id": people.sales.pk})
    unit.refresh_from_db()
    assert unit.name == "전략기획팀" and unit.path.startswith(people.sales.path)
    page = console.get("/admin-console/org/").content.decode()
    assert "전략기획팀" in page
    console.post(f"/admin-console/org/{unit.pk}/", {"delete": "1"})
    assert not OrgUnit.objects.filter(pk=unit.pk).exists()
    actions = list(AuditEntry.objects.filter(target_id=str(unit.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["org_unit.create", "org_unit.delete", "org_unit.update"]


def test_deleting_a_unit_with_members_shows_why(console: Client, people: People) -> None:
    response = console.post(f"/admin-console/org/{people.sales.pk}/", {"delete": "1"}, follow=True)
    assert "구성원" in response.content.decode()  # "… still has 2 member(s) …", in the admin's Korean
    assert OrgUnit.objects.filter(pk=people.sales.pk).exists()


def test_duplicate_unit_name_is_a_form_error(console: Client, people: People) -> None:
    response = console.post("/admin-console/org/", {"name": "영업팀", "parent_id": people.root.pk})
    assert response.status_code == 422 and "이미 영업팀 조직이 있습니다" in response.content.decode()


def test_ranks_editor_renames_and_adds(console: Client) -> None:
    ladder = list(Rank.objects.order_by("level"))
    response = console.post(
        "/admin-console/ranks/",
        {"level": [str(r.level) for r in ladder] + ["10"], "name": [r.name for r in ladder] + ["회장"]},
    )
    assert response.status_code == 302
    assert Rank.objects.get(level=10).name == "회장"


def test_employee_edit_deactivate_reactivate(console: Client, people: People) -> None:
    page = console.get(f"/admin-console/employees/{people.kim.pk}/")
    assert "김철수" in page.content.decode()
    response = console.post(
        f"/admin-console/employees/{people.kim.pk}/",
        {
            "email": "kim@acme.example",
            "username": "kim",
            "family_name": "김",
            "given_name": "철수",
            "unit_id": people.lab.pk,
            "rank_level": 2,
            "role": "member",
        },
    )
    assert response.status_code == 302
    kim = Employee.objects.get(pk=people.kim.pk)
    assert (kim.unit_id, kim.rank_level, kim.display_name) == (people.lab.pk, 2, "김철수 대리")
    console.post(f"/admin-console/employees/{kim.pk}/active/", {"active": "0"})
    assert not Employee.objects.get(pk=kim.pk).is_active
    console.post(f"/admin-console/employees/{kim.pk}/active/", {"active": "1"})
    assert Employee.objects.get(pk=kim.pk).is_active
    actions = set(AuditEntry.objects.filter(target_id=str(kim.pk)).values_list("action", flat=True))
    assert {"employee.update", "employee.suspend"} <= actions


def test_employee_form_error_keeps_input_and_saves_nothing(console: Client, people: People) -> None:
    response = console.post(
        "/admin-console/employees/new/",
        {"email": "lee@acme.example", "unit_id": people.root.pk, "rank_level": 1, "role": "member"},
    )
    assert response.status_code == 422 and "이미 다른 직원이 사용하고 있습니다" in response.content.decode()
    assert Employee.objects.filter(email__iexact="lee@acme.example").count() == 1


def test_settings_page_saves_and_rejects_bad_template(console: Client) -> None:
    good = {
        "company_name": "에이크미",
        "locale": "ko",
        "time_zone": "Asia/Seoul",
        "post_max_chars": "1000",
        "default_audience": "unit",
        "display_name_template": "{full} {rank}",
        "follow_own_unit_on_join": "1",
    }
    assert console.post("/admin-console/settings/", good).status_code == 302
    s = CompanySettings.objects.get()
    assert (s.post_max_chars, s.default_audience) == (1000, "unit")
    bad = console.post("/admin-console/settings/", {**good, "display_name_template": "{salary}"})
    assert bad.status_code == 422 and "{full}" in bad.content.decode()
    assert CompanySettings.objects.get().display_name_template == "{full} {rank}"
    assert AuditEntry.objects.filter(action="settings.update").count() == 1


def test_settings_page_sets_the_company_time_zone_and_refuses_an_unknown_one(console: Client) -> None:
    page = console.get("/admin-console/settings/").content.decode()
    assert '<option value="Asia/Seoul" selected>(UTC+09:00) Asia/Seoul</option>' in page
    assert '<option value="America/New_York">' in page

    form = {
        "company_name": "에이크미",
        "locale": "ko",
        "time_zone": "Europe/London",
        "post_max_chars": "500",
        "default_audience": "company",
        "display_name_template": "{full} {rank}",
        "follow_own_unit_on_join": "1",
    }
    assert console.post("/admin-console/settings/", form).status_code == 302
    assert CompanySettings.objects.get().time_zone == "Europe/London"
    assert (
        '<option value="Europe/London" selected>' in console.get("/admin-console/settings/").content.decode()
    )

    bad = console.post(
        "/admin-console/settings/", {**form, "time_zone": "Mars/Olympus", "post_max_chars": "900"}
    )
    assert bad.status_code == 422 and "Mars/Olympus" in bad.content.decode()
    assert "알 수 없는 시간대" in bad.content.decode()
    assert (CompanySettings.objects.get().time_zone, CompanySettings.objects.get().post_max_chars) == (
        "Europe/London",
        500,
    )


def test_policy_editor_saves_rules_and_barriers(console: Client, people: People) -> None:
    response = console.post(
        "/admin-console/policy/",
        {
            "default_audience": "company",
            "company_post_min_rank": "2",
            "target_min_rank": ["7", ""],
            "sender_min_rank": ["5", ""],
            "barrier_count": "0",
            "barrier-0-a": [str(people.sales.pk)],
            "barrier-0-b": [str(people.lab.pk)],
        },
    )
    assert response.status_code == 302
    assert list(ContactRule.objects.values_list("target_min_rank", "sender_min_rank")) == [(7, 5)]
    page = console.get("/admin-console/policy/").content.decode()
    assert f'value="{people.lab.pk}" selected' in page
    assert AuditEntry.objects.filter(action="policy.update").exists()


# -- CSV import ------------------------------------------------------------------------------------

GOOD = (
    "email,name,unit,rank,title\n"
    "park@acme.example,박지민,영업팀,대리,\n"
    "jung@acme.example,Jane Jung,연구소,3,연구원\n"
)


def _upload(console: Client, text: str | bytes, name: str = "directory.csv") -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = text.encode() if isinstance(text, str) else text
    return console.post("/admin-console/import/", {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_good_file_previews_then_imports_everything(console: Client, people: People) -> None:
    preview = _upload(console, GOOD)
    body = preview.content.decode()
    assert preview.status_code == 200 and "2개 행이 모두 올바릅니다." in body  # acme is Korean
    assert not Employee.objects.filter(email="park@acme.example").exists()  # a preview writes nothing
    done = console.post("/admin-console/import/", {"confirm": "1", "content": GOOD})
    assert done.status_code == 302
    park = Employee.objects.get(email="park@acme.example")
    jung = Employee.objects.get(email="jung@acme.example")
    assert (park.unit_id, park.rank_level, park.display_name) == (people.sales.pk, 2, "박지민 대리")
    assert (jung.unit_id, jung.rank_level, jung.title) == (people.lab.pk, 3, "연구원")
    assert AuditEntry.objects.filter(action="employee.create").count() == 2
    assert AuditEntry.objects.get(action="directory.import").after["created"] == 2


def test_existing_email_updates_that_employee(console: Client, people: People) -> None:
    text = "email,unit,rank\nkim@acme.example,연구소,2\n"
    assert "update" in _upload(console, text).content.decode()
    console.post("/admin-console/import/", {"confirm": "1", "content": text})
    kim = Employee.objects.get(pk=people.kim.pk)
    assert (kim.unit_id, kim.rank_level) == (people.lab.pk, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "email,unit,rank\nok1@acme.example,영업팀,1\nbad@acme.example,없는팀,1\n",
            "알 수 없는 조직 “없는팀”",
        ),
        (
            "email,unit,rank\nok1@acme.example,영업팀,1\nok2@acme.example,영업팀,상무이사\n",
            "알 수 없는 직급 “상무이사”",
        ),
        ("email,unit,rank\nok1@acme.example,영업팀,1\nOK1@acme.example,연구소,1\n", "중복된 이메일"),
        (
            "email,unit,rank\nok1@acme.example,영업팀,1\nnot-an-email,영업팀,1\n",
            "올바른 이메일 주소가 아닙니다",
        ),
        ("email,unit,rank\nok1@acme.example,영업팀,1\nok2@acme.example,영업팀,42\n", "알 수 없는 직급 “42”"),
    ],
)
def test_a_bad_row_is_reported_per_row_and_nothing_is_saved(
    console: Client, people: People, text: str, message: str
) -> None:
    before = Employee.objects.count()
    preview = _upload(console, text)
    body = preview.content.decode()
    assert preview.status_code == 422 and message in body
    assert "row-ok" in body and "row-error" in body  # the good row is shown as fine, the bad one named
    # Even a forced confirm of the same file writes nothing.
    forced = console.post("/admin-console/import/", {"confirm": "1", "content": text})
    assert forced.status_code == 422
    assert Employee.objects.count() == before
    assert not AuditEntry.objects.filter(action__startswith="employee.").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "CSV 텍스트 파일이 아닙니다"),
        (b"name,title\nx,y\n", "없는 열: email, unit, rank"),
        (b"", "파일이 비어 있습니다"),
        (b'email,unit,rank\n"unterminated,x,1\n', "올바른 CSV 파일이 아닙니다"),
        (b"email,unit,rank,salary\na@acme.example,x,1,9\n", "알 수 없는 열: salary"),
    ],
)
def test_malformed_file_is_a_clear_error(console: Client, people: People, data: bytes, message: str) -> None:
    response = _upload(console, data)
    assert response.status_code == 422 and message in response.content.decode()


def test_an_admin_who_reads_english_gets_the_import_errors_in_english(
    admin: Employee, people: People
) -> None:
    admin.locale = "en"
    admin.save(update_fields=["locale"])
    client = _client(admin)
    preview = _upload(client, "email,unit,rank\nbad@acme.example,없는팀,1\n")
    assert preview.status_code == 422 and "Unknown unit “없는팀”" in preview.content.decode()


def test_cp949_file_from_excel_is_read(console: Client, people: People) -> None:
    text = "email,name,unit,rank\nhan@acme.example,한가인,영업팀,사원\n"
    assert _upload(console, text.encode("cp949")).status_code == 200


# -- view as ---------------------------------------------------------------------------------------


def test_view_as_shows_what_the_employee_sees_and_is_audited(
    console: Client, people: People, admin: Employee
) -> None:
    lab_only = post_create(
        author=people.choi, text="연구소 내부 공지", audience="unit", unit_id=people.lab.pk
    )
    public = post_create(author=people.choi, text="전사 공지")
    as_kim = console.get("/admin-console/view-as/", {"employee": "kim", "what": "company"}).content.decode()
    assert "전사 공지" in as_kim and "연구소 내부 공지" not in as_kim
    as_choi = console.get("/admin-console/view-as/", {"employee": "choi", "what": "profile", "ref": "choi"})
    assert "연구소 내부 공지" in as_choi.content.decode()
    post_as_kim = console.get(
        "/admin-console/view-as/", {"employee": "kim", "what": "post", "ref": lab_only.pk}
    )
    assert (
        "cannot see this post" in post_as_kim.content.decode() or "볼 수 없" in post_as_kim.content.decode()
    )
    assert "연구소 내부 공지" not in post_as_kim.content.decode()
    post_as_choi = console.get(
        "/admin-console/view-as/", {"employee": "choi", "what": "post", "ref": public.pk}
    )
    assert "전사 공지" in post_as_choi.content.decode()
    looks = AuditEntry.objects.filter(action__startswith="view_as.", actor_id=admin.pk)
    assert looks.count() == 4
    assert {e.after["as"] for e in looks} == {str(people.kim.pk), str(people.choi.pk)}


def test_view_as_follows_a_policy_change_immediately(console: Client, people: People) -> None:
    post_create(author=people.choi, text="연구소장 메시지")
    assert "연구소장 메시지" in console.get("/admin-console/view-as/", {"employee": "kim"}).content.decode()
    console.post(
        "/admin-console/policy/",
        {
            "default_audience": "company",
            "barrier_count": "0",
            "barrier-0-a": [str(people.sales.pk)],
            "barrier-0-b": [str(people.lab.pk)],
        },
    )
    assert (
        "연구소장 메시지" not in console.get("/admin-console/view-as/", {"employee": "kim"}).content.decode()
    )


def test_view_as_unknown_employee_is_a_form_error(console: Client) -> None:
    response = console.get("/admin-console/view-as/", {"employee": "nobody"})
    assert response.status_code == 422


# -- moderation page -------------------------------------------------------------------------------


def test_moderation_queue_remove_post_and_suspend(console: Client, people: People) -> None:
    from moderation.services import report_create

    post = post_create(author=people.lee, text="신고 대상 글")
    report = report_create(reporter=people.kim, account=people.lee, post_ids=[post.pk], comment="스팸")
    page = console.get("/admin-console/moderation/").content.decode()
    assert "신고 대상 글" in page and "스팸" in page
    console.post(f"/admin-console/moderation/{report.pk}/", {"action": "remove_post", "status_id": post.pk})
    from posts.models import Post

    assert not Post.objects.filter(pk=post.pk).exists()
    report2 = report_create(reporter=people.kim, account=people.lee)
    console.post(f"/admin-console/moderation/{report2.pk}/", {"action": "suspend"})
    assert not Employee.objects.get(pk=people.lee.pk).is_active


def test_audit_page_filters(console: Client, people: People) -> None:
    console.post("/admin-console/org/", {"name": "감사팀", "parent_id": people.root.pk})
    console.post("/admin-console/ranks/", {"level": ["1"], "name": ["x"]})  # refused: levels still held
    page = console.get("/admin-console/audit/", {"action": "org_unit.create"}).content.decode()
    assert "감사팀" in page
    assert "감사팀" not in console.get("/admin-console/audit/", {"action": "employee."}).content.decode()
