"""The session ledger: idempotent ``record_session`` (spec §3.4)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sessionkit._version import __version__
from sessionkit.metrics import _jsonl, legacy
from sessionkit.metrics.errors import DuplicateSessionError, RecordInvalid
from sessionkit.metrics.fold import canonical_json
from sessionkit.metrics.streams import Stream
from sessionkit.metrics.timestamps import parse_ts

if TYPE_CHECKING:
    from sessionkit.metrics.store import MetricsStore

_IGNORED_FOR_IDENTITY = ("recorded_at", "recorded_by")


@dataclass(frozen=True)
class SessionWriteResult:
    action: str  # appended | unchanged | replaced-stub | forced
    session_id: str
    path: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "action": self.action,
            "stream": "sessions",
            "session_id": self.session_id,
        }


def complete_record(store: MetricsStore, record: Mapping[str, Any]) -> dict[str, Any]:
    """``schema_version`` first, derived ``status``/``duration_seconds``, provenance keys."""
    data = {k: v for k, v in record.items() if k != "schema_version"}
    out: dict[str, Any] = {"schema_version": 2, **data}
    out.setdefault("status", "completed")
    try:
        started = parse_ts(out["started_at"])
        completed = parse_ts(out["completed_at"])
        out.setdefault(
            "duration_seconds", max(0, math.floor((completed - started).total_seconds()))
        )
    except (KeyError, ValueError, TypeError):
        pass  # the schema check names the missing or malformed field
    out["recorded_at"] = store.now_ts()
    out["recorded_by"] = f"sessionkit {__version__}"
    return out


def record_session(
    store: MetricsStore,
    record: Mapping[str, Any],
    *,
    force: bool = False,
    dry_run: bool = False,
) -> SessionWriteResult:
    """Append a session record unless the same content is already in the ledger."""
    if not isinstance(record, Mapping):
        raise RecordInvalid("a session record must be a JSON object")
    completed = complete_record(store, record)
    line, parsed = store.prepare(Stream.SESSIONS, completed)
    sid = str(parsed["session_id"])
    path = str(store.path(Stream.SESSIONS))
    identity = canonical_json(parsed, ignore=_IGNORED_FOR_IDENTITY)
    os.makedirs(store.root, exist_ok=True)
    with _jsonl.LockedFile(path, timeout=store.settings.metrics.lock_timeout_s) as locked:
        size = os.fstat(locked.fd).st_size
        lines, _stats = _jsonl.split_lines(_jsonl._read_at(locked.fd, size, 0) if size else b"")
        same = [
            (ln.number, legacy.normalize_session(ln.record))
            for ln in lines
            if ln.record is not None and ln.record.get("session_id") == sid
        ]
        action = "appended"
        first_line = same[0][0] if same else None
        if same:
            if any(canonical_json(r, ignore=_IGNORED_FOR_IDENTITY) == identity for _, r in same):
                return SessionWriteResult("unchanged", sid, path, first_line)
            only_stubs = all(r.get("status") == "abandoned" for _, r in same)
            if only_stubs and parsed.get("status") != "abandoned":
                action = "replaced-stub"
            elif force:
                parsed["_forced"] = True
                line, parsed = store.prepare(Stream.SESSIONS, parsed)
                action = "forced"
            else:
                raise DuplicateSessionError(
                    f"session '{sid}' is already recorded at line {first_line} with different "
                    "content; pass --force to record a second version"
                )
        if dry_run:
            return SessionWriteResult(action, sid, path, first_line)
        if events_disabled():
            return SessionWriteResult("disabled", sid, path)
        _jsonl.write_locked(locked, line, fsync=store.fsync_for(Stream.SESSIONS))
    store.emit_internal("sessionkit.session.recorded", {"action": action})
    return SessionWriteResult(action, sid, path, first_line)


def events_disabled() -> bool:
    from sessionkit.metrics.events import metrics_disabled

    return metrics_disabled()
