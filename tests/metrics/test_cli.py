"""CLI contract of ``sessionkit metrics|learnings|state``: exit codes, --json schemas, dry runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sessionkit import schemas
from sessionkit.cli import main

from .conftest import lines_of


@pytest.fixture
def cwd_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    return repo


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def doc(out: str, schema: str) -> Any:
    data = json.loads(out)
    schemas.validator(schema).validate(data)
    return data


def test_emit_exit_codes(cwd_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "metrics", "emit", "acme.deploy.done", "--payload", '{"env":"prod"}', "--json"
    )
    assert code == 0 and doc(out, "metrics-write.v1") == {
        "ok": True,
        "action": "appended",
        "stream": "events",
        "event": "acme.deploy.done",
    }
    code, _, err = run(capsys, "metrics", "emit", "acme.deploy.done", "--payload", "[]")
    assert code == 1 and "payload must be a JSON object" in err
    code, _, _ = run(capsys, "metrics", "emit", "acme.deploy.done", "--payload", "{")
    assert code == 2
    code, _, err = run(
        capsys, "metrics", "emit", "acme.deploy.done", "--payload", '{"timestamp":"x"}'
    )
    assert code == 1 and "reserved" in err and "Traceback" not in err
    assert len(lines_of(cwd_repo / ".orchestrator" / "metrics" / "events.jsonl")) == 1


def test_emit_io_error_exits_3(cwd_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = cwd_repo / ".orchestrator" / "metrics"
    store.mkdir(parents=True)
    (store / "events.jsonl").symlink_to(cwd_repo / "elsewhere")
    code, _, err = run(capsys, "metrics", "emit", "acme.deploy.done")
    assert code == 3 and "symlink" in err


def test_stats_json_and_table(cwd_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(
        capsys,
        "metrics",
        "emit",
        "sessionkit.gate.result",
        "--payload",
        json.dumps(
            {
                "variant": "full-gate",
                "status": "fail",
                "exit_code": 1,
                "fail_on": "fail",
                "duration_s": 2.0,
                "checks": {"test": {"status": "error", "duration_s": 0.1, "required": True}},
            }
        ),
    )
    events = cwd_repo / ".orchestrator" / "metrics" / "events.jsonl"
    events.write_bytes(events.read_bytes() + b"{torn\n")
    code, out, err = run(capsys, "metrics", "stats", "--json")
    assert code == 0
    data = doc(out, "metrics-stats.v1")
    assert (
        data["gates"]["runs"] == 1
        and data["gates"]["fail"] == 1
        and data["gates"]["pass_rate"] == 0.0
    )
    assert data["subagents"]["token_input"] is None
    assert "skipped 1 invalid line (first at line 2)" in err
    code, out, _ = run(capsys, "metrics", "stats")
    assert code == 0 and "full-gate" in out and "0.0 %" in out
    assert run(capsys, "metrics", "stats", "--since", "not-a-time")[0] == 2


def test_query_and_tail(cwd_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(5):
        run(
            capsys,
            "metrics",
            "emit",
            f"acme.step.{'odd' if n % 2 else 'even'}",
            "--payload",
            json.dumps({"n": n, "counts": {"failed": n}}),
        )
    _code, out, _ = run(
        capsys, "metrics", "query", "--event", "acme.step.*", "--where", "counts.failed=3", "--json"
    )
    data = doc(out, "metrics-records.v1")
    assert [r["n"] for r in data["records"]] == [3]
    _code, out, _ = run(capsys, "metrics", "query", "--event", "acme.**", "--count")
    assert out.strip() == "5"
    _code, out, _ = run(capsys, "metrics", "query", "--last", "2", "--jsonl")
    assert [json.loads(x)["n"] for x in out.splitlines()] == [3, 4]
    _code, out, _ = run(
        capsys, "metrics", "tail", "-n", "2", "--event", "acme.step.even", "--jsonl"
    )
    assert [json.loads(x)["n"] for x in out.splitlines()] == [2, 4]
    assert run(capsys, "metrics", "tail", "--follow", "--json")[0] == 2


def test_record_session_contract(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record = {
        "session_id": "main-2026-11-24-feature-1",
        "session_type": "feature",
        "started_at": "2026-11-24T09:30:00.000Z",
        "completed_at": "2026-11-24T11:02:41.250Z",
        "total_waves": 0,
        "waves": [],
        "agent_summary": {"complete": 0, "partial": 0, "failed": 0, "spiral": 0},
        "total_agents": 0,
        "total_files_changed": 0,
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record))
    code, out, _ = run(capsys, "metrics", "record-session", "--file", str(path), "--json")
    assert code == 0 and doc(out, "metrics-write.v1") == {
        "ok": True,
        "action": "appended",
        "stream": "sessions",
        "session_id": "main-2026-11-24-feature-1",
    }
    code, out, _ = run(capsys, "metrics", "record-session", "--file", str(path), "--json")
    assert json.loads(out)["action"] == "unchanged"
    path.write_text(json.dumps({**record, "total_files_changed": 2}))
    code, _, err = run(capsys, "metrics", "record-session", "--file", str(path))
    assert code == 1 and "line 1" in err
    path.write_text("")
    assert run(capsys, "metrics", "record-session", "--file", str(path))[0] == 2


def test_maintenance_reports_validate_against_the_schema(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "metrics", "emit", "acme.a.b")
    events = cwd_repo / ".orchestrator" / "metrics" / "events.jsonl"
    events.write_bytes(events.read_bytes() + b"{torn\n")
    before = events.read_bytes()
    code, out, _ = run(capsys, "metrics", "doctor", "--json")
    assert code == 1 and doc(out, "metrics-report.v1")["summary"]["error"] == 1
    code, out, _ = run(capsys, "metrics", "repair", "--json")
    assert (
        code == 0
        and doc(out, "metrics-report.v1")["dry_run"] is True
        and events.read_bytes() == before
    )
    assert run(capsys, "metrics", "repair", "--check")[0] == 1
    code, out, _ = run(capsys, "metrics", "repair", "--apply", "--json")
    assert code == 0 and b"{torn" not in events.read_bytes()
    code, out, _ = run(capsys, "metrics", "validate", "--all", "--json")
    assert code == 0, out
    doc(out, "metrics-report.v1")
    code, out, _ = run(capsys, "metrics", "validate", str(cwd_repo / "README.unknown"), "--strict")
    assert code == 1
    assert run(capsys, "metrics", "validate")[0] == 2
    assert run(capsys, "metrics", "rotate", "--stream", "sessions")[0] == 2
    code, out, _ = run(capsys, "metrics", "rotate", "--force", "--apply", "--json")
    assert code == 0 and doc(out, "metrics-report.v1")["actions"]
    code, out, _ = run(capsys, "metrics", "migrate", "--json")
    assert code == 0 and doc(out, "metrics-report.v1")["command"] == "migrate"


def test_validate_of_a_missing_file_exits_3_with_its_report(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "metrics", "emit", "acme.a.b")
    events = str(cwd_repo / ".orchestrator" / "metrics" / "events.jsonl")
    code, out, _ = run(capsys, "metrics", "validate", events, "missing/learnings.jsonl", "--json")
    assert code == 3  # an unreadable file (metrics.md §6.2), not a finding about content
    report = doc(out, "metrics-report.v1")
    assert [(f["code"], f["file"]) for f in report["findings"]] == [
        ("missing-file", "missing/learnings.jsonl")
    ]
    assert run(capsys, "metrics", "validate", events)[0] == 0


def test_rotate_reports_the_segment_it_created(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "metrics", "emit", "acme.a.b")
    code, out, _ = run(capsys, "metrics", "rotate", "--force", "--stream", "events", "--apply")
    assert code == 0
    done = [line for line in out.splitlines() if line.startswith("done: rotate events ")]
    assert len(done) == 1
    segment = done[0].removeprefix("done: rotate events ")
    assert segment.startswith(".orchestrator/metrics/events.") and segment.endswith(".jsonl")
    # compressed right after the rotation: the created segment is its .gz now
    assert (cwd_repo / (segment + ".gz")).is_file()
    run(capsys, "metrics", "emit", "acme.a.b")
    code, out, _ = run(
        capsys, "metrics", "rotate", "--force", "--stream", "events", "--apply", "--json"
    )
    (action,) = [a for a in doc(out, "metrics-report.v1")["actions"] if a["action"] == "rotate"]
    assert action["stream"] == "events" and action["file"].startswith(".orchestrator/metrics/")
    assert (cwd_repo / (action["file"] + ".gz")).is_file()


def test_human_reports_list_each_actions_changes(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = cwd_repo / ".orchestrator" / "metrics"
    store.mkdir(parents=True)
    (store / "events.jsonl").write_text(
        '{"timestamp":"2026-01-02T03:04:05+02:00","event":"orchestrator.session.started"}\n'
    )
    code, out, _ = run(capsys, "metrics", "migrate")
    assert code == 0
    lines = out.splitlines()
    at = lines.index("planned: convert events line 1")
    assert "  - timestamp: 2026-01-02T03:04:05+02:00 -> 2026-01-02T01:04:05.000Z" in lines[at + 1 :]


def test_learnings_cli(cwd_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "learnings",
        "add",
        "--type",
        "fragile-file",
        "--subject",
        "a.py",
        "--insight",
        "careful",
        "--session",
        "S1",
        "--json",
    )
    assert code == 0
    added = doc(out, "learnings-report.v1")
    lid = added["learning"]["id"]
    assert (
        run(
            capsys,
            "learnings",
            "add",
            "--type",
            "fragile-file",
            "--subject",
            "b.py",
            "--insight",
            "x",
        )[0]
        == 2
    )  # no session
    assert run(capsys, "learnings", "confirm", "nope", "--session", "S2")[0] == 1
    code, out, _ = run(capsys, "learnings", "confirm", lid, "--session", "S2", "--json")
    assert json.loads(out)["learning"]["confidence"] == 0.65
    assert run(capsys, "learnings", "archive", lid, "--reason", "merged")[0] == 2
    store_file = cwd_repo / ".orchestrator" / "metrics" / "learnings.jsonl"
    before = store_file.read_bytes()
    code, out, _ = run(capsys, "learnings", "archive", lid, "--reason", "pruned", "--json")
    assert (
        code == 0
        and doc(out, "learnings-report.v1")["dry_run"]
        and store_file.read_bytes() == before
    )
    assert run(capsys, "learnings", "prune", "--check")[0] == 0
    code, out, _ = run(capsys, "learnings", "surface", "--json")
    assert [x["id"] for x in doc(out, "learnings-report.v1")["learnings"]] == [lid]
    code, out, _ = run(capsys, "learnings", "list", "--json")
    assert doc(out, "learnings-report.v1")["learnings"][0]["id"] == lid


def test_a_subject_less_legacy_learning_surfaces_with_a_null_subject(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§4.3: ``Ranked`` carries the record's subject; a legacy learning without one is null in
    ``surface --json`` and ``stats --json`` and blank in the human output, never the text
    "None" (audit round 2, D11)."""
    store_dir = cwd_repo / ".orchestrator" / "metrics"
    store_dir.mkdir(parents=True)
    legacy = {
        "id": "l-8",
        "type": "fragile-file",
        "insight": "no subject here",
        "confidence": 0.7,
        "source_session": "s",
        "evidence": "e",
        "created_at": "2026-11-30T00:00:00Z",
        "expires_at": "2099-01-01T00:00:00Z",
    }
    (store_dir / "learnings.jsonl").write_text(json.dumps(legacy) + "\n")
    code, out, _ = run(capsys, "learnings", "surface", "--json")
    (item,) = doc(out, "learnings-report.v1")["learnings"]
    assert code == 0 and item["subject"] is None and item["insight"] == "no subject here"
    code, out, _ = run(capsys, "metrics", "stats", "--json")
    (top,) = doc(out, "metrics-stats.v1")["learnings"]["top"]
    assert top["id"] == "l-8" and top["subject"] is None
    for argv in (("learnings", "surface"), ("metrics", "stats")):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and "fragile-file" in out and "None" not in out


