"""Every failure mode of §8.3, through the installed script, in both fail modes (§18.2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sessionkit
from tests.agents.conftest import HOOK, claude, clean_env, cursor, events, run_hook

FIX_CLOSED = (
    "run `sessionkit doctor`; to let calls through while the problem is being fixed, start the "
    "agent with SESSIONKIT_HOOK_FAIL_MODE=open."
)
FIX_OPEN = "run `sessionkit doctor` to find and fix the cause."


def claude_failure(rule: str, summary: str, mode: str, fix: str | None = None) -> str:
    """The exact Claude Code answer of a fail-mode finding."""
    fix = fix or (FIX_CLOSED if mode == "closed" else FIX_OPEN)
    agent = f"sessionkit could not check this call.\n[{rule}] {summary} Instead: {fix}"
    icon = "⛔" if mode == "closed" else "⚠"
    user = f"{icon} sessionkit: [{rule}] {summary}"
    if mode == "closed":
        specific = {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": agent,
        }
    else:
        specific = {"hookEventName": "PreToolUse", "additionalContext": agent}
    obj = {"hookSpecificOutput": specific, "systemMessage": user}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


@pytest.mark.parametrize("data", [b"", b" \n", b"\r\n\t"])
def test_empty_stdin_allows(repo: Path, data: bytes) -> None:
    result = run_hook(["claude", "pre-tool-use"], data, cwd=repo)
    assert (result.raw, result.code) == (b"", 0)
    assert "empty payload, nothing to check" in result.stderr
    cur = run_hook(["cursor", "preToolUse"], data, cwd=repo)
    assert (cur.stdout, cur.code) == ('{"permission":"allow"}\n', 0)
    assert events(repo) == []


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_malformed_json_exact_bytes(repo: Path, mode: str) -> None:
    result = run_hook(
        ["claude", "pre-tool-use"],
        b"{not json",
        cwd=repo,
        env=clean_env(SESSIONKIT_HOOK_FAIL_MODE=mode),
    )
    summary = (
        "The input could not be read (the payload is not valid JSON: `{not json`); "
        f"fail-mode is {mode}."
    )
    assert result.code == 0
    assert result.stdout == claude_failure("internal.payload-malformed", summary, mode)
    [record] = events(repo)
    assert (record["degraded"], record["fail_mode"]) == (True, mode)
    assert record["action"] == ("block" if mode == "closed" else "warn")


@pytest.mark.parametrize("mode", ["closed", "open"])
@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe{}", b"[1, 2]", b'"a string"', b"{not json", b"[" * 100_000, b"\xef\xbb\xbf[]"],
)
def test_malformed_payloads(repo: Path, data: bytes, mode: str) -> None:
    env = clean_env(SESSIONKIT_HOOK_FAIL_MODE=mode)
    for harness, event in (("claude", "pre-tool-use"), ("codex", "pre-tool-use")):
        obj = run_hook([harness, event], data, cwd=repo, env=env).json()
        specific = obj["hookSpecificOutput"]
        text = specific.get("permissionDecisionReason") or specific["additionalContext"]
        assert text.splitlines()[1].startswith("[internal.payload-malformed] ")
        assert ("permissionDecision" in specific) is (mode == "closed")
    cur = run_hook(["cursor", "beforeShellExecution"], data, cwd=repo, env=env).json()
    assert cur["permission"] == ("deny" if mode == "closed" else "allow")
    assert "[internal.payload-malformed]" in cur["agent_message"]


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_payload_too_large(repo: Path, mode: str) -> None:
    env = clean_env(SESSIONKIT_HOOK_FAIL_MODE=mode, SESSIONKIT_HOOK_MAX_PAYLOAD="65536")
    payload = claude(repo, "Write", {"file_path": "src/big.py", "content": "x" * 70_000})
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo, env=env)
    fix = "raise SESSIONKIT_HOOK_MAX_PAYLOAD (bytes, up to 268435456), or " + (
        FIX_CLOSED if mode == "closed" else FIX_OPEN
    )
    summary = (
        "The input could not be read (the payload is larger than 65536 bytes); "
        f"fail-mode is {mode}."
    )
    assert result.stdout == claude_failure("internal.payload-too-large", summary, mode, fix)
    # Under the default 16 MiB limit the same payload is judged normally (allowed).
    assert run_hook(["claude", "pre-tool-use"], payload, cwd=repo).raw == b""


def _spawn_hook(repo: Path, event: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The Claude hook for ``event`` as a process whose three streams the test drives."""
    return subprocess.Popen(
        [str(HOOK), "claude", event],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=repo,
        env=env,
    )


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_stdin_never_closed_answers_before_deadline(repo: Path, mode: str) -> None:
    env = clean_env(SESSIONKIT_HOOK_DEADLINE_MS="300", SESSIONKIT_HOOK_FAIL_MODE=mode)
    started = time.monotonic()
    proc = _spawn_hook(repo, "pre-tool-use", env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b'{"tool_name": "Bash", ')
    proc.stdin.flush()
    out = proc.stdout.read()
    code = proc.wait(timeout=10)
    elapsed = time.monotonic() - started
    proc.stdin.close()
    assert code == 0
    assert elapsed < 1.5 + 1.0  # 1.5 s budget plus interpreter start-up on a loaded machine
    obj = json.loads(out)
    text = json.dumps(obj)
    assert "[internal.payload-timeout]" in text
    assert ("permissionDecision" in obj["hookSpecificOutput"]) is (mode == "closed")


