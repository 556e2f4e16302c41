"""The tenant's optional policy (VISIBILITY.md, "Tenant policy"), loaded once and cached per schema.

The data lives in the tenant schema (directory.models: CompanySettings, Barrier, BarrierSegment,
ContactRule) and is written only through ``directory.services.tenant_policy_update``, which calls
``invalidate()``; reads cost one cache (Redis) round trip, never a SQL query (the home timeline's read
shares its feed's round trip: ``rules_entry_key`` and ``rules_from_entry``). Segment membership is
not cached: an employee is in a segment when one of the segment's units is their unit or above it,
which is read from the employee's unit path at evaluation time, so moving people or units takes
effect on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache

CACHE_KEY = "policy:rules:v1"
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class ContactRuleSpec:
    target_min_rank: int
    sender_min_rank: int


@dataclass(frozen=True)
class BarrierSpec:
    id: int
    a: frozenset[int]  # unit ids whose subtrees form segment A
    b: frozenset[int]


@dataclass(frozen=True)
class TenantRules:
    default_audience: str = "company"
    company_post_min_rank: int | None = None
    contact_rules: tuple[ContactRuleSpec, ...] = ()
    barriers: tuple[BarrierSpec, ...] = field(default=())

    def barred_unit_sets(self, unit_ancestor_ids: tuple[int, ...] | frozenset[int]) -> list[frozenset[int]]:
        """For someone whose unit chain is ``unit_ancestor_ids``: the segments on the other side of
        every barrier they are in (each a set of unit ids whose subtrees they must not reach)."""
        chain = set(unit_ancestor_ids)
        opposite: list[frozenset[int]] = []
        for barrier in self.barriers:
            if chain & barrier.a:
                opposite.append(barrier.b)
            if chain & barrier.b:
                opposite.append(barrier.a)
        return opposite

    def barred(self, chain_a: tuple[int, ...], chain_b: tuple[int, ...]) -> bool:
        """True when two people (given by their unit chains) stand on opposite sides of a barrier."""
        other = set(chain_b)
        return any(other & segment for segment in self.barred_unit_sets(chain_a))


def _load() -> TenantRules:
    from directory.models import BarrierSegment, CompanySettings, ContactRule

    settings = (
        CompanySettings.objects.filter(id=1).values("default_audience", "company_post_min_rank").first()
    )
    segments: dict[int, dict[str, set[int]]] = {}
    for barrier_id, side, unit_id in BarrierSegment.objects.values_list("barrier_id", "side", "unit_id"):
        segments.setdefault(barrier_id, {"a": set(), "b": set()})[side].add(unit_id)
    return TenantRules(
        default_audience=(settings or {}).get("default_audience") or "company",
        company_post_min_rank=(settings or {}).get("company_post_min_rank"),
        contact_rules=tuple(
            ContactRuleSpec(target, sender)
            for target, sender in ContactRule.objects.values_list("target_min_rank", "sender_min_rank")
        ),
        barriers=tuple(
            BarrierSpec(id=pk, a=frozenset(sides["a"]), b=frozenset(sides["b"]))
            for pk, sides in sorted(segments.items())
            if sides["a"] and sides["b"]
        ),
    )


def tenant_rules() -> TenantRules:
    """The current tenant's rules (the cache key carries the schema, see settings.services.CACHES).

    ``tenant_policy_update`` drops the entry when it writes and again after its commit. It never reads
    the rules itself, so no transaction that may still roll back puts uncommitted rules here.
    """
    rules = cache.get(CACHE_KEY)
    if rules is None:
        rules = _load()
        cache.set(CACHE_KEY, rules, CACHE_SECONDS)
    return rules


def rules_entry_key() -> str:
    """The rules' cache entry as Redis names it (the cache's key function adds the schema and version):
    for a reader that fetches it in a round trip it makes anyway, then passes it to ``rules_from_entry``.
    The cache and the feeds share one Redis (both ``REDIS_URL``); were they ever split, the entry would
    just not be found there and ``rules_from_entry`` would read the rules as ``tenant_rules`` does."""
    return str(cache.make_key(CACHE_KEY))


def rules_from_entry(raw: bytes | None) -> TenantRules:
    """``tenant_rules()`` from the entry's bytes as read from Redis under ``rules_entry_key()``: the same
    rules, as fresh as the read; a missing entry is loaded and cached as ``tenant_rules`` does."""
    if raw is None:
        return tenant_rules()
    rules = cache.client.decode(raw)  # type: ignore[attr-defined]
    if not isinstance(rules, TenantRules):
        return tenant_rules()
    return rules


def invalidate() -> None:
    cache.delete(CACHE_KEY)
