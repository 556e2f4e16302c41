"""What can go wrong with SAML, as the two kinds the views answer differently."""

from __future__ import annotations


class SamlConfigInvalid(Exception):
    """An admin's SAML settings cannot be saved (bad metadata, a domain list that is not a list …)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SamlRefused(Exception):
    """A sign-in or logout message is refused; ``message`` is safe to show the person signing in."""

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        # The library's own wording, for the log only: it can name certificates and URLs.
        self.reason = reason or message
