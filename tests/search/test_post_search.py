"""Full-text post search over HTTP: Korean and English, partial words, one- and two-character terms,
newest first and paged, and never a post outside the searcher's audience."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from posts.models import Post
from search import selectors
from tests.search.conftest import Api, Org, Queries


def _statuses(api: Api, q: str, **params: str) -> list[str]:
    response = api.get("/api/v2/search", {"q": q, "type": "statuses", **params})
    assert response.status_code == 200, response.content
    return [s["content"] for s in response.json()["statuses"]]


def _ids(api: Api, q: str, **params: str) -> list[str]:
    return [
        s["id"] for s in api.get("/api/v2/search", {"q": q, "type": "statuses", **params}).json()["statuses"]
    ]


def test_two_syllable_korean_word_finds_it_inside_a_compound(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "주간회의록 공유합니다")
    say(org.lee, "오늘 점심은 비빔밥")
    found = _statuses(api_as(org.kim), "회의")
    assert len(found) == 1 and "주간회의록" in found[0]


def test_longer_korean_term_and_every_word_of_the_query_must_match(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "3분기 예산 회의는 목요일입니다")
    say(org.lee, "예산 초안 검토 부탁드립니다")
    kim = api_as(org.kim)
    assert len(_statuses(kim, "예산")) == 2
    assert len(_statuses(kim, "예산 회의")) == 1
    assert len(_statuses(kim, "목요일입니다")) == 1
    assert _statuses(kim, "금요일") == []


def test_english_partial_word_in_any_case(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.jane, "The Deployment of v2 finished without errors")
    say(org.jane, "Lunch at noon?")
    jane = api_as(org.kim)
    assert len(_statuses(jane, "deplo")) == 1
    assert len(_statuses(jane, "DEPLOYMENT")) == 1
    assert len(_statuses(jane, "ployme")) == 1
    assert _statuses(jane, "deploys") == []


def test_one_character_terms(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "영업팀 회식 장소 정했어요")  # 팀 at the end of a word
    say(org.lee, "팀 전체 공지")  # 팀 as a word of its own
    say(org.lee, "팀장님 보고서")  # at the start of a word
    say(org.lee, "오늘은 재택")
    say(org.jane, "Plan B is ready")
    kim = api_as(org.kim)
    assert len(_statuses(kim, "팀")) == 3
    assert len(_statuses(kim, "b")) == 1
    assert _statuses(kim, "뷁") == []


def test_mixed_korean_and_english_post(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.choi, "API 서버 배포 완료 (release 2.3)")
    kim = api_as(org.kim)
    assert len(_statuses(kim, "배포")) == 1
    assert len(_statuses(kim, "api")) == 1
    assert len(_statuses(kim, "배포 releas")) == 1


def test_content_warning_text_is_searched(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "자세한 내용은 본문에", spoiler_text="인사발령 안내")
    assert len(_statuses(api_as(org.kim), "인사발령")) == 1


def test_newest_first_paged_by_limit_offset_and_max_id(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    posts = [say(org.lee, f"주간보고 {i}") for i in range(5)]
    kim = api_as(org.kim)
    newest_first = [str(p.pk) for p in reversed(posts)]
    assert _ids(kim, "보고") == newest_first
    assert _ids(kim, "보고", limit="2") == newest_first[:2]
    assert _ids(kim, "보고", limit="2", offset="2") == newest_first[2:4]
    assert _ids(kim, "보고", max_id=newest_first[1]) == newest_first[2:]
    assert _ids(kim, "보고", min_id=newest_first[2]) == newest_first[:2]


def test_account_id_limits_to_one_author(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "배포 일정")
    mine = say(org.choi, "배포 완료")
    assert _ids(api_as(org.kim), "배포", account_id=str(org.choi.pk)) == [str(mine.pk)]


def test_reposts_are_not_results_twice(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    from posts.services import post_reblog

    post = say(org.lee, "신제품 출시 소식")
    post_reblog(post=post, actor=org.park)
    assert _ids(api_as(org.kim), "출시") == [str(post.pk)]


def test_bad_input_is_422_and_an_empty_query_finds_nothing(org: Org, api_as) -> None:  # type: ignore[no-untyped-def]
    kim = api_as(org.kim)
    assert kim.get("/api/v2/search", {"q": "x", "type": "people"}).status_code == 422
    assert kim.get("/api/v2/search", {"q": "x", "offset": "many"}).status_code == 422
    assert kim.get("/api/v2/search", {"q": "x", "limit": "lots"}).status_code == 422
    assert kim.get("/api/v2/search", {"q": "  "}).json() == {"accounts": [], "statuses": [], "hashtags": []}


def test_search_needs_the_search_scope(org: Org, api_as) -> None:  # type: ignore[no-untyped-def]
    assert api_as(org.kim, "read:accounts").get("/api/v2/search", {"q": "x"}).status_code == 403
    assert api_as(org.kim, "read:search").get("/api/v2/search", {"q": "x"}).status_code == 200


# ---- leaks ------------------------------------------------------------------------------------------


def test_unit_post_is_found_only_inside_the_unit(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "영업본부 기밀 전략", audience="unit", unit_id=org.sales.pk)
    assert len(_statuses(api_as(org.park), "기밀")) == 1  # 영업2팀 is under 영업본부
    assert _statuses(api_as(org.choi), "기밀") == []  # the lab is not


def test_followers_post_is_found_only_by_followers(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    org.follow(org.kim, org.lee)
    say(org.lee, "팔로워 전용 소식", audience="followers")
    assert len(_statuses(api_as(org.kim), "전용")) == 1
    assert _statuses(api_as(org.park), "전용") == []


def test_direct_post_is_found_only_by_those_mentioned(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "@kim 연봉 협상 결과", audience="direct")
    assert len(_statuses(api_as(org.kim), "연봉")) == 1
    assert _statuses(api_as(org.park), "연봉") == []
    assert _statuses(api_as(org.boss), "연봉") == []


def test_min_rank_post_is_found_only_at_that_rank(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.boss, "임원 보상 계획", min_rank=5)
    assert len(_statuses(api_as(org.choi), "보상")) == 1  # rank 5
    assert _statuses(api_as(org.lee), "보상") == []  # rank 3


def test_hidden_posts_do_not_take_places_on_the_page(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    """A page of 2 for an outsider is 2 posts they may see, not 2 minus the hidden ones."""
    visible = [say(org.lee, f"예산안 {i}") for i in range(3)]
    for i in range(3):
        say(org.lee, f"예산안 비공개 {i}", audience="unit", unit_id=org.team1.pk)
    ids = _ids(api_as(org.choi), "예산안", limit="2")
    assert ids == [str(visible[2].pk), str(visible[1].pk)]


def test_deactivated_employee_finds_nothing(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    from directory.services import employee_deactivate
    from policy import Viewer

    say(org.lee, "공지 사항")
    employee_deactivate(employee=org.park)
    org.park.refresh_from_db()
    assert selectors.status_search(Viewer.of(org.park), "공지", _page()) == []
    assert selectors.hashtag_search(Viewer.of(org.park), "공지") == []
    assert selectors.account_search(Viewer.of(org.park), "lee") == []


def test_another_tenant_finds_nothing_of_acme(org: Org, say, globex) -> None:  # type: ignore[no-untyped-def]
    from django_tenants.utils import tenant_context

    from policy import Viewer
    from tests.factories import employee

    say(org.lee, "에이크미 내부 소식")
    with tenant_context(globex):
        outsider = employee("globex-search")
        assert selectors.status_search(Viewer.of(outsider), "내부", _page()) == []


def _page(limit: int = 20):  # type: ignore[no-untyped-def]
    from common.paging import Page

    return Page(limit=limit)


# ---- plans: rare words through the index, common ones by scanning the newest posts -------------------


@pytest.fixture
def many(org: Org, say) -> Callable[[int, str], list[Post]]:  # type: ignore[no-untyped-def]
    from search.services import reindex_all

    def make(n: int, text: str) -> list[Post]:
        from tests.factories import post

        made = [post(org.lee, f"{text} {i}") for i in range(n)]
        reindex_all()
        return made

    return make


def test_plan_follows_how_common_the_word_is(org: Org, many, say) -> None:  # type: ignore[no-untyped-def]
    from search.tokens import parse_query

    many(260, "회의 안건")
    say(org.lee, "드문 낱말 꿻")
    assert selectors.plan_for(parse_query("회의"), 20).path == "scan"
    assert selectors.plan_for(parse_query("낱말"), 20).path == "gin"
    assert selectors.plan_for(parse_query("꿻"), 20).path == "gin"  # one character, through its bigrams
    assert selectors.plan_for(parse_query("없는말"), 20).path == "empty"


def test_common_and_rare_words_give_the_same_answer_as_reading_everything(
    org: Org, many, api_as, say
) -> None:  # type: ignore[no-untyped-def]
    made = many(300, "주간 회의")
    hidden = say(org.lee, "회의 비공개 메모", audience="unit", unit_id=org.team1.pk)
    rare = say(org.lee, "희귀한 단어 꿻꿻")
    from search.tokens import parse_query

    assert selectors.plan_for(parse_query("회의"), 20).path == "scan"
    assert selectors.plan_for(parse_query("꿻꿻"), 20).path == "gin"
    choi = api_as(org.choi)
    assert _ids(choi, "회의", limit="5") == [str(p.pk) for p in reversed(made[-5:])]
    assert str(hidden.pk) not in _ids(choi, "회의", limit="40")
    assert _ids(choi, "꿻꿻") == [str(rare.pk)]
    lee = api_as(org.lee)
    assert _ids(lee, "회의", limit="2")[0] == str(hidden.pk)


def test_a_common_word_whose_matches_are_old_is_still_found(org: Org, many, say, api_as, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The newest-posts window comes up short; the rest comes from the index below it."""
    old = many(250, "작년 워크숍")
    for i in range(30):
        say(org.lee, f"다른 이야기 {i}")
    monkeypatch.setattr(selectors, "WINDOW_MIN", 10)
    monkeypatch.setattr(selectors, "WINDOW_MAX", 10)
    monkeypatch.setattr(selectors, "WINDOW_SLACK", 0)
    ids = _ids(api_as(org.kim), "워크숍", limit="3")
    assert ids == [str(p.pk) for p in reversed(old[-3:])]


