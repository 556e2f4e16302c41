"""The big tenant the timeline, search and web benchmarks run on: 7,000 employees, 1,000,000 posts.

Run on demand, never in the test suite (bench/README.md):

    PYTHONPATH=.:platform .venv/bin/python bench/data.py [--database-url URL] [--redis-url URL]

Defaults: DATABASE_URL or postgres://postgres@127.0.0.1:5432/bt_bench_big, REDIS_URL or
redis://127.0.0.1:6379/13. The database is created if missing and migrated; the tenant is onboarded
through the real service (``tenants.services.tenant_onboard``, slug ``bench``, host ``bench.<BASE_DOMAIN>``,
Korean) and then filled in bulk with PostgreSQL COPY, in ONE transaction, so an interrupted run leaves
only the onboarded tenant and the next run fills it again. Idempotent: a filled tenant is left as it is,
and only its Redis feeds are rebuilt if Redis lost them.

What it writes, shaped like a real company:

- an org tree (본부 → 실 → 팀, ~190 teams of ~36) and 7,000 employees on the tenant's 사원…사장 ladder;
- follows: everyone follows their own team, a few executives, and colleagues, ~150 in all; the
  executives (EXECUTIVES) are followed by everyone, so the timelines merge them in at read time; a
  few-follows group (FEW_FOLLOWS people) follows only 3–5 quiet colleagues who post almost never,
  the naive fan-out-on-read query's worst case;
- 1,000,000 posts over DAYS days in Korean and English with hashtags (Hangul and Latin) and mentions;
  audiences mostly company, some unit, followers and direct, a few with ``min_rank`` or unlisted;
  replies (threads), reposts;
- the derived data the product keeps: ``content_html`` rendered by ``posts.text.render``, Mention,
  Hashtag and PostHashtag rows from ``posts.text.parse``, ``thread_id``, ``fanout_state = done``;
- Redis home feeds for everyone, equal to what ``timelines.services.feed_rebuild`` writes (computed in
  bulk from memory; a sample is checked against ``followed_post_ids``), with
  ``zset-max-listpack-entries 512`` set on the Redis first so every capped feed is a listpack;
- an OAuth app and one bearer token per employee, ``bench-<employee id>`` (see ``token_for``), with
  scopes ``read write follow``, so load generators can act as anyone.

Every employee's password is BENCH_PASSWORD.
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bt_bench_big"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
# bench/streaming.py's own tenant (10,000 employees with one stream each), shared by its companions.
STREAM_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bt_bench_stream"
STREAM_REDIS_URL = "redis://127.0.0.1:6379/2"
SLUG = "bench"
EMPLOYEES = 7_000
POSTS = 1_000_000
DAYS = 120
EXECUTIVES = 5
FEW_FOLLOWS = 140
QUIET = 300
FOLLOWS_TARGET = 150
BENCH_PASSWORD = "bench-password-1"
SEED = 7


def service_arguments(
    parser: argparse.ArgumentParser,
    database_url: str = DEFAULT_DATABASE_URL,
    redis_url: str = DEFAULT_REDIS_URL,
) -> None:
    """--database-url and --redis-url, defaulting to DATABASE_URL/REDIS_URL, else the given ones."""
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or database_url)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or redis_url)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile, nearest rank (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def bench_tenant() -> tuple[Any, Any]:
    """The bench tenant and a test client for its host, the connection left in the public schema
    (the tenant middleware chooses the schema per request)."""
    from django.db import connection
    from django.test import Client

    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug=SLUG)
    connection.set_schema_to_public()
    return tenant, Client(HTTP_HOST=tenant.get_primary_domain().domain)


def token_holders() -> Any:
    """The active employees ``token_for`` works for: everyone data.py wrote, not the tenant's
    onboarding admin (whose requests would be 401s in a benchmark's mix)."""
    from oauth2_provider.models import AccessToken

    from directory.models import Employee

    bench_tokens = AccessToken.objects.filter(application__name="bench").values("user_id")
    return Employee.objects.filter(is_active=True, pk__in=bench_tokens)


def token_for(employee_id: int) -> str:
    """The bearer token data.py gives each employee of the bench tenant."""
    return f"bench-{employee_id}"


# --- set-up -------------------------------------------------------------------------------------------


def ensure_database(url: str) -> bool:
    """Create a bench script's database if missing. Returns True when it had to."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def setup_django(database_url: str, redis_url: str | None = None) -> None:
    """Django on the bench's own database (and Redis, when given); shared by every bench script."""
    # env.py reads the environment once, at import: the URLs must be in place before Django starts.
    os.environ["DATABASE_URL"] = database_url
    if redis_url is not None:
        os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biztweet.settings")
    # Run as a script, bench/ heads sys.path, and bench/search.py or bench/timelines.py would shadow the
    # apps of the same name: the import roots go first, bench/ last.
    bench = ROOT / "bench"
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != bench]
    for path in (ROOT / "platform", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    sys.path.append(str(bench))
    import django

    django.setup()


class Clock:
    """Named step timings, printed as they finish."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.started = time.perf_counter()
        self._last = self.started

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = now - self._last
        self._last = now
        print(f"  {name}: {self.steps[name]:.1f} s", file=sys.stderr, flush=True)

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started


# --- the company ----------------------------------------------------------------------------------------

DIVISIONS = ["경영지원본부", "영업본부", "기술본부", "생산본부", "마케팅본부", "연구소"]
DEPARTMENTS = ["1실", "2실", "3실", "4실"]
TEAMS = ["1팀", "2팀", "3팀", "4팀", "5팀", "6팀", "7팀", "8팀"]
# People who head nothing: (rank level, share).
MEMBER_RANKS = ((1, 0.34), (2, 0.26), (3, 0.2), (4, 0.12), (5, 0.08))


@dataclass
class Person:
    id: int
    username: str
    family: str
    given: str
    name_latin: str
    unit_id: int
    unit_path: str
    team_index: int
    division_index: int
    rank: int
    title: str
    locale: str
    weight: float = 1.0
    kind: str = "member"  # member, executive, quiet, few
    follows: set[int] = field(default_factory=set)


@dataclass
class Org:
    root_id: int
    teams: list[tuple[int, str, int]]  # (unit id, path, division index)
    departments: list[tuple[int, str]]
    divisions: list[tuple[int, str]]


def create_org() -> Org:
    from directory.models import OrgUnit
    from directory.services import unit_create

    root = OrgUnit.objects.get(parent__isnull=True)
    teams: list[tuple[int, str, int]] = []
    departments: list[tuple[int, str]] = []
    divisions: list[tuple[int, str]] = []
    for d_index, division_name in enumerate(DIVISIONS):
        division = unit_create(name=division_name, parent=root)
        divisions.append((division.pk, division.path))
        for department_name in DEPARTMENTS:
            department = unit_create(name=f"{division_name[:-2]}{department_name}", parent=division)
            departments.append((department.pk, department.path))
            for team_name in TEAMS:
                team = unit_create(name=f"{department.name} {team_name}", parent=department)
                teams.append((team.pk, team.path, d_index))
    return Org(root_id=root.pk, teams=teams, departments=departments, divisions=divisions)


def plan_people(org: Org, rng: random.Random) -> list[Person]:
    from common import snowflake
    from directory.demo import (
        EN_FAMILY_NAMES,
        EN_GIVEN_NAMES,
        KO_FAMILY_NAMES,
        KO_FAMILY_WEIGHTS,
        KO_GIVEN_OLDER,
        KO_GIVEN_YOUNGER,
    )
    from directory.romanize import romanize_family_name, romanize_given_name

    people: list[Person] = []
    taken: set[str] = set()

    def person(unit: tuple[int, str, int], team_index: int, rank: int, title: str) -> Person:
        english = rng.random() < 0.06
        if english:
            family, given = rng.choice(EN_FAMILY_NAMES), rng.choice(EN_GIVEN_NAMES)
            latin, locale = f"{given} {family}", "en"
            base = f"{given}.{family}".lower().replace("'", "")
        else:
            family = rng.choices(KO_FAMILY_NAMES, KO_FAMILY_WEIGHTS)[0]
            pool = KO_GIVEN_OLDER if rank >= 5 else KO_GIVEN_YOUNGER
            given = rng.choice(pool[rng.randrange(2)])
            latin_family, latin_given = romanize_family_name(family), romanize_given_name(given)
            latin, locale = f"{latin_given} {latin_family}", "ko"
            base = f"{latin_given.replace('-', '')}.{latin_family}".lower()
        username, n = base, 1
        while username in taken:
            n += 1
            username = f"{base}{n}"
        taken.add(username)
        p = Person(
            id=snowflake.generate(),
            username=username,
            family=family,
            given=given,
            name_latin=latin,
            unit_id=unit[0],
            unit_path=unit[1],
            team_index=team_index,
            division_index=unit[2],
            rank=rank,
            title=title,
            locale=locale,
            weight=rng.lognormvariate(0, 0.9),
        )
        people.append(p)
        return p

    # Executives sit in the root and the division units: everyone follows them.
    root_seat = (org.root_id, f"/{org.root_id}/", -1)
    person(root_seat, -1, 9, "대표이사").kind = "executive"
    for i, (division_id, path) in enumerate(org.divisions[: EXECUTIVES - 1]):
        person((division_id, path, i), -1, 8 if i < 2 else 7, "본부장").kind = "executive"
    per_team = (EMPLOYEES - len(people)) // len(org.teams)
    extra = (EMPLOYEES - len(people)) - per_team * len(org.teams)
    ranks = [level for level, _ in MEMBER_RANKS]
    shares = [share for _, share in MEMBER_RANKS]
    for t_index, team in enumerate(org.teams):
        size = per_team + (1 if t_index < extra else 0)
        person(team, t_index, 5, "팀장")
        for _ in range(size - 1):
            person(team, t_index, rng.choices(ranks, shares)[0], "")
    members = [p for p in people if p.kind == "member" and p.title != "팀장"]
    rng.shuffle(members)
    for p in members[:QUIET]:
        p.kind, p.weight = "quiet", 0.0
    for p in members[QUIET : QUIET + FEW_FOLLOWS]:
        p.kind = "few"
    return people


def plan_follows(people: list[Person], rng: random.Random) -> int:
    executives = [p.id for p in people if p.kind == "executive"]
    quiet = [p.id for p in people if p.kind == "quiet"]
    by_team: dict[int, list[int]] = defaultdict(list)
    by_division: dict[int, list[int]] = defaultdict(list)
    for p in people:
        by_team[p.team_index].append(p.id)
        by_division[p.division_index].append(p.id)
    everyone = [p.id for p in people]
    total = 0
    for p in people:
        if p.kind == "few":
            p.follows = set(rng.sample(quiet, rng.randint(3, 5)))
        else:
            wanted = set(executives)
            if p.team_index >= 0:
                wanted.update(by_team[p.team_index])
            target = max(40, int(rng.gauss(FOLLOWS_TARGET, 25)))
            division = by_division[p.division_index]
            while len(wanted) < target:
                pool = division if rng.random() < 0.6 else everyone
                wanted.add(pool[rng.randrange(len(pool))])
            p.follows = wanted
        p.follows.discard(p.id)
        total += len(p.follows)
    return total


# --- what people write ---------------------------------------------------------------------------------

KO_TAGS = [
    "점심",
    "회의록",
    "주간보고",
    "공지",
    "신제품",
    "출장",
    "교육",
    "채용",
    "워크숍",
    "야근",
    "OKR",
    "분기실적",
]
EN_TAGS = ["release_2", "standup", "oncall", "hiring", "launch", "retro", "design", "security", "Q3", "demo"]
KO_LINES = [
    "오늘 {topic} 관련 회의 정리했습니다. 다들 확인 부탁드려요",
    "{topic} 일정이 다음 주로 조정되었습니다",
    "{topic} 자료 공유드립니다. 의견 주시면 반영하겠습니다",
    "점심 같이 하실 분? 회사 앞 새로 생긴 국밥집 가봐요",
    "이번 분기 {topic} 목표 달성했습니다! 모두 고생 많으셨습니다",
    "{topic} 건으로 고객사 미팅 다녀왔습니다. 반응이 좋았어요",
    "내일 오전 {topic} 리뷰 있습니다. 10시 대회의실",
    "{topic} 문서 업데이트했습니다. 변경 사항은 댓글로 남겨주세요",
    "주말 잘 보내세요! 다음 주 {topic} 준비 화이팅",
    "신입사원 분들 환영합니다 {topic} 교육은 3층에서 진행됩니다",
]
EN_LINES = [
    "Notes from today's {topic} sync are up, please take a look",
    "Heads up: {topic} moves to next week",
    "Shipped the first cut of {topic}. Feedback welcome!",
    "Anyone up for lunch? Trying the new place downstairs",
    "Great work on {topic} this quarter, everyone",
    "Reviewing {topic} tomorrow at 10 in the big room",
    "Updated the {topic} doc with the latest numbers",
]
KO_TOPICS = [
    "신규 서비스",
    "예산",
    "채용",
    "보안 점검",
    "고객 만족도",
    "물류",
    "마케팅 캠페인",
    "시스템 이전",
    "품질 개선",
]
EN_TOPICS = ["the roadmap", "the budget", "onboarding", "the migration", "pricing", "the launch", "the audit"]
KO_REPLIES = [
    "확인했습니다 감사합니다",
    "좋네요! 저도 참여할게요",
    "자료 잘 봤습니다",
    "수고 많으셨습니다",
    "일정 확인 부탁드려요",
]
EN_REPLIES = ["Thanks, looks good", "Count me in", "Great news!", "Will take a look today", "+1"]


def compose(rng: random.Random, author: Person, colleagues: list[Person], *, reply_to: Person | None) -> str:
    english = author.locale == "en" or rng.random() < 0.2
    parts: list[str] = []
    if reply_to is not None:
        parts.append(f"@{reply_to.username}")
        parts.append(rng.choice(EN_REPLIES if english else KO_REPLIES))
    else:
        line = rng.choice(EN_LINES if english else KO_LINES)
        parts.append(line.format(topic=rng.choice(EN_TOPICS if english else KO_TOPICS)))
        if rng.random() < 0.2:
            for c in rng.sample(colleagues, min(len(colleagues), rng.randint(1, 2))):
                parts.append(f"@{c.username}")
    if rng.random() < 0.45:
        for tag in rng.sample(KO_TAGS + EN_TAGS, rng.randint(1, 2)):
            parts.append(f"#{tag}")
    return " ".join(parts)


@dataclass
class Generated:
    posts: list[tuple[Any, ...]]
    mentions: list[tuple[int, int]]
    post_tags: list[tuple[int, str]]
    tag_display: dict[str, str]
    by_author: dict[int, list[int]]


POST_COLUMNS = (
    "id",
    "author_id",
    "text",
    "content_html",
    "spoiler_text",
    "sensitive",
    "language",
    "audience",
    "unlisted",
    "unit_id",
    "min_rank",
    "in_reply_to_id",
    "in_reply_to_account_id",
    "thread_id",
    "reblog_of_id",
    "created_at",
    "fanout_state",
)


def plan_posts(people: list[Person], rng: random.Random, base_url: str, now: datetime) -> Generated:
    from posts import text as text_lib

    by_username = {p.username.lower(): p for p in people}
    by_team: dict[int, list[Person]] = defaultdict(list)
    for p in people:
        by_team[p.team_index].append(p)
    weights = [(30.0 if p.kind == "executive" else 0.0 if p.kind == "quiet" else p.weight) for p in people]
    authors = rng.choices(people, weights, k=POSTS - QUIET * 2)
    authors += [p for p in people if p.kind == "quiet" for _ in range(2)]
    rng.shuffle(authors)
    start_ms = int((now - timedelta(days=DAYS)).timestamp() * 1000)
    span_ms = DAYS * 86_400_000 - 60_000  # the newest post a minute old
    stamps = sorted(rng.randrange(span_ms) for _ in range(len(authors)))
    ids: list[int] = []
    used: set[int] = set()
    for offset in stamps:
        pk = ((start_ms + offset) << 16) | rng.randrange(1 << 16)
        while pk in used:
            pk += 1
        used.add(pk)
        ids.append(pk)

    out = Generated(posts=[], mentions=[], post_tags=[], tag_display={}, by_author=defaultdict(list))
    recent: list[tuple[int, Person, int]] = []  # (post id, author, thread id): company originals
    reblogged: set[tuple[int, int]] = set()
    ancestors_cache: dict[int, list[int]] = {}

    def mentionable(segment: text_lib.Segment) -> str | None:
        found = by_username.get(segment.value.lower())
        return found.username if found and not segment.host else None

    for pk, author in zip(ids, authors, strict=True):
        created = datetime.fromtimestamp((pk >> 16) / 1000, tz=UTC)
        roll = rng.random()
        reply_to = reblog = None
        if recent and roll < 0.04:
            target = recent[rng.randrange(max(0, len(recent) - 500), len(recent))]
            if target[1].id != author.id and (author.id, target[0]) not in reblogged:
                reblogged.add((author.id, target[0]))
                reblog = target
        elif recent and roll < 0.18:
            reply_to = recent[rng.randrange(max(0, len(recent) - 300), len(recent))]
        if reblog is not None:
            out.posts.append(
                (
                    pk,
                    author.id,
                    "",
                    "",
                    "",
                    False,
                    "",
                    "company",
                    False,
                    None,
                    None,
                    None,
                    None,
                    None,
                    reblog[0],
                    created,
                    "done",
                )
            )
            out.by_author[author.id].append(pk)
            continue
        team = by_team[author.team_index] if author.team_index >= 0 else people[:EXECUTIVES]
        text = compose(rng, author, team, reply_to=reply_to[1] if reply_to else None)
        parsed = text_lib.parse(text)
        html = text_lib.render(text, base_url=base_url, mentionable=mentionable, parsed=parsed)
        mentioned = {
            by_username[s.value.lower()].id
            for s in parsed.segments
            if s.kind == "mention" and mentionable(s) is not None
        }
        audience, unit_id, min_rank, unlisted = "company", None, None, False
        if reply_to is None:
            a = rng.random()
            if a < 0.07:
                audience = "unit"
                if author.unit_id not in ancestors_cache:
                    ancestors_cache[author.unit_id] = [int(x) for x in author.unit_path.strip("/").split("/")]
                chain = ancestors_cache[author.unit_id]
                unit_id = chain[-1] if rng.random() < 0.7 or len(chain) < 2 else chain[-2]
            elif a < 0.12:
                audience = "followers"
            elif a < 0.14 and mentioned:
                audience = "direct"
            elif a < 0.16:
                unlisted = True
            if audience in ("company", "unit") and rng.random() < 0.04:
                min_rank = rng.randint(3, 6)
        thread_id = reply_to[2] if reply_to else pk
        language = "en" if text.isascii() else "ko"
        out.posts.append(
            (
                pk,
                author.id,
                text,
                html,
                "",
                False,
                language,
                audience,
                unlisted,
                unit_id,
                min_rank,
                reply_to[0] if reply_to else None,
                reply_to[1].id if reply_to else None,
                thread_id,
                None,
                created,
                "done",
            )
        )
        out.by_author[author.id].append(pk)
        out.mentions.extend((pk, m) for m in mentioned)
        for tag in dict.fromkeys(text_lib.normalise_tag(t) for t in parsed.tags):
            out.post_tags.append((pk, tag))
        for t in parsed.tags:
            out.tag_display.setdefault(text_lib.normalise_tag(t), t)
        if audience == "company" and not unlisted and min_rank is None and reply_to is None:
            recent.append((pk, author, thread_id))
            if len(recent) > 5000:
                del recent[:1000]
    return out


# --- writing ----------------------------------------------------------------------------------------------


def copy_rows(
    cursor: Any, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]] | list
) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def write_people(cursor: Any, people: list[Person], now: datetime) -> None:
    from django.contrib.auth.hashers import make_password

    from directory.models import Employee
    from directory.services import company_settings, rank_names, render_display_name

    password = make_password(BENCH_PASSWORD)
    template = company_settings().display_name_template
    names = rank_names()
    rows = []
    for p in people:
        shell = Employee(
            username=p.username, family_name=p.family, given_name=p.given, rank_level=p.rank, title=p.title
        )
        shell.locale = p.locale
        display = render_display_name(shell, template=template, rank_names=names)
        rows.append(
            (
                password,
                None,
                False,
                p.id,
                p.username,
                f"{p.username}@bench.example",
                p.family,
                p.given,
                display,
                p.name_latin,
                p.rank,
                p.title,
                "",
                "",
                "",
                "member",
                p.locale,
                True,
                False,
                now,
                p.unit_id,
            )
        )
    copy_rows(
        cursor,
        "directory_employee",
        (
            "password",
            "last_login",
            "is_superuser",
            "id",
            "username",
            "email",
            "family_name",
            "given_name",
            "display_name",
            "name_latin",
            "rank_level",
            "title",
            "bio",
            "employee_number",
            "photo",
            "role",
            "locale",
            "is_active",
            "is_staff",
            "date_joined",
            "unit_id",
        ),
        rows,
    )


def write_tokens(people: list[Person], now: datetime) -> None:
    from oauth2_provider.models import AccessToken, Application

    app = Application.objects.create(
        name="bench",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        redirect_uris="",
    )
    expires = now + timedelta(days=3650)
    AccessToken.objects.bulk_create(
        [
            AccessToken(
                user_id=p.id,
                token=token_for(p.id),
                application=app,
                expires=expires,
                scope="read write follow",
            )
            for p in people
        ],
        batch_size=1000,
    )


def fill(clock: Clock, now: datetime) -> tuple[list[Person], Generated]:
    from django.db import connection, transaction

    from tenants.services import tenant_url

    rng = random.Random(SEED)
    base_url = tenant_url(connection.tenant.get_primary_domain().domain)
    with transaction.atomic():
        org = create_org()
        people = plan_people(org, rng)
        follows = plan_follows(people, rng)
        clock.lap(f"org ({len(org.teams)} teams), {len(people)} people, {follows} follows planned")
        generated = plan_posts(people, rng, base_url, now)
        clock.lap(
            f"{len(generated.posts)} posts generated and rendered, {len(generated.mentions)} mentions, "
            f"{len(generated.post_tags)} hashtag uses"
        )
        with connection.cursor() as cursor:
            write_people(cursor, people, now)
            copy_rows(
                cursor,
                "social_follow",
                ("follower_id", "followee_id", "created_at"),
                ((p.id, f, now) for p in people for f in sorted(p.follows)),
            )
            clock.lap("employees and follows copied")
            copy_rows(cursor, "posts_post", POST_COLUMNS, generated.posts)
            clock.lap("posts copied")
            copy_rows(cursor, "posts_mention", ("post_id", "employee_id"), generated.mentions)
            tags = sorted(generated.tag_display)
            copy_rows(
                cursor,
                "posts_hashtag",
                ("name", "display_name", "created_at"),
                ((t, generated.tag_display[t], now) for t in tags),
            )
            cursor.execute("SELECT name, id FROM posts_hashtag")
            tag_ids = dict(cursor.fetchall())
            copy_rows(
                cursor,
                "posts_posthashtag",
                ("post_id", "hashtag_id"),
                ((pk, tag_ids[t]) for pk, t in generated.post_tags),
            )
            clock.lap("mentions and hashtags copied")
        write_tokens(people, now)
        clock.lap("OAuth tokens")
    with connection.cursor() as cursor:
        # As autovacuum would soon: the visibility map makes the count queries index-only (the big-author
        # merge went from ~30 ms to ~1 ms), so the timings are those of a settled production table.
        cursor.execute("VACUUM ANALYZE")
    clock.lap("VACUUM ANALYZE (and the commit's deferred foreign-key checks)")
    return people, generated


# --- Redis feeds -----------------------------------------------------------------------------------------


def feeds_marker() -> str:
    from django.db import connection

    return f"{connection.schema_name}:bench:feeds"


def configure_redis() -> None:
    """Capped feeds (400) fit Redis's compact listpack encoding only below this threshold (issue 7:
    346 MiB as skiplists vs 55 MiB as listpacks for 7,000 feeds); production Redis needs the same line."""
    from timelines import feeds

    feeds.client().config_set("zset-max-listpack-entries", 512)


def rebuild_feeds(clock: Clock) -> int:
    """Every employee's home feed, as ``feed_rebuild`` would write it, from one pass over the posts."""
    from directory.models import Employee
    from posts.models import Post
    from social.models import Follow
    from timelines import feeds
    from timelines.services import followed_post_ids

    cap = feeds.feed_cap()
    by_author: dict[int, list[int]] = defaultdict(list)
    for author_id, pk in (
        Post.objects.order_by("-id").values_list("author_id", "id").iterator(chunk_size=20000)
    ):
        if len(by_author[author_id]) < cap:
            by_author[author_id].append(pk)
    follows: dict[int, list[int]] = defaultdict(list)
    for follower, followee in Follow.objects.values_list("follower_id", "followee_id").iterator(
        chunk_size=20000
    ):
        follows[follower].append(followee)
    clock.lap("posts and follows read for the feeds")
    client = feeds.client()
    ttl = feeds.feed_ttl()
    employees = list(Employee.objects.filter(is_active=True).values_list("id", flat=True))
    pipe = client.pipeline(transaction=False)
    for n, employee_id in enumerate(employees, 1):
        sources = [by_author.get(a, []) for a in [employee_id, *follows.get(employee_id, [])]]
        ids = list(islice(heapq.merge(*sources, reverse=True), cap))
        key = feeds.home_key(employee_id)
        members: dict[str, int] = {feeds.SENTINEL: 0}
        members.update({str(pk): pk for pk in ids})
        pipe.delete(key)
        pipe.zadd(key, members)  # type: ignore[arg-type]
        pipe.expire(key, ttl)
        if n % 200 == 0:
            pipe.execute()
    pipe.execute()
    # The bulk path must write exactly what the product's rebuild would.
    for employee_id in random.Random(SEED).sample(employees, 20):
        expected = followed_post_ids(employee_id, limit=cap)
        got = feeds.read(employee_id, max_id=None, since_id=None, min_id=None, count=cap)
        if got != expected:
            raise SystemExit(f"feed of {employee_id} differs from followed_post_ids")
    client.set(feeds_marker(), "1")
    clock.lap(f"{len(employees)} home feeds written to Redis (20 checked against followed_post_ids)")
    return len(employees)


