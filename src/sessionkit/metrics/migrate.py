"""``metrics migrate``: convert the prior art's files in place (spec §6.5).

Each stream is one locked rewrite with a backup; conversions are deterministic (a learning
without id gets a UUID v5), so two clones migrating the same tracked file produce identical
lines. A second run finds nothing to do.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sessionkit.metrics import _jsonl, events, rotation
from sessionkit.metrics._jsonl import Line
from sessionkit.metrics.learnings import (
    canonical_type,
    derive_expires_at,
    deterministic_id,
    ttl_for,
)
from sessionkit.metrics.legacy import (
    LEARNING_INSIGHT_SOURCES,
    LEARNING_TIMESTAMPS,
    SESSION_ALIASES,
)
from sessionkit.metrics.maintenance import Report, list_foreign_files
from sessionkit.metrics.rewrite import Keep, Replace, RewritePlan
from sessionkit.metrics.streams import Stream, parse_stream
from sessionkit.metrics.timestamps import normalize_lenient, parse_ts
from sessionkit.metrics.validation import problems

if TYPE_CHECKING:
    from sessionkit.metrics.settings import LearningsSettings
    from sessionkit.metrics.store import MetricsStore

PRIOR_ART = "session-orchestrator"
_ZERO_SUMMARY = {"complete": 0, "partial": 0, "failed": 0, "spiral": 0}


def _ts(record: dict[str, Any], key: str, notes: list[str]) -> None:
    value = record.get(key)
    if not isinstance(value, str):
        return
    try:
        canonical, note = normalize_lenient(value)
    except ValueError:
        return
    if canonical != value:
        record[key] = canonical
        notes.append(f"{key}: {value} -> {canonical}" + (f" ({note})" if note else ""))


def migrate_session(record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The canonical v2 form of a prior-art session record, and what changed."""
    out = dict(record)
    notes: list[str] = []
    if "ended_at" in out:
        ended = out.pop("ended_at")
        if "completed_at" not in out:
            out["completed_at"] = ended
        elif out["completed_at"] != ended:
            out["_completed_at_conflict"] = True
        notes.append("ended_at folded into completed_at")
    for legacy_key, canonical in SESSION_ALIASES:
        if legacy_key in out and legacy_key != "ended_at":
            value = out.pop(legacy_key)
            if legacy_key in ("waves_total", "waves_completed") and "total_waves" not in out:
                out["total_waves"] = value
            elif canonical not in out:
                out[canonical] = value
            notes.append(f"{legacy_key} -> {canonical}")
    scalar = {
        k: out.pop(k)
        for k in ("agents_dispatched", "agents_complete", "agents_partial", "agents_failed")
        if k in out
    }
    if scalar and "agent_summary" not in out:
        out["agent_summary"] = {
            "complete": int(scalar.get("agents_complete", 0)),
            "partial": int(scalar.get("agents_partial", 0)),
            "failed": int(scalar.get("agents_failed", 0)),
            "spiral": 0,
        }
        notes.append("legacy agent counters -> agent_summary")
    if "duration_min" in out:
        minutes = out.pop("duration_min")
        if isinstance(minutes, (int, float)) and "duration_seconds" not in out:
            out["duration_seconds"] = int(minutes * 60)
        notes.append("duration_min -> duration_seconds")
    waves = out.get("waves")
    if isinstance(waves, list):
        fixed = []
        renumber = any(
            not isinstance(w, dict) or not isinstance(w.get("wave"), int) or w.get("wave", 0) < 1
            for w in waves
        )
        for index, wave in enumerate(waves, 1):
            entry = dict(wave) if isinstance(wave, dict) else {}
            if "name" in entry and "role" not in entry:
                entry["role"] = entry.pop("name")
            if renumber:
                entry["wave"] = index
            fixed.append(entry)
        if fixed != waves:
            out["waves"] = fixed
            notes.append("waves normalised")
    backfilled: list[str] = []
    if "waves" not in out:
        out["waves"] = []
        backfilled.append("waves")
    if "total_waves" not in out:
        out["total_waves"] = len(out["waves"])
        backfilled.append("total_waves")
    if "agent_summary" not in out:
        out["agent_summary"] = dict(_ZERO_SUMMARY)
        backfilled.append("agent_summary")
    if "total_agents" not in out:
        summary = out["agent_summary"]
        total = scalar.get("agents_dispatched")
        if total is None and isinstance(summary, dict):
            total = sum(v for v in summary.values() if isinstance(v, int))
        out["total_agents"] = int(total or 0)
    if "total_files_changed" not in out:
        out["total_files_changed"] = 0
        backfilled.append("total_files_changed")
    for key in ("started_at", "completed_at", "lease_acquired_at", "_original_completed_at"):
        _ts(out, key, notes)
    try:
        if parse_ts(out["completed_at"]) < parse_ts(out["started_at"]) and not out.get("_clamped"):
            out["_original_completed_at"] = out["completed_at"]
            out["completed_at"] = out["started_at"]
            out["_clamped"] = True
            notes.append("completed_at before started_at: clamped")
    except (KeyError, ValueError, TypeError):
        pass
    if backfilled:
        out["_backfill_incomplete_fields"] = sorted(
            set(out.get("_backfill_incomplete_fields") or []) | set(backfilled)
        )
        out.setdefault("_backfill_source", "sessionkit-migrate")
        notes.append(f"zeroed: {', '.join(backfilled)}")
    if out.get("schema_version") != 2:
        notes.append(f"schema_version {out.get('schema_version')!r} -> 2")
    body = {k: v for k, v in out.items() if k != "schema_version"}
    out = {"schema_version": 2, **body}
    if notes:
        out["_migrated_from"] = PRIOR_ART
    return out, notes


