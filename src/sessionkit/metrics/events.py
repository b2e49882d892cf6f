"""Event names, the envelope, the prior-art alias table and the hook's ``emit_event``.

The registry below is plain Python data written in a small subset of JSON Schema, so that the
agent hook can check an event without importing jsonschema. ``event_schema()`` builds the JSON
Schema ``schemas/metrics-event.v1.schema.json`` from the same data (a test keeps the file and
the function identical), which is how the hook path and the library path give identical
verdicts (spec §3.5). Standard library only.
"""

from __future__ import annotations

import os
import sys
import time

# The error classes are imported where they are raised: loading sessionkit.errors and
# sessionkit.metrics.errors costs the agent hook's one append about 2 M instructions, and a
# valid event raises nothing.

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime
    from typing import Any

SCHEMA_VERSION = 1
DEFAULT_MAX_LINE_BYTES = 65_536  # _jsonl.DEFAULT_MAX_LINE_BYTES; a test keeps them equal

# The ten reserved envelope keys, in their serialisation order.
ENVELOPE_KEYS: tuple[str, ...] = (
    "schema_version",
    "timestamp",
    "event",
    "session_id",
    "harness_session_id",
    "run_id",
    "agent_id",
    "wave",
    "platform",
    "source",
)
RESERVED_KEYS = frozenset(ENVELOPE_KEYS)
PLATFORMS = ("claude", "codex", "cursor", "ci", "cli", "other")
SOURCES = ("sessionkit-hook", "sessionkit-precommit", "ci", "cli", "library")

# timestamps.STORED_PATTERN (a test keeps them equal; importing timestamps costs datetime)
STORED_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?Z$"
STORED_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
OWNED_NAME_PATTERN = r"^sessionkit(\.[a-z][a-z0-9_]*){2,3}$"
SESSION_ID_PATTERN = r"^[^\s\u0000-\u001f\u007f]{1,200}$"
CUSTOM_NAME_PATTERN = r"^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

# Compiled on first use: ``re`` (with ``enum`` and ``functools``) is most of this module's
# import cost, and the agent hook's one event per process needs no pattern (registered
# names are looked up, custom names and ASCII session ids are checked in plain code below).
_COMPILED: dict[str, Any] = {}


def _rx(pattern: str) -> Any:
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        import re

        compiled = _COMPILED[pattern] = re.compile(pattern)
    return compiled


_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_SEGMENT_REST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_SEGMENT_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _custom_name_ok(name: str) -> bool:
    """``CUSTOM_NAME_PATTERN`` in plain code (``$`` also matches before one final LF)."""
    body = name[:-1] if name.endswith("\n") else name
    segments = body.split(".")
    if len(segments) < 2 or not segments[0] or segments[0][0] not in _LOWER:
        return False
    for index, segment in enumerate(segments):
        if not segment or (index and segment[0] not in _SEGMENT_FIRST):
            return False
        if not _SEGMENT_REST.issuperset(segment):
            return False
    return True


def _session_id_ok(sid: str) -> bool:
    """``SESSION_ID_PATTERN`` (plain code for ASCII: every character from ``!`` to ``~``)."""
    if sid.isascii():
        body = sid[:-1] if sid.endswith("\n") else sid
        return 0 < len(body) <= 200 and body.isprintable() and " " not in body
    return _rx(SESSION_ID_PATTERN).match(sid) is not None


_S: dict[str, Any] = {"type": "string"}
_I0: dict[str, Any] = {"type": "integer", "minimum": 0}
_N0: dict[str, Any] = {"type": "number", "minimum": 0}
_B: dict[str, Any] = {"type": "boolean"}
_O: dict[str, Any] = {"type": "object"}


def _enum(*values: str) -> dict[str, Any]:
    return {"enum": list(values)}


_FINDING = {
    "type": "object",
    "required": ["check", "rule_id", "action", "target"],
    "properties": {"check": _S, "rule_id": _S, "action": _S, "target": _S},
}
_GATE_CHECK = {
    "type": "object",
    "required": ["status", "duration_s", "required"],
    "properties": {
        "status": _enum("pass", "fail", "error", "timeout", "skip"),
        "duration_s": _N0,
        "required": _B,
        "blocking": _B,
        "counts": _O,
    },
}
_LEARNING = {
    "learning_id": _S,
    "type": _S,
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
}


