"""Who is looking: everything the rules need to know about the reader, loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from directory.models import Employee, Role
from policy.rules import TenantRules, tenant_rules


@dataclass
class Viewer:
    """The reader. ``employee`` is None for an anonymous request, which sees nothing."""

    employee: Employee | None
    _followees: frozenset[int] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, user: object) -> Viewer:
        if isinstance(user, Employee) and user.is_authenticated:
            return cls(employee=user)
        return cls(employee=None)

    @cached_property
    def id(self) -> int | None:
        # Cached: read several times per post by every visibility check (10,000 per event on a
        # stream server), and an employee's primary key never changes.
        return self.employee.pk if self.employee else None

    @property
    def is_active(self) -> bool:
        return self.employee is not None and self.employee.is_active

    @property
    def is_compliance(self) -> bool:
        return self.is_active and self.employee is not None and self.employee.role == Role.COMPLIANCE

    @property
    def rank_level(self) -> int:
        return self.employee.rank_level if self.employee else 0

    @cached_property
    def unit_ancestor_ids(self) -> tuple[int, ...]:
        """The viewer's unit and every unit above it: a unit post targets one of these to reach them."""
        if self.employee is None or self.employee.unit_id is None:
            return ()
        unit = self.employee.unit
        return tuple(unit.ancestor_ids()) if unit is not None else ()

    @cached_property
    def rules(self) -> TenantRules:
        return tenant_rules()

    @property
    def knows_rules(self) -> bool:
        """Whether the tenant's rules were read for this viewer already."""
        return "rules" in self.__dict__

    def know_rules(self, rules: TenantRules) -> None:
        """Use ``rules``, read by the caller from the cache in a round trip of its own (the home
        timeline's feed read), instead of asking the cache again. No-op once the rules were read."""
        self.__dict__.setdefault("rules", rules)

    @cached_property
    def barred_unit_sets(self) -> list[frozenset[int]]:
        """Segments across a barrier from the viewer (none for compliance: barriers never bind them)."""
        if self.is_compliance:
            return []
        return self.rules.barred_unit_sets(self.unit_ancestor_ids)

    @property
    def followees(self) -> frozenset[int]:
        if self._followees is None:
            from social.models import Follow

            ids = Follow.objects.filter(follower_id=self.id).values_list("followee_id", flat=True)
            self._followees = frozenset(ids) if self.id else frozenset()
        return self._followees
