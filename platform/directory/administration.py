"""Tenant administration writes: org units, ranks, employees, the tenant policy and settings.

Each function is one admin action: it validates everything first (``ValidationError`` with a message
for the admin, nothing saved), writes in one transaction, and appends an audit entry with the state
before and after. Callers (the admin API, the console) check that the actor is an admin; these
functions check it again, so no new caller can forget.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from audit.services import audit_record
from common.oncommit import after_commit, enqueue
from directory import services as directory
from directory.models import (
    BarrierSegment,
    CompanySettings,
    ContactRule,
    Employee,
    OrgUnit,
    Rank,
    Role,
)
from policy import ActionRefused

AUDIENCES = ("company", "unit")
LANGUAGES = ("ko", "en")
TEMPLATE_FIELDS = {"family", "given", "full", "rank", "title"}


def require_admin(actor: Employee | None) -> Employee:
    if actor is None or not actor.is_active or actor.role != Role.ADMIN:
        raise ActionRefused(_("Only tenant administrators may do this."), rule="admin_only")
    return actor


# -- org units -------------------------------------------------------------------------------------


def unit_snapshot(unit: OrgUnit) -> dict[str, Any]:
    return {
        "id": str(unit.pk),
        "name": unit.name,
        "parent_id": str(unit.parent_id) if unit.parent_id else None,
    }


def _clean_name(name: Any, what: str, max_length: int = 120) -> str:
    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise ValidationError(_("%(what)s can't be blank.") % {"what": what})
    if len(cleaned) > max_length:
        raise ValidationError(
            _("%(what)s is too long (maximum is %(max)s characters).") % {"what": what, "max": max_length}
        )
    return cleaned


def _unit(unit_id: Any, what: str | None = None) -> OrgUnit:
    try:
        return OrgUnit.objects.get(pk=int(str(unit_id)))
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        message = _("%(what)s %(id)s does not exist.") % {"what": what or _("Parent unit"), "id": unit_id}
        raise ValidationError(message) from None


def _name_taken(name: str, parent: OrgUnit | None, exclude: int | None = None) -> bool:
    siblings = OrgUnit.objects.filter(parent=parent, name=name)
    return siblings.exclude(pk=exclude).exists() if exclude else siblings.exists()


@transaction.atomic
def org_unit_add(*, actor: Employee, name: Any, parent_id: Any, ip: str | None = None) -> OrgUnit:
    require_admin(actor)
    name = _clean_name(name, _("Name"))
    # Every tenant has exactly one root (the company); new units hang below it by default.
    parent = _unit(parent_id) if parent_id not in (None, "") else OrgUnit.objects.get(parent=None)
    if _name_taken(name, parent):
        raise ValidationError(
            _("%(parent)s already has a unit named %(name)s.") % {"parent": parent.name, "name": name}
        )
    unit = directory.unit_create(name=name, parent=parent)
    audit_record(actor=actor, action="org_unit.create", target=unit, after=unit_snapshot(unit), ip=ip)
    return unit


_UNSET: Any = object()


@transaction.atomic
def org_unit_update(
    *, actor: Employee, unit: OrgUnit, name: Any = _UNSET, parent_id: Any = _UNSET, ip: str | None = None
) -> OrgUnit:
    """Rename and/or move a unit. Moving re-paths the whole subtree in one UPDATE, so every rule that
    reads unit paths (unit audiences, barriers) sees the new tree on the next request."""
    require_admin(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    before = unit_snapshot(unit)
    new_name = unit.name if name is _UNSET else _clean_name(name, _("Name"))
    new_parent = unit.parent
    if parent_id is not _UNSET:
        if unit.parent_id is None:
            if parent_id not in (None, ""):
                raise ValidationError(_("The company (root unit) cannot be moved below another unit."))
        else:
            if parent_id in (None, ""):
                raise ValidationError(_("Only the company itself is without a parent unit."))
            new_parent = _unit(parent_id)
            if new_parent.path.startswith(unit.path):
                raise ValidationError(_("A unit cannot be moved into itself or one of its own sub-units."))
    if _name_taken(new_name, new_parent, exclude=unit.pk):
        parent_name = new_parent.name if new_parent else _("The company")
        raise ValidationError(
            _("%(parent)s already has a unit named %(name)s.") % {"parent": parent_name, "name": new_name}
        )
    unit.name = new_name
    if new_parent is not None and new_parent.pk != unit.parent_id:
        old_path = unit.path
        new_path = f"{new_parent.path}{unit.pk}/"
        OrgUnit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
        )
        unit.parent = new_parent
        unit.path = new_path
        directory.viewers_changed()  # everyone below it has a new unit chain
    unit.save(update_fields=["name", "parent"])
    after = unit_snapshot(unit)
    if after != before:
        audit_record(actor=actor, action="org_unit.update", target=unit, before=before, after=after, ip=ip)
    return unit


@transaction.atomic
def org_unit_remove(*, actor: Employee, unit: OrgUnit, ip: str | None = None) -> None:
    """Delete an empty unit. A unit still holding people, sub-units, posts addressed to it or a place
    in an information barrier is refused: removing it silently would move people or weaken a wall."""
    require_admin(actor)
    from posts.models import Post

    if unit.parent_id is None:
        raise ValidationError(_("The company (root unit) cannot be deleted."))
    if OrgUnit.objects.filter(parent=unit).exists():
        raise ValidationError(
            _("%(unit)s still has sub-units; move or delete them first.") % {"unit": unit.name}
        )
    members = Employee.objects.filter(unit=unit).count()
    if members:
        raise ValidationError(
            _("%(unit)s still has %(count)s member(s); move them to another unit first.")
            % {"unit": unit.name, "count": members}
        )
    if BarrierSegment.objects.filter(unit=unit).exists():
        raise ValidationError(
            _("%(unit)s is part of an information barrier; change the policy first.") % {"unit": unit.name}
        )
    if Post.objects.filter(unit=unit).exists():
        raise ValidationError(
            _("Posts are addressed to %(unit)s; it can be renamed or moved, not deleted.")
            % {"unit": unit.name}
        )
    before = unit_snapshot(unit)
    audit_record(actor=actor, action="org_unit.delete", target=unit, before=before, ip=ip)
    unit.delete()


# -- ranks -----------------------------------------------------------------------------------------


def ranks_snapshot() -> list[dict[str, Any]]:
    return [{"level": r.level, "name": r.name} for r in Rank.objects.order_by("level")]


def _parse_ranks(ranks: Any) -> dict[int, str]:
    if not isinstance(ranks, list) or not ranks:
        raise ValidationError(_("Send the whole rank ladder: a non-empty list of {level, name}."))
    parsed: dict[int, str] = {}
    for i, item in enumerate(ranks, start=1):
        if not isinstance(item, Mapping):
            raise ValidationError(
                _("Rank #%(number)s: expected an object with level and name.") % {"number": i}
            )
        try:
            level = int(item.get("level"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationError(
                _("Rank #%(number)s: level must be a whole number.") % {"number": i}
            ) from None
        if not 1 <= level <= 100:
            raise ValidationError(_("Rank #%(number)s: level must be between 1 and 100.") % {"number": i})
        if level in parsed:
            raise ValidationError(_("Rank level %(level)s appears twice.") % {"level": level})
        parsed[level] = _clean_name(item.get("name"), _("Rank %(level)s's name") % {"level": level}, 60)
    return parsed


@transaction.atomic
def ranks_replace(*, actor: Employee, ranks: Any, ip: str | None = None) -> list[Rank]:
    """Replace the rank ladder. A level still held by someone cannot disappear; renamed ranks
    re-render every display name ("김철수 과장") in the background."""
    require_admin(actor)
    wanted = _parse_ranks(ranks)
    held = set(Employee.objects.exclude(rank_level__in=wanted).values_list("rank_level", flat=True))
    if held:
        levels = ", ".join(str(level) for level in sorted(held))
        raise ValidationError(
            _("Rank level(s) %(levels)s are still held by employees; change their rank first.")
            % {"levels": levels}
        )
    before = ranks_snapshot()
    Rank.objects.exclude(level__in=wanted).delete()
    for level, name in wanted.items():
        Rank.objects.update_or_create(level=level, defaults={"name": name})
    after = ranks_snapshot()
    if after != before:
        audit_record(
            actor=actor,
            action="ranks.replace",
            target=("ranks", "", "rank ladder"),
            before=before,
            after=after,
            ip=ip,
        )
        _refresh_display_names()
    return list(Rank.objects.order_by("level"))


def _refresh_display_names() -> None:
    from directory.tasks import refresh_display_names

    enqueue(refresh_display_names)


# -- employees -------------------------------------------------------------------------------------


def employee_snapshot(employee: Employee) -> dict[str, Any]:
    return {
        "id": str(employee.pk),
        "username": employee.username,
        "email": employee.email,
        "display_name": employee.display_name,
        "family_name": employee.family_name,
        "given_name": employee.given_name,
        "title": employee.title,
        "employee_number": employee.employee_number,
        "unit_id": str(employee.unit_id) if employee.unit_id else None,
        "rank_level": employee.rank_level,
        "role": employee.role,
        "active": employee.is_active,
    }


def split_full_name(full: str) -> tuple[str, str]:
    """(family, given) from one name: "김철수" → ("김", "철수"); "Jane Doe" → ("Doe", "Jane")."""
    full = " ".join(full.split())
    if not full:
        return "", ""
    if any("\uac00" <= ch <= "\ud7a3" for ch in full) and " " not in full:
        return full[0], full[1:]
    if " " in full:
        given, family = full.rsplit(" ", 1)
        return family, given
    return "", full


def _rank_level(value: Any) -> int:
    try:
        level = int(str(value))
    except (TypeError, ValueError):
        raise ValidationError(_("Rank %(value)s is not a rank level.") % {"value": repr(value)}) from None
    if not Rank.objects.filter(level=level).exists():
        raise ValidationError(_("Rank level %(level)s does not exist.") % {"level": level})
    return level


def _role(value: Any) -> str:
    if value not in Role.values:
        raise ValidationError(_("Role must be one of %(roles)s.") % {"roles": ", ".join(Role.values)})
    return str(value)


def _email(value: Any, exclude: int | None = None) -> str:
    from django.core.validators import validate_email

    email = str(value or "").strip()
    if not email:
        raise ValidationError(_("Email can't be blank."))
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("%(email)s is not a valid email address.") % {"email": email}) from None
    taken = Employee.objects.filter(email__iexact=email)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(_("Email %(email)s is already used by another employee.") % {"email": email})
    return email


def _username(value: Any, exclude: int | None = None) -> str:
    from directory.models import username_validator

    username = str(value or "").strip()
    if not username:
        raise ValidationError(_("Username can't be blank."))
    if len(username) > 64:
        raise ValidationError(_("Username is too long (maximum is 64 characters)."))
    username_validator(username)
    taken = Employee.objects.filter(username__iexact=username)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(_("Username %(username)s is taken.") % {"username": username})
    return username


def _password(value: Any) -> str:
    from django.contrib.auth.password_validation import validate_password

    password = str(value)
    validate_password(password)
    return password


@dataclass
class EmployeeInput:
    """An admin's description of a new employee (the CSV import and the API build these)."""

    email: str
    username: str = ""
    display_name: str = ""
    family_name: str = ""
    given_name: str = ""
    title: str = ""
    employee_number: str = ""
    unit_id: Any = None
    rank_level: Any = 1
    role: str = Role.MEMBER
    password: str | None = None


