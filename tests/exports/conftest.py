"""Exports are written to a temporary EXPORTS_ROOT, never the repository's var/exports."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def exports_root(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.getbasetemp() / "exports"
    settings.EXPORTS_ROOT = root
    return root


def photo_upload(name: str = "photo.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color=(20, 120, 200)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


class Zip:
    """An export zip as a test reads it."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = set(self.zip.namelist())

    def json(self, name: str) -> Any:
        return orjson.loads(self.zip.read(name))

    def post_texts(self) -> set[str]:
        return {p["text"] for p in self.json("posts.json")}


def download_body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# The API's fixtures (employees in acme, bearer tokens), shared with this package.
from tests.api.conftest import Api, People, api_as, make_token, oauth_app, people  # noqa: E402, F401

ADMIN_SCOPES = "read write follow admin:read admin:write"
EXPORT = "/api/bt/v1/admin/export"


@pytest.fixture
def admin(people: People) -> Any:  # noqa: F811
    from directory.models import Employee

    return Employee.objects.get(email="admin@acme.example")


@pytest.fixture
def officer(people: People) -> Any:  # noqa: F811
    from directory.models import Role
    from tests.factories import employee

    return employee("officer", unit=people.lab, rank=3, role=Role.COMPLIANCE)


@pytest.fixture
def admin_api(api_as: Any, admin: Any) -> Api:  # noqa: F811
    return api_as(admin, ADMIN_SCOPES)


@pytest.fixture
def officer_api(api_as: Any, officer: Any) -> Api:  # noqa: F811
    return api_as(officer, ADMIN_SCOPES)
