"""Keyword filters (``/api/v2/filters`` and the older ``/api/v1/filters``): posts with a filter's words,
or filtered by hand, are left out where a "hide" filter applies and carry ``filtered`` everywhere else;
nothing of anyone else's filters is readable; bad input is a 422 that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from directory.models import Employee
from filters.models import Filter, FilterKeyword
from notifications.services import deliver_post_created
from social.models import Follow
from tests.api.conftest import Api, People, Queries
from timelines.services import fanout_run

pytestmark = pytest.mark.django_db


def _post(api: Api, text: str, **fields: str) -> str:
    made = api.post("/api/v1/statuses", {"status": text, **fields})
    assert made.status_code == 200, made.content
    pk = int(made.json()["id"])
    fanout_run(pk)  # what the worker does after commit
    deliver_post_created(pk)
    return str(pk)


def _filter(api: Api, **fields: Any) -> dict[str, Any]:
    made = api.post("/api/v2/filters", fields, json=True)
    assert made.status_code == 200, made.content
    return made.json()  # type: ignore[no-any-return]


def _texts(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.content
    return [s["content"] for s in answer.json()]


def _by_id(answer: Any) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 200, answer.content
    return {s["id"]: s for s in answer.json()}


@pytest.fixture
def kim_follows_lee(people: People) -> None:
    Follow.objects.get_or_create(follower=people.kim, followee=people.lee)


def test_a_hide_filter_keeps_posts_out_of_its_contexts_and_marks_them_elsewhere(
    api_as, people: People, kim_follows_lee: None
) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    lunch = _post(lee, "오늘 점심은 냉면입니다 #점심")
    meeting = _post(lee, "주간 회의는 3시에 시작합니다")
    assert len(_texts(kim.get("/api/v1/timelines/home"))) == 2

    made = _filter(
        kim,
        title="점심 이야기",
        context=["home", "public"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "점심", "whole_word": True}],
    )
    assert made["title"] == "점심 이야기"
    assert made["context"] == ["home", "public"]
    assert made["filter_action"] == "hide"
    assert [(k["keyword"], k["whole_word"]) for k in made["keywords"]] == [("점심", True)]
    assert made["expires_at"] is None and made["statuses"] == []

    # "점심은": a Korean word with its particle is the whole word.
    for path in ("/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/timelines/tag/점심"):
        shown = _by_id(kim.get(path))
        assert lunch not in shown, path
        if "tag" not in path:
            assert meeting in shown, path
    # The profile is not among the filter's contexts: the post is there, marked for apps to decide.
    profile = _by_id(kim.get(f"/api/v1/accounts/{people.lee.pk}/statuses"))
    assert set(profile) == {lunch, meeting}
    [result] = profile[lunch]["filtered"]
    assert result["filter"] == {
        "id": made["id"],
        "title": "점심 이야기",
        "context": ["home", "public"],
        "expires_at": None,
        "filter_action": "hide",
    }
    assert result["keyword_matches"] == ["점심"] and result["status_matches"] is None
    assert profile[meeting]["filtered"] == []
    # Asked for by id, a post is always answered, with its filter results.
    assert kim.get(f"/api/v1/statuses/{lunch}").json()["filtered"][0]["filter"]["id"] == made["id"]
    # Filters are their owner's alone.
    assert lunch in _by_id(api_as(people.choi).get("/api/v1/timelines/public"))
    assert _by_id(lee.get("/api/v1/timelines/home"))[lunch]["filtered"] == []


def test_a_warn_filter_names_the_words_that_matched_on_posts_and_reposts(
    api_as, people: People, kim_follows_lee: None
) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    # Rails' nested form fields, as some apps send them.
    made = kim.post(
        "/api/v2/filters",
        {
            "title": "Releases",
            "context[]": ["home"],
            "keywords_attributes[][keyword]": ["release", "배포"],
            "keywords_attributes[][whole_word]": ["true", "false"],
        },
    )
    assert made.status_code == 200, made.content
    assert made.json()["filter_action"] == "warn"
    assert [(k["keyword"], k["whole_word"]) for k in made.json()["keywords"]] == [
        ("release", True),
        ("배포", False),
    ]
    loud = _post(lee, "The RELEASE is out; 배포완료")
    tagged = _post(lee, "New #release_2 branch cut")  # "release_2" is another word
    poll = _post(
        lee, "Which day?", **{"poll[options][]": ["Monday release", "Friday"], "poll[expires_in]": "3600"}
    )
    quiet = _post(lee, "Releases are on Thursdays")  # "Releases" is another word too
    home = _by_id(kim.get("/api/v1/timelines/home"))
    assert {loud, tagged, poll, quiet} <= set(home)  # warn hides nothing
    [result] = home[loud]["filtered"]
    assert result["keyword_matches"] == ["release", "배포"]
    assert result["filter"]["filter_action"] == "warn"
    assert home[poll]["filtered"][0]["keyword_matches"] == ["release"]  # a poll's options count
    assert home[tagged]["filtered"] == [] and home[quiet]["filtered"] == []
    # A repost is covered by its original's words, on the wrapper and on the original inside it.
    Follow.objects.get_or_create(follower=people.kim, followee=people.choi)
    boosted = api_as(people.choi).post(f"/api/v1/statuses/{loud}/reblog")
    assert boosted.status_code == 200
    fanout_run(int(boosted.json()["id"]))
    wrapper = _by_id(kim.get(f"/api/v1/accounts/{people.choi.pk}/statuses"))[boosted.json()["id"]]
    assert wrapper["filtered"][0]["keyword_matches"] == ["release", "배포"]
    assert wrapper["reblog"]["filtered"][0]["keyword_matches"] == ["release", "배포"]


def test_a_post_filtered_by_hand_is_hidden_whatever_its_words(
    api_as, people: People, kim_follows_lee: None
) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    post = _post(lee, "분기 실적 발표 자료 공유합니다")
    made = _filter(kim, title="이 글", context=["home"], filter_action="hide")
    added = kim.post(f"/api/v2/filters/{made['id']}/statuses", {"status_id": post})
    assert added.status_code == 200, added.content
    assert added.json()["status_id"] == post
    assert post not in _by_id(kim.get("/api/v1/timelines/home"))
    shown = kim.get(f"/api/v1/statuses/{post}").json()["filtered"]
    assert shown[0]["status_matches"] == [post] and shown[0]["keyword_matches"] is None
    # Twice is refused; the entry is readable and removable by id.
    again = kim.post(f"/api/v2/filters/{made['id']}/statuses", {"status_id": post})
    assert again.status_code == 422 and "error" in again.json()
    entry = added.json()["id"]
    assert kim.get(f"/api/v2/filters/statuses/{entry}").json() == added.json()
    assert kim.get(f"/api/v2/filters/{made['id']}/statuses").json() == [added.json()]
    assert kim.delete(f"/api/v2/filters/statuses/{entry}").status_code == 200
    assert post in _by_id(kim.get("/api/v1/timelines/home"))


def test_a_post_the_owner_may_not_see_cannot_be_filtered(api_as, people: People) -> None:
    kim, choi = api_as(people.kim), api_as(people.choi)
    lab_only = choi.post("/api/v1/statuses", {"status": "연구소 내부 공지", "bt_unit_id": str(people.lab.pk)})
    assert lab_only.status_code == 200, lab_only.content
    made = _filter(kim, title="x", context=["home"])
    refused = kim.post(f"/api/v2/filters/{made['id']}/statuses", {"status_id": lab_only.json()["id"]})
    assert refused.status_code == 404
    assert refused.json() == {"error": "Record not found"}
    assert kim.get(f"/api/v2/filters/{made['id']}").json()["statuses"] == []


def test_notification_and_thread_filters_leave_out_what_they_cover(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    root = _post(kim, "워크숍 장소 추천 받습니다")
    spoiler = _post(lee, "@kim 결과 알려드릴게요", in_reply_to_id=root, spoiler_text="스포일러 주의")
    plain = _post(lee, "@kim 판교 어떠세요?", in_reply_to_id=root)
    _filter(
        kim,
        title="스포",
        context=["notifications", "thread"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "스포일러"}],  # a content warning is searched too
    )
    context = kim.get(f"/api/v1/statuses/{root}/context").json()
    assert [s["id"] for s in context["descendants"]] == [plain]
    v1 = kim.get("/api/v1/notifications").json()
    assert [n["status"]["id"] for n in v1] == [plain]
    v2 = kim.get("/api/v2/notifications").json()
    assert [g["status_id"] for g in v2["notification_groups"]] == [plain]
    assert [s["id"] for s in v2["statuses"]] == [plain]
    # The badges count what the pages show.
    assert kim.get("/api/v1/notifications/unread_count").json() == {"count": 1}
    assert kim.get("/api/v2/notifications/unread_count").json() == {"count": 1}
    assert lee.get("/api/v1/notifications/unread_count").json() == {"count": 0}
    # A profile is not a context of this filter: the reply is there, marked.
    profile = _by_id(kim.get(f"/api/v1/accounts/{people.lee.pk}/statuses"))
    assert profile[spoiler]["filtered"][0]["keyword_matches"] == ["스포일러"]


def test_filters_are_edited_listed_and_deleted_and_expire(api_as, people: People) -> None:
    kim = api_as(people.kim)
    made = _filter(
        kim,
        title="Noise",
        context=["home"],
        keywords_attributes=[{"keyword": "lunch"}, {"keyword": "coffee", "whole_word": False}],
    )
    lunch, coffee = made["keywords"]
    assert Employee.objects.get(pk=people.kim.pk).has_filters

    changed = kim.put(
        f"/api/v2/filters/{made['id']}",
        {
            "title": "Food noise",
            "context": ["home", "public"],
            "filter_action": "hide",
            "expires_in": 3600,
            "keywords_attributes": [
                {"id": lunch["id"], "_destroy": True},
                {"id": coffee["id"], "keyword": "latte"},
                {"keyword": "tea"},
            ],
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["title"], body["context"], body["filter_action"]) == (
        "Food noise",
        ["home", "public"],
        "hide",
    )
    assert body["expires_at"] is not None
    assert [(k["keyword"], k["whole_word"]) for k in body["keywords"]] == [("latte", False), ("tea", True)]

    added = kim.post(f"/api/v2/filters/{made['id']}/keywords", {"keyword": "bagel", "whole_word": "false"})
    assert added.status_code == 200 and added.json()["whole_word"] is False
    edited = kim.put(f"/api/v2/filters/keywords/{added.json()['id']}", {"keyword": "bagels"})
    assert edited.json()["keyword"] == "bagels"
    assert [k["keyword"] for k in kim.get(f"/api/v2/filters/{made['id']}/keywords").json()] == [
        "latte",
        "tea",
        "bagels",
    ]
    assert kim.delete(f"/api/v2/filters/keywords/{added.json()['id']}").status_code == 200

    # Expired, a filter is still listed (apps show it as such) but no longer applies.
    lee = api_as(people.lee)
    Follow.objects.get_or_create(follower=people.kim, followee=people.lee)
    tea = _post(lee, "Tea time at 4")
    assert tea not in _by_id(kim.get("/api/v1/timelines/home"))
    Filter.objects.filter(pk=made["id"]).update(expires_at="2000-01-01T00:00:00Z")
    assert _by_id(kim.get("/api/v1/timelines/home"))[tea]["filtered"] == []
    assert [f["id"] for f in kim.get("/api/v2/filters").json()] == [made["id"]]

    assert kim.delete(f"/api/v2/filters/{made['id']}").status_code == 200
    assert kim.get("/api/v2/filters").json() == []
    assert not FilterKeyword.objects.exists()
    assert not Employee.objects.get(pk=people.kim.pk).has_filters


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"context": ["home"]}, "Title can't be blank"),
        ({"title": "x"}, "Context can't be blank"),
        ({"title": "x", "context": ["home", "everywhere"]}, "Context everywhere is not one of"),
        ({"title": "x", "context": ["home"], "filter_action": "explode"}, "Filter action is not one of"),
        (
            {"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": "  "}]},
            "Keyword can't be blank",
        ),
        ({"title": "x", "context": ["home"], "expires_in": "soon"}, "Expires in must be a number"),
        ({"title": "x" * 201, "context": ["home"]}, "Title is too long"),
    ],
)
def test_bad_filters_are_refused_and_change_nothing(
    api_as, people: People, fields: dict[str, Any], message: str
) -> None:
    refused = api_as(people.kim).post("/api/v2/filters", fields, json=True)
    assert refused.status_code == 422, refused.content
    assert message in refused.json()["error"]
    assert not Filter.objects.exists()
    assert not Employee.objects.get(pk=people.kim.pk).has_filters


def test_someone_elses_filter_is_missing_and_untouched(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    made = _filter(kim, title="mine", context=["home"], keywords_attributes=[{"keyword": "secret"}])
    keyword = made["keywords"][0]["id"]
    for answer in (
        lee.get(f"/api/v2/filters/{made['id']}"),
        lee.put(f"/api/v2/filters/{made['id']}", {"title": "theirs"}),
        lee.delete(f"/api/v2/filters/{made['id']}"),
        lee.get(f"/api/v2/filters/{made['id']}/keywords"),
        lee.post(f"/api/v2/filters/{made['id']}/keywords", {"keyword": "x"}),
        lee.get(f"/api/v2/filters/keywords/{keyword}"),
        lee.delete(f"/api/v2/filters/keywords/{keyword}"),
        lee.get(f"/api/v1/filters/{keyword}"),
        lee.delete(f"/api/v1/filters/{keyword}"),
    ):
        assert answer.status_code == 404, answer.content
    assert lee.get("/api/v2/filters").json() == [] and lee.get("/api/v1/filters").json() == []
    assert kim.get(f"/api/v2/filters/{made['id']}").json() == made


def test_v1_filters_are_keywords_with_their_filters_settings(
    api_as, people: People, kim_follows_lee: None
) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    made = kim.post(
        "/api/v1/filters",
        {"phrase": "회식", "context[]": ["home"], "irreversible": "true", "whole_word": "false"},
    )
    assert made.status_code == 200, made.content
    v1 = made.json()
    assert (v1["phrase"], v1["context"], v1["irreversible"], v1["whole_word"]) == (
        "회식",
        ["home"],
        True,
        False,
    )
    assert kim.get("/api/v1/filters").json() == [v1]
    assert kim.get("/api/v2/filters").json()[0]["keywords"][0]["id"] == v1["id"]
    dinner = _post(lee, "금요일 팀회식 장소 투표")  # not whole-word: inside another word too
    assert dinner not in _by_id(kim.get("/api/v1/timelines/home"))

    changed = kim.put(f"/api/v1/filters/{v1['id']}", {"phrase": "야근", "irreversible": False})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["phrase"], changed.json()["irreversible"]) == ("야근", False)
    assert dinner in _by_id(kim.get("/api/v1/timelines/home"))

    assert kim.delete(f"/api/v1/filters/{v1['id']}").status_code == 200
    assert kim.get("/api/v2/filters").json() == []  # its filter went with its only keyword


def test_filters_cost_one_statement_and_none_for_those_without(
    api_as, people: People, kim_follows_lee: None
) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    for i in range(5):
        _post(lee, f"공지 {i}: 점심 메뉴")
    kim.get("/api/v1/timelines/home")  # warm: token and feed
    with Queries() as without:
        assert len(_texts(kim.get("/api/v1/timelines/home"))) == 5
    _filter(
        kim, title="점심", context=["home"], filter_action="hide", keywords_attributes=[{"keyword": "메뉴"}]
    )
    kim.get("/api/v1/timelines/home")
    with Queries() as with_filters:
        assert _texts(kim.get("/api/v1/timelines/home")) == []
    assert with_filters.count == without.count + 1
    assert with_filters.count <= 4, with_filters.sqls
