"""Timestamps of the metrics streams (spec §3.2): one write form, every RFC 3339 form read.

Written: ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC, milliseconds truncated). Read: any RFC 3339
date-time. Python 3.10's ``datetime.fromisoformat`` rejects ``Z``, so this module has its own
small parser. Standard library only (hook hot path).
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

UTC = timezone.utc
# The representable range. Arithmetic that would leave it saturates here (``shift``) instead of
# raising OverflowError, so a valid far-future timestamp (year 9999) never crashes a command.
MIN_UTC = datetime.min.replace(tzinfo=UTC)
MAX_UTC = datetime.max.replace(tzinfo=UTC)

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$"
)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NAIVE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$")
_RELATIVE = re.compile(r"^(\d+)([mhdw])$")
_RELATIVE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# Pattern a stored timestamp must match to be valid on disk (schemas use the same one).
STORED_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?Z$"
_STORED = re.compile(STORED_PATTERN)


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_ts(dt: datetime) -> str:
    """The canonical form of an aware datetime: UTC, milliseconds truncated, ``Z``."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime; pass an aware datetime (UTC)")
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


_FAST: list[Any] = [-1, ""]
_MILLIS = [f"{ms:03d}Z" for ms in range(1000)]  # the formatted tail of each millisecond


def fast_now_ts() -> str:
    """``now_ts()`` of the system clock, reusing the formatted second (hot append path)."""
    now = time.time()
    second = int(now)
    if second != _FAST[0]:
        _FAST[0] = second
        _FAST[1] = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
    head: str = _FAST[1]
    return head + _MILLIS[int((now - second) * 1000)]


def shift(dt: datetime, delta: timedelta) -> datetime:
    """``dt + delta``, saturated at ``MIN_UTC``/``MAX_UTC`` instead of raising OverflowError."""
    try:
        return dt + delta
    except OverflowError:
        return MAX_UTC if delta > timedelta(0) else MIN_UTC


def days(n: float) -> timedelta:
    """``timedelta(days=n)``, saturated at ``timedelta.max``/``timedelta.min`` (huge settings)."""
    try:
        return timedelta(days=n)
    except OverflowError:
        return timedelta.max if n > 0 else timedelta.min


def now_ts(clock: Callable[[], datetime] | None = None) -> str:
    """The current instant in the canonical write form, from ``clock`` when given."""
    return format_ts((clock or utc_now)())


def _build(groups: tuple[str | None, ...], offset: str | None) -> datetime:
    year, month, day, hour, minute, second = (int(g or 0) for g in groups[:6])
    fraction = groups[6] or ""
    micro = int((fraction + "000000")[:3]) * 1000  # truncate to milliseconds
    leap = second == 60
    if leap:  # a leap second names the last millisecond of its minute
        second, micro = 59, 999000
    tz = UTC
    if offset and offset not in ("Z", "z"):
        sign = 1 if offset[0] == "+" else -1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"invalid UTC offset {offset!r}")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz).astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-02:00 is in the year 10000 in UTC
        raise ValueError("instant outside the years 0001-9999 in UTC") from None


def parse_ts(value: str) -> datetime:
    """Parse any RFC 3339 date-time into an aware UTC datetime (milliseconds).

    Raises ``ValueError`` for dates without time, date-times without offset, and instants
    that do not exist (``2026-02-30``).
    """
    if not isinstance(value, str):
        raise ValueError(f"timestamp must be a string, not {type(value).__name__}")
    match = _RFC3339.match(value)
    if match is None:
        raise ValueError(f"not an RFC 3339 date-time with offset: {value!r}")
    g = match.groups()
    return _build(g[:7], g[7])


def is_canonical(value: object) -> bool:
    """True for a string already in the write form (the fast path of large scans)."""
    return (
        isinstance(value, str)
        and len(value) == 24
        and value[19] == "."
        and value[23] == "Z"
        and _STORED.match(value) is not None
    )


def normalize_ts(value: str) -> str:
    """The canonical write form of an RFC 3339 value; ``ValueError`` when unparseable."""
    if isinstance(value, str) and len(value) == 24 and value[19] == "." and value[23] == "Z":
        # Fast path: shape-canonical strings are compared as they are (spec §3.2).
        return value
    return format_ts(parse_ts(value))


def normalize_lenient(value: str) -> tuple[str, str | None]:
    """``migrate``'s conversion: also reads dates and naive date-times as UTC.

    Returns the canonical form and a note naming the conversion, or ``None`` when the
    value was already an RFC 3339 date-time.
    """
    try:
        return normalize_ts(value), None
    except ValueError:
        pass
    date = _DATE.match(value) if isinstance(value, str) else None
    if date:
        year, month, day = (int(x) for x in date.groups())
        return format_ts(datetime(year, month, day, tzinfo=UTC)), "date read as UTC midnight"
    naive = _NAIVE.match(value) if isinstance(value, str) else None
    if naive:
        return format_ts(_build(naive.groups(), None)), "naive date-time read as UTC"
    raise ValueError(f"not a timestamp: {value!r}")


def is_real_stored(value: object) -> bool:
    """Semantic check ``ts-real``: the stored pattern matches and names a real instant."""
    if not isinstance(value, str) or _STORED.match(value) is None:
        return False
    try:
        parse_ts(value)
    except ValueError:
        return False
    return True


def parse_window(value: str, *, now: datetime | None = None) -> datetime:
    """A CLI window bound: RFC 3339, a date (UTC midnight), or ``<n>m|h|d|w`` ago."""
    value = value.strip()
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        try:
            return (now or utc_now()) - timedelta(**{_RELATIVE_UNITS[unit]: amount})
        except OverflowError:
            raise ValueError(
                f"{value!r} reaches before the year 0001; use a smaller number or a date"
            ) from None
    date = _DATE.match(value)
    if date:
        year, month, day = (int(x) for x in date.groups())
        return datetime(year, month, day, tzinfo=UTC)
    return parse_ts(value)


def parse_duration(value: str) -> timedelta:
    """``30s``, ``15m``, ``2h``, ``7d``, ``1w`` -> timedelta."""
    match = re.match(r"^(\d+)([smhdw])$", value.strip())
    if not match:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 15m, 2h, 7d, 1w)")
    units = {"s": "seconds", **_RELATIVE_UNITS}
    try:
        return timedelta(**{units[match.group(2)]: int(match.group(1))})
    except OverflowError:
        raise ValueError(f"duration out of range: {value!r}") from None
