"""The web app in a real browser: Debian's Chromium driven by Playwright, against a real uvicorn server
and a real Celery worker (fan-out, notifications), on committed data that is removed at the end.

Chromium resolves ``*.localhost`` to loopback itself, so the tenant host needs no DNS. Screenshots of
the main pages are saved under ``var/screenshots/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from PIL import Image

from directory.models import Employee, OrgUnit
from directory.services import employee_create, unit_create
from tenants.models import Tenant
from tests.support.processes import ROOT, asgi_server, celery_worker

pytestmark = pytest.mark.slow

PASSWORD = "browser-test-pw-123"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "var" / "screenshots"


@dataclass
class Cast:
    base: str
    suffix: str
    author: Employee  # 영업1팀
    colleague: Employee  # 영업1팀, follows the author
    outsider: Employee  # 연구소, follows the author too
    evil: Employee  # a display name carrying markup
    units: list[OrgUnit]


def _cleanup(acme: Tenant, people: list[Employee], units: list[OrgUnit]) -> None:
    from oauth2_provider.models import AccessToken, Application

    from notifications.models import Notification
    from posts.models import MediaAttachment, Post
    from social.models import Follow
    from timelines.models import Marker

    with tenant_context(acme):
        ids = [p.pk for p in people]
        Notification.objects.filter(recipient_id__in=ids).delete()
        Notification.objects.filter(actor_id__in=ids).delete()
        Post.objects.filter(reblog_of__author_id__in=ids).delete()
        Post.objects.filter(in_reply_to__author_id__in=ids).update(in_reply_to=None)
        Post.objects.filter(author_id__in=ids).delete()
        MediaAttachment.objects.filter(owner_id__in=ids).delete()
        Follow.objects.filter(follower_id__in=ids).delete()
        Follow.objects.filter(followee_id__in=ids).delete()
        Marker.objects.filter(employee_id__in=ids).delete()
        AccessToken.objects.filter(user_id__in=ids).delete()
        Application.objects.filter(user_id__in=ids).delete()
        from django.contrib.sessions.models import Session

        Session.objects.all().delete()
        Employee.objects.filter(pk__in=ids).delete()
        for unit in reversed(units):
            OrgUnit.objects.filter(pk=unit.pk).delete()
    connection.set_schema_to_public()


@pytest.fixture
def cast(django_db_setup, django_db_blocker, tmp_path: Path) -> Iterator[Cast]:  # type: ignore[no-untyped-def]
    suffix = uuid.uuid4().hex[:5]
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            from social.services import follow_create

            root = OrgUnit.objects.get(parent=None)
            sales = unit_create(name=f"영업본부{suffix}", parent=root)
            team = unit_create(name=f"영업1팀{suffix}", parent=sales)
            lab = unit_create(name=f"연구소{suffix}", parent=root)

            def person(name: str, unit: OrgUnit, rank: int, family: str, given: str, latin: str) -> Employee:
                return employee_create(
                    username=f"{name}{suffix}",
                    email=f"{name}{suffix}@acme.example",
                    unit=unit,
                    rank_level=rank,
                    family_name=family,
                    given_name=given,
                    name_latin=latin,
                    password=PASSWORD,
                    follow_unit=False,
                )

            author = person("jiwoo", team, 3, "한", "지우", "Han Jiwoo")
            colleague = person("minho", team, 2, "정", "민호", "Jung Minho")
            outsider = person("sora", lab, 4, "윤", "소라", "Yoon Sora")
            evil = person("evil", lab, 1, "<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "Evil")
            follow_create(follower=colleague, target=author)
            follow_create(follower=outsider, target=author)
            follow_create(follower=author, target=colleague)
        connection.set_schema_to_public()
        people = [author, colleague, outsider, evil]
        units = [sales, team, lab]
        try:
            with (
                celery_worker("celery", log=tmp_path / "worker.log"),
                asgi_server(log=tmp_path / "server.log") as url,
            ):
                port = url.rsplit(":", 1)[1]
                yield Cast(
                    base=f"http://acme.localhost:{port}",
                    suffix=suffix,
                    author=author,
                    colleague=colleague,
                    outsider=outsider,
                    evil=evil,
                    units=units,
                )
        finally:
            _cleanup(acme, people, units)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def reply_to(page: Any, path: str, post_text: str, reply: str) -> None:
    """Open the post showing ``post_text`` on the page at ``path`` and reply ``reply`` from its page (the
    composer starts with the mentions of the thread)."""
    page.goto(path)
    page.locator("#cards article.post", has_text=post_text).first.locator("a.when").click()
    page.wait_for_url(re.compile(r"/@.+/\d+$"))
    page.fill("#id_text", page.locator("#id_text").input_value() + reply)
    page.click("#composer-form button[type=submit]")
    page.locator("#cards article.post", has_text=reply).wait_for()


def press(button: Any, *, what: str) -> None:
    """Click a toggle button and wait until the page says it is on. ``button`` is a Playwright locator,
    found again on every look: htmx swaps the button for a new one."""
    button.click()
    eventually(lambda: button.get_attribute("aria-pressed") == "true", what=what)


def shows(page: Any, path: str, text: str, *, where: str = "main") -> bool:
    """Whether ``text`` is on the page at ``path``, freshly loaded (for ``eventually``)."""
    page.goto(path)
    return text in page.locator(where).inner_text()


def eventually(check: Callable[[], Any], *, timeout: float = 40.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not met within {timeout} s")
        time.sleep(0.25)


class Session:
    """One person's browser context, with the CSP violations and page errors it collected."""

    def __init__(self, browser: Any, base: str, *, mobile: bool = False) -> None:
        options: dict[str, Any] = {"base_url": base, "locale": "ko-KR"}
        if mobile:
            options.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        else:
            options.update(viewport={"width": 1280, "height": 900})
        self.base = base
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        self.page.on(
            "console",
            lambda msg: (
                self.problems.append(f"console: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    def sign_in(self, employee: Employee) -> None:
        page = self.page
        page.goto("/login/")
        page.fill("#id_username", employee.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.base + "/")

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        # caret="initial": Playwright would otherwise inject a style to hide the caret, which the
        # page's CSP rightly blocks (and reports).
        self.page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    def live_ready(self) -> None:
        """Wait until the page chose its live channel (the SSE stream, or polling without one)."""
        # A locator, not wait_for_function: the page's CSP forbids the string evaluation that needs.
        self.page.locator("body[data-live]").wait_for(state="attached", timeout=15000)


def _png(colour: tuple[int, int, int]) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (120, 120), colour).save(data, "PNG")
    return data.getvalue()


def test_a_day_in_the_web_app(cast: Cast, browser: Any, tmp_path: Path) -> None:
    author = Session(browser, cast.base)
    colleague = Session(browser, cast.base)
    outsider = Session(browser, cast.base)
    author.sign_in(cast.author)
    colleague.sign_in(cast.colleague)
    outsider.sign_in(cast.outsider)
    colleague.live_ready()
    outsider.live_ready()

    page = author.page
    expect_ko = page.locator("nav.sidenav")
    assert "알림" in expect_ko.inner_text()

    # --- the audience picker and its live "who will see this" preview ----------------------------
    preview = page.locator("#audience-preview .count")
    preview.wait_for()
    company_count = int(preview.get_attribute("data-count") or 0)
    page.select_option("#id_audience", "unit")
    eventually(
        lambda: preview.count() and int(preview.get_attribute("data-count") or -1) != company_count,
        what="the preview follows the picker",
    )
    unit_text = page.locator("#audience-preview").inner_text()
    assert f"영업1팀{cast.suffix}" in unit_text and "1명" in unit_text  # the colleague only
    author.shot("composer-audience-preview")
    page.select_option("#id_audience", "company")
    eventually(
        lambda: int(preview.get_attribute("data-count") or -1) == company_count, what="back to company"
    )

    # --- compose with a hashtag and a mention picked from the autocomplete -----------------------
    text = page.locator("#id_text")
    text.click()
    text.type("#주간회의 자료를 올렸습니다. 확인 부탁해요 @민호")
    option = page.locator("#suggestions li", has_text="정민호")
    option.wait_for()
    text.press("Enter")
    assert f"@{cast.colleague.username} " in text.input_value()
    counter = page.locator("#char-count")
    assert int(counter.inner_text()) < 500
    page.click("#composer-form button[type=submit]")
    mine = page.locator("#cards article.post").first
    eventually(
        lambda: "주간회의 자료를 올렸습니다" in mine.inner_text(), what="the post shows for its author"
    )
    assert page.locator("#id_text").input_value() == ""
    # The timeline was empty before: its "No posts yet." goes once a post is there.
    eventually(lambda: page.locator("#cards .empty").count() == 0, what="the empty-timeline note goes")
    author.shot("home")

    # --- it reaches the colleague live, without a reload ------------------------------------------
    cpage = colleague.page
    announce = cpage.locator("#new-posts")
    eventually(lambda: announce.is_visible(), what="the colleague is told about the new post")
    assert re.search(r"새 게시물 \d+개", announce.inner_text())
    colleague.shot("home-new-posts-announced")
    announce.click()
    arrived = cpage.locator("#cards article.post", has_text="주간회의 자료를 올렸습니다").first
    arrived.wait_for()
    assert (
        arrived.locator("a.hashtag")
        .first.get_attribute("href")
        .endswith(  # type: ignore[union-attr]
            "/tags/%EC%A3%BC%EA%B0%84%ED%9A%8C%EC%9D%98"
        )
    )

    # --- the colleague likes and replies; the author's badge and counts follow -------------------
    arrived.locator("button.like").click()
    eventually(lambda: arrived.locator("[data-count=favourites]").inner_text() == "1", what="like counted")
    arrived.locator("a.when").click()
    cpage.wait_for_url(re.compile(r"/@.+/\d+$"))
    cpage.fill("#id_text", cpage.locator("#id_text").input_value() + "확인했습니다!")
    cpage.click("#composer-form button[type=submit]")
    cpage.locator("#cards article.post", has_text="확인했습니다!").wait_for()
    colleague.shot("post-thread")

    badge = page.locator("#badge")
    eventually(lambda: int(badge.get_attribute("data-count") or 0) >= 2, what="the author's badge updates")
    eventually(
        lambda: mine.locator("[data-count=favourites]").inner_text() == "1",
        what="the like count updates on the author's page",
    )
    eventually(
        lambda: mine.locator("[data-count=replies]").inner_text() == "1", what="the reply count updates"
    )
    author.shot("home-after-like-and-reply")
    page.click("#nav-notifications")
    page.wait_for_url(re.compile(r"/notifications/$"))
    assert "좋아합니다" in page.locator("main").inner_text()
    author.shot("notifications")

    # --- a unit-only post never reaches a colleague outside the unit -------------------------------
    cpage.goto("/")
    outsider.page.goto("/")
    colleague.live_ready()
    outsider.live_ready()
    page.goto("/")
    page.select_option("#id_audience", "unit")
    page.fill("#id_text", "영업팀만 보는 전략 메모")
    page.click("#composer-form button[type=submit]")
    page.locator("#cards article.post", has_text="영업팀만 보는 전략 메모").wait_for()
    eventually(lambda: colleague_sees(cast, colleague), what="the unit colleague sees it")
    time.sleep(3)
    assert not outsider.page.locator("#new-posts").is_visible()
    outsider.page.reload()
    assert "영업팀만 보는 전략 메모" not in outsider.page.locator("main").inner_text()
    outsider.page.goto("/company/")
    assert "영업팀만 보는 전략 메모" not in outsider.page.locator("main").inner_text()

    # --- the outsider follows #주간회의 on its page; the colleague's next one reaches their home -----
    opage = outsider.page
    opage.goto("/tags/%EC%A3%BC%EA%B0%84%ED%9A%8C%EC%9D%98")
    follow = opage.locator("#tag-follow-form button")
    assert follow.get_attribute("aria-pressed") == "false"
    press(follow, what="the tag is followed")
    assert opage.locator("#tag-follow-form button").inner_text().strip() == "팔로잉"
    outsider.shot("tag-followed")
    cpage.goto("/")  # the outsider does not follow the colleague
    cpage.fill("#id_text", "다음 #주간회의 는 목요일입니다")
    cpage.click("#composer-form button[type=submit]")
    cpage.locator("#cards article.post", has_text="목요일입니다").wait_for()

    eventually(
        lambda: shows(opage, "/", "목요일입니다", where="#cards"),
        what="the followed tag's post reaches the outsider's home",
    )

    # --- XSS payloads stay text --------------------------------------------------------------------
    evil = Session(browser, cast.base)
    evil.sign_in(cast.evil)
    evil.page.fill("#id_text", '<img src=x onerror="alert(3)"> <script>alert(4)</script> 안녕하세요')
    evil.page.click("#composer-form button[type=submit]")
    evil.page.locator("#cards article.post", has_text="안녕하세요").wait_for()
    page.goto("/company/")
    card = page.locator("article.post", has_text="안녕하세요").first
    assert "<script>alert(4)</script>" in card.inner_text()
    assert "<img src=x" in card.inner_text()  # the display name, shown as text
    assert card.locator("img[src=x]").count() == 0 and card.locator("script").count() == 0
    page.goto(f"/@{cast.evil.username}")
    time.sleep(0.5)
    assert author.dialogs == [] and evil.dialogs == []

    # --- a photo upload shows the new photo ------------------------------------------------------
    page.goto("/settings/")
    before = page.locator("#settings-photo").get_attribute("src")
    photo = tmp_path / "me.png"
    photo.write_bytes(_png((30, 140, 90)))
    page.set_input_files("#id_photo", str(photo))
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/settings/$"))
    after = page.locator("#settings-photo").get_attribute("src")
    assert after != before and after is not None and "/media/" in after
    # The browser loaded it (Playwright's own HTTP client cannot resolve *.localhost; Chromium can).
    eventually(
        lambda: page.locator("#settings-photo").evaluate("img => img.complete && img.naturalWidth") > 0
    )
    page.goto(f"/@{cast.author.username}")
    assert page.locator("#profile-photo").get_attribute("src") == after
    author.shot("profile")

    # --- switching to English changes the UI --------------------------------------------------------
    page.goto("/settings/")
    author.shot("settings")
    page.select_option("#id_locale", "en")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/settings/$"))
    nav = page.locator("nav.sidenav").inner_text()
    assert "Notifications" in nav and "알림" not in nav
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/")
    assert page.locator("#id_text").get_attribute("placeholder") == "What's happening?"
    author.shot("home-english")

    # --- the people directory and a phone-sized screen ------------------------------------------
    page.goto(f"/people/?q={cast.colleague.given_name}")
    assert "정민호" in page.locator("#people-results").inner_text()
    author.shot("people")
    phone = Session(browser, cast.base, mobile=True)
    phone.sign_in(cast.colleague)
    phone.shot("home-phone")
    width = phone.page.locator("html").evaluate("e => e.scrollWidth")
    assert width <= 391, width

    for session in (author, colleague, outsider, evil, phone):
        assert session.problems == [], session.problems


def test_messages_pins_bells_and_quiet_threads(cast: Cast, browser: Any) -> None:
    author = Session(browser, cast.base)
    colleague = Session(browser, cast.base)
    author.sign_in(cast.author)
    colleague.sign_in(cast.colleague)
    page, cpage = author.page, colleague.page

    # --- a direct message: the colleague's Messages badge counts it without a reload; it waits, unread,
    # on the Messages page until it is opened, and the badge goes with it ------------------------------
    colleague.live_ready()
    page.select_option("#id_audience", "direct")
    page.fill("#id_text", f"@{cast.colleague.username} 내일 회의 전에 잠깐 볼까요?")
    page.click("#composer-form button[type=submit]")
    page.locator("#cards article.post", has_text="잠깐 볼까요").wait_for()
    messages_badge = cpage.locator("#messages-badge")
    eventually(lambda: messages_badge.get_attribute("data-count") == "1", what="the Messages badge counts it")
    assert messages_badge.is_visible()

    def waiting_unread() -> bool:
        cpage.goto("/messages/")
        return cpage.locator("li.conversation.unread", has_text="잠깐 볼까요").count() == 1

    eventually(waiting_unread, what="the message waits unread")
    assert "한지우" in cpage.locator("li.conversation p.with").first.inner_text()
    colleague.shot("messages")
    cpage.locator("li.conversation a.when").first.click()
    cpage.wait_for_url(re.compile(r"/@.+/\d+$"))
    cpage.click("nav.sidenav a[href='/messages/']")
    cpage.wait_for_url(re.compile(r"/messages/$"))
    assert cpage.locator("li.conversation.unread").count() == 0  # opened: read
    assert messages_badge.get_attribute("data-count") == "0" and not messages_badge.is_visible()

    # --- the colleague rings the bell on the author's profile: the author's next post notifies -------
    cpage.goto(f"/@{cast.author.username}")
    bell = cpage.locator("#notify-form button")
    assert bell.get_attribute("aria-pressed") == "false"
    press(bell, what="the bell is on")
    page.goto("/")
    page.select_option("#id_audience", "company")
    page.fill("#id_text", "전사 공지: 금요일 오후 반차입니다")
    page.click("#composer-form button[type=submit]")
    page.locator("#cards article.post", has_text="오후 반차").wait_for()

    eventually(
        lambda: shows(cpage, "/notifications/", "오후 반차"),
        what="the post notifies the colleague who rang the bell",
    )

    # --- pins: five at most, the sixth refused with a message, the pinned one first on the profile ---
    for i in range(5):
        page.fill("#id_text", f"고정할 글 {i}번")
        page.click("#composer-form button[type=submit]")
        page.locator("#cards article.post", has_text=f"고정할 글 {i}번").wait_for()
    page.goto(f"/@{cast.author.username}")
    for i in range(5):
        pin = page.locator("#cards article.post", has_text=f"고정할 글 {i}번").locator("button.pin")
        press(pin, what=f"post {i} pinned")
    page.locator("#cards article.post", has_text="오후 반차").locator("button.pin").click()

    def refused() -> bool:
        page.wait_for_timeout(250)  # Playwright delivers the page's events (the alert) while waiting
        return bool(author.dialogs)

    eventually(refused, what="the sixth pin is refused with a message")
    assert "5" in author.dialogs[0] and "고정" in author.dialogs[0]
    page.reload()
    pinned = page.locator("section.pinned").inner_text()
    assert all(f"고정할 글 {i}번" in pinned for i in range(5)) and "오후 반차" not in pinned
    author.shot("profile-pinned")

    # --- the colleague mutes a thread from its action bar: a reply in it stays quiet -------------------
    reply_to(cpage, f"/@{cast.author.username}", "오후 반차", "좋습니다!")
    cpage.reload()
    mute = cpage.locator("#cards article.post", has_text="좋습니다!").locator("button.mute")
    press(mute, what="the thread is muted")
    reply_to(page, f"/@{cast.colleague.username}", "좋습니다!", "고마워요")
    page.goto("/")  # a new post, outside the thread
    page.fill("#id_text", f"@{cast.colleague.username} 다른 이야기예요")
    page.click("#composer-form button[type=submit]")
    page.locator("#cards article.post", has_text="다른 이야기예요").wait_for()

    eventually(
        lambda: shows(cpage, "/notifications/", "다른 이야기예요"), what="a mention elsewhere still notifies"
    )
    assert "고마워요" not in cpage.locator("main").inner_text()  # the muted thread stayed quiet

    for session in (author, colleague):
        assert session.problems == [], session.problems


def colleague_sees(cast: Cast, colleague: Session) -> bool:
    button = colleague.page.locator("#new-posts")
    if button.is_visible():
        button.click()
    return "영업팀만 보는 전략 메모" in colleague.page.locator("#cards").inner_text()


def test_keyboard_only_sign_in_and_post(cast: Cast, browser: Any) -> None:
    session = Session(browser, cast.base)
    page = session.page
    page.goto("/login/")
    # The username field has the focus on arrival; Tab goes on to the password, Enter submits.
    assert page.locator("#id_username:focus").count() == 1
    page.keyboard.type(cast.outsider.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(cast.base + "/")
    page.focus("#id_text")
    page.keyboard.type("키보드만으로 쓴 글")
    page.keyboard.press("Tab")  # the picker and the submit button are reachable in order
    assert page.locator("#composer-form :focus").count() == 1
    page.locator("#composer-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.locator("#cards article.post", has_text="키보드만으로 쓴 글").wait_for()
    assert session.problems == []


def test_a_keyword_filter_made_in_settings_collapses_then_hides_a_post(cast: Cast, browser: Any) -> None:
    author = Session(browser, cast.base)
    colleague = Session(browser, cast.base)
    author.sign_in(cast.author)
    colleague.sign_in(cast.colleague)
    page, cpage = author.page, colleague.page
    page.fill("#id_text", "어제 드라마 결말 스포일러: 범인은 집사")
    page.click("#composer-form button[type=submit]")
    page.locator("#cards article.post", has_text="범인은 집사").wait_for()

    # --- a filter made in settings: a keyword typed, another in a row the button adds ---------------
    cpage.goto("/settings/")
    cpage.click("nav.tabs a[href='/settings/filters/']")
    cpage.click("#new-filter")
    cpage.fill("#id_title", "드라마 스포")
    cpage.fill("input[name='kw-0-keyword']", "스포일러")
    cpage.click("#add-keyword")  # the new row has the focus
    cpage.keyboard.type("결말")
    colleague.shot("settings-filter-form")
    cpage.click("#filter-form button[type=submit]")  # home, company timelines, conversations; warn
    cpage.wait_for_url(re.compile(r"/settings/filters/$"))
    listed = cpage.locator("ul.filters").inner_text()
    assert "드라마 스포" in listed and "스포일러" in listed and "결말" in listed
    colleague.shot("settings-filters")

    # --- the post is collapsed behind the filter's title, one click away ------------------------
    card = cpage.locator("#cards article.post.filtered", has_text="필터됨: 드라마 스포")
    eventually(lambda: cpage.goto("/company/") and card.count() == 1, what="the post shows collapsed")
    assert "범인은 집사" not in card.inner_text()
    card.locator("summary").first.click()
    eventually(lambda: "범인은 집사" in card.inner_text(), what="the post opens")
    colleague.shot("filter-warn-opened")

    # --- made a "hide" filter, the post is left out -----------------------------------------------
    cpage.goto("/settings/filters/")
    cpage.locator("ul.filters a.filter-title", has_text="드라마 스포").click()
    cpage.check("input[name=action][value=hide]")
    cpage.click("#filter-form button[type=submit]")
    cpage.wait_for_url(re.compile(r"/settings/filters/$"))
    cpage.goto("/company/")
    assert "범인은 집사" not in cpage.locator("main").inner_text()
    assert "범인은 집사" in page.locator("main").inner_text()  # only for who made the filter

    for session in (author, colleague):
        assert session.problems == [], session.problems


def test_a_post_scheduled_from_the_composer_is_listed_then_cancelled(cast: Cast, browser: Any) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    session = Session(browser, cast.base)
    session.sign_in(cast.author)
    page = session.page
    # Tomorrow at 09:30, as the field takes it: the company's wall time (Asia/Seoul).
    when = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Seoul"))
    typed = when.strftime("%Y-%m-%dT09:30")

    page.fill("#id_text", "내일 아침에 올라갈 주간 공지")
    submit = page.locator("#composer-form button[type=submit]")
    assert submit.inner_text() == "게시"
    page.click("#toggle-schedule")
    page.fill("#id_scheduled_at", typed)
    eventually(lambda: submit.inner_text() == "예약", what="the button says it schedules")
    session.shot("composer-schedule")
    submit.click()
    notice = page.locator("#scheduled-notice")
    notice.wait_for()
    assert "9:30" in notice.inner_text()
    assert page.locator("#id_text").input_value() == ""  # a fresh composer
    assert "내일 아침에 올라갈 주간 공지" not in page.locator("#cards").inner_text()  # nothing posted

    notice.locator("a").click()
    page.wait_for_url(re.compile(r"/scheduled/"))
    item = page.locator("li.scheduled-item", has_text="내일 아침에 올라갈 주간 공지")
    assert item.count() == 1
    assert page.locator("li.scheduled-item input[name=scheduled_at]").input_value() == typed
    session.shot("scheduled-posts")

    item.locator("button", has_text="예약 취소").click()  # asks first; the session says yes
    page.wait_for_url(re.compile(r"/scheduled/$"))
    assert page.locator("li.scheduled-item").count() == 0
    assert any("취소할까요" in d for d in session.dialogs)
    assert session.problems == []


def test_an_announcement_from_the_console_is_read_and_reacted_to_on_home(cast: Cast, browser: Any) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from tests.conftest import ADMIN_PASSWORD

    text = f"내일은 전사 대청소의 날입니다 {cast.suffix}"
    # For a unit of the cast's: deleting the unit at the end deletes the announcement.
    team = cast.units[1]  # 영업1팀, the colleague's unit
    day = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Seoul"))
    admin = Session(browser, cast.base)
    colleague = Session(browser, cast.base)

    # --- the admin writes it in the console, for one team, published now ------------------------
    page = admin.page
    page.goto("/login/")
    page.fill("#id_username", "admin@acme.example")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(cast.base + "/")
    page.goto("/admin-console/")
    page.click("nav.console-nav a[href='/admin-console/announcements/']")
    page.click("#new-announcement")
    page.fill("#id_text", text)
    page.select_option("#id_unit_id", str(team.pk))
    page.fill("#id_starts_at", day.strftime("%Y-%m-%dT15:00"))
    page.fill("#id_ends_at", day.strftime("%Y-%m-%dT17:00"))
    page.click("#announcement-form button[type=submit]")
    page.wait_for_url(re.compile(r"/admin-console/announcements/$"))
    row = page.locator("tr.announcement-row", has_text=text[:20])
    assert "게시 중" in row.inner_text() and team.name in row.inner_text()
    admin.shot("console-announcements")

    # --- a colleague in the team sees it on Home, reacts 🎉 and marks it read ---------------------
    colleague.sign_in(cast.colleague)
    cpage = colleague.page
    card = cpage.locator("#announcements article.announcement", has_text=text)
    card.wait_for()
    assert f"{day.year}년 {day.month}월 {day.day}일" in card.inner_text() and team.name in card.inner_text()
    assert cpage.locator("#announcements-badge").get_attribute("data-count") == "1"
    colleague.shot("home-announcement")
    card.locator("details.reaction-picker summary").click()
    card.locator("button.reaction-choice", has_text="🎉").click()
    chip = card.locator("button.reaction", has_text="🎉")
    eventually(lambda: chip.get_attribute("aria-pressed") == "true", what="the 🎉 chip is pressed")
    assert chip.locator(".n").inner_text() == "1"
    card.locator("form.dismiss button").click()
    eventually(lambda: card.count() == 0, what="the announcement leaves Home")
    eventually(
        lambda: cpage.locator("#announcements-badge").get_attribute("data-count") == "0",
        what="the badge clears",
    )
    cpage.click("#nav-announcements")
    cpage.wait_for_url(re.compile(r"/announcements/$"))
    listed = cpage.locator("article.announcement.read", has_text=text)
    assert listed.count() == 1 and "🎉" in listed.inner_text()
    colleague.shot("announcements")
    for session in (admin, colleague):
        assert session.problems == [], session.problems
