"""Template context for sign-in pages: how this tenant's people may sign in (filled in by the SAML work)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def sign_in_options(request: HttpRequest) -> dict[str, Any]:
    return {}
