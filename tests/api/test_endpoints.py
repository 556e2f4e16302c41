"""The Mastodon endpoints at the HTTP level: wire shapes, errors, paging, scopes, query counts."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, resolve, reverse
from PIL import Image

from notifications.services import deliver_favourite, deliver_follow, deliver_post_created
from tests.api.conftest import People, Queries

pytestmark = pytest.mark.django_db

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def png(size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile("red.png", out.getvalue(), content_type="image/png")


def test_instance_answers_with_and_without_trailing_slash(acme, acme_client) -> None:
    for path in ("/api/v1/instance", "/api/v1/instance/"):
        data = acme_client.get(path).json()
        assert data["title"] == "에이크미"
        assert data["uri"] == "acme.localhost"
        assert data["configuration"]["statuses"]["max_characters"] == 500
        assert data["configuration"]["statuses"]["max_media_attachments"] == 4
        assert data["languages"] == ["ko", "en"]
    v2 = acme_client.get("/api/v2/instance/").json()
    assert v2["domain"] == "acme.localhost"
    assert v2["configuration"]["urls"]["streaming"] == "ws://acme.localhost"
    assert acme_client.get("/api/v1/custom_emojis").json() == []


def test_unknown_api_path_is_a_json_404(acme, acme_client) -> None:
    response = acme_client.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}


def test_a_method_a_route_does_not_offer_is_a_json_405(acme, api_as, people: People) -> None:
    kim = api_as(people.kim)
    post = kim.post("/api/v1/statuses", {"status": "hello"}).json()["id"]
    for answer in (kim.post(f"/api/v1/statuses/{post}"), kim.delete("/api/v1/timelines/home")):
        assert answer.status_code == 405 and answer.json() == {"error": "Method not allowed"}


def _mastodon_routes(patterns: list) -> list[tuple[str, list[str]]]:  # type: ignore[type-arg]
    """Each route's name and the names of its path parameters, through the groups."""
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _mastodon_routes(entry.url_patterns)
        else:
            found.append((entry.name, list(entry.pattern.regex.groupindex)))
    return found


def test_every_mastodon_route_resolves_to_itself_with_and_without_slash() -> None:
    """Grouping the routes by prefix (api/urls.py) shadows none of them, and each keeps both forms."""
    from api.urls import urlpatterns

    routes = _mastodon_routes(urlpatterns)
    assert len(routes) == len({name for name, _ in routes}) > 60
    for name, params in routes:
        path = reverse(f"api:{name}", kwargs=dict.fromkeys(params, "1"))
        for form in (path.rstrip("/"), path.rstrip("/") + "/"):
            match = resolve(form)
            assert (match.namespace, match.url_name) == ("api", name), form


def test_routes_of_other_modules_under_api_still_answer(acme, acme_client) -> None:
    # Listed after the Mastodon routes and before the JSON 404: reached, and answered by their own views.
    assert acme_client.get("/api/bt/v1/admin/billing").status_code == 401
    assert acme_client.post("/api/v1/reports", {}).status_code == 401
    for path in ("/api/v1/timelines/nothing", "/api/v1/statuses/abc", "/api/v2/nothing"):
        response = acme_client.get(path)
        assert (response.status_code, response.json()) == (404, {"error": "Record not found"}), path


def test_account_entity_carries_the_biztweet_extension(acme, api_as, people: People) -> None:
    api = api_as(people.kim)
    data = api.get(f"/api/v1/accounts/{people.lee.pk}").json()
    assert data["id"] == str(people.lee.pk)
    assert data["acct"] == data["username"] == "lee"
    assert data["display_name"] == "이영희 과장"
    assert ISO_MS.match(data["created_at"])
    assert data["bt"]["unit"]["name"] == "영업팀"
    assert data["bt"]["rank"] == {"level": 3, "name": "과장"}
    assert data["avatar"].startswith("http://acme.localhost/avatars/")
    avatar = api.client.get(data["avatar"].removeprefix("http://acme.localhost"))
    assert avatar.status_code == 200
    assert avatar["Content-Type"] == "image/png"
    me = api.get("/api/v1/accounts/verify_credentials").json()
    assert me["source"]["privacy"] == "public"
    assert api.get("/api/v1/accounts/lookup", {"acct": "LEE"}).json()["id"] == str(people.lee.pk)
    assert api.get("/api/v1/accounts/lookup", {"acct": "nobody"}).status_code == 404
    found = api.get("/api/v1/accounts/search", {"q": "ch"}).json()
    assert [a["username"] for a in found] == ["choi"]


