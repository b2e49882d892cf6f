"""Installers (agent-hooks.md §14.1-§14.4): merging into real harness files in scratch
repositories, keeping foreign entries, idempotence, uninstall removing only ours."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sessionkit.agents import install as lib
from sessionkit.errors import EnvironmentProblem, UsageError

HOOK = str(Path(lib.sys.executable).parent / "sessionkit-hook")

FOREIGN: dict[str, dict[str, Any]] = {
    "claude": {
        "permissions": {"allow": ["Bash(ls:*)"]},
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "other-guard check"}]}
            ],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-done"}]}],
        },
    },
    "codex": {
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "audit.sh"}]}
            ]
        }
    },
    "cursor": {
        "version": 1,
        "hooks": {"beforeShellExecution": [{"command": "./scripts/approve.sh"}]},
    },
}
FILES = {
    "claude": ".claude/settings.json",
    "codex": ".codex/hooks.json",
    "cursor": ".cursor/hooks.json",
}


def _seed(root: Path, harness: str) -> Path:
    path = root / FILES[harness]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(FOREIGN[harness], indent=2) + "\n", encoding="utf-8")
    return path


def _commands(doc: Any) -> list[str]:
    out: list[str] = []
    for items in doc.get("hooks", {}).values():
        for item in items:
            if "hooks" in item:
                out.extend(h["command"] for h in item["hooks"])
            else:
                out.append(item["command"])
    return out


@pytest.mark.parametrize("harness", ["claude", "codex", "cursor"])
def test_install_keeps_foreign_entries_is_idempotent_and_uninstalls_only_ours(
    make_repo: Any, harness: str
) -> None:
    root = make_repo(files={"a": "x"})
    path = _seed(root, harness)
    original = path.read_bytes()

    result, _ = lib.install(harness, root=root)
    doc = json.loads(path.read_text())
    assert result["files"][0]["action"] == "modified"
    assert {e["status"] for e in result["files"][0]["entries"]} == {"added"}
    for command in _commands(FOREIGN[harness]):
        assert command in _commands(doc)
    ours = [c for c in _commands(doc) if lib.is_ours(c)]
    assert ours and all(c.startswith(HOOK + f" {harness} ") for c in ours)
    # foreign keys and entries keep their place: ours are appended
    assert list(doc)[: len(FOREIGN[harness])] == list(FOREIGN[harness])
    assert (root / (FILES[harness] + ".sessionkit.bak")).read_bytes() == original

    installed = path.read_bytes()
    again, _ = lib.install(harness, root=root)
    assert path.read_bytes() == installed
    assert again["files"][0]["action"] == "unchanged"
    assert {e["status"] for e in again["files"][0]["entries"]} == {"unchanged"}

    removed, _ = lib.uninstall(harness, root=root)
    assert {e["status"] for e in removed["files"][0]["entries"]} == {"removed"}
    assert json.loads(path.read_text()) == FOREIGN[harness]
    assert path.read_bytes() == original  # same formatting as the installer's


def test_install_into_missing_file_creates_it_and_uninstall_empties_it(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    result, _ = lib.install("claude", root=root)
    assert result["files"][0]["action"] == "created"
    assert result["files"][0]["backup"] is None
    path = root / ".claude/settings.json"
    doc = json.loads(path.read_text())
    assert doc["hooks"]["PreToolUse"][0]["matcher"] == "Bash|Edit|MultiEdit|Write|NotebookEdit"
    assert doc["hooks"]["PostToolUse"][0]["hooks"][0]["timeout"] == 10
    lib.uninstall("claude", root=root)
    assert json.loads(path.read_text()) == {}
    lib.install("cursor", root=root)
    lib.uninstall("cursor", root=root)
    assert json.loads((root / ".cursor/hooks.json").read_text()) == {"version": 1, "hooks": {}}


def test_stale_command_is_updated_and_duplicates_removed(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    stale = {"type": "command", "command": "/old/venv/bin/sessionkit-hook claude pre-tool-use"}
    doc = {
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [stale]},
                {"matcher": "Bash", "hooks": [dict(stale)]},
            ]
        }
    }
    path = root / ".claude/settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc))
    result, _ = lib.install("claude", root=root, timeout=20)
    statuses = {e["event"]: e["status"] for e in result["files"][0]["entries"]}
    assert statuses == {"PreToolUse": "duplicate-removed", "PostToolUse": "added"}
    new = json.loads(path.read_text())
    (group,) = new["hooks"]["PreToolUse"]
    assert group["matcher"] == "Bash|Edit|MultiEdit|Write|NotebookEdit"
    assert group["hooks"] == [
        {"type": "command", "command": f"{HOOK} claude pre-tool-use", "timeout": 20}
    ]


def test_shared_group_keeps_its_matcher(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    group = {
        "matcher": "Bash",
        "hooks": [
            {"type": "command", "command": "other-guard"},
            {"type": "command", "command": "sessionkit-hook claude pre-tool-use"},
        ],
    }
    path = root / ".claude/settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"hooks": {"PreToolUse": [group]}}))
    result, _ = lib.install("claude", root=root)
    assert result["files"][0]["entries"][0]["status"] == "shared-group"
    new = json.loads(path.read_text())["hooks"]["PreToolUse"][0]
    assert new["matcher"] == "Bash" and new["hooks"][0] == {
        "type": "command",
        "command": "other-guard",
    }
    lib.uninstall("claude", root=root)
    assert json.loads(path.read_text())["hooks"]["PreToolUse"] == [
        {"matcher": "Bash", "hooks": [{"type": "command", "command": "other-guard"}]}
    ]


def test_cursor_modes_are_exclusive(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    lib.install("cursor", root=root, cursor_events="legacy")
    result, _ = lib.install("cursor", root=root)
    entries = {(e["event"], e["status"]) for e in result["files"][0]["entries"]}
    assert ("beforeShellExecution", "removed") in entries and ("preToolUse", "added") in entries
    doc = json.loads((root / ".cursor/hooks.json").read_text())
    assert set(doc["hooks"]) == {"preToolUse", "afterFileEdit"}


def test_dry_run_writes_nothing_and_returns_a_diff(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    path = _seed(root, "codex")
    before = path.read_bytes()
    result, diffs = lib.install("codex", root=root, dry_run=True)
    assert path.read_bytes() == before
    assert result["dry_run"] and result["files"][0]["action"] == "modified"
    assert "+" in diffs[0] and "codex pre-tool-use" in diffs[0]
    assert not (root / ".codex/hooks.json.sessionkit.bak").exists()


@pytest.mark.parametrize(
    "content", ["{not json", "[1, 2]", '{"hooks": []}', '{"version": 2, "hooks": {}}']
)
def test_invalid_files_are_left_alone(make_repo: Any, content: str) -> None:
    root = make_repo(files={"a": "x"})
    path = root / ".cursor/hooks.json"
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(lib.InvalidHarnessFile) as info:
        lib.install("cursor", root=root)
    assert info.value.exit_code == 1
    assert path.read_text() == content
    assert not path.with_name("hooks.json.sessionkit.bak").exists()


def test_user_scope_and_codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    lib.install("claude", scope="user")
    assert (tmp_path / "home/.claude/settings.json").is_file()
    lib.install("codex", scope="user", environ={"CODEX_HOME": str(tmp_path / "ch")})
    assert (tmp_path / "ch/hooks.json").is_file()


def test_usage_and_environment_errors(tmp_path: Path, make_repo: Any) -> None:
    with pytest.raises(UsageError):
        lib.install("codex", scope="local", root=make_repo(files={"a": "x"}))
    with pytest.raises(UsageError):
        lib.install("claude", timeout=2, root=tmp_path)
    with pytest.raises(EnvironmentProblem):
        lib.install("claude", root=tmp_path)  # not a git repository
    with pytest.raises(EnvironmentProblem):
        lib.install("claude", root=make_repo(files={"a": "x"}), command=str(tmp_path / "nope"))


def test_command_style_path_and_fail_closed(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    lib.install("cursor", root=root, command_style="path", fail_closed=True)
    doc = json.loads((root / ".cursor/hooks.json").read_text())
    assert doc["hooks"]["preToolUse"] == [
        {"command": "sessionkit-hook cursor pre-tool-use", "timeout": 10, "failClosed": True}
    ]


@pytest.mark.parametrize(
    ("command", "ours"),
    [
        ("/opt/x/bin/sessionkit-hook claude pre-tool-use", True),
        ("'/a b/sessionkit-hook' codex pre-tool-use", True),
        ("C:\\venv\\Scripts\\sessionkit-hook.exe cursor pre-tool-use", True),
        ("/usr/bin/python3 -m sessionkit.agents claude pre-tool-use", True),
        ("sessionkit-hooks claude", False),
        ("echo sessionkit-hook", False),
        ("other", False),
    ],
)
def test_is_ours(command: str, ours: bool) -> None:
    assert lib.is_ours(command) is ours


def test_templates_render_every_harness() -> None:
    for name in ("claude", "codex", "cursor", "cursor-legacy"):
        rendered = lib.render_template(name, "/x/sessionkit-hook", 15)
        assert "{{" not in json.dumps(rendered)
        assert all(lib.is_ours(c) for c in _commands(rendered))
    toml = lib.codex_toml("/x/sessionkit-hook", 12)
    import tomllib

    tables = tomllib.loads(toml)["hooks"]
    assert tables["PreToolUse"][0]["hooks"][0]["command"] == "/x/sessionkit-hook codex pre-tool-use"
    assert tables["PreToolUse"][0]["hooks"][0]["timeout"] == 12


def test_timeout_must_exceed_the_hook_deadline(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    with pytest.raises(UsageError, match="4000 ms"):
        lib.install("claude", root=root, timeout=5)
    slow = make_repo(
        files={"CLAUDE.md": "# x\n\n## Session Config\n\nhooks:\n  deadline-ms: 8000\n"}
    )
    with pytest.raises(UsageError, match="8000 ms"):
        lib.install("claude", root=slow, timeout=9)
    result, _ = lib.install("claude", root=slow, timeout=10)
    assert result["files"][0]["action"] == "created"


def test_codex_config_toml_is_reported_not_edited(make_repo: Any, tmp_path: Path) -> None:
    toml = (
        '[features]\nhooks = false\n\n[[hooks.PreToolUse.hooks]]\ntype = "command"\n'
        'command = "/old/bin/sessionkit-hook codex pre-tool-use"\n'
    )
    root = make_repo(files={".codex/config.toml": toml})
    result, _ = lib.install("codex", root=root, environ={"CODEX_HOME": str(tmp_path / "none")})
    notes = "\n".join(result["notes"])
    assert "remove these lines by hand: 6: command =" in notes
    assert "`[features] hooks = false` switches Codex hooks off" in notes
    assert (root / ".codex/config.toml").read_text() == toml
