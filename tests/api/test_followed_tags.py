"""Following hashtags through the Mastodon API: ``POST /api/v1/tags/:name/follow`` and ``unfollow``,
``GET /api/v1/followed_tags``, and ``following`` on every Tag a signed-in caller is shown."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from social.models import TagFollow
from social.services import MAX_FOLLOWED_TAGS
from tests.api.conftest import People, Queries
from timelines.services import fanout_run

pytestmark = pytest.mark.django_db


def test_follow_a_tag_then_its_posts_from_anyone_reach_the_home_timeline(api_as, people: People) -> None:
    kim, choi = api_as(people.kim), api_as(people.choi)  # kim follows nobody in choi's unit
    followed = kim.post("/api/v1/tags/점심/follow")
    assert followed.status_code == 200, followed.content
    body = followed.json()
    assert body["name"] == "점심" and body["following"] is True and len(body["history"]) == 7

    lunch = choi.post("/api/v1/statuses", {"status": "오늘 #점심 은 냉면"}).json()
    other = choi.post("/api/v1/statuses", {"status": "#회의록 올렸습니다"}).json()
    for status in (lunch, other):
        fanout_run(int(status["id"]))
    home = [s["id"] for s in kim.get("/api/v1/timelines/home").json()]
    assert lunch["id"] in home and other["id"] not in home

    tag = kim.get("/api/v1/tags/점심").json()
    assert tag["following"] is True and tag["history"][0]["uses"] == "1"
    assert api_as(people.lee).get("/api/v1/tags/점심").json()["following"] is False


def test_unfollow_and_following_again_are_idempotent(api_as, people: People) -> None:
    kim = api_as(people.kim)
    for _ in range(2):
        assert kim.post("/api/v1/tags/Release/follow").json()["following"] is True
    assert TagFollow.objects.filter(employee=people.kim).count() == 1
    for _ in range(2):
        gone = kim.post("/api/v1/tags/release/unfollow")
        assert gone.status_code == 200 and gone.json()["following"] is False
        assert gone.json()["name"] == "Release"  # as first written
    assert not TagFollow.objects.filter(employee=people.kim).exists()
    # A tag nobody ever used or followed: nothing to unfollow, and no tag is made for it.
    never = kim.post("/api/v1/tags/아무도안쓴태그/unfollow")
    assert never.status_code == 200 and never.json()["following"] is False


def test_a_followed_tag_nobody_used_yet_exists_for_its_follower_only(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    assert kim.post("/api/v1/tags/신제품/follow").status_code == 200
    shown = kim.get("/api/v1/tags/신제품")
    assert shown.status_code == 200 and shown.json()["following"] is True
    assert all(day["uses"] == "0" for day in shown.json()["history"])
    assert lee.get("/api/v1/tags/신제품").status_code == 404  # used nowhere lee may look


def test_followed_tags_are_listed_newest_first_and_paged_with_link(api_as, people: People) -> None:
    kim = api_as(people.kim)
    for name in ("하나", "둘", "셋"):
        assert kim.post(f"/api/v1/tags/{name}/follow").status_code == 200
    api_as(people.lee).post("/api/v1/tags/남의것/follow")

    first = kim.get("/api/v1/followed_tags", {"limit": "2"})
    assert first.status_code == 200
    assert [t["name"] for t in first.json()] == ["셋", "둘"]
    assert all(t["following"] is True for t in first.json())
    link = first["Link"]
    assert 'rel="next"' in link and 'rel="prev"' in link
    after = urlsplit(link.split(";")[0].strip("<>"))
    rest = kim.get(f"{after.path}?{after.query}")
    assert [t["name"] for t in rest.json()] == ["하나"]

    with Queries() as queries:
        assert len(kim.get("/api/v1/followed_tags").json()) == 3
    # token, the follows with their hashtags, the week of use, which ones the caller follows
    assert queries.count <= 4, queries.sqls


def test_bad_names_get_a_clear_error_and_change_nothing(api_as, people: People) -> None:
    kim = api_as(people.kim)
    for bad in ("1234", "a%20b", "점심!"):
        refused = kim.post(f"/api/v1/tags/{bad}/follow")
        assert refused.status_code == 422, (bad, refused.content)
        assert refused.json() == {"error": "Validation failed: Name is not a valid hashtag"}
    assert not TagFollow.objects.exists()


def test_at_most_so_many_followed_tags(api_as, people: People, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import social.services

    monkeypatch.setattr(social.services, "MAX_FOLLOWED_TAGS", 2)
    kim = api_as(people.kim)
    assert kim.post("/api/v1/tags/하나/follow").status_code == 200
    assert kim.post("/api/v1/tags/둘/follow").status_code == 200
    over = kim.post("/api/v1/tags/셋/follow")
    assert over.status_code == 422 and over.json() == {
        "error": "Validation failed: You can follow at most 2 hashtags"
    }
    assert kim.post("/api/v1/tags/하나/follow").status_code == 200  # following one already followed is fine
    assert TagFollow.objects.filter(employee=people.kim).count() == 2
    assert MAX_FOLLOWED_TAGS >= 100


def test_scopes(api_as, people: People) -> None:
    reader = api_as(people.kim, scope="read")
    assert reader.post("/api/v1/tags/점심/follow").status_code == 403
    assert reader.get("/api/v1/followed_tags").status_code == 200
    writer = api_as(people.kim, scope="write:follows")
    assert writer.post("/api/v1/tags/점심/follow").status_code == 200
    assert writer.get("/api/v1/followed_tags").status_code == 403
    assert api_as(None).post("/api/v1/tags/점심/follow").status_code == 422  # an app token has no one


def test_search_and_trends_say_which_tags_the_caller_follows(api_as, people: People) -> None:
    kim = api_as(people.kim)
    kim.post("/api/v1/statuses", {"status": "#점심 #점심메뉴"})
    kim.post("/api/v1/tags/점심/follow")
    found = {
        t["name"]: t["following"]
        for t in kim.get("/api/v2/search", {"q": "점심", "type": "hashtags"}).json()["hashtags"]
    }
    assert found == {"점심": True, "점심메뉴": False}
