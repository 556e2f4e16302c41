"""Demo companies, so a fresh laptop opens on a living product: `python manage.py seed_demo`.

``acme`` is a Korean company (에이크미 주식회사, ~300 people in a 본부 → 실/부 → 팀 tree with the
사원…사장 ladder) and ``globex`` an English one (~50 people). Both get photos, follows and a week
of posts with hashtags, mentions, unit posts and replies.

Seeding is idempotent per tenant: a tenant that already has people besides its first admin is left
exactly as it is, so a second run only looks and returns. The fill of one tenant is a single
transaction, so a crash half-way leaves just the onboarded tenant, and the next run completes it.

Everything is bulk-written: one password hash shared by every demo account (hashing is deliberately
slow, ~0.3 s each), one INSERT per table per batch. Names, org and posts come from a random generator
seeded with the tenant's slug, so a reseeded laptop shows the same people; only ids and times differ.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from directory.avatars import initials_avatar
from directory.models import Employee, OrgUnit, Role
from directory.romanize import romanize_family_name, romanize_given_name
from directory.services import company_settings, rank_names, render_display_name, unit_create
from posts.models import Audience, Post
from social.models import Follow
from tenants.models import Domain, Tenant
from tenants.services import tenant_onboard, tenant_url

log = logging.getLogger(__name__)

DEMO_PASSWORD = "biztweet-demo"  # noqa: S105 - printed for anyone to use: it guards demo data only
POST_DAYS = 7
# A chief executive, two divisions with a department and a team each, and someone in every team.
MIN_EMPLOYEES = 10


# --- what a demo company is -----------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A node of a demo org chart. People sit in leaves; each node also has a head who sits in it."""

    name: str
    head_title: str
    member_title: str = ""
    kind: str = "biz"  # which post topics suit its people: biz, dev, sales, ops
    weight: float = 1.0  # relative headcount of a leaf
    children: tuple[Unit, ...] = ()


@dataclass(frozen=True)
class Ladder:
    """Which rank levels a company's heads and members hold."""

    ceo: int
    ceo_title: str
    division_heads: tuple[int, ...]  # in division order, reused from the start when there are more
    department_head: int
    senior_departments: frozenset[str]  # departments whose head is one level more senior
    team_heads: tuple[int, ...]
    members: tuple[tuple[int, float], ...]  # (level, share) of people who head nothing


@dataclass(frozen=True)
class DemoCompany:
    slug: str
    name: str
    locale: str
    employees: int  # seeded people, besides the first admin whom onboarding creates
    posts: int
    email_domain: str
    time_zone: str = "Asia/Seoul"

    @property
    def admin_email(self) -> str:
        return f"admin@{self.email_domain}"


ACME = DemoCompany(
    slug="acme", name="에이크미 주식회사", locale="ko", employees=300, posts=150, email_domain="acme.example"
)
GLOBEX = DemoCompany(
    slug="globex",
    name="Globex Corporation",
    locale="en",
    employees=50,
    posts=60,
    email_domain="globex.example",
    time_zone="America/New_York",
)
DEMO_COMPANIES = (ACME, GLOBEX)


@dataclass(frozen=True)
class DemoLogin:
    url: str
    login: str
    password: str
    who: str


@dataclass
class SeedResult:
    slug: str
    url: str
    created: bool  # False: the tenant was already seeded and left alone
    employees: int
    posts: int
    follows: int
    seconds: float
    logins: list[DemoLogin] = field(default_factory=list)


# --- the seed ---------------------------------------------------------------------------------------


def demo_seed(*, company: DemoCompany, password: str = DEMO_PASSWORD) -> SeedResult:
    """Onboard ``company`` if needed and fill it with people, follows and posts, unless already filled."""
    if company.employees < MIN_EMPLOYEES:
        raise ValueError(f"A demo company needs at least {MIN_EMPLOYEES} employees, not {company.employees}.")
    started = time.monotonic()
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(slug=company.slug).first()
    onboarded_here = tenant is None
    if tenant is None:
        tenant_onboard(
            slug=company.slug,
            name=company.name,
            admin_email=company.admin_email,
            admin_password=password,
            locale=company.locale,
            time_zone=company.time_zone,
        )
        tenant = Tenant.objects.get(slug=company.slug)
    url = _tenant_url(tenant)
    with tenant_context(tenant):
        created = not _already_seeded()
        if created:
            _fill(company=company, password=password)
        result = SeedResult(
            slug=company.slug,
            url=url,
            created=created,
            employees=Employee.objects.count(),
            posts=Post.objects.count(),
            follows=Follow.objects.count(),
            seconds=0.0,
            logins=demo_logins(company=company, url=url, password=password, check_admin=not onboarded_here),
        )
    connection.set_schema_to_public()
    result.seconds = time.monotonic() - started
    return result


def _already_seeded() -> bool:
    # Onboarding leaves exactly one person, the first admin. Anyone else means this tenant was
    # seeded before, or holds someone's real data: either way it is not ours to add to.
    return Employee.objects.count() > 1


def _tenant_url(tenant: Tenant) -> str:
    domain = Domain.objects.filter(tenant=tenant, is_primary=True).values_list("domain", flat=True).first()
    return tenant_url(domain or "")


