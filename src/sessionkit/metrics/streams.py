"""The six streams, their files, schemas and policies (spec §2.1, §2.7, §2.8, §3.1)."""

from __future__ import annotations

import enum
import os
import re


class Stream(str, enum.Enum):
    SESSIONS = "sessions"
    EVENTS = "events"
    SUBAGENTS = "subagents"
    LEARNINGS = "learnings"
    LEARNINGS_ARCHIVE = "learnings-archive"
    QUARANTINE = "quarantine"

    def __str__(self) -> str:
        return self.value

    @property
    def file_name(self) -> str:
        return f"{self.value}.jsonl"

    @property
    def rotates(self) -> bool:
        return self in (Stream.EVENTS, Stream.SUBAGENTS)

    @property
    def durable(self) -> bool:
        """Streams fsynced on every append under ``metrics.fsync: auto``."""
        return self in (
            Stream.SESSIONS,
            Stream.LEARNINGS,
            Stream.LEARNINGS_ARCHIVE,
            Stream.QUARANTINE,
        )

    @property
    def tracked(self) -> bool:
        return self in (Stream.SESSIONS, Stream.LEARNINGS, Stream.LEARNINGS_ARCHIVE)


SCHEMAS: dict[Stream, str] = {
    Stream.SESSIONS: "metrics-session.v2",
    Stream.EVENTS: "metrics-event.v1",
    Stream.SUBAGENTS: "metrics-subagent.v1",
    Stream.LEARNINGS: "metrics-learning.v1",
    Stream.LEARNINGS_ARCHIVE: "metrics-learning-archive.v1",
    Stream.QUARANTINE: "metrics-quarantine.v1",
}

# Timestamp fields of each stream (writers normalise them; ``ts-real`` checks them).
TIMESTAMP_FIELDS: dict[Stream, tuple[str, ...]] = {
    Stream.SESSIONS: (
        "started_at",
        "completed_at",
        "recorded_at",
        "lease_acquired_at",
        "_original_completed_at",
    ),
    Stream.EVENTS: ("timestamp",),
    Stream.SUBAGENTS: ("timestamp",),
    Stream.LEARNINGS: (
        "created_at",
        "expires_at",
        "updated_at",
        "last_confirmed_at",
        "last_contradicted_at",
    ),
    Stream.LEARNINGS_ARCHIVE: (
        "created_at",
        "expires_at",
        "updated_at",
        "last_confirmed_at",
        "last_contradicted_at",
        "_archived_at",
    ),
    Stream.QUARANTINE: ("quarantined_at",),
}

LOCK_ORDER: tuple[Stream, ...] = (
    Stream.SESSIONS,
    Stream.LEARNINGS,
    Stream.LEARNINGS_ARCHIVE,
    Stream.EVENTS,
    Stream.SUBAGENTS,
    Stream.QUARANTINE,
)

_STAMPED = re.compile(r"^(?P<stream>[a-z-]+)\.(?P<stamp>\d{8}T\d{9}Z)(?:-\d+)?\.jsonl(?:\.gz)?$")
_NUMBERED = re.compile(r"^(?P<stream>[a-z-]+)\.jsonl\.(?P<n>\d+)$")


def parse_stream(value: str | Stream) -> Stream:
    try:
        return Stream(value)
    except ValueError:
        names = ", ".join(s.value for s in Stream)
        from sessionkit.errors import UsageError

        raise UsageError(f"unknown stream {value!r} (streams: {names})") from None


def stream_of_file(name: str) -> Stream | None:
    """The stream a file name belongs to (live file, segment, prior-art numbered segment)."""
    base = os.path.basename(name)
    for stream in Stream:
        if base == stream.file_name:
            return stream
    match = _STAMPED.match(base) or _NUMBERED.match(base)
    if match:
        try:
            return Stream(match.group("stream"))
        except ValueError:
            return None
    if base.startswith(("events", "subagents")) and base.endswith(".jsonl"):
        return Stream.EVENTS if base.startswith("events") else Stream.SUBAGENTS
    return None


def segment_stamp(name: str) -> str | None:
    match = _STAMPED.match(os.path.basename(name))
    return match.group("stamp") if match else None


def segments(root: str, stream: Stream) -> tuple[list[str], list[str]]:
    """(prior-art numbered segments oldest first, stamped segments in stamp order).

    For a stamp with both ``X.jsonl`` and ``X.jsonl.gz``, only the ``.gz`` is listed
    (complete by construction; ``repair`` deletes the other).
    """
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return [], []
    numbered: list[tuple[int, str]] = []
    stamped: dict[str, str] = {}
    for name in names:
        m = _NUMBERED.match(name)
        if m and m.group("stream") == stream.value:
            numbered.append((int(m.group("n")), name))
            continue
        s = _STAMPED.match(name)
        if s and s.group("stream") == stream.value:
            key = name[: -len(".gz")] if name.endswith(".gz") else name
            if name.endswith(".gz") or key not in stamped:
                stamped[key] = name
    old = [os.path.join(root, n) for _, n in sorted(numbered, reverse=True)]
    new = [os.path.join(root, stamped[k]) for k in sorted(stamped)]
    return old, new