class EventSpec:
    """Required and optional payload keys of one registered name, and envelope needs."""

    __slots__ = ("envelope", "optional", "required")

    def __init__(
        self,
        required: Mapping[str, dict[str, Any]] | None = None,
        optional: Mapping[str, dict[str, Any]] | None = None,
        envelope: tuple[str, ...] = (),
    ) -> None:
        self.required = dict(required or {})
        self.optional = dict(optional or {})
        self.envelope = envelope


REGISTRY: dict[str, EventSpec] = {
    "sessionkit.session.started": EventSpec(
        {
            "session_type": _enum("feature", "deep", "housekeeping"),
            "branch": _S,
            "resumed": _B,
        },
        {"start_ref": _S, "previous_session_id": {"type": ["string", "null"]}},
    ),
    "sessionkit.session.paused": EventSpec(optional={"reason": _S}),
    "sessionkit.session.resumed": EventSpec(),
    "sessionkit.session.completed": EventSpec(
        {"status": _enum("completed", "abandoned")}, {"duration_ms": _N0}
    ),
    "sessionkit.session.ended": EventSpec({"reason": _S}),
    "sessionkit.session.recorded": EventSpec(
        {"action": _enum("appended", "unchanged", "replaced-stub", "forced")}
    ),
    "sessionkit.wave.started": EventSpec({"role": _S}, envelope=("wave",)),
    "sessionkit.wave.completed": EventSpec(
        {"role": _S, "result": _enum("pass", "partial", "fail")},
        {"agents": _O, "files_changed": _I0},
        envelope=("wave",),
    ),
    "sessionkit.guard.decision": EventSpec(
        {
            "action": _enum("warn", "ask", "block"),
            "findings": {"type": "array", "maxItems": 50, "items": _FINDING},
        },
        {
            "hook_event": _S,
            "phase": _enum("pre", "post"),
            "tool_name": _S,
            "tool_kind": _S,
            "agent_type": _S,
            "caller_role": _enum("coordinator", "agent", "unknown"),
            "command_sha256": _S,
            "paths": {"type": "array", "maxItems": 20, "items": _S},
            "role": _S,
            "enforcement": _S,
            "fail_mode": _enum("open", "closed"),
            "degraded": _B,
            "duration_ms": {"type": "number"},
        },
        envelope=("source",),
    ),
    "sessionkit.guard.override.granted": EventSpec(
        {"id": _S, "rule": _S, "action": _S, "reason": _S, "expires": _S}
    ),
    "sessionkit.guard.override.revoked": EventSpec({"id": _S, "by": _S}),
    "sessionkit.guard.override.applied": EventSpec(
        {"override_id": _S, "rule": _S}, {"session": _S, "command_sha256": _S}
    ),
    "sessionkit.gate.result": EventSpec(
        {
            "variant": _S,
            "status": _enum("pass", "fail", "error"),
            "exit_code": {"type": "integer", "minimum": 0, "maximum": 3},
            "fail_on": _enum("never", "fail", "warning", "new"),
            "duration_s": _N0,
            "checks": {"type": "object", "additionalProperties": _GATE_CHECK},
        },
        {
            "head": _S,
            "branch": _S,
            "regression": {
                "type": "object",
                "properties": {"new": _I0, "fixed": _I0, "pre_existing": _I0},
            },
            "tool_versions": {"type": "object", "additionalProperties": _S},
            "result_path": _S,
        },
    ),
    "sessionkit.gate.baseline": EventSpec(
        {"action": _enum("saved", "reused", "cleared"), "key": _S},
        {"commit": _S, "checks": _O},
    ),
    "sessionkit.gate.bypassed": EventSpec(
        {"sha": _S, "reason": _S}, {"ref": _S, "user": _S, "sessionkit_version": _S}
    ),
    "sessionkit.audit.completed": EventSpec(
        {
            "rubric_version": {"type": ["string", "integer"]},
            "score": {"type": "number"},
            "band": _S,
            "counts": _O,
        }
    ),
    "sessionkit.snapshot.created": EventSpec(
        {"ref": _S, "commit": _S}, {"label": _S, "untracked_files": _I0}
    ),
    "sessionkit.snapshot.restored": EventSpec({"ref": _S, "commit": _S}),
    "sessionkit.snapshot.pruned": EventSpec({"count": _I0}),
    "sessionkit.learning.added": EventSpec(_LEARNING),
    "sessionkit.learning.confirmed": EventSpec(_LEARNING),
    "sessionkit.learning.contradicted": EventSpec(_LEARNING),
    "sessionkit.learning.restored": EventSpec(_LEARNING),
    "sessionkit.learning.archived": EventSpec(
        {
            "learning_id": _S,
            "type": _S,
            "reason": _enum("expired", "pruned", "superseded", "merged"),
        }
    ),
    "sessionkit.learning.outcome_applied": EventSpec(
        {"confirmed": _I0, "contradicted": _I0, "added": _I0, "decayed": _I0}
    ),
    "sessionkit.metrics.rotated": EventSpec(
        {"stream": _S, "segment": _S, "bytes": _I0}, {"deleted_segments": {"type": "array"}}
    ),
    "sessionkit.metrics.rewritten": EventSpec(
        {
            "stream": _S,
            "reason": _enum(
                "prune", "sweep", "outcome", "archive", "restore", "repair", "migrate", "dedupe"
            ),
            "kept": _I0,
            "replaced": _I0,
            "folded": _I0,
            "archived": _I0,
            "quarantined": _I0,
        }
    ),
    "sessionkit.metrics.spool_drained": EventSpec({"stream": _S, "lines": _I0}),
    "sessionkit.state.reset": EventSpec(
        {"previous_status": _S}, {"previous_session_id": {"type": ["string", "null"]}}
    ),
    "sessionkit.state.lock_broken": EventSpec(
        {
            "holder_pid": {"type": "integer"},
            "holder_host": _S,
            "age_seconds": {"type": "number"},
            "by": _enum("auto", "operator"),
        }
    ),
}

