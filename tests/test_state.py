"""STATE.md: grammar, serialiser, guards, lock, lifecycle (metrics.md §7, conformance 52-65)."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit import state
from sessionkit.metrics.store import MetricsStore
from tests.metrics.conftest import emit_in_clean_process

ACTIVE = (
    "---\n"
    "schema-version: 1\n"
    'session: "main-2026-11-24-feature-1"\n'
    "session-type: feature\n"
    "status: active\n"
    'branch: "main"\n'
    'started_at: "2026-11-24T09:30:00.000Z"\n'
    "current-wave: 2\n"
    "total-waves: 4\n"
    "---\n"
    "\n"
    "## Current Wave\n\nWave 2 — Impl-Core\n\n"
    "## Wave History\n\n"
    "### Wave 1 — Discovery (planned 3 files → actual 3) — suite 41/0 on linux\n"
    '- Agent "scan api handlers": done — 3 files — mapped auth flow\n\n'
    "## Deviations\n\n(none yet)\n\n"
    "## What Not To Retry\n\n"
    "- **Regenerating the lockfile** (main-2026-11-20-deep-1, 2026-11-20)\n"
    "  - why: CI cache keys change\n\n"
    "## Open Questions\n\n"
    "- [ ] Should v1 keep basic auth? (source: wave 1 review, prio: high)\n"
    "- [x] Old question (source: x, prio: low) → Antwort: yes\n"
)


@pytest.fixture(autouse=True)
def state_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in (
        "SESSIONKIT_STATE_DIR",
        "SO_STATE_DIR",
        "SESSIONKIT_PLATFORM",
        "SESSIONKIT_SESSION_ID",
        "SESSIONKIT_METRICS_DIR",
        "SESSIONKIT_NO_METRICS",
    ):
        monkeypatch.delenv(var, raising=False)
    state._PATH_CACHE.clear()
    state._SESSION_CACHE.clear()
    yield


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(files={"README.md": "x\n"})


def write_state(repo: Path, text: str = ACTIVE) -> Path:
    path = repo / ".claude" / "STATE.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- grammar


def test_c52_missing_frontmatter() -> None:
    with pytest.raises(state.StateParseError, match=r"STATE\.md:1: missing frontmatter"):
        state.parse("# hello\n")


def test_c53_typing_of_values() -> None:
    fm, _ = state.parse_frontmatter(
        "---\nsession-start-ref: 0123456\nfoo: 0123456\nbar: 42\nissues: [1, two, 3]\nempty:\nq: 'it''s'\n---\n"
    )
    assert fm == {
        "session-start-ref": "0123456",
        "foo": "0123456",
        "bar": 42,
        "issues": [1, "two", 3],
        "empty": None,
        "q": "it's",
    }
    assert state.parse_frontmatter("---\nsession-start-ref: 1234567\n---\n")[0] == {
        "session-start-ref": "1234567"
    }


def test_c55_nested_mapping_names_its_line() -> None:
    with pytest.raises(
        state.StateParseError,
        match=r"STATE.md:3: unsupported frontmatter syntax \(nested mapping\)",
    ):
        state.parse("---\nouter:\n  inner: 1\n---\n")
    for text, what in (
        ("---\nk: |\n---\n", "block scalar"),
        ("---\nk: &a 1\n---\n", "anchor"),
        ("---\nk: {a: 1}\n---\n", "flow mapping"),
    ):
        with pytest.raises(state.StateParseError, match=what):
            state.parse(text)
    with pytest.raises(state.StateParseError, match="duplicate key"):
        state.parse("---\na: 1\na: 2\n---\n")


def test_block_lists_and_crlf_and_bom() -> None:
    text = "\ufeff---\r\ndocs-tasks:\r\n  - id: a1\r\n    status: done\r\n  - id: a2\r\n    status: open\r\nschema-version: 1\r\n---\r\n"
    fm, _ = state.parse_frontmatter(text)
    assert fm["docs-tasks"] == [{"id": "a1", "status": "done"}, {"id": "a2", "status": "open"}]
    assert 'docs-tasks:\n  - id: "a1"\n    status: "done"' in state.serialize_frontmatter(fm)


def test_c54_quotes_and_colons_are_a_fixpoint() -> None:
    fm = {"schema-version": 1, "note": 'has "quotes" and: colon'}
    text = state.serialize_frontmatter(fm)
    assert 'note: "has \\"quotes\\" and: colon"' in text
    assert state.parse_frontmatter(text)[0] == fm
    assert state.serialize_frontmatter(state.parse_frontmatter(text)[0]) == text


scalars = st.one_of(
    st.sampled_from(["0123456", "true", "null", "a: b", "#x", "'q'", '"dq"', "ünï", "", " pad "]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.integers(-1000, 10**6),
    st.booleans(),
    st.none(),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.from_regex(r"\A[a-z][a-z0-9_-]{0,10}\Z"), scalars, max_size=6))
def test_p8_frontmatter_round_trip_and_yaml_agree(extra: dict[str, Any]) -> None:
    fm: dict[str, Any] = {
        "schema-version": 1,
        "status": "idle",
        "session-type": "none",
        "current-wave": 0,
        "total-waves": 0,
    }
    fm.update({k: v for k, v in extra.items() if k not in state.KEY_ORDER})
    text = state.serialize_frontmatter(fm)
    parsed = state.parse_frontmatter(text)[0]
    assert parsed == fm
    assert [type(v) for v in parsed.values()] == [type(v) for v in fm.values()]
    assert state.serialize_frontmatter(parsed) == text
    assert yaml.safe_load(text.split("---\n")[1]) == fm


def test_sections_parsers() -> None:
    st_ = state.parse(ACTIVE)
    assert st_.waves == [
        {
            "wave": 1,
            "role": "Discovery",
            "agents": [
                {
                    "description": "scan api handlers",
                    "status": "done",
                    "files": "3 files",
                    "note": "mapped auth flow",
                }
            ],
            "planned": 3,
            "actual": 3,
            "suite": {"passed": 41, "failed": 0, "platform": "linux"},
        }
    ]
    questions = st_.open_questions
    assert questions[0]["answered"] is False and questions[1]["answer"] == "yes"
    assert st_.what_not_to_retry == [
        {
            "approach": "Regenerating the lockfile",
            "session_id": "main-2026-11-20-deep-1",
            "date": "2026-11-20",
            "why": "CI cache keys change",
        }
    ]
    assert state.serialize(st_) == ACTIVE


# --------------------------------------------------------------------------- location and session id


def test_location_rules(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert state.resolve_path(repo) == repo / ".claude" / "STATE.md"
    assert isinstance(state.resolve_path(str(repo)), Path)  # spec §7.1: -> Path
    (repo / ".codex").mkdir()
    (repo / ".codex" / "STATE.md").write_text(ACTIVE)
    assert state.resolve_path(repo) == repo / ".codex" / "STATE.md"
    monkeypatch.setenv("SESSIONKIT_PLATFORM", "cursor")
    assert state.resolve_path(repo) == repo / ".cursor" / "STATE.md"
    monkeypatch.setenv("SO_STATE_DIR", "legacy")
    assert state.resolve_path(repo) == repo / "legacy" / "STATE.md"


def test_sections_is_an_ordered_mapping() -> None:
    st = state.parse(ACTIVE + "\n## Notes\n\nfirst\n\n## Notes\n\nsecond\n")
    assert st.sections["Current Wave"] == "\nWave 2 — Impl-Core\n\n"  # spec §7.8
    assert list(st.sections)[:2] == ["Current Wave", "Wave History"]
    assert list(st.sections).count("Notes") == 1 and st.sections["Notes"] == "\nfirst\n\n"
    assert "Mission Status" not in st.sections and st.sections.get("Mission Status") is None
    # a repeated heading keeps its own section and place: the file still round-trips
    assert state.serialize(st).endswith("## Notes\n\nfirst\n\n## Notes\n\nsecond\n")
    st.sections["Deviations"] = "\n- x\n\n"
    st.sections["Mission Status"] = "\n- t: done\n"
    assert st.deviations == ["x"] and list(st.sections)[-1] == "Mission Status"
    legacy = state.State({"schema-version": 1}, "", [("Current Wave", "\n(idle)\n")])
    assert legacy.sections == {"Current Wave": "\n(idle)\n"}


def test_current_session_id(repo: Path) -> None:
    assert state.current_session_id(repo) is None
    state._PATH_CACHE.clear()
    write_state(repo)
    assert state.current_session_id(repo) == "main-2026-11-24-feature-1"


STATE_DIR_CONFIG = "# Project\n\n## Session Config\n\n```yaml\nstate:\n  dir: .agents\n```\n"


def test_session_config_state_dir_is_every_reader_s_location(
    make_repo: Callable[..., Path],
) -> None:
    """§7.1 rule 2 (audit round 2, D3): the library, the session id of events and the CLI
    agree on Session Config ``state.dir``, also over an older harness-directory file."""
    from sessionkit.metrics import events

    repo = make_repo(files={"CLAUDE.md": STATE_DIR_CONFIG})
    write_state(repo)  # an active .claude/STATE.md: rule 4, which rule 2 overrides
    expected = repo / ".agents" / "STATE.md"
    assert state.resolve_path(repo) == expected
    assert state.read(repo) is None and state.current_session_id(repo) is None
    result = state.begin(repo, session_type="feature", session_id="main-2026-12-04-feature-7")
    assert Path(result.path) == expected and expected.exists()
    assert state.read(repo).frontmatter["session"] == "main-2026-12-04-feature-7"  # type: ignore[union-attr]
    assert state.report(repo)["path"] == os.path.join(".agents", "STATE.md")
    state._PATH_CACHE.clear()
    assert state.current_session_id(repo) == "main-2026-12-04-feature-7"
    events.NO_STATE_SEEN.clear()
    assert events.resolve_session_id(str(repo)) == "main-2026-12-04-feature-7"
    MetricsStore(repo).emit("acme.x.y", {})
    events.emit_event(str(repo), "acme.x.z", {})
    log = (repo / ".orchestrator" / "metrics" / "events.jsonl").read_text().splitlines()
    emitted = {e["event"]: e for e in map(json.loads, log)}
    assert emitted["acme.x.y"]["session_id"] == "main-2026-12-04-feature-7"
    assert emitted["acme.x.z"]["session_id"] == "main-2026-12-04-feature-7"


def test_session_config_state_dir_without_any_harness_file(
    make_repo: Callable[..., Path],
) -> None:
    """Only ``.agents/STATE.md`` exists: the hook's "no STATE.md here" shortcut must not hide it."""
    from sessionkit.metrics import events

    repo = make_repo(files={"AGENTS.md": STATE_DIR_CONFIG})
    (repo / ".agents").mkdir()
    (repo / ".agents" / "STATE.md").write_text(ACTIVE)
    events.NO_STATE_SEEN.clear()
    assert events.resolve_session_id(str(repo)) == "main-2026-11-24-feature-1"
    assert state.read(repo) is not None


