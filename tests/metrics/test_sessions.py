"""The session ledger: idempotent writes and the fold (metrics.md §3.4, conformance 18-27)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sessionkit.metrics import fold
from sessionkit.metrics.errors import DuplicateSessionError, RecordInvalid
from sessionkit.metrics.store import MetricsStore

from .conftest import lines_of


def session(**over: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "session_id": "main-2026-11-24-feature-1",
        "session_type": "feature",
        "started_at": "2026-11-24T09:30:00.000Z",
        "completed_at": "2026-11-24T11:02:41.250Z",
        "total_waves": 1,
        "waves": [{"wave": 1, "role": "Discovery"}],
        "agent_summary": {"complete": 1, "partial": 0, "failed": 0, "spiral": 0},
        "total_agents": 1,
        "total_files_changed": 3,
    }
    record.update(over)
    return record


def test_c18_c19_append_then_unchanged(store: MetricsStore) -> None:
    first = store.record_session(session(foo=1))
    assert first.action == "appended"
    line = json.loads(lines_of(store.path("sessions"))[0])
    assert next(iter(line)) == "schema_version" and line["schema_version"] == 2
    assert line["status"] == "completed" and line["duration_seconds"] == 5561
    assert line["recorded_by"].startswith("sessionkit ") and line["foo"] == 1  # c25
    before = store.path("sessions").read_bytes()
    assert store.record_session(session(foo=1)).action == "unchanged"
    assert store.path("sessions").read_bytes() == before


def test_c20_duplicate_and_force(store: MetricsStore) -> None:
    store.record_session(session())
    with pytest.raises(DuplicateSessionError, match="line 1 with different content; pass --force"):
        store.record_session(session(total_files_changed=9))
    assert store.record_session(session(total_files_changed=9), force=True).action == "forced"
    folded = list(store.read("sessions"))
    assert (
        len(folded) == 1 and folded[0]["_forced"] is True and folded[0]["total_files_changed"] == 9
    )


def test_c21_stub_replaced_in_either_order(store: MetricsStore) -> None:
    store.record_session(session(status="abandoned"))
    assert store.record_session(session()).action == "replaced-stub"
    records = [json.loads(x) for x in lines_of(store.path("sessions"))]
    for order in (records, list(reversed(records))):
        kept, folded = fold.fold_sessions(order)
        assert folded == 1 and kept[0]["status"] == "completed"


def test_c22_completed_before_start(store: MetricsStore) -> None:
    with pytest.raises(RecordInvalid, match="completed-before-start"):
        store.record_session(session(completed_at="2026-11-24T09:00:00.000Z"))
    assert not store.path("sessions").exists()


@pytest.mark.parametrize(
    ("override", "pointer"),
    [
        ({"session_type": "session"}, "/session_type"),
        ({"waves": [{"wave": 0, "role": "x"}]}, "/waves/0/wave"),
        ({"agent_summary": {"complete": 1, "partial": 0, "failed": 0}}, "/agent_summary"),
        ({"issues_closed": ["#1"]}, "/issues_closed/0"),
        ({"total_waves": None}, "/total_waves"),
    ],
)
def test_c23_schema_pointers(store: MetricsStore, override: dict[str, Any], pointer: str) -> None:
    with pytest.raises(RecordInvalid) as info:
        store.record_session(session(**override))
    assert info.value.pointer == pointer


def test_c24_timestamps_normalised_on_write(store: MetricsStore) -> None:
    store.record_session(
        session(started_at="2026-11-24T12:00:00.3Z", completed_at="2026-11-24T16:00:00+02:00")
    )
    line = json.loads(lines_of(store.path("sessions"))[0])
    assert line["started_at"] == "2026-11-24T12:00:00.300Z"
    assert line["completed_at"] == "2026-11-24T14:00:00.000Z"
    with pytest.raises(RecordInvalid):
        store.record_session(session(session_id="other", started_at="2026-11-24"))


def test_c27_backfill_abandoned(store: MetricsStore, repo: Path) -> None:
    store.root.mkdir(parents=True)
    store.path("events").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "timestamp": "2026-11-22T10:00:00.000Z",
                "event": "sessionkit.session.started",
                "session_id": "main-2026-11-23-deep-1",
                "session_type": "deep",
                "branch": "main",
                "resumed": False,
            }
        )
        + "\n"
    )
    assert "orphan-session" in {f.code for f in store.doctor().findings}
    report = store.repair(backfill_abandoned=True, dry_run=False)
    assert any(a["action"] == "backfill-appended" for a in report.actions)
    stub = json.loads(lines_of(store.path("sessions"))[0])
    assert stub["status"] == "abandoned" and stub["session_type"] == "deep"
    assert stub["_backfill_source"] == "sessionkit-events"
    before = store.path("sessions").read_bytes()
    again = store.repair(backfill_abandoned=True, dry_run=False)
    assert not any(a["action"].startswith("backfill") for a in again.actions)
    assert "orphan-session" not in {f.code for f in store.doctor().findings}
    assert store.path("sessions").read_bytes() == before


def test_disabled_and_dry_run_writes_create_nothing(
    store: MetricsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SESSIONKIT_NO_METRICS makes the write a no-op that creates nothing (§2.1), and a dry
    run leaves the store as it was (§6.1): neither creates the directory or an empty ledger."""
    dry = store.record_session(session(), dry_run=True)
    assert dry.action == "appended" and not store.root.exists()
    monkeypatch.setenv("SESSIONKIT_NO_METRICS", "1")
    assert store.record_session(session()).action == "disabled"
    assert not store.root.exists()
    monkeypatch.delenv("SESSIONKIT_NO_METRICS")
    store.record_session(session())
    before = store.path("sessions").read_bytes()
    monkeypatch.setenv("SESSIONKIT_NO_METRICS", "1")
    assert store.record_session(session(total_files_changed=5)).action == "disabled"
    assert store.path("sessions").read_bytes() == before


def test_record_session_derives_the_duration_and_writes_no_legacy_keys(
    store: MetricsStore,
) -> None:
    """§3.4 writer obligations: ``duration_seconds`` is derived from the timestamps, and the
    legacy alias keys of §3.9 are never written (audit d19)."""
    record = session(
        started_at="2026-11-24T10:00:00.000Z",
        completed_at="2026-11-24T11:00:00.000Z",
        duration_seconds=5,
        type="deep",
        head_ref="x",
        closed_issues=[1],
    )
    store.record_session(record)
    line = json.loads(lines_of(store.path("sessions"))[0])
    assert line["duration_seconds"] == 3600
    assert not {"type", "head_ref", "closed_issues"} & set(line)
    # a legacy value fills an absent canonical key; a present canonical key wins
    assert line["session_type"] == "feature" and line["branch"] == "x"
    assert line["issues_closed"] == [1]
    assert store.validate_file(store.path("sessions")).findings == []
    assert store.record_session(record).action == "unchanged"


def test_the_recorded_event_names_the_recorded_session(
    store: MetricsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sessionkit.session.recorded`` carries the id of the record it wrote in its envelope,
    outside any session and while another session is current (§3.3) (audit round 2, D6)."""
    store.record_session(session())
    monkeypatch.setenv("SESSIONKIT_SESSION_ID", "main-2026-11-25-deep-1")
    store.record_session(session(session_id="main-2026-11-24-feature-2"))
    recorded = [json.loads(x) for x in lines_of(store.path("events")) if b"session.recorded" in x]
    assert [(e["session_id"], e["action"]) for e in recorded] == [
        ("main-2026-11-24-feature-1", "appended"),
        ("main-2026-11-24-feature-2", "appended"),
    ]
