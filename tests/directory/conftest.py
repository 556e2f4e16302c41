"""Directory test fixtures: uploaded and generated pictures go to a temporary media folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    # django-tenants' storage caches MEDIA_ROOT/<schema> and forgets it only when this setting
    # changes (its MEDIA_ROOT handler passes the wrong argument), so "change" it to itself.
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return tmp_path
