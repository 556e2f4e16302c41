"""What Mastodon knows about a client app and django-oauth-toolkit's Application does not."""

from __future__ import annotations

from django.db import models
from oauth2_provider.settings import APPLICATION_MODEL


class AppRegistration(models.Model):
    """The scopes and website an app registered through ``POST /api/v1/apps``.

    Tokens may only carry scopes within ``scopes`` (Mastodon's rule). Kept beside DOT's Application
    rather than swapping DOT's model, so DOT's own migrations and admin stay untouched.
    """

    application = models.OneToOneField(
        APPLICATION_MODEL, on_delete=models.CASCADE, related_name="registration"
    )
    scopes = models.CharField(max_length=1000, default="read")
    website = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.application_id}: {self.scopes}"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()