def test_a_config_that_cannot_set_state_dir_is_not_loaded_on_the_hook_path(
    make_repo: Callable[..., Path],
) -> None:
    from sessionkit.metrics import events

    repo = make_repo(files={"CLAUDE.md": "## Session Config\n\n```yaml\nagents: 3\n```\n"})
    assert not events.config_may_set_state_dir(str(repo))
    prose = make_repo(files={"CLAUDE.md": "Keep state in the docs dir.\n"}, name="prose")
    assert not events.config_may_set_state_dir(str(prose))  # no ## Session Config heading
    assert events.config_may_set_state_dir(
        str(make_repo(files={"CLAUDE.md": STATE_DIR_CONFIG}, name="b"))
    )
    write_state(repo)
    assert emit_in_clean_process(repo, ("json", "re", "sessionkit.config")) == "appended []"
    assert (
        '"session_id":"main-2026-11-24-feature-1"'
        in (repo / ".orchestrator" / "metrics" / "events.jsonl").read_text()
    )


# --------------------------------------------------------------------------- write path


def test_c56_deviation_replaces_the_placeholder(repo: Path) -> None:
    write_state(repo)
    state.add_deviation(repo, "Split wave 2\nbecause", at="2026-11-24T09:58:02.114Z")
    text = (repo / ".claude" / "STATE.md").read_text()
    assert "## Deviations\n\n- [2026-11-24T09:58:02.114Z] Split wave 2 because\n" in text
    assert "(none yet)" not in text.split("## Deviations")[1].split("##")[0]


