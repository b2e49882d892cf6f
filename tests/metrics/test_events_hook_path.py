"""``emit_event`` on the agent hook's path: a fresh process without the store's writer loaded.

The plain append must write exactly what the store's writer writes, under the same lock, and
hand every case it does not cover (busy lock, torn tail, rotation) to that writer.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit import state
from sessionkit.metrics import _jsonl, events, timestamps

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the plain append is Linux-only")

DRIVER = """
import json, sys
from sessionkit.metrics.events import emit_event
out = emit_event(sys.argv[1], "sessionkit.guard.decision", json.loads(sys.argv[2]),
                 timeout=0.05, rotate_max_bytes=int(sys.argv[3]) or None,
                 source="sessionkit-hook", platform="claude")
heavy = [m for m in ("dataclasses", "typing", "sessionkit.metrics._jsonl", "sessionkit.state",
                     "difflib", "secrets") if m in sys.modules]
print(json.dumps({"out": out, "heavy": heavy}))
"""
# The hook's own shape: nothing imported before the call but the event module. Neither re
# (with enum and functools), json nor datetime may be loaded by a registered or a custom name.
LEAN_DRIVER = """
import sys
from sessionkit.metrics.events import emit_event
outs = [
    emit_event(sys.argv[1], "sessionkit.guard.decision",
               {"action": "block", "findings": [], "tool_name": "Bash"},
               source="sessionkit-hook", platform="claude", harness_session_id="h-1"),
    emit_event(sys.argv[1], "acme.deploy.done", {"n": 1}),
]
loaded = [m for m in ("re", "json", "datetime", "enum", "functools", "sessionkit.metrics._jsonl",
                      "sessionkit.metrics.timestamps") if m in sys.modules]
print(repr([o["action"] for o in outs]), repr(loaded))
"""
PAYLOAD = {
    "hook_event": "pre-tool-use",
    "phase": "pre",
    "action": "block",
    "tool_name": "Bash",
    "tool_kind": "shell",
    "caller_role": "unknown",
    "findings": [
        {"check": "destructive", "rule_id": "git-reset-hard", "action": "block", "target": "é"}
    ],
    "fail_mode": "closed",
    "degraded": False,
    "duration_ms": 1.5,
}


def _emit(root: Path, rotate_at: int = 10 * 1024 * 1024) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIONKIT_", "SO_"))}
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(root), json.dumps(PAYLOAD), str(rotate_at)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    result["stderr"] = proc.stderr
    return result


def _stream(root: Path) -> Path:
    return root / ".orchestrator" / "metrics" / "events.jsonl"


def test_constants_mirror_the_store_and_state() -> None:
    assert events.DEFAULT_MAX_LINE_BYTES == _jsonl.DEFAULT_MAX_LINE_BYTES
    assert tuple(state.HARNESS_DIRS.values()) == events.STATE_DIRS


def test_plain_append_writes_the_canonical_line_without_heavy_imports(repo: Path) -> None:
    first, second = _emit(repo), _emit(repo)
    assert first["out"] == {"action": "appended", "path": str(_stream(repo))}
    assert first["heavy"] == [] and second["heavy"] == []
    lines = _stream(repo).read_bytes().splitlines(keepends=True)
    assert len(lines) == 2
    record = json.loads(lines[0])
    events.validate_event(record)
    assert record["session_id"] is None and record["findings"][0]["target"] == "é"
    canonical, _ = _jsonl.encode_record(record, stream="events")
    assert lines[0] == canonical


def test_the_event_write_imports_no_re_json_or_datetime(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIONKIT_", "SO_"))}
    proc = subprocess.run(
        [sys.executable, "-c", LEAN_DRIVER, str(repo)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert proc.stdout.split("\n")[0] == "['appended', 'appended'] []"
    records = [json.loads(x) for x in _stream(repo).read_bytes().splitlines()]
    for record in records:
        events.validate_event(record)
        assert (
            _jsonl.encode_record(record, stream="events")[0]
            == json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        )
    assert [r["event"] for r in records] == ["sessionkit.guard.decision", "acme.deploy.done"]
    assert records[0]["harness_session_id"] == "h-1"


def test_a_state_file_is_still_read_for_the_session_id(repo: Path) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "STATE.md").write_text(
        "---\nschema-version: 1\nsession: s-42\nstatus: active\n---\n"
    )
    _emit(repo)
    record = json.loads(_stream(repo).read_text())
    assert record["session_id"] == state.current_session_id(str(repo)) == "s-42"


def test_a_torn_tail_is_left_to_the_store_writer(repo: Path) -> None:
    _stream(repo).parent.mkdir(parents=True)
    _stream(repo).write_bytes(b'{"partial":')
    result = _emit(repo)
    assert result["out"]["action"] == "appended"
    assert "unterminated line" in result["stderr"]
    assert _stream(repo).read_bytes().startswith(b'{"partial":\n{"schema_version":1,')


def test_a_busy_lock_spools_and_a_due_rotation_rotates(repo: Path) -> None:
    path = _stream(repo)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = _emit(repo)
    finally:
        os.close(fd)
    assert result["out"]["action"] == "spooled"
    assert path.read_bytes() == b""
    assert _emit(repo, rotate_at=10)["out"]["action"] == "appended"
    rotated = [p.name for p in path.parent.iterdir() if p.name.startswith("events.2")]
    assert len(rotated) == 1 and not path.exists()


def test_the_store_writer_is_used_when_loaded(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    points: list[str] = []
    monkeypatch.setattr(_jsonl, "_FAULT", points.append)
    out = events.emit_event(
        str(repo), "sessionkit.guard.decision", PAYLOAD, source="sessionkit-hook"
    )
    assert out["action"] == "appended"
    assert "after-lock" in points  # the store's writer ran, with its fault points


def test_the_pattern_copies_equal_their_sources() -> None:
    assert events.STORED_PATTERN == timestamps.STORED_PATTERN


NAMEISH = st.text(alphabet="az09_-.:A\n é", max_size=12)


@settings(max_examples=500, deadline=None)
@given(st.one_of(NAMEISH, st.text(max_size=12)))
def test_plain_name_and_session_checks_equal_the_patterns(value: str) -> None:
    assert events._custom_name_ok(value) == (
        re.match(events.CUSTOM_NAME_PATTERN, value) is not None
    )
    assert events._session_id_ok(value) == (re.match(events.SESSION_ID_PATTERN, value) is not None)


@pytest.mark.parametrize("length", [199, 200, 201])
def test_session_id_length_bounds(length: int) -> None:
    for sid in ("s" * length, "s" * length + "\n"):
        assert events._session_id_ok(sid) == (re.match(events.SESSION_ID_PATTERN, sid) is not None)
