"""validate, doctor, repair, migrate and the staged-file check (metrics.md §6)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import time
from pathlib import Path

from sessionkit.metrics.maintenance import check_staged, gitattributes_lines, gitignore_lines
from sessionkit.metrics.store import MetricsStore

from . import prior_art
from .conftest import lines_of


def _codes(report: object) -> set[str]:
    return {f.code for f in report.findings}  # type: ignore[attr-defined]


def _dir_snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_validate_reports_lines_and_hints(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    path = store.path("sessions")
    path.write_text(
        prior_art.jsonl(prior_art.V1_OFFSET_SESSION)
        + "{torn\n"
        + json.dumps({"schema_version": 2, "session_id": "x"})
        + "\n"
    )
    report = store.validate_file(path)
    by_line = {(f.line, f.code) for f in report.findings}
    assert (
        (1, "legacy-version") in by_line
        and (2, "invalid-json") in by_line
        and (3, "schema") in by_line
    )
    assert report.exit_code == 1
    assert "migrate --apply" in next(
        f.message for f in report.findings if f.code == "legacy-version"
    )


def test_validate_ts_real_and_clean_file(store: MetricsStore) -> None:
    store.learnings.add("fragile-file", "a.py", "i", session="S")
    assert store.validate_file(store.path("learnings")).exit_code == 0
    path = store.path("learnings")
    path.write_text(
        path.read_text().replace(
            '"created_at":"2026-11-24T00:00:00.000Z"', '"created_at":"2026-02-30T00:00:00.000Z"'
        )
    )
    report = store.validate_file(path)
    assert "ts-real" in _codes(report) and report.exit_code == 1


def test_doctor_codes_and_repair_clears_them(store: MetricsStore) -> None:
    store.emit("sessionkit.session.resumed")
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S").id
    store.learnings.archive(lid, "pruned", dry_run=False)
    path = store.path("learnings")
    archived_line = json.loads(lines_of(store.path("learnings-archive"))[0])
    resurrected = {k: v for k, v in archived_line.items() if not k.startswith("_")}
    path.write_text(json.dumps(resurrected) + "\n")  # a union merge brought it back
    events = store.path("events")
    events.write_bytes(events.read_bytes() + b'{"torn')
    stale = store.root / ".events.jsonl.tmp-1-deadbeef"
    stale.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    (store.root / "autopilot.jsonl").write_text("{}\n")
    (store.root / "spool").mkdir()
    (store.root / "spool" / "events-20261124T000000000Z-1-abcdef12.jsonl").write_bytes(
        store.prepare("events", {"event": "acme.x.y"})[0]
    )
    report = store.doctor()
    codes = _codes(report)
    assert {"unterminated", "resurrected", "stale-temp", "foreign-file", "pending-spool"} <= codes
    assert report.exit_code == 1
    foreign_before = (store.root / "autopilot.jsonl").read_bytes()
    snapshot = _dir_snapshot(store.root)
    dry = store.repair()
    assert dry.dry_run and _dir_snapshot(store.root) == snapshot
    store.repair(dry_run=False)
    after = _codes(store.doctor())
    assert not {"unterminated", "resurrected", "stale-temp", "pending-spool"} & after
    assert (store.root / "autopilot.jsonl").read_bytes() == foreign_before
    quarantined = [json.loads(x) for x in lines_of(store.path("quarantine"))]
    assert [q["raw"] for q in quarantined] == ['{"torn']


def test_repair_derives_missing_expiry_and_folds_duplicates(store: MetricsStore) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S").id
    path = store.path("learnings")
    record = json.loads(lines_of(path)[0])
    del record["expires_at"]
    path.write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n")
    assert "missing-expiry" in _codes(store.doctor(["learnings"]))
    store.repair(["learnings"], dry_run=False)
    lines = [json.loads(x) for x in lines_of(path)]
    assert len(lines) == 1 and lines[0]["id"] == lid
    assert (
        lines[0]["expires_at"] == "2027-01-08T00:00:00.000Z"
        and lines[0]["_derived_expires_at"] is True
    )


def test_repair_apply_exits_0_when_it_derived_the_missing_expiry(store: MetricsStore) -> None:
    """A missing ``expires_at`` is a schema error that repair fixes (§6.4 ``missing-expiry``),
    so --apply does not list it as remaining nor exit 1 (§6.1); a record that is still invalid
    after the derivation is left alone and listed (audit round 2, D14)."""
    store.learnings.add("fragile-file", "a.py", "i", session="S")
    path = store.path("learnings")
    record = json.loads(lines_of(path)[0])
    del record["expires_at"]
    path.write_text(json.dumps(record) + "\n")
    assert store.repair(dry_run=True).findings == []
    report = store.repair(dry_run=False)
    assert report.exit_code == 0 and report.findings == []
    assert json.loads(lines_of(path)[0])["_derived_expires_at"] is True
    assert store.validate_file(path).exit_code == 0
    bad = dict(record, confidence=1.5)
    path.write_text(json.dumps(bad) + "\n")
    before = path.read_bytes()
    report = store.repair(dry_run=False)
    assert report.exit_code == 1 and [f.code for f in report.findings] == ["schema"]
    assert "confidence" in report.findings[0].message and path.read_bytes() == before


def test_clear_quarantine_keeps_a_backup(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    store.path("events").write_bytes(b"{bad\n")
    store.repair(dry_run=False)
    assert lines_of(store.path("quarantine"))
    store.repair(clear_quarantine=True, dry_run=False)
    assert store.path("quarantine").read_bytes() == b""
    backups = list((store.root / "backups").glob("quarantine.*.jsonl.gz"))
    assert backups and b"{bad" in gzip.decompress(backups[0].read_bytes())


def test_git_lines_follow_the_store(store: MetricsStore) -> None:
    assert ".orchestrator/metrics/sessions.jsonl text eol=lf merge=union" in gitattributes_lines(
        store
    )
    lines = gitignore_lines(store)
    assert (
        lines[0] == ".orchestrator/metrics/*" and "!.orchestrator/metrics/learnings.jsonl" in lines
    )


# --------------------------------------------------------------------------- migrate


def test_m1_m2_m4_sessions(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    store.path("sessions").write_text(
        prior_art.jsonl(
            prior_art.LEGACY_SCALAR_SESSION, prior_art.V1_OFFSET_SESSION, prior_art.ENDED_AT_SESSION
        )
    )
    snapshot = _dir_snapshot(store.root)
    dry = store.migrate()
    assert dry.dry_run and _dir_snapshot(store.root) == snapshot and dry.actions
    store.migrate(dry_run=False)
    rows = [json.loads(x) for x in lines_of(store.path("sessions"))]
    m1, m2, m4 = rows
    assert m1["schema_version"] == 2 and m1["session_type"] == "deep" and "type" not in m1
    assert m1["agent_summary"] == {"complete": 3, "partial": 1, "failed": 0, "spiral": 0}
    assert m1["total_agents"] == 4 and m1["total_waves"] == 3 and m1["waves"] == []
    assert m1["duration_seconds"] == 2520 and "duration_min" not in m1
    assert "waves" in m1["_backfill_incomplete_fields"]
    assert (
        m2["started_at"] == "2026-10-02T08:00:00.000Z"
        and m2["_migrated_from"] == "session-orchestrator"
    )
    assert m2["effectiveness"] == {"completion_rate": 1.0}
    assert m4["completed_at"] == "2026-10-03T10:00:00.000Z" and m4["_clamped"] is True
    assert m4["_original_completed_at"] == "2026-10-03T09:00:00.000Z"
    assert store.validate_file(store.path("sessions")).exit_code == 0
    before = store.path("sessions").read_bytes()
    second = store.migrate(dry_run=False)
    assert not [a for a in second.actions if a["action"] == "convert"]
    assert store.path("sessions").read_bytes() == before


def test_m6_m7_learnings(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    store.path("learnings").write_text(
        prior_art.jsonl(prior_art.V0_LEARNING, prior_art.GOTCHA_LEARNING)
    )
    store.migrate(dry_run=False)
    v0, gotcha = (json.loads(x) for x in lines_of(store.path("learnings")))
    assert (
        v0["type"] == "proven-pattern"
        and v0["subject"] == "Use the pattern"
        and v0["insight"] == "It works"
    )
    assert v0["evidence"] == "" and v0["source_session"] == "s-1" and v0["file_paths"] == ["a.py"]
    assert v0["updated_at"] == "2026-02-01T00:00:00.000Z"
    assert v0["expires_at"] == "2026-04-01T00:00:00.000Z" and v0["_derived_expires_at"] is True
    for gone in ("name", "description", "files", "session_id", "next_review", "sessions"):
        assert gone not in v0
    other_clone = MetricsStore(
        store.repo, metrics_dir=store.root.parent / "clone", clock=store.clock
    )
    other_clone.root.mkdir(parents=True)
    other_clone.path("learnings").write_text(prior_art.jsonl(prior_art.V0_LEARNING))
    other_clone.migrate(dry_run=False)
    assert json.loads(lines_of(other_clone.path("learnings"))[0])["id"] == v0["id"]  # deterministic
    assert gotcha["type"] == "anti-pattern" and gotcha["expires_at"] == "2026-10-31T00:00:00.000Z"


def test_m9_events(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    store.path("events").write_text(
        "\n".join(prior_art.prior_art_events()) + "\n" + '{"timestamp": "2026-11-23T09:13'
    )
    store.migrate(dry_run=False)
    rows = [json.loads(x) for x in lines_of(store.path("events"))]
    by_name = {r["event"]: r for r in rows}
    started = by_name["orchestrator.session.started"]
    assert started["schema_version"] == 1 and started["harness_session_id"] == prior_art.HARNESS
    assert started["session_id"] == "main-2026-11-23-deep-1"  # through the lock bridge
    assert by_name["grounding.injected"]["session_id"] == "main-2026-11-23-deep-1"
    assert "session" not in by_name["grounding.injected"]
    gate = by_name["orchestrator.quality_gate.passed"]
    assert gate["wave"] == 2 and gate["timestamp"] == "2026-11-23T09:10:00.500Z"
    assert "Bad.Name" in by_name and "hijacked" in by_name
    assert [json.loads(x)["reason"] for x in lines_of(store.path("quarantine"))] == ["unterminated"]


def test_m10_numbered_segments(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    for n, day in ((3, 1), (2, 2), (1, 3)):
        store.root.joinpath(f"events.jsonl.{n}").write_text(
            json.dumps({"timestamp": f"2026-11-0{day}T00:00:00Z", "event": "x.y"}) + "\n"
        )
    assert [json.loads(json.dumps(r))["timestamp"][:10] for r in store.read("events")] == [
        "2026-11-01",
        "2026-11-02",
        "2026-11-03",
    ]
    store.migrate(streams=["events"], dry_run=False)
    segments = sorted(p.name for p in store.root.glob("events.*.jsonl.gz"))
    assert len(segments) == 3 and not list(store.root.glob("events.jsonl.*"))
    assert [r["timestamp"][:10] for r in store.read("events")] == [
        "2026-11-01",
        "2026-11-02",
        "2026-11-03",
    ]


# --------------------------------------------------------------------------- check_staged


def _line(record: dict[str, object]) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def test_staged_learnings_removal_needs_a_tombstone(store: MetricsStore) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S").id
    old = store.path("learnings").read_bytes()
    findings = check_staged(".orchestrator/metrics/learnings.jsonl", old, b"")
    assert [f.code for f in findings] == ["metrics-rewrite"] and "tombstone" in findings[0].message
    store.learnings.archive(lid, "pruned", dry_run=False)
    archive = store.path("learnings-archive").read_bytes()
    assert (
        check_staged(".orchestrator/metrics/learnings.jsonl", old, b"", archive_new=archive) == []
    )


def test_staged_added_lines_are_validated(store: MetricsStore) -> None:
    store.record_session(
        {
            "session_id": "s-1",
            "session_type": "feature",
            "started_at": "2026-11-24T09:00:00.000Z",
            "completed_at": "2026-11-24T10:00:00.000Z",
            "total_waves": 0,
            "waves": [],
            "agent_summary": {"complete": 0, "partial": 0, "failed": 0, "spiral": 0},
            "total_agents": 0,
            "total_files_changed": 0,
        }
    )
    old = store.path("sessions").read_bytes()
    legacy_ok = check_staged("sessions.jsonl", None, b'{"legacy":true}\n')
    assert [f.code for f in legacy_ok] == ["metrics-invalid-record"]
    assert [f.code for f in check_staged("sessions.jsonl", old, old + b"<<<<<<< HEAD\n")] == [
        "metrics-torn-line"
    ]
    changed = json.loads(old)
    changed["total_files_changed"] = 9
    dup = check_staged("sessions.jsonl", old, old + _line(changed))
    assert [f.code for f in dup] == ["metrics-duplicate-id"]
    assert check_staged("sessions.jsonl", old, old + old) == []  # a union-merge artefact
    within = check_staged("sessions.jsonl", None, old + _line(changed))
    assert [f.code for f in within] == ["metrics-duplicate-id"]
    assert [f.code for f in check_staged("sessions.jsonl", old, b"")] == ["metrics-rewrite"]


def test_filesystem_type_reads_mountinfo(tmp_path: Path) -> None:
    from sessionkit.metrics.maintenance import filesystem_type

    kind = filesystem_type(tmp_path)
    assert kind is None or (isinstance(kind, str) and kind)
    if os.path.exists("/proc/self/mountinfo"):
        assert filesystem_type(Path("/proc")) == "proc"


def test_query_accepts_relative_windows(store: MetricsStore, clock: object) -> None:
    store.emit("acme.a.b")
    assert len(list(store.query("events", since="3650d"))) == 1
    assert list(store.query("events", until="2000-01-01")) == []


PRIOR_STATE = """---
session: main-2026-11-24-feature-1
session-type: feature
status: active
branch: main
started_at: 2026-11-24T10:30:00+01:00
session-start-ref: 0123456
current-wave: 1
total-waves: 2
docs-tasks:
  - id: d1
    status: done
