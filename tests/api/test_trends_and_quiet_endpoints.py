"""``/api/v1/trends/statuses`` (posts in fashion among what the caller may see), and the Mastodon
endpoints a company tenant answers empty so that apps asking for them at start-up keep working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from common import snowflake
from posts.models import Post
from social.services import mute_create
from tests.api.conftest import People
from tests.conftest import ACME_HOST

pytestmark = pytest.mark.django_db


def _ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()]


def test_posts_most_liked_and_reposted_by_others_trend_first(api_as, people: People) -> None:
    kim, lee, choi, boss = (api_as(p) for p in (people.kim, people.lee, people.choi, people.boss))
    quiet = kim.post("/api/v1/statuses", {"status": "아무도 반응 없는 글"}).json()["id"]
    liked = kim.post("/api/v1/statuses", {"status": "점심 같이 드실 분"}).json()["id"]
    loved = lee.post("/api/v1/statuses", {"status": "신제품 출시했습니다!"}).json()["id"]
    own = choi.post("/api/v1/statuses", {"status": "내가 좋아하는 내 글"}).json()["id"]
    for api in (lee, choi):
        api.post(f"/api/v1/statuses/{liked}/favourite")
    for api in (kim, choi, boss):
        api.post(f"/api/v1/statuses/{loved}/favourite")
    kim.post(f"/api/v1/statuses/{loved}/reblog")
    choi.post(f"/api/v1/statuses/{own}/favourite")  # one's own like does not count

    trends = _ids(boss.get("/api/v1/trends/statuses"))
    assert trends == [loved, liked]
    assert quiet not in trends and own not in trends
    assert _ids(boss.get("/api/v1/trends/statuses", {"limit": "1", "offset": "1"})) == [liked]
    first = boss.get("/api/v1/trends/statuses").json()[0]
    assert first["favourites_count"] == 3 and first["reblogs_count"] == 1
    assert first["account"]["username"] == "lee"

    mute_create(muter=people.boss, target=people.lee)
    assert _ids(boss.get("/api/v1/trends/statuses")) == [liked]
    assert Client(HTTP_HOST=ACME_HOST).get("/api/v1/trends/statuses").json() == []  # no token


def test_only_company_posts_of_the_last_two_days_trend(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    unit_post = kim.post(
        "/api/v1/statuses",
        {"status": "영업팀 공지", "visibility": "private", "bt_unit_id": str(people.sales.pk)},
    ).json()["id"]
    unlisted = kim.post("/api/v1/statuses", {"status": "조용한 글", "visibility": "unlisted"}).json()["id"]
    old = str(
        Post.objects.create(
            id=snowflake.lower_bound(timezone.now() - timedelta(days=3)) + 1,
            author=people.kim,
            text="사흘 전 글",
            content_html="<p>사흘 전 글</p>",
        ).pk
    )
    for post_id in (unit_post, unlisted, old):
        assert lee.post(f"/api/v1/statuses/{post_id}/favourite").status_code == 200
    assert _ids(lee.get("/api/v1/trends/statuses")) == []


def test_bad_limits_are_refused_clearly(api_as, people: People) -> None:
    bad = api_as(people.kim).get("/api/v1/trends/statuses", {"limit": "many"})
    assert bad.status_code == 422 and bad.json() == {"error": "limit must be a number"}


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/api/v1/announcements", "read:accounts"),
        ("/api/v1/featured_tags", "read:accounts"),
        ("/api/v1/endorsements", "read:accounts"),
        ("/api/v1/domain_blocks", "read:blocks"),
        ("/api/v1/trends/links", None),
        ("/api/v1/instance/rules", None),
        ("/api/v1/instance/peers/", None),
        ("/api/v1/notifications/requests", "read:notifications"),
    ],
)
def test_features_a_tenant_has_no_use_for_answer_an_empty_list(api_as, people: People, path, scope) -> None:  # type: ignore[no-untyped-def]
    answer = api_as(people.kim, scope=scope or "read").get(path)
    assert answer.status_code == 200 and answer.json() == []
    if scope is None:  # public in Mastodon
        assert Client(HTTP_HOST=ACME_HOST).get(path).json() == []
    else:
        assert api_as(people.kim, scope="write").get(path).status_code == 403
        assert Client(HTTP_HOST=ACME_HOST).get(path).status_code == 401


def test_an_accounts_featured_tags_and_dismissing_an_announcement(api_as, people: People) -> None:
    kim = api_as(people.kim)
    assert kim.get(f"/api/v1/accounts/{people.lee.pk}/featured_tags").json() == []
    gone = kim.post("/api/v1/announcements/1/dismiss")
    assert gone.status_code == 404 and gone.json() == {"error": "Record not found"}


def test_the_instance_tells_apps_how_many_posts_may_be_pinned(api_as, people: People) -> None:
    kim = api_as(people.kim)
    assert kim.get("/api/v2/instance").json()["configuration"]["accounts"]["max_pinned_statuses"] == 5
    assert kim.get("/api/v1/instance").json()["configuration"]["accounts"]["max_pinned_statuses"] == 5


def test_the_notification_policy_accepts_everyone_and_holds_nothing_back(api_as, people: People) -> None:
    kim = api_as(people.kim, scope="read:notifications")
    v2 = kim.get("/api/v2/notifications/policy")
    assert v2.status_code == 200, v2.content
    assert v2.json()["for_not_following"] == "accept" and v2.json()["for_private_mentions"] == "accept"
    assert v2.json()["summary"] == {"pending_requests_count": 0, "pending_notifications_count": 0}
    v1 = kim.get("/api/v1/notifications/policy/").json()
    assert v1["filter_not_following"] is False and v1["summary"]["pending_notifications_count"] == 0
    assert kim.get("/api/v1/notifications/requests/merged").json() == {"merged": True}
    # The policy is not a setting here: changing it is refused, not silently ignored.
    refused = api_as(people.kim).patch("/api/v2/notifications/policy", {"for_not_following": "filter"})
    assert refused.status_code == 405 and refused.json() == {"error": "Method not allowed"}
    assert api_as(people.kim, scope="write").get("/api/v2/notifications/policy").status_code == 403