def employee_validate(data: EmployeeInput) -> dict[str, Any]:
    """Everything ``employee_create`` needs, validated; raises ValidationError naming the problem."""
    email = _email(data.email)
    username = _username(data.username) if data.username else directory.username_from_email(email)
    family, given = data.family_name.strip(), data.given_name.strip()
    if not family and not given:
        family, given = split_full_name(data.display_name)
    unit = (
        _unit(data.unit_id, _("Unit")) if data.unit_id not in (None, "") else OrgUnit.objects.get(parent=None)
    )
    fields = {
        "username": username,
        "email": email,
        "family_name": family[:60],
        "given_name": given[:60],
        "title": data.title.strip()[:120],
        "employee_number": data.employee_number.strip()[:40],
        "unit": unit,
        "rank_level": _rank_level(data.rank_level),
        "role": _role(data.role or Role.MEMBER),
    }
    if data.password:
        fields["password"] = _password(data.password)
    return fields


@transaction.atomic
def employee_add(*, actor: Employee, data: EmployeeInput, ip: str | None = None) -> Employee:
    require_admin(actor)
    employee = directory.employee_create(**employee_validate(data))
    audit_record(
        actor=actor, action="employee.create", target=employee, after=employee_snapshot(employee), ip=ip
    )
    return employee


