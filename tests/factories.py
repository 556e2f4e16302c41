"""Small factories shared by the test packages: employees through the directory's own service, and
posts written directly as rows (with their mentions) for tests that need data without going through
``posts.services`` (bulk setups, or before a rule the service enforces). Prefer the services where
the behaviour under test starts there."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from directory.models import Employee, OrgUnit, Role
from directory.services import employee_create
from posts.models import Audience, Mention, Post

_seq = itertools.count(1)


def root_unit() -> OrgUnit:
    return OrgUnit.objects.get(parent=None)


def employee(
    username: str | None = None,
    *,
    unit: OrgUnit | None = None,
    rank: int = 1,
    role: str = Role.MEMBER,
    **extra: str,
) -> Employee:
    username = username or f"user{next(_seq)}"
    return employee_create(
        username=username,
        email=f"{username}@example.test",
        unit=unit or root_unit(),
        rank_level=rank,
        role=role,
        # Tests set up the follow graph they need themselves (tests/directory covers the default).
        follow_unit=False,
        **extra,
    )


def employees_bulk(prefix: str, count: int, *, unit: OrgUnit | None = None) -> list[Employee]:
    """Many employees at once (fan-out tests): rows only, no per-row validation or display templates."""
    unit = unit or root_unit()
    rows = [
        Employee(
            username=f"{prefix}{i}", email=f"{prefix}{i}@example.test", unit=unit, display_name=f"{prefix}{i}"
        )
        for i in range(count)
    ]
    for row in rows:
        row.set_unusable_password()
    return Employee.objects.bulk_create(rows)


def post(
    author: Employee,
    text: str = "hello",
    *,
    audience: str = Audience.COMPANY,
    unit: OrgUnit | None = None,
    min_rank: int | None = None,
    unlisted: bool = False,
    mentions: Iterable[Employee] = (),
    in_reply_to: Post | None = None,
    reblog_of: Post | None = None,
) -> Post:
    created = Post.objects.create(
        author=author,
        text=text,
        content_html=f"<p>{text}</p>",
        audience=audience,
        unit=unit,
        min_rank=min_rank,
        unlisted=unlisted,
        in_reply_to=in_reply_to,
        in_reply_to_account_id=in_reply_to.author_id if in_reply_to else None,
        reblog_of=reblog_of,
    )
    created.thread_id = (in_reply_to.thread_id or in_reply_to.pk) if in_reply_to else created.pk
    created.save(update_fields=["thread_id"])
    Mention.objects.bulk_create([Mention(post=created, employee=e) for e in mentions])
    return created
