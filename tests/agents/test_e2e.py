"""End to end: the installed console script with real payloads of each harness (§18.1)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.agents.conftest import HOOK, claude, clean_env, codex, cursor, events, run_hook

RESET_REASON = (
    "git reset --hard overwrites uncommitted changes to tracked files, including other "
    "sessions' work, and they cannot be recovered."
)
RESET_FIX = (
    "Use git reset --keep REF, which moves the branch but refuses to overwrite local edits, "
    "or commit the work on a branch first."
)
RESET_AGENT = f"sessionkit blocked this call.\n[git-reset-hard] {RESET_REASON} Instead: {RESET_FIX}"
RESET_USER = f"⛔ sessionkit: [git-reset-hard] {RESET_REASON}"
CLAUDE_DENY = (
    '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",'
    '"permissionDecisionReason":' + json.dumps(RESET_AGENT, ensure_ascii=False) + "},"
    '"systemMessage":' + json.dumps(RESET_USER, ensure_ascii=False) + "}\n"
)
CURSOR_DENY = (
    '{"permission":"deny","user_message":'
    + json.dumps(RESET_USER, ensure_ascii=False)
    + ',"agent_message":'
    + json.dumps(RESET_AGENT, ensure_ascii=False)
    + "}\n"
)


def _claude_post(repo: Path, command: str) -> str:
    """The hook's answer to a Claude Code PostToolUse of a Bash call."""
    payload = claude(
        repo,
        "Bash",
        {"command": command},
        hook_event_name="PostToolUse",
        tool_response={"stdout": ""},
    )
    return run_hook(["claude", "post-tool-use"], payload, cwd=repo).stdout


def test_installed_script_exists() -> None:
    assert HOOK.is_file()


def test_version_and_help(repo: Path) -> None:
    version = run_hook(["--version"], b"", cwd=repo)
    assert version.code == 0
    assert version.stdout.startswith("sessionkit-hook ")
    usage = run_hook(["--help"], b"", cwd=repo)
    assert (usage.code, usage.stdout) == (0, "")
    assert "usage: sessionkit-hook" in usage.stderr


# --------------------------------------------------------------------------- Claude Code


def test_claude_bash_allow_prints_nothing(repo: Path) -> None:
    result = run_hook(
        ["claude", "pre-tool-use"], claude(repo, "Bash", {"command": "git status"}), cwd=repo
    )
    assert (result.raw, result.code) == (b"", 0)
    assert events(repo) == []


