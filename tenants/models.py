"""Public-schema records of the client companies (tenants) and the hosts they answer on."""

from __future__ import annotations

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class TenantStatus(models.TextChoices):
    ACTIVE = "active", "active"
    SUSPENDED = "suspended", "suspended"


class Tenant(TenantMixin):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=12, choices=TenantStatus.choices, default=TenantStatus.ACTIVE)
    locale = models.CharField(max_length=8, default="ko")
    plan = models.CharField(max_length=40, default="trial")
    created = models.DateTimeField(auto_now_add=True)

    # Provisioning creates the schema itself (tenants.services) so it can clean up on failure.
    auto_create_schema = False
    auto_drop_schema = True

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_suspended(self) -> bool:
        return self.status == TenantStatus.SUSPENDED

    @staticmethod
    def schema_for_slug(slug: str) -> str:
        return "t_" + slug.replace("-", "_")


class Domain(DomainMixin):
    def __str__(self) -> str:
        return self.domain
