"""The tenant's service provider as python3-saml sees it: URLs, settings and the request it checks.

Every URL comes from the tenant's configured primary domain (tenants.Domain), never from the Host
header, so the Destination, Recipient and Audience of a response are checked against where this
tenant really lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import connection
from django.urls import reverse
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from sso.saml.models import SamlConfig
from tenants.services import tenant_url

NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"


@dataclass(frozen=True)
class SpUrls:
    base: str
    entity_id: str
    metadata_url: str
    acs_url: str
    sls_url: str
    login_url: str

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc


def primary_domain() -> str:
    tenant = connection.tenant
    domain = tenant.get_primary_domain()
    if domain is None:
        raise RuntimeError(f"Tenant {tenant.schema_name} has no primary domain")
    return str(domain.domain)


def sp_urls() -> SpUrls:
    base = tenant_url(primary_domain())
    metadata = base + reverse("sso_saml:metadata")
    return SpUrls(
        base=base,
        # The metadata URL doubles as the entity id: unique per tenant and resolvable, as IdPs expect.
        entity_id=metadata,
        metadata_url=metadata,
        acs_url=base + reverse("sso_saml:acs"),
        sls_url=base + reverse("sso_saml:sls"),
        login_url=base + reverse("sso_saml:login"),
    )


def request_data(
    path: str, *, get: dict[str, Any] | None = None, post: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What python3-saml calls "the current request": our canonical host and scheme with the path
    that was hit, so its "received at" checks compare against the tenant's own URL."""
    parts = urlsplit(sp_urls().base)
    return {
        "https": "on" if parts.scheme == "https" else "off",
        "http_host": parts.netloc,
        "script_name": path,
        "get_data": dict(get or {}),
        "post_data": dict(post or {}),
    }


def saml_settings(config: SamlConfig) -> OneLogin_Saml2_Settings:
    urls = sp_urls()
    certs = list(config.idp_certificates or [])
    idp: dict[str, Any] = {
        "entityId": config.idp_entity_id or "urn:biztweet:unconfigured-idp",
        "singleSignOnService": {
            "url": config.idp_sso_url or urls.login_url,
            "binding": C.BINDING_HTTP_REDIRECT,
        },
        # Several signing certificates let an IdP roll its key over without an outage.
        "x509certMulti": {"signing": certs, "encryption": []},
    }
    if config.idp_slo_url:
        idp["singleLogoutService"] = {"url": config.idp_slo_url, "binding": C.BINDING_HTTP_REDIRECT}
    data = {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": urls.entity_id,
            "assertionConsumerService": {"url": urls.acs_url, "binding": C.BINDING_HTTP_POST},
            "singleLogoutService": {"url": urls.sls_url, "binding": C.BINDING_HTTP_REDIRECT},
            "NameIDFormat": NAMEID_UNSPECIFIED,
            "x509cert": config.sp_certificate,
            "privateKey": config.sp_private_key,
        },
        "idp": idp,
        "security": {
            "authnRequestsSigned": True,
            "logoutRequestSigned": True,
            "logoutResponseSigned": True,
            "signMetadata": False,
            # The assertion carries who the person is, so its own signature is what we trust; many
            # IdPs (Entra ID by default) sign only the assertion, so the envelope may be unsigned.
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "wantAssertionsEncrypted": False,
            "wantNameId": True,
            "wantNameIdEncrypted": False,
            "wantAttributeStatement": False,
            "requestedAuthnContext": False,
            "rejectDeprecatedAlgorithm": True,
            "rejectUnsolicitedResponsesWithInResponseTo": True,
            "signatureAlgorithm": C.RSA_SHA256,
            "digestAlgorithm": C.SHA256,
        },
    }
    return OneLogin_Saml2_Settings(data, sp_validation_only=not certs)
