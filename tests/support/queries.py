"""Counting a request's SQL statements the way query-count tests mean it: its own work only."""

from __future__ import annotations


def is_tenant_routing(sql: str) -> bool:
    """django-tenants' ``SET search_path`` and the tenant middleware's host → tenant lookup, which is
    cached per process for a few seconds: whether a request pays it depends on the requests before it,
    not on the endpoint under test."""
    return sql.startswith("SET search_path") or '"tenants_domain"' in sql
