"""Korean names in Latin letters: the Revised Romanization of Korean (2000), as used for names.

``Employee.name_latin`` ("Kim Cheolsu") lets colleagues find a person by typing Latin letters and
gives avatars initials on machines with no Hangul font. Names follow RR's rules for personal names:
syllable by syllable, with no sound assimilation (한복남 is "Han Boknam", not "Hanbongnam"), and
family names in the spelling most of their holders use in passports (김 "Kim", not RR's "Gim"),
since that is what colleagues will type.
"""

from __future__ import annotations

# Hangul syllables are laid out arithmetically in Unicode: (initial * 21 + medial) * 28 + final.
_SYLLABLE_FIRST = 0xAC00
_SYLLABLE_LAST = 0xD7A3
_MEDIALS = 21
_FINALS = 28

# fmt: off
_INITIAL_LATIN = (
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h",
)
_MEDIAL_LATIN = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
    "eu", "ui", "i",
)
# A final consonant is written as the sound it makes at the end of a syllable (RR's "representative
# sound"): ㅅ ㅈ ㅊ ㅌ ㅎ all end in "t", and of a double final only the pronounced one is written.
_FINAL_LATIN = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
    "ng", "t", "t", "k", "t", "p", "t",
)
# fmt: on
_INITIAL_RIEUL = 5
_FINAL_RIEUL = 8


# Passport spellings of common family names. RR would give e.g. 이 "I", 박 "Bak", 최 "Choe".
_FAMILY_NAME_TABLE = """
    김:Kim 이:Lee 박:Park 최:Choi 정:Jung 강:Kang 조:Cho 윤:Yoon 장:Jang 임:Lim 한:Han 오:Oh 서:Seo
    신:Shin 권:Kwon 황:Hwang 안:Ahn 송:Song 류:Ryu 전:Jeon 홍:Hong 고:Ko 문:Moon 양:Yang 손:Son 배:Bae
    백:Baek 허:Heo 유:Yoo 남:Nam 심:Shim 노:Noh 하:Ha 곽:Kwak 성:Sung 차:Cha 주:Joo 우:Woo 구:Koo 민:Min
    나:Na 진:Jin 지:Ji 엄:Um 변:Byun 채:Chae 원:Won 천:Cheon 방:Bang 공:Kong 현:Hyun 함:Ham 염:Yeom
    여:Yeo 추:Choo 도:Do 석:Seok 선:Sun 설:Seol 길:Gil 연:Yeon 표:Pyo 명:Myung 기:Ki 라:Ra 왕:Wang
    금:Keum 육:Yook 인:In 맹:Maeng 탁:Tak 국:Kook 남궁:Namgung 황보:Hwangbo 제갈:Jegal 선우:Sunwoo
    독고:Dokgo 사공:Sagong
"""
FAMILY_NAME_LATIN: dict[str, str] = {
    hangul: latin for hangul, _, latin in (pair.partition(":") for pair in _FAMILY_NAME_TABLE.split())
}
# Two-syllable family names; anything else is split after the first syllable.
COMPOUND_FAMILY_NAMES = frozenset(name for name in FAMILY_NAME_LATIN if len(name) == 2)


def is_hangul_syllable(ch: str) -> bool:
    return len(ch) == 1 and _SYLLABLE_FIRST <= ord(ch) <= _SYLLABLE_LAST


def contains_hangul(text: str) -> bool:
    return any(is_hangul_syllable(ch) for ch in text)


def decompose(syllable: str) -> tuple[int, int, int]:
    """(initial, medial, final) jamo indexes of one Hangul syllable; final 0 means none."""
    if not is_hangul_syllable(syllable):
        raise ValueError(f"{syllable!r} is not a Hangul syllable")
    offset = ord(syllable) - _SYLLABLE_FIRST
    return offset // (_MEDIALS * _FINALS), (offset // _FINALS) % _MEDIALS, offset % _FINALS


def romanize(text: str) -> str:
    """Hangul syllables in ``text`` transliterated, lower case; everything else passes through.

    Syllable by syllable, as RR prescribes for names: the only rule across syllables is that
    ㄹ followed by ㄹ is "ll" (별래 "byeollae").
    """
    out: list[str] = []
    previous_final = -1
    for ch in text:
        if not is_hangul_syllable(ch):
            out.append(ch)
            previous_final = -1
            continue
        initial, medial, final = decompose(ch)
        head = _INITIAL_LATIN[initial]
        if initial == _INITIAL_RIEUL and previous_final == _FINAL_RIEUL:
            head = "l"
        out.append(head + _MEDIAL_LATIN[medial] + _FINAL_LATIN[final])
        previous_final = final
    return "".join(out)


def romanize_family_name(family_name: str) -> str:
    family_name = family_name.strip()
    if not contains_hangul(family_name):
        return family_name
    return FAMILY_NAME_LATIN.get(family_name) or romanize(family_name).capitalize()


def romanize_given_name(given_name: str) -> str:
    given_name = given_name.strip()
    if not contains_hangul(given_name):
        return given_name
    return romanize(given_name).capitalize()


def romanize_name(*, family_name: str, given_name: str) -> str:
    """A Korean name in Latin letters, family name first as in Korean ("Kim Cheolsu").

    Names already in Latin letters come back unchanged, in the order given then family.
    """
    if not contains_hangul(family_name + given_name):
        return " ".join(part for part in (given_name.strip(), family_name.strip()) if part)
    parts = (romanize_family_name(family_name), romanize_given_name(given_name))
    return " ".join(part for part in parts if part)


def split_korean_name(full_name: str) -> tuple[str, str]:
    """(family, given) of a Korean full name written without a space ("남궁민수" → ("남궁", "민수")).

    A two-syllable name is always one-syllable family + one-syllable given, since a compound
    family name needs a given name after it.
    """
    name = "".join(full_name.split())
    if len(name) >= 3 and name[:2] in COMPOUND_FAMILY_NAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def latin_initials(name_latin: str, *, limit: int = 2) -> str:
    """Initials of a Latin-letter name in its written order: "Kim Cheolsu" → "KC", "Jane Smith" → "JS"."""
    words = [word for word in name_latin.split() if word[:1].isalnum()]
    if not words:
        return ""
    if len(words) > limit:
        words = [*words[: limit - 1], words[-1]]
    return "".join(word[0] for word in words).upper()
