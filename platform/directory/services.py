"""Writes to the directory: bootstrap a tenant's org, add and update employees."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.expiring import ExpiringCache
from common.oncommit import after_commit
from common.tenancy import current_schema
from common.zones import DEFAULT_TIME_ZONE, is_zone
from directory.avatars import normalise_photo
from directory.models import (
    Barrier,
    BarrierSegment,
    CompanySettings,
    ContactRule,
    Employee,
    OrgUnit,
    Rank,
    Role,
)

DEFAULT_RANKS = {
    "ko": ["사원", "대리", "과장", "차장", "부장", "상무", "전무", "부사장", "사장"],
    "en": [
        "Associate",
        "Senior Associate",
        "Manager",
        "Senior Manager",
        "Director",
        "Senior Director",
        "Vice President",
        "Executive Vice President",
        "President",
    ],
}
DEFAULT_NAME_TEMPLATE = {"ko": "{full} {rank}", "en": "{full}"}


def company_settings() -> CompanySettings:
    found = CompanySettings.objects.filter(id=1).first()
    return found if found is not None else CompanySettings(id=1, company_name="")


@dataclass(frozen=True)
class CompanyBasics:
    """The settings something reads on every page or post: the company's language and time zone (the
    web's defaults) and its post length limit."""

    locale: str
    post_max_chars: int
    time_zone: str = DEFAULT_TIME_ZONE


# Trusted for a few seconds per process, like the tenant's hosts (tenants.middleware), instead of a
# statement and its ORM compile on every page and every POST. A save clears it at once in the process
# that saved it (``settings_saved``), and again after the commit; the others follow within
# ``SETTINGS_CACHE_SECONDS``.
SETTINGS_CACHE_SECONDS = 5.0
_basics: ExpiringCache[str, CompanyBasics] = ExpiringCache(SETTINGS_CACHE_SECONDS)


def company_basics() -> CompanyBasics:
    """The connection's tenant's ``CompanyBasics``, as this process knows them."""

    def load() -> CompanyBasics:
        row = CompanySettings.objects.filter(id=1).values("locale", "post_max_chars", "time_zone").first()
        if row is None:
            return CompanyBasics(locale="", post_max_chars=int(CompanySettings(id=1).post_max_chars))
        return CompanyBasics(
            locale=row["locale"] or "",
            post_max_chars=int(row["post_max_chars"]),
            time_zone=row["time_zone"] or DEFAULT_TIME_ZONE,
        )

    return _basics.get(current_schema(), load)


def post_max_chars() -> int:
    """The most characters a post may have (text and content warning together), a company setting."""
    return company_basics().post_max_chars


def forget_company_basics() -> None:
    """Drop every cached ``CompanyBasics`` (this process)."""
    _basics.clear()


def settings_saved(**_: object) -> None:
    """``post_save`` of ``CompanySettings`` (connected in ``DirectoryConfig.ready``)."""
    forget_company_basics()
    # Again once the change commits: a request in between may have cached the old value.
    transaction.on_commit(forget_company_basics)


def render_display_name(employee: Employee, *, template: str, rank_names: dict[int, str]) -> str:
    values = {
        "family": employee.family_name,
        "given": employee.given_name,
        "full": employee.full_name or employee.username,
        "rank": rank_names.get(employee.rank_level, ""),
        "title": employee.title,
    }
    return " ".join(template.format(**values).split())


def username_from_email(email: str) -> str:
    """A free Mastodon-style handle derived from an email's local part ("kim.cs@x" → "kim.cs")."""
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", email.split("@", 1)[0]).strip("._-") or "user"
    candidate, n = base[:60], 1
    while Employee.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base[:56]}{n}"
    return candidate


def rank_names() -> dict[int, str]:
    return dict(Rank.objects.values_list("level", "name"))


