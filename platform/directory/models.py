"""The company directory: employees (the user model), org units and ranks."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower

from common import snowflake
from common.zones import DEFAULT_TIME_ZONE


class OrgUnit(models.Model):
    """A node of the company tree (company → division → department → team).

    ``path`` is the chain of ids from the root, "/1/4/9/", so "this unit or below it" is one
    indexed prefix match instead of a recursive query.
    """

    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=1000, blank=True, db_index=True, editable=False)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unique_unit_name_per_parent"),
            models.UniqueConstraint(
                fields=["parent"],
                condition=models.Q(parent__isnull=True),
                nulls_distinct=False,
                name="one_root_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"])
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other: OrgUnit) -> bool:
        """True when this unit is ``other`` or lies below it."""
        return self.path.startswith(other.path)


class Rank(models.Model):
    """A rung of the tenant's rank ladder; higher levels are more senior."""

    level = models.PositiveSmallIntegerField(primary_key=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


class Role(models.TextChoices):
    MEMBER = "member", "member"
    ADMIN = "admin", "admin"
    COMPLIANCE = "compliance", "compliance"


class EmployeeManager(UserManager):
    use_in_migrations = True

    def create_user(self, username, email=None, password=None, **extra_fields):  # type: ignore[override]
        return super().create_user(username, email=email, password=password, **extra_fields)


username_validator = RegexValidator(
    r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$",
    "Use letters, digits, '_', '.' and '-' (Mastodon handles), starting and ending with a letter or digit.",
)


class Employee(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: an employee in a tenant schema, an operator in the public schema."""

    id = models.BigIntegerField(primary_key=True, default=snowflake.generate, editable=False)
    username = models.CharField(max_length=64, unique=True, validators=[username_validator])
    email = models.EmailField(blank=True)
    family_name = models.CharField(max_length=60, blank=True)
    given_name = models.CharField(max_length=60, blank=True)
    # Rendered from the tenant's display template ("김철수 과장") whenever name or rank changes.
    display_name = models.CharField(max_length=120, blank=True)
    # The name in Latin letters ("Kim Cheolsu"), for search and for initials where no Hangul font exists.
    name_latin = models.CharField(max_length=120, blank=True)
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    rank_level = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True)
    employee_number = models.CharField(max_length=40, blank=True)
    photo = models.ImageField(upload_to="avatars/", blank=True)
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    locale = models.CharField(max_length=8, blank=True)
    # An IANA zone the web shows times in and reads typed times in; "" = the company's.
    time_zone = models.CharField(max_length=64, blank=True, db_default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Kept by ``filters.services``: whether any keyword filter is theirs. The row comes with every
    # request (the session or the bearer token loads it), so the many who have none cost no query.
    has_filters = models.BooleanField(default=False, db_default=False)

    objects = EmployeeManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="unique_employee_email_ci"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "rank_level"], name="employee_unit_rank"),
            # Mentions are resolved case-insensitively (posts.text): LOWER(username) IN (...) read all
            # 7,000 employees on every post with a mention (3-10 ms).
            models.Index(Lower("username"), name="employee_username_lower"),
            # The web app's side column on every home page: the most senior colleagues first
            # (frontend.selectors.colleagues); sorting all employees took 10 ms at 7,000.
            models.Index(
                F("rank_level").desc(),
                "family_name",
                "given_name",
                name="employee_by_seniority",
                condition=models.Q(is_active=True, unit__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def full_name(self) -> str:
        return (
            f"{self.family_name}{self.given_name}"
            if _is_hangul(self.family_name)
            else (f"{self.given_name} {self.family_name}".strip())
        )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_compliance(self) -> bool:
        return self.role == Role.COMPLIANCE


def _is_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


class CompanySettings(models.Model):
    """Per-tenant settings that are data, edited by the tenant's admins (one row per schema)."""

    company_name = models.CharField(max_length=120)
    locale = models.CharField(max_length=8, default="ko")
    # The IANA zone of the company's working day: the web's times for everyone without a zone of their own.
    time_zone = models.CharField(max_length=64, default=DEFAULT_TIME_ZONE, db_default=DEFAULT_TIME_ZONE)
    # Placeholders: {family} {given} {full} {rank} {title}; "{full} {rank}" renders "김철수 과장".
    display_name_template = models.CharField(max_length=120, default="{full} {rank}")
    post_max_chars = models.PositiveIntegerField(default=500)
    follow_own_unit_on_join = models.BooleanField(default=True)
    # Tenant policy (VISIBILITY.md, "Tenant policy"); off by default: the open, flat BizTweet.
    default_audience = models.CharField(
        max_length=10, choices=[("company", "company"), ("unit", "unit")], default="company"
    )
    company_post_min_rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="company_settings_singleton")]

    def __str__(self) -> str:
        return self.company_name


class Barrier(models.Model):
    """An information barrier (VISIBILITY.md): two segments, each a set of org-unit subtrees, whose
    members neither see each other's posts nor contact each other."""

    name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or f"barrier {self.pk}"


class BarrierSegment(models.Model):
    class Side(models.TextChoices):
        A = "a", "a"
        B = "b", "b"

    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="segments")
    side = models.CharField(max_length=1, choices=Side.choices)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["barrier", "side", "unit"], name="unique_barrier_segment_unit")
        ]

    def __str__(self) -> str:
        return f"{self.barrier_id}{self.side}:{self.unit_id}"


class ContactRule(models.Model):
    """To mention, reply to or send a direct post to someone of rank >= target_min_rank, the sender
    needs rank >= sender_min_rank (unless in the same unit, or answering the target)."""

    target_min_rank = models.PositiveSmallIntegerField()
    sender_min_rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["target_min_rank", "sender_min_rank"]

    def __str__(self) -> str:
        return f"rank ≥ {self.target_min_rank} needs sender ≥ {self.sender_min_rank}"
