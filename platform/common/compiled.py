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

import inspect
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

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
        self._instances = _Instances(klass_info, select, using)
        self._attributes = list(compiler.annotation_col_map.items())

    def fetch(self, values: Sequence[Any]) -> list[M]:
        params = [values[i] for i in self._order]
        connection = connections[self._using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        found: list[Any] = []
        # Checked on every run: a pre_init or post_init receiver may be connected after the compile.
        plain = not self._instances.init_receivers()
        for fetched in rows:
            row = list(fetched[: self._col_count] if self._col_count else fetched)
            for position, (converters, expression) in self._converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            obj = self._instances.build(row, plain=plain)
            for name, position in self._attributes:
                setattr(obj, name, row[position])
            found.append(obj)
        return found


# Class attributes through which Model.__init__ sets a field: on a new instance each only stores the
# value in the instance's __dict__ (a file field's descriptor wraps it when read, not when set).
_PLAIN_SETTERS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor, ImageFileDescriptor)


class _Instances:
    """One model's instances from its columns of a row, and its ``select_related`` relations: what
    Django's ModelIterable and RelatedPopulator do (django/db/models/query.py, Django 5.2).

    Where ``Model.__init__`` would only store the values — no custom ``__init__`` or ``from_db``, every
    column selected, every field set through a plain descriptor, no pre_init or post_init receiver —
    the values go into the instance's ``__dict__`` directly: ~1 µs instead of ~3.5 µs an instance, on
    the ~100 instances of a home page (0.4 ms of 0.7 ms). Anything else goes through ``Model.from_db``."""

    def __init__(self, klass_info: dict[str, Any], select: list[Any], using: str) -> None:
        if klass_info.get("from_parent"):
            raise ValueError("select_related into a child model is not supported")
        self.model: type[Model] = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        # As RelatedPopulator: a NULL in the primary key's (first) column means no related row.
        self.pk = self.start + self.init_list.index(self.model._meta.pk_fields[0].attname)
        self.using = using
        self.related = [
            (_Instances(info, select, using), info["local_setter"], info["remote_setter"])
            for info in klass_info.get("related_klass_infos", [])
        ]
        concrete = [f.attname for f in self.model._meta.concrete_fields]
        self.plain = (
            self.init_list == concrete
            and self.model.__init__ is Model.__init__
            and inspect.getattr_static(self.model, "from_db") is inspect.getattr_static(Model, "from_db")
            and all(type(inspect.getattr_static(self.model, a, None)) in _PLAIN_SETTERS for a in concrete)
        )

    def init_receivers(self) -> bool:
        """Whether a pre_init or post_init receiver listens to this model or a related one."""
        if signals.pre_init.has_listeners(self.model) or signals.post_init.has_listeners(self.model):
            return True
        return any(related.init_receivers() for related, _, _ in self.related)

    def build(self, row: list[Any], *, plain: bool) -> Model:
        """``plain``: no pre_init or post_init receivers, so a plain model needs no ``__init__``."""
        values = row[self.start : self.end]
        if plain and self.plain:
            obj = self.model.__new__(self.model)
            obj.__dict__.update(zip(self.init_list, values, strict=True))
            state = obj._state = ModelState()
            state.adding = False
            state.db = self.using
        else:
            obj = self.model.from_db(self.using, self.init_list, values)
        for related, local_setter, remote_setter in self.related:
            other = None if row[related.pk] is None else related.build(row, plain=plain)
            local_setter(obj, other)
            if other is not None:
                remote_setter(other, obj)
        return obj