def unit_create(*, name: str, parent: OrgUnit | None) -> OrgUnit:
    with transaction.atomic():
        unit = OrgUnit.objects.create(name=name, parent=parent)
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def employee_create(
    *,
    username: str,
    email: str,
    family_name: str = "",
    given_name: str = "",
    name_latin: str = "",
    unit: OrgUnit | None,
    rank_level: int = 1,
    title: str = "",
    role: str = Role.MEMBER,
    password: str | None = None,
    employee_number: str = "",
    names: dict[int, str] | None = None,
    template: str | None = None,
    follow_unit: bool = True,
) -> Employee:
    employee = Employee(
        username=username,
        email=email,
        family_name=family_name,
        given_name=given_name,
        name_latin=name_latin,
        unit=unit,
        rank_level=rank_level,
        title=title,
        role=role,
        employee_number=employee_number,
    )
    if password:
        employee.set_password(password)
    else:
        employee.set_unusable_password()
    employee.display_name = render_display_name(
        employee,
        template=template or company_settings().display_name_template,
        rank_names=names if names is not None else rank_names(),
    )
    employee.full_clean(exclude=["password", "photo"])
    employee.save()
    _person_changed(employee.pk)
    if follow_unit:
        # A newcomer's home timeline starts with their own team's conversation (a tenant setting).
        from social.services import follow_own_unit

        follow_own_unit(employee=employee)
    from billing.tasks import seats_changed

    seats_changed()  # the subscription's quantity follows the active employees (debounced, after commit)
    return employee


