"""Mastodon 4.3's grouped notifications (``/api/v2/notifications``) and the unread counts apps show as a
badge: likes and reposts of one post, and follows, within twelve hours are one group."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from notifications.models import Notification
from notifications.selectors import GROUP_SPAN_SECONDS
from notifications.services import deliver_favourite, deliver_follow, deliver_post_created, deliver_reblog
from tests.api.conftest import People, Queries
from tests.factories import employee, employees_bulk

pytestmark = pytest.mark.django_db


def _post(api, text: str, **fields: str) -> str:  # type: ignore[no-untyped-def]
    made = api.post("/api/v1/statuses", {"status": text, **fields})
    assert made.status_code == 200, made.content
    deliver_post_created(int(made.json()["id"]))  # what the worker does after commit
    return str(made.json()["id"])


def _like(api_as, who, post: str) -> None:  # type: ignore[no-untyped-def]
    assert api_as(who).post(f"/api/v1/statuses/{post}/favourite").status_code == 200
    deliver_favourite(int(post), who.pk)


def _follow(api_as, who, whom) -> None:  # type: ignore[no-untyped-def]
    assert api_as(who).post(f"/api/v1/accounts/{whom.pk}/follow").status_code == 200
    deliver_follow(who.pk, whom.pk)


def test_likes_of_one_post_are_one_group_with_its_people_and_the_post_once(api_as, people: People) -> None:
    kim = api_as(people.kim)
    post = _post(kim, "점심 메뉴 투표합니다")
    other = _post(kim, "회의록 공유")
    for who in (people.lee, people.choi, people.boss):
        _like(api_as, who, post)
    _like(api_as, people.lee, other)
    assert api_as(people.choi).post(f"/api/v1/statuses/{post}/reblog").status_code == 200
    deliver_reblog(int(post), people.choi.pk)
    reply = _post(api_as(people.lee), "@kim 저는 냉면이요", in_reply_to_id=post)
    _follow(api_as, people.lee, people.kim)
    _follow(api_as, people.boss, people.kim)
    mention = _post(api_as(people.choi), "@kim 확인 부탁드려요")

    answer = kim.get("/api/v2/notifications")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    groups = {(g["type"], g.get("status_id")): g for g in body["notification_groups"]}
    likes = groups[("favourite", post)]
    assert likes["notifications_count"] == 3
    assert likes["sample_account_ids"] == [str(people.boss.pk), str(people.choi.pk), str(people.lee.pk)]
    assert likes["group_key"].startswith(f"favourite-{post}-")
    assert groups[("favourite", other)]["notifications_count"] == 1
    assert groups[("reblog", post)]["notifications_count"] == 1
    follows = groups[("follow", None)]
    assert follows["notifications_count"] == 2 and "status_id" not in follows
    assert groups[("mention", mention)]["group_key"].startswith("ungrouped-")
    assert groups[("mention", reply)]["notifications_count"] == 1
    newest_first = [int(g["most_recent_notification_id"]) for g in body["notification_groups"]]
    assert newest_first == sorted(newest_first, reverse=True)
    # Each account and status once, and every id a group names is among them.
    assert sorted(a["id"] for a in body["accounts"]) == sorted({a["id"] for a in body["accounts"]})
    assert {post, other, mention} <= {s["id"] for s in body["statuses"]}
    named = {i for g in body["notification_groups"] for i in g["sample_account_ids"]}
    assert named <= {a["id"] for a in body["accounts"]}

    # A v1 notification names the group it belongs to in v2.
    v1 = {n["id"]: n["group_key"] for n in kim.get("/api/v1/notifications", {"limit": "30"}).json()}
    assert v1[likes["most_recent_notification_id"]] == likes["group_key"]

    # Ungrouped on request, as Mastodon's ``grouped_types``.
    flat = kim.get("/api/v2/notifications", {"grouped_types[]": "follow"}).json()["notification_groups"]
    assert sum(1 for g in flat if g["type"] == "favourite") == 4


def test_partial_avatars_give_each_groups_newest_account_in_full_and_the_rest_in_brief(
    api_as, people: People
) -> None:
    kim = api_as(people.kim)
    post = _post(kim, "점심 메뉴 투표합니다")
    for who in (people.lee, people.choi, people.boss):
        _like(api_as, who, post)
    _follow(api_as, people.choi, people.kim)

    body = kim.get("/api/v2/notifications", {"expand_accounts": "partial_avatars"}).json()
    full = {a["id"] for a in body["accounts"]}
    brief = {a["id"]: a for a in body["partial_accounts"]}
    # The likes' newest is boss, the follow's choi: those in full; lee, only in the likes' sample, brief.
    assert full == {str(people.boss.pk), str(people.choi.pk)}
    assert set(brief) == {str(people.lee.pk)}
    lee = brief[str(people.lee.pk)]
    assert set(lee) == {"id", "acct", "url", "avatar", "avatar_static", "locked", "bot"}
    assert lee["acct"] == "lee" and lee["avatar"].startswith("http")
    named = {i for g in body["notification_groups"] for i in g["sample_account_ids"]}
    assert named == full | set(brief)
    # Without it (or with "full"), every account in full and no partial list, as before.
    assert "partial_accounts" not in kim.get("/api/v2/notifications", {"expand_accounts": "full"}).json()


def test_likes_twelve_hours_apart_are_two_groups(api_as, people: People) -> None:
    kim = api_as(people.kim)
    post = _post(kim, "오래된 글")
    for who in (people.lee, people.choi):
        _like(api_as, who, post)
    earlier = Notification.objects.get(recipient=people.kim, actor=people.lee)
    earlier.created_at -= timedelta(seconds=GROUP_SPAN_SECONDS)
    earlier.save(update_fields=["created_at"])
    groups = kim.get("/api/v2/notifications").json()["notification_groups"]
    assert [g["notifications_count"] for g in groups] == [1, 1]


def test_groups_page_back_with_link_and_a_group_has_its_detail_people_and_dismissal(
    api_as, people: People
) -> None:
    kim = api_as(people.kim)
    posts = [_post(kim, f"글 {i}") for i in range(3)]
    fans = [employee(f"fan{i}") for i in range(10)]
    for post in posts:
        for fan in fans[:4]:
            _like(api_as, fan, post)
    first = kim.get("/api/v2/notifications", {"limit": "2"})
    assert [g["status_id"] for g in first.json()["notification_groups"]] == posts[:0:-1]
    after = urlsplit(first["Link"].split(";")[0].strip("<>"))
    rest = kim.get(f"{after.path}?{after.query}").json()["notification_groups"]
    assert [g["status_id"] for g in rest] == [posts[0]] and rest[0]["notifications_count"] == 4

    key = rest[0]["group_key"]
    detail = kim.get(f"/api/v2/notifications/{key}").json()
    assert [g["group_key"] for g in detail["notification_groups"]] == [key]
    assert [s["id"] for s in detail["statuses"]] == [posts[0]]
    everyone = kim.get(f"/api/v2/notifications/{key}/accounts").json()
    assert [a["id"] for a in everyone] == [str(f.pk) for f in reversed(fans[:4])]
    assert api_as(people.lee).get(f"/api/v2/notifications/{key}").status_code == 404  # not theirs
    assert kim.post(f"/api/v2/notifications/{key}/dismiss").status_code == 200
    assert kim.get(f"/api/v2/notifications/{key}").status_code == 404
    assert Notification.objects.filter(recipient=people.kim).count() == 8
    assert kim.get("/api/v2/notifications/nonsense-key").status_code == 404

    with Queries() as queries:
        kim.get("/api/v2/notifications")
    # token, the groups' notifications, their accounts, the statuses and their details, the marker-free
    assert queries.count <= 6, queries.sqls


def test_unread_counts_start_above_the_notifications_marker(api_as, people: People) -> None:
    kim = api_as(people.kim)
    post = _post(kim, "읽음 표시")
    for who in (people.lee, people.choi):
        _like(api_as, who, post)
    _follow(api_as, people.boss, people.kim)
    assert kim.get("/api/v1/notifications/unread_count").json() == {"count": 3}
    assert kim.get("/api/v2/notifications/unread_count").json() == {"count": 2}
    assert kim.get("/api/v1/notifications/unread_count", {"limit": "2"}).json() == {"count": 2}
    newest = kim.get("/api/v1/notifications").json()[0]["id"]
    assert kim.post("/api/v1/markers", {"notifications[last_read_id]": newest}).status_code == 200
    assert kim.get("/api/v1/notifications/unread_count").json() == {"count": 0}
    assert kim.get("/api/v2/notifications/unread_count").json() == {"count": 0}
    bad = kim.get("/api/v1/notifications/unread_count", {"limit": "lots"})
    assert bad.status_code == 422 and bad.json() == {"error": "limit must be a number"}
    assert api_as(people.kim, scope="write").get("/api/v2/notifications").status_code == 403


def test_a_page_reads_a_bounded_number_of_notifications_and_the_next_goes_on(
    api_as, people: People, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import notifications.selectors

    monkeypatch.setattr(notifications.selectors, "GROUP_SCAN_ROUNDS", 1)
    kim = api_as(people.kim)
    post = _post(kim, "인기 글")
    fans = employees_bulk("likes", 130)
    Notification.objects.bulk_create(
        [Notification(recipient=people.kim, kind="favourite", actor=fan, post_id=int(post)) for fan in fans]
    )
    first = kim.get("/api/v2/notifications", {"limit": "5"})  # reads 100 at most (5 × limit, at least 100)
    [group] = first.json()["notification_groups"]
    assert group["notifications_count"] == 100
    after = urlsplit(first["Link"].split(";")[0].strip("<>"))
    [rest] = kim.get(f"{after.path}?{after.query}").json()["notification_groups"]
    assert rest["group_key"] == group["group_key"] and rest["notifications_count"] == 30