def _fill(*, company: DemoCompany, password: str) -> None:
    rng = random.Random(f"biztweet-demo:{company.slug}")
    written: list[str] = []
    try:
        with transaction.atomic():
            org = ORG[company.locale]
            seats = _plan_org(org, ladder=LADDERS[company.locale], people=company.employees, rng=rng)
            units = _create_units(seats=seats)
            people = _create_people(
                company=company,
                seats=seats,
                units=units,
                password_hash=make_password(password),
                rng=rng,
                written=written,
            )
            _give_admin_a_photo(written)
            _seed_follows(people)
            drafts = _draft_posts(company=company, people=people, rng=rng, now=timezone.now())
            _seed_posts(drafts)
    except BaseException:
        # Files are not transactional: take back the avatars of a rolled-back fill.
        for name in written:
            default_storage.delete(name)
        raise
    log.info("seeded demo tenant %s: %d people", company.slug, len(people))


# --- the org chart ----------------------------------------------------------------------------------


@dataclass
class Seat:
    """One planned person: where they sit and what they are."""

    path: tuple[str, ...]  # unit names below the company root; () is the root itself
    rank: int
    title: str
    heads: bool  # heads the unit at ``path``
    kind: str


def _leaves(org: Sequence[Unit]) -> list[tuple[Unit, ...]]:
    """Paths to every leaf, interleaved across divisions (first team of each division first), so a
    small company still gets several divisions rather than every team of the first one."""
    per_division: list[list[tuple[Unit, ...]]] = []
    for division in org:
        chains: list[list[tuple[Unit, ...]]] = []
        for department in division.children or (division,):
            if department is division:
                chains.append([(division,)])
            else:
                chains.append(
                    [(division, department, team) for team in department.children] or [(division, department)]
                )
        per_division.append(list(_round_robin(chains)))
    return list(_round_robin(per_division))


def _round_robin(lists: Sequence[Sequence[tuple[Unit, ...]]]) -> Iterator[tuple[Unit, ...]]:
    for i in range(max((len(items) for items in lists), default=0)):
        for items in lists:
            if i < len(items):
                yield items[i]


def _plan_org(org: Sequence[Unit], *, ladder: Ladder, people: int, rng: random.Random) -> list[Seat]:
    """Heads for every unit used, then members spread over the leaves by weight and the rank shares."""
    leaves = _leaves(org)
    per_leaf = 10 if len(leaves) > 12 else 6
    chosen = leaves[: max(2, min(len(leaves), round(people / per_leaf)))]
    leaf_paths = {tuple(u.name for u in chain) for chain in chosen}
    used = [
        (path, unit, len(path))
        for path, unit in _walk(org, ())
        if any(leaf[: len(path)] == path for leaf in leaf_paths)
    ]

    seats = [Seat(path=(), rank=ladder.ceo, title=ladder.ceo_title, heads=True, kind="exec")]
    divisions = 0
    for path, unit, depth in used:
        if depth == 1:
            rank = ladder.division_heads[divisions % len(ladder.division_heads)]
            divisions += 1
            kind = "exec"
        elif depth == 2:
            rank = ladder.department_head + (1 if unit.name in ladder.senior_departments else 0)
            kind = "exec" if unit.children else unit.kind
        else:
            rank = rng.choice(ladder.team_heads)
            kind = unit.kind
        seats.append(Seat(path=path, rank=rank, title=unit.head_title, heads=True, kind=kind))

    members = people - len(seats)
    if members < len(chosen):
        raise ValueError(
            f"{people} people are too few for a demo org; use at least {len(seats) + len(chosen)}."
        )
    counts = _apportion(members, [chain[-1].weight for chain in chosen])
    ranks = _rank_pool(members, ladder.members, rng)
    for chain, count in zip(chosen, counts, strict=True):
        leaf = chain[-1]
        for _ in range(count):
            seats.append(
                Seat(
                    path=tuple(u.name for u in chain),
                    rank=ranks.pop(),
                    title=leaf.member_title,
                    heads=False,
                    kind=leaf.kind,
                )
            )
    return seats


