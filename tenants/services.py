"""Operator actions on tenants: onboard, suspend, reactivate."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django_tenants.utils import quote_schema_name, schema_exists, tenant_context

from common.zones import DEFAULT_TIME_ZONE, is_zone
from tenants.models import Domain, Tenant, TenantStatus
from tenants.template_schema import ensure_template

log = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
LOCALES = ("ko", "en")


class TenantError(Exception):
    """An operator request that cannot be carried out; the message is one line for the operator."""


@dataclass(frozen=True)
class Onboarded:
    tenant: Tenant
    domain: str
    url: str
    admin_username: str
    admin_password: str | None  # only when generated here, to be shown once


def validate_slug(slug: str) -> None:
    if not SLUG_RE.match(slug) or "--" in slug:
        raise TenantError(
            f"Invalid slug {slug!r}: use 3-40 characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit."
        )
    if slug in settings.RESERVED_SLUGS:
        raise TenantError(f"Invalid slug {slug!r}: it is reserved.")


def validate_host(host: str) -> None:
    if not HOST_RE.match(host) or "." not in host:
        raise TenantError(f"Invalid domain {host!r}: expected a host name such as chat.example.com.")
    if host == settings.BASE_DOMAIN:
        raise TenantError(f"Invalid domain {host!r}: it is the operator host.")


def tenant_url(domain: str) -> str:
    port = ":8000" if domain.endswith("localhost") else ""
    scheme = "http" if domain.endswith("localhost") else "https"
    return f"{scheme}://{domain}{port}"


def current_tenant_url(default: str = "") -> str:
    """The address of the connection's tenant (its primary host), for links rendered outside a request
    (a post's mentions and hashtags, stream payloads); ``default`` when it has none."""
    from tenants.middleware import primary_host

    tenant = getattr(connection, "tenant", None)
    # schema_context() installs a stand-in without the tenant's rows: it has no domains to ask.
    host = primary_host(tenant) if isinstance(tenant, Tenant) else None
    return tenant_url(host) if host is not None else default


def tenant_onboard(
    *,
    slug: str,
    name: str,
    admin_email: str,
    domain: str | None = None,
    admin_password: str | None = None,
    plan: str = "trial",
    locale: str = "ko",
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Onboarded:
    """Create a tenant with its schema, domain, root org unit, rank ladder and first admin.

    All or nothing: any failure leaves no tenant row, no domain and no schema behind.
    """
    slug = slug.strip()
    name = name.strip()
    admin_email = admin_email.strip().lower()
    host = (domain or f"{slug}.{settings.BASE_DOMAIN}").strip().lower().rstrip(".")

    validate_slug(slug)
    validate_host(host)
    if not name:
        raise TenantError("A tenant needs a name (--name).")
    if locale not in LOCALES:
        raise TenantError(f"Invalid locale {locale!r}: choose one of {', '.join(LOCALES)}.")
    if not is_zone(time_zone):
        raise TenantError(f"Unknown time zone {time_zone!r}: give an IANA name such as Asia/Seoul.")
    try:
        validate_email(admin_email)
    except ValidationError:
        raise TenantError(f"Invalid admin email {admin_email!r}.") from None
    if admin_password is not None and len(admin_password) < 8:
        raise TenantError("The admin password must be at least 8 characters.")

    connection.set_schema_to_public()
    schema = Tenant.schema_for_slug(slug)
    if Tenant.objects.filter(slug=slug).exists() or schema_exists(schema):
        raise TenantError(f"The slug {slug!r} is already taken.")
    if Domain.objects.filter(domain=host).exists():
        raise TenantError(f"The domain {host!r} is already in use.")

    ensure_template()
    generated = None if admin_password else secrets.token_urlsafe(12)
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(schema_name=schema, slug=slug, name=name, plan=plan, locale=locale)
            Domain.objects.create(domain=host, tenant=tenant, is_primary=True)
            tenant.create_schema(check_if_exists=False, verbosity=0)
            with tenant_context(tenant):
                from directory.services import directory_bootstrap

                admin = directory_bootstrap(
                    company_name=name,
                    locale=locale,
                    time_zone=time_zone,
                    admin_email=admin_email,
                    admin_password=admin_password or generated,
                )
    except Exception:
        connection.set_schema_to_public()
        _drop_schema_if_left(schema)
        raise
    connection.set_schema_to_public()
    log.info("onboarded tenant %s on %s", slug, host)
    return Onboarded(
        tenant=tenant,
        domain=host,
        url=tenant_url(host),
        admin_username=admin.username,
        admin_password=generated,
    )


def _drop_schema_if_left(schema: str) -> None:
    # DDL is transactional in PostgreSQL, so a rolled-back onboarding leaves no schema; this only
    # matters if a step committed on its own.
    if schema_exists(schema):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {quote_schema_name(schema)} CASCADE")


def _set_status(slug: str, status: TenantStatus) -> Tenant:
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise TenantError(f"No tenant with slug {slug!r}.")
    if tenant.status != status:
        tenant.status = status
        tenant.save(update_fields=["status"])
        log.info("tenant %s is now %s", slug, status)
    return tenant


def tenant_suspend(*, slug: str) -> Tenant:
    return _set_status(slug, TenantStatus.SUSPENDED)


def tenant_reactivate(*, slug: str) -> Tenant:
    return _set_status(slug, TenantStatus.ACTIVE)