def test_claude_bash_block_exact_bytes_and_event(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    result = run_hook(["claude", "PreToolUse"], payload, cwd=repo)
    assert result.code == 0
    assert result.stdout == CLAUDE_DENY
    [record] = events(repo)
    assert record["event"] == "sessionkit.guard.decision"
    assert record["action"] == "block"
    assert record["platform"] == "claude"
    assert record["source"] == "sessionkit-hook"
    assert record["harness_session_id"] == "sess-1"
    assert record["findings"] == [
        {
            "check": "destructive",
            "rule_id": "git-reset-hard",
            "action": "block",
            "target": "git reset --hard HEAD~1",
        }
    ]
    assert len(record["command_sha256"]) == 16
    assert "git reset --hard HEAD~1" not in json.dumps(
        {k: v for k, v in record.items() if k != "findings"}
    )


def test_claude_subagent_call_is_checked(repo: Path) -> None:
    payload = claude(
        repo, "Bash", {"command": "git reset --hard HEAD~1"}, agent_id="a1", agent_type="impl"
    )
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert result.stdout == CLAUDE_DENY
    [record] = events(repo)
    assert (record["agent_id"], record["agent_type"], record["caller_role"]) == (
        "a1",
        "impl",
        "agent",
    )


def test_claude_warn_notice_and_ask(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    # A misconfigured event name is inferred and reported as a warning next to the block.
    result = run_hook(["claude", "pre-tool-usee"], payload, cwd=repo)
    obj = result.json()
    reason = obj["hookSpecificOutput"]["permissionDecisionReason"]
    assert reason.splitlines()[1].startswith("[git-reset-hard] ")
    assert reason.splitlines()[2].startswith("[hook.command-misconfigured] ")
    assert obj["systemMessage"] == RESET_USER + " (+1 more)"


def test_claude_warning_only_is_additional_context(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": "git status"})
    result = run_hook(["claud", "pre-tool-use"], payload, cwd=repo)
    assert result.code == 0
    text = (
        "sessionkit warning (the call is allowed).\n[hook.command-misconfigured] The hook "
        "command is misconfigured: harness 'claud' is unknown. Instead: Reinstall the hook "
        "with `sessionkit install claude`."
    )
    user = (
        "⚠ sessionkit: [hook.command-misconfigured] The hook command is misconfigured: "
        "harness 'claud' is unknown."
    )
    assert result.stdout == (
        '{"hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":'
        + json.dumps(text, ensure_ascii=False)
        + '},"systemMessage":'
        + json.dumps(user, ensure_ascii=False)
        + "}\n"
    )
    assert [r["action"] for r in events(repo)] == ["warn"]
    # Shown once per session: the same call again is quiet.
    again = run_hook(["claud", "pre-tool-use"], payload, cwd=repo)
    assert (again.raw, again.code) == (b"", 0)


def test_claude_warn_as_ask(make_repo: object) -> None:
    repo = make_repo(  # type: ignore[operator]
        {"CLAUDE.md": "# p\n\n## Session Config\n\nhooks:\n  warn-as: ask\n"}
    )
    payload = claude(repo, "Bash", {"command": "git status"})
    obj = run_hook(["claud", "pre-tool-use"], payload, cwd=repo).json()
    assert list(obj["hookSpecificOutput"]) == [
        "hookEventName",
        "permissionDecision",
        "permissionDecisionReason",
    ]
    assert obj["hookSpecificOutput"]["permissionDecision"] == "ask"
    # Codex never receives "ask" (it treats it as a hook failure).
    codex_obj = run_hook(
        ["codexx", "pre-tool-use"], codex(repo, "Bash", {"command": "ls"}), cwd=repo
    ).json()
    assert "permissionDecision" not in codex_obj["hookSpecificOutput"]


def test_claude_edit_outside_scope_write_new_file_multiedit_notebook(repo: Path) -> None:
    scope = repo / ".claude" / "wave-scope.json"
    scope.parent.mkdir()
    scope.write_text(
        '{"wave": 2, "role": "Impl-Core", "enforcement": "strict", "allowedPaths": ["src/"]}'
    )
    inside = claude(
        repo, "Edit", {"file_path": str(repo / "src/app.py"), "old_string": "x", "new_string": "y"}
    )
    assert run_hook(["claude", "pre-tool-use"], inside, cwd=repo).raw == b""
    cases = [
        ("Write", {"file_path": str(repo / "new.txt"), "content": "hi\n"}, "new.txt"),
        (
            "MultiEdit",
            {"file_path": "README.md", "edits": [{"old_string": "h", "new_string": "j"}]},
            "README.md",
        ),
        (
            "NotebookEdit",
            {"notebook_path": str(repo / "nb.ipynb"), "new_source": "1", "edit_mode": "delete"},
            "nb.ipynb",
        ),
    ]
    for tool, tool_input, rel in cases:
        result = run_hook(["claude", "pre-tool-use"], claude(repo, tool, tool_input), cwd=repo)
        obj = result.json()
        reason = obj["hookSpecificOutput"]["permissionDecisionReason"]
        assert obj["hookSpecificOutput"]["permissionDecision"] == "deny", tool
        assert reason.startswith(
            "sessionkit blocked this call (wave 2, role Impl-Core, enforcement strict).\n"
            f"[scope.outside-allowed-paths] `{rel}` is not in this wave's allowed paths."
        ), reason
    recorded = events(repo)
    assert [r["paths"] for r in recorded] == [["new.txt"], ["README.md"], ["nb.ipynb"]]
    assert all(r["wave"] == 2 and r["role"] == "Impl-Core" for r in recorded)


def test_claude_post_tool_use_bash_is_quiet(repo: Path) -> None:
    payload = claude(
        repo,
        "Bash",
        {"command": "git reset --hard HEAD~1"},
        hook_event_name="PostToolUse",
        tool_response={"stdout": "", "stderr": ""},
    )
    result = run_hook(["claude", "post-tool-use"], payload, cwd=repo)
    assert (result.raw, result.code) == (b"", 0)


def test_claude_read_mcp_agent_tools_allowed(repo: Path) -> None:
    for tool in ("Read", "mcp__github__create_issue", "Task", "SomethingNew"):
        payload = claude(repo, tool, {"file_path": "/etc/passwd", "command": 1})
        assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo).raw == b""


def test_renamed_shell_tool_is_guarded(repo: Path) -> None:
    payload = claude(repo, "run_shell_command", {"command": "git reset --hard HEAD~1"})
    assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo).stdout == CLAUDE_DENY
    hinted = claude(repo, "SuperBashTool", {"command": ["git", "reset", "--hard", "HEAD~1"]})
    assert run_hook(["claude", "pre-tool-use"], hinted, cwd=repo).stdout == CLAUDE_DENY


# --------------------------------------------------------------------------- Codex CLI


def test_codex_bash_string_and_argv_array(repo: Path) -> None:
    for command in ("git reset --hard HEAD~1", ["git", "reset", "--hard", "HEAD~1"]):
        result = run_hook(
            ["codex", "pre-tool-use"], codex(repo, "Bash", {"command": command}), cwd=repo
        )
        assert (result.stdout, result.code) == (CLAUDE_DENY, 0)
    allow = run_hook(
        ["codex", "pre-tool-use"], codex(repo, "Bash", {"command": ["ls", "-la"]}), cwd=repo
    )
    assert (allow.raw, allow.code) == (b"", 0)


def test_codex_apply_patch_scope_and_protected(repo: Path) -> None:
    (repo / ".codex").mkdir()
    (repo / ".codex" / "wave-scope.json").write_text(
        '{"wave": 1, "role": "Docs", "enforcement": "warn", "allowedPaths": ["docs/"]}'
    )
    patch = (
        "*** Begin Patch\n*** Add File: docs/new.md\n+# hi\n*** Update File: src/app.py\n"
        "*** Move to: src/main.py\n@@\n-x = 1\n+x = 2\n*** Delete File: README.md\n*** End Patch\n"
    )
    result = run_hook(
        ["codex", "pre-tool-use"], codex(repo, "apply_patch", {"command": patch}), cwd=repo
    )
    obj = result.json()
    assert list(obj) == ["hookSpecificOutput", "systemMessage"]
    context = obj["hookSpecificOutput"]["additionalContext"]
    assert context.startswith(
        "sessionkit warning (the call is allowed) (wave 1, role Docs, enforcement warn)."
    )
    flagged = [line.split("]")[0] for line in context.splitlines()[1:]]
    assert flagged == ["[scope.outside-allowed-paths"] * 3
    for rel in ("src/app.py", "src/main.py", "README.md"):
        assert f"`{rel}`" in context
    assert "docs/new.md" not in context


def test_codex_apply_patch_through_shell(repo: Path) -> None:
    (repo / ".codex").mkdir()
    (repo / ".codex" / "wave-scope.json").write_text(
        '{"wave": 1, "role": "Docs", "enforcement": "strict", "allowedPaths": ["docs/"]}'
    )
    patch = "*** Begin Patch\n*** Add File: notes.txt\n+hi\n*** End Patch\n"
    payload = codex(repo, "Bash", {"command": ["apply_patch", patch]})
    obj = run_hook(["codex", "pre-tool-use"], payload, cwd=repo).json()
    assert obj["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert (
        "[scope.outside-allowed-paths] `notes.txt`"
        in obj["hookSpecificOutput"]["permissionDecisionReason"]
    )


def test_codex_subagent(repo: Path) -> None:
    payload = codex(
        repo, "Bash", {"command": "git reset --hard HEAD~1"}, agent_id="w1", agent_type="worker"
    )
    assert run_hook(["codex", "pre-tool-use"], payload, cwd=repo).stdout == CLAUDE_DENY
    assert events(repo)[0]["caller_role"] == "agent"


# --------------------------------------------------------------------------- Cursor


def test_cursor_before_shell_execution(repo: Path) -> None:
    payload = cursor(repo, "beforeShellExecution", command="git reset --hard HEAD~1", cwd=str(repo))
    result = run_hook(["cursor", "beforeShellExecution"], payload, cwd=repo)
    assert (result.stdout, result.code) == (CURSOR_DENY, 0)
    allow = cursor(repo, "beforeShellExecution", command="ls", cwd=str(repo))
    assert (
        run_hook(["cursor", "before-shell-execution"], allow, cwd=repo).stdout
        == '{"permission":"allow"}\n'
    )


def test_cursor_pre_tool_use_shell_read_mcp_write_delete(repo: Path) -> None:
    shell = cursor(
        repo,
        "preToolUse",
        tool_name="Shell",
        tool_input={"command": "git reset --hard HEAD~1", "working_directory": str(repo)},
    )
    assert run_hook(["cursor", "preToolUse"], shell, cwd=repo).stdout == CURSOR_DENY
    for tool in ("Read", "MCP:search", "Task"):
        payload = cursor(repo, "preToolUse", tool_name=tool, tool_input={"path": "x"})
        assert (
            run_hook(["cursor", "preToolUse"], payload, cwd=repo).stdout
            == '{"permission":"allow"}\n'
        )
    (repo / ".cursor").mkdir()
    (repo / ".cursor" / "wave-scope.json").write_text(
        '{"wave": 3, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/"]}'
    )
    write = cursor(
        repo,
        "preToolUse",
        tool_name="Write",
        tool_input={"file_path": "src/new.py", "content": "1"},
    )
    assert run_hook(["cursor", "preToolUse"], write, cwd=repo).stdout == '{"permission":"allow"}\n'
    delete = cursor(repo, "preToolUse", tool_name="Delete", tool_input={"path": "README.md"})
    obj = run_hook(["cursor", "preToolUse"], delete, cwd=repo).json()
    assert list(obj) == ["permission", "user_message", "agent_message"]
    assert obj["permission"] == "deny"
    assert obj["user_message"].startswith(
        "⛔ sessionkit: [scope.outside-allowed-paths] `README.md`"
    )


def test_cursor_after_file_edit_answers_empty_object(repo: Path) -> None:
    (repo / ".cursor").mkdir()
    (repo / ".cursor" / "wave-scope.json").write_text(
        '{"wave": 3, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/"]}'
    )
    payload = cursor(
        repo,
        "afterFileEdit",
        file_path=str(repo / "README.md"),
        edits=[{"old_string": "a", "new_string": "b"}],
    )
    result = run_hook(["cursor", "afterFileEdit"], payload, cwd=repo)
    assert (result.stdout, result.code) == ("{}\n", 0)
    assert "scope.outside-allowed-paths" in result.stderr
    [record] = events(repo)
    assert (record["phase"], record["action"]) == ("post", "warn")


def test_cursor_after_file_edit_weakening_compares_undone_edit_with_disk(repo: Path) -> None:
    """After the edit the file on disk is the new content; the old one is the edits undone,
    last first (§11.2)."""
    config = repo / "pyproject.toml"
    config.write_text("[tool.coverage.report]\nfail_under = 50\n")
    lowered = cursor(
        repo,
        "afterFileEdit",
        file_path=str(config),
        edits=[
            {"old_string": "fail_under = 90", "new_string": "fail_under = 70"},
            {"old_string": "= 70", "new_string": "= 50"},
        ],
    )
    result = run_hook(["cursor", "afterFileEdit"], lowered, cwd=repo)
    assert (result.stdout, result.code) == ("{}\n", 0)
    assert "[weaken.coverage-threshold-lowered]" in result.stderr
    [record] = events(repo)
    [finding] = record["findings"]
    assert finding["rule_id"] == "weaken.coverage-threshold-lowered"
    assert finding["details"] == {"key": "fail_under", "old": 90, "new": 50}
    raised = cursor(
        repo,
        "afterFileEdit",
        file_path=str(config),
        edits=[{"old_string": "fail_under = 40", "new_string": "fail_under = 50"}],
    )
    quiet = run_hook(["cursor", "afterFileEdit"], raised, cwd=repo)
    assert (quiet.stdout, quiet.code) == ("{}\n", 0)
    assert "weaken." not in quiet.stderr
    assert len(events(repo)) == 1


def test_cursor_once_per_session_notice_waits_for_an_answer_that_shows_it(repo: Path) -> None:
    """Cursor answers a Read with a bare allow: the notice must not be used up there (§6.3)."""
    read = cursor(repo, "preToolUse", tool_name="Read", tool_input={"path": "README.md"})
    first = run_hook(["cursor", "pretool"], read, cwd=repo)
    assert first.stdout == '{"permission":"allow"}\n'
    assert events(repo) == []
    shell = cursor(
        repo,
        "preToolUse",
        tool_name="Shell",
        tool_input={"command": "ls", "working_directory": "."},
    )
    obj = run_hook(["cursor", "pretool"], shell, cwd=repo).json()
    assert obj["permission"] == "allow"
    assert obj["user_message"].startswith("⚠ sessionkit: [hook.command-misconfigured]")
    again = run_hook(["cursor", "pretool"], shell, cwd=repo)
    assert again.stdout == '{"permission":"allow"}\n'  # shown once, then remembered


def test_cursor_bom_and_crlf(repo: Path) -> None:
    body = json.dumps(
        cursor(repo, "beforeShellExecution", command="git reset --hard HEAD~1", cwd=str(repo)),
        indent=1,
    )
    data = b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode() + b"\r\n"
    assert run_hook(["cursor", "beforeShellExecution"], data, cwd=repo).stdout == CURSOR_DENY


def test_harness_mismatch_cursor_payload_to_claude(repo: Path) -> None:
    payload = cursor(repo, "beforeShellExecution", command="git reset --hard HEAD~1", cwd=str(repo))
    obj = run_hook(["claude", "pre-tool-use"], payload, cwd=repo).json()
    reason = obj["hookSpecificOutput"]["permissionDecisionReason"]
    assert obj["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "[git-reset-hard]" in reason and "[hook.harness-mismatch]" in reason


def test_module_form_matches_console_script(repo: Path) -> None:
    import sys

    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    result = run_hook(
        ["claude", "pre-tool-use"],
        payload,
        cwd=repo,
        argv0=[sys.executable, "-m", "sessionkit.agents"],
    )
    assert (result.stdout, result.code) == (CLAUDE_DENY, 0)


def test_no_orchestrator_no_events(make_repo: object) -> None:
    repo = make_repo({"a.txt": "a"})  # type: ignore[operator]
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo).stdout == CLAUDE_DENY
    assert not (repo / ".orchestrator").exists()
    metrics = repo / "m"
    run_hook(
        ["claude", "pre-tool-use"],
        payload,
        cwd=repo,
        env=clean_env(SESSIONKIT_METRICS_DIR=str(metrics)),
    )
    assert (metrics / "events.jsonl").is_file()


def test_debug_trace_goes_to_stderr_only(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    result = run_hook(
        ["claude", "pre-tool-use"], payload, cwd=repo, env=clean_env(SESSIONKIT_HOOK_DEBUG="1")
    )
    assert result.stdout == CLAUDE_DENY
    steps = [line.split(" ms  ", 1)[1] for line in result.stderr.splitlines() if " ms  " in line]
    assert steps[0] == "payload read (" + str(len(json.dumps(payload).encode())) + " bytes)"
    assert steps[-2:] == ["answer written (exit 0)", "1 event(s) recorded"]


def test_claude_post_tool_use_edit_is_not_rechecked(repo: Path) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text(
        '{"wave": 1, "role": "R", "enforcement": "strict", "allowedPaths": ["src/"]}'
    )
    payload = claude(
        repo,
        "Write",
        {"file_path": "notes.txt", "content": "x"},
        hook_event_name="PostToolUse",
        tool_response={"success": True},
    )
    result = run_hook(["claude", "post-tool-use"], payload, cwd=repo)
    assert (result.raw, result.code) == (b"", 0)
    pre = claude(repo, "Write", {"file_path": "notes.txt", "content": "x"})
    assert (
        run_hook(["claude", "pre-tool-use"], pre, cwd=repo).json()["hookSpecificOutput"][
            "permissionDecision"
        ]
        == "deny"
    )


def test_post_tool_use_verification_reports_new_writes(repo: Path) -> None:
    import subprocess as sp

    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text(
        '{"wave": 4, "role": "R", "enforcement": "strict", "allowedPaths": ["src/"]}'
    )
    # As `sessionkit metrics` sets a repository up: the events ledger is not tracked.
    (repo / ".gitignore").write_text(".orchestrator/metrics/*\n")
    sp.run(["git", "add", "-A"], cwd=repo, check=True)
    sp.run(["git", "commit", "-qm", "scope"], cwd=repo, check=True)

    def post(command: str) -> str:
        return _claude_post(repo, command)

    assert post("true") == ""  # first call of the session stores a snapshot
    (repo / "notes.txt").write_text("written by a script\n")
    (repo / "src" / "ok.py").write_text("fine\n")
    obj = json.loads(post("python make_notes.py"))
    context = obj["hookSpecificOutput"]["additionalContext"]
    assert obj["hookSpecificOutput"]["hookEventName"] == "PostToolUse"
    assert "[verify.outside-scope] 1 file(s) outside the allowed paths of wave 4" in context
    assert "`notes.txt`" in context and "src/ok.py" not in context
    assert post("true") == ""  # reported once until it changes again


def test_post_tool_use_verification_ignores_sessionkits_own_records(repo: Path) -> None:
    """The hook's own decision events (an untracked, unignored ledger) are not reported as
    changed protected files; otherwise every warning would cause the next one (§9.11, §12)."""
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text(
        '{"wave": 4, "role": "R", "enforcement": "strict", "allowedPaths": ["src/"]}'
    )

    def post(command: str) -> str:
        return _claude_post(repo, command)

    assert post("true") == ""
    blocked = run_hook(
        ["claude", "pre-tool-use"], claude(repo, "Bash", {"command": "git reset --hard"}), cwd=repo
    ).json()
    assert blocked["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert (repo / ".orchestrator" / "metrics" / "events.jsonl").exists()
    (repo / ".orchestrator" / "gates").mkdir()
    (repo / ".orchestrator" / "gates" / "run.json").write_text("{}\n")
    assert post("true") == ""
    # A real write next to the records is still reported, alone.
    (repo / "notes.txt").write_text("x\n")
    context = json.loads(post("true"))["hookSpecificOutput"]["additionalContext"]
    assert "[verify.outside-scope] 1 file(s) outside the allowed paths of wave 4" in context
    assert "`notes.txt`" in context and ".orchestrator" not in context
    assert "verify.protected-changed" not in context


def test_wave_command_lists(repo: Path) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text(
        '{"wave": 5, "role": "R", "enforcement": "strict", "allowedPaths": ["src/"],'
        ' "blockedCommands": ["npm publish"]}'
    )
    blocked = run_hook(
        ["claude", "pre-tool-use"],
        claude(repo, "Bash", {"command": "npm publish --tag x"}),
        cwd=repo,
    ).json()
    assert blocked["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "[commands.blocked]" in blocked["hookSpecificOutput"]["permissionDecisionReason"]
    fine = claude(repo, "Bash", {"command": "npm test"})
    assert run_hook(["claude", "pre-tool-use"], fine, cwd=repo).raw == b""


def test_disabled_guard_still_checks_shell_writes(repo: Path) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text(
        '{"wave": 5, "role": "R", "enforcement": "strict", "allowedPaths": ["src/"]}'
    )
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1 && echo x > notes.txt"})
    result = run_hook(
        ["claude", "pre-tool-use"],
        payload,
        cwd=repo,
        env=clean_env(SESSIONKIT_HOOK_DISABLE="destructive"),
    )
    reason = result.json()["hookSpecificOutput"]["permissionDecisionReason"]
    assert "[scope.outside-allowed-paths] `notes.txt`" in reason
    assert "[git-reset-hard]" not in reason


def test_claude_subagent_git_mv_of_a_protected_file_is_denied(repo: Path) -> None:
    """git mv writes the working tree (§9.7.2): moving CLAUDE.md away is a protected change."""
    (repo / "CLAUDE.md").write_text("# project\n")
    payload = claude(
        repo, "Bash", {"command": "git mv CLAUDE.md notes.md"}, agent_id="a1", agent_type="impl"
    )
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert result.code == 0
    answer = json.loads(result.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert "[protected." in answer["permissionDecisionReason"]


def test_a_backtick_in_an_agent_path_cannot_close_the_quoting(repo: Path) -> None:
    """agent-hooks.md §6.4: backticks inside a quoted value become ' in every message."""
    scope = repo / ".claude" / "wave-scope.json"
    scope.parent.mkdir()
    scope.write_text('{"wave": 2, "role": "R", "enforcement": "strict", "allowedPaths": ["src/"]}')
    payload = claude(repo, "Write", {"file_path": str(repo / "a`b.md"), "content": "x\n"})
    reason = run_hook(["claude", "pre-tool-use"], payload, cwd=repo).json()["hookSpecificOutput"][
        "permissionDecisionReason"
    ]
    assert "[scope.outside-allowed-paths] `a'b.md` is not in this wave's allowed paths." in reason
    protected = claude(repo, "Write", {"file_path": str(repo / "CLAUDE.md"), "content": "x\n"})
    text = run_hook(["claude", "pre-tool-use"], protected, cwd=repo).stdout
    assert "`CLAUDE.md` is a protected" in text
