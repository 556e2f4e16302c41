"""DOT's request validator, with Mastodon's rules for which grants an app may use."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from common.compiled import CompiledQuery, Slot

# A Mastodon app registers once and then uses any of these; DOT ties an Application to one grant.
MASTODON_GRANTS = frozenset({"authorization_code", "password", "client_credentials", "refresh_token"})


def password_login_enabled() -> bool:
    """The password grant works unless the tenant signs in through SSO only (its SAML settings)."""
    from sso.saml.selectors import password_login_enabled as enabled

    return enabled()


class MastodonValidator(OAuth2Validator):
    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if grant_type == "password" and not password_login_enabled():
            return False
        return grant_type in MASTODON_GRANTS

    def validate_response_type(
        self, client_id: str, response_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return response_type == "code"

    def validate_user(
        self, username: str, password: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not password_login_enabled():
            return False
        return bool(super().validate_user(username, password, client, request, *args, **kwargs))

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        # A deactivated employee cannot mint new tokens from an old refresh token.
        user = getattr(request, "user", None)
        return bool(valid) and (user is None or user.is_active)

    def _load_access_token(self, token: str) -> Any:
        # DOT's own lookup plus the employee's unit, which every read's policy needs (the viewer's
        # unit chain): one query per request instead of two. Its SQL is compiled once per process
        # (``common.compiled``); the row is read on every request, so a deleted (revoked) token or a
        # deactivated employee stops working at once, and DOT checks expiry and scopes as before.
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        found = _token_by_checksum().fetch([checksum])
        return found[0] if found else None


@functools.cache
def _token_by_checksum() -> CompiledQuery[Any]:
    """DOT's ``_load_access_token`` queryset (``.first()``: by primary key, at most one) and the unit."""
    from oauth2_provider.models import get_access_token_model

    tokens = get_access_token_model().objects.select_related("application", "user", "user__unit")
    return CompiledQuery(tokens.filter(token_checksum=Slot(0)).order_by("pk")[:1])
