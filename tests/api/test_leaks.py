"""VISIBILITY.md's leak cases on every Mastodon read path (and the web app's Messages badge).

For each restricted kind of post (unit, followers, direct, min_rank) there is an insider who sees it
and an outsider who follows the author — so the post is a candidate on every path — yet must never
see it. Each path is checked for both: the insider proves the path would show it, the outsider that it
does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken

from directory.models import Employee
from directory.services import employee_create, unit_create
from notifications.services import _deliver
from posts.models import Post
from social.models import Follow
from social.services import tag_follow
from tests.api.conftest import Api, People
from tests.conftest import ACME_HOST
from timelines.services import fanout_run

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    name: str
    post_id: str
    insider: Employee
    outsider: Employee


@dataclass
class Scene:
    author: Employee
    cases: list[Case]
    favourer: Employee


@pytest.fixture
def scene(acme, api_as: Callable[..., Api], people: People) -> Scene:  # type: ignore[no-untyped-def]
    team = unit_create(name="영업1팀", parent=people.sales)

    def person(username: str, unit: Any, rank: int) -> Employee:
        return employee_create(
            username=username, email=f"{username}@acme.example", unit=unit, rank_level=rank, follow_unit=False
        )

    author = person("author", team, 3)
    teammate = person("teammate", team, 5)  # in the unit, senior, does not follow
    follower = person("follower", people.lab, 1)  # follows, outside the unit, junior
    friend = person("friend", people.lab, 2)  # follows, mentioned in the direct post
    for who in (teammate, follower, friend):
        Follow.objects.get_or_create(follower=who, followee=author)
    # Everyone follows the posts' hashtag too: each post also reaches each outsider's home that way.
    for who in (teammate, follower, friend, people.choi):
        tag_follow(employee=who, name="leak")

    api = api_as(author)

    def post(**fields: str) -> str:
        made = api.post("/api/v1/statuses", {**fields})
        assert made.status_code == 200, made.content
        fanout_run(int(made.json()["id"]))
        return str(made.json()["id"])

    cases = [
        Case(
            "unit",
            post(status="팀 공지 #leak", visibility="private", bt_unit_id=str(team.pk)),
            teammate,
            follower,
        ),
        Case("followers", post(status="팔로워 공지 #leak", visibility="private"), follower, people.choi),
        Case("direct", post(status="@friend 비밀 #leak", visibility="direct"), friend, follower),
        Case(
            "min_rank",
            post(status="간부 공지 #leak", visibility="public", bt_min_rank="4"),
            teammate,
            follower,
        ),
    ]
    # Each pinned to the author's profile (a direct message cannot be): the pinned list is a path too.
    for case in cases:
        if case.name != "direct":
            assert api.post(f"/api/v1/statuses/{case.post_id}/pin").status_code == 200
    # A like on each, by the insider: "who liked" lists and notifications must not reveal the post.
    for case in cases:
        assert api_as(case.insider).post(f"/api/v1/statuses/{case.post_id}/favourite").status_code == 200
        _deliver(
            "favourite",
            actor_id=case.insider.pk,
            post=Post.objects.get(pk=case.post_id),
            recipient_ids=[author.pk],
        )
    return Scene(author=author, cases=cases, favourer=people.choi)


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()]


def _filtered_by_hand(api: Api, post_id: str) -> bool:
    """Whether the reader could add the post to a keyword filter of theirs (a post they may not see
    is missing, so nothing about it is confirmed)."""
    made = api.post("/api/v2/filters", {"title": "leak", "context": ["home"]}, json=True)
    assert made.status_code == 200, made.content
    return (
        api.post(f"/api/v2/filters/{made.json()['id']}/statuses", {"status_id": post_id}).status_code == 200
    )


def _messages_badge_counts(api: Api) -> bool:
    """Whether the web app's Messages badge of the one the token speaks for counts a conversation (the
    scene's direct post is the only one anyone in it has)."""
    web = Client(HTTP_HOST=ACME_HOST)
    web.force_login(AccessToken.objects.get(token=api.token).user)
    answer = web.get("/messages/badge")
    assert answer.status_code == 200
    found = re.search(r'data-count="(\d+)"', answer.content.decode())
    assert found is not None
    return int(found.group(1)) > 0


