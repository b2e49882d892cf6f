"""End to end: config weakening and guard overrides through the installed script (§6, §12)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sessionkit.policy.overrides import store_path
from tests.agents.conftest import claude, codex, events, run_hook

PYPROJECT = "[tool.coverage.report]\nfail_under = 90\n"


def _lower(repo: Path) -> dict[str, Any]:
    return claude(
        repo,
        "Edit",
        {
            "file_path": "pyproject.toml",
            "old_string": "fail_under = 90",
            "new_string": "fail_under = 50",
        },
    )


def test_weakening_warns_by_default(make_repo: Any) -> None:
    repo: Path = make_repo({"pyproject.toml": PYPROJECT})
    obj = run_hook(["claude", "pre-tool-use"], _lower(repo), cwd=repo).json()
    context = obj["hookSpecificOutput"]["additionalContext"]
    assert "permissionDecision" not in obj["hookSpecificOutput"]
    assert context.splitlines()[1].startswith("[weaken.coverage-threshold-lowered] ")
    # Raising the threshold is not weakening.
    raise_it = claude(
        repo,
        "Edit",
        {
            "file_path": "pyproject.toml",
            "old_string": "fail_under = 90",
            "new_string": "fail_under = 95",
        },
    )
    assert run_hook(["claude", "pre-tool-use"], raise_it, cwd=repo).raw == b""


def test_weakening_blocks_in_strict_mode_and_through_apply_patch(make_repo: Any) -> None:
    repo: Path = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "CLAUDE.md": "# p\n\n## Session Config\n\nconfig-protection:\n  mode: strict\n",
        }
    )
    obj = run_hook(["claude", "pre-tool-use"], _lower(repo), cwd=repo).json()
    assert obj["hookSpecificOutput"]["permissionDecision"] == "deny"
    new = (
        "*** Begin Patch\n*** Add File: pyproject.toml\n+[tool.coverage.report]\n+fail_under = 10\n"
    )
    patch = codex(repo, "apply_patch", {"command": new})
    obj = run_hook(["codex", "pre-tool-use"], patch, cwd=repo).json()
    assert (
        "[weaken.coverage-threshold-lowered]"
        in obj["hookSpecificOutput"]["permissionDecisionReason"]
    )


def test_override_lowering_is_recorded(repo: Path) -> None:
    now = datetime.now(timezone.utc)
    entry = {
        "id": "ovr-20260601-aaaa",
        "rule": "git-reset-hard",
        "action": "allow",
        "reason": "throwaway branch",
        "expires": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created-by": "dev@example.invalid",
    }
    path = Path(store_path(str(repo / ".git")))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "overrides": [entry]}))
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert (result.raw, result.code) == (b"", 0)
    [record] = events(repo)
    assert record["event"] == "sessionkit.guard.override.applied"
    assert (record["override_id"], record["rule"], record["session"]) == (
        "ovr-20260601-aaaa",
        "git-reset-hard",
        "sess-1",
    )
    assert len(record["command_sha256"]) == 16


def test_codex_update_patch_hunks_are_applied_for_weakening(make_repo: Any) -> None:
    repo: Path = make_repo({"pkg/pyproject.toml": PYPROJECT, "pkg/src/a.py": "x = 1\n"})
    patch = (
        "*** Begin Patch\n*** Update File: pyproject.toml\n@@ [tool.coverage.report]\n"
        "-fail_under = 90\n+fail_under = 10\n*** End Patch\n"
    )
    # Run from a subdirectory: the finding names the file relative to the repository root.
    result = run_hook(
        ["codex", "pre-tool-use"], codex(repo / "pkg", "apply_patch", {"command": patch}), cwd=repo
    )
    assert result.code == 0
    summary = (
        "this edit of `pkg/pyproject.toml` lowers a coverage threshold (`fail_under`: 90 → 10)."
    )
    fix = (
        "keep the gate as strict as it was and fix the code instead, or ask the user to "
        "change the gate"
    )
    reason = result.json()["hookSpecificOutput"]
    assert reason["additionalContext"].splitlines()[1] == (
        f"[weaken.coverage-threshold-lowered] {summary} Instead: {fix}"
    )
    # A patch whose old lines are not in the file is the harness's to reject: no finding.
    stale = patch.replace("fail_under = 90", "fail_under = 95")
    assert (
        run_hook(
            ["codex", "pre-tool-use"],
            codex(repo / "pkg", "apply_patch", {"command": stale}),
            cwd=repo,
        ).raw
        == b""
    )


def _git(repo: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _reset_action(repo: Path) -> str:
    result = run_hook(
        ["claude", "pre-tool-use"], claude(repo, "Bash", {"command": "git reset --hard"}), cwd=repo
    )
    if not result.raw:
        return "allow"
    inner = result.json()["hookSpecificOutput"]
    return "block" if inner.get("permissionDecision") == "deny" else "warn"


def test_allow_destructive_ops_through_the_hook_cache(make_repo: Any) -> None:
    """The hook hands the guard its cached view of allow-destructive-ops only while the working
    tree does not enable it; loosening, pending or committed, is always judged by the guard."""
    config = "# p\n\n## Session Config\n\nallow-destructive-ops: {}\n"
    repo: Path = make_repo({"CLAUDE.md": config.format("false"), "a": "x\n"})
    assert _reset_action(repo) == "block"
    assert _reset_action(repo) == "block"  # warm cache
    cache = json.loads((repo / ".git" / "sessionkit" / "hook-cache.json").read_text())
    assert cache["config"]["guard"] == {"allow-destructive-ops": False, "pending": False}
    # An uncommitted loosening waits for a commit: still blocked.
    (repo / "CLAUDE.md").write_text(config.format("true"))
    assert _reset_action(repo) == "block"
    assert _reset_action(repo) == "block"
    # Committed, it applies although the instruction file itself did not change again.
    _git(repo, "commit", "-qam", "loosen")
    assert _reset_action(repo) == "warn"
    assert _reset_action(repo) == "warn"
