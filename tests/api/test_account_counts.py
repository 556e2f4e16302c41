"""An Account's counts are stored (social.AccountStats, kept by database triggers), not counted per
request; they follow every write at once and never reveal a post a reader may not see."""

from __future__ import annotations

from tests.api.conftest import People


def account(api, employee) -> dict:  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/accounts/{employee.pk}")
    assert response.status_code == 200
    return response.json()


def test_follow_unfollow_and_block_move_both_counts_at_once(acme, api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    before_boss = account(kim, people.boss)["followers_count"]
    before_kim = account(kim, people.kim)["following_count"]

    assert kim.post(f"/api/v1/accounts/{people.boss.pk}/follow").status_code == 200
    assert lee.post(f"/api/v1/accounts/{people.boss.pk}/follow").status_code == 200
    assert account(kim, people.boss)["followers_count"] == before_boss + 2
    assert account(lee, people.kim)["following_count"] == before_kim + 1

    assert kim.post(f"/api/v1/accounts/{people.boss.pk}/unfollow").status_code == 200
    assert account(lee, people.boss)["followers_count"] == before_boss + 1
    assert account(lee, people.kim)["following_count"] == before_kim

    # A block ends the follow in both directions, and the counts with it.
    assert api_as(people.boss).post(f"/api/v1/accounts/{people.lee.pk}/block").status_code == 200
    assert account(kim, people.boss)["followers_count"] == before_boss


def test_statuses_count_counts_only_what_every_colleague_may_see(acme, api_as, people: People) -> None:
    kim, choi = api_as(people.kim), api_as(people.choi)
    assert account(choi, people.kim)["statuses_count"] == 0
    assert account(choi, people.kim)["last_status_at"] is None

    public = kim.post("/api/v1/statuses", {"status": "전사 공지"}).json()
    kim.post("/api/v1/statuses", {"status": "조용히", "visibility": "unlisted"})
    kim.post(
        "/api/v1/statuses", {"status": "팀 이야기", "visibility": "private", "bt_unit_id": people.sales.pk}
    )
    kim.post("/api/v1/statuses", {"status": "팔로워만", "visibility": "private"})
    kim.post("/api/v1/statuses", {"status": "@lee 귓속말", "visibility": "direct"})
    kim.post("/api/v1/statuses", {"status": "임원만", "bt_min_rank": 5})
    lee_post = api_as(people.lee).post("/api/v1/statuses", {"status": "좋은 글"}).json()
    assert kim.post(f"/api/v1/statuses/{lee_post['id']}/reblog").status_code == 200

    # The same number for the author, a colleague outside the unit who sees none of the others,
    # and a senior colleague who sees the rank-limited post: the two company posts, no repost.
    for reader in (kim, choi, api_as(people.boss)):
        seen = account(reader, people.kim)
        assert seen["statuses_count"] == 2
        assert seen["last_status_at"] == public["created_at"][:10]

    assert kim.delete(f"/api/v1/statuses/{public['id']}").status_code == 200
    assert account(choi, people.kim)["statuses_count"] == 1


def test_counts_in_timelines_are_the_stored_ones(acme, api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    lee.post(f"/api/v1/accounts/{people.kim.pk}/follow")
    kim.post("/api/v1/statuses", {"status": "하나"})
    kim.post("/api/v1/statuses", {"status": "둘"})
    home = lee.get("/api/v1/timelines/home").json()
    authors = [s["account"] for s in home if s["account"]["id"] == str(people.kim.pk)]
    assert authors and all(a["statuses_count"] == 2 and a["followers_count"] >= 1 for a in authors)