PATHS: dict[str, Callable[[Api, Scene, Case], bool]] = {
    "by id": lambda api, s, c: api.get(f"/api/v1/statuses/{c.post_id}").status_code == 200,
    "by ids": lambda api, s, c: c.post_id in _ids(api.get("/api/v1/statuses", {"id[]": [c.post_id]})),
    "home": lambda api, s, c: c.post_id in _ids(api.get("/api/v1/timelines/home")),
    "profile": lambda api, s, c: c.post_id in _ids(api.get(f"/api/v1/accounts/{s.author.pk}/statuses")),
    "hashtag": lambda api, s, c: c.post_id in _ids(api.get("/api/v1/timelines/tag/leak")),
    "pinned": lambda api, s, c: (
        c.post_id in _ids(api.get(f"/api/v1/accounts/{s.author.pk}/statuses", {"pinned": "true"}))
    ),
    "context": lambda api, s, c: api.get(f"/api/v1/statuses/{c.post_id}/context").status_code == 200,
    "favourited_by": lambda api, s, c: (
        api.get(f"/api/v1/statuses/{c.post_id}/favourited_by").status_code == 200
    ),
    "reblogged_by": lambda api, s, c: (
        api.get(f"/api/v1/statuses/{c.post_id}/reblogged_by").status_code == 200
    ),
    "bookmark": lambda api, s, c: (
        api.post(f"/api/v1/statuses/{c.post_id}/bookmark").status_code == 200
        and c.post_id in _ids(api.get("/api/v1/bookmarks"))
    ),
    "conversations": lambda api, s, c: (
        c.post_id
        in [conversation["last_status"]["id"] for conversation in api.get("/api/v1/conversations").json()]
    ),
    "trends": lambda api, s, c: c.post_id in _ids(api.get("/api/v1/trends/statuses")),
    "messages badge (web)": lambda api, s, c: _messages_badge_counts(api),
    "mute conversation": lambda api, s, c: (
        api.post(f"/api/v1/statuses/{c.post_id}/mute").status_code == 200
        and api.get(f"/api/v1/statuses/{c.post_id}").json().get("muted") is True
    ),
    "filter a post": lambda api, s, c: _filtered_by_hand(api, c.post_id),
    "schedule a reply": lambda api, s, c: (
        api.post(
            "/api/v1/statuses",
            {
                "status": "나중에 답할게요",
                "in_reply_to_id": c.post_id,
                "scheduled_at": "2099-01-01T09:00:00Z",
            },
        ).status_code
        == 200
    ),
    "favourite": lambda api, s, c: (
        api.post(f"/api/v1/statuses/{c.post_id}/favourite").status_code == 200
        and c.post_id in _ids(api.get("/api/v1/favourites"))
    ),
}
# The hashtag timeline is a public page: direct posts stay off it even for those who may see them.
# Conversations (and so the Messages badge) hold direct posts only, and a direct message cannot be
# pinned.
NOT_ON_PATH = {
    ("direct", "hashtag"),
    ("direct", "pinned"),
    *(
        (kind, path)
        for kind in ("unit", "followers", "min_rank")
        for path in ("conversations", "messages badge (web)")
    ),
    # Only company posts trend: of the scene's, the rank-floored one (liked by its insider).
    *((kind, "trends") for kind in ("unit", "followers", "direct")),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_restricted_posts_reach_insiders_and_never_outsiders(
    scene: Scene, api_as: Callable[..., Api], path: str
) -> None:
    for case in scene.cases:
        check = PATHS[path]
        if (case.name, path) not in NOT_ON_PATH:
            assert check(api_as(case.insider), scene, case), (
                f"{case.name} post missing for its insider on {path}"
            )
        assert not check(api_as(case.outsider), scene, case), (
            f"{case.name} post leaked to an outsider on {path}"
        )


def test_a_reply_in_a_restricted_thread_is_hidden_from_outsiders_context(
    scene: Scene, api_as: Callable[..., Api], people: People
) -> None:
    opener = (
        api_as(scene.author).post("/api/v1/statuses", {"status": "전체 공지", "visibility": "public"}).json()
    )
    unit_case = scene.cases[0]
    reply = (
        api_as(unit_case.insider)
        .post(
            "/api/v1/statuses",
            {
                "status": "팀끼리만",
                "in_reply_to_id": opener["id"],
                "visibility": "private",
                "bt_unit_id": str(unit_case.insider.unit_id),
            },
        )
        .json()
    )
    insider_context = api_as(unit_case.insider).get(f"/api/v1/statuses/{opener['id']}/context").json()
    outsider_view = api_as(unit_case.outsider).get(f"/api/v1/statuses/{opener['id']}")
    outsider_context = api_as(unit_case.outsider).get(f"/api/v1/statuses/{opener['id']}/context").json()
    assert [s["id"] for s in insider_context["descendants"]] == [reply["id"]]
    assert outsider_context["descendants"] == []
    assert outsider_view.json()["replies_count"] == 0  # no count that reveals the hidden reply


def test_notifications_about_restricted_posts_go_only_to_those_who_see_them(
    scene: Scene, api_as: Callable[..., Api]
) -> None:
    author = api_as(scene.author)
    liked = {
        n["status"]["id"] for n in author.get("/api/v1/notifications").json() if n["type"] == "favourite"
    }
    assert liked == {c.post_id for c in scene.cases}  # the author sees their own posts
    for case in scene.cases:
        _deliver(
            "mention",
            actor_id=scene.author.pk,
            post=Post.objects.get(pk=case.post_id),
            recipient_ids=[case.outsider.pk],
        )
        shown = [
            n["status"]["id"]
            for n in api_as(case.outsider).get("/api/v1/notifications").json()
            if n["status"]
        ]
        assert case.post_id not in shown
        grouped = api_as(case.outsider).get("/api/v2/notifications").json()
        assert case.post_id not in [s["id"] for s in grouped["statuses"]]
        assert case.post_id not in [g.get("status_id") for g in grouped["notification_groups"]]
    # The grouped form shows the author all of them, each liked by its insider.
    groups = author.get("/api/v2/notifications", {"types[]": "favourite"}).json()["notification_groups"]
    assert {g["status_id"] for g in groups} == {c.post_id for c in scene.cases}


def test_post_notifications_for_followers_reach_only_those_who_see_the_post(
    scene: Scene, api_as: Callable[..., Api], people: People
) -> None:
    from notifications.models import Notification
    from notifications.services import deliver_post_created

    # Everyone in the scene asks to hear of each of the author's posts ("notify"), outsiders included
    # (but the followers post's: following would make them its insider).
    for case in scene.cases:
        for who in (case.insider,) if case.name == "followers" else (case.insider, case.outsider):
            Follow.objects.update_or_create(follower=who, followee=scene.author, defaults={"notify": True})
    for case in scene.cases:
        deliver_post_created(int(case.post_id))
    for case in scene.cases:
        told = set(Notification.objects.filter(post_id=case.post_id).values_list("recipient_id", flat=True))
        assert case.insider.pk in told, f"{case.name} post not told to its insider"
        assert case.outsider.pk not in told, f"{case.name} post told to an outsider"
        shown = [n["status"]["id"] for n in api_as(case.outsider).get("/api/v1/notifications").json()]
        assert case.post_id not in shown


def test_deactivated_employee_sees_nothing_and_their_token_dies(
    scene: Scene, api_as: Callable[..., Api]
) -> None:
    case = scene.cases[0]
    insider = api_as(case.insider)
    assert insider.get(f"/api/v1/statuses/{case.post_id}").status_code == 200
    case.insider.is_active = False
    case.insider.save(update_fields=["is_active"])
    assert insider.get(f"/api/v1/statuses/{case.post_id}").status_code == 401
    # Their posts stay, shown by name.
    assert api_as(scene.author).get(f"/api/v1/statuses/{case.post_id}/favourited_by").status_code == 200
