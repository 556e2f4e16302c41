"""Keyword filters in the web app: the settings pages that make, change and delete them, and every list
of posts applying them (hide: left out; warn: collapsed behind the title; blur: images covered)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from directory.models import Employee
from filters.models import Filter, FilterKeyword, FilterStatus
from filters.services import KeywordChange, filter_create, filter_status_add
from posts.models import Audience, Post
from posts.services import post_create
from social.services import follow_create
from tests.frontend.test_pages import Office, body, office, signed_in  # noqa: F401 (fixture)
from tests.support.queries import is_tenant_routing

pytestmark = pytest.mark.django_db

EVERYWHERE = ["home", "notifications", "public", "thread", "account"]


def _filter(owner: Employee, *words: str, action: str = "hide", contexts: list[str] | None = None) -> Filter:
    return filter_create(
        owner=owner,
        title=f"{action} {' '.join(words)}",
        contexts=contexts or EVERYWHERE,
        action=action,
        keywords=[KeywordChange(keyword=w) for w in words],
    )


def _form(**fields: Any) -> dict[str, Any]:
    """What the filter form posts: title, places, action, expiry and keyword rows ``kw-<i>-…``."""
    data: dict[str, Any] = {
        "title": "회식",
        "contexts": ["home", "public"],
        "action": "warn",
        "expires_in": "",
    }
    data.update(fields)
    return data


def _cards(html: str) -> list[str]:
    return re.findall(r'<article class="post[^"]*" id="post-(\d+)"', html)


# --- the settings pages ---------------------------------------------------------------------------


def test_the_settings_tabs_link_the_filters_page(office: Office) -> None:  # noqa: F811
    html = body(signed_in(office.kim).get("/settings/"))
    assert 'href="/settings/filters/"' in html
    page = body(signed_in(office.kim).get("/settings/filters/"))
    assert 'href="/settings/filters/" aria-current="page"' in page
    assert "필터가 없습니다" in page and 'href="/settings/filters/new"' in page


def test_a_filter_is_created_with_keywords_edited_and_deleted_from_settings(office: Office) -> None:  # noqa: F811
    kim = signed_in(office.kim)
    new = body(kim.get("/settings/filters/new"))
    assert new.count('class="keyword-row"') == 3 + 1  # three blank rows, and the script's template
    assert 'name="contexts" value="home"' in new and "홈과 리스트" in new

    data = _form(
        **{
            "title": "회식",
            "contexts": ["home", "public", "thread"],
            "action": "hide",
            "expires_in": "86400",
            "kw-0-keyword": "회식",
            "kw-0-whole_word": "1",
            "kw-1-keyword": "  노래방 ",
            "kw-2-keyword": "",
            "kw-2-whole_word": "1",
        }
    )
    response = kim.post("/settings/filters/new", data, follow=True)
    assert response.redirect_chain[-1][0] == "/settings/filters/"
    made = Filter.objects.get(owner=office.kim)
    assert (made.title, made.contexts, made.action) == ("회식", ["home", "public", "thread"], "hide")
    assert made.expires_at is not None
    assert list(made.keywords.order_by("id").values_list("keyword", "whole_word")) == [
        ("회식", True),
        ("노래방", False),
    ]
    office.kim.refresh_from_db()
    assert office.kim.has_filters
    listed = body(response)
    assert "“회식” 필터를 만들었습니다." in listed
    assert "<li>회식</li>" in listed and "노래방" in listed and "게시물 숨기기" in listed
    assert "홈과 리스트 · 회사, 조직, 해시태그 타임라인 · 대화" in listed

    # The edit page: the keywords as rows, the expiry kept unless changed.
    edit = body(kim.get(f"/settings/filters/{made.pk}/"))
    assert 'value="회식"' in edit and 'value="노래방"' in edit
    assert '<option value="keep" selected>' in edit
    keep, gone = made.keywords.order_by("id")
    expires_at = made.expires_at
    response = kim.post(
        f"/settings/filters/{made.pk}/",
        _form(
            **{
                "title": "회식 공지",
                "contexts": ["home"],
                "action": "warn",
                "expires_in": "keep",
                "kw-0-id": str(keep.pk),
                "kw-0-keyword": "회식비",
                "kw-1-id": str(gone.pk),
                "kw-1-keyword": "노래방",
                "kw-1-remove": "1",
                "kw-7-keyword": "2차",
                "kw-7-whole_word": "1",
            }
        ),
    )
    assert response.status_code == 302 and response["Location"] == "/settings/filters/"
    made.refresh_from_db()
    assert (made.title, made.contexts, made.action, made.expires_at) == (
        "회식 공지",
        ["home"],
        "warn",
        expires_at,
    )
    assert sorted(made.keywords.values_list("keyword", "whole_word")) == [("2차", True), ("회식비", False)]

    # Never expiring, then deleted.
    kim.post(f"/settings/filters/{made.pk}/", _form(title="회식 공지", expires_in=""))
    made.refresh_from_db()
    assert made.expires_at is None
    response = kim.post(f"/settings/filters/{made.pk}/delete", follow=True)
    assert "“회식 공지” 필터를 삭제했습니다." in body(response)
    assert not Filter.objects.filter(pk=made.pk).exists()
    assert not FilterKeyword.objects.filter(filter_id=made.pk).exists()
    office.kim.refresh_from_db()
    assert not office.kim.has_filters


def test_an_expired_filter_is_listed_as_expired(office: Office) -> None:  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    made = _filter(office.kim, "회식")
    Filter.objects.filter(pk=made.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    html = body(signed_in(office.kim).get("/settings/filters/"))
    assert 'class="filter-item expired"' in html and "만료됨" in html
    assert '<option value="keep" selected>만료된 채로 두기</option>' in body(
        signed_in(office.kim).get(f"/settings/filters/{made.pk}/")
    )


def test_bad_input_is_a_form_error_that_keeps_what_was_typed(office: Office) -> None:  # noqa: F811
    kim = signed_in(office.kim)
    typed = {
        "title": "",
        "contexts": [],
        "action": "hide",
        "expires_in": "3600",
        "kw-0-keyword": "주간 보고",
        "kw-1-keyword": "x" * 101,
        "kw-5-keyword": "야근",
        "kw-5-whole_word": "1",
    }
    response = kim.post("/settings/filters/new", typed)
    assert response.status_code == 422
    html = body(response)
    assert html.count('role="alert"') >= 3  # the title, the places and the long keyword
    assert "하나 이상 고르세요" in html and "키워드는 100자까지" in html
    assert 'value="주간 보고"' in html and 'value="야근"' in html and 'value="' + "x" * 101 + '"' in html
    assert 'name="kw-5-whole_word" value="1" aria-label="단어 단위" checked' in html
    assert 'name="kw-0-whole_word" value="1" aria-label="단어 단위">' in html  # left unticked, kept so
    assert 'value="hide" id="id_action_2" required checked' in html
    assert "필터 이름을 입력하세요." in html
    assert '<option value="3600" selected>' in html
    assert 'data-next="6"' in html  # rows added by script do not reuse an index
    assert not Filter.objects.exists()

    # A refusal by the service (an unknown place, past the form) is a form error too.
    response = kim.post(
        "/settings/filters/new", _form(contexts=["home"], action="shout", **{"kw-0-keyword": "야근"})
    )
    assert response.status_code == 422 and 'value="야근"' in body(response)
    assert not Filter.objects.exists()


def test_someone_elses_filter_is_404_on_every_address(office: Office) -> None:  # noqa: F811
    theirs = _filter(office.lee, "인사")
    status = filter_status_add(
        filter=theirs, owner=office.lee, post=post_create(author=office.boss, text="인사 공지")
    )
    kim = signed_in(office.kim)
    assert kim.get(f"/settings/filters/{theirs.pk}/").status_code == 404
    assert kim.post(f"/settings/filters/{theirs.pk}/", _form(title="mine now")).status_code == 404
    assert kim.post(f"/settings/filters/{theirs.pk}/delete").status_code == 404
    assert kim.post(f"/settings/filters/{theirs.pk}/posts/{status.pk}/remove").status_code == 404
    assert "인사" not in body(kim.get("/settings/filters/"))
    theirs.refresh_from_db()
    assert theirs.title == "hide 인사" and FilterStatus.objects.filter(pk=status.pk).exists()
    # Nor can a keyword of theirs be edited through one's own filter.
    mine = _filter(office.kim, "회식")
    their_keyword = theirs.keywords.get()
    response = kim.post(
        f"/settings/filters/{mine.pk}/", _form(**{"kw-0-id": str(their_keyword.pk), "kw-0-keyword": "바뀜"})
    )
    assert response.status_code == 422
    their_keyword.refresh_from_db()
    assert their_keyword.keyword == "인사"


def test_filter_pages_are_for_signed_in_employees_only(office: Office) -> None:  # noqa: F811
    from django.test import Client

    from tests.conftest import ACME_HOST

    anonymous = Client(HTTP_HOST=ACME_HOST)
    for path in ["/settings/filters/", "/settings/filters/new"]:
        assert anonymous.get(path)["Location"].startswith("/login/"), path
    assert anonymous.post("/settings/filters/new", _form())["Location"].startswith("/login/")
    assert not Filter.objects.exists()


# --- applied to the lists of posts ----------------------------------------------------------------


def test_a_hide_filter_keeps_a_post_off_the_home_and_company_pages(office: Office) -> None:  # noqa: F811
    follow_create(follower=office.kim, target=office.lee)
    spoiler = post_create(author=office.lee, text="어제 경기 결과 스포일러입니다 #야구")
    other = post_create(author=office.lee, text="점심 메뉴 추천 #야구")
    kim = signed_in(office.kim)
    for path in ["/", "/company/", "/tags/야구", "/@lee", f"/units/{office.sales.pk}/"]:
        assert str(spoiler.pk) in _cards(body(kim.get(path))), path

    _filter(office.kim, "스포일러")
    for path in ["/", "/company/", "/tags/야구", "/@lee"]:
        html = body(kim.get(path))
        assert "스포일러" not in html, path
        assert str(other.pk) in _cards(html), path
    # Only for its owner.
    assert "스포일러" in body(signed_in(office.choi).get("/company/"))


def test_a_filter_applies_only_in_its_places(office: Office) -> None:  # noqa: F811
    follow_create(follower=office.kim, target=office.lee)
    post_create(author=office.lee, text="분기 실적 발표")
    _filter(office.kim, "실적", contexts=["public"])
    kim = signed_in(office.kim)
    assert "분기 실적 발표" not in body(kim.get("/company/"))
    assert "분기 실적 발표" in body(kim.get("/"))  # home is not one of its places
    assert "분기 실적 발표" in body(kim.get("/@lee"))


def test_a_warn_filter_shows_the_post_collapsed_behind_its_title(office: Office) -> None:  # noqa: F811
    post = post_create(author=office.lee, text="다음 주 워크숍 장소 공지")
    made = _filter(office.kim, "워크숍", action="warn")
    html = body(signed_in(office.kim).get("/company/"))
    card = re.search(rf'<article class="post filtered" id="post-{post.pk}".*?</article>', html, re.S)
    assert card is not None
    assert re.search(
        r'^<article[^>]*><details class="filter-warn"><summary><span class="filter-label">'
        rf"필터됨: {made.title}</span>",
        card.group(0),
    )
    assert "다음 주 워크숍 장소 공지" in card.group(0)  # inside the <details>, one click away
    assert card.group(0).endswith("</details></article>")

    # In English too, and a repost of it by its original's words.
    office.kim.locale = "en"
    office.kim.save(update_fields=["locale"])
    assert f"Filtered: {made.title}" in body(signed_in(office.kim).get("/company/"))


def test_a_blur_filter_shows_the_text_and_covers_the_images(office: Office) -> None:  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from posts.services import media_create
    from tests.frontend.test_pages import _png

    upload = SimpleUploadedFile("p.png", _png("p.png").getvalue(), content_type="image/png")
    media = media_create(owner=office.lee, upload=upload, description="회식 사진")
    post = post_create(author=office.lee, text="어제 회식 즐거웠습니다", media_ids=[media.pk])
    made = _filter(office.kim, "회식", action="blur")
    html = body(signed_in(office.kim).get("/company/"))
    card = re.search(rf'<article class="post" id="post-{post.pk}".*?</article>', html, re.S)
    assert card is not None
    shown, covered_part = card.group(0).split('<details class="filter-blur">')
    assert "어제 회식 즐거웠습니다" in shown and "<img" not in covered_part.split("</details>")[1]
    covered = re.search(r'<details class="filter-blur">(.*?)</details>', card.group(0), re.S)
    assert covered is not None
    assert f"필터됨: {made.title}" in covered.group(1) and '<div class="media n1">' in covered.group(1)


def test_a_thread_filters_its_other_posts_but_not_the_one_asked_for(office: Office) -> None:  # noqa: F811
    root = post_create(author=office.boss, text="야유회 일정 공지")
    reply = post_create(author=office.lee, text="야유회 장소는 어디인가요", in_reply_to_id=root.pk)
    other = post_create(author=office.choi, text="참석합니다", in_reply_to_id=root.pk)
    _filter(office.kim, "야유회")
    kim = signed_in(office.kim)
    html = body(kim.get(f"/@boss/{root.pk}"))
    assert "야유회 일정 공지" in html  # the post asked for
    assert "야유회 장소는 어디인가요" not in html and "참석합니다" in html
    assert "야유회 장소는 어디인가요" in body(kim.get(f"/@lee/{reply.pk}"))
    assert str(other.pk) in _cards(html)


def test_notifications_about_a_hidden_post_are_left_out_and_a_warned_one_collapsed(office: Office) -> None:  # noqa: F811
    from notifications.services import deliver_post_created

    deliver_post_created(post_create(author=office.lee, text="@kim 야근 가능하신가요").pk)
    deliver_post_created(post_create(author=office.choi, text="@kim 회의록 확인 부탁드립니다").pk)
    _filter(office.kim, "야근", contexts=["notifications"])
    _filter(office.kim, "회의록", action="warn", contexts=["notifications"])
    html = body(signed_in(office.kim).get("/notifications/"))
    assert "야근" not in html
    assert html.count('<li class="note mention">') == 1
    assert 'class="post filtered"' in html and "필터됨: warn 회의록" in html


def test_filter_this_post_hides_it_everywhere_or_adds_it_to_a_chosen_filter(office: Office) -> None:  # noqa: F811
    post = post_create(author=office.lee, text="광고성 글입니다")
    kim = signed_in(office.kim)
    company = body(kim.get("/company/"))
    assert f'href="/posts/{post.pk}/filter"' in company
    own = post_create(author=office.kim, text="내 글")
    assert f'href="/posts/{own.pk}/filter"' not in body(kim.get("/company/"))  # not on one's own

    page = kim.get(f"/posts/{post.pk}/filter", HTTP_REFERER="http://acme.localhost/company/")
    assert page.status_code == 200 and 'name="next" value="http://acme.localhost/company/"' in body(page)
    response = kim.post(f"/posts/{post.pk}/filter", {"filter": "new", "next": "/company/"})
    assert response.status_code == 302 and response["Location"] == "/company/"
    hidden = Filter.objects.get(owner=office.kim)
    assert (hidden.title, hidden.action, sorted(hidden.contexts)) == (
        "숨긴 게시물",
        "hide",
        sorted(EVERYWHERE),
    )
    assert "광고성 글입니다" not in body(kim.get("/company/"))
    assert "광고성 글입니다" not in body(kim.get("/@lee"))

    # The next one goes into the same "Hidden posts"; once more is a message, not a second row.
    second = post_create(author=office.lee, text="또 광고")
    kim.post(f"/posts/{second.pk}/filter", {"filter": "new"})
    assert Filter.objects.filter(owner=office.kim).count() == 1 and hidden.statuses.count() == 2
    again = kim.post(f"/posts/{second.pk}/filter", {"filter": str(hidden.pk)})
    assert again.status_code == 422 and "이미 그 필터에 있습니다" in body(again)

    # Into a warn filter of one's own, then taken out of it on the filter's page.
    warn = _filter(office.kim, "없는말", action="warn")
    third = post_create(author=office.lee, text="세 번째 글")
    kim.post(f"/posts/{third.pk}/filter", {"filter": str(warn.pk)})
    assert "필터됨: warn 없는말" in body(kim.get("/company/"))
    status = warn.statuses.get()
    edit = body(kim.get(f"/settings/filters/{warn.pk}/"))
    assert "세 번째 글" in edit
    kim.post(f"/settings/filters/{warn.pk}/posts/{status.pk}/remove")
    assert not warn.statuses.exists()
    assert "필터됨" not in body(kim.get("/company/"))


def test_a_post_one_may_not_see_cannot_be_filtered_nor_shown_by_a_filter_page(office: Office) -> None:  # noqa: F811
    secret = post_create(
        author=office.lee, text="영업 전략 비밀 메모", audience=Audience.UNIT, unit_id=office.sales.pk
    )
    outsider = signed_in(office.choi)
    assert outsider.get(f"/posts/{secret.pk}/filter").status_code == 404
    assert outsider.post(f"/posts/{secret.pk}/filter", {"filter": "new"}).status_code == 404
    assert not Filter.objects.filter(owner=office.choi).exists()

    # Filtered when it was visible (here: written straight through the service), then hidden: the
    # filter's pages name no more than that a post is there.
    mine = _filter(office.choi, "전략", action="warn")
    filter_status_add(filter=mine, owner=office.choi, post=secret)
    for path in ["/settings/filters/", f"/settings/filters/{mine.pk}/"]:
        html = body(outsider.get(path))
        assert "영업 전략 비밀" not in html and "@lee" not in html, path
    assert "더 이상 볼 수 없는 게시물" in body(outsider.get(f"/settings/filters/{mine.pk}/"))
    # Nor does a filter ever bring it onto a list.
    for path in ["/", "/company/", "/@lee", f"/units/{office.sales.pk}/"]:
        assert "영업 전략 비밀" not in body(outsider.get(path)), path


def test_a_page_whose_posts_are_all_hidden_still_leads_to_older_posts(office: Office) -> None:  # noqa: F811
    from frontend.views import TIMELINE_SIZE

    older = post_create(author=office.lee, text="지난 글")
    for i in range(TIMELINE_SIZE):
        post_create(author=office.lee, text=f"숨길 글 {i}")
    _filter(office.kim, "숨길")
    html = body(signed_in(office.kim).get("/company/"))
    assert _cards(html) == [] and "아직 게시물이 없습니다" not in html
    more = re.search(r'href="\?max_id=(\d+)"', html)
    assert more is not None
    assert _cards(body(signed_in(office.kim).get(f"/company/?max_id={more.group(1)}"))) == [str(older.pk)]


# --- query counts ---------------------------------------------------------------------------------


def test_filters_cost_one_query_per_page_and_none_without_any(office: Office) -> None:  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.services import deliver_post_created

    follow_create(follower=office.kim, target=office.lee)
    for i in range(5):
        post_create(author=office.lee, text=f"글 {i} #주간회의")
    deliver_post_created(post_create(author=office.lee, text="@kim 확인 부탁드립니다").pk)
    paths = [
        "/",
        "/company/",
        "/tags/주간회의",
        "/@lee",
        f"/@lee/{Post.objects.latest('id').pk}",
        "/notifications/",
    ]
    kim = signed_in(office.kim)

    def run(path: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert kim.get(path).status_code == 200, path
        return [q["sql"] for q in captured.captured_queries if not is_tenant_routing(q["sql"])]

    def count(path: str) -> tuple[int, int]:
        """Statements in all (the fewer of two runs: values trusted for a few seconds may lapse
        between them) and those reading filters."""
        runs = [run(path), run(path)]
        return min(len(r) for r in runs), max(sum('"filters_filter"' in q for q in r) for r in runs)

    for path in paths:
        run(path)  # warm feeds and caches
    without = {path: count(path) for path in paths}
    assert all(filters == 0 for _n, filters in without.values()), without

    _filter(office.kim, "없는 낱말", action="warn")
    with_one = {path: count(path) for path in paths}
    assert all(filters == 1 for _n, filters in with_one.values()), with_one
    for i in range(20):
        post_create(author=office.lee, text=f"더 많은 글 {i} #주간회의")
    many = {path: count(path) for path in paths}
    for path in paths:
        assert many[path][1] == 1, path
        assert many[path][0] <= with_one[path][0] + 2, (path, with_one[path], many[path])


def test_posts_of_a_repost_are_filtered_by_the_originals_words(office: Office) -> None:  # noqa: F811
    from posts.services import post_reblog

    original = post_create(author=office.boss, text="전사 체육대회 안내")
    follow_create(follower=office.kim, target=office.lee)
    post_reblog(post=original, actor=office.lee)
    _filter(office.kim, "체육대회", action="warn", contexts=["account"])
    html = body(signed_in(office.kim).get("/@lee"))
    assert "필터됨: warn 체육대회" in html
    assert Post.objects.filter(reblog_of=original).exists()