def migrate_learning(
    record: dict[str, Any], settings: LearningsSettings | None = None
) -> tuple[dict[str, Any], list[str]]:
    out = dict(record)
    notes: list[str] = []
    kind = out.get("type")
    if isinstance(kind, str) and canonical_type(kind) != kind:
        out["type"] = canonical_type(kind)
        notes.append(f"type {kind} -> {out['type']}")
        if "expires_at" in out:
            notes.append(
                f"expires_at kept; the {out['type']} TTL is {ttl_for(out['type'], settings=settings)} days"
            )
    for legacy_key, canonical in (
        ("files", "file_paths"),
        ("last_seen", "updated_at"),
        ("name", "subject"),
    ):
        if legacy_key in out:
            value = out.pop(legacy_key)
            out.setdefault(canonical, value)
            notes.append(f"{legacy_key} -> {canonical}")
    for key in LEARNING_INSIGHT_SOURCES:
        if key in out:
            value = out.pop(key)
            out.setdefault("insight", value)
            notes.append(f"{key} -> insight")
    if "next_review" in out and out["next_review"] is None:
        del out["next_review"]
        notes.append("next_review: null dropped")
    sessions = out.pop("sessions", None)
    if "source_session" not in out and isinstance(sessions, list) and sessions:
        out["source_session"] = sessions[0]
        notes.append("source_session from sessions[0]")
    if isinstance(sessions, list) and "evidence_sessions" not in out:
        out["evidence_sessions"] = [s for s in sessions if isinstance(s, str)][-50:]
    if out.get("session_id") is not None and out.get("session_id") == out.get("source_session"):
        del out["session_id"]
        notes.append("session_id equal to source_session removed")
    if "evidence" not in out:
        out["evidence"] = ""
        notes.append('evidence: ""')
    if not out.get("subject"):
        title = out.get("title")
        insight = str(out.get("insight") or "")
        out["subject"] = title if isinstance(title, str) and title else insight.split("\n")[0][:80]
        notes.append("subject derived")
    if out.get("scope") not in (None, "local", "private", "public"):
        out["scope"] = "local"
        notes.append("scope -> local")
    for key in LEARNING_TIMESTAMPS:
        _ts(out, key, notes)
    if (
        "expires_at" not in out
        and isinstance(out.get("created_at"), str)
        and isinstance(out.get("type"), str)
    ):
        days = ttl_for(out["type"], settings=settings)
        out["expires_at"] = derive_expires_at(out["created_at"], out["type"], settings=settings)
        out["_derived_expires_at"] = True
        notes.append(f"expires_at derived ({days} days)")
    confidence = out.get("confidence")
    if isinstance(confidence, (int, float)) and not isinstance(confidence, bool):
        clamped = round(min(1.0, max(0.0, float(confidence))), 4)
        if clamped != confidence:
            out["confidence"] = clamped
            notes.append("confidence clamped/rounded")
    if not out.get("id"):
        out["id"] = deterministic_id(
            str(out.get("type")),
            str(out.get("subject")),
            str(out.get("created_at")),
            str(out.get("source_session")),
        )
        notes.append("deterministic id assigned")
    if out.get("schema_version") != 1:
        notes.append(f"schema_version {out.get('schema_version')!r} -> 1")
    body = {k: v for k, v in out.items() if k != "schema_version"}
    return {"schema_version": 1, **body}, notes


