"""Profile pictures: generated initials avatars, and uploaded photos made safe to serve.

Every employee shows a picture on every post, so someone without a photo gets a generated one:
a colour picked from their name and their initials. A Korean name shows its family name in Hangul
when the machine has a Hangul font; otherwise (a slim container image) the Latin initials of
``name_latin``, because Pillow's bundled font has no Hangul and would draw empty boxes.

Uploaded photos are untrusted bytes. ``normalise_photo`` decodes them with a short list of parsers,
refuses decompression bombs before decoding, and re-encodes a fresh JPEG, so what we serve carries
no metadata (GPS positions in EXIF) and no bytes of the original file.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from directory.romanize import contains_hangul, latin_initials, romanize_name

AVATAR_SIZE = 256
PHOTO_SIZE = 400
PHOTO_JPEG_QUALITY = 85
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Well above any phone camera's output in 10 MB, far below what would exhaust a worker's memory
# (a 64-megapixel RGBA bitmap is 256 MB while decoding).
MAX_PHOTO_PIXELS = 64_000_000
MIN_PHOTO_SIDE = 32
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")

# Dark enough for white text to pass WCAG AA (contrast ≥ 4.5:1), varied enough to tell people apart.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0xC6, 0x28, 0x28),  # red
    (0xAD, 0x14, 0x57),  # raspberry
    (0x6A, 0x1B, 0x9A),  # purple
    (0x45, 0x27, 0xA0),  # violet
    (0x28, 0x35, 0x93),  # indigo
    (0x15, 0x65, 0xC0),  # blue
    (0x00, 0x6C, 0x9C),  # ocean
    (0x00, 0x6F, 0x78),  # deep cyan
    (0x00, 0x69, 0x5C),  # teal
    (0x2E, 0x7D, 0x32),  # green
    (0x4D, 0x6B, 0x1F),  # olive
    (0xB4, 0x53, 0x09),  # amber
    (0xBF, 0x36, 0x0C),  # burnt orange
    (0x5D, 0x40, 0x37),  # brown
    (0x45, 0x5A, 0x64),  # slate
    (0x37, 0x47, 0x4F),  # charcoal
)
TEXT_COLOUR = (255, 255, 255)

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path("/usr/share/X11/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
# File-name prefixes in order of preference (case-insensitive). Bold cuts are preferred within each.
HANGUL_FONT_NAMES = (
    "nanumgothic",
    "nanumsquare",
    "nanumbarungothic",
    "notosanscjkkr",
    "notosanskr",
    "notosanscjk",
    "sourcehansanskr",
    "sourcehansans",
    "applesdgothicneo",
    "malgun",
    "unifont",
)
LATIN_FONT_NAMES = (
    "dejavusans-bold",
    "liberationsans-bold",
    "notosans-bold",
    "arialbd",
    "arial",
    "dejavusans",
)
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


class PhotoError(ValueError):
    """An uploaded photo we will not use; ``str(error)`` is a message to show the person uploading."""


# --- fonts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AvatarFonts:
    hangul: Path | None
    latin: Path | None


def _font_files(dirs: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for base in dirs:
        if not base.is_dir():
            continue
        for root, _subdirs, files in os.walk(base):
            found.extend(Path(root) / name for name in files if name.lower().endswith(_FONT_SUFFIXES))
    return sorted(found)


def _pick(files: Sequence[Path], prefixes: Sequence[str]) -> list[Path]:
    """Candidates in preference order: by prefix, then bold before regular, then shorter names."""
    ranked: list[Path] = []
    for prefix in prefixes:
        matching = [f for f in files if f.name.lower().replace(" ", "").startswith(prefix)]
        matching.sort(key=lambda f: ("bold" not in f.name.lower(), len(f.name), f.name))
        ranked.extend(f for f in matching if f not in ranked)
    return ranked


def has_hangul_glyphs(path: Path) -> bool:
    """Whether the font really draws Hangul, not the "missing glyph" box under a promising name."""
    try:
        font = ImageFont.truetype(str(path), 48)
        hangul = font.getmask("한")
        # A private-use code point no font maps: whatever it draws is the missing-glyph box.
        missing = font.getmask("\U0010fffd")
    except OSError:
        return False
    if hangul.getbbox() is None:
        return False
    return hangul.size != missing.size or bytes(hangul) != bytes(missing)


def find_fonts(dirs: Iterable[Path] = FONT_DIRS) -> AvatarFonts:
    files = _font_files(dirs)
    hangul = next((f for f in _pick(files, HANGUL_FONT_NAMES) if has_hangul_glyphs(f)), None)
    latin = next(iter(_pick(files, LATIN_FONT_NAMES)), None)
    return AvatarFonts(hangul=hangul, latin=latin or hangul)


@lru_cache(maxsize=1)
def system_fonts() -> AvatarFonts:
    """The machine's fonts, looked up once per process (walking font folders takes a while)."""
    return find_fonts()


