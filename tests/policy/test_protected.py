"""Protected paths: default list (§10.1), role matrix (§10.2), configuration (§10.3)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from sessionkit.policy import protected

# path -> class of the entry that protects it (None: not protected)
DEFAULTS: list[tuple[str, str | None]] = [
    (".git/config", "git"),
    (".git", "git"),
    ("sub/.git/HEAD", "git"),
    (".orchestrator/metrics/events.jsonl", "runtime"),
    (".orchestrator/metrics/events.jsonl.1", "runtime"),
    (".orchestrator/metrics/notes.txt", None),
    (".orchestrator/state.lock", "runtime"),
    (".orchestrator/runtime/x/y", "runtime"),
    (".claude/wave-scope.json", "control"),
    (".pi/wave-scope.json", "control"),
    (".orchestrator/policy/guard.yaml", "control"),
    (".claude/settings.json", "control"),
    (".codex/config.toml", "control"),
    (".husky/pre-commit", "control"),
    (".pre-commit-config.yaml", "control"),
    (".claude/STATE.md", "state"),
    (".orchestrator/STATE.md", "state"),
    ("CLAUDE.md", "instructions"),
    ("claude.md", "instructions"),
    ("pkg/AGENTS.md", "instructions"),
    (".claude/agents/reviewer.md", "instructions"),
    (".cursorrules", "instructions"),
    ("src/app.py", None),
    ("CLAUDE.md.bak", None),
    ("docs/STATE.md", None),
]


@pytest.mark.parametrize(("path", "kind"), DEFAULTS)
def test_default_list(tmp_path: Path, path: str, kind: str | None) -> None:
    entry = protected.match(path, protected.entries_for(environ={}), root=str(tmp_path))
    assert (entry.kind if entry else None) == kind


def test_home_hook_configuration_is_protected(tmp_path: Path) -> None:
    path = os.path.expanduser("~/.claude/settings.json")
    findings = protected.check([path], root=tmp_path, role="agent", environ={})
    assert [f.rule_id for f in findings] == ["protected.control"]


# (class sample, coordinator, unknown no wave, unknown wave, agent)
MATRIX_ROWS = [
    (".git/index", "block", "block", "block", "block"),
    (".orchestrator/metrics/sessions.jsonl", "block", "block", "block", "block"),
    (".codex/hooks.json", "warn", "warn", "block", "block"),
    (".cursor/STATE.md", "allow", "allow", "warn", "block"),
    ("AGENTS.md", "allow", "warn", "warn", "block"),
]


@pytest.mark.parametrize("row", MATRIX_ROWS)
def test_role_matrix(tmp_path: Path, row: tuple[str, str, str, str, str]) -> None:
    path, *expected = row
    got = []
    for role, wave in (
        ("coordinator", True),
        ("unknown", False),
        ("unknown", True),
        ("agent", False),
    ):
        findings = protected.check([path], root=tmp_path, role=role, wave_active=wave, environ={})
        got.append(findings[0].action if findings else "allow")
    assert got == expected


def test_environment_named_files(tmp_path: Path) -> None:
    env = {"SESSIONKIT_WAVE_SCOPE": "run/worker-3.json", "SESSIONKIT_CONFIG_FILE": "cfg/session.md"}
    findings = protected.check(
        ["run/worker-3.json", "cfg/session.md"], root=tmp_path, role="agent", environ=env
    )
    assert [f.rule_id for f in findings] == ["protected.control", "protected.instructions"]


def test_tree_targets_hit_files_below(tmp_path: Path) -> None:
    findings = protected.check(
        [], tree_paths=[".orchestrator", "docs"], root=tmp_path, role="coordinator", environ={}
    )
    assert [(f.rule_id, f.target) for f in findings] == [("protected.runtime", ".orchestrator")]


def test_symlink_into_git_is_caught_lexically_and_resolved(make_repo: Any) -> None:
    root = make_repo(files={"docs/a": "x"})
    os.symlink("../.git/config", root / "docs" / "cfg")
    findings = protected.check(["docs/cfg"], root=root, role="coordinator", environ={})
    assert [f.rule_id for f in findings] == ["protected.git"]


CONFIG = {
    "add": [
        {"id": "secrets", "patterns": ["secrets/**", ".env*"], "action": "block"},
        {
            "id": "ci",
            "patterns": [".github/workflows/**"],
            "coordinator": "warn",
            "unknown": "warn",
            "agent": "block",
        },
    ],
    "relax": [{"class": "instructions", "agent": "warn"}],
}


def test_configuration_adds_and_relaxes(tmp_path: Path) -> None:
    def action(path: str, role: str) -> str:
        found = protected.check([path], root=tmp_path, role=role, config=CONFIG, environ={})
        return found[0].action if found else "allow"

    assert action(".env.local", "coordinator") == "block"
    assert action(".github/workflows/ci.yml", "coordinator") == "warn"
    assert action(".github/workflows/ci.yml", "agent") == "block"
    assert action("CLAUDE.md", "agent") == "warn"
    found = protected.check(["secrets/k"], root=tmp_path, role="agent", config=CONFIG, environ={})
    assert found[0].rule_id == "protected.custom" and "secrets" in found[0].summary


def test_config_object_from_session_config(make_repo: Any) -> None:
    from sessionkit.config import load_config

    root = make_repo(
        files={
            "CLAUDE.md": "# x\n\n## Session Config\n\nprotected-paths:\n  add:\n"
            "    - id: vault\n      patterns: [vault/**]\n      action: warn\n"
        }
    )
    cfg = load_config(root)
    found = protected.check(["vault/a"], root=root, role="agent", config=cfg, environ={})
    assert [(f.rule_id, f.action) for f in found] == [("protected.custom", "warn")]


@pytest.mark.parametrize(
    "relax",
    [
        [{"class": "git", "agent": "warn"}],
        [{"class": "runtime", "coordinator": "allow"}],
        [{"class": "control", "agent": "allow"}],
    ],
)
def test_floors_cannot_be_relaxed(tmp_path: Path, relax: list[dict[str, str]]) -> None:
    with pytest.raises(protected.ProtectedConfigError):
        protected.check(["x"], root=tmp_path, config={"relax": relax}, environ={})


@pytest.mark.parametrize(
    ("command", "label"),
    [
        ("sessionkit scope set --wave 2 --role R --allow '**'", "sessionkit scope set"),
        ("cd x && sessionkit scope clear", "sessionkit scope clear"),
        ("sessionkit uninstall claude", "sessionkit uninstall"),
        ("git -C . config --local core.hooksPath /dev/null", "git config core.hooksPath"),
        ("git config --unset core.hooksPath", "git config core.hooksPath"),
    ],
)
def test_sanctioned_writers(command: str, label: str) -> None:
    from sessionkit.policy.guard import analyse_command

    parsed = analyse_command(command, cwd="/tmp")

    def actions(role: str, wave: bool) -> list[tuple[str, str]]:
        found = protected.check_sanctioned(parsed, role=role, wave_active=wave)
        return [(f.action, f.target) for f in found]

    assert actions("agent", False) == [("block", label)]
    assert actions("unknown", True) == [("warn", label)]
    assert actions("unknown", False) == []
    assert actions("coordinator", True) == []


def test_ordinary_commands_are_not_sanctioned_writers() -> None:
    from sessionkit.policy.guard import analyse_command

    for command in ("sessionkit scope show", "git config user.name x", "sessionkit check"):
        parsed = analyse_command(command, cwd="/tmp")
        assert protected.check_sanctioned(parsed, role="agent") == []