def _walk(units: Sequence[Unit], above: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Unit]]:
    """Every unit with its path of names, parents before children, in the order written."""
    for unit in units:
        path = (*above, unit.name)
        yield path, unit
        yield from _walk(unit.children, path)


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), at least one each."""
    base = [1] * len(weights)
    rest = total - len(weights)
    exact = [rest * w / sum(weights) for w in weights]
    counts = [b + int(x) for b, x in zip(base, exact, strict=True)]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _rank_pool(count: int, shares: Sequence[tuple[int, float]], rng: random.Random) -> list[int]:
    """``count`` rank levels in the given shares, shuffled (all juniors when too few for every level)."""
    if count < len(shares):
        return [shares[0][0]] * count
    counts = _apportion(count, [share for _, share in shares])
    pool = [level for (level, _), n in zip(shares, counts, strict=True) for _ in range(n)]
    rng.shuffle(pool)
    return pool


def _create_units(*, seats: Sequence[Seat]) -> dict[tuple[str, ...], OrgUnit]:
    root = OrgUnit.objects.get(parent__isnull=True)
    units: dict[tuple[str, ...], OrgUnit] = {(): root}
    for seat in seats:
        for depth in range(1, len(seat.path) + 1):
            path = seat.path[:depth]
            if path not in units:
                units[path] = unit_create(name=path[-1], parent=units[path[:-1]])
    return units


# --- people -----------------------------------------------------------------------------------------


@dataclass
class Person:
    employee: Employee
    path: tuple[str, ...]
    heads: bool
    kind: str


def _create_people(
    *,
    company: DemoCompany,
    seats: Sequence[Seat],
    units: dict[tuple[str, ...], OrgUnit],
    password_hash: str,
    rng: random.Random,
    written: list[str],
) -> list[Person]:
    template = company_settings().display_name_template
    names_of_ranks = rank_names()
    taken_usernames = {u.lower() for u in Employee.objects.values_list("username", flat=True)}
    taken_names: set[tuple[str, str]] = set()
    this_year = timezone.localdate().year
    people: list[Person] = []
    for seat in seats:
        family, given = _pick_name(company.locale, senior=seat.rank >= 4, rng=rng, taken=taken_names)
        family_latin = romanize_family_name(family)
        given_latin = romanize_given_name(given)
        handle = _free_handle(f"{_ascii(given_latin)}.{_ascii(family_latin)}", taken_usernames)
        name_latin = (
            f"{family_latin} {given_latin}" if company.locale == "ko" else f"{given_latin} {family_latin}"
        )
        employee = Employee(
            username=handle,
            email=f"{handle}@{company.email_domain}",
            family_name=family,
            given_name=given,
            name_latin=name_latin,
            unit=units[seat.path],
            rank_level=seat.rank,
            title=seat.title,
            role=Role.MEMBER,
            locale=company.locale,
            password=password_hash,
        )
        employee.display_name = render_display_name(employee, template=template, rank_names=names_of_ranks)
        # The year they joined, for the employee number: more senior people have been here longer.
        employee.employee_number = str(this_year - _years_of_service(seat.rank, rng))
        people.append(Person(employee=employee, path=seat.path, heads=seat.heads, kind=seat.kind))

    # Employee numbers read like Korean 사번: the year joined and an order within it ("20190042").
    joined: Counter[str] = Counter()
    for person in sorted(people, key=lambda p: (p.employee.employee_number, -p.employee.rank_level)):
        year = person.employee.employee_number
        joined[year] += 1
        person.employee.employee_number = f"{year}{joined[year]:04d}"

    for person in people:
        e = person.employee
        data = initials_avatar(family_name=e.family_name, given_name=e.given_name, name_latin=e.name_latin)
        name = default_storage.save(f"avatars/{e.pk}.png", ContentFile(data))
        written.append(name)
        e.photo.name = name
    Employee.objects.bulk_create([p.employee for p in people], batch_size=500)
    return people


def _years_of_service(rank: int, rng: random.Random) -> int:
    low, high = {1: (0, 3), 2: (2, 6), 3: (5, 10), 4: (8, 14), 5: (11, 20)}.get(rank, (15, 28))
    return rng.randint(low, high)


def _pick_name(
    locale: str, *, senior: bool, rng: random.Random, taken: set[tuple[str, str]]
) -> tuple[str, str]:
    """A (family, given) pair that is neither a colleague's nor a famous person's name."""
    for _ in range(200):
        if locale == "ko":
            family = rng.choices(KO_FAMILY_NAMES, weights=KO_FAMILY_WEIGHTS)[0]
            pools = (KO_GIVEN_OLDER if senior else KO_GIVEN_YOUNGER)[rng.randrange(2)]
            given = rng.choice(pools)
            famous = f"{family}{given}" in FAMOUS_KO
        else:
            family = rng.choice(EN_FAMILY_NAMES)
            given = rng.choice(EN_GIVEN_NAMES)
            famous = f"{given} {family}" in FAMOUS_EN
        if not famous and (family, given) not in taken:
            taken.add((family, given))
            return family, given
    raise RuntimeError("ran out of distinct demo names")


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _free_handle(base: str, taken: set[str]) -> str:
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate.lower())
    return candidate


def _give_admin_a_photo(written: list[str]) -> None:
    for admin in Employee.objects.filter(role=Role.ADMIN, photo=""):
        data = initials_avatar(
            family_name=admin.family_name, given_name=admin.given_name, name_latin=admin.name_latin
        )
        admin.photo.name = default_storage.save(f"avatars/{admin.pk}.png", ContentFile(data))
        written.append(admin.photo.name)
        admin.save(update_fields=["photo"])


# --- follows ----------------------------------------------------------------------------------------


def _seed_follows(people: Sequence[Person]) -> int:
    """Everyone follows the people of their own unit and the heads of every unit above them."""
    by_path: dict[tuple[str, ...], list[int]] = {}
    head_of: dict[tuple[str, ...], int] = {}
    for person in people:
        by_path.setdefault(person.path, []).append(person.employee.pk)
        if person.heads:
            head_of[person.path] = person.employee.pk
    # The first admin sits in the root unit with the CEO.
    for admin_id in Employee.objects.filter(role=Role.ADMIN, unit__parent__isnull=True).values_list(
        "id", flat=True
    ):
        by_path.setdefault((), []).append(admin_id)

    pairs: set[tuple[int, int]] = set()
    for path, members in by_path.items():
        chain = [head_of[path[:depth]] for depth in range(len(path)) if path[:depth] in head_of]
        for follower in members:
            pairs.update((follower, followee) for followee in (*members, *chain) if followee != follower)
    Follow.objects.bulk_create(
        [Follow(follower_id=a, followee_id=b) for a, b in sorted(pairs)],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(pairs)


# --- posts ------------------------------------------------------------------------------------------


@dataclass
class PostDraft:
    """A post as its author would write it; ``reply_to`` is the index of an earlier draft."""

    author: Employee
    text: str
    at: datetime
    language: str
    audience: str = Audience.COMPANY
    unit: OrgUnit | None = None
    reply_to: int | None = None


def _seed_posts(drafts: Sequence[PostDraft]) -> list[Post]:
    """Write the demo posts in time order through ``posts.services.post_create``, so they get what real
    posts get: rendered HTML, mentions, hashtags, thread ids, and fan-out and notifications after the
    commit. Backdated to the story's times (ids included, so they sort like their timestamps)."""
    from posts.services import post_create

    order = sorted(range(len(drafts)), key=lambda i: drafts[i].at)
    posts: dict[int, Post] = {}
    for i in order:
        draft = drafts[i]
        parent = posts[draft.reply_to] if draft.reply_to is not None else None
        posts[i] = post_create(
            author=draft.author,
            text=draft.text,
            language=draft.language,
            audience=draft.audience,
            unit_id=draft.unit.pk if draft.unit is not None else None,
            in_reply_to_id=parent.pk if parent is not None else None,
            created_at=draft.at,
        )
    return [posts[i] for i in order]


