"""End to end: the shell-call checks besides the guard, through the installed script.

Sanctioned writers of control files (§10.4) and shell writes of gate configuration (§11.3,
§11.5) are judged on the guard's one parse of the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agents.conftest import claude, clean_env, events, run_hook

PYPROJECT = "[tool.coverage.report]\nfail_under = 90\n"


def _claude_answer(action: str, rule: str, summary: str, fix: str) -> str:
    if action == "block":
        agent = f"sessionkit blocked this call.\n[{rule}] {summary} Instead: {fix}"
        inner = '"permissionDecision":"deny","permissionDecisionReason":' + json.dumps(
            agent, ensure_ascii=False
        )
        icon = "⛔"
    else:
        agent = f"sessionkit warning (the call is allowed).\n[{rule}] {summary} Instead: {fix}"
        inner = '"additionalContext":' + json.dumps(agent, ensure_ascii=False)
        icon = "⚠"
    user = f"{icon} sessionkit: [{rule}] {summary}"
    return (
        '{"hookSpecificOutput":{"hookEventName":"PreToolUse",'
        + inner
        + '},"systemMessage":'
        + json.dumps(user, ensure_ascii=False)
        + "}\n"
    )


SCOPE_SET = "sessionkit scope set --wave 2 --role R --allow '**'"
SCOPE_SUMMARY = (
    "`sessionkit scope set` rewrites the wave scope file; agents may not change the guards."
)
HOOKS_SUMMARY = (
    "`git config core.hooksPath` rewrites hook configuration; agents may not change the guards."
)
ASK = "ask the coordinator or the user to run it"


def test_agent_running_a_sanctioned_writer_is_blocked(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": f"cd . && {SCOPE_SET}"}, agent_id="a1")
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert result.code == 0
    assert result.stdout == _claude_answer("block", "protected.control", SCOPE_SUMMARY, ASK)
    [record] = events(repo)
    assert record["findings"] == [
        {
            "check": "protected",
            "rule_id": "protected.control",
            "action": "block",
            "target": "sessionkit scope set",
            "details": {"entry": "sanctioned-writer", "class": "control"},
        }
    ]
    hooks_path = claude(
        repo, "Bash", {"command": "git -C . config core.hooksPath /dev/null"}, agent_id="a1"
    )
    result = run_hook(["claude", "pre-tool-use"], hooks_path, cwd=repo)
    assert result.stdout == _claude_answer("block", "protected.control", HOOKS_SUMMARY, ASK)


def test_sanctioned_writer_matrix_for_unknown_callers(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": SCOPE_SET})
    # No wave: an unidentified caller (the user's own session) may run it.
    assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo).raw == b""
    (repo / ".claude").mkdir()
    scope = {"wave": 1, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/"]}
    (repo / ".claude" / "wave-scope.json").write_text(json.dumps(scope))
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    context = result.json()["hookSpecificOutput"]
    assert "permissionDecision" not in context
    assert context["additionalContext"].splitlines()[1] == (
        f"[protected.control] {SCOPE_SUMMARY} Instead: {ASK}"
    )
    # The coordinator is allowed, and ordinary sessionkit commands are not writers.
    coordinator = clean_env(SESSIONKIT_ROLE="coordinator")
    assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo, env=coordinator).raw == b""
    show = claude(repo, "Bash", {"command": "sessionkit scope show"}, agent_id="a1")
    assert run_hook(["claude", "pre-tool-use"], show, cwd=repo).raw == b""


def test_disabling_protected_skips_sanctioned_writers(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": SCOPE_SET}, agent_id="a1")
    env = clean_env(SESSIONKIT_HOOK_DISABLE="protected")
    assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo, env=env).raw == b""


SHELL_SUMMARY = (
    "a shell command writes the gate configuration `{}`; the change cannot be checked "
    "before it runs."
)
EDIT_TOOL = "make the change with the edit tool so it can be checked"


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("sed -i 's/90/10/' pyproject.toml", "pyproject.toml"),
        ("cd src && echo '[tool.coverage.report]' > pyproject.toml", "src/pyproject.toml"),
        ("rm -f mypy.ini", "mypy.ini"),
    ],
)
def test_shell_write_of_gate_config_warns(make_repo: Any, command: str, shown: str) -> None:
    repo: Path = make_repo({"pyproject.toml": PYPROJECT, "src/app.py": "x = 1\n"})
    payload = claude(repo, "Bash", {"command": command})
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert result.code == 0
    assert result.stdout == _claude_answer(
        "warn", "weaken.shell-edit-unverifiable", SHELL_SUMMARY.format(shown), EDIT_TOOL
    )


def test_shell_write_of_gate_config_blocks_in_strict_mode(make_repo: Any) -> None:
    repo: Path = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "CLAUDE.md": "# p\n\n## Session Config\n\nconfig-protection:\n  mode: strict\n",
        }
    )
    payload = claude(repo, "Bash", {"command": "sed -i 's/90/10/' pyproject.toml"})
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert result.stdout == _claude_answer(
        "block",
        "weaken.shell-edit-unverifiable",
        SHELL_SUMMARY.format("pyproject.toml"),
        EDIT_TOOL,
    )
    # Other files and reads of the config are not shell edits of it.
    for command in ("echo x > notes.txt", "cat pyproject.toml", "grep fail_under pyproject.toml"):
        other = claude(repo, "Bash", {"command": command})
        assert run_hook(["claude", "pre-tool-use"], other, cwd=repo).raw == b"", command
    env = clean_env(SESSIONKIT_HOOK_DISABLE="weakening")
    assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo, env=env).raw == b""


def test_mktemp_writes_are_temporary_writes_for_wave_scope(repo: Path) -> None:
    (repo / ".claude").mkdir()
    scope = {"wave": 1, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/"]}
    (repo / ".claude" / "wave-scope.json").write_text(json.dumps(scope))
    env = clean_env(TMPDIR="/tmp")
    for command in (
        "echo x > $(mktemp)",
        'f=$(mktemp) && sort data > "$f"',
        'd=$(mktemp -d) && cp README.md "$d/copy"',
        "echo x > $(mktemp -p src)",
    ):
        payload = claude(repo, "Bash", {"command": command})
        assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo, env=env).raw == b"", command
    # mktemp -p into the repository is judged by that directory like any other write.
    payload = claude(repo, "Bash", {"command": "echo x > $(mktemp -p .)"})
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo, env=env)
    assert "[scope.outside-allowed-paths]" in result.json()["systemMessage"]
