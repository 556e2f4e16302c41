"""Home feeds in Redis: one capped sorted set of post ids per employee, an index and never the truth.

Key ``{schema}:feed:home:{employee_id}``; member and score are both the post id (snowflake). A score
is a double, which cannot hold every 64-bit id exactly, so ranges are read a little wide and cut
exactly on the member (which is the exact id as a string); ties sort by member, and equal-length
decimal strings sort as numbers. Every feed holds a sentinel member ``0`` once built, so an employee
with nothing to read still has a key and "key missing" always means "rebuild from PostgreSQL".

Fan-out only adds to feeds that exist (one Lua call per chunk of followers): writing one post into a
missing feed would make a one-post feed that looks complete and never gets rebuilt.

The cap (400, as Mastodon) keeps each feed below ``zset-max-listpack-entries 512``, where Redis stores
it as a compact listpack: 7,000 feeds × 400 ids ≈ 55 MiB instead of ≈ 346 MiB as skiplists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from django.db import connection

SENTINEL = "0"
# Ids that can share one double with a bound: 64-bit ids, 53-bit mantissa.
_SLACK = 32

# KEYS: feeds; ARGV: cap, then score/member pairs. Adds to the feeds that exist, trims them to the cap.
_ADD_IF_EXISTS = """
local n = 0
local cap = tonumber(ARGV[1])
local pairs = {}
for i = 2, #ARGV do pairs[#pairs + 1] = ARGV[i] end
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, unpack(pairs))
    redis.call('ZREMRANGEBYRANK', key, 0, -(cap + 1))
    n = n + 1
  end
end
return n
"""


def feed_ttl() -> int:
    """Seconds a feed lives after its owner last read it. An idle employee's feed expires and is
    rebuilt on their next read, so Redis memory follows active readers, and under memory pressure
    (``volatile-lru``) feeds are evictable while the broker's queues are not."""
    return int(getattr(settings, "TIMELINES_FEED_TTL", 14 * 24 * 3600))


def feed_cap() -> int:
    return int(getattr(settings, "TIMELINES_FEED_CAP", 400))


@cache
def client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@cache
def _add_script() -> redis.commands.core.Script:  # type: ignore[name-defined]
    return client().register_script(_ADD_IF_EXISTS)


def home_key(employee_id: int, schema: str | None = None) -> str:
    return f"{schema or connection.schema_name}:feed:home:{employee_id}"


def add_to_existing(employee_ids: Sequence[int], post_id: int) -> int:
    """Put one post into the feeds of ``employee_ids`` that exist; returns how many took it."""
    if not employee_ids:
        return 0
    schema = connection.schema_name
    keys = [home_key(pk, schema) for pk in employee_ids]
    return int(_add_script()(keys=keys, args=[feed_cap(), post_id, post_id]))


def add_many(employee_id: int, post_ids: Iterable[int]) -> None:
    """Merge posts into one feed if it exists (a new follow), keeping the cap."""
    args: list[int] = [feed_cap()]
    for pk in list(post_ids)[: feed_cap()]:
        args += [pk, pk]
    if len(args) > 1:
        _add_script()(keys=[home_key(employee_id)], args=args)


def remove(employee_ids: Sequence[int], post_ids: Sequence[int]) -> None:
    if not employee_ids or not post_ids:
        return
    schema = connection.schema_name
    members = [str(pk) for pk in post_ids]
    pipe = client().pipeline(transaction=False)
    for employee_id in employee_ids:
        pipe.zrem(home_key(employee_id, schema), *members)
    pipe.execute()


def replace(employee_id: int, post_ids: Sequence[int]) -> None:
    """Write a whole feed (a rebuild), atomically, with the sentinel."""
    key = home_key(employee_id)
    members: dict[str, int] = {SENTINEL: 0}
    members.update({str(pk): pk for pk in post_ids[: feed_cap()]})
    pipe = client().pipeline(transaction=True)
    pipe.delete(key)
    pipe.zadd(key, members)  # type: ignore[arg-type]
    pipe.expire(key, feed_ttl())
    pipe.execute()


