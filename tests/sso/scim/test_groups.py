"""SCIM Groups are the org units below the company; membership is the unit an employee belongs to."""

from __future__ import annotations

from directory.models import Employee, OrgUnit
from tests.sso.scim.conftest import GROUP, Scim


def _member_ids(group: dict) -> list[str]:  # type: ignore[type-arg]
    return [m["value"] for m in group.get("members", [])]


def test_group_create_makes_a_unit_and_members_move_into_it(scim: Scim) -> None:
    kim = scim.create_user("kim@acme.example")
    lee = scim.create_user("lee@acme.example")
    response = scim.post(
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": "플랫폼팀",
            "externalId": "g-1",
            "members": [{"value": kim["id"]}],
        },
    )
    assert response.status_code == 201, response.content
    group = response.json()
    unit = OrgUnit.objects.get(pk=int(group["id"]))
    assert unit.name == "플랫폼팀" and unit.parent.parent_id is None
    assert Employee.objects.get(pk=int(kim["id"])).unit_id == unit.pk
    assert _member_ids(group) == [kim["id"]]

    # Okta adds, Entra ID removes with a value list, both by PATCH.
    added = scim.patch(
        f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": lee["id"]}]}
    )
    assert sorted(_member_ids(added.json())) == sorted([kim["id"], lee["id"]])
    removed = scim.patch(
        f"/Groups/{group['id']}", {"op": "Remove", "path": "members", "value": [{"value": kim["id"]}]}
    )
    assert _member_ids(removed.json()) == [lee["id"]]
    assert Employee.objects.get(pk=int(kim["id"])).unit.parent_id is None  # back to the company
    okta_remove = scim.patch(
        f"/Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{lee["id"]}"]'}
    )
    assert _member_ids(okta_remove.json()) == []
    # The user shows the group it is in.
    assert scim.get(f"/Users/{kim['id']}").json().get("groups") is None


def test_moving_someone_to_another_group_takes_them_out_of_the_first(scim: Scim) -> None:
    kim = scim.create_user("kim@acme.example")
    first = scim.post("/Groups", {"displayName": "A팀", "members": [{"value": kim["id"]}]}).json()
    second = scim.post("/Groups", {"displayName": "B팀"}).json()
    scim.patch(f"/Groups/{second['id']}", {"op": "add", "path": "members", "value": [{"value": kim["id"]}]})
    assert _member_ids(scim.get(f"/Groups/{first['id']}").json()) == []
    user = scim.get(f"/Users/{kim['id']}").json()
    assert [g["display"] for g in user["groups"]] == ["B팀"]


def test_group_filters_rename_duplicates_and_delete(scim: Scim) -> None:
    kim = scim.create_user("kim@acme.example")
    group = scim.post(
        "/Groups", {"displayName": "디자인팀", "externalId": "g-9", "members": [{"value": kim["id"]}]}
    ).json()

    found = scim.get("/Groups", {"filter": 'displayName eq "디자인팀"'}).json()
    assert [g["id"] for g in found["Resources"]] == [group["id"]]
    assert [g["id"] for g in scim.get("/Groups", {"filter": 'externalId eq "g-9"'}).json()["Resources"]] == [
        group["id"]
    ]
    by_member = scim.get("/Groups", {"filter": f'members[value eq "{kim["id"]}"]'}).json()
    assert [g["id"] for g in by_member["Resources"]] == [group["id"]]
    listed = scim.get("/Groups", {"excludedAttributes": "members"}).json()
    assert all("members" not in g for g in listed["Resources"])

    duplicate = scim.post("/Groups", {"displayName": "디자인팀"})
    assert duplicate.status_code == 409 and duplicate.json()["scimType"] == "uniqueness"
    renamed = scim.patch(f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "UX팀"})
    assert renamed.json()["displayName"] == "UX팀" and OrgUnit.objects.get(pk=int(group["id"])).name == "UX팀"

    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.get(f"/Groups/{group['id']}").status_code == 404
    assert Employee.objects.get(pk=int(kim["id"])).unit.parent_id is None
    assert Employee.objects.get(pk=int(kim["id"])).is_active  # deleting a group offboards no one


def test_the_company_itself_is_not_a_group(scim: Scim) -> None:
    root = OrgUnit.objects.get(parent=None)
    assert scim.get(f"/Groups/{root.pk}").status_code == 404
    assert str(root.pk) not in [g["id"] for g in scim.get("/Groups").json()["Resources"]]


def test_unknown_members_are_400(scim: Scim) -> None:
    response = scim.post("/Groups", {"displayName": "유령팀", "members": [{"value": "999"}]})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert not OrgUnit.objects.filter(name="유령팀").exists()


def test_listing_groups_costs_the_same_queries_for_2_or_10_groups(scim: Scim) -> None:
    from tests.api.conftest import Queries

    kim = scim.create_user("kim@acme.example")
    scim.post("/Groups", {"displayName": "G0", "members": [{"value": kim["id"]}]})
    scim.post("/Groups", {"displayName": "G1"})
    with Queries() as few:
        scim.get("/Groups")
    for i in range(2, 10):
        scim.post("/Groups", {"displayName": f"G{i}"})
    with Queries() as many:
        assert len(scim.get("/Groups").json()["Resources"]) >= 10
    assert many.count == few.count <= 8  # constant; the bound leaves room for per-request middleware
