"""A real pysaml2 IdP trusted by acme, and a browser-like helper that walks the SAML sign-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from lxml import etree

from sso.saml.services import saml_config_update, saml_sp_ensure
from sso.saml.sp import saml_settings, sp_urls
from tenants.models import Tenant
from tests.api.conftest import api_as, make_token, oauth_app  # noqa: F401 (bearer clients for the admin API)
from tests.sso.saml.idp import NS, AuthnRequest, TestIdP


@dataclass
class Sp:
    """What the IdP knows about one tenant's service provider."""

    entity_id: str
    acs_url: str
    sls_url: str
    metadata_xml: str


def connect(tenant: Tenant, idp: TestIdP, **options: Any) -> Sp:
    """Connect ``idp`` to ``tenant`` as its admin would: exchange metadata, then switch SSO on."""
    with tenant_context(tenant):
        config = saml_sp_ensure()
        urls = sp_urls()
        sp = Sp(urls.entity_id, urls.acs_url, urls.sls_url, saml_settings(config).get_sp_metadata().decode())
        idp.trust_sp(sp.metadata_xml)
        settings: dict[str, Any] = {
            "enabled": True,
            "idp_metadata_xml": idp.metadata_xml(),
            "allowed_email_domains": [f"{tenant.slug}.example"],
            "jit_provisioning": True,
        }
        settings.update(options)
        saml_config_update(**settings)
    return sp


@pytest.fixture
def idp(tmp_path: Path) -> TestIdP:
    return TestIdP(tmp_path / "idp", name="idp")


@pytest.fixture
def acme_sp(acme: Tenant, idp: TestIdP) -> Sp:
    return connect(acme, idp)


@dataclass
class Started:
    request: AuthnRequest
    client: Client


@pytest.fixture
def start_login(idp: TestIdP) -> Callable[..., Started]:
    """GET /sso/saml/login/ like a browser and read the AuthnRequest at the IdP."""

    def start(client: Client, next_path: str | None = None) -> Started:
        url = "/sso/saml/login/" + (f"?{urlencode({'next': next_path})}" if next_path else "")
        answer = client.get(url)
        assert answer.status_code == 302, answer.content
        return Started(request=idp.read_authn_request(answer["Location"]), client=client)

    return start


def signed_in_as(client: Client, tenant: Tenant) -> Any:
    """Who the client's session cookie belongs to in ``tenant`` (None when anonymous)."""
    from directory.models import Employee

    with tenant_context(tenant):
        user_id = client.session.get("_auth_user_id")
        return Employee.objects.filter(pk=user_id).first() if user_id else None


def saml_time(delta: dt.timedelta) -> str:
    return (dt.datetime.now(dt.UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_attribute(xpath: str, name: str, value: str) -> Callable[[etree._Element], None]:
    """A change made to the assertion before the IdP signs it."""

    def mutate(tree: etree._Element) -> None:
        nodes = tree.xpath(xpath, namespaces=NS)
        assert nodes, xpath
        for node in nodes:
            node.set(name, value)

    return mutate


def set_text(xpath: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(tree: etree._Element) -> None:
        nodes = tree.xpath(xpath, namespaces=NS)
        assert nodes, xpath
        for node in nodes:
            node.text = value

    return mutate
