"""``sessionkit install`` / ``uninstall`` through the real console script (§14.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sessionkit.schemas import validator

SESSIONKIT = str(Path(sys.executable).parent / "sessionkit")


def run(*args: str, cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if home is not None:
        env["HOME"] = str(home)
    return subprocess.run(
        [SESSIONKIT, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=60
    )


def test_install_json_matches_schema_and_second_run_changes_nothing(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    first = run("install", "claude", "--json", cwd=root)
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert not list(validator("install-result").iter_errors(doc))
    assert doc["files"][0]["action"] == "created"
    assert doc["command_check"]["ok"] is True
    before = (root / ".claude/settings.json").read_bytes()
    second = run("install", "claude", "--json", cwd=root)
    assert json.loads(second.stdout)["files"][0]["action"] == "unchanged"
    assert (root / ".claude/settings.json").read_bytes() == before
    removed = run("uninstall", "claude", "--json", cwd=root)
    assert removed.returncode == 0
    out = json.loads(removed.stdout)
    assert not list(validator("install-result").iter_errors(out))
    assert [e["status"] for e in out["files"][0]["entries"]] == ["removed", "removed"]


def test_dry_run_prints_a_diff_and_writes_nothing(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    proc = run("install", "cursor", "--dry-run", cwd=root)
    assert proc.returncode == 0
    assert proc.stdout.startswith("--- /dev/null\n+++ b/.cursor/hooks.json\n")
    assert "cursor pre-tool-use" in proc.stdout
    assert not (root / ".cursor").exists()


def test_human_output_lists_entries(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    proc = run("install", "codex", "--print-toml", cwd=root)
    assert proc.returncode == 0
    assert ".codex/hooks.json: created" in proc.stdout
    assert "PreToolUse [Bash|apply_patch]: added" in proc.stdout
    assert "[[hooks.PreToolUse]]" in proc.stdout and "{{" not in proc.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("install", "codex", "--scope", "local"), 2),
        (("install", "pi"), 2),
        (("install", "claude", "--timeout", "99"), 2),
        (("install", "claude", "--print-toml"), 2),
    ],
)
def test_usage_errors_exit_2(make_repo: Any, args: tuple[str, ...], code: int) -> None:
    proc = run(*args, cwd=make_repo(files={"a": "x"}))
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr


def test_outside_a_repository_exits_3(tmp_path: Path) -> None:
    proc = run("install", "claude", cwd=tmp_path)
    assert proc.returncode == 3
    assert "not a git repository; use --scope user" in proc.stderr


def test_invalid_target_exits_1_and_keeps_the_file(make_repo: Any) -> None:
    root = make_repo(files={".claude/settings.json": '{"hooks": {,}}'})
    proc = run("install", "claude", cwd=root)
    assert proc.returncode == 1
    assert ".claude/settings.json:1:" in proc.stderr
    assert (root / ".claude/settings.json").read_text() == '{"hooks": {,}}'


def test_user_scope_writes_into_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    proc = run("install", "cursor", "--scope", "user", cwd=tmp_path, home=home)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((home / ".cursor/hooks.json").read_text())["version"] == 1
    proc = run("uninstall", "cursor", "--scope", "user", cwd=tmp_path, home=home)
    assert json.loads((home / ".cursor/hooks.json").read_text()) == {"version": 1, "hooks": {}}
