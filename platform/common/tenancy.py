"""Helpers for running code inside one tenant's schema outside a request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

T = TypeVar("T")


class NoTenantError(RuntimeError):
    """Tenant-scoped code was asked to run in the public schema."""


def current_schema() -> str:
    return connection.schema_name


def require_tenant_schema() -> str:
    schema = connection.schema_name
    if schema == get_public_schema_name():
        raise NoTenantError("This code must run inside a tenant's schema, not the public schema.")
    return schema


@contextmanager
def in_tenant(schema: str) -> Iterator[None]:
    if schema == get_public_schema_name():
        raise NoTenantError("in_tenant() needs a tenant schema, got the public schema.")
    with schema_context(schema):
        yield


def run_in_tenant(schema: str, fn: Callable[[], T]) -> T:
    with in_tenant(schema):
        return fn()