ENVELOPE_SCHEMA: dict[str, dict[str, Any]] = {
    "schema_version": {"const": 1},
    "timestamp": {"type": "string", "pattern": STORED_PATTERN},
    "event": {"type": "string", "pattern": STORED_NAME_PATTERN},
    "session_id": {"anyOf": [{"type": "string", "pattern": SESSION_ID_PATTERN}, {"type": "null"}]},
    "harness_session_id": _S,
    "run_id": _S,
    "agent_id": _S,
    "wave": {"type": "integer", "minimum": 1},
    "platform": _enum(*PLATFORMS),
    "source": _enum(*SOURCES),
}
ENVELOPE_REQUIRED = ("schema_version", "timestamp", "event", "session_id")

# Prior-art names -> canonical names (read-time mapping, spec §3.5).
NAME_ALIASES: dict[str, str] = {
    "orchestrator.destructive_guard.blocked": "sessionkit.guard.decision",
    "orchestrator.destructive_guard.warned": "sessionkit.guard.decision",
    "orchestrator.config.protection_warning": "sessionkit.guard.decision",
    "orchestrator.quality_gate.passed": "sessionkit.gate.result",
    "orchestrator.quality_gate.failed": "sessionkit.gate.result",
    "orchestrator.session.started": "sessionkit.session.started",
    "orchestrator.session.ended": "sessionkit.session.ended",
    "orchestrator.wave.started": "sessionkit.wave.started",
    "orchestrator.wave.completed": "sessionkit.wave.completed",
}


# --------------------------------------------------------------------------- the mini validator


