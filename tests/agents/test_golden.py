"""Golden answers of the installed ``sessionkit-hook`` (agent-hooks.md §18.1).

Every case runs the console script of this environment as a subprocess, with a real payload
on stdin, in a fresh git repository, and compares the exact stdout bytes and the exit code
with ``tests/agents/golden/<harness>/<case>.stdout`` and ``golden/exit-codes.json``. The
repository's path is replaced by ``{{ROOT}}`` (and elapsed milliseconds by ``N``) before the
comparison, so the files do not depend on where the test runs.

Regenerate with ``pytest tests/agents/test_golden.py --update-golden`` and review the diff.

Each answer is also validated structurally against the harness's own output schema
(``tests/agents/schemas/``, written from the harnesses' public documentation).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.agents.conftest import HOOK, claude, clean_env, codex, cursor

GOLDEN = Path(__file__).parent / "golden"
CODES = GOLDEN / "exit-codes.json"
SCHEMAS = Path(__file__).parent / "schemas"
PYPROJECT = "[tool.coverage.report]\nfail_under = 90\n"
LOWERED = PYPROJECT.replace("90", "50")
SCOPE = {"wave": 2, "role": "Impl-Core", "enforcement": "strict", "allowedPaths": ["src/"]}
ASK_CONFIG = "# Project\n\n## Session Config\n\nhooks:\n  warn-as: ask\n"
PATCH_LOWER = (
    "*** Begin Patch\n*** Update File: pyproject.toml\n@@ [tool.coverage.report]\n"
    "-fail_under = 90\n+fail_under = 50\n*** End Patch\n"
)

Payload = Callable[[Path], bytes]


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode("utf-8")


def _claude(tool: str, tool_input: dict[str, Any], **extra: Any) -> Payload:
    def build(repo: Path) -> bytes:
        return _json(claude(repo, tool, tool_input, **extra))

    return build


def _claude_post(command: str) -> Payload:
    return _claude(
        "Bash",
        {"command": command},
        hook_event_name="PostToolUse",
        tool_response={"stdout": "", "stderr": "", "interrupted": False},
    )


def _codex(tool: str, tool_input: dict[str, Any], **extra: Any) -> Payload:
    def build(repo: Path) -> bytes:
        return _json(codex(repo, tool, tool_input, **extra))

    return build


def _codex_post(command: str) -> Payload:
    return _codex("Bash", {"command": command}, hook_event_name="PostToolUse", tool_response="ok\n")


def _cursor_shell(command: str) -> Payload:
    def build(repo: Path) -> bytes:
        return _json(cursor(repo, "beforeShellExecution", command=command, cwd=str(repo)))

    return build


def _cursor_tool(tool: str, tool_input: Callable[[Path], dict[str, Any]]) -> Payload:
    def build(repo: Path) -> bytes:
        return _json(cursor(repo, "preToolUse", tool_name=tool, tool_input=tool_input(repo)))

    return build


def _raw(data: bytes) -> Payload:
    return lambda repo: data


def _bom_crlf(repo: Path) -> bytes:
    body = json.dumps(
        cursor(repo, "beforeShellExecution", command="git status", cwd=str(repo)), indent=1
    )
    return b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode("utf-8") + b"\r\n"


def _too_large(repo: Path) -> bytes:
    return _json(claude(repo, "Bash", {"command": "echo " + "x" * 70_000}))


class Case:
    """One golden case: argv, payload, environment and how the repository is prepared."""

    def __init__(
        self,
        case_id: str,
        args: list[str],
        payload: Payload,
        *,
        repo: str = "plain",
        env: dict[str, str] | None = None,
        mode: str = "normal",
        schema: str | None = None,
    ) -> None:
        self.id = case_id
        self.args = args
        self.payload = payload
        self.repo = repo  # plain | scoped | ask | verify
        self.env = env or {}
        self.mode = mode  # normal | stdout-closed | stdin-open
        self.schema = schema or _schema_for(args)


def _schema_for(args: list[str]) -> str:
    harness = args[0] if args else ""
    event = args[1] if len(args) > 1 else ""
    if harness == "cursor" or harness not in ("claude", "claud", "codex"):
        return "cursor-after-file-edit" if event == "after-file-edit" else "cursor-permission"
    phase = "post" if "post" in event else "pre"
    return f"{'codex' if harness == 'codex' else 'claude'}-{phase}-tool-use"


CLAUDE_PRE = ["claude", "pre-tool-use"]
CODEX_PRE = ["codex", "pre-tool-use"]
OPEN = {"SESSIONKIT_HOOK_FAIL_MODE": "open"}
SMALL = {"SESSIONKIT_HOOK_MAX_PAYLOAD": "65536"}
LOWER_EDIT = {"file_path": "pyproject.toml", "old_string": "= 90", "new_string": "= 50"}

CASES = [
    # Claude Code
    Case("claude/pre-allow-shell", CLAUDE_PRE, _claude("Bash", {"command": "git status"})),
    Case("claude/pre-allow-read", CLAUDE_PRE, _claude("Read", {"file_path": "README.md"})),
    Case(
        "claude/pre-warn-shell",
        CLAUDE_PRE,
        _claude("Bash", {"command": "git push --force-with-lease origin main"}),
    ),
    Case("claude/pre-warn-weakening", CLAUDE_PRE, _claude("Edit", LOWER_EDIT)),
    Case("claude/pre-warn-ask", CLAUDE_PRE, _claude("Edit", LOWER_EDIT), repo="ask"),
    Case(
        "claude/pre-block-shell",
        CLAUDE_PRE,
        _claude("Bash", {"command": "git reset --hard HEAD~1"}),
    ),
    Case(
        "claude/pre-block-scope",
        CLAUDE_PRE,
        _claude("Write", {"file_path": "README.md", "content": "bye\n"}),
        repo="scoped",
    ),
    Case(
        "claude/pre-block-control-by-subagent",
        CLAUDE_PRE,
        _claude(
            "Edit",
            {"file_path": ".claude/wave-scope.json", "old_string": "src/", "new_string": "**"},
            agent_id="agent-7",
            agent_type="general-purpose",
        ),
        repo="scoped",
    ),
    Case("claude/post-allow", ["claude", "post-tool-use"], _claude_post("ls")),
    Case(
        "claude/post-warn-verify", ["claude", "post-tool-use"], _claude_post("make"), repo="verify"
    ),
    Case("claude/fail-empty-stdin", CLAUDE_PRE, _raw(b"")),
    Case("claude/fail-malformed-closed", CLAUDE_PRE, _raw(b"{not json")),
    Case("claude/fail-malformed-open", CLAUDE_PRE, _raw(b"{not json"), env=OPEN),
    Case("claude/fail-invalid-utf8", CLAUDE_PRE, _raw(b'{"tool_name": "\xff"}')),
    Case("claude/fail-not-an-object", CLAUDE_PRE, _raw(b"[1, 2]")),
    Case("claude/fail-nesting-bomb", CLAUDE_PRE, _raw(b"[" * 100_000)),
    Case("claude/fail-too-large", CLAUDE_PRE, _too_large, env=SMALL),
    Case(
        "claude/fail-stdin-open",
        CLAUDE_PRE,
        _claude("Bash", {"command": "git status"}),
        env={"SESSIONKIT_HOOK_DEADLINE_MS": "300"},
        mode="stdin-open",
    ),
    Case(
        "claude/fail-stdout-closed-block",
        CLAUDE_PRE,
        _claude("Bash", {"command": "git reset --hard HEAD~1"}),
        mode="stdout-closed",
    ),
    Case(
        "claude/fail-harness-typo",
        ["claud", "pre-tool-use"],
        _claude("Bash", {"command": "git status"}),
    ),
    Case("claude/fail-bad-event", ["claude", "pre-tool"], _claude("Bash", {"command": "ls"})),
    Case(
        "claude/fail-unknown-option",
        ["claude", "pre-tool-use", "--strict"],
        _claude("Bash", {"command": "ls"}),
    ),
    Case("claude/fail-harness-unknown", ["zzz"], _raw(b"{}")),
    # Codex CLI
    Case("codex/pre-allow-shell", CODEX_PRE, _codex("Bash", {"command": "git status"})),
    Case(
        "codex/pre-allow-shell-argv",
        CODEX_PRE,
        _codex("Bash", {"command": ["bash", "-lc", "git status"]}),
    ),
    Case(
        "codex/pre-allow-patch",
        CODEX_PRE,
        _codex(
            "apply_patch",
            {
                "command": "*** Begin Patch\n*** Update File: src/app.py\n@@\n-x = 1\n+x = 2\n"
                "*** End Patch\n"
            },
        ),
        repo="scoped",
    ),
    Case(
        "codex/pre-warn-shell",
        CODEX_PRE,
        _codex("Bash", {"command": "git push --force-with-lease origin main"}),
    ),
    Case(
        "codex/pre-warn-patch-weakening", CODEX_PRE, _codex("apply_patch", {"command": PATCH_LOWER})
    ),
    Case(
        "codex/pre-warn-ask-is-notice",
        CODEX_PRE,
        _codex("apply_patch", {"command": PATCH_LOWER}),
        repo="ask",
    ),
    Case(
        "codex/pre-block-shell", CODEX_PRE, _codex("Bash", {"command": "git reset --hard HEAD~1"})
    ),
    Case(
        "codex/pre-block-patch-scope",
        CODEX_PRE,
        _codex(
            "apply_patch",
            {"command": "*** Begin Patch\n*** Add File: notes.txt\n+hello\n*** End Patch\n"},
        ),
        repo="scoped",
    ),
    Case("codex/post-allow", ["codex", "post-tool-use"], _codex_post("ls")),
    Case("codex/post-warn-verify", ["codex", "post-tool-use"], _codex_post("make"), repo="verify"),
    Case("codex/fail-malformed-closed", CODEX_PRE, _raw(b"{not json")),
    Case("codex/fail-malformed-open", CODEX_PRE, _raw(b"{not json"), env=OPEN),
    Case(
        "codex/fail-stdout-closed-block",
        CODEX_PRE,
        _codex("Bash", {"command": "git reset --hard HEAD~1"}),
        mode="stdout-closed",
    ),
    Case("codex/fail-bad-event", ["codex", "pretool"], _codex("Bash", {"command": "ls"})),
    # Cursor
    Case(
        "cursor/before-shell-allow",
        ["cursor", "before-shell-execution"],
        _cursor_shell("git status"),
    ),
    Case(
        "cursor/before-shell-warn",
        ["cursor", "before-shell-execution"],
        _cursor_shell("git push --force-with-lease origin main"),
    ),
    Case(
        "cursor/before-shell-block",
        ["cursor", "before-shell-execution"],
        _cursor_shell("git reset --hard HEAD~1"),
    ),
    Case("cursor/before-shell-bom-crlf", ["cursor", "before-shell-execution"], _bom_crlf),
    Case(
        "cursor/pre-shell-allow",
        ["cursor", "pre-tool-use"],
        _cursor_tool("Shell", lambda r: {"command": "ls", "working_directory": str(r)}),
    ),
    Case(
        "cursor/pre-shell-block",
        ["cursor", "pre-tool-use"],
        _cursor_tool("Shell", lambda r: {"command": "git clean -fdx", "working_directory": str(r)}),
    ),
    Case(
        "cursor/pre-read-allow",
        ["cursor", "pre-tool-use"],
        _cursor_tool("Read", lambda r: {"file_path": str(r / "README.md")}),
    ),
    Case(
        "cursor/pre-mcp-allow",
        ["cursor", "pre-tool-use"],
        _cursor_tool("MCP:query", lambda r: {"sql": "select 1"}),
    ),
    Case(
        "cursor/pre-write-warn-weakening",
        ["cursor", "pre-tool-use"],
        _cursor_tool("Write", lambda r: {"file_path": "pyproject.toml", "content": LOWERED}),
    ),
    Case(
        "cursor/pre-write-warn-ask",
        ["cursor", "pre-tool-use"],
        _cursor_tool("Write", lambda r: {"file_path": "pyproject.toml", "content": LOWERED}),
        repo="ask",
    ),
    Case(
        "cursor/pre-write-block-scope",
        ["cursor", "pre-tool-use"],
        _cursor_tool("Write", lambda r: {"file_path": str(r / "README.md"), "content": "x\n"}),
        repo="scoped",
    ),
    Case(
        "cursor/pre-write-unrecognised",
        ["cursor", "pre-tool-use"],
        _cursor_tool("Write", lambda r: {"contents": "no path here\n"}),
    ),
    Case(
        "cursor/after-file-edit",
        ["cursor", "after-file-edit"],
        lambda r: _json(
            cursor(
                r,
                "afterFileEdit",
                file_path=str(r / "README.md"),
                edits=[{"old_string": "hello", "new_string": "hello"}],
            )
        ),
        repo="scoped",
    ),
    Case("cursor/fail-malformed-closed", ["cursor", "pre-tool-use"], _raw(b"{not json")),
    Case("cursor/fail-malformed-open", ["cursor", "pre-tool-use"], _raw(b"{not json"), env=OPEN),
    Case(
        "cursor/fail-stdout-closed-block",
        ["cursor", "before-shell-execution"],
        _cursor_shell("git reset --hard HEAD~1"),
        mode="stdout-closed",
    ),
]
BY_ID = {case.id: case for case in CASES}


# --------------------------------------------------------------------------- running


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _prepare(make_repo: Any, case: Case) -> Path:
    files = {"README.md": "hello\n", "src/app.py": "x = 1\n", "pyproject.toml": PYPROJECT}
    if case.repo == "ask":
        files["CLAUDE.md"] = ASK_CONFIG
    repo: Path = make_repo(files)
    if case.repo in ("scoped", "verify"):
        (repo / ".claude").mkdir()
        (repo / ".claude" / "wave-scope.json").write_text(json.dumps(SCOPE, indent=2) + "\n")
    if case.repo == "verify":
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", "scope")
        # The first post call of the session stores the worktree's state; the script "make"
        # then writes a file outside the scope, which the second call reports.
        first = _run(case, repo, case.payload(repo))
        assert (first[0], first[1]) == (0, b""), first
        (repo / "notes.txt").write_text("written by a script\n")
    return repo


def _run(case: Case, repo: Path, data: bytes) -> tuple[int, bytes, str]:
    env = clean_env(**case.env)
    argv = [str(HOOK), *case.args]
    if case.mode == "stdout-closed":
        read_end, write_end = os.pipe()
        os.close(read_end)  # the harness went away: every write gets EPIPE
        try:
            proc = subprocess.run(
                argv,
                input=data,
                stdout=write_end,
                stderr=subprocess.PIPE,
                cwd=repo,
                env=env,
                timeout=30,
                check=False,
            )
        finally:
            os.close(write_end)
        return proc.returncode, b"", proc.stderr.decode("utf-8", "replace")
    if case.mode == "stdin-open":
        proc2 = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=repo,
            env=env,
        )
        assert proc2.stdin is not None and proc2.stdout is not None
        proc2.stdin.write(data)
        proc2.stdin.flush()
        started = time.monotonic()
        out = proc2.stdout.read()  # the answer arrives while stdin is still open
        code = proc2.wait(timeout=30)
        assert time.monotonic() - started < 5
        proc2.stdin.close()
        err = proc2.stderr.read() if proc2.stderr else b""
        return code, out, err.decode("utf-8", "replace")
    proc = subprocess.run(
        argv, input=data, capture_output=True, cwd=repo, env=env, timeout=30, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


def normalise(stdout: bytes, repo: Path) -> bytes:
    """Machine-independent bytes: the repository path and elapsed times replaced."""
    text = stdout.decode("utf-8")
    for root in {str(repo), os.path.realpath(repo)}:
        text = text.replace(json.dumps(root)[1:-1], "{{ROOT}}")
    text = re.sub(r"\b\d+ ms\b", "N ms", text)
    return text.encode("utf-8")


def _codes() -> dict[str, int]:
    if not CODES.exists():
        return {}
    data: dict[str, int] = json.loads(CODES.read_text())
    return data


def _schema(name: str) -> Any:
    schema = json.loads((SCHEMAS / f"{name}.output.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("case_id", sorted(BY_ID))
def test_golden_answer(case_id: str, make_repo: Any, request: pytest.FixtureRequest) -> None:
    case = BY_ID[case_id]
    repo = _prepare(make_repo, case)
    code, stdout, stderr = _run(case, repo, case.payload(repo))
    assert "Traceback" not in stderr, stderr
    got = normalise(stdout, repo)
    path = GOLDEN / f"{case.id}.stdout"
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(got)
        codes = _codes()
        codes[case.id] = code
        CODES.write_text(json.dumps(dict(sorted(codes.items())), indent=2) + "\n")
    assert path.exists(), f"no golden file for {case.id}; run with --update-golden"
    assert got == path.read_bytes(), f"{case.id}: stdout differs from {path}"
    assert code == _codes()[case.id], f"{case.id}: exit code {code}"
    _check_structure(case, code, stdout, stderr)


def _check_structure(case: Case, code: int, stdout: bytes, stderr: str) -> None:
    """The answer is what the harness accepts (§7, §18.1), whatever the golden bytes say."""
    if case.mode == "stdout-closed":
        assert code == 2 and "sessionkit blocked this call" in stderr
        return
    assert code == 0
    harness = case.schema.split("-")[0]
    if not stdout:
        assert harness in ("claude", "codex"), "Cursor always gets an explicit answer"
        return
    text = stdout.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, text
    answer = json.loads(text)
    _schema(case.schema).validate(answer)
    inner = answer.get("hookSpecificOutput", {})
    if harness == "codex":
        # Codex treats a bare allow and any ask as a hook failure (§7.2).
        assert inner.get("permissionDecision") in (None, "deny")
    if inner.get("permissionDecision") == "deny":
        assert inner.get("permissionDecisionReason")


def test_every_golden_file_has_a_case() -> None:
    files = {str(path.relative_to(GOLDEN).with_suffix("")) for path in GOLDEN.rglob("*.stdout")}
    assert files == set(BY_ID)
    assert set(_codes()) == set(BY_ID)


def test_vendored_schemas_are_valid_and_name_their_source() -> None:
    names = sorted(path.name for path in SCHEMAS.glob("*.schema.json"))
    assert len(names) == 6
    for name in names:
        schema = json.loads((SCHEMAS / name).read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        assert "2026-" in schema["$comment"] and "http" in schema["$comment"], name


@pytest.mark.parametrize(
    ("schema", "answer"),
    [
        ("claude-pre-tool-use", {"hookSpecificOutput": {"hookEventName": "PostToolUse"}}),
        ("claude-pre-tool-use", {"hookSpecificOutput": {"permissionDecision": "deny"}}),
        ("claude-pre-tool-use", {"permissionDecision": "deny"}),
        ("codex-pre-tool-use", {"hookSpecificOutput": {"hookEventName": "PreToolUse", "x": 1}}),
        ("codex-post-tool-use", {"decision": "approve"}),
        ("cursor-permission", {"permission": "maybe"}),
        ("cursor-permission", {"user_message": "no permission field"}),
        ("cursor-after-file-edit", {"permission": "allow"}),
    ],
)
def test_schemas_reject_answers_a_harness_would_not_read(
    schema: str, answer: dict[str, Any]
) -> None:
    assert not _schema(schema).is_valid(answer)