@lru_cache(maxsize=32)
def _load_font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


# --- initials avatars ----------------------------------------------------------------------------


def avatar_colour(key: str) -> tuple[int, int, int]:
    """A palette colour chosen by a stable hash (Python's hash() changes between processes)."""
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]


def avatar_text(*, family_name: str, given_name: str, name_latin: str, hangul_font: bool) -> str:
    """What the avatar shows: "김" for 김철수 with a Hangul font, else Latin initials ("KC", "JS")."""
    family_name, given_name = family_name.strip(), given_name.strip()
    korean = contains_hangul(family_name + given_name)
    if korean and hangul_font:
        # The family name, as Korean apps show it; a two-syllable one ("남궁") still fits.
        return family_name or given_name[:1]
    latin = name_latin.strip()
    if not latin:
        latin = romanize_name(family_name=family_name, given_name=given_name)
    initials = latin_initials(latin)
    if initials and not contains_hangul(initials):
        return initials
    return "?"


def initials_avatar(
    *,
    family_name: str = "",
    given_name: str = "",
    name_latin: str = "",
    size: int = AVATAR_SIZE,
    fonts: AvatarFonts | None = None,
) -> bytes:
    """A square PNG with the person's initials in white on a colour picked from their name."""
    fonts = fonts if fonts is not None else system_fonts()
    text = avatar_text(
        family_name=family_name,
        given_name=given_name,
        name_latin=name_latin,
        hangul_font=fonts.hangul is not None,
    )
    hangul = contains_hangul(text)
    colour = avatar_colour(f"{family_name}{given_name}|{name_latin}")
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    # One Hangul syllable reads well larger than two Latin capitals.
    scale = 0.46 if len(text) == 1 else 0.40 if len(text) == 2 else 0.30
    font = _load_font(fonts.hangul if hangul else fonts.latin, round(size * scale))
    # Centre the ink, not the line box: ascender and descender space would push letters off-centre.
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    origin = ((size - (right - left)) / 2 - left, (size - (bottom - top)) / 2 - top)
    draw.text(origin, text, font=font, fill=TEXT_COLOUR)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- uploaded photos -----------------------------------------------------------------------------


def normalise_photo(data: bytes, *, size: int = PHOTO_SIZE) -> bytes:
    """An uploaded photo as a clean ``size``×``size`` JPEG: upright, centre-cropped, without metadata.

    Raises ``PhotoError`` with a message for the uploader when the bytes are not a usable image.
    """
    if not data:
        raise PhotoError("The file is empty.")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(
            f"The photo is too large ({len(data) / 1024 / 1024:.1f} MB); "
            f"the limit is {MAX_PHOTO_BYTES // 1024 // 1024} MB."
        )
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it; any bomb is an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = _decode(data, size=size)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoError(_too_many_pixels_message()) from None
        except UnidentifiedImageError:
            raise PhotoError(
                "This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF picture."
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
            # Pillow reports truncated and malformed files with any of these.
            raise PhotoError(
                "The image file is damaged or incomplete. Try saving it again and re-uploading."
            ) from None
    square = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    # A fresh image carries none of the source's info (EXIF, ICC, comments, XMP) into the encoder.
    clean = Image.new("RGB", square.size)
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _too_many_pixels_message() -> str:
    return (
        f"The picture has too many pixels (the limit is {MAX_PHOTO_PIXELS // 1_000_000} megapixels). "
        "Resize it and try again."
    )


def _decode(data: bytes, *, size: int) -> Image.Image:
    with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as probe:
        width, height = probe.size
        # Checked from the header, before a single pixel is decoded.
        if width * height > MAX_PHOTO_PIXELS:
            raise PhotoError(_too_many_pixels_message())
        if min(width, height) < MIN_PHOTO_SIDE:
            raise PhotoError(
                f"The picture is too small; use one at least {MIN_PHOTO_SIDE}×{MIN_PHOTO_SIDE} pixels."
            )
        probe.verify()
    # verify() leaves the image unusable, so decode from a fresh parser.
    with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
        # JPEGs decode straight at a reduced scale (never below ``size``): big photos stay cheap.
        image.draft("RGB", (size, size))
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        return _to_srgb(upright)


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB; transparency flattened onto white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK"):
        # Phone photos are often Display P3; dropping the profile without converting dulls colours.
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, TypeError, ValueError):
            converted = None
        if converted is not None:
            return converted
    return image.convert("RGB")