def test_update_credentials_changes_note_and_photo(acme, api_as, people: People) -> None:
    api = api_as(people.kim)
    response = api.client.patch(
        "/api/v1/accounts/update_credentials",
        data=_multipart({"note": "영업 담당입니다", "avatar": png((120, 120))}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["note"] == "<p>영업 담당입니다</p>"
    assert data["source"]["note"] == "영업 담당입니다"
    assert "/media/" in data["avatar"]


def test_deleting_the_avatar_brings_the_initials_back(
    acme, api_as, people: People, django_capture_on_commit_callbacks
) -> None:
    from directory.models import Employee

    api = api_as(people.kim)
    api.client.patch(
        "/api/v1/accounts/update_credentials",
        data=_multipart({"avatar": png((120, 120))}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    stored = Employee.objects.get(pk=people.kim.pk).photo
    assert stored and stored.storage.exists(stored.name)
    with django_capture_on_commit_callbacks(execute=True):
        removed = api.delete("/api/v1/profile/avatar")
    assert removed.status_code == 200, removed.content
    assert "/initials.png" in removed.json()["avatar"] and removed.json()["source"]["note"] == ""
    assert not Employee.objects.get(pk=people.kim.pk).photo
    assert not stored.storage.exists(stored.name)  # the file goes too
    assert api.delete("/api/v1/profile/avatar").status_code == 200  # none left: nothing to do
    assert api.delete("/api/v1/profile/header").json()["username"] == "kim"
    assert api_as(people.kim, scope="read").delete("/api/v1/profile/avatar").status_code == 403


def test_display_name_is_the_directorys_real_name_not_editable(acme, api_as, people: People) -> None:
    api = api_as(people.kim)
    before = api.get("/api/v1/accounts/verify_credentials").json()["display_name"]
    response = api.client.patch(
        "/api/v1/accounts/update_credentials",
        data=_multipart({"display_name": "Captain Kim", "note": "바뀌면 안 됨"}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 422
    assert "company directory" in response.json()["error"]
    after = api.get("/api/v1/accounts/verify_credentials").json()
    assert after["display_name"] == before
    assert after["source"]["note"] != "바뀌면 안 됨"  # nothing of a refused update is saved


def _multipart(fields: dict) -> bytes:
    from django.test.client import encode_multipart

    return encode_multipart("BoUnDaRy", fields)


def test_post_read_reply_favourite_reblog_bookmark(acme, api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    created = kim.post(
        "/api/v1/statuses",
        {"status": "오늘 #점심 같이 해요 @lee", "visibility": "public"},
        **{"Idempotency-Key": "abc-1"},
    )
    assert created.status_code == 200, created.content
    status = created.json()
    assert status["visibility"] == "public"
    assert status["bt_audience"] == {"kind": "company", "unit_id": None, "min_rank": None}
    assert [t["name"] for t in status["tags"]] == ["점심"]
    assert [m["username"] for m in status["mentions"]] == ["lee"]
    assert ISO_MS.match(status["created_at"])
    again = kim.post(
        "/api/v1/statuses", {"status": "오늘 #점심 같이 해요 @lee"}, **{"Idempotency-Key": "abc-1"}
    )
    assert again.json()["id"] == status["id"], "the Idempotency-Key returned the same post"

    reply = lee.post("/api/v1/statuses", {"status": "좋아요", "in_reply_to_id": status["id"]}).json()
    assert reply["in_reply_to_id"] == status["id"]
    assert reply["in_reply_to_account_id"] == str(people.kim.pk)
    context = kim.get(f"/api/v1/statuses/{status['id']}/context").json()
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]
    assert lee.get(f"/api/v1/statuses/{reply['id']}/context").json()["ancestors"][0]["id"] == status["id"]

    faved = lee.post(f"/api/v1/statuses/{status['id']}/favourite").json()
    assert faved["favourited"] is True and faved["favourites_count"] == 1
    boosted = lee.post(f"/api/v1/statuses/{status['id']}/reblog").json()
    assert boosted["reblog"]["id"] == status["id"]
    assert boosted["reblog"]["reblogged"] is True
    assert lee.post(f"/api/v1/statuses/{status['id']}/bookmark").json()["bookmarked"] is True

    seen = kim.get(f"/api/v1/statuses/{status['id']}").json()
    assert (seen["replies_count"], seen["reblogs_count"], seen["favourites_count"]) == (1, 1, 1)
    assert [a["username"] for a in kim.get(f"/api/v1/statuses/{status['id']}/favourited_by").json()] == [
        "lee"
    ]
    assert [a["username"] for a in kim.get(f"/api/v1/statuses/{status['id']}/reblogged_by").json()] == ["lee"]
    assert [s["id"] for s in lee.get("/api/v1/bookmarks").json()] == [status["id"]]
    assert [s["id"] for s in lee.get("/api/v1/favourites").json()] == [status["id"]]

    unboosted = lee.post(f"/api/v1/statuses/{status['id']}/unreblog").json()
    assert unboosted["id"] == status["id"] and unboosted["reblogged"] is False


def test_edit_history_source_and_delete_and_redraft(acme, api_as, people: People) -> None:
    kim = api_as(people.kim)
    status = kim.post("/api/v1/statuses", {"status": "첫 버전"}).json()
    edited = kim.put(f"/api/v1/statuses/{status['id']}", {"status": "둘째 버전"})
    assert edited.status_code == 200, edited.content
    assert edited.json()["edited_at"] is not None
    history = kim.get(f"/api/v1/statuses/{status['id']}/history").json()
    assert len(history) == 2
    assert kim.get(f"/api/v1/statuses/{status['id']}/source").json()["text"] == "둘째 버전"
    deleted = kim.delete(f"/api/v1/statuses/{status['id']}")
    assert deleted.status_code == 200
    assert deleted.json()["text"] == "둘째 버전"
    assert kim.get(f"/api/v1/statuses/{status['id']}").status_code == 404


def test_only_the_author_may_edit_or_delete(acme, api_as, people: People) -> None:
    status = api_as(people.kim).post("/api/v1/statuses", {"status": "mine"}).json()
    lee = api_as(people.lee)
    assert lee.put(f"/api/v1/statuses/{status['id']}", {"status": "yours"}).status_code == 403
    assert lee.delete(f"/api/v1/statuses/{status['id']}").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": ""}, None),
        ({"status": "가" * 501}, None),
        ({"status": "reply", "in_reply_to_id": "123456789"}, None),
        ({"status": "poll", "poll[options][]": ["only one"], "poll[expires_in]": "3600"}, None),
        ({"status": "x", "visibility": "secret"}, None),
    ],
)
def test_bad_post_is_422_and_nothing_is_saved(
    acme, api_as, people: People, data: dict, message: None
) -> None:
    from posts.models import Post

    before = Post.objects.count()
    response = api_as(people.kim).post("/api/v1/statuses", data)
    assert response.status_code == 422, response.content
    assert set(response.json()) >= {"error"} and response.json()["error"]
    assert Post.objects.count() == before


def test_unit_post_to_a_unit_the_author_may_not_target_is_422(acme, api_as, people: People) -> None:
    response = api_as(people.kim).post(
        "/api/v1/statuses", {"status": "lab only", "visibility": "private", "bt_unit_id": str(people.lab.pk)}
    )
    assert response.status_code == 422


def test_unit_post_is_404_for_employee_outside_unit(acme, api_as, people: People) -> None:
    status = (
        api_as(people.kim)
        .post(
            "/api/v1/statuses",
            {"status": "sales only", "visibility": "private", "bt_unit_id": str(people.sales.pk)},
        )
        .json()
    )
    assert status["bt_audience"]["kind"] == "unit"
    assert status["visibility"] == "private"
    assert api_as(people.lee).get(f"/api/v1/statuses/{status['id']}").status_code == 200
    outside = api_as(people.choi).get(f"/api/v1/statuses/{status['id']}")
    assert outside.status_code == 404
    assert outside.json() == {"error": "Record not found"}


def test_media_upload_then_post_with_images(acme, api_as, people: People) -> None:
    kim = api_as(people.kim)
    media = kim.post("/api/v2/media", {"file": png(), "description": "빨간 사각형"})
    assert media.status_code == 200, media.content
    m = media.json()
    assert m["type"] == "image" and m["description"] == "빨간 사각형"
    assert m["meta"].get("original", {}).get("width") == 64, m
    described = kim.put(f"/api/v1/media/{m['id']}", {"description": "red"}).json()
    assert described["description"] == "red"
    assert api_as(people.lee).get(f"/api/v1/media/{m['id']}").status_code == 404
    status = kim.post("/api/v1/statuses", {"status": "그림", "media_ids[]": [m["id"]]}).json()
    assert [a["id"] for a in status["media_attachments"]] == [m["id"]]


def test_non_image_upload_and_five_images_are_422(acme, api_as, people: People) -> None:
    kim = api_as(people.kim)
    text = SimpleUploadedFile("note.txt", b"not an image", content_type="text/plain")
    assert kim.post("/api/v2/media", {"file": text}).status_code == 422
    ids = [kim.post("/api/v2/media", {"file": png()}).json()["id"] for _ in range(5)]
    response = kim.post("/api/v1/statuses", {"status": "five", "media_ids[]": ids})
    assert response.status_code == 422


def test_poll_create_and_vote(acme, api_as, people: People) -> None:
    status = (
        api_as(people.kim)
        .post(
            "/api/v1/statuses",
            {"status": "점심 메뉴?", "poll[options][]": ["김밥", "라면"], "poll[expires_in]": "3600"},
        )
        .json()
    )
    poll = status["poll"]
    assert [o["title"] for o in poll["options"]] == ["김밥", "라면"]
    voted = api_as(people.lee).post(f"/api/v1/polls/{poll['id']}/votes", {"choices[]": ["1"]})
    assert voted.status_code == 200, voted.content
    assert voted.json()["own_votes"] == [1]
    assert voted.json()["voted"] is True


def test_timelines_page_with_link_headers(acme, api_as, people: People) -> None:
    kim = api_as(people.kim)
    ids = [kim.post("/api/v1/statuses", {"status": f"글 {i} #회의록"}).json()["id"] for i in range(5)]
    lee = api_as(people.lee)
    first = lee.get("/api/v1/timelines/public", {"limit": 2})
    assert [s["id"] for s in first.json()] == ids[::-1][:2]
    link = first["Link"]
    assert f"max_id={ids[3]}" in link and 'rel="next"' in link and f"min_id={ids[4]}" in link
    second = lee.get("/api/v1/timelines/public", {"limit": 2, "max_id": ids[3]})
    assert [s["id"] for s in second.json()] == [ids[2], ids[1]]
    tag = lee.get("/api/v1/timelines/tag/회의록", {"limit": 40}).json()
    assert [s["id"] for s in tag] == ids[::-1]
    with Queries() as queries:
        lee.get("/api/v1/timelines/public", {"limit": 40})
    # The tenant's domain, the token (with the viewer's unit), the page (with its authors' units, stored
    # counts and rank names), then one query for all the rest (counts, flags, mentions, tags; media
    # and polls only when a page has some).
    assert queries.count <= 4
    home = kim.get("/api/v1/timelines/home/").json()
    assert ids[-1] in [s["id"] for s in home]


def test_timeline_query_count_does_not_grow_with_the_page(acme, api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    for i in range(3):
        kim.post("/api/v1/statuses", {"status": f"few {i} @lee #tag"})
    with Queries() as few:
        lee.get("/api/v1/timelines/public", {"limit": 40})
    for i in range(20):
        status = kim.post("/api/v1/statuses", {"status": f"many {i} @lee #tag"}).json()
        lee.post(f"/api/v1/statuses/{status['id']}/favourite")
    with Queries() as many:
        response = lee.get("/api/v1/timelines/public", {"limit": 40})
    assert len(response.json()) == 23
    assert many.count <= few.count, "a bigger page made more queries (N+1)"


def test_follow_relationships_and_followers_lists(acme, api_as, people: People) -> None:
    kim = api_as(people.kim)
    rel = kim.post(f"/api/v1/accounts/{people.choi.pk}/follow").json()
    assert rel["id"] == str(people.choi.pk) and rel["following"] is True
    rels = kim.get(
        "/api/v1/accounts/relationships", {"id[]": [str(people.choi.pk), str(people.boss.pk)]}
    ).json()
    assert [r["following"] for r in rels] == [True, False]
    followers = kim.get(f"/api/v1/accounts/{people.choi.pk}/followers").json()
    assert "kim" in [a["username"] for a in followers]
    assert kim.post(f"/api/v1/accounts/{people.kim.pk}/follow").status_code == 422
    assert kim.post(f"/api/v1/accounts/{people.choi.pk}/unfollow").json()["following"] is False
    assert kim.post(f"/api/v1/accounts/{people.choi.pk}/mute").json()["muting"] is True
    assert [a["id"] for a in kim.get("/api/v1/mutes").json()] == [str(people.choi.pk)]
    assert kim.post(f"/api/v1/accounts/{people.choi.pk}/block").json()["blocking"] is True
    assert [a["id"] for a in kim.get("/api/v1/blocks").json()] == [str(people.choi.pk)]


def test_lists_crud_and_list_timeline(acme, api_as, people: People) -> None:
    kim = api_as(people.kim)
    kim.post(f"/api/v1/accounts/{people.lee.pk}/follow")
    lst = kim.post("/api/v1/lists", {"title": "팀"}).json()
    assert lst["title"] == "팀" and lst["replies_policy"] == "list"
    assert (
        kim.post(f"/api/v1/lists/{lst['id']}/accounts", {"account_ids[]": [str(people.lee.pk)]}).status_code
        == 200
    )
    assert [a["id"] for a in kim.get(f"/api/v1/lists/{lst['id']}/accounts").json()] == [str(people.lee.pk)]
    post = api_as(people.lee).post("/api/v1/statuses", {"status": "list me"}).json()
    assert post["id"] in [s["id"] for s in kim.get(f"/api/v1/timelines/list/{lst['id']}").json()]
    assert kim.put(f"/api/v1/lists/{lst['id']}", {"title": "우리 팀"}).json()["title"] == "우리 팀"
    assert api_as(people.lee).get(f"/api/v1/lists/{lst['id']}").status_code == 404
    assert kim.delete(f"/api/v1/lists/{lst['id']}").status_code == 200
    assert kim.get("/api/v1/lists").json() == []


def test_notifications_list_get_dismiss_clear(acme, api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    status = kim.post("/api/v1/statuses", {"status": "hello @lee"}).json()
    deliver_post_created(int(status["id"]))
    lee.post(f"/api/v1/statuses/{status['id']}/favourite")
    deliver_favourite(int(status["id"]), people.lee.pk)
    lee.post(f"/api/v1/accounts/{people.kim.pk}/follow")
    deliver_follow(people.lee.pk, people.kim.pk)
    mine = lee.get("/api/v1/notifications").json()
    assert [(n["type"], n["status"]["id"]) for n in mine] == [("mention", status["id"])]
    theirs = kim.get("/api/v1/notifications").json()
    assert [n["type"] for n in theirs] == ["follow", "favourite"]
    assert kim.get("/api/v1/notifications", {"types[]": ["follow"]}).json()[0]["account"]["username"] == "lee"
    one = kim.get(f"/api/v1/notifications/{theirs[0]['id']}")
    assert one.status_code == 200
    assert lee.get(f"/api/v1/notifications/{theirs[0]['id']}").status_code == 404
    assert kim.post(f"/api/v1/notifications/{theirs[0]['id']}/dismiss").status_code == 200
    assert len(kim.get("/api/v1/notifications").json()) == 1
    assert kim.post("/api/v1/notifications/clear").status_code == 200
    assert kim.get("/api/v1/notifications").json() == []


def test_markers_preferences_filters(acme, api_as, people: People) -> None:
    kim = api_as(people.kim)
    saved = kim.post("/api/v1/markers", {"home": {"last_read_id": "12345"}}, json=True).json()
    assert saved["home"]["last_read_id"] == "12345"
    assert kim.get("/api/v1/markers", {"timeline[]": ["home"]}).json()["home"]["version"] >= 1
    assert kim.get("/api/v1/preferences").json()["posting:default:visibility"] == "public"
    assert kim.get("/api/v1/filters").json() == []
    assert kim.get("/api/v2/filters").json() == []
    result = kim.get("/api/v2/search", {"q": "lee"}).json()
    assert [a["username"] for a in result["accounts"]] == ["lee"]
