"""What a status or an account shows the same to every viewer is kept between requests
(``api.entities.STATUS_MEMO``, ``ACCOUNT_MEMO``) and reused only while everything it is built from is
unchanged: every change shows on the very next read, and nothing one viewer sees of their own reaches
another."""

from __future__ import annotations

import io

from PIL import Image

from directory.models import Employee, OrgUnit, Rank
from directory.services import employee_deactivate, employee_set_photo, employee_update
from tests.api.conftest import People


def image_bytes() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(data, "PNG")
    return data.getvalue()


def status(api, pk: str) -> dict:  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/statuses/{pk}")
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def fresh(employee: Employee) -> Employee:
    return Employee.objects.get(pk=employee.pk)


def test_every_change_to_a_post_or_its_people_shows_on_the_next_read(acme, api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    posted = kim.post("/api/v1/statuses", {"status": "@lee 점심 같이 해요 #점심"}).json()
    pk = posted["id"]
    first = status(lee, pk)
    assert status(lee, pk) == first  # the second read is the kept rendering, and the same

    # The mentioned colleague's new username.
    employee_update(employee=fresh(people.lee), username="lee.yh")
    mention = status(lee, pk)["mentions"][0]
    assert (mention["username"], mention["url"]) == ("lee.yh", "http://acme.localhost/@lee.yh")

    # The author's profile: title, unit (renamed), rank (renamed), photo, username.
    employee_update(employee=fresh(people.kim), title="파트장")
    assert status(lee, pk)["account"]["bt"]["title"] == "파트장"
    OrgUnit.objects.filter(pk=people.sales.pk).update(name="영업1팀")
    assert status(lee, pk)["account"]["bt"]["unit"]["name"] == "영업1팀"
    Rank.objects.filter(level=people.kim.rank_level).update(name="주니어")
    assert status(lee, pk)["account"]["bt"]["rank"]["name"] == "주니어"
    avatar = status(lee, pk)["account"]["avatar"]
    employee_set_photo(employee=fresh(people.kim), image_bytes=image_bytes())
    assert status(lee, pk)["account"]["avatar"] != avatar
    employee_update(employee=fresh(people.kim), username="kim.cs")
    moved = status(lee, pk)
    assert moved["account"]["acct"] == "kim.cs"
    assert moved["url"] == f"http://acme.localhost/@kim.cs/{pk}"

    # An edit: new text, tags and mentions.
    assert kim.put(f"/api/v1/statuses/{pk}", {"status": "회의 #회의록"}).status_code == 200
    edited = status(lee, pk)
    assert "회의" in edited["content"] and "점심" not in edited["content"]
    assert [t["name"] for t in edited["tags"]] == ["회의록"]
    assert edited["mentions"] == [] and edited["edited_at"] is not None

    # Deactivated: the post stays, shown by name, marked suspended.
    employee_deactivate(employee=fresh(people.kim))
    assert status(lee, pk)["account"]["suspended"] is True


def test_one_viewers_flags_and_counts_never_reach_another(acme, api_as, people: People) -> None:
    kim, lee, choi = api_as(people.kim), api_as(people.lee), api_as(people.choi)
    pk = kim.post("/api/v1/statuses", {"status": "전사 공지"}).json()["id"]
    status(choi, pk)  # kept before anyone reacts
    assert lee.post(f"/api/v1/statuses/{pk}/favourite").status_code == 200
    assert lee.post(f"/api/v1/statuses/{pk}/bookmark").status_code == 200
    assert lee.post(f"/api/v1/statuses/{pk}/reblog").status_code == 200

    mine = status(lee, pk)
    assert (mine["favourited"], mine["bookmarked"], mine["reblogged"]) == (True, True, True)
    theirs = status(choi, pk)
    assert (theirs["favourited"], theirs["bookmarked"], theirs["reblogged"]) == (False, False, False)
    assert (theirs["favourites_count"], theirs["reblogs_count"]) == (1, 1)
    assert status(lee, pk)["favourited"] is True  # and the other way round