def _draft_posts(
    *, company: DemoCompany, people: Sequence[Person], rng: random.Random, now: datetime
) -> list[PostDraft]:
    """A week of chatter: announcements from the top, team talk, unit-only notes and replies."""
    topics = POST_TEXTS[company.locale]
    zone = ZoneInfo(company.time_zone)
    by_path: dict[tuple[str, ...], list[Person]] = {}
    for person in people:
        by_path.setdefault(person.path, []).append(person)
    executives = [p for p in people if p.kind == "exec"]
    staff = [p for p in people if p.kind != "exec"]

    n_replies = round(company.posts * 0.15)
    n_unit = round(company.posts * 0.15)
    n_exec = max(1, round(company.posts * 0.05))
    n_company = company.posts - n_replies - n_unit - n_exec

    drafts: list[PostDraft] = []

    def fill(text: str, author: Person) -> str | None:
        colleagues = [p for p in by_path.get(author.path, []) if p is not author] or [
            p for p in people if p.path[:1] == author.path[:1] and p is not author
        ]
        if "{mention}" in text and not colleagues:
            return None
        names = {
            "mention": rng.choice(colleagues).employee.username if colleagues else "",
            "team": author.path[-1] if author.path else company.name,
            "division": author.path[0] if author.path else company.name,
            "company": company.name,
        }
        return text.format(**names)

    def add(
        author: Person, pool: Sequence[str], *, audience: str = Audience.COMPANY, unit: OrgUnit | None = None
    ) -> None:
        for _ in range(10):
            text = fill(rng.choice(pool), author)
            if text is not None:
                drafts.append(
                    PostDraft(
                        author=author.employee,
                        text=text,
                        at=_working_time(rng, now, zone),
                        language=company.locale,
                        audience=audience,
                        unit=unit,
                    )
                )
                return

    for _ in range(n_exec):
        add(rng.choice(executives), topics["exec"])
    for _ in range(n_company):
        author = rng.choice(staff or executives)
        pool = topics["general"] if rng.random() < 0.45 else topics.get(author.kind, topics["general"])
        add(author, pool)
    for _ in range(n_unit):
        author = rng.choice(staff or executives)
        add(author, topics["unit"], audience=Audience.UNIT, unit=author.employee.unit)

    company_posts = [i for i, d in enumerate(drafts) if d.audience == Audience.COMPANY]
    for _ in range(n_replies):
        parent_index = rng.choice(company_posts)
        parent = drafts[parent_index]
        repliers = [p for p in people if p.employee is not parent.author]
        replier = rng.choice(repliers)
        at = _after(parent.at, now, rng)
        text = rng.choice(topics["reply"]).format(parent=parent.author.username)
        drafts.append(
            PostDraft(
                author=replier.employee, text=text, at=at, language=company.locale, reply_to=parent_index
            )
        )
    return drafts


def _working_time(rng: random.Random, now: datetime, zone: ZoneInfo) -> datetime:
    """A moment in the last week, mostly on weekday office hours in the company's time zone."""
    local_now = now.astimezone(zone)
    for _ in range(100):
        day = local_now.date() - timedelta(days=rng.randrange(POST_DAYS))
        if day.weekday() >= 5 and rng.random() < 0.85:
            continue
        minutes = rng.randint(8 * 60 + 30, 19 * 60 + 30)
        at = datetime(
            day.year, day.month, day.day, minutes // 60, minutes % 60, rng.randrange(60), tzinfo=zone
        )
        if at < local_now - timedelta(minutes=2):
            return at
    return local_now - timedelta(minutes=rng.randint(5, 6 * 60))