def _type_ok(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "null":
        return value is None
    raise AssertionError(f"unknown type tag {name}")  # pragma: no cover - registry bug


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema's ``const``/``enum`` define it (1 == 1.0, but true != 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _pattern_ok(pattern: str, value: Any) -> bool:
    return not isinstance(value, str) or _rx(pattern).search(value) is not None


def check_value(value: Any, spec: Mapping[str, Any], pointer: str) -> str | None:
    """The first violation of ``value`` against a registry schema fragment, or ``None``.

    Implements exactly the keywords the registry uses: type, enum, const, anyOf, minimum,
    maximum, maxItems, items, required, properties, additionalProperties, pattern.
    """
    if "anyOf" in spec:
        if any(check_value(value, sub, pointer) is None for sub in spec["anyOf"]):
            return None
        return f"{pointer or '/'}: {value!r} matches none of the allowed forms"
    if "const" in spec and not _json_equal(value, spec["const"]):
        return f"{pointer or '/'}: must be {spec['const']!r}"
    if "enum" in spec and not any(_json_equal(value, option) for option in spec["enum"]):
        options = ", ".join(repr(o) for o in spec["enum"])
        return f"{pointer or '/'}: {value!r} is not one of {options}"
    kind = spec.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_type_ok(value, k) for k in kinds):
            return f"{pointer or '/'}: must be {' or '.join(kinds)}, not {type(value).__name__}"
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if numeric and "minimum" in spec and value < spec["minimum"]:
        return f"{pointer or '/'}: must be >= {spec['minimum']}"
    if numeric and "maximum" in spec and value > spec["maximum"]:
        return f"{pointer or '/'}: must be <= {spec['maximum']}"
    if "pattern" in spec and not _pattern_ok(spec["pattern"], value):
        return f"{pointer or '/'}: {value!r} does not match {spec['pattern']}"
    if isinstance(value, list):
        if "maxItems" in spec and len(value) > spec["maxItems"]:
            return f"{pointer or '/'}: at most {spec['maxItems']} items"
        if "items" in spec:
            for index, item in enumerate(value):
                problem = check_value(item, spec["items"], f"{pointer}/{index}")
                if problem:
                    return problem
    if isinstance(value, dict):
        for key in spec.get("required", ()):
            if key not in value:
                return f"{pointer or '/'}: missing required key '{key}'"
        properties = spec.get("properties", {})
        extra = spec.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key, extra)
            if sub is not None:
                problem = check_value(item, sub, f"{pointer}/{_escape(key)}")
                if problem:
                    return problem
    return None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def check_event(record: Mapping[str, Any]) -> str | None:
    """The first violation of a stored event against ``metrics-event.v1``, or ``None``.

    Same verdicts as the JSON Schema built by ``event_schema()``.
    """
    if not isinstance(record, dict):
        return "/: must be object"
    for key in ENVELOPE_REQUIRED:
        if key not in record:
            return f"/: missing required key '{key}'"
    version, ts, name, sid = (
        record["schema_version"],
        record["timestamp"],
        record["event"],
        record["session_id"],
    )
    fast = (
        type(version) is int
        and version == 1
        and type(ts) is str
        and _rx(STORED_PATTERN).match(ts) is not None
        and type(name) is str
        and _rx(STORED_NAME_PATTERN).match(name) is not None
        and (sid is None or (type(sid) is str and _session_id_ok(sid)))
    )
    if not fast:  # the required keys come first in ENVELOPE_SCHEMA, so the order is kept
        for key in ENVELOPE_REQUIRED:
            problem = check_value(record[key], ENVELOPE_SCHEMA[key], f"/{key}")
            if problem:
                return problem
    return _check_optional(record)


def check_built_event(record: dict[str, Any]) -> str | None:
    """``check_event`` for an event the writer assembled itself (``build_event``).

    ``schema_version`` and ``timestamp`` were produced by the writer and the name passed
    ``check_name`` (whose rules are stricter than the stored-name pattern), so only the session
    id, the optional envelope keys and the registry's payload keys are left to check. Verdicts
    equal ``check_event``'s on such records (a test compares them).
    """
    sid = record["session_id"]
    if sid is not None and (type(sid) is not str or not _session_id_ok(sid)):
        problem = check_value(sid, ENVELOPE_SCHEMA["session_id"], "/session_id")
        if problem:
            return problem
    return _check_optional(record)


_OPTIONAL_ENVELOPE = tuple(k for k in ENVELOPE_SCHEMA if k not in ENVELOPE_REQUIRED)


def _check_optional(record: Mapping[str, Any]) -> str | None:
    """The optional envelope keys and the registry's payload keys of an event."""
    for key in _OPTIONAL_ENVELOPE:
        if key in record:
            problem = check_value(record[key], ENVELOPE_SCHEMA[key], f"/{key}")
            if problem:
                return problem
    spec_for = REGISTRY.get(record["event"]) if isinstance(record["event"], str) else None
    if spec_for is None:
        return None
    for key in spec_for.envelope:
        if key not in record:
            return f"/: missing required key '{key}'"
    for key in spec_for.required:
        if key not in record:
            return f"/: missing required key '{key}'"
    for key, sub in (*spec_for.required.items(), *spec_for.optional.items()):
        if key in record:
            problem = check_value(record[key], sub, f"/{_escape(key)}")
            if problem:
                return problem
    return None


