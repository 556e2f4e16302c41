"""Writes to the directory: bootstrap a tenant's org, add and update employees."""

from __future__ import annotations

import hashlib
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from common.oncommit import after_commit
from directory.avatars import normalise_photo
from directory.models import CompanySettings, Employee, OrgUnit, Rank, Role

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
    if follow_unit:
        # A newcomer's home timeline starts with their own team's conversation (a tenant setting).
        from social.services import follow_own_unit

        follow_own_unit(employee=employee)
    return employee


@transaction.atomic
def directory_bootstrap(*, company_name: str, locale: str, admin_email: str, admin_password: str) -> Employee:
    """A new tenant's starting directory: the company as root unit, the rank ladder, the first admin."""
    CompanySettings.objects.create(
        id=1, company_name=company_name, locale=locale, display_name_template=DEFAULT_NAME_TEMPLATE[locale]
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


MAX_BIO_CHARS = 2000
MAX_PHOTO_BYTES = 10 * 1024 * 1024


@transaction.atomic
def employee_update_profile(
    *,
    employee: Employee,
    display_name: str | None = None,
    bio: str | None = None,
    photo: bytes | None = None,
    locale: str | None = None,
) -> Employee:
    """What an employee may change about themself: bio, photo and language.

    Names are real names from the company directory (HR, SCIM or an admin): a display name that
    differs from the one the directory renders is refused rather than silently ignored.
    Raises ValidationError with a message for the person; nothing is saved then.
    """
    if display_name is not None and " ".join(display_name.split()) != employee.display_name:
        raise ValidationError(
            "Display names come from the company directory; ask an administrator to correct your name."
        )
    fields = []
    if bio is not None:
        if len(bio) > MAX_BIO_CHARS:
            raise ValidationError(f"Bio is too long (maximum is {MAX_BIO_CHARS} characters).")
        employee.bio = bio
        fields.append("bio")
    if locale is not None:
        if locale not in {"ko", "en"}:
            raise ValidationError("Language must be ko or en.")
        employee.locale = locale
        fields.append("locale")
    if fields:
        employee.save(update_fields=fields)
    if photo is not None:
        if len(photo) > MAX_PHOTO_BYTES:
            raise ValidationError("Photo must be smaller than 10 MB.")
        try:
            employee_set_photo(employee=employee, image_bytes=photo)
        except ValueError as exc:
            raise ValidationError(f"Photo: {exc}") from exc
    return employee
