"""Text → the integer tokens the post index stores, and a search term → the tokens to look up.

Korean has no spaces inside compounds ("주간회의록") and people search with two-syllable words ("회의"),
which pg_trgm cannot serve from its index. So every word is cut into overlapping character bigrams,
computed here rather than in the database (pg_bigm and PGroonga are not available on stock
PostgreSQL). A bigram is stored as one int4: the two characters' code points side by side, which is
exact for the Basic Multilingual Plane (Hangul, Latin, Han, kana…) and a hash above it. A word of one
character is stored as that character followed by 0 (no character is 0), so a one-character search
can find it too.

Every match the index proposes is re-checked against the post's text, so a token collision can
cost time but never a wrong result.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Letters, digits, combining marks and "_" of every script; everything else separates words.
_WORD_RE = re.compile(r"[\w\u0300-\u036f\u200c\u200d]+")
_LOW16 = 0xFFFF


def normalise(text: str) -> str:
    """The form both documents and terms are tokenised in: NFC, case-folded (like hashtags)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def words(text: str) -> list[str]:
    return _WORD_RE.findall(normalise(text))


def _code(ch: str) -> int:
    o = ord(ch)
    # Outside the BMP (emoji, rare Han): folded into the surrogate block, which no real text uses.
    return o if o <= _LOW16 and not 0xD800 <= o <= 0xDFFF else 0xD800 + (o % 0x800)


def _signed(value: int) -> int:
    return value - (1 << 32) if value >= (1 << 31) else value


def pair(first: str, second: str | None) -> int:
    """The token for ``first`` followed by ``second`` (None: the end of a one-character word)."""
    return _signed((_code(first) << 16) | (_code(second) if second else 0))


def word_tokens(word: str) -> list[int]:
    if len(word) == 1:
        return [pair(word, None)]
    return [pair(word[i], word[i + 1]) for i in range(len(word) - 1)]


def document_tokens(*texts: str) -> list[int]:
    """The sorted, distinct tokens of a post (its text and content warning)."""
    found: set[int] = set()
    for text in texts:
        for word in words(text):
            found.update(word_tokens(word))
    return sorted(found)


def first_char_range(ch: str) -> tuple[int, int]:
    """Every token whose first character is ``ch``: one contiguous range of int4 values."""
    low = _signed(_code(ch) << 16)
    return low, low + _LOW16


def second_char(ch: str) -> int:
    """The low 16 bits of every token whose second character is ``ch``."""
    return _code(ch)


@dataclass(frozen=True)
class Term:
    """One word of a search: what the text must contain (``raw``, re-checked against the post) and the
    tokens every matching post has (``tokens``; empty for a one-character word, which is matched
    through every token that starts or ends with its character)."""

    raw: str
    tokens: tuple[int, ...]

    @property
    def single_char(self) -> bool:
        return len(self.raw) == 1


def parse_query(query: str, *, max_terms: int = 8) -> list[Term]:
    """A search string → its words (deduplicated, order kept). A leading ``#`` is ignored: searching
    ``#release`` finds posts saying "release" as well as the tag."""
    terms: dict[str, Term] = {}
    for word in words(query.replace("#", " ")):
        if word in terms:
            continue
        terms[word] = Term(raw=word, tokens=tuple(sorted(set(word_tokens(word)))) if len(word) > 1 else ())
        if len(terms) >= max_terms:
            break
    return list(terms.values())


def tokens_of_terms(terms: Iterable[Term]) -> set[int]:
    return {t for term in terms for t in term.tokens}
