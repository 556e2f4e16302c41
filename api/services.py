"""Writes owned by the API layer: registering Mastodon client apps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import UploadedFile
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


@transaction.atomic
def profile_update(
    *,
    employee: Any,
    display_name: str | None = None,
    note: str | None = None,
    avatar: UploadedFile | None = None,
    locale: str | None = None,
) -> Any:
    """Mastodon's update_credentials: display name, bio, photo, posting language.

    Belongs in directory.services (asked of the lead); kept here while that file has another
    engineer's uncommitted work. The photo goes through directory's own validation and re-encoding.
    """
    fields = []
    if display_name is not None:
        display_name = " ".join(str(display_name).split())
        if not display_name:
            raise Unprocessable("Validation failed: Display name can't be blank")
        if len(display_name) > 120:
            raise Unprocessable("Validation failed: Display name is too long (maximum is 120 characters)")
        employee.display_name = display_name
        fields.append("display_name")
    if note is not None:
        if len(str(note)) > 2000:
            raise Unprocessable("Validation failed: Note is too long (maximum is 2000 characters)")
        employee.bio = str(note)
        fields.append("bio")
    if locale is not None and locale in {"ko", "en"}:
        employee.locale = locale
        fields.append("locale")
    if fields:
        employee.save(update_fields=fields)
    if avatar is not None:
        from directory.services import employee_set_photo

        if avatar.size is not None and avatar.size > 10 * 1024 * 1024:
            raise Unprocessable("Validation failed: Avatar file size must be less than 10 MB")
        try:
            employee_set_photo(employee=employee, image_bytes=avatar.read())
        except ValueError as exc:
            raise Unprocessable(f"Validation failed: Avatar {exc}") from exc
    return employee