EDITABLE = {
    "username",
    "email",
    "display_name",
    "family_name",
    "given_name",
    "title",
    "employee_number",
    "unit_id",
    "rank_level",
    "role",
    "active",
    "password",
}


@transaction.atomic
def employee_edit(
    *, actor: Employee, employee: Employee, changes: Mapping[str, Any], ip: str | None = None
) -> Employee:
    """Apply an admin's changes to an employee. Unknown fields are refused (422), never ignored, so a
    typo cannot look like success. The last active admin cannot be demoted or deactivated."""
    require_admin(actor)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ValidationError(_("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    before = employee_snapshot(employee)
    if "username" in changes:
        employee.username = _username(changes["username"], exclude=employee.pk)
    if "email" in changes:
        employee.email = _email(changes["email"], exclude=employee.pk)
    if "display_name" in changes and not ({"family_name", "given_name"} & set(changes)):
        employee.family_name, employee.given_name = split_full_name(str(changes["display_name"] or ""))
    for name, limit in (("family_name", 60), ("given_name", 60), ("title", 120), ("employee_number", 40)):
        if name in changes:
            setattr(employee, name, str(changes[name] or "").strip()[:limit])
    if "unit_id" in changes:
        employee.unit = _unit(changes["unit_id"], _("Unit"))
    if "rank_level" in changes:
        employee.rank_level = _rank_level(changes["rank_level"])
    if "role" in changes:
        employee.role = _role(changes["role"])
    active = before["active"]
    if "active" in changes:
        active = _boolean(changes["active"], "active")
    if before["role"] == Role.ADMIN and before["active"] and (employee.role != Role.ADMIN or not active):
        others = Employee.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=employee.pk)
        if not others.exists():
            raise ValidationError(_("This is the last active administrator; appoint another one first."))
    if changes.get("password"):
        employee.set_password(_password(changes["password"]))
    employee.display_name = directory.render_display_name(
        employee,
        template=directory.company_settings().display_name_template,
        rank_names=directory.rank_names(),
    )
    employee.save()
    if any(employee_snapshot(employee)[k] != before[k] for k in ("unit_id", "rank_level", "role")):
        directory.viewers_changed([employee.pk])
    if active != before["active"]:
        _set_active(employee, active=active, actor=actor)
        employee.refresh_from_db()
    after = employee_snapshot(employee)
    changed_password = bool(changes.get("password"))
    if after != before or changed_password:
        if changed_password:
            after = {**after, "password": "(changed)"}
        audit_record(
            actor=actor, action="employee.update", target=employee, before=before, after=after, ip=ip
        )
    return employee


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"true", "1", "yes", "on"}:
        return True
    if lowered in {"false", "0", "no", "off"}:
        return False
    raise ValidationError(_("%(name)s must be true or false.") % {"name": name})