def event_schema() -> dict[str, Any]:
    """The JSON Schema ``metrics-event.v1``, generated from the registry (kept as a file)."""
    conditions: list[dict[str, Any]] = []
    payloads: dict[str, Any] = {}
    for name, spec in REGISTRY.items():
        payload = {
            "type": "object",
            "required": [*spec.envelope, *spec.required],
            "properties": {**spec.required, **spec.optional},
        }
        payloads[name] = payload
        conditions.append(
            {
                "if": {"properties": {"event": {"const": name}}, "required": ["event"]},
                "then": {"$ref": f"#/$defs/payloads/{name}"},
            }
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:sessionkit:schema:metrics-event:1",
        "title": "sessionkit event record (events.jsonl), version 1",
        "description": "Generated from sessionkit.metrics.events.REGISTRY; do not edit by hand.",
        "type": "object",
        "required": list(ENVELOPE_REQUIRED),
        "properties": ENVELOPE_SCHEMA,
        "additionalProperties": True,
        "allOf": conditions,
        "$defs": {"payloads": payloads},
    }


# --------------------------------------------------------------------------- writing


_NAMES_OK: set[str] = set()


def check_name(event: str) -> None:
    """Writer-side name rules: registered owned names, custom names, no prior-art names."""
    if type(event) is str and event in _NAMES_OK:
        return
    _check_name(event)
    if len(_NAMES_OK) < 4096:  # names that passed once pass again; bounded memory
        _NAMES_OK.add(event)


def _check_name(event: str) -> None:
    if isinstance(event, str) and event.startswith("sessionkit.") and event in REGISTRY:
        return
    from sessionkit.metrics.errors import UnknownEventError  # only names that may be wrong

    if not isinstance(event, str) or not event:
        raise UnknownEventError("event name must be a non-empty string")
    if event.startswith("sessionkit."):
        import difflib  # only to word an error

        close = difflib.get_close_matches(event, list(REGISTRY), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}?" if close else None
        owned = _rx(OWNED_NAME_PATTERN).match(event)
        reason = "" if owned else " (and does not follow sessionkit.<domain>.<verb>)"
        raise UnknownEventError(f"event name {event!r} is not registered{reason}", hint=hint)
    if event.startswith("orchestrator."):
        raise UnknownEventError(
            f"event name {event!r} is in the prior art's read-only namespace; new "
            "orchestrator.* events are never written",
            hint="use a registered sessionkit.* name or your own <domain>.<verb> name",
        )
    if len(event) > 128 or not _custom_name_ok(event):
        raise UnknownEventError(
            f"event name {event!r} is not valid: custom names have at least two dot-separated "
            "segments of [a-z0-9_-], start with a letter, and are at most 128 characters"
        )


