"""Timestamps: one write form, every RFC 3339 form read (metrics.md §3.2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessionkit.metrics.timestamps import (
    MAX_UTC,
    MIN_UTC,
    days,
    format_ts,
    is_real_stored,
    normalize_lenient,
    normalize_ts,
    parse_ts,
    parse_window,
    shift,
)


@pytest.mark.parametrize(
    ("given_", "canonical"),
    [
        ("2026-04-10T14:03:00+02:00", "2026-04-10T12:03:00.000Z"),
        ("2026-11-24T12:00:00.3Z", "2026-11-24T12:00:00.300Z"),
        ("2026-11-24T11:00:00.123456Z", "2026-11-24T11:00:00.123Z"),
        ("2026-11-24 10:00:00+00:00", "2026-11-24T10:00:00.000Z"),
        ("2026-01-01T00:00:00+02:00", "2025-12-31T22:00:00.000Z"),
        ("2026-06-30t23:59:60z", "2026-06-30T23:59:59.999Z"),
    ],
)
def test_table(given_: str, canonical: str) -> None:
    assert normalize_ts(given_) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "2026-02-01",
        "2026-02-01T00:00:00",
        "2026-02-30T00:00:00Z",
        "yesterday",
        "2026-01-01T00:00:00+24:00",
    ],
)
def test_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_ts(bad)


def test_migrate_reads_dates_and_naive_times_as_utc() -> None:
    assert normalize_lenient("2026-02-01") == (
        "2026-02-01T00:00:00.000Z",
        "date read as UTC midnight",
    )
    assert normalize_lenient("2026-02-01T10:00:00")[0] == "2026-02-01T10:00:00.000Z"


def test_ts_real() -> None:
    assert is_real_stored("2026-11-24T10:00:00.1Z")
    assert not is_real_stored("2026-02-30T00:00:00.000Z")
    assert not is_real_stored("2026-11-24T10:00:00+00:00")


def test_windows() -> None:
    now = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    assert parse_window("2d", now=now) == now - timedelta(days=2)
    assert parse_window("90m", now=now) == now - timedelta(minutes=90)
    assert parse_window("2026-11-01") == datetime(2026, 11, 1, tzinfo=timezone.utc)


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(9999, 12, 30),
        timezones=st.just(timezone.utc),
    )
)
def test_p2_round_trip_truncates_to_milliseconds(dt: datetime) -> None:
    assert parse_ts(format_ts(dt)) == dt.replace(microsecond=dt.microsecond // 1000 * 1000)


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 30)),
    st.integers(-23 * 60, 23 * 60),
    st.integers(0, 9),
    st.sampled_from(["T", "t", " "]),
)
def test_p2_any_spelling_normalises_to_the_instant(
    naive: datetime, offset_min: int, digits: int, sep: str
) -> None:
    tz = timezone(timedelta(minutes=offset_min))
    local = naive.replace(tzinfo=tz)
    fraction = f"{local.microsecond:06d}{'0' * 3}"[:digits]
    sign = "+" if offset_min >= 0 else "-"
    hours, minutes = divmod(abs(offset_min), 60)
    text = (
        local.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
        + (f".{fraction}" if digits else "")
        + f"{sign}{hours:02d}:{minutes:02d}"
    )
    truncated_us = int((fraction + "000000")[:3]) * 1000 if digits else 0
    expected = local.replace(microsecond=truncated_us).astimezone(timezone.utc)
    assert parse_ts(text) == expected


def test_arithmetic_saturates_at_the_representable_range() -> None:
    late = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)
    assert shift(late, timedelta(days=14)) == MAX_UTC
    assert shift(MIN_UTC, -timedelta(minutes=5)) == MIN_UTC
    assert format_ts(shift(late, days(10**12))) == "9999-12-31T23:59:59.999Z"
    assert days(10**12) == timedelta.max and days(-(10**12)) == timedelta.min


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00-02:00", "0001-01-01T00:00:00+01:00"])
def test_instants_outside_the_years_0001_9999_are_rejected_not_crashed(value: str) -> None:
    with pytest.raises(ValueError, match="0001-9999"):
        parse_ts(value)


@pytest.mark.parametrize("value", ["800000d", "99999999999999999999d", "999999999999w"])
def test_windows_before_the_year_0001_are_a_value_error(value: str) -> None:
    with pytest.raises(ValueError, match="before the year 0001"):
        parse_window(value)
    assert parse_window("0001-01-01") == MIN_UTC
