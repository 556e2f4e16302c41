"""Generated initials avatars and the clean-up of uploaded photos."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from directory.avatars import (
    MAX_PHOTO_BYTES,
    PALETTE,
    AvatarFonts,
    PhotoError,
    avatar_colour,
    avatar_text,
    find_fonts,
    initials_avatar,
    normalise_photo,
    system_fonts,
)

# --- initials avatars ------------------------------------------------------------------------------


def _open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def test_avatar_is_a_square_png_with_letters_drawn_on_a_colour() -> None:
    image = _open_png(initials_avatar(family_name="김", given_name="철수", name_latin="Kim Cheolsu"))
    assert image.size == (256, 256)
    colours = image.getcolors(maxcolors=256 * 256) or []
    assert len(colours) > 2, "expected letters (with anti-aliasing), not a flat square"
    background = image.getpixel((0, 0))
    assert background in PALETTE
    assert (255, 255, 255) in {colour for _count, colour in colours}
    # The letters sit in the middle: the border is plain background.
    assert all(image.getpixel((x, 5)) == background for x in range(0, 256, 8))


def test_avatar_size_can_be_chosen() -> None:
    assert _open_png(initials_avatar(given_name="Jane", family_name="Smith", size=64)).size == (64, 64)


def test_avatar_draws_with_pillows_own_font_when_the_machine_has_none() -> None:
    image = _open_png(initials_avatar(given_name="Jane", family_name="Smith", fonts=AvatarFonts(None, None)))
    assert len(image.getcolors(maxcolors=256 * 256) or []) > 2


def test_english_names_show_latin_initials() -> None:
    assert (
        avatar_text(family_name="Smith", given_name="Jane", name_latin="Jane Smith", hangul_font=True) == "JS"
    )
    assert avatar_text(family_name="Smith", given_name="Jane", name_latin="", hangul_font=False) == "JS"


def test_korean_names_show_the_family_name_where_hangul_can_be_drawn() -> None:
    assert (
        avatar_text(family_name="김", given_name="철수", name_latin="Kim Cheolsu", hangul_font=True) == "김"
    )
    assert avatar_text(family_name="남궁", given_name="민", name_latin="", hangul_font=True) == "남궁"
    assert avatar_text(family_name="", given_name="하늘", name_latin="", hangul_font=True) == "하"


def test_korean_names_fall_back_to_latin_initials_without_a_hangul_font() -> None:
    assert (
        avatar_text(family_name="김", given_name="철수", name_latin="Kim Cheolsu", hangul_font=False) == "KC"
    )
    # No name_latin yet: romanized on the spot rather than drawing boxes.
    assert avatar_text(family_name="박", given_name="영희", name_latin="", hangul_font=False) == "PY"
    assert avatar_text(family_name="", given_name="", name_latin="", hangul_font=False) == "?"


def test_colour_is_picked_from_the_name_and_stable() -> None:
    assert avatar_colour("김철수|Kim Cheolsu") == avatar_colour("김철수|Kim Cheolsu")
    assert len({avatar_colour(f"person {i}") for i in range(200)}) == len(PALETTE)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_palette_colour_is_readable_under_white_text() -> None:
    for colour in PALETTE:
        contrast = 1.05 / (_luminance(colour) + 0.05)
        assert contrast >= 4.5, f"{colour} has contrast {contrast:.2f} with white"


def _any_latin_font() -> Path:
    for base in (Path("/usr/share/fonts"), Path("/usr/local/share/fonts")):
        found = next(iter(sorted(base.rglob("*.ttf"))), None) if base.is_dir() else None
        if found is not None:
            return found
    pytest.skip("no TrueType font on this machine")


def test_a_font_named_like_a_korean_font_without_hangul_glyphs_is_not_used_for_hangul(tmp_path: Path) -> None:
    impostor = tmp_path / "NanumGothicBold.ttf"
    shutil.copy(_any_latin_font(), impostor)
    fonts = find_fonts([tmp_path])
    assert fonts.hangul is None


def test_latin_font_is_found_in_the_given_folders(tmp_path: Path) -> None:
    shutil.copy(_any_latin_font(), tmp_path / "DejaVuSans-Bold.ttf")
    assert find_fonts([tmp_path / "missing", tmp_path]).latin == tmp_path / "DejaVuSans-Bold.ttf"


def test_hangul_is_drawn_with_the_machines_hangul_font_when_there_is_one() -> None:
    fonts = system_fonts()
    if fonts.hangul is None:
        pytest.skip("no Hangul font on this machine (Latin initials are used instead)")
    with_hangul = _open_png(initials_avatar(family_name="김", given_name="철수", fonts=fonts))
    latin_only = _open_png(
        initials_avatar(family_name="김", given_name="철수", fonts=AvatarFonts(None, fonts.latin))
    )
    assert with_hangul.tobytes() != latin_only.tobytes()


# --- uploaded photos -------------------------------------------------------------------------------


def _jpeg(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, **params)
    return out.getvalue()


def _two_halves(width: int, height: int) -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", (width, height), (220, 0, 0))
    image.paste((0, 0, 220), (width // 2, 0, width, height))
    return image


def _rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.convert("RGB").getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def _is_red(pixel: tuple[int, ...]) -> bool:
    return pixel[0] > 150 and pixel[2] < 80


def _is_blue(pixel: tuple[int, ...]) -> bool:
    return pixel[2] > 150 and pixel[0] < 80


def test_photo_is_turned_upright_cropped_square_resized_and_stripped_of_metadata() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; rotate 90° clockwise to view
    exif[0x010F] = "Camera maker"
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 0.0)}  # a GPS position
    source = _jpeg(_two_halves(1200, 600), exif=exif, icc_profile=b"")

    result = Image.open(io.BytesIO(normalise_photo(source)))

    assert result.format == "JPEG"
    assert result.size == (400, 400)
    assert not result.getexif()
    assert "icc_profile" not in result.info
    # Upright, the red left half is on top; ignoring the orientation would put red on the left.
    assert _is_red(_rgb(result, (200, 40))) and _is_blue(_rgb(result, (200, 360)))


def test_transparent_png_is_flattened_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(out, format="PNG")
    result = Image.open(io.BytesIO(normalise_photo(out.getvalue())))
    assert min(_rgb(result, (50, 50))) > 245


def test_large_photo_is_processed_quickly_enough() -> None:
    source = _jpeg(_two_halves(4000, 3000))
    assert Image.open(io.BytesIO(normalise_photo(source))).size == (400, 400)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"Hello, this is a text file, not a picture.\n", "not an image"),
        (bytes(range(256)) * 40, "not an image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not an image"),
    ],
)
def test_files_that_are_not_pictures_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(PhotoError, match=message):
        normalise_photo(data)


def test_formats_outside_the_allowed_list_are_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(out, format="BMP")
    with pytest.raises(PhotoError, match="JPEG, PNG, WebP or GIF"):
        normalise_photo(out.getvalue())


def test_damaged_picture_is_refused() -> None:
    whole = _jpeg(_two_halves(800, 600))
    with pytest.raises(PhotoError, match="damaged or incomplete"):
        normalise_photo(whole[: len(whole) // 3])


def test_tiny_picture_is_refused() -> None:
    with pytest.raises(PhotoError, match="too small"):
        normalise_photo(_jpeg(Image.new("RGB", (8, 8), "red")))


def test_files_over_the_size_limit_are_refused_before_decoding() -> None:
    with pytest.raises(PhotoError, match="limit is 10 MB"):
        normalise_photo(b"\xff\xd8" + b"\0" * MAX_PHOTO_BYTES)


def _png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header claims a huge canvas: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [9_000, 60_000])
def test_decompression_bombs_are_refused_from_their_header(side: int) -> None:
    bomb = _png_claiming(side, side)
    assert len(bomb) < 2_000
    with pytest.raises(PhotoError, match="too many pixels"):
        normalise_photo(bomb)
