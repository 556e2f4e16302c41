"""The employee web app through the Django test client: every page answers, nothing leaks, forms work.

The browser tests (test_browser.py) drive the same pages in Chromium against a live server; these
check each page's contract quickly: status codes, what is on the page and what must never be.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from PIL import Image

from directory.models import Employee, OrgUnit
from directory.services import PolicyInput, employee_create, tenant_policy_update, unit_create
from policy.rules import invalidate as invalidate_policy
from posts.models import Audience, Post
from posts.services import favourite_add, pin_add, post_create
from social.services import follow_create
from tenants.models import Tenant
from tests.conftest import ACME_HOST
from tests.support.queries import is_tenant_routing

pytestmark = pytest.mark.django_db


@dataclass
class Office:
    root: OrgUnit
    sales: OrgUnit
    team: OrgUnit
    lab: OrgUnit
    kim: Employee  # sales team, rank 1
    lee: Employee  # sales division, rank 3
    choi: Employee  # lab, rank 5
    boss: Employee  # company, rank 9


def _person(username: str, unit: OrgUnit, rank: int, family: str, given: str, latin: str) -> Employee:
    return employee_create(
        username=username,
        email=f"{username}@acme.example",
        unit=unit,
        rank_level=rank,
        family_name=family,
        given_name=given,
        name_latin=latin,
        password=f"pw-{username}-123",
        follow_unit=False,
    )


@pytest.fixture
def office(acme: Tenant) -> Iterator[Office]:
    root = OrgUnit.objects.get(parent=None)
    sales = unit_create(name="영업본부", parent=root)
    team = unit_create(name="영업1팀", parent=sales)
    lab = unit_create(name="연구소", parent=root)
    invalidate_policy()
    yield Office(
        root=root,
        sales=sales,
        team=team,
        lab=lab,
        kim=_person("kim", team, 1, "김", "철수", "Kim Cheolsu"),
        lee=_person("lee", sales, 3, "이", "영희", "Lee Younghee"),
        choi=_person("choi", lab, 5, "최", "민수", "Choi Minsu"),
        boss=_person("boss", root, 9, "박", "대표", "Park Daepyo"),
    )
    # The tenant policy is cached in Redis, which a rolled-back test transaction does not undo.
    invalidate_policy()


def signed_in(employee: Employee) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(employee)
    return client


def body(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


# --- every page -----------------------------------------------------------------------------------


def test_every_page_answers_for_an_employee_with_a_strict_policy(office: Office) -> None:
    post = post_create(author=office.kim, text="#주간회의 안건 공유합니다")
    reply = post_create(author=office.lee, text="확인했습니다", in_reply_to_id=post.pk)
    client = signed_in(office.kim)
    pages = [
        "/",
        "/company/",
        f"/units/{office.team.pk}/",
        "/tags/주간회의",
        f"/@kim/{post.pk}",
        f"/@lee/{reply.pk}",
        "/@kim",
        "/@lee",
        "/people/",
        f"/people/?unit={office.sales.pk}",
        "/people/?q=철수",
        "/notifications/",
        "/search/?q=주간회의",
        "/bookmarks/",
        "/messages/",
        "/settings/",
        "/settings/apps/",
        "/settings/filters/",
        "/settings/filters/new",
        f"/posts/{reply.pk}/filter",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = body(response)
        assert not INLINE_SCRIPT.search(html), path
        assert not INLINE_HANDLER.search(html), path
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert response["X-Frame-Options"] == "DENY", path
    assert client.get("/unit/")["Location"] == f"/units/{office.team.pk}/"


def test_anonymous_visitors_are_sent_to_sign_in(office: Office) -> None:
    client = Client(HTTP_HOST=ACME_HOST)
    for path in ["/", "/company/", "/@kim", "/people/", "/notifications/", "/messages/", "/settings/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/"), path


def test_sign_in_with_password_then_home(office: Office) -> None:
    client = Client(HTTP_HOST=ACME_HOST)
    login = client.get("/login/")
    assert 'name="password"' in body(login)
    assert "Content-Security-Policy" in login
    response = client.post("/login/", {"username": "kim", "password": "pw-kim-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "김철수" in body(client.get("/"))


def test_sign_in_page_offers_the_company_idp_and_can_hide_passwords(office: Office, rf, settings) -> None:  # type: ignore[no-untyped-def]
    from django.template.loader import render_to_string

    request = rf.get("/login/", HTTP_HOST=ACME_HOST)
    request.tenant = Tenant.objects.get(slug="acme")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = render_to_string(
        "frontend/login.html",
        {"sso_login_url": "/sso/saml/login/", "sso_provider_name": "Okta", "password_login_enabled": False},
        request=request,
    )
    assert 'href="/sso/saml/login/"' in html
    assert "Okta" in html
    assert 'name="password"' not in html


def test_post_of_another_employee_under_the_wrong_name_is_404(office: Office) -> None:
    post = post_create(author=office.kim, text="hello")
    assert signed_in(office.lee).get(f"/@lee/{post.pk}").status_code == 404
    assert signed_in(office.lee).get("/@nobody").status_code == 404


# --- visibility: unit posts never leak ---------------------------------------------------------------


def test_unit_post_is_absent_from_every_page_of_someone_outside_the_unit(office: Office) -> None:
    secret = post_create(
        author=office.lee, text="#주간회의 영업 전략 비밀", audience=Audience.UNIT, unit_id=office.sales.pk
    )
    follow_create(follower=office.choi, target=office.lee)
    pin_add(post=secret, employee=office.lee)  # the profile's pinned section is a read path too
    outsider = signed_in(office.choi)
    for path in [
        "/",
        "/company/",
        "/tags/주간회의",
        "/@lee",
        "/search/?q=전략",
        f"/units/{office.sales.pk}/",
        "/messages/",
    ]:
        response = outsider.get(path)
        assert response.status_code == 200, path
        assert "영업 전략 비밀" not in body(response), path
    assert outsider.get(f"/@lee/{secret.pk}").status_code == 404
    assert outsider.get(f"/posts/{secret.pk}/actions").status_code == 404
    assert outsider.post(f"/posts/{secret.pk}/favourite").status_code == 404
    assert outsider.post(f"/posts/{secret.pk}/mute").status_code == 404

    insider = signed_in(office.kim)  # in a team below the sales division
    assert insider.get(f"/@lee/{secret.pk}").status_code == 200
    assert 'id="pinned-title"' in body(insider.get("/@lee"))  # pinned, and shown to who may see it
    assert "영업 전략 비밀" in body(insider.get("/tags/주간회의"))
    assert "영업 전략 비밀" in body(insider.get(f"/units/{office.sales.pk}/"))


def test_reply_counts_do_not_reveal_hidden_replies(office: Office) -> None:
    post = post_create(author=office.boss, text="전사 공지")
    post_create(
        author=office.lee,
        text="영업만 보는 답글",
        in_reply_to_id=post.pk,
        audience=Audience.UNIT,
        unit_id=office.sales.pk,
    )
    html = body(signed_in(office.choi).get(f"/@boss/{post.pk}"))
    assert "영업만 보는 답글" not in html
    assert 'data-count="replies">0<' in html
    assert 'data-count="replies">1<' in body(signed_in(office.kim).get(f"/@boss/{post.pk}"))


def test_min_rank_post_is_hidden_below_the_rank(office: Office) -> None:
    post_create(author=office.boss, text="임원 회의 안건", min_rank=5)
    assert "임원 회의 안건" in body(signed_in(office.choi).get("/company/"))
    assert "임원 회의 안건" not in body(signed_in(office.kim).get("/company/"))


# --- XSS ------------------------------------------------------------------------------------------


def test_script_in_a_post_and_in_a_name_stays_text(office: Office) -> None:
    evil = _person("evil", office.team, 1, "<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "x")
    post_create(author=evil, text='<script>alert("post")</script> <b>bold</b> javascript:alert(3)')
    for path in ["/company/", "/@evil", "/people/?q=evil", "/search/?q=alert"]:
        html = body(signed_in(office.kim).get(path))
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert "<b>bold" not in html, path
    assert "&lt;script&gt;alert(" in body(signed_in(office.kim).get("/company/"))


# --- composer -------------------------------------------------------------------------------------


def test_composing_with_a_hashtag_and_a_mention(office: Office) -> None:
    client = signed_in(office.kim)
    response = client.post("/compose/", {"text": "#주간회의 자료 올렸습니다 @lee", "audience": "company"})
    assert response.status_code == 302
    post = Post.objects.get(author=office.kim)
    assert response["Location"] == f"/@kim/{post.pk}"
    html = body(client.get(response["Location"]))
    assert 'href="/tags/%EC%A3%BC%EA%B0%84%ED%9A%8C%EC%9D%98" class="mention hashtag"' in html
    assert 'href="/@lee" class="u-url mention"' in html
    assert post.mentions.filter(employee=office.lee).exists()


def test_htmx_compose_answers_a_fresh_composer_and_the_new_card(office: Office) -> None:
    client = signed_in(office.kim)
    response = client.post(
        "/compose/",
        {"text": "팀 공지", "audience": "unit", "unit_id": str(office.team.pk), "min_rank": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = body(response)
    assert 'id="composer"' in html and 'hx-swap-oob="afterbegin"' in html
    post = Post.objects.get(author=office.kim)
    assert post.audience == Audience.UNIT and post.unit_id == office.team.pk
    assert f'id="post-{post.pk}"' in html


def test_a_refused_post_keeps_the_text_and_names_the_rule(office: Office) -> None:
    tenant_policy_update(data=PolicyInput(company_post_min_rank=4))
    client = signed_in(office.kim)
    text = "전사에 알리고 싶은 소식 #공지"
    response = client.post("/compose/", {"text": text, "audience": "company"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    html = body(response)
    assert text in html
    assert 'role="alert"' in html
    assert "부장" in html or "차장" in html  # the rank the rule requires, by its name
    assert not Post.objects.filter(author=office.kim).exists()
    # The same text to the unit goes through.
    ok = client.post("/compose/", {"text": text, "audience": "unit", "unit_id": str(office.team.pk)})
    assert ok.status_code == 302


def test_blank_post_is_a_form_error_and_nothing_is_saved(office: Office) -> None:
    response = signed_in(office.kim).post("/compose/", {"text": "  ", "audience": "company"})
    assert response.status_code == 422
    assert 'role="alert"' in body(response)
    assert not Post.objects.filter(author=office.kim).exists()


def test_composer_uploads_images_with_alt_text_and_a_poll_is_exclusive(office: Office) -> None:
    client = signed_in(office.kim)
    upload = _png("chart.png")
    response = client.post(
        "/compose/",
        {"text": "그래프", "audience": "company", "images": [upload], "image_alt": ["매출 그래프"]},
    )
    assert response.status_code == 302
    post = Post.objects.get(author=office.kim)
    media = list(post.media.all())
    assert [m.description for m in media] == ["매출 그래프"]
    html = body(client.get(response["Location"]))
    assert 'alt="매출 그래프"' in html

    poll = client.post(
        "/compose/",
        {
            "text": "점심 메뉴?",
            "audience": "company",
            "with_poll": "1",
            "poll_option": ["김밥", "라면", "", ""],
            "poll_expires_in": "3600",
        },
    )
    assert poll.status_code == 302
    voted = Post.objects.filter(author=office.kim).order_by("-id").first()
    assert voted is not None and [o.title for o in voted.poll.options.all()] == ["김밥", "라면"]
    assert signed_in(office.lee).post(f"/posts/{voted.pk}/vote", {"choice": "1"}).status_code == 302
    assert "라면 ✓" in body(signed_in(office.lee).get(f"/@kim/{voted.pk}"))


def test_audience_preview_counts_who_will_see_it(office: Office) -> None:
    client = signed_in(office.kim)
    company = body(client.get("/compose/audience", {"audience": "company"}))
    # Everyone active but the author: the admin, lee, choi, boss.
    everyone = Employee.objects.filter(is_active=True, unit__isnull=False).exclude(pk=office.kim.pk).count()
    assert f'data-count="{everyone}"' in company
    assert "임원" in company  # the boss (rank 9) is an executive
    division = body(client.get("/compose/audience", {"audience": "unit", "unit_id": office.sales.pk}))
    assert 'data-count="1"' in division  # lee (kim is the author)
    assert "영업본부" in division
    senior = body(client.get("/compose/audience", {"audience": "company", "min_rank": "5"}))
    assert 'data-count="2"' in senior  # choi and boss
    direct = body(client.get("/compose/audience", {"audience": "direct", "text": "@choi 확인 부탁"}))
    assert 'data-count="1"' in direct


def test_mention_autocomplete_finds_people_by_hangul_or_latin_name(office: Office) -> None:
    client = signed_in(office.kim)
    hangul = client.get("/compose/suggest", {"q": "@영희"}).json()["items"]
    assert [i["insert"] for i in hangul] == ["@lee"]
    latin = client.get("/compose/suggest", {"q": "@younghee"}).json()["items"]
    assert [i["insert"] for i in latin] == ["@lee"]
    post_create(author=office.lee, text="#주간회의 #주간보고")
    tags = client.get("/compose/suggest", {"q": "#주간"}).json()["items"]
    assert {i["insert"] for i in tags} == {"#주간회의", "#주간보고"}


# --- actions --------------------------------------------------------------------------------------


def test_like_repost_and_bookmark_answer_the_updated_action_bar(office: Office) -> None:
    post = post_create(author=office.lee, text="좋은 소식")
    client = signed_in(office.kim)
    liked = body(client.post(f"/posts/{post.pk}/favourite", HTTP_HX_REQUEST="true"))
    assert 'data-count="favourites">1<' in liked and 'aria-pressed="true"' in liked
    reposted = body(client.post(f"/posts/{post.pk}/reblog", HTTP_HX_REQUEST="true"))
    assert 'data-count="reblogs">1<' in reposted
    client.post(f"/posts/{post.pk}/bookmark", HTTP_HX_REQUEST="true")
    assert "좋은 소식" in body(client.get("/bookmarks/"))
    unliked = body(client.post(f"/posts/{post.pk}/favourite", {"undo": "1"}, HTTP_HX_REQUEST="true"))
    assert 'data-count="favourites">0<' in unliked


def test_a_conversation_is_muted_from_its_cards_and_stays_quiet(office: Office) -> None:
    from notifications.models import Notification
    from notifications.services import deliver_post_created

    root = post_create(author=office.kim, text="워크숍 장소 의견 주세요")
    alone = post_create(author=office.kim, text="답글 없는 글")
    reply = post_create(author=office.lee, text="@kim 판교요", in_reply_to_id=root.pk)
    client = signed_in(office.kim)
    page = body(client.get("/@kim"))
    assert f'action="/posts/{root.pk}/mute"' in page  # a post with replies can be muted
    assert f'action="/posts/{alone.pk}/mute"' not in page  # no conversation, no button

    muted = body(client.post(f"/posts/{reply.pk}/mute", HTTP_HX_REQUEST="true"))
    assert 'class="act mute on" aria-pressed="true"' in muted
    assert "대화 알림 켜기" in muted or "Unmute conversation" in muted
    later = post_create(author=office.lee, text="@kim 확정되었나요?", in_reply_to_id=root.pk)
    deliver_post_created(later.pk)
    assert not Notification.objects.filter(recipient=office.kim, post=later).exists()

    unmuted = body(client.post(f"/posts/{root.pk}/mute", {"undo": "1"}, HTTP_HX_REQUEST="true"))
    assert 'class="act mute" aria-pressed="false"' in unmuted
    again = post_create(author=office.lee, text="@kim 다시 알려드려요", in_reply_to_id=root.pk)
    deliver_post_created(again.pk)
    assert Notification.objects.filter(recipient=office.kim, post=again).exists()


def test_own_posts_are_pinned_to_the_top_of_the_profile_five_at_most(office: Office) -> None:
    mine = [post_create(author=office.kim, text=f"고정할 글 {i}번") for i in range(6)]
    theirs = post_create(author=office.lee, text="이영희의 글")
    secret = post_create(author=office.kim, text="@lee 비밀 메시지", audience=Audience.DIRECT)
    kim = signed_in(office.kim)
    page = body(kim.get("/@kim"))
    assert f'action="/posts/{mine[0].pk}/pin"' in page and f'action="/posts/{secret.pk}/pin"' not in page
    assert f'action="/posts/{theirs.pk}/pin"' not in body(kim.get("/@lee"))  # only one's own

    pinned = body(kim.post(f"/posts/{mine[0].pk}/pin", HTTP_HX_REQUEST="true"))
    assert 'class="act pin on" aria-pressed="true"' in pinned
    seen = body(signed_in(office.lee).get("/@kim"))
    assert 'id="pinned-title"' in seen
    assert seen.index("고정할 글 0번") < seen.index("고정할 글 5번")  # the oldest, first: pinned
    assert seen.count("고정할 글 0번") == 1  # once, at the top

    for post in mine[1:5]:
        assert kim.post(f"/posts/{post.pk}/pin", HTTP_HX_REQUEST="true").status_code == 200
    refused = kim.post(f"/posts/{mine[5].pk}/pin", HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and refused["Content-Type"].startswith("text/plain")
    assert "5" in body(refused) and ("고정" in body(refused) or "pin at most" in body(refused))

    kim.post(f"/posts/{mine[0].pk}/pin", {"undo": "1"}, HTTP_HX_REQUEST="true")
    after = body(kim.get("/@kim"))
    assert after.index("고정할 글 0번") > after.index("고정할 글 5번")  # back in its place in time


def test_messages_list_ones_conversations_and_opening_one_reads_it(office: Office) -> None:
    dm = post_create(author=office.lee, text="@kim 내일 미팅 자료 부탁해요", audience=Audience.DIRECT)
    post_create(author=office.lee, text="전사 공지: 주간회의는 10시")  # not a message
    kim = signed_in(office.kim)
    page = body(kim.get("/messages/"))
    assert "내일 미팅 자료 부탁해요" in page and "전사 공지" not in page
    assert 'class="conversation unread"' in page
    assert "이영희" in page.split('<p class="with">')[1].split("</p>")[0]  # whom it is with
    assert 'aria-current="page"' in page.split('href="/messages/"')[1][:40]

    assert kim.get(f"/@lee/{dm.pk}").status_code == 200  # reading the message reads the conversation
    assert 'class="conversation unread"' not in body(kim.get("/messages/"))
    # Unread again when the next message arrives; and nobody else sees the conversation.
    post_create(author=office.lee, text="@kim 10시 전에요", audience=Audience.DIRECT, in_reply_to_id=dm.pk)
    assert 'class="conversation unread"' in body(kim.get("/messages/"))
    outsider = body(signed_in(office.choi).get("/messages/"))
    assert "미팅 자료" not in outsider and "10시 전에요" not in outsider


# The badge closes the nav item's link.
MESSAGES_BADGE = re.compile(
    r'<span id="messages-badge" class="badge( empty)?" data-count="(\d+)">(.*?)</span>\s*</a>'
)


def messages_badge(client: Client, path: str = "/") -> int:
    """The count on the Messages badge of a page, checked against what it shows: nothing when 0, else
    the number and the words a screen reader says."""
    found = MESSAGES_BADGE.search(body(client.get(path)))
    assert found is not None, f"no Messages badge on {path}"
    empty, n, inside = found.group(1), int(found.group(2)), found.group(3)
    if n == 0:
        assert empty and inside == ""
    else:
        assert not empty
        said = f'<span class="sr-only">읽지 않은 대화 {n}개</span>'  # what a screen reader says
        assert f'<span aria-hidden="true">{n}</span>{said}' in inside
    return n


def test_the_messages_badge_counts_unread_conversations_and_goes_when_they_are_read(office: Office) -> None:
    kim = signed_in(office.kim)
    assert messages_badge(kim) == 0
    first = post_create(author=office.lee, text="@kim 내일 미팅 자료 부탁해요", audience=Audience.DIRECT)
    assert messages_badge(kim) == 1
    assert messages_badge(signed_in(office.lee)) == 0  # the one who wrote it has nothing to read

    second = post_create(author=office.choi, text="@kim 견적서 확인했어요", audience=Audience.DIRECT)
    post_create(author=office.lee, text="@kim 10시 전에요", audience=Audience.DIRECT, in_reply_to_id=first.pk)
    # Conversations, not messages; on every page, the Messages page itself and the live-update fragment.
    for path in ["/", "/company/", "/notifications/", "/messages/"]:
        assert messages_badge(kim, path) == 2, path
    assert 'data-count="2"' in body(kim.get("/messages/badge"))

    latest = Post.objects.filter(thread_id=first.thread_id).latest("id")
    assert kim.get(f"/@lee/{latest.pk}").status_code == 200  # reading the message reads its conversation
    assert messages_badge(kim) == 1
    assert kim.get(f"/@choi/{second.pk}").status_code == 200
    assert messages_badge(kim) == 0
    assert 'data-count="0"' in body(kim.get("/messages/badge"))
    # A reply of one's own is nothing to read; the next message from the other side is.
    post_create(
        author=office.kim, text="@choi 감사합니다", audience=Audience.DIRECT, in_reply_to_id=second.pk
    )
    assert messages_badge(kim) == 0
    post_create(
        author=office.choi, text="@kim 네 수고하세요", audience=Audience.DIRECT, in_reply_to_id=second.pk
    )
    assert messages_badge(kim) == 1


def test_a_direct_message_between_two_others_never_counts_for_a_third(office: Office) -> None:
    post_create(author=office.lee, text="@choi 인사 평가 건으로 연락드려요", audience=Audience.DIRECT)
    assert messages_badge(signed_in(office.choi)) == 1  # it does count, for the one it is addressed to
    for who in (office.kim, office.boss):
        outsider = signed_in(who)
        assert messages_badge(outsider) == 0
        assert messages_badge(outsider, "/messages/") == 0
        assert 'data-count="0"' in body(outsider.get("/messages/badge"))


def test_a_message_the_reader_may_no_longer_see_stops_counting(office: Office) -> None:
    post_create(author=office.choi, text="@kim 연구소에서 보내는 메시지", audience=Audience.DIRECT)
    kim = signed_in(office.kim)
    assert messages_badge(kim) == 1
    # An information barrier between sales (kim's team is below it) and the lab hides even a message
    # naming kim: it is gone from the Messages page and from the badge on the next page.
    tenant_policy_update(data=PolicyInput(barriers=(((office.sales.pk,), (office.lab.pk,)),)))
    assert "연구소에서 보내는" not in body(kim.get("/messages/"))
    assert messages_badge(kim) == 0


def test_the_messages_badge_counts_what_the_messages_page_marks_unread(office: Office) -> None:
    """Blocking or muting the sender, or muting the conversation, leaves it on the Messages page, unread:
    the badge counts it too. A conversation removed from the list is not counted until a newer message
    brings it back."""
    from policy import Viewer
    from posts.services import conversation_mute
    from social.services import block_create, mute_create
    from timelines.services import conversation_remove

    post_create(author=office.lee, text="@kim 차단된 사람의 메시지", audience=Audience.DIRECT)
    post_create(author=office.choi, text="@kim 뮤트된 사람의 메시지", audience=Audience.DIRECT)
    quiet = post_create(author=office.boss, text="@kim 알림 끈 대화", audience=Audience.DIRECT)
    removed = post_create(author=office.boss, text="@kim 목록에서 지운 대화", audience=Audience.DIRECT)
    block_create(blocker=office.kim, target=office.lee)
    mute_create(muter=office.kim, target=office.choi)
    conversation_mute(post=quiet, employee=office.kim)
    assert removed.thread_id is not None
    conversation_remove(viewer=Viewer.of(office.kim), thread_id=removed.thread_id)
    kim = signed_in(office.kim)

    def unread_on_the_messages_page() -> int:
        return body(kim.get("/messages/")).count('class="conversation unread"')

    page = body(kim.get("/messages/"))
    assert "목록에서 지운 대화" not in page
    assert unread_on_the_messages_page() == messages_badge(kim) == 3
    post_create(
        author=office.boss, text="@kim 다시 보냅니다", audience=Audience.DIRECT, in_reply_to_id=removed.pk
    )
    assert unread_on_the_messages_page() == messages_badge(kim) == 4


def test_the_messages_badge_costs_one_statement_and_none_more_on_the_messages_page(office: Office) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kim = signed_in(office.kim)

    def conversation_reads(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert kim.get(path).status_code == 200, path
        return sum("me_posts" in q["sql"] for q in captured.captured_queries)

    post_create(author=office.lee, text="@kim 첫 메시지", audience=Audience.DIRECT)
    assert conversation_reads("/") == 1
    assert conversation_reads("/messages/") == 1  # the list's own read: the badge counts its rows
    for i in range(5):
        post_create(author=office.choi, text=f"@kim 메시지 {i}번", audience=Audience.DIRECT)
    assert conversation_reads("/") == 1
    assert conversation_reads("/messages/") == 1
    assert messages_badge(kim, "/messages/") == 6


def test_reposting_a_unit_post_is_refused_with_the_rule(office: Office) -> None:
    post = post_create(author=office.lee, text="영업 내부", audience=Audience.UNIT, unit_id=office.sales.pk)
    response = signed_in(office.kim).post(f"/posts/{post.pk}/reblog", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "회사 전체" in body(response) or "company-wide" in body(response)


def test_follow_button_follows_and_unfollows(office: Office) -> None:
    client = signed_in(office.kim)
    html = body(client.post("/@choi/follow", HTTP_HX_REQUEST="true"))
    assert 'aria-pressed="true"' in html
    from social.models import Follow

    assert Follow.objects.filter(follower=office.kim, followee=office.choi).exists()
    assert 'id="notify-form"' in html and 'name="notify" value="1"' in html  # the bell, off
    belled = body(client.post("/@choi/follow", {"notify": "1"}, HTTP_HX_REQUEST="true"))
    assert 'name="notify" value="0"' in belled and 'class="secondary act on" aria-pressed="true"' in belled
    assert Follow.objects.get(follower=office.kim, followee=office.choi).notify is True
    assert 'name="notify" value="0"' in body(client.get("/@choi"))
    client.post("/@choi/follow", {"notify": "0"}, HTTP_HX_REQUEST="true")
    assert Follow.objects.get(follower=office.kim, followee=office.choi).notify is False
    hidden = body(client.post("/@choi/follow", {"reblogs": "0"}, HTTP_HX_REQUEST="true"))
    assert 'name="reblogs" value="1"' in hidden  # the next press shows them again
    assert Follow.objects.get(follower=office.kim, followee=office.choi).show_reblogs is False
    client.post("/@choi/follow", {"reblogs": "1"}, HTTP_HX_REQUEST="true")
    assert Follow.objects.get(follower=office.kim, followee=office.choi).show_reblogs is True
    client.post("/@choi/follow", {"undo": "1"})
    assert not Follow.objects.filter(follower=office.kim, followee=office.choi).exists()


def test_a_tag_page_follows_and_unfollows_the_tag(office: Office) -> None:
    from social.models import TagFollow

    client = signed_in(office.kim)
    page = body(client.get("/tags/주간회의"))
    assert 'id="tag-follow-form"' in page and 'aria-pressed="false"' in page
    html = body(client.post("/tags/주간회의/follow", HTTP_HX_REQUEST="true"))
    assert 'aria-pressed="true"' in html and "팔로잉" in html
    assert TagFollow.objects.filter(employee=office.kim, hashtag__name="주간회의").exists()
    assert 'aria-pressed="true"' in body(client.get("/tags/주간회의"))
    assert client.post("/tags/주간회의/follow", {"undo": "1"})["Location"].endswith(
        "/tags/%EC%A3%BC%EA%B0%84%ED%9A%8C%EC%9D%98"
    )
    assert not TagFollow.objects.filter(employee=office.kim).exists()
    # A name that is no hashtag has no button, and cannot be followed.
    assert 'id="tag-follow-form"' not in body(client.get("/tags/1234"))
    assert client.post("/tags/1234/follow").status_code == 404


def test_profile_shows_real_name_unit_rank_and_title(office: Office) -> None:
    html = body(signed_in(office.kim).get("/@choi"))
    assert "최민수" in html and "연구소" in html and "부장" in html


def test_delete_own_post_only(office: Office) -> None:
    post = post_create(author=office.kim, text="지울 글")
    assert signed_in(office.lee).post(f"/posts/{post.pk}/delete").status_code == 302
    assert Post.objects.filter(pk=post.pk).exists()
    assert signed_in(office.kim).post(f"/posts/{post.pk}/delete").status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()


# --- people ---------------------------------------------------------------------------------------


def test_people_directory_searches_hangul_and_latin_and_shows_the_org_chart(office: Office) -> None:
    client = signed_in(office.kim)
    assert "이영희" in body(client.get("/people/", {"q": "영희"}))
    assert "이영희" in body(client.get("/people/", {"q": "Younghee"}))
    assert "이영희" in body(client.get("/people/", {"q": "lee younghee"}))
    assert "이영희" not in body(client.get("/people/", {"q": "민수"}))
    tree = body(client.get("/people/"))
    assert 'role="tree"' in tree and "영업1팀" in tree and "연구소" in tree
    partial = client.get("/people/", {"q": "철수"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-results")
    assert body(partial).startswith('<div id="people-results">')


# --- notifications --------------------------------------------------------------------------------


def test_notification_badge_counts_unread_and_clears_when_read(
    office: Office, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    post = post_create(author=office.kim, text="내 글")
    with django_capture_on_commit_callbacks(execute=True):
        favourite_add(post=post, employee=office.lee)
    from notifications.services import deliver_favourite

    deliver_favourite(post.pk, office.lee.pk)
    client = signed_in(office.kim)
    badge = body(client.get("/notifications/badge"))
    assert 'data-count="1"' in badge
    page = body(client.get("/notifications/"))
    assert "이영희" in page
    assert 'data-count="0"' in body(client.get("/notifications/badge"))


# --- settings -------------------------------------------------------------------------------------


def _png(name: str, colour: tuple[int, int, int] = (200, 30, 30)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(data, "PNG")
    data.seek(0)
    data.name = name
    return data


def test_photo_upload_changes_the_photo_everywhere(office: Office) -> None:
    client = signed_in(office.kim)
    response = client.post("/settings/", {"bio": "영업 담당", "locale": "", "photo": _png("me.png")})
    assert response.status_code == 302
    office.kim.refresh_from_db()
    assert office.kim.photo
    assert office.kim.photo.url in body(client.get("/@kim"))
    assert "영업 담당" in body(client.get("/@kim"))

    # Taking it down again: the initials come back, the rest of the profile stays.
    assert 'name="remove_photo"' in body(client.get("/settings/"))
    removed = client.post("/settings/", {"bio": "영업 담당", "locale": "", "remove_photo": "on"})
    assert removed.status_code == 302
    office.kim.refresh_from_db()
    assert not office.kim.photo and office.kim.bio == "영업 담당"
    assert "/initials.png" in body(client.get("/@kim"))
    assert 'name="remove_photo"' not in body(client.get("/settings/"))  # nothing left to remove


def test_bad_photo_is_a_form_error(office: Office) -> None:
    bad = io.BytesIO(b"not a picture")
    bad.name = "x.png"
    response = signed_in(office.kim).post("/settings/", {"bio": "", "photo": bad})
    assert response.status_code == 422
    assert 'role="alert"' in body(response)


def test_language_follows_the_employee_then_the_company(office: Office) -> None:
    client = signed_in(office.kim)
    assert "알림" in body(client.get("/"))  # the tenant is Korean
    client.post("/settings/", {"bio": "", "locale": "en"})
    html = body(client.get("/"))
    assert 'lang="en"' in html and "Notifications" in html and "알림" not in html


def test_personal_access_token_works_on_the_api_until_revoked(office: Office) -> None:
    client = signed_in(office.kim)
    response = client.post("/settings/apps/", {"name": "내 스크립트", "scopes": ["read"]})
    assert response.status_code == 200
    token = re.search(r'<code id="new-token">([^<]+)</code>', body(response)).group(1)  # type: ignore[union-attr]
    api = Client(HTTP_HOST=ACME_HOST, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/accounts/verify_credentials").json()["username"] == "kim"
    apps = body(client.get("/settings/apps/"))
    assert "내 스크립트" in apps
    app_id = re.search(r"/settings/apps/(\d+)/revoke", apps).group(1)  # type: ignore[union-attr]
    # Someone else cannot revoke it.
    signed_in(office.lee).post(f"/settings/apps/{app_id}/revoke")
    assert api.get("/api/v1/accounts/verify_credentials").status_code == 200
    client.post(f"/settings/apps/{app_id}/revoke")
    assert api.get("/api/v1/accounts/verify_credentials").status_code == 401
    assert "내 스크립트" not in body(client.get("/settings/apps/"))


def test_manifest_and_service_worker(office: Office) -> None:
    client = signed_in(office.kim)
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["display"] == "standalone" and {i["sizes"] for i in data["icons"]} >= {"192x192", "512x512"}
    assert client.get("/sw.js").status_code == 200


# --- query counts ---------------------------------------------------------------------------------


def test_list_pages_do_not_grow_queries_with_posts(office: Office) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(office.kim)
    follow_create(follower=office.kim, target=office.lee)
    follow_create(follower=office.kim, target=office.choi)
    paths = ["/", "/company/", "/tags/주간회의", "/@lee", "/notifications/", "/people/", "/bookmarks/"]

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200, path
        return sum(1 for q in captured.captured_queries if not is_tenant_routing(q["sql"]))

    for i in range(3):
        post_create(author=office.lee, text=f"첫 묶음 {i} #주간회의")
    for path in paths:
        count(path)  # warm feeds and caches
    few = {path: count(path) for path in paths}
    for i in range(40):
        author = office.lee if i % 2 else office.choi
        post = post_create(author=author, text=f"둘째 묶음 {i} #주간회의")
        favourite_add(post=post, employee=office.kim)
    many = {path: count(path) for path in paths}
    for path in paths:
        assert many[path] <= few[path] + 2, (path, few[path], many[path])
    assert many["/"] <= 30, many


def test_card_links_match_the_url_configuration(office: Office) -> None:
    from django.urls import reverse

    from frontend import cards
    from policy import Viewer

    post = post_create(author=office.kim, text="링크")
    card = cards.build(Viewer.of(office.lee), [post])[0]
    assert card.url == reverse("web:post", args=["kim", post.pk])
    assert card.author.url == reverse("web:profile", args=["kim"])
    for action in ["favourite", "reblog", "bookmark", "mute", "pin", "vote", "delete"]:
        assert f"{card.actions}/{action}" == reverse(f"web:{action}", args=[post.pk])