def _after(parent_at: datetime, now: datetime, rng: random.Random) -> datetime:
    at = parent_at + timedelta(minutes=rng.randint(3, 240))
    return at if at < now else parent_at + (now - parent_at) / 2


# --- demo sign-ins ------------------------------------------------------------------------------


def demo_logins(
    *, company: DemoCompany, url: str, password: str = DEMO_PASSWORD, check_admin: bool = True
) -> list[DemoLogin]:
    """Accounts worth signing in as, found in the tenant's data so a re-run prints the same list.

    ``check_admin=False`` when the demo onboarded the tenant itself and so knows the admin's password.
    """
    logins: list[DemoLogin] = []
    admin = Employee.objects.filter(email__iexact=company.admin_email).first()
    if admin is not None:
        # Someone may have onboarded the tenant before the demo did, with a password of their own.
        shown = password if not check_admin or admin.check_password(password) else "(set at onboarding)"
        logins.append(DemoLogin(url=url, login=admin.email, password=shown, who=ADMIN_WHO[company.locale]))
    org = ORG[company.locale]
    wanted = (
        # A junior in an engineering team, a team head in sales, and the head of a division.
        (
            Employee.objects.filter(unit__name__in=_leaf_names(org, "dev"), role=Role.MEMBER).order_by(
                "rank_level", "-employee_number"
            )
        ),
        Employee.objects.filter(unit__name__in=_leaf_names(org, "sales")).order_by(
            "-rank_level", "employee_number"
        ),
        Employee.objects.filter(unit__name__in=[d.name for d in org]).order_by(
            "-rank_level", "employee_number"
        ),
    )
    for query in wanted:
        person = query.select_related("unit").first()
        if person is not None and person.has_usable_password():
            who = f"{person.display_name} · {person.title} · {person.unit.name if person.unit else ''}"
            logins.append(DemoLogin(url=url, login=person.email, password=password, who=who))
    return logins


def _leaf_names(org: Sequence[Unit], kind: str) -> list[str]:
    return [chain[-1].name for chain in _leaves(org) if chain[-1].kind == kind]


# --- data -------------------------------------------------------------------------------------------

ADMIN_WHO = {"ko": "관리자 (테넌트 관리 콘솔)", "en": "tenant admin (admin console)"}

# fmt: off
KO_ORG: tuple[Unit, ...] = (
    Unit("경영지원본부", "본부장", children=(
        Unit("인사실", "실장", children=(
            Unit("인사팀", "팀장", "인사 담당"),
            Unit("교육문화팀", "팀장", "교육 담당", weight=0.7),
        )),
        Unit("재무실", "실장", children=(
            Unit("재무팀", "팀장", "재무 담당"),
            Unit("회계팀", "팀장", "회계 담당"),
        )),
        Unit("총무부", "부서장", children=(
            Unit("총무팀", "팀장", "총무 담당", weight=0.8),
            Unit("법무팀", "팀장", "변호사", weight=0.5),
        )),
    )),
    Unit("영업본부", "본부장", children=(
        Unit("국내영업부", "부서장", children=(
            Unit("영업1팀", "팀장", "영업 담당", "sales", 1.3),
            Unit("영업2팀", "팀장", "영업 담당", "sales", 1.2),
            Unit("영업3팀", "팀장", "영업 담당", "sales", 1.0),
        )),
        Unit("해외영업부", "부서장", children=(
            Unit("해외영업팀", "팀장", "해외영업 담당", "sales", 1.0),
            Unit("영업지원팀", "팀장", "영업관리 담당", "sales", 0.8),
        )),
    )),
    Unit("마케팅본부", "본부장", children=(
        Unit("마케팅실", "실장", children=(
            Unit("브랜드마케팅팀", "팀장", "마케터"),
            Unit("디지털마케팅팀", "팀장", "퍼포먼스 마케터"),
        )),
        Unit("고객경험실", "실장", children=(
            Unit("고객지원팀", "팀장", "고객 상담", weight=1.2),
            Unit("CX기획팀", "팀장", "서비스 기획자", weight=0.8),
        )),
    )),
    Unit("기술연구소", "연구소장", children=(
        Unit("플랫폼개발실", "실장", children=(
            Unit("플랫폼개발팀", "팀장", "백엔드 개발자", "dev", 1.5),
            Unit("백엔드개발팀", "팀장", "백엔드 개발자", "dev", 1.4),
            Unit("프론트엔드개발팀", "팀장", "프론트엔드 개발자", "dev", 1.3),
        )),
        Unit("데이터실", "실장", children=(
            Unit("데이터엔지니어링팀", "팀장", "데이터 엔지니어", "dev", 1.0),
            Unit("AI연구팀", "팀장", "연구원", "dev", 1.0),
        )),
        Unit("인프라실", "실장", children=(
            Unit("인프라운영팀", "팀장", "SRE 엔지니어", "dev", 1.0),
            Unit("정보보안팀", "팀장", "보안 엔지니어", "dev", 0.7),
        )),
    )),
    Unit("생산본부", "본부장", children=(
        Unit("생산기술부", "부서장", children=(
            Unit("생산1팀", "팀장", "생산 엔지니어", "ops", 1.3),
            Unit("품질관리팀", "팀장", "품질 엔지니어", "ops", 1.0),
        )),
        Unit("구매물류부", "부서장", children=(
            Unit("구매팀", "팀장", "구매 담당", "ops", 0.8),
            Unit("물류팀", "팀장", "물류 담당", "ops", 0.8),
        )),
    )),
)

