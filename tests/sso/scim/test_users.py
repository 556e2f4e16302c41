"""SCIM Users over HTTP: what an identity provider (Okta, Entra ID) does, and what the directory shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from directory.models import Employee, OrgUnit
from directory.services import employee_create, unit_create
from sso.scim.services import scim_token_create
from tenants.models import Tenant
from tests.conftest import ACME_HOST
from tests.factories import post
from tests.sso.scim.conftest import ENTERPRISE, USER, Scim, bearer_client

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _kim(scim: Scim, **extra: Any) -> dict[str, Any]:
    return scim.create_user(
        "kim.cs@acme.example",
        externalId="okta-00u1",
        name={"familyName": "김", "givenName": "철수", "formatted": "김철수"},
        displayName="김철수",
        title="과장",
        emails=[{"value": "kim.cs@acme.example", "type": "work", "primary": True}],
        **{ENTERPRISE: {"department": "영업팀", "employeeNumber": "E-1001"}},
        **extra,
    )


def test_created_user_lands_in_the_directory_with_unit_rank_and_rendered_name(scim: Scim) -> None:
    created = _kim(scim)

    employee = Employee.objects.get(pk=int(created["id"]))
    assert employee.email == "kim.cs@acme.example"
    assert employee.unit.name == "영업팀" and employee.unit.parent.parent_id is None
    assert employee.rank_level == 3  # 과장 is acme's third rank
    assert employee.display_name == "김철수 과장"  # the tenant's template, not the IdP's string
    assert employee.employee_number == "E-1001"
    assert employee.is_active
    # What the IdP wrote reads back as written.
    assert created["userName"] == "kim.cs@acme.example"
    assert created["displayName"] == "김철수"
    assert created["name"] == {"formatted": "김철수", "familyName": "김", "givenName": "철수"}
    assert created[ENTERPRISE]["department"] == "영업팀"
    assert created["meta"]["location"].endswith(f"/scim/v2/Users/{created['id']}")


def test_responses_are_scim_json_with_location(scim: Scim) -> None:
    response = scim.post("/Users", {"schemas": [USER], "userName": "lee@acme.example"})
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/scim+json")
    assert response["Location"] == response.json()["meta"]["location"]


def test_duplicate_user_name_is_409_uniqueness_and_nothing_is_saved(scim: Scim) -> None:
    _kim(scim)
    before = Employee.objects.count()
    response = scim.post("/Users", {"schemas": [USER], "userName": "KIM.CS@acme.example"})
    assert response.status_code == 409
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == "409" and body["scimType"] == "uniqueness"
    assert "kim.cs" in body["detail"].lower()
    assert Employee.objects.count() == before


def test_an_existing_employees_email_is_taken_for_user_name_and_email(scim: Scim) -> None:
    # The first admin exists before any SCIM client: an IdP creating them again must be told.
    assert scim.post("/Users", {"userName": "admin@acme.example"}).status_code == 409
    response = scim.post(
        "/Users", {"userName": "someone", "emails": [{"value": "Admin@acme.example", "type": "work"}]}
    )
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"


def test_bad_values_are_400_invalid_value(scim: Scim) -> None:
    response = scim.post("/Users", {"userName": "x@acme.example", "emails": [{"value": "not-an-email"}]})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    response = scim.post("/Users", {"userName": "x@acme.example", "active": "maybe"})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert scim.post("/Users", {"name": {"givenName": "No user name"}}).status_code == 400
    assert not Employee.objects.filter(email="x@acme.example").exists()


def test_unknown_department_creates_a_unit_and_an_ambiguous_one_is_refused(scim: Scim) -> None:
    created = scim.create_user("new@acme.example", **{ENTERPRISE: {"department": "신사업팀"}})
    unit = Employee.objects.get(pk=int(created["id"])).unit
    assert unit.name == "신사업팀" and unit.parent.parent_id is None

    root = OrgUnit.objects.get(parent=None)
    for division in ("1본부", "2본부"):
        unit_create(name="기획팀", parent=unit_create(name=division, parent=root))
    response = scim.post("/Users", {"userName": "p@acme.example", ENTERPRISE: {"department": "기획팀"}})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert "기획팀" in response.json()["detail"]


def test_user_is_fetched_by_id_and_unknown_ids_are_404(scim: Scim) -> None:
    created = _kim(scim)
    assert scim.get(f"/Users/{created['id']}").json() == created
    response = scim.get("/Users/12345")
    assert response.status_code == 404 and response.json()["status"] == "404"
    assert scim.get("/Users/not-a-number").status_code == 404


# -- filters and paging -------------------------------------------------------------------------------


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["Resources"]]


def test_filters_find_users_the_way_identity_providers_look_them_up(scim: Scim) -> None:
    kim = _kim(scim)
    lee = scim.create_user(
        "lee@acme.example",
        externalId="okta-00u2",
        emails=[{"value": "lee.private@mail.example", "type": "home"}],
    )
    scim.patch(f"/Users/{lee['id']}", {"op": "replace", "value": {"active": False}})

    assert _ids(scim.get("/Users", {"filter": 'userName eq "KIM.CS@ACME.EXAMPLE"'})) == [kim["id"]]
    assert _ids(scim.get("/Users", {"filter": 'externalId eq "okta-00u2"'})) == [lee["id"]]
    assert _ids(scim.get("/Users", {"filter": 'emails[type eq "work"].value eq "kim.cs@acme.example"'})) == [
        kim["id"]
    ]
    # lee's only email is a home one: not found as a work email, found as any email.
    assert (
        _ids(scim.get("/Users", {"filter": 'emails[type eq "work"].value eq "lee.private@mail.example"'}))
        == []
    )
    assert _ids(scim.get("/Users", {"filter": 'emails.value eq "lee.private@mail.example"'})) == [lee["id"]]
    assert _ids(scim.get("/Users", {"filter": "active eq false"})) == [lee["id"]]
    assert set(_ids(scim.get("/Users", {"filter": 'externalId sw "okta-" and active eq true'}))) == {
        kim["id"]
    }
    assert set(_ids(scim.get("/Users", {"filter": 'userName eq "lee@acme.example" or title eq "과장"'}))) == {
        kim["id"],
        lee["id"],
    }
    department = f'{ENTERPRISE}:department eq "영업팀"'
    assert _ids(scim.get("/Users", {"filter": department})) == [kim["id"]]
    # An employee the IdP never wrote is found by their email, so the IdP links instead of duplicating.
    admin = Employee.objects.get(email="admin@acme.example")
    assert _ids(scim.get("/Users", {"filter": 'userName eq "admin@acme.example"'})) == [str(admin.pk)]


def test_a_bad_filter_is_400_invalid_filter(scim: Scim) -> None:
    for bad in ("userName eq", 'userName like "x"', 'nickName eq "x"', '(userName eq "x"'):
        response = scim.get("/Users", {"filter": bad})
        assert response.status_code == 400, bad
        assert response.json()["scimType"] == "invalidFilter", bad


def test_paging_with_start_index_and_count(scim: Scim) -> None:
    made = [scim.create_user(f"page{i}@acme.example")["id"] for i in range(5)]
    flt = 'userName sw "page"'
    first = scim.get("/Users", {"filter": flt, "startIndex": 1, "count": 2}).json()
    assert first["totalResults"] == 5 and first["itemsPerPage"] == 2 and first["startIndex"] == 1
    second = scim.get("/Users", {"filter": flt, "startIndex": 3, "count": 2}).json()
    last = scim.get("/Users", {"filter": flt, "startIndex": 5, "count": 2}).json()
    seen = [r["id"] for page in (first, second, last) for r in page["Resources"]]
    assert seen == made
    assert scim.get("/Users", {"filter": flt, "count": 0}).json()["Resources"] == []
    assert scim.get("/Users", {"filter": flt, "count": "x"}).status_code == 400


def test_attributes_and_excluded_attributes_shape_the_answer(scim: Scim) -> None:
    kim = _kim(scim)
    only = scim.get(f"/Users/{kim['id']}", {"attributes": "userName,name.givenName"}).json()
    assert only == {
        "schemas": kim["schemas"],
        "id": kim["id"],
        "userName": kim["userName"],
        "name": {"givenName": "철수"},
    }
    without = scim.get(f"/Users/{kim['id']}", {"excludedAttributes": "emails"}).json()
    assert "emails" not in without and without["userName"] == kim["userName"]


# -- replace and patch --------------------------------------------------------------------------------


def test_put_replaces_the_user_and_keeps_the_unit_when_department_is_left_out(scim: Scim) -> None:
    kim = _kim(scim)
    response = scim.put(
        f"/Users/{kim['id']}",
        {
            "schemas": [USER],
            "userName": "kim.cs@acme.example",
            "name": {"familyName": "김", "givenName": "철민"},
            "title": "부장",
            "emails": [{"value": "cm.kim@acme.example", "type": "work", "primary": True}],
            "active": True,
        },
    )
    assert response.status_code == 200, response.content
    employee = Employee.objects.get(pk=int(kim["id"]))
    assert employee.display_name == "김철민 부장" and employee.rank_level == 5
    assert employee.email == "cm.kim@acme.example"
    assert employee.unit.name == "영업팀"  # Okta's PUT leaves the department out: the unit stays
    assert "displayName" not in response.json()  # a PUT replaces what the IdP wrote


def test_okta_deactivation_form(scim: Scim) -> None:
    kim = _kim(scim)
    response = scim.patch(f"/Users/{kim['id']}", {"op": "replace", "value": {"active": False}})
    assert response.status_code == 200 and response.json()["active"] is False
    assert not Employee.objects.get(pk=int(kim["id"])).is_active
    response = scim.patch(f"/Users/{kim['id']}", {"op": "replace", "value": {"active": True}})
    assert response.json()["active"] is True and Employee.objects.get(pk=int(kim["id"])).is_active


def test_entra_id_deactivation_form(scim: Scim) -> None:
    kim = _kim(scim)
    response = scim.patch(f"/Users/{kim['id']}", {"op": "Replace", "path": "active", "value": "False"})
    assert response.status_code == 200 and response.json()["active"] is False
    assert not Employee.objects.get(pk=int(kim["id"])).is_active


def test_entra_id_attribute_updates(scim: Scim) -> None:
    kim = _kim(scim)
    manager = scim.create_user("boss@acme.example")
    response = scim.patch(
        f"/Users/{kim['id']}",
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "cs.kim@acme.example"},
        {"op": "Add", "path": "name.givenName", "value": "영수"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager["id"]},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "연구소"},
        {"op": "Add", "path": 'phoneNumbers[type eq "work"].value', "value": "010"},  # not kept: ignored
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["emails"] == [{"value": "cs.kim@acme.example", "type": "work", "primary": True}]
    assert body[ENTERPRISE]["manager"]["value"] == manager["id"]
    employee = Employee.objects.get(pk=int(kim["id"]))
    assert (employee.email, employee.given_name, employee.unit.name) == (
        "cs.kim@acme.example",
        "영수",
        "연구소",
    )
    assert employee.display_name == "김영수 과장"

    response = scim.patch(f"/Users/{kim['id']}", {"op": "Remove", "path": f"{ENTERPRISE}:department"})
    assert Employee.objects.get(pk=int(kim["id"])).unit.parent_id is None
    assert "department" not in response.json()[ENTERPRISE]


def test_patch_errors(scim: Scim) -> None:
    kim = _kim(scim)
    response = scim.patch(f"/Users/{kim['id']}", {"op": "remove"})
    assert response.status_code == 400 and response.json()["scimType"] == "noTarget"
    response = scim.patch(f"/Users/{kim['id']}", {"op": "jump", "path": "title"})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidSyntax"
    other = scim.create_user("other@acme.example")
    response = scim.patch(
        f"/Users/{other['id']}", {"op": "replace", "path": "userName", "value": "kim.cs@acme.example"}
    )
    assert response.status_code == 409


def test_delete_offboards_keeps_posts_and_answers_404_from_then_on(scim: Scim) -> None:
    kim = _kim(scim)
    employee = Employee.objects.get(pk=int(kim["id"]))
    last_post = post(employee, "마지막 글")

    assert scim.delete(f"/Users/{kim['id']}").status_code == 204
    assert scim.get(f"/Users/{kim['id']}").status_code == 404
    assert scim.delete(f"/Users/{kim['id']}").status_code == 404
    assert _ids(scim.get("/Users", {"filter": 'userName eq "kim.cs@acme.example"'})) == []
    employee.refresh_from_db()
    assert not employee.is_active
    # Colleagues still read the post under the person's name.
    reader = employee_create(
        username="reader", email="reader@acme.example", unit=employee.unit, follow_unit=False
    )
    shown = bearer_client(reader).get(f"/api/v1/statuses/{last_post.pk}")
    assert shown.status_code == 200
    assert shown.json()["account"]["display_name"] == "김철수 과장"


# -- tokens -------------------------------------------------------------------------------------------


def test_without_a_token_it_is_401_with_a_scim_error(acme: Tenant) -> None:
    client = Client(HTTP_HOST=ACME_HOST)
    for path in ("/scim/v2/Users", "/scim/v2/ServiceProviderConfig", "/scim/v2/Groups/1"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["schemas"] == [ERROR] and response.json()["status"] == "401"
        assert response["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer scim_not-a-token")
    assert wrong.status_code == 401


def test_a_token_of_another_tenant_is_401(acme: Tenant, globex: Tenant) -> None:
    from django_tenants.utils import tenant_context

    with tenant_context(globex):
        _, globex_secret = scim_token_create(name="globex okta", actor=None)
        response = Client(HTTP_HOST="globex.localhost").get(
            "/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {globex_secret}"
        )
        assert response.status_code == 200
    response = Client(HTTP_HOST=ACME_HOST).get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {globex_secret}")
    assert response.status_code == 401
    response = Client(HTTP_HOST=ACME_HOST).post(
        "/scim/v2/Users",
        '{"userName": "intruder@acme.example"}',
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {globex_secret}",
    )
    assert response.status_code == 401
    assert not Employee.objects.filter(email="intruder@acme.example").exists()


@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"])
def test_discovery_endpoints_answer_get_only(scim: Scim, path: str) -> None:
    assert scim.get(path).status_code == 200
    assert scim.post(path, {}).status_code == 405
    assert scim.delete(path).status_code == 405


def test_discovery_publishes_users_with_the_enterprise_extension_and_groups(scim: Scim) -> None:
    types = {r["id"]: r for r in scim.get("/ResourceTypes").json()["Resources"]}
    assert types["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert types["Group"]["endpoint"] == "/Groups"
    user_schema = scim.get(f"/Schemas/{USER}").json()
    assert {a["name"] for a in user_schema["attributes"]} >= {"userName", "name", "emails", "active", "title"}
    config = scim.get("/ServiceProviderConfig").json()
    assert config["patch"]["supported"] and config["filter"]["supported"]
    assert scim.get("/NoSuchThing").status_code == 404


def test_existing_employee_not_provisioned_by_scim_is_listed_from_the_directory(scim: Scim) -> None:
    root = OrgUnit.objects.get(parent=None)
    hand = employee_create(username="hand", email="hand@acme.example", unit=root, given_name="Hand")
    found = scim.get(f"/Users/{hand.pk}").json()
    assert found["userName"] == "hand@acme.example"
    assert found["emails"] == [{"value": "hand@acme.example", "type": "work", "primary": True}]
    assert found["displayName"] == hand.display_name


def test_listing_users_costs_the_same_queries_for_5_or_25_users(scim: Scim) -> None:
    from tests.api.conftest import Queries

    for i in range(5):
        scim.create_user(f"q{i}@acme.example", **{ENTERPRISE: {"department": "영업팀"}})
    with Queries() as few:
        assert len(scim.get("/Users", {"filter": 'userName sw "q"'}).json()["Resources"]) == 5
    for i in range(5, 25):
        scim.create_user(f"q{i}@acme.example", **{ENTERPRISE: {"department": "영업팀"}})
    with Queries() as many:
        assert len(scim.get("/Users", {"filter": 'userName sw "q"'}).json()["Resources"]) == 25
    assert many.count == few.count <= 8  # constant; the bound leaves room for per-request middleware