def forget(employee_id: int) -> None:
    """Drop a feed so the next read rebuilds it."""
    client().delete(home_key(employee_id))


def read(
    employee_id: int, *, max_id: int | None, since_id: int | None, min_id: int | None, count: int
) -> list[int] | None:
    """Up to ``count`` ids strictly inside the bounds, newest first (oldest first with ``min_id``).

    None when the feed does not exist (rebuild it). Ids come back exact: ranges are read wide and cut here.
    """
    return read_page(employee_id, max_id=max_id, since_id=since_id, min_id=min_id, count=count).ids


@dataclass(frozen=True)
class FeedPage:
    ids: list[int] | None  # as ``read`` returns them: None when the feed does not exist
    size: int  # posts the feed holds, as ``size`` counts them
    # The very-followed authors (``big_authors_key``) when asked for and fresh, else None (recompute).
    big_authors: set[int] | None = None
    # The values of the ``also_get`` keys, as Redis stored them (None where missing).
    also: tuple[bytes | None, ...] = ()


def read_page(
    employee_id: int,
    *,
    max_id: int | None,
    since_id: int | None,
    min_id: int | None,
    count: int,
    big_authors: bool = False,
    also_get: Sequence[str] = (),
) -> FeedPage:
    """``read`` and ``size``, and with ``big_authors`` the very-followed authors too, and the values of
    the ``also_get`` keys, in one round trip: what a home page reads from Redis."""
    key = home_key(employee_id)
    low = max(min_id or 0, since_id or 0)
    lo_score = str(low) if low else "(0"
    hi_score = str(max_id) if max_id is not None else "+inf"
    pipe = client().pipeline(transaction=False)
    pipe.exists(key)
    if min_id is not None:
        pipe.zrangebyscore(key, lo_score, hi_score, start=0, num=count + _SLACK)
    else:
        pipe.zrevrangebyscore(key, hi_score, lo_score, start=0, num=count + _SLACK)
    pipe.expire(key, feed_ttl())
    pipe.zcard(key)
    pipe.zscore(key, SENTINEL)
    if big_authors:
        pipe.exists(big_authors_fresh_key())
        pipe.smembers(big_authors_key())
    for other in also_get:
        pipe.get(other)
    exists, raw, _, members, sentinel, *rest = pipe.execute()
    big, also = rest[: len(rest) - len(also_get)], tuple(rest[len(rest) - len(also_get) :])
    fresh_big = {int(m) for m in big[1]} if big and big[0] else None
    if not exists:
        return FeedPage(None, 0, fresh_big, also)
    ids = [int(m) for m in raw]
    ids = [pk for pk in ids if pk > low and pk != 0 and (max_id is None or pk < max_id)][:count]
    return FeedPage(ids, _held(members, sentinel), fresh_big, also)


def size(employee_id: int) -> int:
    """How many posts a feed holds (without the sentinel); 0 when missing."""
    key = home_key(employee_id)
    pipe = client().pipeline(transaction=False)
    pipe.zcard(key)
    pipe.zscore(key, SENTINEL)
    return _held(*pipe.execute())


def _held(members: int, sentinel: float | None) -> int:
    return max(0, int(members) - int(sentinel is not None))


def contains(employee_id: int, post_id: int) -> bool:
    return client().zscore(home_key(employee_id), str(post_id)) is not None


# Authors too followed to fan out: their posts are merged in at read time. The set is an index of
# PostgreSQL's follow counts, refreshed every few minutes and whenever a fan-out finds a new one.
def big_authors_key(schema: str | None = None) -> str:
    return f"{schema or connection.schema_name}:feed:big"


def big_authors_fresh_key(schema: str | None = None) -> str:
    return f"{schema or connection.schema_name}:feed:big:fresh"


def fanout_cursor_key(post_id: int) -> str:
    """The last follower id a fan-out reached, so a re-run after a crash resumes there."""
    return f"{connection.schema_name}:fanout:cursor:{post_id}"