def _set_active(employee: Employee, *, active: bool, actor: Employee) -> None:
    """Deactivation goes through the directory's offboarding (sessions and tokens die, the seat is
    freed) where it exists; otherwise the flag alone, which already hides them from every path."""
    name = "employee_reactivate" if active else "employee_deactivate"
    offboard = getattr(directory, name, None)
    if offboard is not None:
        offboard(employee=employee, actor=actor)
    else:
        Employee.objects.filter(pk=employee.pk).update(is_active=active)


# -- tenant policy ---------------------------------------------------------------------------------


def policy_snapshot() -> dict[str, Any]:
    settings = directory.company_settings()
    barriers: dict[int, dict[str, list[str]]] = {}
    for barrier_id, side, unit_id in BarrierSegment.objects.order_by("barrier_id", "unit_id").values_list(
        "barrier_id", "side", "unit_id"
    ):
        barriers.setdefault(barrier_id, {"a": [], "b": []})[side].append(str(unit_id))
    return {
        "default_audience": settings.default_audience,
        "company_post_min_rank": settings.company_post_min_rank,
        "contact_rules": [
            {"target_min_rank": r.target_min_rank, "sender_min_rank": r.sender_min_rank}
            for r in ContactRule.objects.order_by("target_min_rank", "sender_min_rank")
        ],
        "barriers": [barriers[k] for k in sorted(barriers)],
    }


