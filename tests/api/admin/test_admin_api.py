"""The tenant administration API (API.md) over HTTP: admins only, admin:* scopes, 201/422, audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from audit.models import AuditEntry
from directory.models import CompanySettings, Employee, OrgUnit, Rank, Role
from tests.api.conftest import Api, People, Queries

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/bt/v1/org/units"),
    ("post", "/api/bt/v1/org/units"),
    ("get", "/api/bt/v1/org/ranks"),
    ("put", "/api/bt/v1/org/ranks"),
    ("get", "/api/bt/v1/admin/employees"),
    ("post", "/api/bt/v1/admin/employees"),
    ("get", "/api/bt/v1/admin/policy"),
    ("put", "/api/bt/v1/admin/policy"),
    ("get", "/api/bt/v1/admin/audit"),
    ("get", "/api/bt/v1/admin/reports"),
]


def _call(api: Api, method: str, path: str, data: object = None) -> object:
    if method == "post":
        return api.post(path, data or {}, json=True)
    return getattr(api, method)(path, data) if method != "get" else api.get(path)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_members_get_403_even_with_admin_scopes(member_api: Api, method: str, path: str) -> None:
    response = _call(member_api, method, path)
    assert response.status_code == 403
    assert "administrator" in response.json()["error"]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_admin_without_admin_scope_gets_403(
    api_as: Callable[..., Api], admin_employee: Employee, method: str, path: str
) -> None:
    api = api_as(admin_employee, "read write follow")
    assert _call(api, method, path).status_code == 403


def test_admin_read_scope_cannot_write(api_as: Callable[..., Api], admin_employee: Employee) -> None:
    api = api_as(admin_employee, "admin:read")
    assert api.get("/api/bt/v1/org/units").status_code == 200
    assert api.post("/api/bt/v1/org/units", {"name": "X"}, json=True).status_code == 403


def test_anonymous_gets_401(acme_client) -> None:  # type: ignore[no-untyped-def]
    assert acme_client.get("/api/bt/v1/admin/employees").status_code == 401


# -- org units -------------------------------------------------------------------------------------


def test_unit_create_list_get_rename(admin_api: Api, people: People, admin_employee: Employee) -> None:
    response = admin_api.post(
        "/api/bt/v1/org/units", {"name": "영업2팀", "parent_id": str(people.sales.pk)}, json=True
    )
    assert response.status_code == 201
    unit = response.json()
    assert unit["name"] == "영업2팀" and unit["parent_id"] == str(people.sales.pk)

    listed = admin_api.get("/api/bt/v1/org/units").json()
    assert {u["id"] for u in listed} >= {str(people.root.pk), unit["id"]}
    assert admin_api.get(f"/api/bt/v1/org/units/{unit['id']}").json()["name"] == "영업2팀"

    renamed = admin_api.patch(f"/api/bt/v1/org/units/{unit['id']}", {"name": "해외영업팀"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "해외영업팀"
    entry = AuditEntry.objects.filter(action="org_unit.update", target_id=unit["id"]).get()
    assert entry.before["name"] == "영업2팀" and entry.after["name"] == "해외영업팀"
    assert entry.actor_id == admin_employee.pk and entry.ip == "127.0.0.1"
    assert AuditEntry.objects.filter(action="org_unit.create", target_id=unit["id"]).exists()


def test_unit_without_parent_goes_below_the_company(admin_api: Api, people: People) -> None:
    response = admin_api.post("/api/bt/v1/org/units", {"name": "총무팀"}, json=True)
    assert response.status_code == 201 and response.json()["parent_id"] == str(people.root.pk)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": ""}, "blank"),
        ({"name": "X", "parent_id": "999999"}, "does not exist"),
        ({"name": "영업팀"}, "already"),
    ],
)
def test_unit_create_bad_input_is_422(admin_api: Api, people: People, body: dict, message: str) -> None:
    before = OrgUnit.objects.count()
    response = admin_api.post("/api/bt/v1/org/units", body, json=True)
    assert response.status_code == 422 and message in response.json()["error"]
    assert OrgUnit.objects.count() == before


def test_api_errors_follow_accept_language_and_are_english_without_it(admin_api: Api, people: People) -> None:
    """Programs get the language they ask for; with no Accept-Language, English, not the company's
    Korean UI default."""
    body = {"name": "영업팀"}
    plain = admin_api.post("/api/bt/v1/org/units", body, json=True)
    korean = admin_api.post("/api/bt/v1/org/units", body, json=True, **{"Accept-Language": "ko"})
    assert plain.status_code == korean.status_code == 422
    assert "already has a unit named 영업팀" in plain.json()["error"]
    assert "이미 영업팀 조직이 있습니다" in korean.json()["error"]


def test_moving_a_unit_repaths_its_subtree(admin_api: Api, people: People) -> None:
    team = admin_api.post(
        "/api/bt/v1/org/units", {"name": "1팀", "parent_id": str(people.sales.pk)}, json=True
    ).json()
    part = admin_api.post(
        "/api/bt/v1/org/units", {"name": "1파트", "parent_id": team["id"]}, json=True
    ).json()
    moved = admin_api.patch(f"/api/bt/v1/org/units/{team['id']}", {"parent_id": str(people.lab.pk)})
    assert moved.status_code == 200
    assert OrgUnit.objects.get(pk=team["id"]).path == f"{people.lab.path}{team['id']}/"
    assert OrgUnit.objects.get(pk=part["id"]).path == f"{people.lab.path}{team['id']}/{part['id']}/"
    # Into its own subtree: refused, nothing moves.
    cycle = admin_api.patch(f"/api/bt/v1/org/units/{team['id']}", {"parent_id": part["id"]})
    assert cycle.status_code == 422 and "own sub-units" in cycle.json()["error"]
    assert OrgUnit.objects.get(pk=part["id"]).path.startswith(people.lab.path)


def test_root_cannot_move_or_be_deleted(admin_api: Api, people: People) -> None:
    assert (
        admin_api.patch(
            f"/api/bt/v1/org/units/{people.root.pk}", {"parent_id": str(people.lab.pk)}
        ).status_code
        == 422
    )
    assert admin_api.delete(f"/api/bt/v1/org/units/{people.root.pk}").status_code == 422


def test_deleting_a_unit_with_members_or_children_is_422(admin_api: Api, people: People) -> None:
    response = admin_api.delete(f"/api/bt/v1/org/units/{people.sales.pk}")
    assert response.status_code == 422 and "member" in response.json()["error"]
    child = admin_api.post(
        "/api/bt/v1/org/units", {"name": "빈팀", "parent_id": str(people.lab.pk)}, json=True
    ).json()
    Employee.objects.filter(unit=people.lab).update(unit=people.root)
    response = admin_api.delete(f"/api/bt/v1/org/units/{people.lab.pk}")
    assert response.status_code == 422 and "sub-units" in response.json()["error"]
    assert admin_api.delete(f"/api/bt/v1/org/units/{child['id']}").status_code == 200
    assert not OrgUnit.objects.filter(pk=child["id"]).exists()
    assert AuditEntry.objects.filter(action="org_unit.delete", target_id=child["id"]).exists()


def test_unknown_unit_is_404(admin_api: Api) -> None:
    assert admin_api.get("/api/bt/v1/org/units/424242").status_code == 404


# -- ranks -----------------------------------------------------------------------------------------


def test_ranks_replace_renames_and_is_audited(
    admin_api: Api, people: People, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    ladder = admin_api.get("/api/bt/v1/org/ranks").json()
    assert [r["level"] for r in ladder] == list(range(1, 10))
    ladder[2]["name"] = "책임"
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_api.put("/api/bt/v1/org/ranks", ladder)
    assert response.status_code == 200
    assert Rank.objects.get(level=3).name == "책임"
    assert callbacks, "display names are re-rendered after commit"
    from directory.services import display_names_refresh

    display_names_refresh()
    assert Employee.objects.get(pk=people.lee.pk).display_name == "이영희 책임"
    entry = AuditEntry.objects.get(action="ranks.replace")
    assert {"level": 3, "name": "과장"} in entry.before and {"level": 3, "name": "책임"} in entry.after


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([{"level": 1, "name": "사원"}], "still held"),
        ([{"level": "x", "name": "a"}], "whole number"),
        ([{"level": 1, "name": "a"}, {"level": 1, "name": "b"}], "twice"),
        ([{"level": 1, "name": ""}], "blank"),
        ({"level": 1}, "list"),
    ],
)
def test_bad_rank_ladder_is_422_and_nothing_changes(admin_api: Api, body: object, message: str) -> None:
    response = admin_api.put("/api/bt/v1/org/ranks", body)
    assert response.status_code == 422 and message in response.json()["error"]
    assert Rank.objects.count() == 9


# -- employees -------------------------------------------------------------------------------------


def test_employee_create_answers_201_with_account_id(admin_api: Api, people: People) -> None:
    response = admin_api.post(
        "/api/bt/v1/admin/employees",
        {
            "username": "park",
            "email": "park@acme.example",
            "display_name": "박지민",
            "unit_id": str(people.lab.pk),
            "rank_level": 2,
            "password": "a-long-password-42",
        },
        json=True,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["display_name"] == "박지민 대리" and body["unit_id"] == str(people.lab.pk)
    assert body["role"] == "member" and body["active"] is True and "password" not in body
    # The id is the Mastodon account id.
    account = admin_api.get(f"/api/v1/accounts/{body['id']}")
    assert account.status_code == 200 and account.json()["username"] == "park"
    created = Employee.objects.get(pk=body["id"])
    assert created.check_password("a-long-password-42")
    entry = AuditEntry.objects.get(action="employee.create", target_id=body["id"])
    assert entry.after["email"] == "park@acme.example" and "password" not in entry.after


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "kim@acme.example"}, "already used"),
        ({"email": "not-an-email"}, "valid email"),
        ({"email": "n@acme.example", "unit_id": "999"}, "does not exist"),
        ({"email": "n@acme.example", "rank_level": 42}, "Rank level 42"),
        ({"email": "n@acme.example", "role": "owner"}, "Role"),
        ({"email": "n@acme.example", "username": "kim"}, "taken"),
        ({"email": "n@acme.example", "password": "1"}, "8"),
        ({"email": "n@acme.example", "is_staff": True}, "Unknown field"),
    ],
)
def test_employee_create_bad_input_is_422(admin_api: Api, people: People, body: dict, message: str) -> None:
    before = Employee.objects.count()
    response = admin_api.post("/api/bt/v1/admin/employees", body, json=True)
    assert response.status_code == 422 and message in response.json()["error"], response.json()
    assert Employee.objects.count() == before


def test_employee_list_pages_with_link_and_filters(admin_api: Api, people: People) -> None:
    first = admin_api.get("/api/bt/v1/admin/employees", {"limit": 2})
    assert first.status_code == 200 and len(first.json()) == 2
    assert 'rel="next"' in first["Link"]
    next_url = first["Link"].split(";")[0].strip("<>")
    second = admin_api.get(next_url.split("acme.localhost", 1)[1])
    assert {e["id"] for e in second.json()}.isdisjoint({e["id"] for e in first.json()})
    in_sales = admin_api.get("/api/bt/v1/admin/employees", {"unit_id": people.sales.pk}).json()
    assert {e["username"] for e in in_sales} == {"kim", "lee"}
    assert [e["username"] for e in admin_api.get("/api/bt/v1/admin/employees", {"q": "choi"}).json()] == [
        "choi"
    ]


def test_employee_list_query_count_does_not_grow(admin_api: Api, people: People) -> None:
    with Queries() as few:
        admin_api.get("/api/bt/v1/admin/employees", {"limit": 2})
    with Queries() as many:
        admin_api.get("/api/bt/v1/admin/employees", {"limit": 40})
    assert many.count == few.count


def test_employee_patch_moves_promotes_and_audits(admin_api: Api, people: People) -> None:
    response = admin_api.patch(
        f"/api/bt/v1/admin/employees/{people.kim.pk}", {"unit_id": str(people.lab.pk), "rank_level": 3}
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "김철수 과장"
    kim = Employee.objects.get(pk=people.kim.pk)
    assert (kim.unit_id, kim.rank_level) == (people.lab.pk, 3)
    entry = AuditEntry.objects.get(action="employee.update", target_id=str(kim.pk))
    assert entry.before["unit_id"] == str(people.sales.pk) and entry.after["unit_id"] == str(people.lab.pk)
    assert entry.before["rank_level"] == 1 and entry.after["rank_level"] == 3


def test_deactivated_employee_token_stops_working(
    admin_api: Api, api_as: Callable[..., Api], people: People
) -> None:
    kim_api = api_as(people.kim)
    assert kim_api.get("/api/v1/accounts/verify_credentials").status_code == 200
    response = admin_api.patch(f"/api/bt/v1/admin/employees/{people.kim.pk}", {"active": False})
    assert response.status_code == 200 and response.json()["active"] is False
    assert kim_api.get("/api/v1/accounts/verify_credentials").status_code == 401
    assert admin_api.patch(f"/api/bt/v1/admin/employees/{people.kim.pk}", {"active": True}).json()["active"]


def test_last_admin_cannot_demote_themself(admin_api: Api, admin_employee: Employee) -> None:
    response = admin_api.patch(f"/api/bt/v1/admin/employees/{admin_employee.pk}", {"role": "member"})
    assert response.status_code == 422 and "last active administrator" in response.json()["error"]
    assert Employee.objects.get(pk=admin_employee.pk).role == Role.ADMIN


def test_password_is_write_only_and_not_in_the_log(admin_api: Api, people: People) -> None:
    response = admin_api.patch(
        f"/api/bt/v1/admin/employees/{people.kim.pk}", {"password": "new-password-123!"}
    )
    assert response.status_code == 200 and "password" not in response.json()
    assert Employee.objects.get(pk=people.kim.pk).check_password("new-password-123!")
    entry = AuditEntry.objects.get(action="employee.update", target_id=str(people.kim.pk))
    assert "new-password-123!" not in str(entry.after) and entry.after["password"] == "(changed)"


# -- mass assignment -------------------------------------------------------------------------------


def test_member_cannot_make_themself_admin_or_move_through_any_endpoint(
    member_api: Api, api_as: Callable[..., Api], people: People
) -> None:
    kim = people.kim
    assert member_api.patch(f"/api/bt/v1/admin/employees/{kim.pk}", {"role": "admin"}).status_code == 403
    member = api_as(kim, "read write follow")
    response = member.patch(
        "/api/v1/accounts/update_credentials",
        {
            "role": "admin",
            "unit_id": str(people.root.pk),
            "rank_level": 9,
            "bt": {"role": "admin"},
            "note": "hi",
        },
    )
    assert response.status_code == 200
    kim.refresh_from_db()
    assert (kim.role, kim.unit_id, kim.rank_level) == (Role.MEMBER, people.sales.pk, 1)
    assert kim.bio == "hi"
    assert member_api.put("/api/bt/v1/admin/policy", {"default_audience": "unit"}).status_code == 403
    assert CompanySettings.objects.get().default_audience == "company"


# -- policy ----------------------------------------------------------------------------------------


def test_policy_get_put_round_trip_and_audit(admin_api: Api, people: People) -> None:
    assert admin_api.get("/api/bt/v1/admin/policy").json() == {
        "default_audience": "company",
        "company_post_min_rank": None,
        "contact_rules": [],
        "barriers": [],
    }
    policy = {
        "default_audience": "unit",
        "company_post_min_rank": 3,
        "contact_rules": [{"target_min_rank": 7, "sender_min_rank": 5}],
        "barriers": [{"a": [str(people.sales.pk)], "b": [str(people.lab.pk)]}],
    }
    response = admin_api.put("/api/bt/v1/admin/policy", policy)
    assert response.status_code == 200
    assert admin_api.get("/api/bt/v1/admin/policy").json() == policy
    entry = AuditEntry.objects.get(action="policy.update")
    assert entry.before["barriers"] == [] and entry.after == policy
    # Sales now cannot see the lab's posts: the engine reads the new policy on the next request.
    from policy.rules import tenant_rules

    assert tenant_rules().company_post_min_rank == 3 and len(tenant_rules().barriers) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"default_audience": "everyone"}, "default_audience"),
        ({"company_post_min_rank": "high"}, "company_post_min_rank"),
        ({"contact_rules": [{"target_min_rank": 7}]}, "both required"),
        ({"barriers": [{"a": [], "b": ["1"]}]}, "at least one unit"),
        ({"barriers": [{"a": ["999999"], "b": ["1"]}]}, "does not exist"),
        ({"colour": "red"}, "Unknown field"),
    ],
)
def test_bad_policy_is_422_and_nothing_changes(
    admin_api: Api, people: People, body: dict, message: str
) -> None:
    response = admin_api.put("/api/bt/v1/admin/policy", body)
    assert response.status_code == 422 and message in response.json()["error"], response.json()
    assert admin_api.get("/api/bt/v1/admin/policy").json()["default_audience"] == "company"
    assert not AuditEntry.objects.filter(action="policy.update").exists()


def test_barrier_sides_must_not_overlap(admin_api: Api, people: People) -> None:
    body = {"barriers": [{"a": [str(people.root.pk)], "b": [str(people.lab.pk)]}]}
    response = admin_api.put("/api/bt/v1/admin/policy", body)
    assert response.status_code == 422 and "overlap" in response.json()["error"]


# -- audit log -------------------------------------------------------------------------------------


def test_audit_log_filters_and_pages(admin_api: Api, people: People, admin_employee: Employee) -> None:
    for name in ("A팀", "B팀", "C팀"):
        admin_api.post("/api/bt/v1/org/units", {"name": name}, json=True)
    admin_api.patch(f"/api/bt/v1/admin/employees/{people.kim.pk}", {"rank_level": 2})
    everything = admin_api.get("/api/bt/v1/admin/audit").json()
    assert [e["action"] for e in everything[:4]] == ["employee.update"] + ["org_unit.create"] * 3
    assert everything[0]["actor"] == {"id": str(admin_employee.pk), "name": everything[0]["actor"]["name"]}
    created = admin_api.get("/api/bt/v1/admin/audit", {"action": "org_unit.create", "limit": 2})
    assert len(created.json()) == 2 and 'rel="next"' in created["Link"]
    by_target = admin_api.get("/api/bt/v1/admin/audit", {"target": f"employee:{people.kim.pk}"}).json()
    assert [e["action"] for e in by_target] == ["employee.update"]
    assert admin_api.get("/api/bt/v1/admin/audit", {"actor": str(people.kim.pk)}).json() == []
    assert (
        len(admin_api.get("/api/bt/v1/admin/audit", {"since": "2000-01-01", "action": "employee."}).json())
        == 1
    )
    assert admin_api.get("/api/bt/v1/admin/audit", {"until": "2000-01-01"}).json() == []
    assert admin_api.get("/api/bt/v1/admin/audit", {"since": "yesterday"}).status_code == 422


def test_compliance_officer_reads_the_audit_log_but_not_the_directory_api(
    api_as: Callable[..., Api], people: People
) -> None:
    people.choi.role = Role.COMPLIANCE
    people.choi.save()
    api = api_as(people.choi, "admin:read")
    assert api.get("/api/bt/v1/admin/audit").status_code == 200
    assert api.get("/api/bt/v1/admin/employees").status_code == 403


def test_failed_admin_write_leaves_no_audit_entry(admin_api: Api, people: People) -> None:
    admin_api.post("/api/bt/v1/org/units", {"name": "영업팀"}, json=True)
    assert not AuditEntry.objects.filter(action="org_unit.create").exists()


# -- settings --------------------------------------------------------------------------------------


def test_settings_patch_sets_the_company_time_zone_and_refuses_an_unknown_one(admin_api: Api) -> None:
    assert admin_api.get("/api/bt/v1/admin/settings").json()["time_zone"] == "Asia/Seoul"

    response = admin_api.patch("/api/bt/v1/admin/settings", {"time_zone": "America/New_York"})
    assert response.status_code == 200 and response.json()["time_zone"] == "America/New_York"
    entry = AuditEntry.objects.get(action="settings.update")
    assert (entry.before["time_zone"], entry.after["time_zone"]) == ("Asia/Seoul", "America/New_York")

    for bad in ("Mars/Olympus", "", "EST5EDT"):  # unknown, blank, and not a region/city name
        refused = admin_api.patch("/api/bt/v1/admin/settings", {"time_zone": bad, "post_max_chars": 900})
        assert refused.status_code == 422 and "Unknown time zone" in refused.json()["error"], bad
    settings = CompanySettings.objects.get()
    assert (settings.time_zone, settings.post_max_chars) == ("America/New_York", 500)
