"""Schema and semantic checks of stream records (spec §3.1, §3.4, §3.7).

JSON Schema validation goes through ``sessionkit.schemas`` with one compiled validator per
schema and process. Events use the registry check of ``events.py``, which gives the same
verdicts as ``metrics-event.v1`` without jsonschema's per-record cost on the append path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from sessionkit.metrics import events
from sessionkit.metrics.errors import RecordInvalid
from sessionkit.metrics.streams import SCHEMAS, TIMESTAMP_FIELDS, Stream
from sessionkit.metrics.timestamps import is_real_stored, parse_ts


@dataclass(frozen=True)
class Problem:
    """One failed check: ``code`` is ``schema`` or a semantic code such as ``ts-real``."""

    code: str
    severity: str  # "error" | "warning"
    pointer: str
    message: str


@cache
def _validator(name: str) -> Any:
    from sessionkit import schemas

    return schemas.validator(name)


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path) or "/"


def schema_problem(stream: Stream, record: Any) -> Problem | None:
    """The first (most relevant) schema violation, or ``None``."""
    if stream is Stream.EVENTS:
        message = events.check_event(record)
        if message is None:
            return None
        return Problem("schema", "error", message.split(":", 1)[0], message)
    from jsonschema.exceptions import best_match

    error = best_match(_validator(SCHEMAS[stream]).iter_errors(record))
    if error is None:
        return None
    pointer = _pointer(error.absolute_path)
    return Problem("schema", "error", pointer, f"{pointer}: {error.message}")


def semantic_problems(stream: Stream, record: dict[str, Any]) -> list[Problem]:
    """Checks JSON Schema cannot express: real instants, ordering, public scope."""
    found: list[Problem] = []
    for key in TIMESTAMP_FIELDS.get(stream, ()):
        value = record.get(key)
        if isinstance(value, str) and not is_real_stored(value):
            try:
                parse_ts(value)
                # An RFC 3339 value that is not in the stored form: migrate converts it.
                found.append(
                    Problem(
                        "noncanonical-timestamp",
                        "error",
                        f"/{key}",
                        f"/{key}: {value!r} is not a UTC timestamp; run "
                        "`sessionkit metrics migrate --apply`",
                    )
                )
            except ValueError:
                if isinstance(value, str) and len(value) >= 20 and value.endswith("Z"):
                    found.append(
                        Problem(
                            "ts-real", "error", f"/{key}", f"/{key}: {value!r} names no instant"
                        )
                    )
    if stream is Stream.SESSIONS:
        found.extend(_session_problems(record))
    elif stream in (Stream.LEARNINGS, Stream.LEARNINGS_ARCHIVE):
        found.extend(_learning_problems(record))
    return found


def _session_problems(record: dict[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    try:
        started = parse_ts(record["started_at"])
        completed = parse_ts(record["completed_at"])
    except (KeyError, ValueError, TypeError):
        return found
    if completed < started and not (
        record.get("_clamped") is True and "_original_completed_at" in record
    ):
        found.append(
            Problem(
                "completed-before-start",
                "error",
                "/completed_at",
                f"/completed_at: {record['completed_at']} is before started_at "
                f"{record['started_at']} (S1 completed-before-start)",
            )
        )
    duration = record.get("duration_seconds")
    if isinstance(duration, (int, float)) and not isinstance(duration, bool):
        measured = (completed - started) / timedelta(seconds=1)
        if completed >= started and abs(measured - duration) > 1:
            found.append(
                Problem(
                    "duration-mismatch",
                    "warning",
                    "/duration_seconds",
                    f"/duration_seconds: {duration} differs from the timestamps "
                    f"({int(measured)} s) (S2 duration-mismatch)",
                )
            )
    return found


def _learning_problems(record: dict[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    confidence = record.get("confidence")
    if (
        isinstance(confidence, float)
        and not isinstance(confidence, bool)
        and round(confidence, 4) != confidence
    ):
        found.append(
            Problem(
                "confidence-precision",
                "error",
                "/confidence",
                f"/confidence: {confidence} has more than 4 decimals",
            )
        )
    if record.get("scope") == "public" and not (
        record.get("anonymized") is True and record.get("host_class") is not None
    ):
        found.append(
            Problem(
                "public-not-anonymized",
                "error",
                "/scope",
                "/scope: public learnings need anonymized: true and a host_class "
                "(L1 public-not-anonymized)",
            )
        )
    return found


def problems(stream: Stream, record: Any) -> list[Problem]:
    """Every problem of a record: the schema error first, then semantic ones."""
    first = schema_problem(stream, record)
    found = [first] if first else []
    if isinstance(record, dict):
        found.extend(semantic_problems(stream, record))
    return found


def validate_record(stream: Stream, record: Any) -> None:
    """Raise ``RecordInvalid`` (``<stream> record invalid at <pointer>: <reason>``) on errors."""
    for problem in problems(stream, record):
        if problem.severity == "error":
            raise RecordInvalid(
                f"{stream.value} record invalid at {problem.message}", pointer=problem.pointer
            )
