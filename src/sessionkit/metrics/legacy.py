"""In-memory normalisation of the prior art's record shapes (spec §3.9).

Readers call these so that ``stats``, ``query`` and the learnings lifecycle work on files that
were never migrated; nothing is written back (``migrate`` does that).
"""

from __future__ import annotations

import contextlib
from typing import Any

from sessionkit.metrics.timestamps import normalize_lenient, normalize_ts

SESSION_ALIASES: tuple[tuple[str, str], ...] = (
    ("type", "session_type"),
    ("mode", "session_type"),
    ("closed_issues", "issues_closed"),
    ("new_issues", "issues_created"),
    ("issues_filed", "issues_created"),
    ("issues_planned", "planned_issues"),
    ("files_changed", "total_files_changed"),
    ("snapshots", "snapshots_created"),
    ("learnings", "learnings_added"),
    ("waves_total", "total_waves"),
    ("waves_completed", "total_waves"),
    ("head_ref", "branch"),
    ("isolation_override", "isolation"),
    ("ended_at", "completed_at"),
)
SESSION_TIMESTAMPS = ("started_at", "completed_at", "lease_acquired_at", "recorded_at")

LEARNING_TYPE_ALIASES = {"gotcha": "anti-pattern", "pattern": "proven-pattern"}
LEARNING_INSIGHT_SOURCES = ("description", "recommendation", "observation", "lesson")
LEARNING_TIMESTAMPS = (
    "created_at",
    "expires_at",
    "updated_at",
    "last_confirmed_at",
    "last_contradicted_at",
    "_archived_at",
)


def _normalise_times(record: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):  # left as it is; validate reports it
                record[key] = normalize_ts(value)


def normalize_session(record: dict[str, Any]) -> dict[str, Any]:
    """Canonical keys filled from legacy ones (legacy keys stay), timestamps normalised."""
    if record.get("schema_version") == 2 and "type" not in record and "ended_at" not in record:
        return record
    out = dict(record)
    for legacy, canonical in SESSION_ALIASES:
        if canonical not in out and legacy in out:
            out[canonical] = out[legacy]
    if "agent_summary" not in out:
        counters = [out.get(f"agents_{k}") for k in ("complete", "partial", "failed")]
        if any(isinstance(c, int) and not isinstance(c, bool) for c in counters):
            # The legacy scalar shape, read as migrate converts it (spec §6.5, §9.5: stats
            # report the same numbers before and after migration).
            out["agent_summary"] = {
                "complete": counters[0] if isinstance(counters[0], int) else 0,
                "partial": counters[1] if isinstance(counters[1], int) else 0,
                "failed": counters[2] if isinstance(counters[2], int) else 0,
                "spiral": 0,
            }
        else:
            # migrate writes zeros and lists the field as unmeasured; read it the same way.
            out["_backfill_incomplete_fields"] = [
                *(out.get("_backfill_incomplete_fields") or ()),
                "agent_summary",
            ]
    if "total_agents" not in out and isinstance(out.get("agents_dispatched"), int):
        out["total_agents"] = out["agents_dispatched"]
    minutes = out.get("duration_min")
    if "duration_seconds" not in out and isinstance(minutes, (int, float)):
        out["duration_seconds"] = int(minutes * 60)
    out.setdefault("schema_version", 0)
    _normalise_times(out, SESSION_TIMESTAMPS)
    return out


def normalize_learning(record: dict[str, Any]) -> dict[str, Any]:
    """Type aliases and prior-art keys mapped onto the v1 field names."""
    out = dict(record)
    kind = out.get("type")
    if isinstance(kind, str) and kind in LEARNING_TYPE_ALIASES:
        out["type"] = LEARNING_TYPE_ALIASES[kind]
    if "file_paths" not in out and "files" in out:
        out["file_paths"] = out["files"]
    if "updated_at" not in out and "last_seen" in out:
        out["updated_at"] = out["last_seen"]
    if "subject" not in out and "name" in out:
        out["subject"] = out["name"]
    if "insight" not in out:
        for key in LEARNING_INSIGHT_SOURCES:
            if key in out:
                out["insight"] = out[key]
                break
    if "next_review" in out and out["next_review"] is None:
        del out["next_review"]
    if not out.get("id"):
        # The deterministic id migrate will assign (spec §6.5): id-less prior-art learnings
        # neither fold into one another nor change identity when they are migrated.
        from sessionkit.metrics.migrate import migrate_learning

        out["id"] = migrate_learning(record)[0]["id"]
    for key in LEARNING_TIMESTAMPS:
        value = out.get(key)
        if isinstance(value, str):
            try:
                out[key] = normalize_ts(value)
            except ValueError:
                # A real bare date (the prior art's last_seen) reads as UTC midnight, as migrate
                # writes it; anything else ("not-a-date", "2026-02-30") stays as stored so that
                # validate and doctor report the value that is in the file (conformance 44).
                with contextlib.suppress(ValueError):
                    out[key] = normalize_lenient(value)[0] if len(value) == 10 else value
    return out


def normalize_subagent(record: dict[str, Any]) -> dict[str, Any]:
    if "schema_version" in record and "gen_ai.usage.input_tokens" not in record:
        return record
    out = dict(record)
    out.setdefault("schema_version", 1)
    if out.get("token_input") is None and "gen_ai.usage.input_tokens" in out:
        out["token_input"] = out["gen_ai.usage.input_tokens"]
    if out.get("token_output") is None and "gen_ai.usage.output_tokens" in out:
        out["token_output"] = out["gen_ai.usage.output_tokens"]
    return out
