"""People search (Hangul and Latin names, usernames, units, titles), hashtag search and trends over
HTTP — each only ever counting posts the searcher may see."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from django.utils import timezone

from tests.search.conftest import Api, Org, Queries


def _people(api: Api, q: str, path: str = "/api/v2/search", **params: str) -> list[str]:
    if path == "/api/v2/search":
        params["type"] = "accounts"
    response = api.get(path, {"q": q, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    return [a["username"] for a in (body["accounts"] if isinstance(body, dict) else body)]


def _tags(api: Api, q: str) -> list[dict]:  # type: ignore[type-arg]
    response = api.get("/api/v2/search", {"q": q, "type": "hashtags"})
    assert response.status_code == 200, response.content
    return response.json()["hashtags"]


# ---- people ------------------------------------------------------------------------------------------


def test_people_by_hangul_name_whole_or_in_part(org: Org, api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as(org.park)
    assert _people(api, "김철수") == ["kim"]
    assert _people(api, "철수") == ["kim"]
    assert set(_people(api, "민수")) == {"choi"}


def test_people_by_latin_spelling_of_a_hangul_name(org: Org, api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as(org.park)
    assert _people(api, "cheolsu") == ["kim"]
    assert _people(api, "Kim Cheolsu") == ["kim"]
    assert _people(api, "cheol") == ["kim"]
    assert _people(api, "yeonghui") == ["lee"]
    assert _people(api, "smith") == ["jane"]


def test_people_by_username_unit_and_title(org: Org, api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as(org.kim)
    assert _people(api, "@choi") == ["choi"]
    assert set(_people(api, "영업1팀")) == {"kim", "lee"}
    assert set(_people(api, "연구소")) == {"choi", "jane"}
    assert _people(api, "engineer") == ["choi"]
    assert _people(api, "매니저") == ["lee"]
    assert _people(api, "영업 매니저") == ["lee"]  # every word must match something


def test_people_search_on_the_v1_endpoint_and_following(org: Org, api_as) -> None:  # type: ignore[no-untyped-def]
    org.follow(org.kim, org.choi)
    api = api_as(org.kim)
    assert set(_people(api, "연구소", path="/api/v1/accounts/search")) == {"choi", "jane"}
    assert _people(api, "연구소", path="/api/v1/accounts/search", following="true") == ["choi"]
    assert _people(api, "연구소", following="true") == ["choi"]


def test_a_renamed_employee_is_found_by_the_new_latin_name(
    org: Org, api_as, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from directory.services import employee_update

    with django_capture_on_commit_callbacks(execute=True):
        employee_update(employee=org.park, given_name="서준")
    api = api_as(org.kim)
    assert _people(api, "seojun") == ["park"]
    assert _people(api, "jimin") == []


def test_deactivated_people_are_not_found(org: Org, api_as) -> None:  # type: ignore[no-untyped-def]
    from directory.services import employee_deactivate

    employee_deactivate(employee=org.jane)
    assert _people(api_as(org.kim), "smith") == []


# ---- hashtags ----------------------------------------------------------------------------------------


def test_hashtag_case_and_hangul_normalisation(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "배포합니다 #Release")
    say(org.choi, "또 배포 #release")
    decomposed = unicodedata.normalize("NFD", "회의록")
    say(org.lee, f"오늘 정리 #{decomposed}")
    api = api_as(org.kim)
    found = _tags(api, "#RELEASE")
    assert [t["name"] for t in found] == ["Release"]
    assert found[0]["history"][0]["uses"] == "2" and found[0]["history"][0]["accounts"] == "2"
    assert [t["name"] for t in _tags(api, "회의록")] == [
        decomposed.__class__(unicodedata.normalize("NFC", decomposed))
    ]
    assert [t["name"] for t in _tags(api, unicodedata.normalize("NFD", "회의"))] == ["회의록"]


def test_hashtag_history_shape(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "#점심 메뉴")
    history = _tags(api_as(org.kim), "점심")[0]["history"]
    assert len(history) == 7
    assert all(set(day) == {"day", "uses", "accounts"} for day in history)
    assert all(isinstance(v, str) for day in history for v in day.values())
    days = [int(day["day"]) for day in history]
    assert days == sorted(days, reverse=True) and days[0] - days[1] == 86400


def test_tag_used_only_in_hidden_posts_is_not_found_nor_counted(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "#인사이동 내정", audience="unit", unit_id=org.team1.pk)
    say(org.boss, "#보상안 확정", min_rank=7)
    say(org.lee, "#공지 공개")
    say(org.lee, "#공지 비공개", audience="unit", unit_id=org.team1.pk)
    choi = api_as(org.choi)
    assert _tags(choi, "인사이동") == []
    assert _tags(choi, "보상안") == []
    assert _tags(choi, "공지")[0]["history"][0]["uses"] == "1"
    assert _tags(api_as(org.kim), "공지")[0]["history"][0]["uses"] == "2"


# ---- trends ------------------------------------------------------------------------------------------


def _trends(api: Api) -> list[dict]:  # type: ignore[type-arg]
    response = api.get("/api/v1/trends/tags")
    assert response.status_code == 200, response.content
    return response.json()


def test_trends_rank_tags_more_people_used_today(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    for author in (org.kim, org.lee, org.park):
        say(author, "#출시 드디어")
    say(org.choi, "#점심 맛집")
    for days_ago in (2, 3, 4):  # three people a day last week, one today: not rising
        for author in (org.kim, org.lee, org.park):
            say(author, "#점심 지난주", created_at=timezone.now() - timedelta(days=days_ago))
    trends = _trends(api_as(org.jane))
    assert [t["name"] for t in trends] == ["출시"]
    launch = trends[0]
    assert launch["history"][0]["accounts"] == "3" and launch["history"][0]["uses"] == "3"
    assert len(launch["history"]) == 7


def test_trends_count_only_company_posts_everyone_may_see(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "#비밀작전 시작", audience="unit", unit_id=org.team1.pk)
    say(org.boss, "#임원회의 소집", min_rank=5)
    org.follow(org.kim, org.lee)
    say(org.lee, "#팔로워만 안녕", audience="followers")
    say(org.lee, "@kim #디엠 안녕", audience="direct")
    say(org.choi, "#공개 안녕")
    for viewer in (org.kim, org.lee, org.choi, org.boss):
        assert [t["name"] for t in _trends(api_as(viewer))] == ["공개"]


def test_trends_for_an_anonymous_caller_are_empty(org: Org, say, acme_client) -> None:  # type: ignore[no-untyped-def]
    say(org.choi, "#공개 안녕")
    response = acme_client.get("/api/v1/trends/tags")
    assert response.status_code == 200 and response.json() == []


def test_tag_search_and_trends_query_counts_do_not_grow_with_results(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "#알파 하나")
    api = api_as(org.kim)
    _trends(api)
    with Queries() as one_t:
        _trends(api)
    with Queries() as one_s:
        _tags(api, "알")
    for name in ("알파벳", "알림", "알뜰"):
        say(org.choi, f"#{name} 둘")
        say(org.jane, f"#{name} 셋")
    with Queries() as many_t:
        assert len(_trends(api)) == 4
    with Queries() as many_s:
        assert len(_tags(api, "알")) == 4
    assert many_t.count == one_t.count
    assert many_s.count == one_s.count
