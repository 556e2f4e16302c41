"""Reads of the tenant's SAML settings (what the login page, OAuth and the admin API need)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name

from sso.saml.models import SamlConfig
from sso.saml.sp import sp_urls


def saml_config() -> SamlConfig | None:
    if connection.schema_name == get_public_schema_name():
        return None
    return SamlConfig.objects.filter(id=1).first()


def sso_enabled(config: SamlConfig | None) -> bool:
    return config is not None and config.enabled and bool(config.idp_entity_id)


def password_login_enabled() -> bool:
    """False when the tenant signs in through SSO only: the web password form and the OAuth password
    grant both refuse then (the directory's password backend asks this)."""
    config = saml_config()
    return not (sso_enabled(config) and config is not None and config.sso_only)


def saml_config_entity(config: SamlConfig) -> dict[str, Any]:
    """The admin API's view of the settings (API.md); the private key never leaves the server."""
    urls = sp_urls()
    return {
        "enabled": config.enabled,
        "idp_metadata_xml": config.idp_metadata_xml,
        "idp_metadata_url": config.idp_metadata_url,
        "idp_entity_id": config.idp_entity_id,
        "idp_sso_url": config.idp_sso_url,
        "idp_slo_url": config.idp_slo_url,
        "idp_name": config.idp_name,
        "sso_only": config.sso_only,
        "jit_provisioning": config.jit_provisioning,
        "allow_idp_initiated": config.allow_idp_initiated,
        "allowed_email_domains": list(config.allowed_email_domains or []),
        "attribute_map": dict(config.attribute_map or {}),
        "entity_id": urls.entity_id,
        "acs_url": urls.acs_url,
        "sls_url": urls.sls_url,
        "metadata_url": urls.metadata_url,
        "sp_certificate": config.sp_certificate,
    }