def test_c57_not_retry_cap(repo: Path) -> None:
    write_state(repo)
    for n in range(11):
        state.add_not_retry(
            repo, f"approach {n}", "why\nmultiline", session_id="s", on="2026-11-24"
        )
    entries = state.read(repo).what_not_to_retry  # type: ignore[union-attr]
    assert len(entries) == 10 and entries[0]["approach"] == "approach 1"
    assert entries[-1]["why"] == "why multiline"


def test_c58_answered_questions_are_evicted_first(repo: Path) -> None:
    write_state(repo)
    for n in range(19):
        state.add_question(repo, f"q{n}", "src", "low")
    state.answer_question(repo, "q0", "done")
    state.answer_question(repo, "q1", "done")
    state.add_question(repo, "q19", "src", "low")
    questions = state.read(repo).open_questions  # type: ignore[union-attr]
    assert len(questions) == 20
    assert "Old question" not in [q["question"] for q in questions]  # the oldest answered one
    assert questions[0]["question"] == "Should v1 keep basic auth?"


def test_c59_size_guards(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_state(repo)
    with pytest.raises(state.StateGuardError, match=r"state\.max-bytes") as info:
        state.set_fields(repo, {"note": "x" * 270_000})
    assert info.value.reason == "size"
    path = write_state(repo, ACTIVE + "filler " * ((5000 - len(ACTIVE)) // 7))
    size = path.stat().st_size
    with pytest.raises(state.StateGuardError, match="more than 5x"):
        state.set_fields(repo, {"note": "y" * (size * 5)})
    small = write_state(repo)
    state.set_fields(repo, {"note": "z" * (small.stat().st_size * 4)})


def test_c60_unchanged_transform_is_not_written(repo: Path) -> None:
    path = write_state(repo)
    mtime = path.stat().st_mtime_ns
    result = state.update(repo, lambda s: s)
    assert not result.written and path.stat().st_mtime_ns == mtime


def test_round_trip_guard_refuses_untyped_values(repo: Path) -> None:
    write_state(repo)
    before = (repo / ".claude" / "STATE.md").read_bytes()
    with pytest.raises(state.StateGuardError):
        state.set_fields(repo, {"current-wave": "two"})
    assert (repo / ".claude" / "STATE.md").read_bytes() == before


def test_c61_begin_on_completed_resets_then_starts(repo: Path) -> None:
    text = ACTIVE.replace("status: active", "status: completed").replace(
        "total-waves: 4\n",
        'total-waves: 4\nrecommended-mode: deep\nrationale: "carry"\ncompletion-rate: 0.8\nscope-baseline-x: "1"\ndocs-tasks: "kept"\n',
    )
    write_state(repo, text)
    before = state.parse(text)
    state.begin(repo, session_type="feature")
    after = state.read(repo)
    assert after is not None
    fm = after.frontmatter
    assert fm["status"] == "active" and fm["previous-session"] == "main-2026-11-24-feature-1"
    assert (
        "recommended-mode" not in fm and "scope-baseline-x" not in fm and fm["docs-tasks"] == "kept"
    )
    assert after.section("What Not To Retry") == before.section("What Not To Retry")
    assert after.section("Open Questions") == before.section("Open Questions")
    previous = after.section("Previous Session") or ""
    assert "### Recommendations (archived)" in previous and "Recommended mode: deep" in previous
    assert "### Wave 1 — Discovery" in previous
    assert fm["session"].startswith("main-") and fm["session"].endswith("-feature-1")
    # §7.7: the idle reset done by begin emits sessionkit.state.reset, before session.started
    # (audit round 2, D4).
    log = repo / ".orchestrator" / "metrics" / "events.jsonl"
    emitted = [json.loads(line) for line in log.read_text().splitlines()]
    names = [e["event"] for e in emitted]
    assert names == ["sessionkit.state.reset", "sessionkit.session.started"]
    assert emitted[0]["previous_status"] == "completed"
    assert emitted[0]["previous_session_id"] == "main-2026-11-24-feature-1"


def test_begin_without_a_completed_file_emits_no_reset(repo: Path) -> None:
    state.begin(repo, session_type="feature")  # no file
    state.complete(repo, record=False)
    state.reset(repo, dry_run=False)  # idle: begin on idle is no idle reset
    state.begin(repo, session_type="feature")
    log = (repo / ".orchestrator" / "metrics" / "events.jsonl").read_text()
    assert log.count('"sessionkit.state.reset"') == 1  # only reset --apply's


def test_c62_begin_on_active_needs_resume_or_fresh(repo: Path) -> None:
    write_state(repo)
    with pytest.raises(state.StateTransitionError) as info:
        state.begin(repo)
    assert "--resume" in (info.value.hint or "") and "--fresh" in (info.value.hint or "")
    state.begin(repo, fresh=True, session_type="deep")
    store = MetricsStore(repo)
    stubs = list(store.read("sessions"))
    assert (
        stubs[0]["session_id"] == "main-2026-11-24-feature-1" and stubs[0]["status"] == "abandoned"
    )
    assert stubs[0]["_backfill_source"] == "sessionkit-state-fresh"


def test_fresh_stub_takes_type_and_times_from_the_abandoned_session(repo: Path) -> None:
    # spec §3.4 stubs / §7.4 --fresh: the stub describes the old session, not the new one
    text = ACTIVE.replace("session-type: feature", "session-type: deep").replace(
        "current-wave: 2\n", 'updated: "2026-11-24T11:00:00.000Z"\ncurrent-wave: 2\n'
    )
    write_state(
        repo,
        text.replace(
            'started_at: "2026-11-24T09:30:00.000Z"', 'started_at: "2026-11-24T11:30:00+02:00"'
        ),
    )
    store = MetricsStore(repo)
    store.emit("acme.work.done", {}, session_id="main-2026-11-24-feature-1")
    last = next(iter(store.read("events")))["timestamp"]
    state.begin(repo, fresh=True, session_type="feature")
    (stub,) = [r for r in store.read("sessions") if r["session_id"] == "main-2026-11-24-feature-1"]
    assert stub["session_type"] == "deep" and "_session_type_inferred" not in stub
    assert stub["started_at"] == "2026-11-24T09:30:00.000Z"  # STATE.md's, as UTC Z
    assert stub["completed_at"] == last and stub["_completed_at_estimated"] is True
    assert stub["duration_seconds"] > 0
    # without events the end is STATE.md's last write
    write_state(repo, text.replace("main-2026-11-24-feature-1", "main-2026-11-24-deep-9"))
    state.begin(repo, fresh=True, session_type="feature")
    (stub,) = [r for r in store.read("sessions") if r["session_id"] == "main-2026-11-24-deep-9"]
    assert (stub["started_at"], stub["completed_at"]) == (
        "2026-11-24T09:30:00.000Z",
        "2026-11-24T11:00:00.000Z",
    )
    assert stub["duration_seconds"] == 5400


def test_resume_of_another_branchs_session_needs_fresh(repo: Path) -> None:
    path = write_state(repo, ACTIVE.replace('branch: "main"', 'branch: "feat-a"'))
    before = path.read_bytes()
    for resume in (False, True):
        with pytest.raises(state.StateTransitionError, match=r"feat-a.*main") as info:
            state.begin(repo, resume=resume)  # spec §7.4: another branch requires --fresh
        assert "--fresh" in (info.value.hint or "") and "--resume" not in (info.value.hint or "")
    assert path.read_bytes() == before
    state.begin(repo, fresh=True)
    fm = state.read(repo).frontmatter  # type: ignore[union-attr]
    assert fm["branch"] == "main" and fm["session"] != "main-2026-11-24-feature-1"


def test_resume_emits_session_resumed(repo: Path) -> None:
    path = write_state(repo)
    before = path.read_bytes()
    result = state.begin(repo, resume=True)  # active: stays active, file unchanged
    assert not result.written and path.read_bytes() == before
    write_state(repo, ACTIVE.replace("status: active", "status: paused"))
    assert state.begin(repo, resume=True).written
    events = list(MetricsStore(repo).read("events"))
    assert [e["event"] for e in events] == ["sessionkit.session.resumed"] * 2
    assert {e["session_id"] for e in events} == {"main-2026-11-24-feature-1"}


def test_close_wave_emits_wave_completed(repo: Path) -> None:
    write_state(repo)
    state.add_wave(repo, 3, "Impl", planned=4)
    assert state.read(repo).waves[-1]["role"] == "Impl"  # type: ignore[union-attr]
    state.add_agent(repo, 3, "a", "done")
    state.add_agent(repo, 3, "b", "partial")
    state.close_wave(repo, actual=5)  # spec §3.5 registry: state close-wave
    state.add_wave(repo, 4, "Verify")
    state.add_agent(repo, 4, "c", "done")
    state.close_wave(repo, suite=(10, 2), platform="linux")
    state.add_wave(repo, 5, "Docs")
    state.close_wave(repo)  # nothing to add to the heading: still closed, still emitted
    events = [
        e for e in MetricsStore(repo).read("events") if e["event"] == "sessionkit.wave.completed"
    ]
    assert [(e["wave"], e["role"], e["result"]) for e in events] == [
        (3, "Impl", "partial"),
        (4, "Verify", "fail"),
        (5, "Docs", "pass"),
    ]
    assert events[0]["agents"] == {"complete": 1, "partial": 1, "failed": 0}
    assert events[0]["files_changed"] == 5 and "files_changed" not in events[1]
    assert {e["session_id"] for e in events} == {"main-2026-11-24-feature-1"}


def test_set_fields_checks_values_before_writing(repo: Path) -> None:
    path = write_state(repo)
    before = path.read_bytes()
    for bad in ({"y": {"a": 1}}, {"y": [1, [2]]}, {"y": [{"a": 1}, 2]}, {"y": float("nan")}):
        with pytest.raises(state.StateError, match="invalid value for 'y'"):
            state.set_fields(repo, bad)
    with pytest.raises(state.StateError, match="not an RFC 3339"):
        state.set_fields(repo, {"started_at": "2026-11-24"})
    assert path.read_bytes() == before
    state.set_fields(repo, {"started_at": "2026-11-24T10:00:00.5+02:00"})
    assert state.read(repo).frontmatter["started_at"] == "2026-11-24T08:00:00.500Z"  # type: ignore[union-attr]
    with pytest.raises(state.StateGuardError) as info:  # a transform's bad value: a guard
        state.update(repo, lambda st: st and state.State({**st.frontmatter, "y": {}}))
    assert info.value.reason == "round-trip"


def test_add_wave_needs_a_role(repo: Path) -> None:
    path = write_state(repo)
    before = path.read_bytes()
    for role in ("", " \n "):
        with pytest.raises(state.StateError, match="a wave needs a role"):
            state.add_wave(repo, 3, role)
    with pytest.raises(state.StateError, match="integer >= 1"):
        state.add_wave(repo, 0, "Impl")
    assert path.read_bytes() == before


def test_c63_session_id_allocation(repo: Path) -> None:
    from datetime import datetime, timezone

    now = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    store = MetricsStore(repo)
    for n in (1, 2):
        store.record_session(
            {
                "session_id": f"main-2026-11-24-feature-{n}",
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
    assert (
        state.allocate_session_id(str(repo), "main", "feature", now) == "main-2026-11-24-feature-3"
    )
    assert (
        state.allocate_session_id(str(repo), "feat/X y", "feature", now)
        == "feat-x-y-2026-11-24-feature-1"
    )


def test_c64_complete_refused_as_duplicate_keeps_status(repo: Path) -> None:
    write_state(repo)
    store = MetricsStore(repo)
    store.record_session(
        {
            "session_id": "main-2026-11-24-feature-1",
            "session_type": "deep",
            "started_at": "2026-11-24T09:00:00.000Z",
            "completed_at": "2026-11-24T10:00:00.000Z",
            "total_waves": 0,
            "waves": [],
            "agent_summary": {"complete": 0, "partial": 0, "failed": 0, "spiral": 0},
            "total_agents": 0,
            "total_files_changed": 0,
        }
    )
    from sessionkit.metrics.errors import DuplicateSessionError

    with pytest.raises(DuplicateSessionError):
        state.complete(repo)
    assert state.read(repo).frontmatter["status"] == "active"  # type: ignore[union-attr]


def test_complete_records_the_session_and_recommends(repo: Path) -> None:
    write_state(repo)
    state.complete(repo, completion_rate=0.4)
    fm = state.read(repo).frontmatter  # type: ignore[union-attr]
    assert fm["status"] == "completed" and fm["recommended-mode"] == "plan-retro"
    record = next(iter(MetricsStore(repo).read("sessions")))
    assert record["waves"][0] == {
        "wave": 1,
        "role": "Discovery",
        "agent_count": 1,
        "quality": "pass",
    }
    assert (
        record["agent_summary"]["complete"] == 1
        and "agent_summary.spiral" in record["_incomplete_fields"]
    )


def test_transitions_table(repo: Path) -> None:
    with pytest.raises(state.StateTransitionError):
        state.set_fields(repo, {"status": "paused"})  # no file
    write_state(repo)
    state.set_fields(repo, {"status": "paused"})
    with pytest.raises(state.StateTransitionError):
        state.set_fields(repo, {"status": "completed"})
    with pytest.raises(state.StateTransitionError, match="is paused") as info:
        state.reset(repo, dry_run=False)
    assert "--force" in (info.value.hint or "")
    state.reset(repo, dry_run=False, force=True)
    assert state.read(repo).frontmatter["status"] == "idle"  # type: ignore[union-attr]
    assert not state.reset(repo, dry_run=False).written


# --------------------------------------------------------------------------- the lock


def _lock_body(repo: Path, **over: Any) -> Path:
    path = repo / ".orchestrator" / "state.lock"
    path.parent.mkdir(exist_ok=True)
    body = {
        "schema_version": 1,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "boot_id": None,
        "acquired_at": "2026-11-24T10:00:00.000Z",
        "holder": "test",
        "ttl_seconds": 30,
        "tool": "sessionkit",
    }
    body.update(over)
    path.write_text(json.dumps(body))
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_c10_dead_holder_is_broken(repo: Path) -> None:
    write_state(repo)
    _lock_body(repo, pid=_dead_pid())
    state.set_fields(repo, {"note": "after"})
    assert list((repo / ".orchestrator").glob("state.lock.broken-*"))
    assert not (repo / ".orchestrator" / "state.lock").exists()


def test_doctor_lists_the_broken_lock_evidence(repo: Path) -> None:
    from sessionkit.metrics.maintenance import doctor

    write_state(repo)
    assert state.broken_lock_evidence(repo) == []
    _lock_body(repo, pid=_dead_pid())
    state.set_fields(repo, {"note": "after"})  # breaks the stale lock automatically
    (evidence,) = state.broken_lock_evidence(repo)
    assert Path(evidence).parent == repo / ".orchestrator"
    found = [f for f in doctor(MetricsStore(repo)).findings if f.code == "state-lock-broken"]
    assert [(f.severity, f.file) for f in found] == [
        ("info", os.path.relpath(evidence, repo))
    ]  # spec §7.6: the renamed file stays as evidence and doctor lists it


def test_c10_running_holder_times_out_naming_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_state(repo)
    _lock_body(repo)
    monkeypatch.setattr(state, "_settings", lambda root: _short())
    with pytest.raises(state.StateLockTimeout, match=f"pid {os.getpid()} on host"):
        state.set_fields(repo, {"note": "x"})


def _short() -> Any:
    from sessionkit.metrics.settings import StateSettings

    return StateSettings(lock_timeout_s=0.2)


def test_c10_other_host_is_never_broken(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_state(repo)
    _lock_body(repo, host="build-7", pid=1)
    monkeypatch.setattr(state, "_settings", lambda root: _short())
    with pytest.raises(state.StateLockTimeout) as info:
        state.set_fields(repo, {"note": "x"})
    assert "build-7" in info.value.message and "unlock --force" in (info.value.hint or "")
    with pytest.raises(state.StateError, match="not stale"):
        state.unlock(repo)
    assert state.unlock(repo, force=True)["broken"]


def test_c10_unparseable_old_body_is_broken_and_prior_art_body_is_read(repo: Path) -> None:
    write_state(repo)
    path = repo / ".orchestrator" / "state.lock"
    path.parent.mkdir(exist_ok=True)
    path.write_text("garbage")
    old = time.time() - 120
    os.utime(path, (old, old))
    state.set_fields(repo, {"note": "x"})
    prior = _lock_body(repo, acquiredAt="2026-11-24T10:00:00Z")
    body = json.loads(prior.read_text())
    body.pop("acquired_at")
    prior.write_text(json.dumps(body))
    assert state.read_lock(str(prior))["acquired_at"] == "2026-11-24T10:00:00Z"  # type: ignore[index]


def _increment(repo: str, count: int) -> None:
    for _ in range(count):

        def bump(st: state.State | None) -> state.State | None:
            assert st is not None
            st.frontmatter["counter"] = int(st.frontmatter.get("counter") or 0) + 1
            return st

        state.update(repo, bump)


def test_c8_concurrent_updates_lose_nothing(repo: Path) -> None:
    write_state(repo)
    ctx = multiprocessing.get_context("spawn")
    # Spec C8 is 5 x 20; 5 x 8 keeps the suite fast (each update fsyncs twice) and still
    # interleaves every process with every other one.
    procs = [ctx.Process(target=_increment, args=(str(repo), 8)) for _ in range(5)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert state.read(repo).frontmatter["counter"] == 40  # type: ignore[union-attr]
    leftovers = [p.name for p in (repo / ".orchestrator").iterdir() if p.name != "metrics"]
    assert leftovers == []
    assert not list((repo / ".claude").glob(".STATE.md.tmp-*"))


def test_dry_run_reset_takes_no_lock_and_creates_nothing(repo: Path) -> None:
    """§6.1: a dry run changes nothing: no .orchestrator/ for the lock, no broken lock."""
    result = state.reset(repo)
    assert not result.written and not (repo / ".orchestrator").exists()
    assert not Path(state.resolve_path(repo)).exists()
    state.begin(repo, session_type="feature")
    state.complete(repo, record=False)
    lock = repo / ".orchestrator" / "state.lock"
    lock.write_text(json.dumps({"pid": 999_999_999, "host": socket.gethostname()}))
    before = Path(state.resolve_path(repo)).read_bytes()
    preview = state.reset(repo)
    assert not preview.written and preview.state is not None
    assert preview.state.frontmatter["status"] == "idle"
    assert lock.exists() and Path(state.resolve_path(repo)).read_bytes() == before


def test_unlock_breaks_a_same_host_lock_older_than_its_ttl_even_if_running(repo: Path) -> None:
    """§7.6 Operator (audit round 2, D2): stale or older than its TTL on the same host."""
    write_state(repo)
    path = _lock_body(repo, pid=os.getpid(), ttl_seconds=30)  # a running holder
    with pytest.raises(state.StateError, match="younger than its 30 s TTL"):
        state.unlock(repo)  # fresh: only --force breaks it
    assert path.exists()
    old = time.time() - 3600
    os.utime(path, (old, old))
    result = state.unlock(repo)
    assert result["broken"] and not path.exists()
    assert len(state.broken_lock_evidence(repo)) == 1
    events = (repo / ".orchestrator" / "metrics" / "events.jsonl").read_text().splitlines()
    broken = [json.loads(e) for e in events if '"sessionkit.state.lock_broken"' in e]
    assert [e["by"] for e in broken] == ["operator"]
