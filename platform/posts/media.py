"""Image uploads: validated with Pillow, re-encoded, EXIF dropped, orientation applied, resized.

Nothing a user uploads is stored as sent: we decode it, refuse anything that is not a modest still image,
and keep only pixels we encoded ourselves (so no EXIF location, no polyglot files, no scripts in SVG).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from posts.errors import MediaInvalid

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Refuse before decoding anything larger: a 20,000 × 20,000 PNG is a few KB and 1.6 GB of RAM.
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
PREVIEW_SIDE = 400
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
ACCEPTED_MIME_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MAX_DESCRIPTION = 1500


@dataclass(frozen=True)
class Encoded:
    data: bytes
    extension: str
    width: int
    height: int


def _encode(image: Image.Image, *, max_side: int) -> Encoded:
    image = image.copy()
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        image.convert("RGBA").save(out, "PNG", optimize=True)
        ext = "png"
    else:
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
        ext = "jpg"
    return Encoded(out.getvalue(), ext, image.width, image.height)


def process_image(upload: UploadedFile) -> tuple[Encoded, Encoded]:
    """The full-size and preview encodings of an upload, or ``MediaInvalid`` with a reason a person
    understands. Reads at most ``MAX_UPLOAD_BYTES`` + 1 bytes."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise MediaInvalid("Validation failed: File is too large (the limit is 10 MB)")
    upload.seek(0)
    raw = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise MediaInvalid("Validation failed: File is too large (the limit is 10 MB)")
    if not raw:
        raise MediaInvalid("Validation failed: File is empty")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; we want a hard refusal at ours.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(raw))
            if image.format not in ACCEPTED_FORMATS:
                raise MediaInvalid(
                    "Validation failed: File type is not supported (use JPEG, PNG, GIF or WebP)"
                )
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise MediaInvalid("Validation failed: Image is too large (at most 40 megapixels)")
            # Animated GIF/WebP: the first frame, as a still.
            image.seek(0)
            image.load()
            image = ImageOps.exif_transpose(image) or image
    except MediaInvalid:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaInvalid(
            "Validation failed: File is not a supported image"
            if isinstance(exc, UnidentifiedImageError)
            else "Validation failed: Image is too large (at most 40 megapixels)"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaInvalid("Validation failed: File is not a valid image") from exc
    return _encode(image, max_side=MAX_SIDE), _encode(image, max_side=PREVIEW_SIDE)


def parse_focus(focus: str) -> tuple[float, float]:
    """Mastodon's focal point "x,y", each between -1.0 and 1.0."""
    try:
        x_text, y_text = focus.split(",")
        x, y = float(x_text), float(y_text)
    except ValueError:
        raise MediaInvalid('Validation failed: focus must be two numbers "x,y" between -1 and 1') from None
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise MediaInvalid('Validation failed: focus must be two numbers "x,y" between -1 and 1')
    return x, y
