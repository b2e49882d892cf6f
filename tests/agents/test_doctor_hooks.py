"""The ``hooks.*`` doctor checks (§14.7) on real harness files and repositories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sessionkit.agents import doctor
from sessionkit.agents import install as lib


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    return path


def _ids(checks: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(c["id"], c["severity"]) for c in checks]


def test_clean_installation_reports_only_what_is_installed(make_repo: Any, home: Path) -> None:
    root = make_repo(files={"a": "x"})
    lib.install("claude", root=root)
    checks = doctor.hook_checks(root)
    assert _ids(checks) == [("hooks.installed", "info")]
    assert "claude (project)" in checks[0]["message"]


def test_problems_are_found(make_repo: Any, home: Path) -> None:
    root = make_repo(files={"a": "x"})
    settings = {
        "disableAllHooks": True,
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Bash",
                    "hooks": [{"type": "command", "command": "sessionkit-hook-missing"}],
                },
                {
                    "matcher": "Bash",
                    "hooks": [
                        {
                            "type": "command",
                            "command": "/nope/sessionkit-hook claude pre-tool-use",
                            "timeout": 2,
                        }
                    ],
                },
                {
                    "matcher": "Bash",
                    "hooks": [
                        {
                            "type": "command",
                            "command": "/nope/sessionkit-hook claude pre-tool-use",
                            "timeout": 10,
                        }
                    ],
                },
            ]
        },
    }
    path = root / ".claude/settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(settings))
    lib.install("cursor", root=root, cursor_events="legacy")
    cursor = json.loads((root / ".cursor/hooks.json").read_text())
    cursor["hooks"]["preToolUse"] = [
        {"command": "sessionkit-hook cursor pre-tool-use", "timeout": 10}
    ]
    (root / ".cursor/hooks.json").write_text(json.dumps(cursor))
    ids = set(_ids(doctor.hook_checks(root)))
    assert {
        ("hooks.timeout", "warning"),
        ("hooks.command", "error"),
        ("hooks.duplicates", "warning"),
        ("hooks.disabled", "error"),
        ("hooks.cursor-double", "info"),
    } <= ids


def test_bare_command_not_on_path(
    make_repo: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(files={"a": "x"})
    lib.install("codex", root=root, command_style="path")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert ("hooks.path-lookup", "error") in _ids(doctor.hook_checks(root))


def test_scope_problems(make_repo: Any, home: Path) -> None:
    root = make_repo(
        files={".claude/wave-scope.json": '{"wave": 1, "role": "r", "allowedPaths": []}'}
    )  # committed (tracked) and without enforcement
    messages = [c["message"] for c in doctor.hook_checks(root) if c["id"] == "hooks.scope"]
    assert any("scope.enforcement-defaulted" in m for m in messages)
    assert any("tracked by git" in m for m in messages)
    (root / ".claude/wave-scope.json").write_text("{")
    assert ("hooks.scope", "error") in _ids(doctor.hook_checks(root))
