"""Setting an employee's photo: re-encoded, stored in the tenant's media folder, old file removed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from directory.avatars import PhotoError
from directory.models import Employee
from directory.services import employee_create, employee_set_photo
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _photo(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), colour).save(out, format="PNG")
    return out.getvalue()


def _employee() -> Employee:
    return employee_create(username="photo.owner", email="photo.owner@acme.example", unit=None)


def _photo_name(employee: Employee) -> str:
    assert employee.photo.name
    return employee.photo.name


def test_photo_is_stored_as_a_square_jpeg_in_the_tenants_media_folder(acme: Tenant, media_root: Path) -> None:
    employee = employee_set_photo(employee=_employee(), image_bytes=_photo("green"))

    employee.refresh_from_db()
    name = _photo_name(employee)
    assert name.startswith("avatars/") and name.endswith(".jpg")
    on_disk = media_root / acme.schema_name / name
    assert on_disk.is_file()
    with Image.open(on_disk) as stored:
        assert (stored.format, stored.size) == ("JPEG", (400, 400))
    assert employee.photo.url == f"/media/{acme.schema_name}/{name}"


def test_photo_is_served_on_its_own_tenants_host_only(acme: Tenant, media_root: Path) -> None:
    employee = employee_set_photo(employee=_employee(), image_bytes=_photo("green"))
    assert Client(HTTP_HOST="acme.localhost").get(employee.photo.url).status_code == 200
    assert Client(HTTP_HOST="globex.localhost").get(employee.photo.url).status_code == 404


def test_bad_upload_changes_nothing(acme: Tenant, media_root: Path) -> None:
    employee = employee_set_photo(employee=_employee(), image_bytes=_photo("green"))
    before = _photo_name(employee)

    with pytest.raises(PhotoError, match="not an image"):
        employee_set_photo(employee=employee, image_bytes=b"%PDF-1.7 not a picture")

    employee.refresh_from_db()
    assert employee.photo.name == before
    assert default_storage.exists(before)


def test_replacing_a_photo_removes_the_old_file_once_committed(
    acme: Tenant,
    media_root: Path,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    employee = employee_set_photo(employee=_employee(), image_bytes=_photo("green"))
    old = _photo_name(employee)

    with django_capture_on_commit_callbacks(execute=True):
        employee_set_photo(employee=employee, image_bytes=_photo("purple"))

    assert _photo_name(employee) != old
    assert default_storage.exists(_photo_name(employee))
    assert not default_storage.exists(old)