def test_state_cli(cwd_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "state", "show", "--json")
    assert code == 0 and doc(out, "state-report.v1")["exists"] is False
    code, out, _ = run(capsys, "state", "begin", "--type", "feature", "--json")
    assert code == 0, out
    begun = doc(out, "state-report.v1")
    assert begun["frontmatter"]["status"] == "active"
    assert run(capsys, "state", "begin")[0] == 1
    assert run(capsys, "state", "set", "session-start-ref=0123456")[0] == 0
    code, out, _ = run(capsys, "state", "show", "--json")
    assert json.loads(out)["frontmatter"]["session-start-ref"] == "0123456"
    assert run(capsys, "state", "set", "status=completed")[0] == 1
    assert run(capsys, "state", "add", "wave", "1", "--role", "Discovery")[0] == 0
    assert (
        run(
            capsys,
            "state",
            "add",
            "agent",
            "--wave",
            "1",
            "--description",
            "scan",
            "--status",
            "done",
            "--files",
            "3 files",
        )[0]
        == 0
    )
    assert run(capsys, "state", "close-wave", "--suite", "41/0", "--platform", "linux")[0] == 0
    assert run(capsys, "state", "close-wave", "--suite", "x")[0] == 2
    code, out, _ = run(capsys, "state", "complete", "--completion-rate", "0.9", "--json")
    assert code == 0 and json.loads(out)["frontmatter"]["recommended-mode"] == "feature"
    names = [
        json.loads(x)["event"]
        for x in lines_of(cwd_repo / ".orchestrator" / "metrics" / "events.jsonl")
    ]
    for expected in (
        "sessionkit.session.started",
        "sessionkit.wave.started",
        "sessionkit.session.recorded",
        "sessionkit.session.completed",
    ):
        assert expected in names
    records = [
        json.loads(x) for x in lines_of(cwd_repo / ".orchestrator" / "metrics" / "events.jsonl")
    ]
    started = next(r for r in records if r["event"] == "sessionkit.session.started")
    completed = next(r for r in records if r["event"] == "sessionkit.session.completed")
    # the completion names the session it completes (§3.3), though STATE.md is no longer active
    assert completed["session_id"] == started["session_id"] is not None
    code, out, _ = run(capsys, "state", "show", "--path")
    assert out.strip() == ".claude/STATE.md"


