"""Time zones people may choose: the company's working day (``CompanySettings.time_zone``) and an
employee's own (``Employee.time_zone``). The web shows every time in the zone in force and reads every
typed time in it; the APIs speak UTC, as Mastodon does.

The names are IANA's, from the system's database or else the ``tzdata`` package. Only the canonical
region/city names are offered ("Asia/Seoul", not "ROK" or "Etc/GMT-9"), plus UTC.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime

DEFAULT_TIME_ZONE = "Asia/Seoul"
_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


@functools.cache
def zone_names() -> frozenset[str]:
    """Every zone name that may be chosen."""
    return frozenset(
        name for name in zoneinfo.available_timezones() if name.startswith(_REGIONS) or name == "UTC"
    )


def is_zone(name: str) -> bool:
    return name in zone_names()


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone of a name from ``zone_names``; the default zone for anything else (a stored value
    the system's database no longer knows)."""
    return zoneinfo.ZoneInfo(name if is_zone(name) else DEFAULT_TIME_ZONE)


def zone_choices(at: datetime) -> list[tuple[str, str]]:
    """(name, label) for a select, ordered by the offset from UTC at ``at`` and then by name, each
    label saying that offset: "(UTC+09:00) Asia/Seoul"."""
    rows = []
    for name in zone_names():
        offset = at.astimezone(zone(name)).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        rows.append((minutes, name, f"(UTC{sign}{hours:02d}:{rest:02d}) {name.replace('_', ' ')}"))
    return [(name, label) for _minutes, name, label in sorted(rows)]