def test_a_common_word_missing_from_the_newest_posts_is_found_in_a_wider_band(  # type: ignore[no-untyped-def]
    org: Org, many, say, api_as, monkeypatch
) -> None:
    """A burst of posts about something else fills the newest window: the next, wider band finds the
    word, without reading every older match from the index (which took 1.5 s for a common word)."""
    old = many(250, "작년 워크숍")
    for i in range(30):
        say(org.lee, f"다른 이야기 {i}")
    monkeypatch.setattr(selectors, "WINDOW_MIN", 10)
    monkeypatch.setattr(selectors, "WINDOW_SLACK", 0)
    kim = api_as(org.kim)
    with Queries() as queries:
        ids = _ids(kim, "워크숍", limit="3")
    assert ids == [str(p.pk) for p in reversed(old[-3:])]
    assert not [q for q in queries.sqls if "search_postdocument" in q]


def test_search_costs_the_same_queries_for_one_result_or_many(org: Org, api_as, say) -> None:  # type: ignore[no-untyped-def]
    say(org.lee, "분기 실적 발표")
    kim = api_as(org.kim)
    _statuses(kim, "실적")
    with Queries() as one:
        assert len(_statuses(kim, "실적")) == 1
    for i in range(6):
        say([org.lee, org.choi, org.jane][i % 3], f"분기 실적 {i}")
    with Queries() as many_:
        assert len(_statuses(kim, "실적")) == 7
    assert many_.count == one.count