def test_stdout_closed_block_exits_2_allow_exits_0(repo: Path) -> None:
    for command, expected in (("git reset --hard HEAD~1", 2), ("git status", 0)):
        proc = _spawn_hook(repo, "pre-tool-use", clean_env())
        assert proc.stdout is not None
        proc.stdout.close()
        _, err = proc.communicate(json.dumps(claude(repo, "Bash", {"command": command})).encode())
        assert proc.returncode == expected, err
        if expected == 2:
            assert b"[git-reset-hard]" in err


def test_unknown_harness_not_inferable_universal_allow(repo: Path) -> None:
    for args in (["zzz"], [], ["zzz", "yyy"]):
        result = run_hook(args, b"{}", cwd=repo)
        assert (result.stdout, result.code) == ('{"permission":"allow"}\n', 0)
        assert "sessionkit-hook:" in result.stderr


def test_missing_arguments_and_unknown_options_are_inferred(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    for args in ([], ["claude"], ["claude", "pre-tool-use", "--frobnicate", "extra"]):
        obj = run_hook(args, payload, cwd=repo).json()
        reason = obj["hookSpecificOutput"]["permissionDecisionReason"]
        assert "[git-reset-hard]" in reason
        assert "[hook.command-misconfigured]" in reason
    bad = run_hook(["claude", "pre-tool-use", "--fail-mode", "sideways"], payload, cwd=repo).json()
    assert "--fail-mode 'sideways' is not open or closed" in json.dumps(bad)


def test_missing_arguments_are_named_as_missing(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": "git status"})
    none = run_hook([], payload, cwd=repo).json()["hookSpecificOutput"]["additionalContext"]
    assert (
        "[hook.command-misconfigured] The hook command is misconfigured: the harness argument "
        "is missing; the event argument is missing."
    ) in none
    assert "None" not in none
    only = run_hook(["claude"], payload, cwd=repo).json()["hookSpecificOutput"]
    assert "misconfigured: the event argument is missing." in only["additionalContext"]
    typo = run_hook(["claude", "pre-tool"], payload, cwd=repo).json()["hookSpecificOutput"]
    assert "event 'pre-tool' is unknown for claude" in typo["additionalContext"]


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_fail_mode_from_option_and_config(make_repo: object, mode: str) -> None:
    repo: Path = make_repo(  # type: ignore[operator]
        {"CLAUDE.md": f"# p\n\n## Session Config\n\nhooks:\n  fail-mode: {mode}\n"}
    )
    payload = claude(repo, "Bash", {"command": "ls"})
    run_hook(["claude", "pre-tool-use"], payload, cwd=repo)  # warm the hook cache
    obj = run_hook(["claude", "pre-tool-use"], b"[]", cwd=repo).json()
    assert ("permissionDecision" in obj["hookSpecificOutput"]) is (mode == "closed")
    other = "open" if mode == "closed" else "closed"
    flipped = run_hook(["claude", "pre-tool-use", f"--fail-mode={other}"], b"[]", cwd=repo).json()
    assert ("permissionDecision" in flipped["hookSpecificOutput"]) is (other == "closed")


def test_invalid_session_config_warns_and_keeps_last_valid(make_repo: object) -> None:
    repo: Path = make_repo(  # type: ignore[operator]
        {"CLAUDE.md": "# p\n\n## Session Config\n\nhooks:\n  warn-as: ask\n"}
    )
    ok = claude(repo, "Bash", {"command": "ls"})
    assert run_hook(["claude", "pre-tool-use"], ok, cwd=repo).raw == b""
    (repo / "CLAUDE.md").write_text("# p\n\n## Session Config\n\nhooks:\n  warn-as: [\n")
    obj = run_hook(["claude", "pre-tool-use"], ok, cwd=repo).json()
    # Last valid configuration (warn-as: ask) stays in force: the warning is a question.
    specific = obj["hookSpecificOutput"]
    assert specific["permissionDecision"] == "ask"
    assert (
        specific["permissionDecisionReason"]
        .splitlines()[1]
        .startswith("[hook.config-invalid] The Session Config is invalid (CLAUDE.md:")
    )
    assert "the last valid configuration" in specific["permissionDecisionReason"]
    block = run_hook(
        ["claude", "pre-tool-use"], claude(repo, "Bash", {"command": "git reset --hard"}), cwd=repo
    )
    assert block.json()["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_invalid_session_config_without_cache_uses_defaults(make_repo: object) -> None:
    repo: Path = make_repo(  # type: ignore[operator]
        {"CLAUDE.md": "# p\n\n## Session Config\n\nhooks:\n  warn-as: [\n"}
    )
    obj = run_hook(
        ["claude", "pre-tool-use"], claude(repo, "Bash", {"command": "ls"}), cwd=repo
    ).json()
    context = obj["hookSpecificOutput"]["additionalContext"]
    assert "[hook.config-invalid]" in context and "the defaults are used" in context


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_unusable_scope_file(repo: Path, mode: str) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text('{"wave": 1, "allowedPaths": [')
    env = clean_env(SESSIONKIT_HOOK_FAIL_MODE=mode)
    edit = claude(repo, "Write", {"file_path": "src/x.py", "content": "1"})
    obj = run_hook(["claude", "pre-tool-use"], edit, cwd=repo, env=env).json()
    text = json.dumps(obj)
    assert "[scope.unreadable]" in text
    assert ("permissionDecision" in obj["hookSpecificOutput"]) is (mode == "closed")
    # A command that writes nothing is never blocked by an unreadable scope.
    read_only = run_hook(
        ["claude", "pre-tool-use"], claude(repo, "Bash", {"command": "ls"}), cwd=repo, env=env
    )
    assert "permissionDecision" not in read_only.json()["hookSpecificOutput"]


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_unusable_scope_file_and_shell_writes(repo: Path, tmp_path: Path, mode: str) -> None:
    """Only write targets that are not always allowed (§9.5) fail closed (§8.3)."""
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text('{"wave": 1, "allowedPaths": [')
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = clean_env(SESSIONKIT_HOOK_FAIL_MODE=mode, TMPDIR=str(scratch))

    def decision(command: str) -> str:
        obj = run_hook(
            ["claude", "pre-tool-use"],
            claude(repo, "Bash", {"command": command}),
            cwd=repo,
            env=env,
        ).json()
        assert "[scope.unreadable]" in obj["hookSpecificOutput"].get(
            "permissionDecisionReason", obj["hookSpecificOutput"].get("additionalContext", "")
        )
        return str(obj["hookSpecificOutput"].get("permissionDecision", "warn"))

    blocked = "deny" if mode == "closed" else "warn"
    assert decision(f"echo x > {scratch}/out.txt") == "warn"
    assert decision("echo x > .orchestrator/tmp/out.txt") == "warn"
    assert decision("echo x > /dev/null && ls") == "warn"
    assert decision("echo x > notes.txt") == blocked
    assert decision(f"echo x > {scratch}/out.txt; cp README.md docs.md") == blocked


def test_cursor_write_without_path_is_unrecognised_not_blocked(repo: Path) -> None:
    payload = cursor(repo, "preToolUse", tool_name="Write", tool_input={"text": "hi"})
    obj = run_hook(["cursor", "preToolUse"], payload, cwd=repo).json()
    assert obj["permission"] == "allow"
    assert obj["user_message"].startswith("⚠ sessionkit: [hook.input-unrecognised] ")


def test_disable_all_and_destructive(repo: Path) -> None:
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    for value in ("all", "destructive"):
        result = run_hook(
            ["claude", "pre-tool-use"],
            payload,
            cwd=repo,
            env=clean_env(SESSIONKIT_HOOK_DISABLE=value),
        )
        assert (result.raw, result.code) == (b"", 0)


# --------------------------------------------------------------------------- corrupted copies


def _corrupt_copy(tmp_path: Path, module: str, find: str, replace: str) -> Path:
    """A copy of the installed package with one module changed; returns the PYTHONPATH."""
    source = Path(sessionkit.__file__).parent
    target = tmp_path / "site" / "sessionkit"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    path = target / module
    text = path.read_text()
    assert find in text
    path.write_text(text.replace(find, replace, 1))
    return tmp_path / "site"


def _run_copy(
    site: Path, repo: Path, payload: dict[str, object], **env: str
) -> tuple[str, int, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "sessionkit.agents", "claude", "pre-tool-use"],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=repo,
        env=clean_env(PYTHONPATH=str(site), **env),
        timeout=30,
        check=False,
    )
    return proc.stdout.decode(), proc.returncode, proc.stderr.decode()


@pytest.mark.parametrize("module", ["agents/dispatcher.py", "agents/_wire.py", "policy/guard.py"])
@pytest.mark.parametrize("mode", ["closed", "open"])
def test_import_failure(tmp_path: Path, repo: Path, module: str, mode: str) -> None:
    site = _corrupt_copy(
        tmp_path,
        module,
        "from __future__ import annotations\n",
        "from __future__ import annotations\nraise ImportError('corrupted for the test')\n",
    )
    shell = claude(repo, "Bash", {"command": "git status"})
    out, code, err = _run_copy(site, repo, shell, SESSIONKIT_HOOK_FAIL_MODE=mode)
    assert code == 0 and "Traceback" not in err
    obj = json.loads(out)
    text = json.dumps(obj, ensure_ascii=False)
    rule = "internal.check-error" if module == "policy/guard.py" else "internal.import-failed"
    assert f"[{rule}]" in text
    assert "corrupted for the test" in text
    assert ("permissionDecision" in obj["hookSpecificOutput"]) is (mode == "closed")
    # Read tools are never blocked by an internal failure.
    read = claude(repo, "Read", {"file_path": "README.md"})
    assert _run_copy(site, repo, read, SESSIONKIT_HOOK_FAIL_MODE=mode)[:2] == ("", 0)


def test_syntax_error_in_dispatcher(tmp_path: Path, repo: Path) -> None:
    site = _corrupt_copy(tmp_path, "agents/dispatcher.py", "def decide(", "def decide(((")
    out, code, _ = _run_copy(site, repo, claude(repo, "Bash", {"command": "ls"}))
    assert code == 0
    assert "[internal.import-failed]" in out and "SyntaxError" in out


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_check_that_raises(tmp_path: Path, repo: Path, mode: str) -> None:
    site = _corrupt_copy(
        tmp_path,
        "agents/checks.py",
        '    """The destructive guard on the shell command; returns the guard\'s ``Analysis``."""\n',
        '    """The destructive guard."""\n    raise RuntimeError("boom")\n',
    )
    out, code, _ = _run_copy(
        site, repo, claude(repo, "Bash", {"command": "ls"}), SESSIONKIT_HOOK_FAIL_MODE=mode
    )
    obj = json.loads(out)
    assert code == 0
    text = json.dumps(obj)
    assert "[internal.check-error] The destructive check failed (RuntimeError: boom)" in text
    assert ("permissionDecision" in obj["hookSpecificOutput"]) is (mode == "closed")


def test_deadline_during_checks(tmp_path: Path, repo: Path) -> None:
    site = _corrupt_copy(
        tmp_path,
        "agents/checks.py",
        '    """The destructive guard on the shell command; returns the guard\'s ``Analysis``."""\n',
        '    """The destructive guard."""\n    import time\n    time.sleep(10)\n',
    )
    started = time.monotonic()
    out, code, _ = _run_copy(
        site, repo, claude(repo, "Bash", {"command": "ls"}), SESSIONKIT_HOOK_DEADLINE_MS="500"
    )
    assert time.monotonic() - started < 1.5 + 1.0
    assert code == 0
    obj = json.loads(out)
    assert obj["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "[internal.deadline]" in obj["hookSpecificOutput"]["permissionDecisionReason"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_unwritable_cache_and_metrics(repo: Path) -> None:
    (repo / ".git" / "sessionkit").mkdir(exist_ok=True)
    (repo / ".orchestrator" / "metrics").mkdir(parents=True)
    os.chmod(repo / ".git" / "sessionkit", 0o500)
    os.chmod(repo / ".orchestrator" / "metrics", 0o500)
    try:
        payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
        result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
        assert result.code == 0
        assert result.json()["hookSpecificOutput"]["permissionDecision"] == "deny"
    finally:
        os.chmod(repo / ".git" / "sessionkit", 0o700)
        os.chmod(repo / ".orchestrator" / "metrics", 0o700)


def test_unusable_cache_location_is_a_full_load(repo: Path) -> None:
    """Also as root: ``<git_dir>/sessionkit`` is a file, so the hook cache can be neither read
    nor written; every call loads the configuration and answers the same."""
    (repo / ".git" / "sessionkit").write_text("not a directory")
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text(
        '{"wave": 1, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/"]}'
    )
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    answers = [run_hook(["claude", "pre-tool-use"], payload, cwd=repo) for _ in range(2)]
    for result in answers:
        assert result.code == 0
        output = result.json()["hookSpecificOutput"]
        assert output["permissionDecision"] == "deny"
        assert output["permissionDecisionReason"].startswith(
            "sessionkit blocked this call (wave 1, role Impl, enforcement strict)."
        )
    assert answers[0].stdout == answers[1].stdout


def test_event_write_failure_keeps_answer(repo: Path) -> None:
    # The metrics directory is a file: the append fails, the answer is unchanged.
    (repo / ".orchestrator" / "metrics").write_text("not a directory")
    payload = claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert result.code == 0
    assert result.json()["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "decision event not recorded" in result.stderr


def test_random_inputs_through_the_script_never_exit_2(repo: Path) -> None:
    import random

    rng = random.Random(20261203)
    samples = [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300))) for _ in range(12)]
    samples += [
        b'{"tool_name": 5}',
        b'{"tool_name": "Bash", "tool_input": {"command": ["rm", 7]}}',
        b'{"hook_event_name": "PreToolUse", "transcript_path": 1, "tool_input": []}',
        b'{"tool_name": "Edit", "tool_input": {"file_path": ["x"]}}',
        b'{"conversation_id": null, "command": {"a": 1}}',
        '{"tool_name": "Bash", "tool_input": {"command": "echo \u202e\u0000"}}'.encode(),
    ]
    for data in samples:
        for harness, event in (("claude", "pre-tool-use"), ("cursor", "preToolUse")):
            result = run_hook([harness, event], data, cwd=repo)
            assert result.code == 0, (data, result.stderr)
            if result.stdout:
                assert isinstance(result.json(), dict)
            else:
                assert harness == "claude"


@pytest.mark.parametrize("harness", ["claude", "codex"])
def test_post_phase_failure_is_a_warning_in_closed_mode(repo: Path, harness: str) -> None:
    """A post-phase answer cannot block (the call has run): fail-closed still warns (§8.2)."""
    env = clean_env(SESSIONKIT_HOOK_FAIL_MODE="closed")
    result = run_hook([harness, "post-tool-use"], b"{not json", cwd=repo, env=env)
    summary = (
        "The input could not be read (the payload is not valid JSON: `{not json`); "
        "fail-mode is closed."
    )
    agent = f"sessionkit could not check this call.\n[internal.payload-malformed] {summary}"
    expected = {
        "hookSpecificOutput": {
            "hookEventName": "PostToolUse",
            "additionalContext": f"{agent} Instead: {FIX_OPEN}",
        },
        "systemMessage": f"⚠ sessionkit: [internal.payload-malformed] {summary}",
    }
    assert result.code == 0
    assert result.stdout == json.dumps(expected, ensure_ascii=False, separators=(",", ":")) + "\n"
    [record] = events(repo)
    assert (record["phase"], record["action"], record["degraded"]) == ("post", "warn", True)


def test_post_phase_failure_with_stdout_closed_exits_0(repo: Path) -> None:
    proc = _spawn_hook(repo, "post-tool-use", clean_env(SESSIONKIT_HOOK_FAIL_MODE="closed"))
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdout.close()
    proc.stdin.write(b"{not json")
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_import_failure_in_post_phase_is_a_warning(tmp_path: Path, repo: Path) -> None:
    site = _corrupt_copy(
        tmp_path,
        "agents/dispatcher.py",
        "from __future__ import annotations\n",
        "from __future__ import annotations\nraise ImportError('corrupted for the test')\n",
    )
    payload = claude(
        repo, "Bash", {"command": "git status"}, hook_event_name="PostToolUse", tool_response={}
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sessionkit.agents", "claude", "post-tool-use"],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=repo,
        env=clean_env(PYTHONPATH=str(site), SESSIONKIT_HOOK_FAIL_MODE="closed"),
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr
    obj = json.loads(proc.stdout)
    assert set(obj["hookSpecificOutput"]) == {"hookEventName", "additionalContext"}
    assert obj["hookSpecificOutput"]["hookEventName"] == "PostToolUse"
    assert obj["systemMessage"].startswith("⚠ sessionkit: [internal.import-failed]")