def build_event(
    event: str,
    payload: Mapping[str, Any] | None,
    *,
    timestamp: str,
    session_id: str | None,
    harness_session_id: str | None = None,
    run_id: str | None = None,
    agent_id: str | None = None,
    wave: int | None = None,
    platform: str | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Assemble and check an event record: envelope first, payload keys cannot override it."""
    check_name(event)
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        if hasattr(payload, "items"):
            payload = dict(payload)
        else:
            from sessionkit.metrics.errors import RecordInvalid

            raise RecordInvalid("payload must be a JSON object")
    clash = sorted(RESERVED_KEYS.intersection(payload))
    if clash:
        from sessionkit.metrics.errors import ReservedKeyError

        raise ReservedKeyError(
            f"payload key '{clash[0]}' is reserved for the event envelope; pass it as an "
            "argument or rename it"
        )
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "timestamp": timestamp,
        "event": event,
        "session_id": session_id,
    }
    for key, value in (
        ("harness_session_id", harness_session_id),
        ("run_id", run_id),
        ("agent_id", agent_id),
        ("wave", wave),
        ("platform", platform),
        ("source", source),
    ):
        if value is not None:
            record[key] = value
    record.update(payload)
    return record


def validate_event(record: Mapping[str, Any]) -> None:
    """Raise ``RecordInvalid`` with the JSON pointer when ``record`` breaks the schema."""
    problem = check_event(record)
    if problem:
        pointer = problem.split(":", 1)[0]
        from sessionkit.metrics.errors import RecordInvalid

        raise RecordInvalid(f"events record invalid at {problem}", pointer=pointer)


def resolve_session_id(root: str, explicit: str | None = None) -> str | None:
    """``session_id="auto"``: argument, ``SESSIONKIT_SESSION_ID``, active STATE.md, else None."""
    if explicit:
        return explicit
    if _env_set(_SESSION_ID_KEY):
        env = os.environ.get("SESSIONKIT_SESSION_ID")
        if env:
            return env
    if not _state_file_may_exist(root):
        return None  # nothing to read: skip importing sessionkit.state on the hook path
    try:
        reader = _STATE_READER[0]
        if reader is None:
            from sessionkit.metrics._state_head import current_session_id

            reader = _STATE_READER[0] = current_session_id
        return reader(root)
    except Exception:  # best effort: an unreadable STATE.md means "no session"
        return None


# Where sessionkit.state looks for STATE.md without SESSIONKIT_STATE_DIR (its HARNESS_DIRS;
# a test keeps the two equal).
STATE_DIRS = (".claude", ".codex", ".cursor")


# Roots where no STATE.md was found, with the monotonic time of the look: for one second a
# burst of appends stats nothing (``sessionkit.state`` keeps its resolved path as long, and
# clears both caches whenever it writes a STATE.md).
NO_STATE_SEEN: dict[str, float] = {}


def _state_file_may_exist(root: str) -> bool:
    """False only when no STATE.md can be found, so no session id can be read."""
    seen = NO_STATE_SEEN.get(root)
    now = time.monotonic()
    if seen is not None and now - seen < 1.0:
        return False
    if os.environ.get("SESSIONKIT_STATE_DIR") or os.environ.get("SO_STATE_DIR"):
        return True
    if any(os.path.exists(os.path.join(root, d, "STATE.md")) for d in STATE_DIRS):
        return True
    if config_may_set_state_dir(root):
        return True  # Session Config state.dir (spec §7.1 rule 2): the reader resolves it
    if len(NO_STATE_SEEN) > 64:
        NO_STATE_SEEN.clear()
    NO_STATE_SEEN[root] = now
    return False


# The files a Session Config can live in (config.md §2.2) and the largest one it reads (§3.1).
CONFIG_FILE_ENV = ("SESSIONKIT_CONFIG_FILE", "SO_CONFIG_FILE")
INSTRUCTION_FILES = ("CLAUDE.md", "AGENTS.md")
_CONFIG_MAX_BYTES = 8 * 1024 * 1024


def config_may_set_state_dir(root: str) -> bool:
    """False only when no Session Config of ``root`` can set ``state.dir`` (spec §7.1 rule 2).

    Loading the config costs the hook ``json`` and ``re``. A value for ``state.dir`` needs the
    ``## Session Config`` heading (case-sensitive, config.md §3.2) and the words ``state`` and
    ``dir`` in a UTF-8 instruction file, so a file without them, or no file, is answered
    without loading it. A config file named by the environment is always loaded.
    """
    if any(os.environ.get(key) for key in CONFIG_FILE_ENV):
        return True
    for name in INSTRUCTION_FILES:
        try:
            with open(os.path.join(root, name), "rb") as handle:
                text = handle.read(_CONFIG_MAX_BYTES)
        except OSError:
            continue
        if b"Session Config" in text:
            lower = text.lower()
            if b"state" in lower and b"dir" in lower:
                return True
    return False


# sessionkit.state.current_session_id, imported on first use (state imports this module).
_STATE_READER: list[Callable[[str], str | None] | None] = [None]


def metrics_dir_for(root: str, metrics_dir: str | None = None) -> str:
    """Store root without config: argument, ``SESSIONKIT_METRICS_DIR``, the default."""
    chosen = metrics_dir or os.environ.get("SESSIONKIT_METRICS_DIR") or ".orchestrator/metrics"
    return chosen if os.path.isabs(chosen) else os.path.join(root, chosen)


# ``os.environ.get`` of an unset variable costs an encode and a raised KeyError (about a
# microsecond); the append path reads two variables per record. On POSIX ``os.environ`` keeps
# its values in a dict keyed by the encoded names, always in step with the mapping, so the two
# hot reads look there; elsewhere (or should that layout change) they use ``os.environ.get``.
_ENV_DATA: Any = getattr(os.environ, "_data", None) if os.name == "posix" else None
if not isinstance(_ENV_DATA, dict):  # pragma: no cover - other platforms and layouts
    _ENV_DATA = None
_NO_METRICS_KEY = b"SESSIONKIT_NO_METRICS"
_SESSION_ID_KEY = b"SESSIONKIT_SESSION_ID"


def _env_set(key: bytes) -> bool:
    """Whether the variable named by ``key`` holds a non-empty value."""
    if _ENV_DATA is not None:
        return bool(_ENV_DATA.get(key))
    return bool(os.environ.get(key.decode()))  # pragma: no cover - other platforms


def metrics_disabled() -> bool:
    if not _env_set(_NO_METRICS_KEY):
        return False
    return os.environ.get("SESSIONKIT_NO_METRICS", "") not in ("", "0", "false", "no")


def emit_event(
    root: str,
    event: str,
    payload: Mapping[str, Any] | None = None,
    *,
    metrics_dir: str | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    fsync: str = "auto",
    timeout: float = 0.25,
    rotate_max_bytes: int | None = 10 * 1024 * 1024,
    clock: Callable[[], datetime] | None = None,
    session_id: str | None = None,
    **envelope: Any,
) -> dict[str, Any]:
    """Best-effort event append for the agent hook: stdlib only, never raises.

    Returns ``{"action": "appended" | "spooled" | "disabled" | "failed", ...}``. A lock busy
    for longer than ``timeout`` (a large rewrite) sends the line to a spool file instead.
    """
    if metrics_disabled():
        return {"action": "disabled"}
    try:
        record = build_event(
            event,
            payload,
            timestamp=_now_ts(clock),
            session_id=resolve_session_id(root, session_id),
            **envelope,
        )
        # The writer set schema_version and the timestamp and check_name passed the name, so
        # the writer-built check gives check_event's verdict (a test compares them).
        problem = check_built_event(record)
        if problem:
            pointer = problem.split(":", 1)[0]
            from sessionkit.metrics.errors import RecordInvalid

            raise RecordInvalid(f"events record invalid at {problem}", pointer=pointer)
        directory = metrics_dir_for(root, metrics_dir)
        path = os.path.join(directory, "events.jsonl")
        sync = fsync == "always"
        if not sync and "sessionkit.metrics._jsonl" not in sys.modules:
            line = _plain_line(record, max_line_bytes)
            if line is not None and _append_plain(path, line, rotate_max_bytes):
                return {"action": "appended", "path": path}
        from sessionkit.metrics import _jsonl

        line, _parsed = _jsonl.encode_record(record, stream="events", max_bytes=max_line_bytes)
        from sessionkit.metrics.errors import LockTimeout

        try:
            _jsonl.append_lines(path, line, fsync=sync, timeout=timeout, rotate_at=rotate_max_bytes)
        except LockTimeout:
            spooled = _jsonl.spool_write(os.path.join(directory, "spool"), "events", line)
            return {"action": "spooled", "path": spooled}
        return {"action": "appended", "path": path}
    except Exception as exc:  # the hook's decision must never depend on telemetry
        return {"action": "failed", "error": f"{type(exc).__name__}: {exc}"}


# The plain append of the agent hook's one event per process. The store's writer
# (``_jsonl.append_lines``) costs about 15 ms of imports (dataclasses, typing, secrets); this
# path takes the same exclusive ``flock`` on the data file, revalidates the inode the same
# way and writes the same canonical line, and hands every case it does not cover (lock busy,
# torn tail, rotation due, fsync, Windows, a bad record) to the store's writer unchanged.


def _now_ts(clock: Callable[[], datetime] | None) -> str:
    """``timestamps.now_ts(clock)`` without importing ``datetime`` for the system clock."""
    if clock is not None:
        from sessionkit.metrics.timestamps import now_ts

        return now_ts(clock)
    now = time.time()
    second = int(now)
    head = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
    return f"{head}{int((now - second) * 1000):03d}Z"


def _plain_line(record: dict[str, Any], max_bytes: int) -> bytes | None:
    """The canonical line of ``record`` (as ``_jsonl.encode_record``), None when unsure.

    ``sessionkit._jsonfast`` drives the same C encoder and scanner as ``json`` without
    importing ``json`` (and ``re`` with it); errors fall through to the store's writer.
    """
    from sessionkit import _jsonfast

    try:
        text = _jsonfast.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        data = text.encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return None
    if _jsonfast.loads(text) != record or len(data) + 1 > max_bytes:
        return None  # the store's writer words the error
    return data + b"\n"


def _append_plain(path: str, line: bytes, rotate_at: int | None) -> bool:
    """Append ``line`` under the stream's lock; False (nothing written) to defer."""
    if os.name != "posix" or sys.platform == "darwin":
        return False
    import fcntl

    directory = os.path.dirname(path)
    try:
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, mode=0o755, exist_ok=True)
        if os.path.islink(path):
            return False
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(path, flags, 0o644)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # busy: the store's writer waits, then spools
        held = os.fstat(fd)
        try:
            current = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            return False
        if (current.st_dev, current.st_ino) != (held.st_dev, held.st_ino):
            return False  # replaced meanwhile (rewrite, rotation)
        size = os.lseek(fd, 0, os.SEEK_END)
        if size > 0 and os.pread(fd, 1, size - 1) != b"\n":
            return False  # torn tail: the store's writer repairs and warns
        if rotate_at is not None and size + len(line) >= rotate_at:
            return False  # rotation due
        done = 0
        try:
            while done < len(line):
                done += os.write(fd, line[done:])
        except OSError:
            try:
                os.ftruncate(fd, size)  # nothing half-written stays behind; then defer
            except OSError:
                from sessionkit.metrics.errors import MetricsIOError

                raise MetricsIOError(f"{path}: a failed write could not be undone") from None
            return False
        return True
    finally:
        os.close(fd)  # releases the flock


