"""Mastodon's follow options on ``POST /api/v1/accounts/:id/follow``: ``reblogs=false`` keeps a person's
reposts off one's home timeline ("hide boosts"), ``notify=true`` notifies one of their every new post
("status"), both shown in the Relationship and kept when a later follow leaves them out."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from notifications.services import deliver_post_created
from posts.services import post_create
from social.models import Follow
from tests.api.conftest import Api, People
from timelines.services import fanout_run

pytestmark = pytest.mark.django_db


def _follow(api: Api, whom: int, **options: str) -> dict[str, object]:
    answer = api.post(f"/api/v1/accounts/{whom}/follow", options)
    assert answer.status_code == 200, answer.content
    return answer.json()  # type: ignore[no-any-return]


def _home(api: Api) -> list[str]:
    answer = api.get("/api/v1/timelines/home")
    assert answer.status_code == 200, answer.content
    return [s["id"] for s in answer.json()]


def test_hidden_reposts_stay_off_home_until_shown_again(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    Follow.objects.filter(follower=people.kim).delete()
    relation = _follow(kim, people.lee.pk, reblogs="false")
    assert relation["following"] is True and relation["showing_reblogs"] is False
    own = lee.post("/api/v1/statuses", {"status": "이영희의 글"}).json()["id"]
    shared = api_as(people.choi).post("/api/v1/statuses", {"status": "최민수의 소식"}).json()["id"]
    repost = lee.post(f"/api/v1/statuses/{shared}/reblog").json()["id"]
    for pk in (own, repost):
        fanout_run(int(pk))

    assert _home(kim) == [own]  # lee's own post, not the repost
    assert lee.get("/api/v1/timelines/home").json()[0]["id"] == repost  # lee still sees their own
    # Following again without the option keeps it; showing reposts brings the repost back at once.
    assert _follow(kim, people.lee.pk)["showing_reblogs"] is False
    assert _follow(kim, people.lee.pk, reblogs="true")["showing_reblogs"] is True
    assert _home(kim) == [repost, own]


def test_notify_tells_of_each_new_post_the_follower_may_see_and_nothing_else(api_as, people: People) -> None:
    kim = api_as(people.kim)
    relation = _follow(kim, people.boss.pk, notify="true")
    assert relation["notifying"] is True
    _follow(api_as(people.lee), people.boss.pk, notify="true")
    notice = post_create(author=people.boss, text="전 직원 공지: 연말 행사 안내")
    thread = post_create(author=people.boss, text="행사 장소는 1층", in_reply_to_id=notice.pk)  # own thread
    question = post_create(author=people.lee, text="행사 복장은요?")
    answer = post_create(author=people.boss, text="@lee 자유 복장입니다", in_reply_to_id=question.pk)
    seniors = post_create(author=people.boss, text="과장급 이상만 보는 글", min_rank=3)  # kim: rank 1
    mention = post_create(author=people.boss, text="@kim 자료 부탁해요")
    for post in (notice, thread, answer, seniors, mention):
        deliver_post_created(post.pk)

    got = {(n["type"], n["status"]["id"]) for n in kim.get("/api/v1/notifications").json()}
    assert got == {
        ("status", str(notice.pk)),
        ("status", str(thread.pk)),  # a reply in one's own thread counts, as in Mastodon
        ("mention", str(mention.pk)),  # once, as a mention
    }
    # A reply to someone else notifies no follower; a post kim may not see (below its rank floor)
    # only those who may: lee, rank 3, who asked too.
    assert not Notification.objects.filter(post=answer, kind="status").exists()
    assert not Notification.objects.filter(post=seniors, recipient=people.kim).exists()
    assert Notification.objects.filter(post=seniors, recipient=people.lee, kind="status").exists()

    assert _follow(kim, people.boss.pk, notify="false")["notifying"] is False
    later = post_create(author=people.boss, text="두 번째 공지")
    deliver_post_created(later.pk)
    assert not Notification.objects.filter(recipient=people.kim, post=later).exists()


def test_a_follow_with_options_is_new_and_relationships_show_them(api_as, people: People) -> None:
    kim = api_as(people.kim)
    Follow.objects.filter(follower=people.kim, followee=people.choi).delete()
    _follow(kim, people.choi.pk, reblogs="0", notify="1")
    follow = Follow.objects.get(follower=people.kim, followee=people.choi)
    assert (follow.show_reblogs, follow.notify) == (False, True)
    [relation] = kim.get("/api/v1/accounts/relationships", {"id[]": str(people.choi.pk)}).json()
    assert (relation["showing_reblogs"], relation["notifying"]) == (False, True)
    assert kim.post(f"/api/v1/accounts/{people.choi.pk}/unfollow").json()["notifying"] is False


def test_the_fan_out_asks_for_notifications_of_a_post_its_writing_did_not(api_as, people: People) -> None:
    # A plain post queues no notification task when it is written (posts.services.post_create); the
    # fan-out finds the followers who asked to hear of it in its first statement and queues one.
    from timelines.services import _dangerously_fanout_start

    def flagged(post) -> bool:  # type: ignore[no-untyped-def]
        start = _dangerously_fanout_start(post.pk)
        assert start is not None
        return start[5]

    plain = post_create(author=people.boss, text="공지 없음")
    assert not flagged(plain)  # nobody asked yet
    _follow(api_as(people.kim), people.boss.pk, notify="true")
    assert flagged(post_create(author=people.boss, text="전 직원 공지"))
    # Mentions and replies queued their own task at writing, which tells the notify-followers too.
    assert not flagged(post_create(author=people.boss, text="@lee 확인 부탁"))
    assert not flagged(post_create(author=people.boss, text="이어서", in_reply_to_id=plain.pk))
    assert not flagged(post_create(author=people.lee, text="팔로워가 알림을 켜지 않은 사람의 글"))
