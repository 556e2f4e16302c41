"""DOT's scopes backend: a token may ask only for scopes its app registered (or sub-scopes of them)."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes

from api import scopes as mastodon_scopes


def registered_scopes(application: Any) -> list[str]:
    if application is None:
        return list(mastodon_scopes.DEFAULT_SCOPES)
    from api.models import AppRegistration

    found = (
        AppRegistration.objects.filter(application_id=application.pk).values_list("scopes", flat=True).first()
    )
    return found.split() if found else list(mastodon_scopes.DEFAULT_SCOPES)


class MastodonScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return dict.fromkeys(mastodon_scopes.ALL_SCOPES, "")

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return sorted(mastodon_scopes.expand(registered_scopes(application)))

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        # Mastodon: a token request without ``scope`` gets ``read`` (when the app registered it).
        available = mastodon_scopes.expand(registered_scopes(application))
        return [s for s in mastodon_scopes.DEFAULT_SCOPES if s in available] or registered_scopes(
            application
        )[:1]