# --------------------------------------------------------------------------- reading


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _rx(UUID_PATTERN).match(value) is not None


def normalize_event(record: dict[str, Any], *, raw_names: bool = False) -> dict[str, Any]:
    """A prior-art event in canonical shape, in memory (spec §3.9); canonical records as-is.

    The stored line is never changed; the returned dict is a copy when anything differs.
    """
    if record.get("schema_version") == 1 and str(record.get("event", "")).startswith("sessionkit."):
        return record
    out = dict(record)
    if "event" not in out and "event_type" in out:
        out["event"] = out["event_type"]
    if out.get("schema_version") is None:
        # Attribution: semantic_session_id, then session, then a non-UUID session_id.
        sid = out.get("session_id")
        semantic = out.get("semantic_session_id") or out.get("session")
        if is_uuid(sid):
            out.setdefault("harness_session_id", sid)
            out["session_id"] = semantic if isinstance(semantic, str) else None
        elif semantic and not sid:
            out["session_id"] = semantic
        out.setdefault("session_id", None)
    if raw_names:
        return out
    name = out.get("event")
    canonical = NAME_ALIASES.get(name) if isinstance(name, str) else None
    if canonical is None:
        return out
    out["event"] = canonical
    out["_prior_art_event"] = name
    if canonical == "sessionkit.guard.decision":
        _alias_guard(out, name)
    elif canonical == "sessionkit.gate.result":
        out.setdefault("status", "pass" if str(name).endswith(".passed") else "fail")
        if "wave_number" in out and "wave" not in out:
            out["wave"] = out["wave_number"]
    return out


def _alias_guard(out: dict[str, Any], name: Any) -> None:
    if name == "orchestrator.config.protection_warning":
        action = "block" if out.get("blocked") else "warn"
        finding = {
            "check": "weakening",
            "rule_id": "config-protection",
            "action": action,
            "target": out.get("file"),
        }
    else:
        action = "block" if str(name).endswith(".blocked") else "warn"
        finding = {
            "check": "destructive",
            "rule_id": out.get("rule") or out.get("rule_id"),
            "action": action,
        }
    out.setdefault("action", action)
    out.setdefault("findings", [finding])
    if "command_hash" in out and "command_sha256" not in out:
        out["command_sha256"] = out["command_hash"]