@transaction.atomic
def directory_bootstrap(
    *,
    company_name: str,
    locale: str,
    admin_email: str,
    admin_password: str,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Employee:
    """A new tenant's starting directory: the company as root unit, the rank ladder, the first admin."""
    CompanySettings.objects.create(
        id=1,
        company_name=company_name,
        locale=locale,
        time_zone=time_zone,
        display_name_template=DEFAULT_NAME_TEMPLATE[locale],
    )
    Rank.objects.bulk_create(Rank(level=i, name=n) for i, n in enumerate(DEFAULT_RANKS[locale], start=1))
    root = unit_create(name=company_name, parent=None)
    return employee_create(
        username=username_from_email(admin_email),
        email=admin_email,
        unit=root,
        role=Role.ADMIN,
        password=admin_password,
        given_name="Admin" if locale == "en" else "관리자",
        name_latin="Administrator",
    )


def display_names_refresh() -> int:
    """Re-render every employee's display name (after the template or a rank's name changed)."""
    template = company_settings().display_name_template
    names = rank_names()
    changed = []
    for employee in Employee.objects.filter(unit__isnull=False).only(
        "id", "username", "family_name", "given_name", "rank_level", "title", "display_name"
    ):
        rendered = render_display_name(employee, template=template, rank_names=names)
        if rendered != employee.display_name:
            employee.display_name = rendered
            changed.append(employee)
    Employee.objects.bulk_update(changed, ["display_name"], batch_size=500)
    return len(changed)


@transaction.atomic
def employee_set_photo(*, employee: Employee, image_bytes: bytes) -> Employee:
    """Replace ``employee``'s photo with an uploaded picture, re-encoded as a clean 400×400 JPEG.

    Raises ``directory.avatars.PhotoError`` (a ValueError) with a message for the uploader when the
    bytes are not a usable picture; nothing is stored then.
    """
    data = normalise_photo(image_bytes)
    previous = employee.photo.name if employee.photo else ""
    # A new name for new content: photos are served with a day of browser caching.
    name = f"{employee.pk}-{hashlib.sha256(data).hexdigest()[:12]}.jpg"
    employee.photo.save(name, ContentFile(data), save=False)
    employee.save(update_fields=["photo"])
    if previous and previous != employee.photo.name:
        # Only once the new name is committed: a rolled-back change must keep the old file.
        after_commit(employee.photo.storage.delete, previous)
    return employee


def employee_remove_photo(*, employee: Employee) -> Employee:
    """Take ``employee``'s photo down: their avatar is their initials again. Nothing to do without one."""
    previous = employee.photo.name if employee.photo else ""
    if not previous:
        return employee
    employee.photo = None  # type: ignore[assignment]
    employee.save(update_fields=["photo"])
    after_commit(employee.photo.storage.delete, previous)
    return employee


MAX_BIO_CHARS = 2000
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def time_zone_checked(value: object, *, blank_ok: bool) -> str:
    """An IANA zone name from ``common.zones`` ("" too where ``blank_ok``: the company's zone).
    Raises ValidationError with a message for the person otherwise."""
    name = str(value).strip()
    if (blank_ok and name == "") or is_zone(name):
        return name
    raise ValidationError(
        _("Unknown time zone %(zone)s: choose one from the list, such as Asia/Seoul.") % {"zone": name}
    )


@transaction.atomic
def employee_update_profile(
    *,
    employee: Employee,
    display_name: str | None = None,
    bio: str | None = None,
    photo: bytes | None = None,
    locale: str | None = None,
    time_zone: str | None = None,
) -> Employee:
    """What an employee may change about themself: bio, photo, language and time zone ("" = the
    company's).

    Names are real names from the company directory (HR, SCIM or an admin): a display name that
    differs from the one the directory renders is refused rather than silently ignored.
    Raises ValidationError with a message for the person; nothing is saved then.
    """
    if display_name is not None and " ".join(display_name.split()) != employee.display_name:
        raise ValidationError(
            _("Display names come from the company directory; ask an administrator to correct your name.")
        )
    fields = []
    if bio is not None:
        if len(bio) > MAX_BIO_CHARS:
            raise ValidationError(
                _("Bio is too long (maximum is %(max)s characters).") % {"max": MAX_BIO_CHARS}
            )
        employee.bio = bio
        fields.append("bio")
    if locale is not None:
        # "" follows the company's language (CompanySettings, else the tenant's) again.
        if locale not in {"", "ko", "en"}:
            raise ValidationError(_("Language must be ko, en or empty for the company's language."))
        employee.locale = locale
        fields.append("locale")
    if time_zone is not None:
        employee.time_zone = time_zone_checked(time_zone, blank_ok=True)
        fields.append("time_zone")
    if fields:
        employee.save(update_fields=fields)
    if photo is not None:
        if len(photo) > MAX_PHOTO_BYTES:
            raise ValidationError(_("Photo must be smaller than 10 MB."))
        try:
            employee_set_photo(employee=employee, image_bytes=photo)
        except ValueError as exc:
            raise ValidationError(_("Photo: %(problem)s") % {"problem": exc}) from exc
    return employee


@dataclass(frozen=True)
class PolicyInput:
    default_audience: str = "company"
    company_post_min_rank: int | None = None
    contact_rules: tuple[tuple[int, int], ...] = ()  # (target_min_rank, sender_min_rank)
    barriers: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()  # (A unit ids, B unit ids)


def _policy_errors(data: PolicyInput, levels: set[int], unit_ids: set[int]) -> list[str]:
    errors = []
    if data.default_audience not in {"company", "unit"}:
        errors.append(_("default_audience must be company or unit."))
    if data.company_post_min_rank is not None and data.company_post_min_rank not in levels:
        errors.append(
            _("company_post_min_rank %(level)s is not a rank of this company.")
            % {"level": data.company_post_min_rank}
        )
    for target, sender in data.contact_rules:
        if target not in levels or sender not in levels:
            errors.append(
                _("Contact rule (%(target)s, %(sender)s) names a rank this company does not have.")
                % {"target": target, "sender": sender}
            )
    for i, (a, b) in enumerate(data.barriers, start=1):
        if not a or not b:
            errors.append(_("Barrier %(number)s needs units on both sides.") % {"number": i})
        unknown = (set(a) | set(b)) - unit_ids
        if unknown:
            errors.append(
                _("Barrier %(number)s names unknown units: %(units)s.")
                % {"number": i, "units": sorted(unknown)}
            )
        if set(a) & set(b):
            errors.append(_("Barrier %(number)s has the same unit on both sides.") % {"number": i})
    return errors


@transaction.atomic
def tenant_policy_update(*, data: PolicyInput) -> PolicyInput:
    """Replace the tenant's policy (VISIBILITY.md) as a whole; every path applies it on the next request.

    Raises ValidationError listing every problem; nothing is saved then.
    """
    from billing.entitlements import tenant_has
    from policy.rules import invalidate

    # Turning rules on needs a plan that includes them; clearing them is always allowed. Rules already
    # in force stay enforced after a downgrade: a barrier never lapses silently.
    wants_rules = bool(data.barriers or data.contact_rules or data.company_post_min_rank is not None)
    if wants_rules and not tenant_has("hierarchy_rules"):
        raise ValidationError(
            _("Hierarchy rules (barriers, contact rules, company-post rank) need the Enterprise plan.")
        )
    levels = set(Rank.objects.values_list("level", flat=True))
    unit_ids = set(OrgUnit.objects.values_list("id", flat=True))
    errors = _policy_errors(data, levels, unit_ids)
    if errors:
        raise ValidationError(errors)
    CompanySettings.objects.filter(id=1).update(
        default_audience=data.default_audience, company_post_min_rank=data.company_post_min_rank
    )
    ContactRule.objects.all().delete()
    ContactRule.objects.bulk_create(
        ContactRule(target_min_rank=t, sender_min_rank=s) for t, s in data.contact_rules
    )
    Barrier.objects.all().delete()
    for a, b in data.barriers:
        barrier = Barrier.objects.create()
        BarrierSegment.objects.bulk_create(
            [BarrierSegment(barrier=barrier, side="a", unit_id=u) for u in a]
            + [BarrierSegment(barrier=barrier, side="b", unit_id=u) for u in b]
        )
    # Now, and again after commit: a request that reloads the rules before the commit would cache
    # the old ones for a day otherwise.
    invalidate()
    transaction.on_commit(invalidate)
    viewers_changed()  # after the invalidation above (on_commit runs in order)
    return data


def tenant_policy() -> PolicyInput:
    settings = company_settings()
    segments: dict[int, dict[str, list[int]]] = {}
    for barrier_id, side, unit_id in BarrierSegment.objects.order_by("barrier_id", "unit_id").values_list(
        "barrier_id", "side", "unit_id"
    ):
        segments.setdefault(barrier_id, {"a": [], "b": []})[side].append(unit_id)
    return PolicyInput(
        default_audience=settings.default_audience,
        company_post_min_rank=settings.company_post_min_rank,
        contact_rules=tuple(ContactRule.objects.values_list("target_min_rank", "sender_min_rank")),
        barriers=tuple((tuple(s["a"]), tuple(s["b"])) for s in segments.values()),
    )


# Fields an HR system, SCIM or an admin may change through employee_update; names and rank feed the
# rendered display name, so it is re-rendered whenever one of them changes.
UPDATABLE_FIELDS = frozenset(
    {
        "username",
        "email",
        "family_name",
        "given_name",
        "name_latin",
        "unit",
        "rank_level",
        "title",
        "employee_number",
        "role",
        "locale",
    }
)
_DISPLAY_NAME_INPUTS = frozenset({"username", "family_name", "given_name", "rank_level", "title"})
# What the visibility rules read about a reader (policy.Viewer): changing one reaches open streams at once.
VIEWER_FIELDS = frozenset({"unit", "rank_level", "role"})


def viewers_changed(employee_ids: Iterable[int] | None = None) -> None:
    """After commit, tell the stream processes to reload these readers (None: everyone, with the
    tenant's rules: a unit moved in the tree or the policy changed). Requests need no such call: they
    read the directory afresh; open streams hold their readers in memory (streaming.hub)."""
    from streaming.publish import viewers_changed as announce

    after_commit(announce, None if employee_ids is None else sorted(set(employee_ids)))


@transaction.atomic
def employee_update(*, employee: Employee, **fields: object) -> Employee:
    """Change directory fields of ``employee`` (a move to another unit, a promotion, a new name).

    Raises ValidationError (naming the field) when a value is not acceptable; nothing is saved then.
    Follows are left alone on a move: people keep whom they chose to follow.
    """
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"employee_update cannot change {', '.join(sorted(unknown))}")
    changed = [name for name, value in fields.items() if getattr(employee, name) != value]
    if not changed:
        return employee
    for name in changed:
        setattr(employee, name, fields[name])
    if "rank_level" in changed and not Rank.objects.filter(level=employee.rank_level).exists():
        message = _("There is no rank at level %(level)s.") % {"level": employee.rank_level}
        raise ValidationError({"rank_level": message})
    update_fields = list(changed)
    if _DISPLAY_NAME_INPUTS & set(changed):
        employee.display_name = render_display_name(
            employee, template=company_settings().display_name_template, rank_names=rank_names()
        )
        update_fields.append("display_name")
    employee.full_clean(exclude=["password", "photo"], validate_unique=True)
    employee.save(update_fields=update_fields)
    _person_changed(employee.pk)
    if VIEWER_FIELDS & set(changed):
        viewers_changed([employee.pk])
    return employee


