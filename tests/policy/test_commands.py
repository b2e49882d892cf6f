"""Wave command lists (§9.8) on the guard's real walk of real command strings."""

from __future__ import annotations

from typing import Any

import pytest

from sessionkit.policy import commands, scope
from sessionkit.policy.guard import analyse_command


def _active(**doc: Any) -> scope.ActiveScope:
    base = {"wave": 4, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/"]}
    return scope.ActiveScope({**base, **doc}, ".claude/wave-scope.json", "file")


def _check(command: str, active: scope.ActiveScope) -> list[tuple[str, str, str]]:
    found = commands.check(analyse_command(command, cwd="/tmp"), active)
    return [(f.rule_id, f.action, f.target) for f in found]


BLOCKED = [
    ("git push --force", "git -C repo push origin --force", True),
    ("git push --force", "git push origin main", False),
    ("rm -rf", "rm -fr build/", True),
    ("rm -rf", "sudo rm -r -f build/", True),
    ("rm -rf", "rm -r build/", False),
    ("npm test", "npm test -- --watch", True),
    ("npm test", "npm --prefix x test", False),
    ("npm publish", "echo hi | xargs npm publish", True),
    ("curl", "bash -c 'curl -s example.com'", True),
    ("docker run *", "docker run alpine", True),
    ("/usr/bin/make", "make all", False),
    ("git push --force-with-lease", "git push --force-with-lease=main origin", True),
]


@pytest.mark.parametrize(("entry", "command", "hit"), BLOCKED)
def test_blocked_commands(entry: str, command: str, hit: bool) -> None:
    active = _active(blockedCommands=[entry])
    expected = [("commands.blocked", "block", entry)] if hit else []
    assert _check(command, active) == expected


def test_allowed_commands_with_builtins_and_opaque() -> None:
    active = _active(enforcement="warn", allowedCommands=["pytest", "git status"])
    assert _check("cd src && pytest -q && echo done", active) == []
    assert _check("git status --short", active) == []
    assert _check("git commit -m x", active) == [
        ("commands.not-allowed", "warn", "git commit -m x")
    ]
    assert _check('eval "$CMD"', active) == [("commands.not-allowed", "warn", "eval …")]
    assert _check("python3 -c 'print(1)'", active)[0][0] == "commands.not-allowed"


def test_empty_allowed_list_permits_only_builtins() -> None:
    active = _active(allowedCommands=[])
    assert _check("echo hi; pwd", active) == []
    assert [f[0] for f in _check("ls", active)] == ["commands.not-allowed"]


def test_off_gate_and_no_scope() -> None:
    assert _check("rm -rf x", _active(enforcement="off", blockedCommands=["rm"])) == []
    assert _check("rm -rf x", _active(blockedCommands=["rm"], gates={"command-guard": False})) == []
    assert commands.check(analyse_command("rm x", cwd="/tmp"), None) == []
    off = {"command-guard": False}
    rm = analyse_command("rm x", cwd="/tmp")
    assert commands.check(rm, _active(blockedCommands=["rm"]), config_gates=off) == []
    # the scope file's own gates win over the Session Config's enforcement-gates
    scoped = _active(blockedCommands=["rm"], gates={"command-guard": True})
    assert [f.rule_id for f in commands.check(rm, scoped, config_gates=off)] == ["commands.blocked"]


@pytest.mark.parametrize("entry", [">", "", "rm 'x", "FOO=1"])
def test_non_command_entries_are_ignored(entry: str) -> None:
    assert commands.compile_pattern(entry) is None
    assert _check("rm x", _active(blockedCommands=[entry])) == []


def test_git_view_skips_global_options() -> None:
    assert commands.git_view(["git", "-C", "x", "-c", "a=b", "--no-pager", "push", "-f"]) == [
        "git",
        "push",
        "-f",
    ]
