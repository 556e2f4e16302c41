"""SAML state every web worker must share, in Redis under the tenant's schema.

- The AuthnRequests we sent, until answered or expired: a response's ``InResponseTo`` must name one,
  and each one is good for a single response. Kept here rather than in the session because the IdP's
  POST to our ACS is cross-site, so a SameSite=Lax session cookie does not come with it.
- The ids of assertions already used, until they expire: a captured response cannot be posted again.
"""

from __future__ import annotations

import json
from functools import cache

import redis
from django.conf import settings
from django.db import connection

REQUEST_TTL = 10 * 60
# How long past its NotOnOrAfter an assertion is remembered: the library's clock-skew allowance.
SKEW = 300


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _key(kind: str, ident: str) -> str:
    return f"{connection.schema_name}:saml:{kind}:{ident}"


def request_remember(request_id: str, *, next_path: str) -> None:
    _client().set(_key("request", request_id), json.dumps({"next": next_path}), ex=REQUEST_TTL)


def request_take(request_id: str) -> dict[str, str] | None:
    """The stored request, removed so the same request id can never be answered twice."""
    raw = _client().getdel(_key("request", request_id))
    return json.loads(raw) if raw else None


def assertion_first_use(assertion_id: str, *, ttl_seconds: int) -> bool:
    """True the first time an assertion id is seen (atomically, across every worker)."""
    return bool(_client().set(_key("assertion", assertion_id), b"1", nx=True, ex=max(ttl_seconds, 1) + SKEW))
