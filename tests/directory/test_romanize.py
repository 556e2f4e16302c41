"""Korean names in Latin letters (Revised Romanization, with passport spellings of family names)."""

from __future__ import annotations

import pytest

from directory.romanize import (
    FAMILY_NAME_LATIN,
    decompose,
    latin_initials,
    romanize,
    romanize_name,
    split_korean_name,
)


@pytest.mark.parametrize(
    ("family", "given", "latin"),
    [
        ("김", "철수", "Kim Cheolsu"),
        ("이", "영희", "Lee Yeonghui"),
        ("박", "서연", "Park Seoyeon"),
        ("최", "민준", "Choi Minjun"),
        ("정", "하늘", "Jung Haneul"),
        ("강", "지훈", "Kang Jihun"),
        ("조", "은비", "Cho Eunbi"),
        ("윤", "슬기", "Yoon Seulgi"),
        ("임", "꽃님", "Lim Kkotnim"),
        ("류", "승우", "Ryu Seungu"),
        ("유", "나래", "Yoo Narae"),
        ("오", "빛나", "Oh Bitna"),
        ("남궁", "민수", "Namgung Minsu"),
        ("선우", "재희", "Sunwoo Jaehui"),
    ],
)
def test_korean_names_romanize_family_name_first(family: str, given: str, latin: str) -> None:
    assert romanize_name(family_name=family, given_name=given) == latin


def test_given_names_do_not_reflect_sound_assimilation() -> None:
    # RR for personal names: 한복남 is "Han Boknam", though it is pronounced "Hanbongnam".
    assert romanize_name(family_name="한", given_name="복남") == "Han Boknam"
    assert romanize_name(family_name="신", given_name="석영") == "Shin Seokyeong"


def test_double_rieul_is_ll() -> None:
    assert romanize("별래") == "byeollae"
    assert romanize("설리") == "seolli"


def test_family_names_outside_the_table_follow_the_standard_rules() -> None:
    assert romanize_name(family_name="옹", given_name="재석") == "Ong Jaeseok"


def test_final_consonants_are_written_as_they_sound_at_a_syllable_end() -> None:
    assert romanize("옷") == "ot"  # ㅅ
    assert romanize("꽃") == "kkot"  # ㅊ
    assert romanize("부엌") == "bueok"  # ㅋ
    assert romanize("닭") == "dak"  # ㄺ keeps the ㄱ
    assert romanize("값") == "gap"  # ㅄ keeps the ㅂ


def test_decompose_is_arithmetic_on_the_unicode_block() -> None:
    assert decompose("가") == (0, 0, 0)
    assert decompose("한") == (18, 0, 4)
    assert decompose("힣") == (18, 20, 27)
    with pytest.raises(ValueError, match="not a Hangul syllable"):
        decompose("A")


def test_every_hangul_syllable_romanizes_to_lowercase_ascii() -> None:
    for code in range(0xAC00, 0xD7A4):
        latin = romanize(chr(code))
        assert latin and latin.isascii() and latin.isalpha() and latin == latin.lower(), chr(code)


def test_text_that_is_not_hangul_passes_through() -> None:
    assert romanize("김 A-1 ☕") == "gim A-1 ☕"


def test_latin_names_come_back_given_name_first() -> None:
    assert romanize_name(family_name="Smith", given_name="Jane") == "Jane Smith"
    assert romanize_name(family_name="", given_name="Prince") == "Prince"


def test_every_listed_family_name_has_a_capitalised_latin_spelling() -> None:
    for hangul, latin in FAMILY_NAME_LATIN.items():
        assert len(hangul) in (1, 2)
        assert latin.isascii() and latin.isalpha() and latin[0].isupper(), hangul
    for required in "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민나진":
        assert required in FAMILY_NAME_LATIN


def test_full_names_split_after_the_family_name() -> None:
    assert split_korean_name("김철수") == ("김", "철수")
    assert split_korean_name("남궁민수") == ("남궁", "민수")
    assert split_korean_name("남궁") == ("남", "궁")  # a compound family name needs a given name after it
    assert split_korean_name(" 황보 관 ") == ("황보", "관")


def test_latin_initials_follow_the_written_order() -> None:
    assert latin_initials("Kim Cheolsu") == "KC"
    assert latin_initials("Jane Smith") == "JS"
    assert latin_initials("Mary-Jane van Dyke") == "MD"
    assert latin_initials("cher") == "C"
    assert latin_initials("  ") == ""