EN_ORG: tuple[Unit, ...] = (
    Unit("Engineering", "Chief Technology Officer", children=(
        Unit("Product Engineering", "Director of Engineering", children=(
            Unit("Platform Team", "Engineering Manager", "Software Engineer", "dev", 1.4),
            Unit("Mobile Team", "Engineering Manager", "Mobile Engineer", "dev", 1.0),
        )),
        Unit("Infrastructure", "Head of Infrastructure", "Site Reliability Engineer", "dev", 0.8),
    )),
    Unit("Sales & Marketing", "Chief Revenue Officer", children=(
        Unit("Sales", "VP of Sales", children=(
            Unit("Enterprise Sales", "Sales Manager", "Account Executive", "sales", 1.2),
            Unit("Inside Sales", "Sales Manager", "Sales Development Rep", "sales", 1.0),
        )),
        Unit("Marketing", "Director of Marketing", "Marketing Specialist", "biz", 0.9),
    )),
    Unit("Operations", "Chief Operating Officer", children=(
        Unit("People", "Head of People", "People Partner", "biz", 0.7),
        Unit("Finance", "Controller", "Financial Analyst", "biz", 0.7),
    )),
)
# fmt: on

ORG = {"ko": KO_ORG, "en": EN_ORG}

LADDERS = {
    # 1 사원 2 대리 3 과장 4 차장 5 부장 6 상무 7 전무 8 부사장 9 사장
    "ko": Ladder(
        ceo=9,
        ceo_title="대표이사",
        division_heads=(8, 7, 7, 6, 6),
        department_head=5,
        senior_departments=frozenset({"재무실", "플랫폼개발실"}),
        team_heads=(4, 5),
        members=((1, 0.38), (2, 0.30), (3, 0.24), (4, 0.08)),
    ),
    # 1 Associate 2 Senior Associate 3 Manager 4 Senior Manager 5 Director … 9 President
    "en": Ladder(
        ceo=9,
        ceo_title="Chief Executive Officer",
        division_heads=(8, 7, 7),
        department_head=5,
        senior_departments=frozenset({"Sales"}),
        team_heads=(3, 4),
        members=((1, 0.45), (2, 0.35), (3, 0.20)),
    ),
}


def _words(text: str) -> list[str]:
    return text.split()


# Family names with their shares of the population in tenths of a percent (Statistics Korea, 2015).
_KO_FAMILY = _words("""
    김:215 이:147 박:84 최:47 정:43 강:24 조:21 윤:21 장:20 임:17 한:15 오:15 서:15 신:15 권:14 황:14
    안:13 송:13 전:11 홍:11 유:11 고:9 문:9 양:9 손:9 배:8 백:7 허:6 남:6 심:5 노:4 하:4 곽:4 성:4 차:4
    주:4 우:4 구:4 민:3 류:3 나:3 진:3 지:3 엄:3 채:3 원:3 천:2 방:2 공:2 현:2 함:2 변:2 염:2 여:2 추:2
    도:2 석:1 설:1 남궁:1 황보:1
""")
KO_FAMILY_NAMES = [pair.partition(":")[0] for pair in _KO_FAMILY]
KO_FAMILY_WEIGHTS = [int(pair.partition(":")[2]) for pair in _KO_FAMILY]
# Given names common among people born 1965-1980 (senior staff) and 1985-2001 (juniors): men, women.
KO_GIVEN_OLDER = (
    _words("""
    영수 영호 성호 정훈 상훈 성진 병철 광수 영철 기현 동훈 재훈 성훈 종현 상현 준호 민수 형준 석진 용준
    창민 태호 승철 진호
"""),
    _words("""
    미영 은정 지영 미경 현정 선영 경희 영희 순영 미숙 정희 수정 은영 혜진 미진 연주 은주 정은 윤정 소영
    미란 혜경 선희 경아
"""),
)
KO_GIVEN_YOUNGER = (
    _words("""
    지훈 현우 동현 재현 준영 민재 승현 현준 도현 지호 태현 우진 진우 민석 동욱 준혁 상우 경민 재원 현수
    승민 대현 정우 건우 승우 태민 준서 윤호 주원 한결 민규 세훈 진혁 성민
"""),
    _words("""
    수진 지현 민정 지은 수연 유진 지혜 은지 수빈 예진 서연 하은 다은 혜원 보람 아름 슬기 나래 은비 세영
    가영 주희 혜인 지수 서영 예린 채원 소연 다인 하린 유나 은서
"""),
)
# Celebrities and public figures whose names the generator could otherwise produce.
FAMOUS_KO = frozenset(
    _words("""
    이지은 이민호 김민지 박지훈 김지원 김민재 이민정 김태희 김수현 박보검 이승기 정해인 유재석 강동원
    이정재 박서준 손예진 한지민 김혜수 김고은 이영애 김연아 박지성 손흥민 류현진 김연경 송강호 황정민
    하정우 조인성 정우성 김희선 한효주 신민아 이강인 황희찬 이효리 이상민 김종국 김동현 이재명 윤석열
    문재인 김정은 이명박 박근혜 김은영 박지현 김유정 김소현 한지현 김세정 이승현 정은지 김지수 박정민
    이수진 김현우
""")
)
EN_GIVEN_NAMES = _words("""
    James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
    Joseph Jessica Thomas Sarah Christopher Karen Daniel Lisa Matthew Nancy Anthony Emily Andrew
    Michelle Kevin Amanda Brian Melissa Ryan Stephanie Priya Wei Carlos Aisha Mateo Sofia Omar Hannah
    Ethan Olivia Noah Grace Lucas Chloe Kenji Fatima Diego Ava
""")
EN_FAMILY_NAMES = _words("""
    Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
    Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
    Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
    Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Chen Singh Cohen Murphy O'Brien
""")
# fmt: off
FAMOUS_EN = frozenset({
    "Michael Jordan", "Michael Jackson", "James Brown", "John Williams", "Jennifer Lopez", "Kevin Hart",
    "Chris Brown", "Elizabeth Taylor", "James Taylor", "Robert Smith", "Will Smith", "Tom Jones",
    "Michael Moore", "David Allen", "John Lewis", "Brian Wilson", "Andrew Scott", "Carlos Santana",
})
# fmt: on

