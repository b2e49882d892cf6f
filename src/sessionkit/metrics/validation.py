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


# --------------------------------------------------------------------------- fast path
#
# jsonschema costs about 90 us per learning, which alone takes a 10,000-line file past the
# one-second budget of ``validate`` (spec §6.2). For flat record schemas a checker compiled
# from the schema file itself answers "certainly valid" for the common case; anything it is
# not sure about (including every invalid record) goes to jsonschema, which alone decides and
# words the error. The checker only accepts what jsonschema accepts: each keyword below is
# applied with jsonschema's semantics (``re.search`` for patterns, bools are not numbers),
# and a schema using any other keyword gets no checker at all.

_Check = Any  # Callable[[Any], bool]
_ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "examples", "format"}


def _type_check(names: Any) -> _Check | None:
    def one(name: str) -> _Check | None:
        return {
            "string": lambda v: isinstance(v, str),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "integer": lambda v: (
                (isinstance(v, int) and not isinstance(v, bool))
                or (isinstance(v, float) and v.is_integer())
            ),
            "boolean": lambda v: isinstance(v, bool),
            "null": lambda v: v is None,
            "array": lambda v: isinstance(v, list),
            "object": lambda v: isinstance(v, dict),
        }.get(name)

    found = [one(n) for n in ([names] if isinstance(names, str) else names)]
    checks = [c for c in found if c is not None]
    if len(checks) != len(found):
        return None
    return lambda v: any(c(v) for c in checks)


def _same(value: Any, expected: Any) -> bool:
    # Stricter than JSON equality (1 == 1.0, lists): "not sure" falls back to jsonschema.
    return (
        type(value) is type(expected)
        and not isinstance(value, (list, dict))
        and (value == expected)
    )


def _compile(schema: Any) -> _Check | None:
    import re

    if not isinstance(schema, dict):
        return None
    checks: list[_Check] = []
    for key, arg in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "type":
            check = _type_check(arg)
            if check is None:
                return None
            checks.append(check)
        elif key == "pattern":
            search = re.compile(arg).search
            checks.append(lambda v, f=search: not isinstance(v, str) or f(v) is not None)
        elif key == "minLength":
            checks.append(lambda v, n=arg: not isinstance(v, str) or len(v) >= n)
        elif key == "maxLength":
            checks.append(lambda v, n=arg: not isinstance(v, str) or len(v) <= n)
        elif key in ("minimum", "maximum"):
            lower = key == "minimum"

            def bound(v: Any, n: Any = arg, lower: bool = lower) -> bool:
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    return True
                return bool(v >= n) if lower else bool(v <= n)

            checks.append(bound)
        elif key == "maxItems":
            checks.append(lambda v, n=arg: not isinstance(v, list) or len(v) <= n)
        elif key == "const":
            checks.append(lambda v, c=arg: _same(v, c))
        elif key == "enum":
            checks.append(lambda v, e=tuple(arg): any(_same(v, x) for x in e))
        elif key == "items":
            item = _compile(arg)
            if item is None:
                return None
            checks.append(lambda v, f=item: not isinstance(v, list) or all(f(x) for x in v))
        elif key == "anyOf":
            subs = [_compile(sub) for sub in arg]
            if any(sub is None for sub in subs):
                return None
            checks.append(lambda v, fs=tuple(subs): any(f(v) for f in fs))
        elif key == "required":
            checks.append(lambda v, r=tuple(arg): not isinstance(v, dict) or all(k in v for k in r))
        elif key == "properties":
            props = {name: _compile(sub) for name, sub in arg.items()}
            if any(f is None for f in props.values()):
                return None

            def properties(v: Any, props: dict[str, _Check] = props) -> bool:
                if not isinstance(v, dict):
                    return True
                return all(f(v[k]) for k, f in props.items() if k in v)

            checks.append(properties)
        elif key == "additionalProperties" and arg is True:
            continue
        elif key == "allOf":
            subs = [_compile_conditional(sub) for sub in arg]
            if any(sub is None for sub in subs):
                return None
            checks.extend(subs)
        else:
            return None
    return lambda v: all(c(v) for c in checks)


def _compile_conditional(schema: Any) -> _Check | None:
    """``{"if": {"properties": {K: {"const": C}}, "required": [K]}, "then": {"required": R}}``."""
    if not isinstance(schema, dict) or set(schema) != {"if", "then"}:
        return None
    cond, then = schema["if"], schema["then"]
    if not isinstance(cond, dict) or not isinstance(then, dict):
        return None
    if set(cond) != {"properties", "required"} or set(then) != {"required"}:
        return None
    properties = cond["properties"]
    if not isinstance(properties, dict) or len(properties) != 1:
        return None
    ((key, sub),) = properties.items()
    if cond["required"] != [key] or not isinstance(sub, dict) or set(sub) != {"const"}:
        return None
    const, required = sub["const"], tuple(then["required"])
    return lambda v: (
        not (isinstance(v, dict) and key in v and _same(v[key], const))
        or all(k in v for k in required)
    )


@cache
def fast_checker(stream: Stream) -> _Check | None:
    """The compiled "certainly valid" check of ``stream``'s schema, or ``None``."""
    if stream not in (Stream.LEARNINGS, Stream.LEARNINGS_ARCHIVE):
        return None
    from sessionkit import schemas

    try:
        document = schemas.load_schema(SCHEMAS[stream])
    except (OSError, ValueError):
        return None
    return _compile(document)


def schema_problem(stream: Stream, record: Any) -> Problem | None:
    """The first (most relevant) schema violation, or ``None``."""
    if stream is Stream.EVENTS:
        message = events.check_event(record)
        if message is None:
            return None
        return Problem("schema", "error", message.split(":", 1)[0], message)
    fast = fast_checker(stream)
    if fast is not None and fast(record):
        return None
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
