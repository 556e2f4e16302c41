"""The demo companies: realistic people, org, follows and posts, seeded once and fast.

The tests that only read share one small Korean company, seeded (and committed) once for this module
and dropped after it; the others seed their own inside their transaction, which takes the tenant and
its schema away again. The session's acme and globex are never touched for good. Passwords are hashed
with a fast hasher here: the real one costs a third of a second per hash, by design.
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from directory.demo import DEMO_PASSWORD, DemoCompany, SeedResult, demo_seed
from directory.models import Employee, OrgUnit, Role
from posts.models import Audience, Mention, Post
from social.models import Follow
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

KO = DemoCompany(
    slug="demo-ko",
    name="데모전자 주식회사",
    locale="ko",
    employees=30,
    posts=24,
    email_domain="demo-ko.example",
)
EN = DemoCompany(
    slug="demo-en",
    name="Demo Industries",
    locale="en",
    employees=20,
    posts=12,
    email_domain="demo-en.example",
)


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("demo-media")
    # MULTITENANT_RELATIVE_MEDIA_ROOT: see the media_root fixture in tests/conftest.py.
    with override_settings(
        MEDIA_ROOT=root,
        MULTITENANT_RELATIVE_MEDIA_ROOT="%s",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield root


@pytest.fixture(scope="module")
def seeded_ko(django_db_setup, django_db_blocker, demo_media: Path) -> Iterator[SeedResult]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        result = demo_seed(company=KO)
    yield result
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        Tenant.objects.get(slug=KO.slug).delete(force_drop=True)


def _in(slug: str):  # type: ignore[no-untyped-def]
    return tenant_context(Tenant.objects.get(slug=slug))


def test_seed_creates_the_company_with_its_people_follows_and_posts(seeded_ko: SeedResult) -> None:
    assert seeded_ko.created
    assert seeded_ko.url == "http://demo-ko.localhost:8000"
    with _in("demo-ko"):
        assert Employee.objects.count() == KO.employees + 1  # and the first admin
        assert Post.objects.count() == KO.posts
        assert Follow.objects.count() > KO.employees
        assert Post.objects.filter(audience=Audience.UNIT).exists()
        assert Post.objects.filter(in_reply_to__isnull=False).exists()
        assert Mention.objects.exists()
        assert Post.objects.filter(text__contains="#").count() > KO.posts // 3


def test_seeded_people_have_korean_names_latin_names_handles_and_numbers(seeded_ko: SeedResult) -> None:
    with _in("demo-ko"):
        people = list(Employee.objects.exclude(role=Role.ADMIN))
    for person in people:
        assert re.fullmatch(r"[가-힣]{1,2}", person.family_name), person.family_name
        assert re.fullmatch(r"[가-힣]{2}", person.given_name), person.given_name
        family_latin, given_latin = person.name_latin.split(" ")
        assert person.username == f"{given_latin}.{family_latin}".lower() or person.username[-1].isdigit()
        assert person.email == f"{person.username}@demo-ko.example"
        assert re.fullmatch(r"(19|20)\d{6}", person.employee_number)
        assert person.display_name.startswith(person.family_name + person.given_name + " ")
        assert person.title
    assert len({p.username for p in people}) == len(people)
    assert len({p.employee_number for p in people}) == len(people)
    assert len({(p.family_name, p.given_name) for p in people}) == len(people)


def test_org_is_three_levels_deep_below_the_company(seeded_ko: SeedResult) -> None:
    with _in("demo-ko"):
        units = list(OrgUnit.objects.all())
        depths = Counter(unit.depth for unit in units)
        assert depths[0] == 1 and depths[1] >= 2 and max(depths) == 3
        root = next(u for u in units if u.depth == 0)
        assert root.name == KO.name
        # Every team sits in a 실/부 inside a 본부.
        for team in (u for u in units if u.depth == 3):
            assert team.name.endswith("팀")
        assert all(u.name.endswith(("본부", "연구소")) for u in units if u.depth == 1)
        assert all(u.name.endswith(("실", "부")) for u in units if u.depth == 2)
        # People sit in teams, except the heads of the units above them.
        assert (
            Employee.objects.filter(unit__in=[u for u in units if u.depth == 3]).count() > KO.employees // 2
        )


def test_ranks_form_a_pyramid_with_one_chief_executive(seeded_ko: SeedResult) -> None:
    with _in("demo-ko"):
        ranks = Counter(Employee.objects.exclude(role=Role.ADMIN).values_list("rank_level", flat=True))
        ceo = Employee.objects.get(rank_level=9)
        teams = OrgUnit.objects.filter(path__regex=r"^/(\d+/){4}$").count()
        team_leads = Employee.objects.filter(title="팀장").count()
    assert ranks[9] == 1
    assert (ceo.title, ceo.display_name.split()[-1]) == ("대표이사", "사장")
    executives = sum(ranks[level] for level in (6, 7, 8))
    managers = sum(ranks[level] for level in (4, 5))
    staff = sum(ranks[level] for level in (1, 2, 3))
    assert 1 <= executives < managers < staff
    assert team_leads == teams


def test_everyone_follows_their_unit_and_the_heads_above_them(seeded_ko: SeedResult) -> None:
    with _in("demo-ko"):
        member = Employee.objects.filter(rank_level=1, role=Role.MEMBER).select_related("unit").first()
        assert member is not None and member.unit is not None
        followed = set(Follow.objects.filter(follower=member).values_list("followee_id", flat=True))
        teammates = set(
            Employee.objects.filter(unit=member.unit).exclude(pk=member.pk).values_list("id", flat=True)
        )
        heads_above = set(
            Employee.objects.filter(unit_id__in=member.unit.ancestor_ids()[:-1])
            .exclude(role=Role.ADMIN)
            .values_list("id", flat=True)
        )
    assert teammates and teammates <= followed
    assert len(heads_above) == 3  # 실장/부서장, 본부장, 대표이사
    assert heads_above <= followed
    assert followed == teammates | heads_above


def test_every_employee_has_an_avatar_file(seeded_ko: SeedResult, demo_media: Path) -> None:
    with _in("demo-ko"):
        people = list(Employee.objects.all())
        for person in people:
            assert person.photo.name, person.username
            assert default_storage.exists(person.photo.name)
    files = list((demo_media / "t_demo_ko" / "avatars").iterdir())
    assert len(files) == len(people)
    with Image.open(io.BytesIO(files[0].read_bytes())) as avatar:
        assert (avatar.format, avatar.size) == ("PNG", (256, 256))


def test_posts_spread_over_the_last_week_in_id_order(seeded_ko: SeedResult) -> None:
    now = timezone.now()
    with _in("demo-ko"):
        posts = list(Post.objects.select_related("author").order_by("id"))
        mentions = list(Mention.objects.select_related("employee", "post"))
    times = [p.created_at for p in posts]
    assert times == sorted(times), "snowflake ids must sort like their timestamps"
    assert now - timedelta(days=8) < times[0] and times[-1] < now
    assert times[-1] - times[0] > timedelta(days=2)
    by_id = {p.id: p for p in posts}
    for reply in posts:
        if reply.in_reply_to_id is None:
            continue
        parent = by_id[reply.in_reply_to_id]
        assert reply.id > parent.id
        assert reply.thread_id == parent.thread_id and reply.in_reply_to_account_id == parent.author_id
        assert reply.text.startswith(f"@{parent.author.username} ")
    for post in posts:
        assert post.thread_id is not None
        assert post.language == "ko"
        if post.audience == Audience.UNIT:
            assert post.unit_id == post.author.unit_id
    for mention in mentions:
        assert f"@{mention.employee.username}" in mention.post.text


def test_seeding_again_changes_nothing_and_is_fast(seeded_ko: SeedResult, demo_media: Path) -> None:
    def snapshot() -> tuple[int, ...]:
        with _in("demo-ko"):
            return (
                Employee.objects.count(),
                OrgUnit.objects.count(),
                Follow.objects.count(),
                Post.objects.count(),
                Mention.objects.count(),
            )

    before = snapshot()
    files = sorted((demo_media / "t_demo_ko" / "avatars").iterdir())
    started = time.monotonic()

    again = demo_seed(company=KO)

    assert time.monotonic() - started < 1.0
    assert not again.created
    assert snapshot() == before
    assert sorted((demo_media / "t_demo_ko" / "avatars").iterdir()) == files
    assert [x.login for x in again.logins] == [x.login for x in seeded_ko.logins]


def test_demo_logins_are_the_admin_and_real_employees_with_the_demo_password(seeded_ko: SeedResult) -> None:
    logins = seeded_ko.logins
    assert logins[0].login == "admin@demo-ko.example"
    assert 3 <= len(logins) <= 4
    assert {x.password for x in logins} == {DEMO_PASSWORD}
    with _in("demo-ko"):
        for login in logins:
            employee = Employee.objects.get(email=login.login)
            assert employee.check_password(DEMO_PASSWORD)
        # One hash for everyone, computed once.
        assert Employee.objects.exclude(role=Role.ADMIN).values("password").distinct().count() == 1


def test_demo_user_sees_the_company_and_colleagues_on_the_home_page(seeded_ko: SeedResult) -> None:
    client = Client(HTTP_HOST="demo-ko.localhost")
    login = seeded_ko.logins[1]

    response = client.post("/login/", {"username": login.login, "password": DEMO_PASSWORD})
    assert response.status_code == 302

    body = client.get("/").content.decode()
    assert KO.name in body
    with _in("demo-ko"):
        # The newest company post by someone they follow (their unit and the heads above it): which
        # post is newest in the whole company depends on the weekday the demo was seeded, and its
        # author may be anywhere in the company.
        user = Employee.objects.get(email=login.login)
        followed = Follow.objects.filter(follower=user).values("followee_id")
        latest = (
            Post.objects.filter(audience=Audience.COMPANY, in_reply_to__isnull=True, author__in=followed)
            .order_by("-id")
            .first()
        )
        ceo = Employee.objects.get(rank_level=9)
    assert latest is not None
    assert latest.author.display_name in body
    assert ceo.display_name in body
    assert ceo.photo.url in body


def test_english_company_gets_english_names_ranks_and_posts(demo_media: Path) -> None:
    result = demo_seed(company=EN)
    assert result.created
    with _in("demo-en"):
        people = list(Employee.objects.exclude(role=Role.ADMIN).select_related("unit"))
        assert len(people) == EN.employees
        for person in people:
            assert person.name_latin == f"{person.given_name} {person.family_name}"
            assert person.display_name == person.name_latin
            assert person.username.isascii() and "'" not in person.username
        assert Employee.objects.get(rank_level=9).title == "Chief Executive Officer"
        assert 2 <= max(unit.depth for unit in OrgUnit.objects.all()) <= 3
        assert set(Post.objects.values_list("language", flat=True)) == {"en"}
        assert Post.objects.count() == EN.posts


def test_too_small_a_company_is_refused_before_anything_is_created() -> None:
    with pytest.raises(ValueError, match="at least 10 employees"):
        demo_seed(
            company=DemoCompany(
                slug="demo-tiny", name="Tiny", locale="en", employees=4, posts=2, email_domain="tiny.example"
            )
        )
    assert not Tenant.objects.filter(slug="demo-tiny").exists()


def test_command_prints_the_sign_ins_and_leaves_a_seeded_company_alone(demo_media: Path) -> None:
    first, second = io.StringIO(), io.StringIO()

    call_command("seed_demo", "--only", "globex", stdout=first)
    call_command("seed_demo", "--only", "globex", stdout=second)

    assert re.search(r"^globex: (seeded|already seeded)", first.getvalue(), re.M)
    assert "globex: already seeded" in second.getvalue()
    for output in (first.getvalue(), second.getvalue()):
        assert "http://globex.localhost:8000" in output
        assert "admin@globex.example" in output
        assert DEMO_PASSWORD in output
        assert "acme" not in output
