"""Writes owned by the API layer: registering Mastodon client apps."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import get_application_model

from api import scopes as mastodon_scopes
from api.base import Unprocessable
from api.models import AppRegistration

OOB = "urn:ietf:wg:oauth:2.0:oob"


@dataclass(frozen=True)
class RegisteredApp:
    registration: AppRegistration
    # Shown once, at registration: DOT stores only a hash of it.
    client_secret: str


def _valid_redirect_uri(uri: str) -> bool:
    if uri == OOB:
        return True
    parts = urlsplit(uri)
    # Native apps register custom schemes (myapp://callback); any absolute URI without a fragment or
    # credentials is acceptable, as on Mastodon.
    return (
        bool(parts.scheme)
        and "#" not in uri
        and "@" not in parts.netloc
        and (bool(parts.netloc) or bool(parts.path))
        and parts.scheme.lower() not in {"javascript", "data", "vbscript", "file"}
    )


@transaction.atomic
def app_register(
    *, name: str, redirect_uris: list[str], scopes: list[str], website: str = ""
) -> RegisteredApp:
    name = (name or "").strip()
    if not name:
        raise Unprocessable("Validation failed: Application name can't be blank")
    if len(name) > 60:
        raise Unprocessable("Validation failed: Application name is too long (maximum is 60 characters)")
    if not redirect_uris:
        raise Unprocessable("Validation failed: Redirect URI can't be blank")
    bad = [u for u in redirect_uris if not _valid_redirect_uri(u)]
    if bad:
        raise Unprocessable("Validation failed: Redirect URI must be an absolute URI.")
    scopes = scopes or list(mastodon_scopes.DEFAULT_SCOPES)
    unknown = mastodon_scopes.unknown(scopes)
    if unknown:
        raise Unprocessable(f"Validation failed: Scopes are invalid ({' '.join(unknown)})")
    if website and not urlsplit(website).scheme.startswith("http"):
        website = ""
    secret = generate_client_secret()
    application = get_application_model().objects.create(
        name=name,
        client_id=generate_client_id(),
        client_secret=secret,
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris=" ".join(redirect_uris),
        skip_authorization=False,
    )
    registration = AppRegistration.objects.create(
        application=application, scopes=" ".join(scopes), website=website
    )
    return RegisteredApp(registration=registration, client_secret=secret)