def _person_changed(employee_id: int) -> None:
    # People search refreshes the name's Latin spellings after commit (search sits above directory).
    from search.services import person_changed

    person_changed(employee_id)


def _end_sessions(employee_id: int) -> int:
    """Delete the web sessions of one employee in the current schema.

    Sessions carry the user id only inside their encoded data, so this decodes each unexpired one
    (tens of microseconds apiece: fine for thousands of sessions, and it runs after commit). It is
    a clean-up, not the guard: every request re-checks ``is_active`` through the auth backend, so a
    deactivated person's session is anonymous from the moment the deactivation commits.
    """
    from django.contrib.sessions.models import Session

    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=1000):
        if str(session.get_decoded().get("_auth_user_id")) == str(employee_id):
            doomed.append(session.session_key)
    if doomed:
        Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


@transaction.atomic
def employee_deactivate(*, employee: Employee, actor: Employee | None = None) -> Employee:
    """Offboard ``employee`` at once: sign-in refused, every OAuth token revoked, web sessions ended.

    Posts stay under the person's name (nothing is deleted); the account can be reactivated.
    ``actor`` is who did it (None for SCIM or a system job), for the hooks that record it.
    Idempotent: deactivating an inactive employee changes nothing.
    """
    from oauth2_provider.models import AccessToken, Grant, RefreshToken

    if not employee.is_active:
        return employee
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    # Access tokens are deleted (the bearer answers 401 from now on); refresh tokens are revoked
    # so they cannot mint new ones, and pending authorization codes are dropped.
    RefreshToken.objects.filter(user=employee, revoked__isnull=True).update(revoked=timezone.now())
    AccessToken.objects.filter(user=employee).delete()
    Grant.objects.filter(user=employee).delete()
    after_commit(_end_sessions, employee.pk)
    from streaming.publish import employee_disconnected

    after_commit(employee_disconnected, employee.pk)  # open streams close now, not at the next re-check
    from billing.tasks import seats_changed

    seats_changed()  # the subscription's quantity follows the active employees (debounced, after commit)
    return employee


@transaction.atomic
def employee_reactivate(*, employee: Employee, actor: Employee | None = None) -> Employee:
    """Let a deactivated employee sign in again (a rehire, a mistaken offboarding). Their old tokens
    stay revoked: apps sign in afresh. Idempotent."""
    if employee.is_active:
        return employee
    employee.is_active = True
    employee.save(update_fields=["is_active"])
    from billing.tasks import seats_changed

    seats_changed()  # the subscription's quantity follows the active employees (debounced, after commit)
    return employee
