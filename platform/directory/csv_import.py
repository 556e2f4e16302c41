"""Importing the directory from a CSV file (HR's export): validate every row first, then write all of
it in one transaction — a file with any bad row imports nothing.

Columns (header row required, any order, case-insensitive): ``email`` (required), ``unit`` (required:
a unit id, or its path of names from below the company, "영업본부/영업1팀"), ``rank`` (required: a level
or a rank name), and optionally ``username``, ``family_name``, ``given_name``, ``name`` (a full name,
split like "김철수" or "Jane Doe"), ``title``, ``employee_number``, ``role``. A row whose email is
already in the directory updates that employee; other rows create employees.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from directory import services as directory
from directory.administration import (
    EmployeeInput,
    _email,
    _username,
    employee_snapshot,
    employee_validate,
    require_admin,
    split_full_name,
)
from directory.models import Employee, OrgUnit, Rank, Role

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
REQUIRED = ("email", "unit", "rank")
KNOWN = {*REQUIRED, "username", "family_name", "given_name", "name", "title", "employee_number", "role"}


class ImportFileInvalid(ValueError):
    """The file as a whole cannot be read (not CSV, not UTF-8, missing columns)."""


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    action: str = ""  # "create" | "update" | "unchanged"
    errors: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    existing: Employee | None = None


@dataclass
class ImportPlan:
    rows: list[ImportRow]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if not r.errors and r.action == action)


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFileInvalid(_("The file is larger than 5 MB."))
    for encoding in ("utf-8-sig", "cp949"):  # Excel in Korea saves CSV as CP949 unless told otherwise
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileInvalid(_("The file is not text in UTF-8 or CP949 (EUC-KR)."))


def parse(data: bytes) -> list[ImportRow]:
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileInvalid(_("The file is not a CSV text file."))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        lines = list(reader)
    except csv.Error as exc:
        raise ImportFileInvalid(_("The file is not valid CSV (%(problem)s).") % {"problem": exc}) from None
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise ImportFileInvalid(_("The file is empty; the first row must name the columns."))
    header = [h.strip().lower().replace(" ", "_") for h in lines[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileInvalid(
            _("Missing column(s): %(columns)s. The first row must name the columns.")
            % {"columns": ", ".join(missing)}
        )
    unknown = [h for h in header if h and h not in KNOWN]
    if unknown:
        raise ImportFileInvalid(_("Unknown column(s): %(columns)s.") % {"columns": ", ".join(unknown)})
    if len(set(header)) != len(header):
        raise ImportFileInvalid(_("A column appears twice in the first row."))
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        row = ImportRow(
            line=number,
            values={h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)},
        )
        if len(cells) > len(header):
            row.errors.append(
                _("%(cells)s cells but %(columns)s columns.") % {"cells": len(cells), "columns": len(header)}
            )
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ImportFileInvalid(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
    if not rows:
        raise ImportFileInvalid(_("The file has a header but no rows."))
    return rows


class _Lookups:
    def __init__(self) -> None:
        self.units = list(OrgUnit.objects.all())
        self.by_id = {u.pk: u for u in self.units}
        self.root = next(u for u in self.units if u.parent_id is None)
        self.by_path: dict[str, OrgUnit] = {}
        for unit in self.units:
            names = [self.by_id[i].name for i in unit.ancestor_ids()[1:]]
            self.by_path["/".join(names).lower()] = unit
        self.ranks = {r.level: r.name for r in Rank.objects.all()}
        self.rank_by_name = {name.lower(): level for level, name in self.ranks.items()}

    def unit(self, value: str) -> OrgUnit:
        if value.isdigit() and int(value) in self.by_id:
            return self.by_id[int(value)]
        key = "/".join(part.strip() for part in value.strip("/").split("/")).lower()
        if key in ("", self.root.name.lower()):
            return self.root
        if key.startswith(self.root.name.lower() + "/"):
            key = key[len(self.root.name) + 1 :]
        if key in self.by_path:
            return self.by_path[key]
        raise ValidationError(_("Unknown unit “%(value)s”.") % {"value": value})

    def rank(self, value: str) -> int:
        if value.isdigit() and int(value) in self.ranks:
            return int(value)
        if value.lower() in self.rank_by_name:
            return self.rank_by_name[value.lower()]
        raise ValidationError(
            _("Unknown rank “%(value)s” (use a level 1–%(max)s or a rank name).")
            % {"value": value, "max": max(self.ranks)}
        )


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def plan(data: bytes) -> ImportPlan:
    """Read and validate the whole file; nothing is written. Raises ImportFileInvalid for an unreadable
    file; per-row problems are on each row."""
    rows = parse(data)
    lookups = _Lookups()
    existing = {e.email.lower(): e for e in Employee.objects.exclude(email="")}
    seen_emails: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    for row in rows:
        v = row.values
        email = v.get("email", "").lower()
        if email in seen_emails:
            row.errors.append(
                _("Duplicate email %(email)s (also on line %(line)s).")
                % {"email": v["email"], "line": seen_emails[email]}
            )
        elif email:
            seen_emails[email] = row.line
        username = v.get("username", "").lower()
        if username and username in seen_usernames:
            row.errors.append(
                _("Duplicate username %(username)s (also on line %(line)s).")
                % {"username": v["username"], "line": seen_usernames[username]}
            )
        elif username:
            seen_usernames[username] = row.line
        unit = rank = None
        try:
            unit = lookups.unit(v.get("unit", ""))
        except ValidationError as exc:
            row.errors += _messages(exc)
        try:
            rank = lookups.rank(v.get("rank", ""))
        except ValidationError as exc:
            row.errors += _messages(exc)
        role = v.get("role") or None
        if role is not None and role not in Role.values:
            row.errors.append(_("Role must be one of %(roles)s.") % {"roles": ", ".join(Role.values)})
        family, given = v.get("family_name", ""), v.get("given_name", "")
        if not family and not given and v.get("name"):
            family, given = split_full_name(v["name"])
        current = existing.get(email)
        if row.errors:
            continue
        assert unit is not None and rank is not None
        try:
            if current is None:
                row.fields = employee_validate(
                    EmployeeInput(
                        email=v["email"],
                        username=v.get("username", ""),
                        family_name=family,
                        given_name=given,
                        title=v.get("title", ""),
                        employee_number=v.get("employee_number", ""),
                        unit_id=unit.pk,
                        rank_level=rank,
                        role=role or Role.MEMBER,
                    )
                )
                row.action = "create"
            else:
                row.existing = current
                row.fields = {"unit": unit, "rank_level": rank}
                if role:
                    row.fields["role"] = role
                if v.get("username"):
                    row.fields["username"] = _username(v["username"], exclude=current.pk)
                for name, value in (
                    ("family_name", family),
                    ("given_name", given),
                    ("title", v.get("title", "")),
                    ("employee_number", v.get("employee_number", "")),
                ):
                    if value:
                        row.fields[name] = value
                changed = any(
                    (current.unit_id != value.pk) if name == "unit" else getattr(current, name) != value
                    for name, value in row.fields.items()
                )
                row.action = "update" if changed else "unchanged"
        except ValidationError as exc:
            row.errors += _messages(exc)
    # A username derived from an email could collide with one named later in the same file.
    for row in rows:
        if row.action == "create" and not row.errors:
            derived = row.fields["username"].lower()
            if derived in seen_usernames and not row.values.get("username"):
                row.errors.append(
                    _("Username %(username)s is also given on line %(line)s.")
                    % {"username": row.fields["username"], "line": seen_usernames[derived]}
                )
    return ImportPlan(rows=rows)


@transaction.atomic
def directory_import(*, actor: Employee, data: bytes, ip: str | None = None) -> ImportPlan:
    """Validate the whole file, then create and update in one transaction. Raises ValidationError (and
    writes nothing) when any row has an error."""
    require_admin(actor)
    result = plan(data)
    if not result.ok:
        raise ValidationError(
            _("%(count)s row(s) have errors; nothing was imported.") % {"count": result.error_count}
        )
    template = directory.company_settings().display_name_template
    names = directory.rank_names()
    created = updated = 0
    moved: list[int] = []  # whose unit, rank or role changed: their open streams reload them
    for row in result.rows:
        if row.action == "create":
            fields = {k: v for k, v in row.fields.items() if k != "password"}
            _email(fields["email"])  # re-checked inside the transaction
            employee = directory.employee_create(**fields, names=names, template=template)
            audit_record(
                actor=actor,
                action="employee.create",
                target=employee,
                after=employee_snapshot(employee),
                ip=ip,
            )
            created += 1
        elif row.action == "update":
            assert row.existing is not None
            employee = Employee.objects.select_for_update().get(pk=row.existing.pk)
            before = employee_snapshot(employee)
            for name, value in row.fields.items():
                setattr(employee, name, value)
            employee.display_name = directory.render_display_name(
                employee, template=template, rank_names=names
            )
            employee.save()
            after = employee_snapshot(employee)
            if any(after[k] != before[k] for k in ("unit_id", "rank_level", "role")):
                moved.append(employee.pk)
            audit_record(
                actor=actor,
                action="employee.update",
                target=employee,
                before=before,
                after=after,
                ip=ip,
            )
            updated += 1
    if moved:
        directory.viewers_changed(moved)
    audit_record(
        actor=actor,
        action="directory.import",
        target=("directory", "", "CSV import"),
        after={"rows": len(result.rows), "created": created, "updated": updated},
        ip=ip,
    )
    return result
