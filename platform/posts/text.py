"""Plain text in, entities and inert HTML out: mentions, hashtags (any script), links, length.

Posts are written as plain text. We find the entities ourselves, build Mastodon-shaped HTML from escaped
text, and pass the result through nh3 (ammonia) with an allow-list as a last line of defence, so nothing a
user types can become markup. The HTML is stored on the post (``Post.content_html``) and never re-rendered
on read.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import nh3

# Mastodon counts every link as 23 characters, whatever its length (Twitter's t.co rule).
URL_LENGTH = 23
TAG_MAX_LENGTH = 100

_URL_RE = re.compile(r"https?://[^\s<>\"'`\u3000]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than a link ("see https://x.com/a." or Korean "…/a。").
_URL_TRAILING = ".,;:!?'\"*…。、，！？」』】"
# A handle as directory.models.username_validator allows it, optionally @host (this tenant's domain).
_MENTION_RE = re.compile(
    r"@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)"
    r"(?:@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*))?"
)
# Zero-width (non-)joiners occur inside words in Persian and Indic scripts.
_JOINERS = {"\u200c", "\u200d"}


def normalise_tag(name: str) -> str:
    """The key a hashtag is stored and looked up by: ``#Release`` = ``release``, and composed and
    decomposed Hangul (NFC/NFD) are one tag."""
    name = name.lstrip("#")
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def tag_named(name: str) -> tuple[str, str] | None:
    """A hashtag given by name alone (``Release``, ``#점심``), as (normalised name, as typed), or None when
    the name is not one whole hashtag as a post's text would find it ("#1", "a b", "#")."""
    typed = name.strip().removeprefix("#")
    found = list(_scan_words("#" + typed))
    if len(found) != 1 or found[0].kind != "tag" or found[0].raw != "#" + typed:
        return None
    return normalise_tag(found[0].value), found[0].value


def _is_tag_char(ch: str) -> bool:
    # Letters, digits and combining marks of every script, and "_": a tag ends at whitespace or at any
    # other punctuation or symbol ("#점심!" is "점심", "#release_2," is "release_2").
    return ch == "_" or ch in _JOINERS or unicodedata.category(ch)[0] in "LNM"


@dataclass(frozen=True)
class Segment:
    kind: str  # "text" | "url" | "mention" | "tag"
    raw: str  # exactly as typed
    value: str = ""  # url: the href; mention: the username; tag: the tag as typed (no "#")
    host: str = ""  # mention: the "@host" part, if any


@dataclass
class Parsed:
    segments: list[Segment] = field(default_factory=list)

    @property
    def usernames(self) -> list[str]:
        """Handles in order of first appearance (case preserved as typed)."""
        seen: dict[str, str] = {}
        for s in self.segments:
            if s.kind == "mention":
                seen.setdefault(s.value.lower(), s.value)
        return list(seen.values())

    @property
    def tags(self) -> list[str]:
        """Hashtags as first typed, one per normalised name, in order of appearance."""
        seen: dict[str, str] = {}
        for s in self.segments:
            if s.kind == "tag":
                seen.setdefault(normalise_tag(s.value), s.value)
        return list(seen.values())


def _trim_url(url: str) -> str:
    while url and url[-1] in _URL_TRAILING:
        url = url[:-1]
    # A closing bracket belongs to the link only if the link opened one ("(see https://x/a_(b))").
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _scan_words(text: str) -> Iterator[Segment]:
    """Mentions and hashtags in text that holds no link."""
    i, start, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "@":
            m = _MENTION_RE.match(text, i)
            if m and (i == 0 or _mention_may_start(text, i)):
                if start < i:
                    yield Segment("text", text[start:i])
                yield Segment("mention", m.group(0), m.group(1), (m.group(2) or "").lower())
                i = start = m.end()
                continue
        elif ch == "#" and (i == 0 or not (_is_tag_char(text[i - 1]) or text[i - 1] in "#&/")):
            j = i + 1
            while j < n and _is_tag_char(text[j]):
                j += 1
            tag = text[i + 1 : j].strip("\u200c\u200d")
            # "#1" is a number, not a tag (Mastodon requires a non-digit).
            if tag and len(tag) <= TAG_MAX_LENGTH and not all(c.isdigit() or c == "_" for c in tag):
                if start < i:
                    yield Segment("text", text[start:i])
                yield Segment("tag", text[i:j], tag)
                i = start = j
                continue
        i += 1
    if start < n:
        yield Segment("text", text[start:])


def _mention_may_start(text: str, i: int) -> bool:
    prev = text[i - 1]
    # After a letter or digit it is an e-mail address ("kim@acme.com"), not a mention; Hangul right
    # before a handle ("회의@kim") is still a mention, since handles are ASCII.
    return not (prev.isascii() and (prev.isalnum() or prev in "_@/.+-"))


def parse(text: str) -> Parsed:
    """Split plain text into text, link, mention and hashtag segments (links first: nothing inside a
    link is a mention or a hashtag)."""
    parsed = Parsed()
    pos = 0
    for m in _URL_RE.finditer(text):
        if m.start() < pos:
            continue
        url = _trim_url(m.group(0))
        if len(url) <= len("https://"):
            continue
        if pos < m.start():
            parsed.segments.extend(_scan_words(text[pos : m.start()]))
        parsed.segments.append(Segment("url", url, url))
        pos = m.start() + len(url)
    if pos < len(text):
        parsed.segments.extend(_scan_words(text[pos:]))
    return parsed


def count_chars(text: str, *, parsed: Parsed | None = None) -> int:
    """Length as Mastodon counts it: code points (a Hangul syllable is one), every link 23, and a
    mention only by its ``@username`` part."""
    parsed = parsed or parse(text)
    total = 0
    for s in parsed.segments:
        if s.kind == "url":
            total += URL_LENGTH
        elif s.kind == "mention":
            total += 1 + len(s.value)
        else:
            total += len(s.raw)
    return total


# --- HTML -------------------------------------------------------------------------------------------

_ALLOWED_TAGS = {"p", "br", "a", "span"}
_ALLOWED_ATTRIBUTES = {"a": {"href", "target", "translate"}, "span": {"translate"}}
_ALLOWED_CLASSES = {
    "a": {"mention", "hashtag", "u-url"},
    "span": {"h-card", "invisible", "ellipsis"},
}


def sanitise(fragment: str) -> str:
    """The final allow-list pass over HTML we built (and the only thing ever done to foreign HTML)."""
    return nh3.clean(
        fragment,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        allowed_classes=_ALLOWED_CLASSES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def _esc(value: str) -> str:
    return html.escape(value, quote=True)


def account_url(base_url: str, username: str) -> str:
    """An employee's profile address, as Mastodon shapes it (``/@username``)."""
    return f"{base_url}/@{quote(username)}"


def tag_url(base_url: str, tag: str) -> str:
    return f"{base_url}/tags/{quote(normalise_tag(tag))}"


def _link_html(url: str) -> str:
    # Mastodon's shortened display: the scheme hidden, the first 30 characters shown, the rest hidden.
    scheme, _, rest = url.partition("://")
    shown, hidden = rest[:30], rest[30:]
    ellipsis = "ellipsis" if hidden else ""
    return (
        f'<a href="{_esc(url)}" target="_blank" translate="no">'
        f'<span class="invisible">{_esc(scheme)}://</span><span class="{ellipsis}">{_esc(shown)}</span>'
        f'<span class="invisible">{_esc(hidden)}</span></a>'
    )


def _text_html(text: str) -> str:
    return _esc(text).replace("\n", "<br>")


def render(
    text: str,
    *,
    base_url: str,
    mentionable: Callable[[Segment], str | None],
    parsed: Parsed | None = None,
) -> str:
    """Mastodon ``content`` HTML for ``text``. ``mentionable(segment)`` returns the canonical username of
    the employee a mention resolves to, or None to leave it as plain text (unknown handle, other host)."""
    parsed = parsed or parse(text)
    out: list[str] = []
    for s in parsed.segments:
        if s.kind == "url":
            out.append(_link_html(s.value))
        elif s.kind == "tag":
            out.append(
                f'<a href="{_esc(tag_url(base_url, s.value))}" class="mention hashtag" rel="tag">'
                f"#<span>{_esc(s.value)}</span></a>"
            )
        elif s.kind == "mention" and (username := mentionable(s)) is not None:
            out.append(
                f'<span class="h-card" translate="no"><a href="{_esc(account_url(base_url, username))}" '
                f'class="u-url mention">@<span>{_esc(username)}</span></a></span>'
            )
        else:
            out.append(_text_html(s.raw))
    body = "".join(out)
    # Paragraphs on blank lines, <br> within them, as Mastodon renders plain text.
    paragraphs = [p.strip() for p in re.split(r"(?:<br>\s*){2,}", body) if p.strip()]
    paragraphs = [p.removeprefix("<br>").removesuffix("<br>") for p in paragraphs]
    return sanitise("".join(f"<p>{p}</p>" for p in paragraphs))