POST_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "ko": {
        "general": (
            "#점심 오늘 회사 앞에 새로 생긴 칼국수집 가보실 분 계신가요? 11시 50분에 1층 로비에서 만나요",
            "#점심 {team} 오늘 점심은 김치찌개로 정했습니다 🍲 @{mention} 님도 같이 가요",
            "#점심 비 오는 날엔 역시 수제비죠. 추천 맛집 있으면 알려주세요",
            "오늘 #주간회의 자료 공유드립니다. 지난주 액션 아이템 진행 상황 확인 부탁드려요 @{mention}",
            "#회의록 {team} 주간회의: 1) 지난주 이슈 리뷰 2) 이번 주 우선순위 3) 다음 회의 목요일 10시",
            "#회의록 분기 목표 리뷰 회의 내용 공유 폴더에 올려두었습니다. 의견 있으시면 댓글로 남겨주세요",
            "금요일 오후 #워크숍 장소가 3층 대회의실로 변경되었습니다. 착오 없으시길 바랍니다",
            "사내 러닝 동호회에서 토요일 아침 한강 5km 같이 뛰실 분 모집합니다 #사내동호회 🏃",
            "퇴근 후 #회식 참석 여부 오늘 3시까지 알려주세요 @{mention}",
            "{team}에 새로 합류하신 @{mention} 님 환영합니다! 👏 #온보딩",
            "#교육 정보보안 의무교육 마감이 이번 주 금요일입니다. 아직 못 들으신 분들은 꼭 수강해주세요",
            "9층 커피 머신 수리 완료되었다고 합니다 ☕ 다들 오늘도 힘내세요",
            "@{mention} 님 어제 도와주셔서 감사합니다. 덕분에 일정 맞췄어요 🙏",
            "#금요일 한 주 동안 고생 많으셨습니다. 주말 잘 보내세요!",
            "새 사원증 발급 신청은 인트라넷에서 하시면 된다고 합니다. 분실하신 분들 참고하세요",
            "사내 도서관에 신간이 들어왔네요. 『데이터 중심 애플리케이션 설계』 먼저 빌려갑니다 📚",
        ),
        "dev": (
            "#release_2 스테이징 배포 완료했습니다. QA 부탁드립니다 @{mention}",
            "#release_2 릴리스 노트 초안 공유드립니다. 빠진 변경 사항 있으면 알려주세요",
            "#코드리뷰 오늘 중으로 PR 리뷰 부탁드립니다. 결제 모듈 리팩터링 건입니다 @{mention}",
            "#장애대응 14:20~14:35 API 응답 지연, 지금은 정상입니다. 원인은 DB 커넥션 풀 고갈 (회고는 내일)",
            "오늘 배포는 17시 이후로 미룹니다. #release_2 체크리스트 마지막 항목 확인 중입니다",
            "{team} 테스트 커버리지 80% 넘었습니다 🎉 모두 고생하셨어요",
            "모니터링 대시보드 새로 만들었습니다. 피드백 환영합니다 @{mention}",
            "#코드리뷰 리뷰 코멘트 반영했습니다. 다시 한번 봐주세요 @{mention}",
            "로컬 개발 환경 세팅 문서 업데이트했습니다. 신규 입사자분들 참고하세요 #온보딩",
        ),
        "sales": (
            "#고객사방문 오늘 오후 판교 고객사 미팅 다녀왔습니다. 하반기 추가 계약 분위기 좋습니다",
            "#분기실적 {team} 이번 분기 목표 대비 112% 달성했습니다! 모두 감사합니다",
            "#출장 다음 주 부산 출장 일정 공유드립니다. 화~목 고객사 세 곳 방문 예정입니다",
            "제안서 최종본 공유드립니다. 가격 조건 검토 부탁드립니다 @{mention}",
            "#고객사방문 내일 오전 고객사 담당자분들이 본사에 오십니다. 1층 접견실 예약해두었습니다",
        ),
        "biz": (
            "#채용 {division}에서 경력직 채용 진행 중입니다. 주변에 좋은 분 계시면 추천 부탁드립니다",
            "#공지 법인카드 사용 내역 정산 마감은 매월 5일입니다",
            "#공지 사내 건강검진 예약이 시작되었습니다. 인트라넷에서 신청해주세요",
            "#교육 신입사원 멘토링 프로그램 멘토 신청 받습니다 @{mention}",
            "#공지 연차 사용 계획서 제출 기한이 이번 주 금요일입니다",
        ),
        "ops": (
            "#공지 생산 라인 정기 점검이 목요일 오전에 있습니다. 협조 부탁드립니다",
            "#회의록 품질 개선 회의 결과 공유드립니다. 불량률 0.8% → 0.5% 목표입니다",
            "물류센터 출고 일정 조정되었습니다. 자세한 내용은 @{mention} 님께 문의해주세요",
            "#출장 협력사 공장 실사 다녀왔습니다. 개선 요청 사항 정리해서 공유드릴게요",
        ),
        "exec": (
            "#공지 {company} 하반기 전략회의를 다음 주 수요일에 합니다. 본부장님들은 자료 준비 부탁드립니다",
            "#분기실적 3분기 실적이 목표를 웃돌았습니다. 모든 임직원 여러분의 노고에 감사드립니다",
            "{division} 여러분, 신규 프로젝트 킥오프 축하드립니다. 좋은 결과 기대하겠습니다",
            "#공지 다음 달 전사 타운홀 미팅에서 내년 사업 방향을 공유드리겠습니다. 미리 질문 받습니다",
        ),
        "unit": (
            "[{team} 공지] 내일 #주간회의 는 10시에 3층 소회의실에서 진행합니다",
            "[{team}] 이번 주 휴가 일정 공유 시트 업데이트 부탁드립니다 @{mention}",
            "[{team}] 분기 평가 면담 일정 잡아드렸습니다. 캘린더 확인해주세요",
            "[{team}] #회의록 킥오프 회의 내용 정리해서 공유 폴더에 올렸습니다",
            "[{team}] 다음 주 월요일 #주간회의 는 화요일로 미뤄집니다",
        ),
        "reply": (
            "@{parent} 좋습니다! 저도 참석할게요",
            "@{parent} 확인했습니다. 감사합니다 🙏",
            "@{parent} 수고 많으셨습니다!",
            "@{parent} 오 저도 같이 가요",
            "@{parent} 자료 잘 봤습니다. 두 번째 항목은 제가 맡을게요",
            "@{parent} 혹시 회의실 예약은 되어 있나요?",
        ),
    },
    "en": {
        "general": (
            "#lunch Anyone up for the new ramen place on 5th? Meeting in the lobby at 12:15",
            "#lunch {team} is doing tacos today 🌮 @{mention} you in?",
            "Slides for today's #standup are in the shared drive. @{mention} can you add the blockers?",
            "#meetingnotes {team} weekly: 1) last week's incidents 2) priorities 3) next sync Thursday 10am",
            "Friday #allhands moved to the big conference room on 3 — see you there",
            "Running club is doing a 5k by the river on Saturday morning, all paces welcome 🏃",
            "Welcome to {team}, @{mention}! 👋 #onboarding",
            "Thanks @{mention} for jumping on that yesterday — saved the deadline 🙏",
            "Reminder: security awareness training is due Friday #training",
            "The coffee machine on 4 is fixed ☕ Carry on.",
            "Happy Friday everyone, have a great weekend!",
        ),
        "dev": (
            "#release_2 is on staging. QA please take a look @{mention}",
            "Draft #release_2 notes are up — shout if I missed your change",
            "#codereview Could someone review the billing refactor PR today? @{mention}",
            "#incident API latency spike 14:20–14:35, resolved: pool exhaustion. Postmortem tomorrow",
            "{team} just crossed 80% test coverage 🎉",
            "New on-call dashboard is live, feedback welcome @{mention}",
        ),
        "sales": (
            "#customervisit Great meeting with the Springfield team today — expansion looks likely",
            "#quarterly {team} closed the quarter at 112% of target. Thank you all!",
            "Final proposal deck is in the drive, please check the pricing page @{mention}",
            "Heading to Chicago next week for three customer visits #travel",
        ),
        "biz": (
            "#hiring {division} is hiring — referrals very welcome",
            "Expense reports for last month are due on the 5th",
            "Open enrollment for benefits closes next Friday #announcement",
            "Mentors wanted for the new-hire buddy program @{mention}",
        ),
        "exec": (
            "#announcement {company} strategy offsite is next Wednesday. Division heads, bring your plans",
            "#quarterly Q3 came in above plan. Thank you, everyone, for the hard work",
            "Congrats {division} on kicking off the new project — looking forward to the results",
        ),
        "unit": (
            "[{team}] Tomorrow's #standup is at 10 in room 3B",
            "[{team}] Please update the PTO sheet for next week @{mention}",
            "[{team}] Review 1:1s are on your calendars",
            "[{team}] #meetingnotes from the kickoff are in the team folder",
        ),
        "reply": (
            "@{parent} Count me in!",
            "@{parent} Got it, thanks 🙏",
            "@{parent} Nice work!",
            "@{parent} I'll take the second item",
            "@{parent} Is the room booked?",
        ),
    },
}