def _optional_rank(value: Any, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        level = int(str(value))
    except ValueError:
        raise ValidationError(_("%(what)s must be a rank level or null.") % {"what": what}) from None
    if level < 1:
        raise ValidationError(_("%(what)s must be a rank level or null.") % {"what": what})
    return level


def _parse_contact_rules(rules: Any) -> list[tuple[int, int]]:
    if not isinstance(rules, list):
        raise ValidationError(_("contact_rules must be a list of {target_min_rank, sender_min_rank}."))
    parsed = []
    for i, rule in enumerate(rules, start=1):
        if not isinstance(rule, Mapping):
            raise ValidationError(
                _("Contact rule #%(number)s: expected {target_min_rank, sender_min_rank}.") % {"number": i}
            )
        target = _optional_rank(
            rule.get("target_min_rank"), _("Contact rule #%(number)s: target_min_rank") % {"number": i}
        )
        sender = _optional_rank(
            rule.get("sender_min_rank"), _("Contact rule #%(number)s: sender_min_rank") % {"number": i}
        )
        if target is None or sender is None:
            raise ValidationError(
                _("Contact rule #%(number)s: target_min_rank and sender_min_rank are both required.")
                % {"number": i}
            )
        parsed.append((target, sender))
    return list(dict.fromkeys(parsed))


def _parse_barriers(barriers: Any) -> list[tuple[list[OrgUnit], list[OrgUnit]]]:
    if not isinstance(barriers, list):
        raise ValidationError(_("barriers must be a list of {a: [unit ids], b: [unit ids]}."))
    parsed = []
    for i, barrier in enumerate(barriers, start=1):
        if not isinstance(barrier, Mapping):
            raise ValidationError(
                _("Barrier #%(number)s: expected {a: [unit ids], b: [unit ids]}.") % {"number": i}
            )
        sides = []
        for side in ("a", "b"):
            ids = barrier.get(side)
            if not isinstance(ids, list) or not ids:
                raise ValidationError(
                    _("Barrier #%(number)s: side %(side)s needs at least one unit.")
                    % {"number": i, "side": side}
                )
            what = _("Barrier #%(number)s: unit") % {"number": i}
            units = [_unit(unit_id, what) for unit_id in dict.fromkeys(str(x) for x in ids)]
            sides.append(units)
        a, b = sides
        # A unit inside both segments would put its people on both sides of the wall.
        for x in a:
            for y in b:
                if x.path.startswith(y.path) or y.path.startswith(x.path):
                    overlap = _(
                        "Barrier #%(number)s: %(a)s and %(b)s overlap; the sides must be separate subtrees."
                    )
                    raise ValidationError(overlap % {"number": i, "a": x.name, "b": y.name})
        parsed.append((a, b))
    return parsed


def _invalidate_rules() -> None:
    from policy import rules

    after_commit(rules.invalidate)
    rules.invalidate()


@transaction.atomic
def tenant_policy_replace(
    *, actor: Employee, policy: Mapping[str, Any], ip: str | None = None
) -> dict[str, Any]:
    """Replace the whole tenant policy (PUT semantics: omitted lists mean none)."""
    require_admin(actor)
    unknown = sorted(set(policy) - {"default_audience", "company_post_min_rank", "contact_rules", "barriers"})
    if unknown:
        raise ValidationError(_("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    audience = policy.get("default_audience", "company")
    if audience not in AUDIENCES:
        raise ValidationError(_("default_audience must be company or unit."))
    min_rank = _optional_rank(policy.get("company_post_min_rank"), "company_post_min_rank")
    contact_rules = _parse_contact_rules(policy.get("contact_rules", []))
    barriers = _parse_barriers(policy.get("barriers", []))
    before = policy_snapshot()
    # The one writer of the policy tables (it also drops the engine's cache, now and after commit).
    directory.tenant_policy_update(
        data=directory.PolicyInput(
            default_audience=audience,
            company_post_min_rank=min_rank,
            contact_rules=tuple(contact_rules),
            barriers=tuple((tuple(u.pk for u in a), tuple(u.pk for u in b)) for a, b in barriers),
        )
    )
    after = policy_snapshot()
    if after != before:
        audit_record(
            actor=actor,
            action="policy.update",
            target=("policy", "", "tenant policy"),
            before=before,
            after=after,
            ip=ip,
        )
    return after


# -- tenant settings -------------------------------------------------------------------------------


def settings_snapshot() -> dict[str, Any]:
    s = directory.company_settings()
    return {
        "company_name": s.company_name,
        "locale": s.locale,
        "time_zone": s.time_zone,
        "post_max_chars": s.post_max_chars,
        "default_audience": s.default_audience,
        "display_name_template": s.display_name_template,
        "follow_own_unit_on_join": s.follow_own_unit_on_join,
    }


def _template(value: Any) -> str:
    template = _clean_name(value, _("Display-name template"))
    try:
        fields = {
            name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None
        }
    except ValueError:
        raise ValidationError(_("Display-name template has an unmatched brace.")) from None
    bad = fields - TEMPLATE_FIELDS
    if bad or not fields:
        allowed = " ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS))
        raise ValidationError(
            _("Display-name template may use %(fields)s and needs at least one of them.")
            % {"fields": allowed}
        )
    return template


@transaction.atomic
def tenant_settings_update(
    *, actor: Employee, changes: Mapping[str, Any], ip: str | None = None
) -> dict[str, Any]:
    require_admin(actor)
    unknown = sorted(set(changes) - set(settings_snapshot()))
    if unknown:
        raise ValidationError(_("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    settings = CompanySettings.objects.select_for_update().get(id=1)
    before = settings_snapshot()
    if "company_name" in changes:
        settings.company_name = _clean_name(changes["company_name"], _("Company name"))
    if "locale" in changes:
        if changes["locale"] not in LANGUAGES:
            raise ValidationError(_("Language must be ko or en."))
        settings.locale = changes["locale"]
    if "time_zone" in changes:
        settings.time_zone = directory.time_zone_checked(changes["time_zone"], blank_ok=False)
    if "post_max_chars" in changes:
        try:
            limit = int(str(changes["post_max_chars"]))
        except ValueError:
            raise ValidationError(_("Post length must be a number.")) from None
        if not 50 <= limit <= 5000:
            raise ValidationError(_("Post length must be between 50 and 5000 characters."))
        settings.post_max_chars = limit
    if "default_audience" in changes:
        if changes["default_audience"] not in AUDIENCES:
            raise ValidationError(_("Default audience must be company or unit."))
        settings.default_audience = changes["default_audience"]
    if "display_name_template" in changes:
        settings.display_name_template = _template(changes["display_name_template"])
    if "follow_own_unit_on_join" in changes:
        settings.follow_own_unit_on_join = _boolean(
            changes["follow_own_unit_on_join"], "follow_own_unit_on_join"
        )
    settings.save()
    after = settings_snapshot()
    if after != before:
        _invalidate_rules()
        if after["display_name_template"] != before["display_name_template"]:
            _refresh_display_names()
        audit_record(
            actor=actor,
            action="settings.update",
            target=("settings", "", "tenant settings"),
            before=before,
            after=after,
            ip=ip,
        )
    return after
