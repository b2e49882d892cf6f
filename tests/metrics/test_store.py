"""The store's public API against the conformance cases of metrics.md §9.9 (store, events)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sessionkit.metrics import _jsonl, events
from sessionkit.metrics.errors import (
    MetricsIOError,
    RecordInvalid,
    RecordTooLarge,
    ReservedKeyError,
    RewriteInvariantError,
    UnknownEventError,
)
from sessionkit.metrics.rewrite import Fold, Keep, Quarantine, Replace, RewritePlan
from sessionkit.metrics.settings import MetricsSettings, RotationSettings, Settings
from sessionkit.metrics.store import MetricsStore
from tests.metrics.conftest import Clock

from .conftest import lines_of


def test_c1_first_append_creates_the_store(store: MetricsStore) -> None:
    result = store.emit("sessionkit.wave.started", {"role": "Discovery"}, wave=1)
    assert result is not None and result.action == "appended"
    raw = store.path("events").read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert raw.startswith(b'{"schema_version":1,"timestamp":"2026-11-24T00:00:00.000Z"')
    record = json.loads(raw)
    assert list(record)[:4] == ["schema_version", "timestamp", "event", "session_id"]
    assert record["session_id"] is None and record["wave"] == 1


def test_c2_torn_fragment_stays_on_its_own_line(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    store.path("events").write_bytes(b'{"a":1')
    result = store.emit("sessionkit.session.resumed")
    assert result is not None and result.repaired_tail
    read = store.read("events")
    records = list(read)
    assert [r["event"] for r in records] == ["sessionkit.session.resumed"]
    assert read.stats.invalid_json == 1


def test_c3_nan_is_refused_and_nothing_changes(store: MetricsStore) -> None:
    store.emit("sessionkit.session.resumed")
    before = store.path("events").read_bytes()
    with pytest.raises(RecordInvalid, match="/n"):
        store.emit("acme.thing.done", {"n": float("nan")})
    assert store.path("events").read_bytes() == before


def test_c4_line_cap_exact_and_one_above(repo: Path, clock: Clock) -> None:
    store = MetricsStore(
        repo, clock=clock, settings=Settings(metrics=MetricsSettings(max_line_bytes=1024))
    )
    overhead = len(store.prepare("events", {"event": "acme.pad.done", "p": ""})[0])
    store.emit("acme.pad.done", {"p": "x" * (1024 - overhead)})
    assert len(lines_of(store.path("events"))[0]) + 1 == 1024
    before = store.path("events").read_bytes()
    with pytest.raises(RecordTooLarge, match=r"metrics\.max-line-bytes"):
        store.emit("acme.pad.done", {"p": "x" * (1025 - overhead)})
    assert store.path("events").read_bytes() == before


def test_c5_append_many_is_all_or_nothing(store: MetricsStore) -> None:
    drafts = [{"event": "acme.a.b"}, {"event": "acme.a.b"}, {"event": "acme.a.b", "x": {1, 2}}]
    with pytest.raises(RecordInvalid):
        store.append_many("events", drafts)
    assert not store.path("events").exists()
    result = store.append_many("events", drafts[:2])
    assert result.records == 2 and len(lines_of(store.path("events"))) == 2


def test_c7_symlinked_stream_exits_3(store: MetricsStore, tmp_path: Path) -> None:
    store.root.mkdir(parents=True)
    target = tmp_path / "elsewhere.jsonl"
    target.write_bytes(b"")
    store.path("events").symlink_to(target)
    with pytest.raises(MetricsIOError) as info:
        store.emit("sessionkit.session.resumed")
    assert info.value.exit_code == 3 and target.read_bytes() == b""


def _keep_all(lines: list[_jsonl.Line]) -> RewritePlan:
    return RewritePlan({ln.number: Keep() for ln in lines if ln.record is not None})


def test_c8_rewrite_without_change_writes_nothing(store: MetricsStore) -> None:
    store.emit("sessionkit.session.resumed")
    path = store.path("events")
    stat = path.stat()
    report = store.rewrite("events", _keep_all, reason="repair", dry_run=False)
    assert not report.changed
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert not (store.root / "backups").exists()


def test_c9_quarantine_with_line_number_once(store: MetricsStore) -> None:
    for _ in range(4):
        store.emit("sessionkit.session.resumed")
    path = store.path("events")
    lines = path.read_bytes().split(b"\n")
    lines.insert(4, b"{broken")
    path.write_bytes(b"\n".join(lines))
    report = store.rewrite("events", _keep_all, reason="repair", dry_run=False)
    assert report.quarantined == 1
    entries = [json.loads(x) for x in lines_of(store.path("quarantine"))]
    assert len(entries) == 1
    assert entries[0]["line"] == 5 and entries[0]["raw"] == "{broken"
    assert entries[0]["reason"] == "invalid-json" and len(entries[0]["sha256"]) == 64
    assert b"{broken" not in path.read_bytes()
    # a crash after quarantining but before the replace: the same line again adds nothing
    path.write_bytes(path.read_bytes() + b"{broken\n")
    store.rewrite("events", _keep_all, reason="repair", dry_run=False)
    assert len(lines_of(store.path("quarantine"))) == 1
    backups = list((store.root / "backups").iterdir())
    assert backups and gzip.decompress(backups[0].read_bytes()).count(b"{broken") == 1


def test_c10_plan_without_disposition_writes_nothing(store: MetricsStore) -> None:
    store.emit("sessionkit.session.resumed")
    store.emit("sessionkit.session.resumed")
    before = store.path("events").read_bytes()
    with pytest.raises(
        RewriteInvariantError, match="left line 2 without a disposition; nothing was written"
    ):
        store.rewrite("events", lambda ls: RewritePlan({1: Keep()}), reason="repair", dry_run=False)
    assert store.path("events").read_bytes() == before


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (lambda ls: RewritePlan({1: Fold(2), 2: Fold(1)}), "does not survive"),
        (lambda ls: RewritePlan({1: Keep(), 2: Fold("archive")}), "into the archive"),
        (lambda ls: RewritePlan({1: Keep(), 2: Keep(), 3: Replace({})}), "missing line 3"),
    ],
)
def test_p4_conservation_violations(store: MetricsStore, plan: object, message: str) -> None:
    store.emit("sessionkit.session.resumed")
    store.emit("sessionkit.session.resumed")
    before = store.path("events").read_bytes()
    with pytest.raises(RewriteInvariantError, match=message):
        store.rewrite("events", plan, reason="repair", dry_run=False)  # type: ignore[arg-type]
    assert store.path("events").read_bytes() == before


def test_c11_post_verify_mismatch_restores(
    store: MetricsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.emit("sessionkit.session.resumed")
    path = store.path("events")
    path.write_bytes(path.read_bytes() + b"junk\n")
    before = path.read_bytes()

    def corrupt(name: str) -> None:
        if name == "rewrite:after-replace":
            with open(path, "ab") as handle:
                handle.write(b"tampered\n")

    monkeypatch.setattr(_jsonl, "_FAULT", corrupt)
    with pytest.raises(MetricsIOError, match="original content was restored"):
        store.rewrite("events", _keep_all, reason="repair", dry_run=False)
    assert path.read_bytes() == before


def test_per_line_post_verify_restores_from_the_backup(
    store: MetricsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.emit("sessionkit.session.resumed")
    path = store.path("events")
    path.write_bytes(path.read_bytes() + b"junk\n")
    before = path.read_bytes()

    def corrupt(name: str) -> None:
        if name == "rewrite:after-replace":
            with open(path, "ab") as handle:
                handle.write(b"tampered\n")

    monkeypatch.setattr(_jsonl, "_FAULT", corrupt)
    with pytest.raises(MetricsIOError, match="restored from the backup"):
        store.rewrite(
            "events",
            lambda line: Keep() if line.record is not None else Quarantine("invalid-json"),
            reason="repair",
            dry_run=False,
            mode="per_line",
        )
    assert path.read_bytes() == before


def test_dry_run_and_replace(store: MetricsStore) -> None:
    store.emit("acme.a.b", {"v": 1})
    path = store.path("events")
    before = path.read_bytes()

    def bump(lines: list[_jsonl.Line]) -> RewritePlan:
        return RewritePlan({ln.number: Replace({**(ln.record or {}), "v": 2}) for ln in lines})

    report = store.rewrite("events", bump, reason="repair", dry_run=True)
    assert report.changed and report.replaced == 1 and path.read_bytes() == before
    store.rewrite("events", bump, reason="repair", dry_run=False)
    assert json.loads(lines_of(path)[0])["v"] == 2


def test_unparseable_lines_cannot_be_replaced(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    store.path("events").write_bytes(b"{bad\n")
    with pytest.raises(RewriteInvariantError):
        store.rewrite(
            "events", lambda ls: RewritePlan({1: Fold(1)}), reason="repair", dry_run=False
        )
    store.rewrite(
        "events",
        lambda ls: RewritePlan({1: Quarantine("invalid-json")}),
        reason="repair",
        dry_run=False,
    )
    names = [json.loads(x)["event"] for x in lines_of(store.path("events"))]
    assert names == ["sessionkit.metrics.rewritten"]  # the fragment left, the announcement came


def test_per_line_rewrites_announce_themselves(store: MetricsStore) -> None:
    """§2.5 step 11 holds in both modes: repair and migrate rewriting events or subagents line
    by line emit ``sessionkit.metrics.rewritten``; a second migrate changes nothing and emits
    nothing (audit round 2, D9)."""
    store.emit("acme.a.b", {})
    with store.path("events").open("ab") as handle:
        handle.write(b"{bad\n")
    store.root.joinpath("subagents.jsonl").write_text(
        '{"timestamp":"2026-11-24T10:00:00+02:00","event":"start","agent_id":"a"}\n'
    )
    assert store.repair(["events"], dry_run=False).exit_code == 0
    store.migrate(streams=["subagents"], dry_run=False)

    def rewritten() -> list[tuple[str, str]]:
        return [
            (e["stream"], e["reason"])
            for e in map(json.loads, lines_of(store.path("events")))
            if e["event"] == "sessionkit.metrics.rewritten"
        ]

    assert rewritten() == [("events", "repair"), ("subagents", "migrate")]
    store.migrate(streams=["events", "subagents"], dry_run=False)
    assert rewritten() == [("events", "repair"), ("subagents", "migrate")]


def test_c12_rotation_and_retention(repo: Path, clock: Clock) -> None:
    settings = Settings(
        metrics=MetricsSettings(
            rotation={
                "events": RotationSettings(True, 4096, 2),
                "subagents": RotationSettings(True, 1 << 20, 5),
            }
        )
    )
    store = MetricsStore(repo, clock=clock, settings=settings)
    store.root.mkdir(parents=True)
    for stamp in ("20260101T000000000Z", "20260102T000000000Z", "20260103T000000000Z"):
        (store.root / f"events.{stamp}.jsonl.gz").write_bytes(gzip.compress(b""))
    store.path("events").write_bytes(b'{"schema_version":1}\n' * 190)  # just below 4 KiB
    size = store.path("events").stat().st_size
    assert size < 4096
    result = store.emit("acme.a.b", {"p": "x" * 100})
    assert result is not None and result.rotated_to is not None
    names = sorted(p.name for p in store.root.glob("events.*"))
    assert len([n for n in names if n.endswith(".jsonl.gz")]) == 2  # keep: 2
    assert "events.20260101T000000000Z.jsonl.gz" not in names
    assert not any(n.endswith(".jsonl") and n != "events.jsonl" for n in names)  # compressed
    rotated = [json.loads(x) for x in lines_of(store.path("events"))]
    announced = [r for r in rotated if r["event"] == "sessionkit.metrics.rotated"]
    assert announced and announced[0]["deleted_segments"]


def test_tracked_streams_refuse_rotation(store: MetricsStore) -> None:
    from sessionkit.errors import UsageError

    with pytest.raises(UsageError, match="not rotated"):
        store.rotate("sessions", dry_run=False)


def test_c13_no_metrics_disables_writes(
    store: MetricsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONKIT_NO_METRICS", "1")
    result = store.emit("sessionkit.session.resumed")
    assert result is not None and result.action == "disabled"
    assert not store.root.exists()
    assert events.emit_event(str(store.repo), "sessionkit.session.resumed")["action"] == "disabled"


def test_c17_session_id_auto_follows_state(store: MetricsStore, repo: Path) -> None:
    state_file = repo / ".claude" / "STATE.md"
    state_file.parent.mkdir()
    state_file.write_text(
        '---\nschema-version: 1\nsession: "main-2026-11-24-feature-1"\nsession-type: feature\n'
        'status: active\nbranch: "main"\nstarted_at: "2026-11-24T09:30:00.000Z"\n'
        "current-wave: 0\ntotal-waves: 0\n---\n"
    )
    store.emit("sessionkit.session.resumed")
    from sessionkit import state

    state._PATH_CACHE.clear()
    state_file.write_text(state_file.read_text().replace("status: active", "status: idle"))
    store.emit("sessionkit.session.resumed")
    ids = [json.loads(x)["session_id"] for x in lines_of(store.path("events"))]
    assert ids == ["main-2026-11-24-feature-1", None]


def test_session_id_env_wins(store: MetricsStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONKIT_SESSION_ID", "env-session")
    store.emit("sessionkit.session.resumed")
    store.emit("sessionkit.session.resumed", session_id="explicit")
    ids = [json.loads(x)["session_id"] for x in lines_of(store.path("events"))]
    assert ids == ["env-session", "explicit"]


@pytest.mark.parametrize("payload", [{"event": "x"}, {"timestamp": "1999-01-01T00:00:00Z"}])
def test_c28_reserved_keys(store: MetricsStore, payload: dict[str, str]) -> None:
    with pytest.raises(ReservedKeyError, match="reserved for the event envelope"):
        store.emit("acme.a.b", payload)
    assert not store.path("events").exists()


def test_c29_guard_decision_needs_findings_on_both_paths(store: MetricsStore) -> None:
    bad_payloads = [
        {"action": "block"},
        {
            "action": "block",
            "findings": [{"check": "destructive", "action": "block", "target": "x"}],
        },
    ]
    for payload in bad_payloads:
        with pytest.raises(RecordInvalid):
            store.emit("sessionkit.guard.decision", payload, source="sessionkit-hook")
        result = events.emit_event(
            str(store.repo),
            "sessionkit.guard.decision",
            payload,
            metrics_dir=str(store.root),
            source="sessionkit-hook",
        )
        assert result["action"] == "failed"
    assert not store.path("events").exists()


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("sessionkit.gate.finished", "sessionkit.gate.result"),
        ("orchestrator.session.started", None),
        ("Bad.Name", None),
    ],
)
def test_c30_names(store: MetricsStore, name: str, hint: str | None) -> None:
    with pytest.raises(UnknownEventError) as info:
        store.emit(name, {})
    if hint:
        assert hint in (info.value.hint or "")


def test_c32_prior_art_names_are_queried_canonically(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    store.path("events").write_text(
        json.dumps(
            {
                "timestamp": "2026-11-20T10:00:00Z",
                "event": "orchestrator.destructive_guard.blocked",
                "rule": "git-reset-hard",
                "session_id": "9f9f9f9f-aaaa-4bbb-8ccc-dddddddddddd",
                "command_hash": "abc",
            }
        )
        + "\n"
    )
    matched = list(store.query("events", event=["sessionkit.guard.*"]))
    assert len(matched) == 1 and matched[0]["event"] == "sessionkit.guard.decision"
    assert matched[0]["findings"][0]["rule_id"] == "git-reset-hard"
    assert matched[0]["harness_session_id"].startswith("9f9f")
    assert len(list(store.query("events", where=["findings.rule_id=git-reset-hard"]))) == 1
    assert list(store.query("events", event=["sessionkit.guard.*"], raw_names=True)) == []
    stats = store.stats().document
    assert stats["guard"]["by_rule"][0] == {
        "rule_id": "git-reset-hard",
        "block": 1,
        "ask": 0,
        "warn": 0,
        "overridden": 0,
    }


def test_hot_path_modules_import_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "import sessionkit.metrics._jsonl, sessionkit.metrics.timestamps, sessionkit.metrics.events, sessionkit.state\n"
        "heavy = [m for m in ('click', 'jsonschema', 'yaml', 'git') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_store_outside_git_needs_a_metrics_dir(tmp_path: Path) -> None:
    with pytest.raises(MetricsIOError, match="not inside a git work tree"):
        MetricsStore(tmp_path)
    store = MetricsStore(tmp_path, metrics_dir=tmp_path / "m")
    store.emit("sessionkit.session.resumed")
    assert (tmp_path / "m" / "events.jsonl").exists()


def test_metrics_dir_from_environment(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONKIT_METRICS_DIR", "custom/place")
    store = MetricsStore(repo)
    assert store.root == (repo / "custom" / "place").resolve()


def test_event_schema_file_is_generated_from_the_registry() -> None:
    from sessionkit import schemas

    assert schemas.load_schema("metrics-event.v1") == json.loads(json.dumps(events.event_schema()))


def _corpus() -> list[dict[str, object]]:
    base = {"schema_version": 1, "timestamp": "2026-11-24T10:15:30.123Z", "session_id": None}
    finding = {
        "check": "destructive",
        "rule_id": "git-reset-hard",
        "action": "block",
        "target": "git reset",
    }
    return [
        {
            **base,
            "event": "sessionkit.guard.decision",
            "source": "sessionkit-hook",
            "action": "block",
            "findings": [finding],
        },
        {**base, "event": "sessionkit.guard.decision", "action": "block", "findings": [finding]},
        {
            **base,
            "event": "sessionkit.guard.decision",
            "source": "ci",
            "action": "deny",
            "findings": [],
        },
        {
            **base,
            "event": "sessionkit.guard.decision",
            "source": "ci",
            "action": "warn",
            "findings": [finding] * 51,
        },
        {
            **base,
            "event": "sessionkit.gate.result",
            "variant": "full",
            "status": "pass",
            "exit_code": 0,
            "fail_on": "fail",
            "duration_s": 1.5,
            "checks": {"test": {"status": "pass", "duration_s": 1, "required": True}},
        },
        {
            **base,
            "event": "sessionkit.gate.result",
            "variant": "full",
            "status": "pass",
            "exit_code": 4,
            "fail_on": "fail",
            "duration_s": 1,
            "checks": {},
        },
        {
            **base,
            "event": "sessionkit.gate.result",
            "variant": "full",
            "status": "pass",
            "exit_code": 0,
            "fail_on": "fail",
            "duration_s": 1,
            "checks": {"t": {"status": "ok"}},
        },
        {**base, "event": "sessionkit.wave.started", "role": "x"},
        {**base, "event": "sessionkit.wave.started", "role": "x", "wave": 0},
        {**base, "event": "sessionkit.wave.started", "role": "x", "wave": 2},
        {
            **base,
            "event": "sessionkit.learning.added",
            "learning_id": "a",
            "type": "t",
            "confidence": 1.5,
        },
        {
            **base,
            "event": "sessionkit.learning.added",
            "learning_id": "a",
            "type": "t",
            "confidence": True,
        },
        {**base, "event": "acme.custom.done", "anything": [1, {"x": None}]},
        {**base, "event": "bad name"},
        {**base, "timestamp": "2026-11-24T10:15:30+02:00", "event": "acme.a.b"},
        {**base, "schema_version": 2, "event": "acme.a.b"},
        {**base, "session_id": "has space", "event": "acme.a.b"},
        {**base, "event": "acme.a.b", "platform": "vim"},
        {"schema_version": 1, "timestamp": "2026-11-24T10:15:30.1Z", "event": "acme.a.b"},
        {
            **base,
            "event": "sessionkit.session.started",
            "session_type": "feature",
            "branch": "main",
            "resumed": 1,
        },
        {
            **base,
            "event": "sessionkit.state.lock_broken",
            "holder_pid": 1.0,
            "holder_host": "h",
            "age_seconds": 3,
            "by": "auto",
        },
    ]


def test_registry_and_json_schema_agree_on_a_corpus() -> None:
    from sessionkit import schemas

    validator = schemas.validator("metrics-event.v1")
    verdicts = []
    for record in _corpus():
        registry_ok = events.check_event(record) is None
        schema_ok = validator.is_valid(record)
        assert registry_ok == schema_ok, record
        verdicts.append(registry_ok)
    assert True in verdicts and False in verdicts


def test_spool_is_drained_by_the_next_append(store: MetricsStore) -> None:
    line = store.prepare("events", {"event": "acme.spooled.one"})[0]
    _jsonl.spool_write(str(store.spool_dir), "events", line)
    assert [r["event"] for r in store.read("events")] == ["acme.spooled.one"]
    store.emit("acme.after.one")
    names = [json.loads(x)["event"] for x in lines_of(store.path("events"))]
    assert names == ["acme.spooled.one", "sessionkit.metrics.spool_drained", "acme.after.one"]
    assert not store.spool_dir.exists()


def test_c34_c35_subagent_writer_obligations(store: MetricsStore) -> None:
    """A 0 ms stop is refused when written, valid on disk; a written start carries no null
    optional keys; schema_version is the first key (§2.2, §3.6)."""
    with pytest.raises(RecordInvalid, match="/duration_ms"):
        store.append(
            "subagents",
            {
                "timestamp": "2026-11-24T10:00:00Z",
                "event": "stop",
                "agent_id": "a",
                "duration_ms": 0,
            },
        )
    assert not store.path("subagents").exists()
    store.append(
        "subagents",
        {
            "timestamp": "2026-11-24T12:00:00+02:00",
            "event": "start",
            "agent_id": "a",
            "agent_type": None,
            "token_input": None,
        },
    )
    (line,) = lines_of(store.path("subagents"))
    assert line == (
        b'{"schema_version":1,"timestamp":"2026-11-24T10:00:00.000Z","event":"start",'
        b'"agent_id":"a"}'
    )
    prior_art_stop = {"schema_version": 1, "timestamp": "2026-11-24T10:00:00.000Z"}
    prior_art_stop |= {"event": "stop", "agent_id": "a", "duration_ms": 0}
    with store.path("subagents").open("a") as handle:
        handle.write(json.dumps(prior_art_stop) + "\n")
    assert store.validate_file(store.path("subagents")).exit_code == 0


def test_c36_token_totals_are_null_without_transcripts(store: MetricsStore) -> None:
    for agent in ("a", "b"):
        store.append(
            "subagents", {"timestamp": "2026-11-24T10:00:00Z", "event": "start", "agent_id": agent}
        )
        store.append(
            "subagents",
            {
                "timestamp": "2026-11-24T10:01:00Z",
                "event": "stop",
                "agent_id": agent,
                "duration_ms": 60_000,
                "token_input": 10,
                "subagent_transcript_found": False,
            },
        )
    section = store.stats().to_json()["subagents"]
    assert section["token_input"] is None and section["token_output"] is None
    assert section["with_tokens"] == 0 and section["started"] == 2 and section["stopped"] == 2
