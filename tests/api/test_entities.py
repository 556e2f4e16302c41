"""How entities write times: Mastodon's ISO 8601 form, in UTC, to the millisecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.entities import iso, iso_date

SEOUL = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "2024-01-02T03:04:05.678Z"),
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05.000Z"),
        (datetime(2024, 1, 2, 3, 4, 5, 999, tzinfo=UTC), "2024-01-02T03:04:05.000Z"),
        (datetime(2024, 1, 2, 9, 0, 0, 500000, tzinfo=SEOUL), "2024-01-02T00:00:00.500Z"),
        (datetime(2024, 1, 1, 8, 59, 59, 999999, tzinfo=SEOUL), "2023-12-31T23:59:59.999Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000Z"),
        (None, None),
    ],
)
def test_times_are_written_in_utc_with_milliseconds(value: datetime | None, written: str | None) -> None:
    assert iso(value) == written


def test_dates_are_the_utc_day() -> None:
    assert iso_date(datetime(2024, 1, 1, 8, 0, tzinfo=SEOUL)) == "2023-12-31"
