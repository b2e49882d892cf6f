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


def _canonical_keys(data: dict[str, Any]) -> dict[str, Any]:
    """Legacy alias keys (spec §3.9) replaced by their canonical keys; never written (§3.4).

    A legacy value fills its canonical key only when that key is absent, as on read.
    """
    out = dict(data)
    for legacy_key, canonical in legacy.SESSION_ALIASES:
        if legacy_key in out:
            value = out.pop(legacy_key)
            out.setdefault(canonical, value)
    return out


def complete_record(store: MetricsStore, record: Mapping[str, Any]) -> dict[str, Any]:
    """``schema_version`` first, derived ``status``/``duration_seconds``, provenance keys.

    ``duration_seconds`` is always derived from the timestamps (a caller's value is
    replaced), and legacy alias keys are mapped to their canonical keys (spec §3.4).
    """
    data = _canonical_keys({k: v for k, v in record.items() if k != "schema_version"})
    out: dict[str, Any] = {"schema_version": 2, **data}
    out.setdefault("status", "completed")
    try:
        started = parse_ts(out["started_at"])
        completed = parse_ts(out["completed_at"])
        out["duration_seconds"] = max(0, math.floor((completed - started).total_seconds()))
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
    if events_disabled() and not dry_run:
        return SessionWriteResult("disabled", sid, path)  # creates nothing (spec §2.1)
    if dry_run and not os.path.exists(path):
        return SessionWriteResult("appended", sid, path)  # a dry run creates no file either
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
        _jsonl.write_locked(locked, line, fsync=store.fsync_for(Stream.SESSIONS))
    # the event is about the recorded session, whichever session (if any) is current (§3.3)
    store.emit_internal("sessionkit.session.recorded", {"action": action}, session_id=sid)
    return SessionWriteResult(action, sid, path, first_line)


def events_disabled() -> bool:
    from sessionkit.metrics.events import metrics_disabled

    return metrics_disabled()


_ZEROED = ("total_waves", "waves", "agent_summary", "total_agents", "total_files_changed")


def abandoned_stub(
    store: MetricsStore,
    session_id: str,
    *,
    source: str,
    session_type: str | None = None,
    started_at: str | None = None,
    completed_at: str | None = None,
) -> dict[str, Any]:
    """A ledger stub for a session that never completed (spec §3.4)."""
    now = store.now_ts()
    stub: dict[str, Any] = {
        "session_id": session_id,
        "session_type": session_type or "housekeeping",
        "status": "abandoned",
        "started_at": started_at or completed_at or now,
        "completed_at": completed_at or now,
        "_completed_at_estimated": True,
        "total_waves": 0,
        "waves": [],
        "agent_summary": {"complete": 0, "partial": 0, "failed": 0, "spiral": 0},
        "total_agents": 0,
        "total_files_changed": 0,
        "_backfill_source": source,
        "_backfill_incomplete_fields": list(_ZEROED),
    }
    if session_type is None:
        stub["_session_type_inferred"] = True
    return stub


def build_record(
    state: Any, store: MetricsStore, *, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A session record assembled from STATE.md, git and the session's events (spec §3.4)."""
    fm = state.frontmatter
    sid = fm.get("session")
    kind = fm.get("session-type")
    if not isinstance(sid, str) or not sid or kind in (None, "none"):
        raise RecordInvalid(
            "STATE.md has no session to record (session unset or session-type none)"
        )
    waves = []
    summary = {"complete": 0, "partial": 0, "failed": 0, "spiral": 0}
    for wave in state.waves:
        entry: dict[str, Any] = {
            "wave": wave["wave"],
            "role": wave["role"],
            "agent_count": len(wave["agents"]),
        }
        suite = wave.get("suite")
        if suite:
            entry["quality"] = "pass" if suite["failed"] == 0 else "fail"
        waves.append(entry)
        for agent in wave["agents"]:
            key = {"done": "complete", "partial": "partial", "failed": "failed"}[agent["status"]]
            summary[key] += 1
    incomplete = ["agent_summary.spiral"]
    record: dict[str, Any] = {
        "session_id": sid,
        "session_type": kind,
        "started_at": fm.get("started_at"),
        "completed_at": store.now_ts(),
    }
    for src, dst in (
        ("branch", "branch"),
        ("platform", "platform"),
        ("harness-session-id", "harness_session_id"),
    ):
        if isinstance(fm.get(src), str):
            record[dst] = fm[src]
    record.update(
        total_waves=len(waves),
        waves=waves,
        agent_summary=summary,
        total_agents=sum(summary.values()),
    )
    start_ref = fm.get("session-start-ref")
    changed = _files_changed(store, start_ref) if isinstance(start_ref, str) else None
    if changed is None:
        record["total_files_changed"] = 0
        incomplete.append("total_files_changed")
    else:
        record["total_files_changed"] = changed
        record["start_ref"] = start_ref
        head = _git_head(store)
        if head:
            record["end_ref"] = head
    record.update(_event_summaries(store, sid))
    record["_incomplete_fields"] = incomplete
    for key, value in (overrides or {}).items():
        record[key] = value
    return record


def _git_head(store: MetricsStore) -> str | None:
    from sessionkit import git

    proc = git.run(["rev-parse", "HEAD"], cwd=store.state_root, check=False)
    value = proc.stdout.decode().strip()
    return value if proc.returncode == 0 and value else None


def _files_changed(store: MetricsStore, start_ref: str) -> int | None:
    from sessionkit import git

    proc = git.run(
        ["diff", "--name-only", "-z", start_ref, "HEAD"], cwd=store.state_root, check=False
    )
    if proc.returncode != 0:
        return None
    return len(git.zsplit(proc.stdout))


def _event_summaries(store: MetricsStore, session_id: str) -> dict[str, Any]:
    gates = {"runs": 0, "pass": 0, "fail": 0, "error": 0}
    guard = {"blocked": 0, "asked": 0, "warned": 0}
    for record in store.query("events", session=session_id):
        name = record.get("event")
        if name == "sessionkit.gate.result" and record.get("status") in ("pass", "fail", "error"):
            gates["runs"] += 1
            gates[record["status"]] += 1
        elif name == "sessionkit.guard.decision":
            key = {"block": "blocked", "ask": "asked", "warn": "warned"}.get(
                str(record.get("action"))
            )
            if key:
                guard[key] += 1
    return {"gate_summary": gates, "guard_summary": guard}