---

## Open Questions

- [x] Keep basic auth? (source: review, prio: high) → Antwort: no

## What Not To Retry

- **Pinning node 18** (main-2026-11-20-deep-1, 2026-11-20)
  - why: breaks the build
"""


def test_m12_state_md(store: MetricsStore, repo: Path) -> None:
    path = repo / ".claude" / "STATE.md"
    path.parent.mkdir()
    path.write_text(PRIOR_STATE)
    dry = store.migrate()
    assert (
        any(a["action"] == "convert-state" for a in dry.actions) and path.read_text() == PRIOR_STATE
    )
    store.migrate(dry_run=False)
    from sessionkit import state

    migrated = state.read(repo)
    assert migrated is not None
    fm = migrated.frontmatter
    assert fm["started_at"] == "2026-11-24T09:30:00.000Z" and fm["session-start-ref"] == "0123456"
    assert fm["schema-version"] == 1 and fm["docs-tasks"] == [{"id": "d1", "status": "done"}]
    body = PRIOR_STATE.split("---\n", 2)[2].lstrip("\n")
    assert path.read_text().endswith(body)  # sections byte-identical, Antwort kept
    assert 'session-start-ref: "0123456"' in path.read_text()


def test_damaged_lines_of_rotated_segments_are_reported_and_quarantined(
    store: MetricsStore,
) -> None:
    """I2 holds for rotated segments too: a torn line that rotation moved out of the live file
    is reported with its segment and line, and repair quarantines it (other bytes unchanged)."""
    store.root.mkdir(parents=True)
    good = [
        json.dumps(
            {"schema_version": 1, "timestamp": "2026-11-24T00:00:00.000Z", "event": "acme.a.b"}
            | {"session_id": None, "n": i},
            separators=(",", ":"),
        ).encode()
        for i in range(3)
    ]
    gz = store.root / "events.20261120T000000000Z.jsonl.gz"
    gz.write_bytes(gzip.compress(good[0] + b"\n" + b'{"torn\n' + good[1] + b"\n" + b'{"tail'))
    plain = store.root / "events.jsonl.1"  # a prior-art numbered segment
    plain.write_bytes(good[2] + b"\n" + b"[1]\n")
    doctor = store.doctor(["events"])
    errors = sorted((f.file, f.line, f.code) for f in doctor.findings if f.severity == "error")
    rel = ".orchestrator/metrics/"
    assert errors == [
        (rel + gz.name, 2, "invalid-json"),
        (rel + gz.name, 4, "unterminated"),
        (rel + plain.name, 2, "not-object"),
    ]
    before = _dir_snapshot(store.root)
    dry = store.repair(["events"])
    assert _dir_snapshot(store.root) == before
    assert sorted(a["line"] for a in dry.actions if a["action"] == "quarantine") == [2, 2, 4]
    store.repair(["events"], dry_run=False)
    assert gzip.decompress(gz.read_bytes()) == good[0] + b"\n" + good[1] + b"\n"
    assert plain.read_bytes() == good[2] + b"\n"
    entries = [json.loads(x) for x in store.path("quarantine").read_bytes().splitlines()]
    assert sorted((e["file"], e["line"], e["offset"], e["raw"]) for e in entries) == [
        (gz.name, 2, len(good[0]) + 1, '{"torn'),
        (gz.name, 4, len(good[0]) + len(good[1]) + 9, '{"tail'),
        (plain.name, 2, len(good[2]) + 1, "[1]"),
    ]
    assert not [f for f in store.doctor(["events"]).findings if f.severity == "error"]
    after = _dir_snapshot(store.root)
    store.repair(["events"], dry_run=False)
    assert _dir_snapshot(store.root) == after


def test_doctor_reports_prior_art_formats_as_warnings_and_unknown_types_as_info(
    store: MetricsStore,
) -> None:
    """validate: prior-art formats are errors, unknown types warnings (§6.2); doctor: the
    former are warnings, the latter information (§6.3, §4.1, case 38)."""
    store.root.mkdir(parents=True)
    offset = dict(prior_art.V1_OFFSET_SESSION, schema_version=2, session_type="bogus")
    store.path("sessions").write_text(
        prior_art.jsonl(prior_art.V1_OFFSET_SESSION) + json.dumps(offset) + "\n"
    )
    store.learnings.add("process", "proc", "insight", session="S")
    doctor = store.doctor(["sessions", "learnings"])
    found = {(f.code, f.severity, f.line) for f in doctor.findings if f.line is not None}
    assert ("legacy-version", "warning", 1) in found
    assert ("noncanonical-timestamp", "warning", 2) in found
    assert ("unknown-type", "info", 1) in found
    # The offset is reported once (not also as a pattern mismatch); other schema errors stay.
    assert [(f.code, f.message.split(":")[0]) for f in doctor.findings if f.code == "schema"] == [
        ("schema", "/session_type")
    ]
    validate = store.validate_file(store.path("sessions"))
    severities = {(f.code, f.severity) for f in validate.findings}
    assert {("legacy-version", "error"), ("noncanonical-timestamp", "error")} <= severities
    assert store.validate_file(store.path("learnings")).findings[0].severity == "warning"


def test_m9_a_torn_line_is_quarantined_after_earlier_streams_appended_events(
    store: MetricsStore,
) -> None:
    """migrate announces each stream's rewrite in events.jsonl before it converts events, so a
    torn tail is no longer the last line by then; it is still quarantined, and reported."""
    store.root.mkdir(parents=True)
    store.path("sessions").write_text(prior_art.jsonl(prior_art.V1_OFFSET_SESSION))
    torn = '{"timestamp": "2026-11-23T09:13'
    store.path("events").write_text("\n".join(prior_art.prior_art_events()) + "\n" + torn)
    report = store.migrate(dry_run=False)
    rows = store.path("events").read_bytes().splitlines()
    assert all(isinstance(json.loads(raw), dict) for raw in rows)
    (entry,) = [json.loads(x) for x in lines_of(store.path("quarantine"))]
    assert entry["raw"] == torn and entry["stream"] == "events"
    assert [a["line"] for a in report.actions if a["action"] == "quarantine"] == [entry["line"]]
    # The report says what changed on every converted events line (spec §9.5: "a report").
    converted = [a for a in report.actions if a["action"] == "convert" and a["stream"] == "events"]
    assert converted and all(a["changes"] for a in converted)
    changes = {note for a in converted for note in a["changes"]}
    assert {"session removed from the payload", "UUID session_id -> harness_session_id"} <= changes


def test_m11_migrate_keeps_explicit_nulls_and_prior_art_zero_durations(
    store: MetricsStore,
) -> None:
    store.root.mkdir(parents=True)
    start = {
        "timestamp": "2026-11-23T10:00:00Z",
        "event": "start",
        "agent_id": "a",
        "agent_type": None,
        "duration_ms": None,
        "token_input": None,
        "gen_ai.usage.input_tokens": 5,
    }
    stop = {"timestamp": "2026-11-23T10:01:00+00:00", "event": "stop", "agent_id": "a"}
    stop |= {"duration_ms": 0, "hook_event_name": None}
    store.path("subagents").write_text(prior_art.jsonl(start, stop))
    store.migrate(dry_run=False)
    rows = [json.loads(x) for x in lines_of(store.path("subagents"))]
    assert rows[0] == {"schema_version": 1, **start, "timestamp": "2026-11-23T10:00:00.000Z"}
    assert rows[1] == {"schema_version": 1, **stop, "timestamp": "2026-11-23T10:01:00.000Z"}
    assert store.validate_file(store.path("subagents")).exit_code == 0


def test_stats_are_the_same_before_and_after_migration(store: MetricsStore) -> None:
    """§9.5: legacy scalar sessions, inverted times and id-less learnings read as migrated."""
    store.root.mkdir(parents=True)
    inverted = dict(prior_art.V1_OFFSET_SESSION, session_id="inv", schema_version=2)
    inverted |= {"started_at": "2026-10-02T10:00:00.000Z", "completed_at": "2026-10-02T09:00:00Z"}
    bare = {k: v for k, v in prior_art.V1_OFFSET_SESSION.items() if k != "agent_summary"}
    store.path("sessions").write_text(
        prior_art.jsonl(prior_art.LEGACY_SCALAR_SESSION, inverted, dict(bare, session_id="bare"))
    )
    fresh = dict(prior_art.V0_LEARNING, created_at=store.now_ts())
    store.path("learnings").write_text(prior_art.jsonl(fresh, dict(fresh, name="another subject")))
    before = store.stats().to_json()
    store.migrate(dry_run=False)
    after = store.stats().to_json()
    assert before["sessions"] == after["sessions"]
    assert before["sessions"]["agents"]["complete"] == 4  # 3 legacy + 1 inverted
    assert before["sessions"]["agents"]["incomplete"] == 1  # "bare" has no agent summary
    # Identity, counts and ranks agree; only the expiry migrate derives is new (§4.1).
    for side in (before, after):
        for item in side["learnings"]["top"]:
            item.pop("expires_at")
    assert before["learnings"] == after["learnings"] and after["learnings"]["live"] == 2


def test_validate_reports_a_byte_order_mark(store: MetricsStore, tmp_path: Path) -> None:
    """§6.2: a BOM is an error for validate, although readers tolerate it (§2.6)."""
    store.learnings.add("fragile-file", "a.py", "insight", session="S")
    path = store.path("learnings")
    clean = path.read_bytes()
    assert store.validate_file(path).exit_code == 0
    path.write_bytes(b"\xef\xbb\xbf" + clean)
    report = store.validate_file(path)
    assert [(f.code, f.severity, f.line) for f in report.findings] == [("bom", "error", 1)]
    assert report.exit_code == 1
    assert [r["id"] for r in store.read("learnings")]  # still readable


def test_migrate_converts_the_offset_timestamp_of_a_v1_event(store: MetricsStore) -> None:
    """§6.5 events row: an event that already has ``schema_version: 1`` still gets a canonical
    timestamp, so the migrate that ``validate`` points to makes it pass (audit d2)."""
    store.root.mkdir(parents=True)
    line = {"schema_version": 1, "timestamp": "2026-11-24T10:00:00+02:00", "event": "acme.x.y"}
    store.path("events").write_text(prior_art.jsonl(dict(line, session_id=None)))
    assert "noncanonical-timestamp" in _codes(store.validate_file(store.path("events")))
    report = store.migrate(dry_run=False)
    row, announced = (json.loads(x) for x in lines_of(store.path("events")))
    assert row == {**line, "session_id": None, "timestamp": "2026-11-24T08:00:00.000Z"}
    assert announced["event"] == "sessionkit.metrics.rewritten"  # §2.5 step 11
    assert [a["changes"] for a in report.actions if a["stream"] == "events"] == [
        ["timestamp: 2026-11-24T10:00:00+02:00 -> 2026-11-24T08:00:00.000Z"]
    ]
    assert store.validate_file(store.path("events")).exit_code == 0
    before = store.path("events").read_bytes()
    store.migrate(dry_run=False)
    assert store.path("events").read_bytes() == before


def test_migrate_reports_a_kept_learning_session_id(store: MetricsStore) -> None:
    """§6.5: ``session_id`` is removed when equal to ``source_session``, else kept and
    reported (audit d18)."""
    store.root.mkdir(parents=True)
    base = {
        "schema_version": 1,
        "id": "a1",
        "type": "fragile-file",
        "subject": "s",
        "insight": "i",
        "evidence": "",
        "confidence": 0.5,
        "source_session": "s",
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-03-01T00:00:00Z",
    }
    store.path("learnings").write_text(
        prior_art.jsonl(dict(base, session_id="other"), dict(base, id="a2", session_id="s"))
    )
    report = store.migrate(dry_run=False)
    kept = [f for f in report.findings if f.code == "session-id-kept"]
    assert [(f.severity, f.line) for f in kept] == [("info", 1)]
    assert "'other'" in kept[0].message and report.exit_code == 0
    first, second = (json.loads(x) for x in lines_of(store.path("learnings")))
    assert first["session_id"] == "other" and "session_id" not in second


def _semantic_errors_store(store: MetricsStore) -> None:
    """One record per semantic check that doctor reports: S1, L1 and ts-real."""
    store.root.mkdir(parents=True)
    inverted = dict(prior_art.V1_OFFSET_SESSION, session_id="y", schema_version=2)
    inverted |= {"started_at": "2026-11-24T10:00:00.000Z", "completed_at": "2026-11-24T09:00:00Z"}
    store.path("sessions").write_text(prior_art.jsonl(inverted))
    store.learnings.add("fragile-file", "a.py", "i", session="S")
    path = store.path("learnings")
    path.write_text(path.read_text().replace('"scope":"local"', '"scope":"public"'))
    events = {"schema_version": 1, "event": "acme.a.b", "session_id": None}
    store.path("events").write_text(
        prior_art.jsonl(
            dict(events, timestamp="2026-02-30T00:00:00.000Z"),
            dict(events, timestamp="2026-11-24T10:00:00+02:00"),  # migrate's, not repair's
        )
    )


def test_doctor_reports_semantic_checks_with_the_semantic_code(store: MetricsStore) -> None:
    """§6.3: doctor's codes are ``schema`` and ``semantic`` (the check named in the message);
    validate names the check itself (§6.2) (audit d21)."""
    _semantic_errors_store(store)
    doctor = store.doctor(["sessions", "learnings", "events"])
    errors = [f for f in doctor.findings if f.severity == "error"]
    assert {f.code for f in errors} == {"semantic"}
    messages = " ".join(f.message for f in errors)
    for check in ("S1 completed-before-start", "L1 public-not-anonymized", "(ts-real)"):
        assert check in messages
    assert all(f.fix and "--quarantine-invalid" in f.fix for f in errors)
    validate = store.validate_file(store.path("events"))
    assert "ts-real" in _codes(validate)


def test_repair_quarantine_invalid_clears_what_doctor_names_it_for(store: MetricsStore) -> None:
    """§6.3 names ``repair --quarantine-invalid`` as the fix of ``schema`` and ``semantic``;
    without the flag, --apply lists them and exits 1 (§6.1); a dry run exits 0 (audit d14)."""
    _semantic_errors_store(store)
    dry = store.repair()
    assert dry.exit_code == 0 and dry.count("error") == 3
    unflagged = store.repair(dry_run=False)
    assert unflagged.exit_code == 1
    assert sorted((f.stream, f.code) for f in unflagged.findings) == [
        ("events", "semantic"),
        ("learnings", "semantic"),
        ("sessions", "semantic"),
    ]
    assert not store.path("quarantine").exists()
    applied = store.repair(dry_run=False, quarantine_invalid=True)
    assert applied.exit_code == 0 and not applied.findings
    assert not [f for f in store.doctor().findings if f.severity == "error"]
    quarantined = [json.loads(x) for x in lines_of(store.path("quarantine"))]
    assert sorted(q["stream"] for q in quarantined) == ["events", "learnings", "sessions"]
    assert all(q["reason"] == "schema" and q["errors"] for q in quarantined)
    # the offset timestamp is left for migrate
    (kept,) = [json.loads(x) for x in lines_of(store.path("events")) if b"acme.a.b" in x]
    assert kept["timestamp"] == "2026-11-24T10:00:00+02:00"


def test_repair_quarantines_lines_above_the_cap_as_readable_entries(store: MetricsStore) -> None:
    """A line above metrics.max-line-bytes is quarantined (doctor's ``oversize``, §6.3); an
    entry never exceeds the cap, so it reads back: an excerpt, the full size and digest, and the
    backup that holds the whole line (§2.2, §2.6, I1) (audit d14, d20)."""
    store.root.mkdir(parents=True)
    good = b'{"schema_version":1,"timestamp":"2026-11-24T10:00:00.000Z","event":"acme.a.b","session_id":null}\n'
    huge = b'{"p":"' + b"x" * (17 * 1024 * 1024) + b'"}'
    large = b'{"p":"' + "é".encode() * 35000 + b'"}'
    store.path("events").write_bytes(good + huge + b"\n" + good + large + b"\n" + good)
    assert {f.code for f in store.doctor(["events"]).findings if f.severity == "error"} == {
        "oversize"
    }
    report = store.repair(dry_run=False)
    assert report.exit_code == 0
    assert store.path("events").read_bytes().count(b"acme.a.b") == 3
    limit = store.settings.metrics.max_line_bytes
    raws = lines_of(store.path("quarantine"))
    assert len(raws) == 2 and all(len(raw) + 1 <= limit for raw in raws)
    entries = [json.loads(raw) for raw in raws]
    backup = store.root / entries[0]["backup"]
    whole = gzip.decompress(backup.read_bytes())
    for entry, line in zip(entries, (huge, large)):
        assert entry["reason"] == "oversize" and entry["raw_truncated"] is True
        assert entry["raw_bytes"] == len(line) and line.startswith(entry["raw"].encode())
        assert entry["sha256"] == hashlib.sha256(line).hexdigest() and line in whole
    assert store.query("quarantine").stats.oversize == 0
    assert len(list(store.query("quarantine"))) == 2
    assert not [f for f in store.doctor().findings if f.severity == "error"]
    before = store.path("quarantine").read_bytes()
    assert store.repair(dry_run=False).exit_code == 0
    assert store.path("quarantine").read_bytes() == before


def test_migrate_lists_foreign_files_and_leaves_them_alone(store: MetricsStore) -> None:
    """§6.5 "foreign files: untouched; listed", in the dry run and with --apply (audit round 2,
    D8)."""
    store.root.mkdir(parents=True)
    foreign = store.root / "autopilot.jsonl"
    foreign.write_text('{"x":1}\n')
    store.path("events").write_text('{"timestamp":"2026-01-01T00:00:00Z","event":"a.b"}\n')
    before = foreign.stat()
    for dry_run in (True, False):
        report = store.migrate(dry_run=dry_run)
        listed = [(f.code, f.severity, f.file) for f in report.findings]
        assert listed == [("foreign-file", "info", ".orchestrator/metrics/autopilot.jsonl")]
        assert report.exit_code == 0
        doc = report.to_json()
        assert doc["findings"][0]["file"] == ".orchestrator/metrics/autopilot.jsonl"
    assert foreign.read_text() == '{"x":1}\n' and foreign.stat().st_mtime_ns == before.st_mtime_ns