def migrate_event(
    record: dict[str, Any], bridge: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    if record.get("schema_version") == 1:
        # Already sessionkit's envelope: only the timestamp may still need converting (an
        # offset written by another tool; validate points here for it, spec §6.5).
        out = dict(record)
        _ts(out, "timestamp", notes)
        return (out, notes) if notes else (record, [])
    out = dict(record)
    if "event" not in out and "event_type" in out:
        out["event"] = out.pop("event_type")
        notes.append("event_type -> event")
    sid = out.get("session_id")
    semantic = out.pop("semantic_session_id", None)
    session = out.pop("session", None)
    chosen = (
        semantic if isinstance(semantic, str) else session if isinstance(session, str) else None
    )
    if semantic is not None:
        notes.append("semantic_session_id removed from the payload")
    if session is not None:
        notes.append("session removed from the payload")
    if events.is_uuid(sid):
        out["harness_session_id"] = sid
        out["session_id"] = chosen or bridge.get(str(sid))
        notes.append("UUID session_id -> harness_session_id")
        if out["session_id"] is not None and not chosen:
            notes.append("session_id from the lock bridge")
    elif chosen and not sid:
        out["session_id"] = chosen
        notes.append("session id moved to the envelope")
    out.setdefault("session_id", None)
    wave = out.pop("wave", None)
    if "wave_number" in out and wave is None:
        wave = out.pop("wave_number")
        notes.append("wave_number -> wave")
    if isinstance(wave, int) and not isinstance(wave, bool) and wave >= 1:
        out["wave"] = wave
    elif wave is not None:
        out["legacy_wave"] = wave
        notes.append("wave -> legacy_wave (not a wave number)")
    _ts(out, "timestamp", notes)
    envelope = {k: out.pop(k) for k in events.ENVELOPE_KEYS if k in out and k != "schema_version"}
    ordered = {
        "schema_version": 1,
        **{k: envelope[k] for k in events.ENVELOPE_KEYS if k in envelope},
        **out,
    }
    notes.append("envelope schema_version 1")
    return ordered, notes


def _bridge(store: MetricsStore) -> dict[str, str]:
    bridge: dict[str, str] = {}
    for path in store.files(Stream.EVENTS):
        for record in _jsonl.iter_records(path, _jsonl.ScanStats()):
            if record.get("event") == "orchestrator.session.lock.acquired":
                harness = record.get("session_id")
                semantic = record.get("semantic_session_id") or record.get("session")
                if isinstance(harness, str) and isinstance(semantic, str):
                    bridge[harness] = semantic
    return bridge


def _whole(
    store: MetricsStore, stream: Stream, convert: Any, report: Report, dry_run: bool
) -> None:
    rel = store.path(stream).name

    def planner(lines: list[Line]) -> RewritePlan:
        plan = RewritePlan({})
        for line in lines:
            if line.record is None:
                plan.dispositions[line.number] = Keep()
                report.add(
                    line.problem or "invalid-json",
                    "error",
                    "unparseable line kept (repair quarantines it)",
                    stream=stream.value,
                    file=rel,
                    line=line.number,
                )
                continue
            new, notes = convert(line.record)
            _report_kept_session_id(stream, new, report, rel, line.number)
            if not notes or new == line.record:
                plan.dispositions[line.number] = Keep()
                continue
            errors = [p for p in problems(stream, new) if p.severity == "error"]
            if errors:
                plan.dispositions[line.number] = Keep()
                report.add(
                    "still-invalid",
                    "error",
                    f"kept verbatim; after conversion: {errors[0].message}",
                    stream=stream.value,
                    file=rel,
                    line=line.number,
                )
                continue
            plan.dispositions[line.number] = Replace(new)
            report.actions.append(
                {
                    "action": "convert",
                    "stream": stream.value,
                    "line": line.number,
                    "done": not dry_run,
                    "changes": notes,
                }
            )
        return plan

    result = store.rewrite(
        stream, planner, reason="migrate", dry_run=dry_run, by="sessionkit metrics migrate"
    )
    report.streams[stream.value] = {"changed": result.changed, **result.counts()}


def _report_kept_session_id(
    stream: Stream, record: dict[str, Any], report: Report, rel: str, number: int
) -> None:
    """A learning's ``session_id`` that differs from ``source_session`` is kept and reported
    (spec §6.5): it may name the session that last touched the learning, so it is not dropped."""
    if stream not in (Stream.LEARNINGS, Stream.LEARNINGS_ARCHIVE):
        return
    sid = record.get("session_id")
    if sid is None or sid == record.get("source_session"):
        return
    report.add(
        "session-id-kept",
        "info",
        f"learning {record.get('id')}: session_id {sid!r} differs from source_session "
        f"{record.get('source_session')!r}; kept",
        stream=stream.value,
        file=rel,
        line=number,
    )


def migrate(
    store: MetricsStore,
    *,
    streams: Sequence[str] | None = None,
    include_state: bool = True,
    dry_run: bool = True,
) -> Report:
    report = Report("migrate", dry_run=dry_run)
    chosen = (
        [parse_stream(s) for s in streams]
        if streams
        else [
            Stream.SESSIONS,
            Stream.LEARNINGS,
            Stream.LEARNINGS_ARCHIVE,
            Stream.EVENTS,
            Stream.SUBAGENTS,
        ]
    )
    settings = store.settings.learnings
    list_foreign_files(store, report)  # "untouched; listed" (§6.5)
    for stream in chosen:
        if stream in (Stream.EVENTS, Stream.SUBAGENTS):
            _numbered_segments(store, stream, report, dry_run)
        if not store.path(stream).exists():
            continue
        if stream is Stream.SESSIONS:
            _whole(store, stream, migrate_session, report, dry_run)
        elif stream in (Stream.LEARNINGS, Stream.LEARNINGS_ARCHIVE):
            _whole(store, stream, lambda r: migrate_learning(r, settings), report, dry_run)
        elif stream is Stream.EVENTS:
            bridge = _bridge(store)
            _per_line(store, stream, lambda r, b=bridge: migrate_event(r, b), report, dry_run)
        elif stream is Stream.SUBAGENTS:
            _per_line(store, stream, _migrate_subagent, report, dry_run)
    if include_state:
        _migrate_state(store, report, dry_run)
    return report


def _migrate_subagent(record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    out = dict(record)
    _ts(out, "timestamp", notes)
    if "schema_version" not in out:
        notes.append("schema_version -> 1")
        out = {"schema_version": 1, **out}
    return out, notes


def _per_line(
    store: MetricsStore, stream: Stream, convert: Any, report: Report, dry_run: bool
) -> None:
    def planner(line: Line) -> Any:
        if line.record is None:
            # A torn write: unterminated at the end, or invalid JSON once a later append
            # (for example the rewritten events of the streams migrated before) repaired
            # the tail. Volatile streams keep no unparseable line (spec §9.5 M9).
            report.actions.append(
                {
                    "action": "quarantine",
                    "stream": stream.value,
                    "line": line.number,
                    "reason": line.problem or "invalid-json",
                    "done": not dry_run,
                }
            )
            return _quarantine(line)
        new, notes = convert(line.record)
        if not notes or new == line.record:
            return Keep()
        report.actions.append(
            {
                "action": "convert",
                "stream": stream.value,
                "line": line.number,
                "done": not dry_run,
                "changes": notes,
            }
        )
        return Replace(new)

    result = store.rewrite(
        stream,
        planner,
        reason="migrate",
        dry_run=dry_run,
        mode="per_line",
        by="sessionkit metrics migrate",
    )
    report.streams[stream.value] = {"changed": result.changed, **result.counts()}


def _quarantine(line: Line) -> Any:
    from sessionkit.metrics.rewrite import Quarantine

    return Quarantine(line.problem or "invalid-json")


def _numbered_segments(store: MetricsStore, stream: Stream, report: Report, dry_run: bool) -> None:
    from sessionkit.metrics.streams import segments

    old, _new = segments(str(store.root), stream)
    for path in old:  # oldest first
        last: str | None = None
        for record in _jsonl.iter_records(path, _jsonl.ScanStats()):
            ts = record.get("timestamp")
            if isinstance(ts, str):
                with contextlib.suppress(ValueError):
                    last = normalize_lenient(ts)[0]
        if last:
            stamp = (
                parse_ts(last).strftime("%Y%m%dT%H%M%S")
                + f"{parse_ts(last).microsecond // 1000:03d}Z"
            )
        else:
            stamp = _jsonl.stamp(os.stat(path).st_mtime)
        report.actions.append(
            {
                "action": "convert-segment",
                "stream": stream.value,
                "line": None,
                "done": not dry_run,
                "file": os.path.basename(path),
            }
        )
        if dry_run:
            continue
        target = _jsonl.unique_name(str(store.root), f"{stream.value}.{stamp}", ".jsonl")
        os.rename(path, target)
        rotation.compress_segment(target)


def _migrate_state(store: MetricsStore, report: Report, dry_run: bool) -> None:
    from sessionkit import state

    root = str(store.state_root)
    try:
        current = state.read(root)
    except state.StateParseError as exc:
        report.add("state-parse", "error", exc.message)
        return
    if current is None:
        return
    changes: list[str] = []

    def transform(st: state.State | None) -> state.State | None:
        if st is None:
            return None
        fm = st.frontmatter
        for key in ("started_at", "updated"):
            value = fm.get(key)
            if isinstance(value, str):
                try:
                    canonical = normalize_lenient(value)[0]
                except ValueError:
                    continue
                if canonical != value:
                    fm[key] = canonical
                    changes.append(f"{key} -> UTC")
        if "schema-version" not in fm:
            fm["schema-version"] = 1
            changes.append("schema-version: 1")
        return st if changes else None

    result = state.update(root, transform, holder="sessionkit metrics migrate", dry_run=dry_run)
    if changes:
        report.actions.append(
            {
                "action": "convert-state",
                "stream": None,
                "line": None,
                "done": result.written,
                "changes": changes,
            }
        )
