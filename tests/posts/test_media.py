"""Image uploads: real images through Pillow; bad uploads refused with a message and nothing stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from posts.errors import MediaInvalid, PostInvalid
from posts.models import MediaAttachment, Post
from posts.services import media_create, media_update, post_create, post_delete
from tests.posts.conftest import Org


def image_bytes(
    size: tuple[int, int] = (640, 480), fmt: str = "JPEG", mode: str = "RGB", **save: object
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color=(200, 30, 30) if mode == "RGB" else None).save(out, fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_jpeg_is_reencoded_with_preview_and_alt_text(org: Org) -> None:
    media = media_create(
        owner=org.kim, upload=upload(image_bytes()), description="회의실 사진", focus="0.5,-0.25"
    )
    assert (media.width, media.height) == (640, 480)
    assert (media.preview_width, media.preview_height) == (400, 300)
    assert media.description == "회의실 사진" and (media.focus_x, media.focus_y) == (0.5, -0.25)
    assert str(media.file.name).startswith("media/") and str(media.file.name).endswith(".jpg")
    # Stored under the tenant's schema.
    assert "/t_acme/media/" in media.file.path
    with Image.open(media.file.path) as stored:
        assert stored.format == "JPEG"


def test_exif_is_dropped_and_orientation_applied(org: Org) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise
    exif[0x010F] = "SecretCam"
    raw = image_bytes((300, 100), exif=exif.tobytes())
    media = media_create(owner=org.kim, upload=upload(raw))
    assert (media.width, media.height) == (100, 300)
    with Image.open(media.file.path) as stored:
        assert not stored.getexif()
    assert b"SecretCam" not in Path(media.file.path).read_bytes()


def test_large_images_are_resized_to_2048_and_transparency_kept(org: Org) -> None:
    raw = image_bytes((4000, 1000), fmt="PNG", mode="RGBA")
    media = media_create(owner=org.kim, upload=upload(raw, "wide.png", "image/png"))
    assert (media.width, media.height) == (2048, 512)
    assert str(media.file.name).endswith(".png")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"just some text, not a picture", "notes.jpg", "not a supported image"),
        (b"%PDF-1.4 fake", "doc.pdf", "not a supported image"),
        (b"", "empty.jpg", "empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "x.svg", "not a supported image"),
    ],
)
def test_non_images_are_refused(org: Org, data: bytes, name: str, message: str) -> None:
    with pytest.raises(MediaInvalid, match=message):
        media_create(owner=org.kim, upload=upload(data, name))
    assert MediaAttachment.objects.count() == 0


def test_a_50_mb_upload_is_refused(org: Org) -> None:
    big = upload(image_bytes() + b"\0" * (50 * 1024 * 1024))
    with pytest.raises(MediaInvalid, match="too large"):
        media_create(owner=org.kim, upload=big)
    assert MediaAttachment.objects.count() == 0


def test_a_decompression_bomb_is_refused_before_decoding(org: Org) -> None:
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 1024 * 1024
    with pytest.raises(MediaInvalid, match="too large"):
        media_create(owner=org.kim, upload=upload(bomb.getvalue(), "bomb.png", "image/png"))
    assert MediaAttachment.objects.count() == 0


def test_a_truncated_image_is_refused(org: Org) -> None:
    with pytest.raises(MediaInvalid):
        media_create(owner=org.kim, upload=upload(image_bytes()[:200]))


def test_bad_focus_and_long_description_are_refused(org: Org) -> None:
    with pytest.raises(MediaInvalid, match="focus"):
        media_create(owner=org.kim, upload=upload(image_bytes()), focus="2,0")
    with pytest.raises(MediaInvalid, match="Description"):
        media_create(owner=org.kim, upload=upload(image_bytes()), description="x" * 1501)
    assert MediaAttachment.objects.count() == 0


def test_up_to_four_images_attach_in_order_and_five_are_refused(org: Org) -> None:
    media = [media_create(owner=org.kim, upload=upload(image_bytes())) for _ in range(5)]
    with pytest.raises(PostInvalid, match="at most 4"):
        post_create(author=org.kim, text="", media_ids=[m.pk for m in media])
    assert Post.objects.count() == 0
    assert not MediaAttachment.objects.filter(post__isnull=False).exists()
    ids = [media[2].pk, media[0].pk, media[1].pk, media[3].pk]
    post = post_create(author=org.kim, text="", media_ids=[str(i) for i in ids])
    assert list(post.media.order_by("position").values_list("pk", flat=True)) == ids


def test_media_attaches_only_for_its_owner_and_only_once(org: Org) -> None:
    mine = media_create(owner=org.kim, upload=upload(image_bytes()))
    with pytest.raises(PostInvalid, match="not found"):
        post_create(author=org.lee, text="stolen", media_ids=[mine.pk])
    first = post_create(author=org.kim, text="first", media_ids=[mine.pk])
    with pytest.raises(PostInvalid, match="already attached"):
        post_create(author=org.kim, text="second", media_ids=[mine.pk])
    assert Post.objects.count() == 1
    # Delete & redraft: a deleted post's images can be attached again.
    post_delete(post=first, actor=org.kim)
    assert post_create(author=org.kim, text="redraft", media_ids=[mine.pk]).media.count() == 1


def test_media_update_is_for_the_owner_only(org: Org) -> None:
    from django.http import Http404

    media = media_create(owner=org.kim, upload=upload(image_bytes()))
    media_update(media=media, owner=org.kim, description="새 설명", focus="0,0.5")
    media.refresh_from_db()
    assert (media.description, media.focus_y) == ("새 설명", 0.5)
    with pytest.raises(Http404):
        media_update(media=media, owner=org.lee, description="hijack")
