"""Template context for sign-in pages: how this tenant's people may sign in.

Values are callables, which templates call only when a page uses them, so pages that never mention
sign-in pay no query.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from sso.saml.models import SamlConfig


def sign_in_options(request: HttpRequest) -> dict[str, Any]:
    cache: dict[str, SamlConfig | None] = {}

    def config() -> SamlConfig | None:
        if "config" not in cache:
            from sso.saml.selectors import saml_config, sso_enabled

            found = saml_config()
            cache["config"] = found if sso_enabled(found) else None
        return cache["config"]

    def sso_login_url() -> str:
        # Bare: the login page appends its own ``?next=`` (the page an OAuth app or a link asked for).
        return reverse("sso_saml:login") if config() is not None else ""

    def sso_provider_name() -> str:
        found = config()
        return found.idp_name if found is not None else ""

    def password_login_enabled() -> bool:
        found = config()
        return not (found is not None and found.sso_only)

    return {
        "sso_login_url": sso_login_url,
        "sso_provider_name": sso_provider_name,
        "password_login_enabled": password_login_enabled,
    }
