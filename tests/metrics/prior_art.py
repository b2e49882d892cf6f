"""Prior-art-shaped sample records, written from the field lists of metrics.md (not copied)."""

from __future__ import annotations

import json
from typing import Any

LEGACY_SCALAR_SESSION: dict[str, Any] = {
    "session_id": "main-2026-10-01-deep-1",
    "type": "deep",
    "started_at": "2026-10-01T08:00:00Z",
    "completed_at": "2026-10-01T08:42:00Z",
    "agents_dispatched": 4,
    "agents_complete": 3,
    "agents_partial": 1,
    "agents_failed": 0,
    "waves_completed": 3,
    "duration_min": 42,
}

V1_OFFSET_SESSION: dict[str, Any] = {
    "schema_version": 1,
    "session_id": "main-2026-10-02-feature-1",
    "session_type": "feature",
    "started_at": "2026-10-02T10:00:00+02:00",
    "completed_at": "2026-10-02T11:00:00+02:00",
    "total_waves": 1,
    "waves": [{"wave": 1, "role": "Impl"}],
    "agent_summary": {"complete": 1, "partial": 0, "failed": 0, "spiral": 0},
    "total_agents": 1,
    "total_files_changed": 2,
    "effectiveness": {"completion_rate": 1.0},
}

ENDED_AT_SESSION: dict[str, Any] = {
    "schema_version": 2,
    "session_id": "main-2026-10-03-feature-1",
    "session_type": "feature",
    "started_at": "2026-10-03T10:00:00.000Z",
    "ended_at": "2026-10-03T09:00:00.000Z",
    "total_waves": 0,
    "waves": [],
    "agent_summary": {"complete": 0, "partial": 0, "failed": 0, "spiral": 0},
    "total_agents": 0,
    "total_files_changed": 0,
}

V0_LEARNING: dict[str, Any] = {
    "name": "Use the pattern",
    "description": "It works",
    "type": "pattern",
    "sessions": ["s-1", "s-2"],
    "files": ["a.py"],
    "last_seen": "2026-02-01",
    "next_review": None,
    "session_id": "s-1",
    "confidence": 0.6,
    "created_at": "2026-01-01T00:00:00Z",
}

GOTCHA_LEARNING: dict[str, Any] = {
    "schema_version": 1,
    "id": "1b6c5e0e-3c1d-4c53-9a51-2f7f3c1f9e10",
    "type": "gotcha",
    "subject": "flaky network tests",
    "insight": "retry",
    "evidence": "",
    "confidence": 0.5,
    "source_session": "s-9",
    "created_at": "2026-09-01T00:00:00.000Z",
    "expires_at": "2026-10-31T00:00:00.000Z",
}

HARNESS = "9f9f9f9f-aaaa-4bbb-8ccc-dddddddddddd"


def prior_art_events() -> list[str]:
    rows: list[dict[str, Any]] = [
        {
            "timestamp": "2026-11-23T09:00:00Z",
            "event": "orchestrator.session.started",
            "session_id": HARNESS,
        },
        {
            "timestamp": "2026-11-23T09:00:01Z",
            "event": "orchestrator.session.lock.acquired",
            "session_id": HARNESS,
            "semantic_session_id": "main-2026-11-23-deep-1",
        },
        {
            "timestamp": "2026-11-23T09:05:00Z",
            "event": "grounding.injected",
            "session": "main-2026-11-23-deep-1",
        },
        {
            "timestamp": "2026-11-23T09:10:00.5Z",
            "event": "orchestrator.quality_gate.passed",
            "semantic_session_id": "main-2026-11-23-deep-1",
            "wave_number": 2,
        },
        {"timestamp": "2026-11-23T09:11:00Z", "event": "subagent_stop", "session_id": HARNESS},
        {"timestamp": "1999-01-01T00:00:00Z", "event": "hijacked"},
        {"timestamp": "2026-11-23T09:12:00Z", "event": "Bad.Name"},
    ]
    return [json.dumps(r) for r in rows]


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)
