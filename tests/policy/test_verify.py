"""Post-tool-use write verification (§9.11) in real repositories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sessionkit.policy import scope, verify


def _active(root: Path, **changes: Any) -> scope.ActiveScope:
    doc = {"wave": 5, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/"], **changes}
    return scope.ActiveScope(doc, ".claude/wave-scope.json", "file")


def test_first_call_stores_then_changes_are_reported_once(make_repo: Any) -> None:
    root = make_repo(files={"src/a.py": "1", "README.md": "r"})
    git_dir = str(root / ".git")
    active = _active(root)
    (root / "notes.txt").write_text("pre-existing")
    assert verify.verify_writes(str(root), git_dir, "s1", active) == []
    snapshot = json.loads(Path(verify.snapshot_path(git_dir, "s1")).read_text())
    assert set(snapshot["paths"]) == {"notes.txt"}

    (root / "README.md").write_text("changed")
    (root / "src/a.py").write_text("2")
    (root / ".claude").mkdir()
    (root / ".claude/STATE.md").write_text("x")
    found = verify.verify_writes(str(root), git_dir, "s1", active, role="agent")
    assert [(f.rule_id, f.action, f.details["paths"]) for f in found] == [
        ("verify.outside-scope", "warn", ["README.md"]),
        ("verify.protected-changed", "warn", [".claude/STATE.md"]),
    ]
    assert "by another agent" in found[0].summary
    # reported once until they change again
    assert verify.verify_writes(str(root), git_dir, "s1", active, role="agent") == []
    (root / "README.md").unlink()
    (root / "README.md").write_text("changed again, longer")
    again = verify.verify_writes(str(root), git_dir, "s1", active, role="agent")
    assert [f.details["paths"] for f in again] == [["README.md"]]


def test_sessions_have_their_own_snapshots(make_repo: Any) -> None:
    root = make_repo(files={"a": "1"})
    active = _active(root)
    git_dir = str(root / ".git")
    verify.verify_writes(str(root), git_dir, "s1", active)
    (root / "b.txt").write_text("x")
    assert verify.verify_writes(str(root), git_dir, "s2", active) == []  # first call of s2
    assert [f.rule_id for f in verify.verify_writes(str(root), git_dir, "s1", active)] == [
        "verify.outside-scope"
    ]


def test_off_gate_and_no_scope(make_repo: Any) -> None:
    root = make_repo(files={"a": "1"})
    git_dir = str(root / ".git")
    for active in (
        None,
        _active(root, enforcement="off"),
        _active(root, gates={"bash-write-verify": False}),
    ):
        verify.verify_writes(str(root), git_dir, "s", active)
        (root / "new.txt").write_text(str(active))
        assert verify.verify_writes(str(root), git_dir, "s", active) == []


def test_git_failure_reports_nothing(tmp_path: Path) -> None:
    assert verify.dirty_paths(str(tmp_path)) is None
    active = _active(tmp_path)
    assert verify.verify_writes(str(tmp_path), str(tmp_path / ".git"), "s", active) == []
