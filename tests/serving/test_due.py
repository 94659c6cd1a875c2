from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from serving.due import DuePolicy, parse_working_days

WIB = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("start", "urgency", "expected"),
    [
        (datetime(2026, 12, 1, 9, 30, tzinfo=WIB), "tinggi", datetime(2026, 12, 2, 9, 30, tzinfo=WIB)),  # Tue -> Wed
        (datetime(2026, 12, 4, 16, 0, tzinfo=WIB), "tinggi", datetime(2026, 12, 7, 16, 0, tzinfo=WIB)),  # Fri -> Mon
        (datetime(2026, 12, 3, 8, 0, tzinfo=WIB), "sedang", datetime(2026, 12, 8, 8, 0, tzinfo=WIB)),  # Thu +3
        (datetime(2026, 12, 1, 8, 0, tzinfo=WIB), "rendah", datetime(2026, 12, 8, 8, 0, tzinfo=WIB)),  # Tue +5
        (datetime(2026, 12, 1, 8, 0, tzinfo=WIB), None, datetime(2026, 12, 8, 8, 0, tzinfo=WIB)),
        (datetime(2026, 12, 5, 22, 0, tzinfo=WIB), "tinggi", datetime(2026, 12, 8, 0, 0, tzinfo=WIB)),  # Sat: from Mon
    ],
)
def test_due_dates_count_working_days(start: datetime, urgency: str | None, expected: datetime) -> None:
    assert DuePolicy().due_at(start, urgency) == expected


def test_holidays_are_skipped_and_naive_times_are_utc() -> None:
    policy = DuePolicy(holidays=[date(2026, 12, 25)])
    assert policy.due_at(datetime(2026, 12, 24, 10, 0), "tinggi") == datetime(2026, 12, 28, 10, 0, tzinfo=UTC)


def test_overdue_is_past_the_due_time() -> None:
    policy = DuePolicy()
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert policy.is_overdue(datetime(2026, 12, 2, 11, 0, tzinfo=UTC), now)
    assert not policy.is_overdue(datetime(2026, 12, 2, 13, 0, tzinfo=UTC), now)
    assert not policy.is_overdue(None, now)


def test_working_days_setting_is_parsed_with_clear_errors() -> None:
    assert parse_working_days("tinggi:2, rendah:10, lain:7") == {"tinggi": 2, "sedang": 3, "rendah": 10, "": 7}
    with pytest.raises(ValueError, match='"kilat:1" is not LEVEL:DAYS'):
        parse_working_days("kilat:1")
    with pytest.raises(ValueError, match='"tinggi:x" is not LEVEL:DAYS'):
        parse_working_days("tinggi:x")
