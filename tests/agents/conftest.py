"""Helpers for running the installed ``sessionkit-hook`` console script as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPTS = Path(sys.executable).parent
HOOK = SCRIPTS / ("sessionkit-hook.exe" if os.name == "nt" else "sessionkit-hook")
_DROP = ("SESSIONKIT_", "CLAUDE_", "CODEX_", "CURSOR_")


def clean_env(**extra: str) -> dict[str, str]:
    """The test environment without any SESSIONKIT_/CLAUDE_/CODEX_/CURSOR_ variable."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_DROP)}
    env.update(extra)
    return env


class Result:
    """stdout (text), stderr (text) and exit code of one hook run."""

    def __init__(self, proc: subprocess.CompletedProcess[bytes]) -> None:
        self.raw = proc.stdout
        self.stdout = proc.stdout.decode("utf-8")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.code = proc.returncode

    def json(self) -> Any:
        assert self.stdout.endswith("\n") and self.stdout.count("\n") == 1, self.stdout
        return json.loads(self.stdout)


def run_hook(
    args: list[str],
    payload: bytes | str | dict[str, Any],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    argv0: list[str] | None = None,
) -> Result:
    """Run the installed console script with ``payload`` on stdin."""
    if isinstance(payload, dict):
        data = json.dumps(payload).encode()
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = payload
    proc = subprocess.run(
        [*(argv0 or [str(HOOK)]), *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env=env if env is not None else clean_env(),
        timeout=30,
        check=False,
    )
    result = Result(proc)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def claude(cwd: Path, tool: str, tool_input: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A Claude Code PreToolUse payload."""
    payload: dict[str, Any] = {
        "session_id": "sess-1",
        "transcript_path": "/tmp/transcript.jsonl",
        "cwd": str(cwd),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "toolu_01",
    }
    payload.update(extra)
    return payload


def codex(cwd: Path, tool: str, tool_input: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A Codex CLI PreToolUse payload."""
    payload: dict[str, Any] = {
        "session_id": "codex-1",
        "turn_id": "turn-1",
        "transcript_path": None,
        "cwd": str(cwd),
        "hook_event_name": "PreToolUse",
        "model": "gpt-5-codex",
        "permission_mode": "default",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "call_1",
    }
    payload.update(extra)
    return payload


def cursor(root: Path, event: str, **fields: Any) -> dict[str, Any]:
    """A Cursor hook payload."""
    payload: dict[str, Any] = {
        "hook_event_name": event,
        "conversation_id": "conv-1",
        "generation_id": "gen-1",
        "workspace_roots": [str(root)],
        "cursor_version": "1.7.0",
    }
    payload.update(fields)
    return payload


@pytest.fixture
def repo(make_repo: Any) -> Path:
    """A committed repository set up for sessionkit (events are recorded)."""
    path: Path = make_repo({"README.md": "hello\n", "src/app.py": "x = 1\n"})
    (path / ".orchestrator").mkdir()
    return path


def events(repo: Path) -> list[dict[str, Any]]:
    """The decision events recorded in ``repo``."""
    path = repo / ".orchestrator" / "metrics" / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
