"""SCIM state in the tenant schema: the bearer tokens an admin mints, and what an identity provider
told us about each user and group that has no column in the directory (its ids, its own display name,
its email list as sent), so what it reads back is what it wrote and it never re-syncs in a loop."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower


class ScimToken(models.Model):
    """A bearer token for one SCIM client. Only a SHA-256 of the secret is kept: the secret is shown
    once when minted. Tokens live in the tenant schema, so one tenant's token means nothing to another."""

    name = models.CharField(max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, so an admin can tell tokens apart in the list.
    hint = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        "directory.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name or f"SCIM token {self.hint}…"


class ScimUser(models.Model):
    """The SCIM side of an employee provisioned (or touched) by an identity provider."""

    employee = models.OneToOneField(
        "directory.Employee", primary_key=True, on_delete=models.CASCADE, related_name="scim"
    )
    # The IdP's userName (often an email); the employee's handle is derived from it once.
    user_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    # What the IdP sent that the directory has no column for: displayName, name.formatted, emails,
    # photos — echoed back verbatim.
    data = models.JSONField(default=dict, blank=True)
    # Every email value, lower-cased, for `emails.value eq` and `emails[type eq "work"]` filters.
    email_values = ArrayField(models.CharField(max_length=254), default=list, blank=True)
    work_emails = ArrayField(models.CharField(max_length=254), default=list, blank=True)
    manager = models.ForeignKey(
        "directory.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SCIM DELETE: the employee is deactivated and kept (posts stay under their name), and the
    # resource answers 404 from then on (RFC 7644 §3.6 allows exactly this).
    deprovisioned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("user_name"), name="unique_scim_user_name_ci"),
        ]
        indexes = [models.Index(fields=["external_id"], name="scim_user_external_id")]

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(models.Model):
    """The SCIM side of an org unit that an identity provider manages as a group."""

    unit = models.OneToOneField(
        "directory.OrgUnit", primary_key=True, on_delete=models.CASCADE, related_name="scim"
    )
    external_id = models.CharField(max_length=255, blank=True)
    deprovisioned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["external_id"], name="scim_group_external_id")]

    def __str__(self) -> str:
        return f"group {self.unit_id}"