def test_console_script_never_prints_a_traceback(repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sessionkit", "metrics", "emit", "sessionkit.gate.finished"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "sessionkit.gate.result" in proc.stderr and "Traceback" not in proc.stderr


def test_stats_all_worktrees_counts_shared_records_once(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import git

    record = {
        "session_id": "shared-1",
        "session_type": "feature",
        "started_at": "2026-11-24T09:00:00.000Z",
        "completed_at": "2026-11-24T10:00:00.000Z",
        "total_waves": 0,
        "waves": [],
        "agent_summary": {"complete": 0, "partial": 0, "failed": 0, "spiral": 0},
        "total_agents": 0,
        "total_files_changed": 0,
    }
    from sessionkit.metrics.store import MetricsStore

    MetricsStore(cwd_repo).record_session(record)
    git(cwd_repo, "add", "-f", ".orchestrator/metrics/sessions.jsonl")
    git(cwd_repo, "commit", "-qm", "ledger")
    other = cwd_repo.parent / "other-worktree"
    git(cwd_repo, "worktree", "add", "-q", str(other), "-b", "other")
    MetricsStore(other).emit("acme.only.there")
    code, out, _ = run(capsys, "metrics", "stats", "--all-worktrees", "--json")
    data = doc(out, "metrics-stats.v1")
    assert code == 0 and data["sessions"]["total"] == 1 and data["scan"]["sessions"]["folded"] == 1
    assert data["scan"]["events"]["records"] >= 1
    code, out, _ = run(capsys, "metrics", "stats", "--json")
    assert json.loads(out)["scan"]["sessions"].get("folded", 0) == 0


def test_extreme_windows_never_crash(cwd_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "metrics", "emit", "acme.a.b")
    assert run(capsys, "metrics", "rotate", "--force", "--apply")[0] == 0  # one rotated segment
    code, out, _ = run(capsys, "metrics", "query", "--since", "0001-01-01", "--count")
    assert code == 0 and int(out) >= 1
    assert run(capsys, "metrics", "stats", "--since", "0001-01-01", "--json")[0] == 0
    for window in ("800000d", "99999999999999999999d"):
        for command in ("query", "stats"):
            code, _, err = run(capsys, "metrics", command, "--since", window)
            assert code == 2 and "before the year 0001" in err and "internal" not in err


def test_learnings_add_rejects_nan_confidence(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("learnings", "add", "--type", "fragile-file", "--subject", "s", "--insight", "i")
    code, _, err = run(capsys, *argv, "--session", "S", "--confidence", "nan")
    assert code == 2 and "nan" in err
    assert not (cwd_repo / ".orchestrator" / "metrics" / "learnings.jsonl").exists()


def test_apply_outcome_names_the_line_of_an_invalid_new_learning(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = cwd_repo / "new.jsonl"
    new.write_text(
        '{"type": "fragile-file", "subject": "n1", "insight": "i"}\n'
        "\n"
        '{"type": "BAD", "subject": "n2", "insight": "i"}\n'
    )
    code, _out, err = run(
        capsys, "learnings", "apply-outcome", "--session", "S9", "--new-file", str(new), "--apply"
    )
    assert code == 1
    assert f"{new}:3:" in err and "/type" in err
    assert not (cwd_repo / ".orchestrator" / "metrics" / "learnings.jsonl").exists() or (
        "n1" not in (cwd_repo / ".orchestrator" / "metrics" / "learnings.jsonl").read_text()
    )


def test_an_input_file_that_is_not_utf8_is_a_usage_error(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = cwd_repo / "bin.dat"
    binary.write_bytes(b'{"a": "\xff\xfe"}\n')
    for argv in (
        ("metrics", "emit", "a.b", "--payload-file", str(binary)),
        ("metrics", "record-session", "--file", str(binary)),
        ("learnings", "apply-outcome", "--session", "s1", "--new-file", str(binary)),
    ):
        code, _out, err = run(capsys, *argv)
        assert code == 2, argv
        assert f"{binary}: not UTF-8 text (byte 7)" in err and "internal error" not in err


def test_a_damaged_segment_is_an_io_error_naming_it(
    cwd_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import gzip

    metrics = cwd_repo / ".orchestrator" / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    line = b'{"schema_version":1,"timestamp":"2026-01-01T00:00:00.000Z","event":"a.b","session_id":null}\n'
    segment = metrics / "events.20260101T000000000Z.jsonl.gz"
    segment.write_bytes(gzip.compress(line * 50)[:-10])  # cut short
    assert run(capsys, "metrics", "emit", "a.b")[0] == 0
    for argv in (("metrics", "query", "--count"), ("metrics", "stats"), ("metrics", "tail")):
        code, _out, err = run(capsys, *argv)
        assert code == 3, argv
        assert f"{segment}: damaged gzip segment" in err and "hint:" in err
