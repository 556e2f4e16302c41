"""Writing the audit log. Every admin write and every compliance-role read calls ``audit_record``."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import models

from audit.models import AuditEntry

# A target is a model instance, an explicit ``(type, id, label)`` triple, or None (tenant-wide actions).
Target = models.Model | tuple[str, Any, str] | None


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Target,
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry in the current tenant schema (callers on the public host, e.g. billing webhooks,
    enter ``tenant_context`` first).

    ``actor`` is an Employee, or a string naming a system actor ("scim", "stripe", "system") with no
    id. The entry is written in the caller's transaction, so a rolled-back action leaves no entry.
    """
    actor_id, actor_name = _actor(actor)
    target_type, target_id, target_label = _target(target)
    return AuditEntry.objects.create(
        actor_id=actor_id,
        actor_name=actor_name[:160],
        ip=_valid_ip(ip),
        action=action,
        target_type=target_type[:60],
        target_id=str(target_id)[:64] if target_id is not None else "",
        target_label=target_label[:200],
        before=before,
        after=after,
    )


def _actor(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    name = getattr(actor, "display_name", "") or getattr(actor, "username", "") or str(actor)
    username = getattr(actor, "username", "")
    label = f"{name} (@{username})" if username and username != name else name
    return int(actor.pk), label


def _target(target: Target) -> tuple[str, Any, str]:
    if target is None:
        return "", None, ""
    if isinstance(target, tuple):
        kind, pk, label = target
        return kind, pk, label
    return target._meta.model_name or "", target.pk, str(target)


def _valid_ip(ip: str | None) -> str | None:
    # A garbled X-Forwarded-For must never make an admin action fail; it is just not recorded.
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def client_ip(request: Any) -> str | None:
    """The client's address for the log: the first X-Forwarded-For hop (the load balancer sets it),
    else REMOTE_ADDR."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return _valid_ip(forwarded.split(",")[0])
    return _valid_ip(request.META.get("REMOTE_ADDR"))
