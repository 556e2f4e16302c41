"""A tenant's SAML service provider: its own key pair, the IdP it trusts, and how it signs people in.

One row per tenant schema (like CompanySettings). The private key lives here, in the tenant's
schema, so exporting or deleting a tenant takes its SAML identity with it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


def default_attribute_map() -> dict[str, str]:
    return {}


def default_domains() -> list[str]:
    return []


class SamlConfig(models.Model):
    enabled = models.BooleanField(default=False)
    # What the admin gave us, kept verbatim so the console can show it back.
    idp_metadata_xml = models.TextField(blank=True)
    idp_metadata_url = models.URLField(max_length=500, blank=True)
    # Parsed from the metadata when it is saved, so a sign-in never parses or fetches metadata.
    idp_entity_id = models.CharField(max_length=500, blank=True)
    idp_sso_url = models.URLField(max_length=500, blank=True)
    idp_slo_url = models.URLField(max_length=500, blank=True)
    idp_certificates = models.JSONField(default=list, blank=True)
    # Shown on the sign-in button ("Sign in with Okta").
    idp_name = models.CharField(max_length=80, blank=True)

    sso_only = models.BooleanField(default=False)
    jit_provisioning = models.BooleanField(default=False)
    allow_idp_initiated = models.BooleanField(default=False)
    allowed_email_domains = models.JSONField(default=default_domains, blank=True)
    # Our field name → the IdP's attribute name; unset fields fall back to Entra ID / Okta names.
    attribute_map = models.JSONField(default=default_attribute_map, blank=True)

    sp_private_key = models.TextField(blank=True)
    sp_certificate = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="saml_config_singleton")]

    def __str__(self) -> str:
        return f"SAML ({'on' if self.enabled else 'off'})"


class SamlSession(models.Model):
    """A web session opened by a SAML sign-in, so an IdP-initiated logout (which names the person,
    not our cookie) can end exactly the sessions that IdP session opened."""

    session_key = models.CharField(max_length=40, unique=True)
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name_id = models.CharField(max_length=500)
    session_index = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["name_id"], name="samlsession_name_id")]

    def __str__(self) -> str:
        return f"{self.name_id} ({self.session_key[:6]}…)"
