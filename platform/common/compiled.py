"""A queryset compiled to SQL once per process, then run with new parameters and turned into the same
model instances (``select_related`` graph, ``extra`` and annotation attributes) iterating it would give.

Django compiles a queryset on every evaluation. For the two statements every home-timeline request
runs — the bearer token with its employee, and the page of posts with their authors — compiling was a
large share of the ~11 ms request: the token's lookup took 0.8 ms, 0.2 ms compiled once; the home
page's compile alone took 1.45 ms (bench/home_profile.py's tenant). The SQL text does not depend
on the values, so it is compiled once, with a ``Slot`` in place of each value, and each run passes
only the values.

Nothing about a request is kept: every parameter must be a slot (a value left in the queryset would be
frozen into every later run, so it is refused), the rows are read from PostgreSQL on every run, and the
SQL names no schema (django-tenants' search_path chooses the tenant, as for any queryset).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


class Slot(str):
    """Where value number ``number`` goes. A ``str``, so a lookup on a text field keeps it as it is;
    ``extra()`` takes any value. The NUL byte makes it unlike any value PostgreSQL could store."""

    number: int

    def __new__(cls, number: int) -> Slot:
        slot = super().__new__(cls, f"\x00slot{number}\x00")
        slot.number = number
        return slot


def slots(count: int, start: int = 0) -> list[Slot]:
    return [Slot(i) for i in range(start, start + count)]


class CompiledQuery(Generic[M]):
    """``queryset``'s SQL and row layout, kept. ``prefix`` is SQL put before it (a ``WITH`` clause,
    which the ORM cannot write), with its own slots. ``fetch(values)`` puts ``values[slot.number]``
    in each slot's place and returns the model instances."""

    def __init__(
        self,
        queryset: QuerySet[M],
        *,
        prefix: str = "",
        prefix_slots: Sequence[Slot] = (),
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        if queryset._prefetch_related_lookups or queryset._known_related_objects:  # type: ignore[attr-defined]
            raise ValueError("fetch() neither prefetches nor sets known related objects")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        order = [*prefix_slots, *params]
        if prefix.count("%s") != len(prefix_slots) or not all(isinstance(p, Slot) for p in order):
            raise ValueError("every parameter must be a Slot, or the first run's value would stay")
        self.sql = f"{prefix}{sql}"
        self._order = [p.number for p in order]
        self._using = using
        # What ModelIterable derives from the compiler on every run (django/db/models/query.py).
        select, klass_info = compiler.select, compiler.klass_info
        self._col_count = compiler.col_count if compiler.has_extra_select else None
        self._converters = list(compiler.get_converters([s[0] for s in select[: compiler.col_count]]).items())
        self._model: type[M] = klass_info["model"]
        fields = klass_info["select_fields"]
        self._start, self._end = fields[0], fields[-1] + 1
        self._init_list = [f[0].target.attname for f in select[self._start : self._end]]
        # django-stubs describe Django 6's signature (a fetch_mode argument); this is Django 5.2's.
        self._related = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
        self._attributes = list(compiler.annotation_col_map.items())

    def fetch(self, values: Sequence[Any]) -> list[M]:
        params = [values[i] for i in self._order]
        connection = connections[self._using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        found = []
        for fetched in rows:
            row = list(fetched[: self._col_count] if self._col_count else fetched)
            for position, (converters, expression) in self._converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            obj = self._model.from_db(self._using, self._init_list, row[self._start : self._end])
            for populator in self._related:
                populator.populate(row, obj)
            for name, position in self._attributes:
                setattr(obj, name, row[position])
            found.append(obj)
        return found
