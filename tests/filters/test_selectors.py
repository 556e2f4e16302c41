"""Matching keywords: Mastodon's whole-word rule, and Korean words that take their particles without a
space."""

from __future__ import annotations

import re

import pytest

from filters.selectors import keyword_pattern


@pytest.mark.parametrize(
    ("keyword", "whole_word", "text", "matches"),
    [
        ("점심", True, "오늘 점심은 뭐예요", True),  # a Korean particle follows the word
        ("점심", True, "#점심", True),
        ("점심", True, "저녁점심", False),  # another word that ends the same way
        ("release", True, "release_2", False),
        ("release", True, "Release!", True),
        ("c++", True, "we use C++ here", True),  # no boundary asked after a non-word end
        ("회의", False, "주간회의록", True),
    ],
)
def test_whole_words_in_korean_and_english(keyword: str, whole_word: bool, text: str, matches: bool) -> None:
    assert bool(re.search(keyword_pattern(keyword, whole_word), text, re.IGNORECASE)) is matches
