"""End to end through the installed console script: every shell write channel of §9.7 against
the wave scope, empty and non-strict scopes, and an invalid team policy file (§8.3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.agents.conftest import claude, codex, events, run_hook

ARGS = ["claude", "pre-tool-use"]


def _scope(repo: Path, enforcement: str = "strict", allowed: tuple[str, ...] = ("src/",)) -> None:
    (repo / ".claude").mkdir(exist_ok=True)
    (repo / ".claude" / "wave-scope.json").write_text(
        json.dumps(
            {"wave": 5, "role": "Impl", "enforcement": enforcement, "allowedPaths": list(allowed)}
        )
    )


def _bash(repo: Path, command: str, session: str = "sess-1") -> dict[str, object]:
    return claude(repo, "Bash", {"command": command}, session_id=session)


# (command writing outside src/, the path it writes, a command writing the same way inside)
CHANNELS = [
    ("echo x > README.md", "README.md", "echo x > src/new.py"),
    ("echo x >> README.md", "README.md", "echo x >> src/app.py"),
    ("echo x | tee docs/out.txt", "docs/out.txt", "echo x | tee src/out.txt"),
    ("cp src/app.py docs/copy.py", "docs/copy.py", "cp src/app.py src/copy.py"),
    ("mv src/app.py lib/app.py", "lib/app.py", "mv src/app.py src/main.py"),
    ("install -m 644 src/app.py bin/app", "bin/app", "install -m 644 src/app.py src/bin"),
    ("sed -i s/x/y/ README.md", "README.md", "sed -i s/x/y/ src/app.py"),
    ("truncate -s 0 README.md", "README.md", "truncate -s 0 src/app.py"),
    ("dd if=/dev/zero of=README.md bs=1 count=1", "README.md", "dd if=/dev/zero of=src/z bs=1"),
    ("rm README.md", "README.md", "rm src/app.py"),
]


@pytest.mark.parametrize(("command", "target", "inside"), CHANNELS)
def test_shell_write_channels_against_the_scope(
    repo: Path, command: str, target: str, inside: str
) -> None:
    _scope(repo)
    result = run_hook(ARGS, _bash(repo, command), cwd=repo)
    obj = result.json()
    assert result.code == 0
    assert list(obj) == ["hookSpecificOutput", "systemMessage"]
    output = obj["hookSpecificOutput"]
    assert list(output) == ["hookEventName", "permissionDecision", "permissionDecisionReason"]
    assert output["permissionDecision"] == "deny"
    assert output["permissionDecisionReason"].startswith(
        "sessionkit blocked this call (wave 5, role Impl, enforcement strict).\n"
        f"[scope.outside-allowed-paths] `{target}` is not in this wave's allowed paths."
    )
    assert obj["systemMessage"].startswith(
        f"⛔ sessionkit: [scope.outside-allowed-paths] `{target}` is not in this wave's"
    )
    [record] = events(repo)
    assert (record["action"], record["tool_kind"]) == ("block", "shell")
    assert target in record["paths"]
    allowed = run_hook(ARGS, _bash(repo, inside), cwd=repo)
    assert (allowed.raw, allowed.code) == (b"", 0)


def test_empty_allowed_paths_make_nothing_writable(repo: Path) -> None:
    _scope(repo, allowed=())
    edit = claude(repo, "Edit", {"file_path": "src/app.py", "old_string": "1", "new_string": "2"})
    for payload in (edit, _bash(repo, "echo x > src/new.py")):
        output = run_hook(ARGS, payload, cwd=repo).json()["hookSpecificOutput"]
        assert output["permissionDecision"] == "deny"
        assert "no paths are allowed in this wave" in output["permissionDecisionReason"]
    # reading and writing nothing stays allowed
    quiet = run_hook(ARGS, _bash(repo, "ls src"), cwd=repo)
    assert (quiet.raw, quiet.code) == (b"", 0)


def test_enforcement_warn_and_off(repo: Path) -> None:
    _scope(repo, enforcement="warn")
    obj = run_hook(ARGS, _bash(repo, "rm README.md"), cwd=repo).json()
    assert list(obj["hookSpecificOutput"]) == ["hookEventName", "additionalContext"]
    assert obj["hookSpecificOutput"]["additionalContext"].startswith(
        "sessionkit warning (the call is allowed) (wave 5, role Impl, enforcement warn).\n"
        "[scope.outside-allowed-paths] `README.md`"
    )
    assert obj["systemMessage"].startswith("⚠ sessionkit: [scope.outside-allowed-paths]")
    _scope(repo, enforcement="off")
    off = run_hook(ARGS, _bash(repo, "rm README.md"), cwd=repo)
    assert (off.raw, off.code) == (b"", 0)
    # protected paths do not depend on the scope's enforcement
    control = run_hook(ARGS, _bash(repo, "echo {} > .claude/wave-scope.json"), cwd=repo).json()
    assert "[protected.control]" in control["hookSpecificOutput"]["permissionDecisionReason"]


def test_invalid_policy_file_keeps_built_in_rules_and_says_so(repo: Path) -> None:
    policy = repo / ".orchestrator" / "policy"
    policy.mkdir(parents=True)
    (policy / "guard.yaml").write_text("version: 1\nrules:\n  git-reset-hard: [oops\n")
    # a command the built-in rules allow: the warning alone, once per session
    first = run_hook(ARGS, _bash(repo, "ls", "s-a"), cwd=repo)
    obj = first.json()
    assert first.code == 0
    assert list(obj["hookSpecificOutput"]) == ["hookEventName", "additionalContext"]
    context = obj["hookSpecificOutput"]["additionalContext"]
    assert context.startswith(
        "sessionkit warning (the call is allowed).\n"
        "[hook.policy-diagnostic] Policy file problem (policy-invalid): not valid YAML"
    )
    again = run_hook(ARGS, _bash(repo, "ls", "s-a"), cwd=repo)
    assert (again.raw, again.code) == (b"", 0)
    # the built-in rules still block, and the diagnostic is shown with the block
    blocked = run_hook(ARGS, _bash(repo, "git reset --hard HEAD~1", "s-b"), cwd=repo).json()
    reason = blocked["hookSpecificOutput"]["permissionDecisionReason"]
    assert blocked["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "[git-reset-hard]" in reason and "[hook.policy-diagnostic]" in reason


@pytest.mark.parametrize(
    "patch",
    [
        "*** Begin Patch\n*** Add File: \n+x\n*** End Patch\n",
        "*** Begin Patch\n@@\n-a\n+b\n*** End Patch\n",
    ],
)
def test_codex_patch_part_without_path_is_an_unresolved_target(repo: Path, patch: str) -> None:
    """§5.3: an empty path or hunk lines before any header make that part unresolved."""
    _scope(repo)
    payload = codex(repo, "apply_patch", {"command": patch})
    obj = run_hook(["codex", "pre-tool-use"], payload, cwd=repo).json()
    specific = obj["hookSpecificOutput"]
    assert "permissionDecision" not in specific  # a warning, even in a strict wave
    assert specific["additionalContext"].splitlines()[1] == (
        "[scope.unresolved-target] cannot tell which file `a patch part without a file path` "
        "names, so the wave scope cannot judge it. Instead: use literal paths so the write can "
        "be checked"
    )
    assert "hook.input-unrecognised" not in specific["additionalContext"]
    [record] = events(repo)
    assert [f["rule_id"] for f in record["findings"]] == ["scope.unresolved-target"]


@pytest.mark.parametrize("gate", ["bash-write-guard", "path-guard"])
def test_scope_gates_switch_off_one_channel_only(repo: Path, gate: str) -> None:
    """§9.9: ``bash-write-guard: false`` skips scope for shell writes, ``path-guard: false``
    for edits; the other channel and protected paths are still checked."""
    (repo / ".claude").mkdir(exist_ok=True)
    (repo / ".claude" / "wave-scope.json").write_text(
        json.dumps(
            {
                "wave": 5,
                "role": "Impl",
                "enforcement": "strict",
                "allowedPaths": ["src/"],
                "gates": {gate: False},
            }
        )
    )
    shell = run_hook(ARGS, _bash(repo, "echo x > notes.txt"), cwd=repo)
    edit = run_hook(
        ARGS, claude(repo, "Write", {"file_path": "notes.txt", "content": "x"}), cwd=repo
    )
    off, on = (shell, edit) if gate == "bash-write-guard" else (edit, shell)
    assert off.raw == b""
    reason = on.json()["hookSpecificOutput"]["permissionDecisionReason"]
    assert "[scope.outside-allowed-paths] `notes.txt`" in reason
    # Protected paths ignore the gates, and still see the wave as active (unknown role: block).
    guarded = run_hook(ARGS, _bash(repo, "echo x > .claude/settings.json"), cwd=repo).json()
    written = run_hook(
        ARGS,
        claude(repo, "Write", {"file_path": ".claude/settings.json", "content": "{}"}),
        cwd=repo,
    ).json()
    for obj in (guarded, written):
        specific = obj["hookSpecificOutput"]
        assert specific["permissionDecision"] == "deny"
        assert "[protected.control]" in specific["permissionDecisionReason"]
