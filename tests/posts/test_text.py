"""Parsing and rendering of post text: mentions, hashtags in any script, links, length, inert HTML."""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

import pytest

from posts.text import count_chars, normalise_tag, parse, render

BASE = "http://acme.localhost:8000"


def _render(text: str, known: set[str] = frozenset({"kim", "lee"})) -> str:  # type: ignore[assignment]
    return render(
        text,
        base_url=BASE,
        mentionable=lambda s: (
            s.value.lower() if s.value.lower() in known and s.host in ("", "acme.localhost") else None
        ),
    )


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("오늘 #점심 은 #회의록 정리 후에", ["점심", "회의록"]),
        ("#release_2, shipped!", ["release_2"]),
        ("#Release and #release are one", ["Release"]),
        ("#점심!메뉴", ["점심"]),
        ("#점심·저녁", ["점심"]),
        ("(#팀회의)", ["팀회의"]),
        ("#1 priority, C# and a#b are not tags", []),
        ("see https://example.com/page#section and https://x.y/#점심", []),
        ("#日本語 #café", ["日本語", "café"]),
    ],
)
def test_hashtags_in_any_script_end_at_punctuation_other_than_underscore(text: str, tags: list[str]) -> None:
    assert parse(text).tags == tags


def test_composed_and_decomposed_hangul_and_case_are_one_tag() -> None:
    decomposed = unicodedata.normalize("NFD", "점심")
    assert decomposed != "점심"
    assert normalise_tag(decomposed) == normalise_tag("점심") == "점심"
    assert normalise_tag("#Release") == normalise_tag("release") == "release"
    assert normalise_tag("STRASSE") == normalise_tag("straße")


def test_mentions_are_ascii_handles_and_not_email_addresses() -> None:
    parsed = parse("@kim님 회의@lee 참고, 메일은 kim@acme.com, @Lee 와 @bob@acme.localhost")
    assert parsed.usernames == ["kim", "lee", "bob"]
    hosts = [s.host for s in parsed.segments if s.kind == "mention"]
    assert hosts == ["", "", "", "acme.localhost"]


def test_length_counts_code_points_and_every_link_as_23() -> None:
    assert count_chars("가" * 500) == 500
    assert count_chars("https://example.com/" + "a" * 200) == 23
    assert count_chars("see https://example.com/very/long/path/indeed ok") == len("see ") + 23 + len(" ok")
    # A mention with this tenant's host counts only as @username.
    assert count_chars("@kim@acme.localhost") == len("@kim")


def test_rendered_html_links_known_mentions_tags_and_urls() -> None:
    html = _render("안녕 @kim님 #점심 https://example.com/a?b=1&c=2 @nobody")
    assert '<a href="http://acme.localhost:8000/@kim" class="u-url mention"' in html
    assert "@<span>kim</span></a></span>님" in html
    assert 'href="http://acme.localhost:8000/tags/%EC%A0%90%EC%8B%AC" class="mention hashtag"' in html
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html
    assert 'rel="nofollow noopener noreferrer"' in html
    # An unknown handle stays plain text.
    assert "@nobody" in html and "/@nobody" not in html


def test_paragraphs_and_line_breaks() -> None:
    assert _render("one\ntwo\n\nthree") == "<p>one<br>two</p><p>three</p>"


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '"><svg onload=alert(1)>',
        "javascript:alert(1)",
        'https://example.com/"onmouseover="alert(1)',
        "https://example.com/<script>alert(1)</script>",
        "#<b>tag</b> @kim<i>x</i>",
        "<a href='javascript:alert(1)'>x</a>",
        "&lt;script&gt; &#x3C;script&#x3E;",
    ],
)
def test_html_is_inert_whatever_is_typed(attack: str) -> None:
    html = _render(attack)
    elements = _elements(html)
    # Only our own elements and attributes survive, and every link is http(s).
    assert {tag for tag, _ in elements} <= {"p", "br", "a", "span"}, html
    for tag, attrs in elements:
        assert set(attrs) <= {"href", "class", "rel", "target", "translate"}, (tag, attrs)
        if "href" in attrs:
            assert attrs["href"].startswith(("https://", "http://")), attrs["href"]


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    found: list[tuple[str, dict[str, str]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, {k: v or "" for k, v in attrs}))

    Collector().feed(html)
    return found