# --- main -------------------------------------------------------------------------------------------------


def seed(*, force_feeds: bool = False) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import tenant_context

    from posts.models import Post
    from tenants.models import Tenant
    from tenants.services import tenant_onboard
    from timelines import feeds

    clock = Clock()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    clock.lap("migrate")
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        tenant_onboard(
            slug=SLUG,
            name="벤치마크 주식회사",
            admin_email=f"admin@{SLUG}.example",
            admin_password=BENCH_PASSWORD,
            locale="ko",
        )
        tenant = Tenant.objects.get(slug=SLUG)
        clock.lap("onboard")
    filled = False
    with tenant_context(tenant):
        configure_redis()
        if not Post.objects.exists():
            fill(clock, datetime.now(UTC))
            filled = True
        else:
            print("  tenant already filled; left as it is", file=sys.stderr)
        if filled or force_feeds or not feeds.client().exists(feeds_marker()):
            rebuild_feeds(clock)
        else:
            print("  home feeds present in Redis; left as they are", file=sys.stderr)
        from directory.models import Employee

        counts = {"employees": Employee.objects.count(), "posts": Post.objects.count()}
    return {"schema": tenant.schema_name, "filled": filled, "seconds": round(clock.total, 1), **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    service_arguments(parser)
    parser.add_argument("--rebuild-feeds", action="store_true", help="rewrite every Redis home feed")
    parser.add_argument(
        "--posts", type=int, default=POSTS, help="a smaller tenant, for trying the script out"
    )
    args = parser.parse_args()
    globals()["POSTS"] = args.posts
    if ensure_database(args.database_url):
        print(f"created database {urlsplit(args.database_url).path.lstrip('/')}", file=sys.stderr)
    setup_django(args.database_url, args.redis_url)
    result = seed(force_feeds=args.rebuild_feeds)
    print(
        f"bench tenant {result['schema']}: {result['employees']} employees, {result['posts']} posts; "
        f"{'seeded' if result['filled'] else 'already seeded'} in {result['seconds']} s"
    )


if __name__ == "__main__":
    main()
