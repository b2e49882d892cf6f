"""``sessionkit scope`` through the real console script (§9.10): set seals the scope, the
hook-side loader enforces the sealed copy, clear ends the wave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sessionkit.policy import scope
from sessionkit.schemas import validator

SESSIONKIT = str(Path(sys.executable).parent / "sessionkit")


def run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKIT_")}
    return subprocess.run(
        [SESSIONKIT, "scope", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=60,
    )


def _valid(doc: Any) -> None:
    assert not list(validator("scope-report").iter_errors(doc)), doc


def test_set_show_check_clear(make_repo: Any) -> None:
    root = make_repo(files={"src/a.py": "x", ".codex/wave-scope.json": "{}"})
    proc = run("set", "--wave", "2", "--role", "Impl-Core", "--allow", "src/", "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    _valid(report)
    assert report["path"] == ".claude/wave-scope.json"
    assert report["removed"] == [".codex/wave-scope.json"] and report["excluded"] is True
    assert "/.claude/wave-scope.json" in (root / ".git/info/exclude").read_text()
    written = json.loads((root / ".claude/wave-scope.json").read_text())
    assert written["createdBy"].startswith("sessionkit ") and written["allowedPaths"] == ["src/"]

    shown = json.loads(run("show", "--json", cwd=root).stdout)
    _valid(shown)
    assert (shown["source"], shown["sealed"], shown["tampered"]) == ("seal", True, False)

    # an agent rewriting the file does not widen the scope
    (root / ".claude/wave-scope.json").write_text(json.dumps({**written, "allowedPaths": ["**"]}))
    active = scope.load_active(root)
    assert active is not None and active.tampered and active.allowed_paths == ["src/"]

    checked = run(
        "check",
        "src/b.py",
        "README.md",
        ".claude/wave-scope.json",
        "--role",
        "agent",
        "--json",
        cwd=root,
    )
    assert checked.returncode == 1
    rows = {r["path"]: (r["status"], r["action"]) for r in json.loads(checked.stdout)["paths"]}
    assert rows == {
        "src/b.py": ("allowed", "allow"),
        "README.md": ("outside-allowed-paths", "block"),
        ".claude/wave-scope.json": ("protected", "block"),
    }
    assert run("check", "src/c.py", cwd=root).returncode == 0

    cleared = run("clear", "--json", cwd=root)
    _valid(json.loads(cleared.stdout))
    assert scope.load_active(root) is None
    assert run("show", cwd=root).stdout.strip() == "no active wave scope"


def test_set_rejects_invalid_scope_and_writes_nothing(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    proc = run("set", "--wave", "0", "--role", "R", "--allow", "../x", cwd=root)
    assert proc.returncode == 1
    assert "nothing was written" in proc.stderr
    assert not (root / ".claude").exists() and not (root / ".git/sessionkit").exists()


def test_set_from_stdin_for_another_harness(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    doc = {"wave": 3, "role": "Quality", "enforcement": "warn", "allowedPaths": ["tests/"]}
    proc = run("set", "--from", "-", "--harness", "codex", cwd=root, stdin=json.dumps(doc))
    assert proc.returncode == 0, proc.stderr
    active = scope.load_active(root, harness="claude")
    assert active is not None and active.path == ".codex/wave-scope.json" and active.wave == 3


def test_validate_reports_pointers(make_repo: Any, tmp_path: Path) -> None:
    root = make_repo(files={"a": "x"})
    bad = tmp_path / "scope.json"
    bad.write_text(
        json.dumps(
            {"wave": 1, "role": "R", "enforcement": "strict", "allowedPaths": ["**", "/etc/x"]}
        )
    )
    proc = run("validate", str(bad), "--json", cwd=root)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    _valid(report)
    assert [(p["level"], p["pointer"]) for p in report["problems"]] == [
        ("warning", "/allowedPaths/0"),
        ("error", "/allowedPaths/1"),
    ]
    assert run("validate", str(tmp_path / "missing.json"), cwd=root).returncode == 3
