"""The CLI's error boundary (ARCHITECTURE.md exit codes; metrics.md §2.11 on tracebacks)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def _sessionkit(cwd: Path, *args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SESSIONKIT_DEBUG"}
    env.pop("SESSIONKIT_NO_METRICS", None)
    if debug:
        env["SESSIONKIT_DEBUG"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "sessionkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("metrics", "emit", "acme.deploy.done", "--payload-file", "missing.json"),
        ("metrics", "record-session", "--file", "missing.json"),
    ],
    ids=["emit-payload-file", "record-session-file"],
)
def test_a_missing_input_file_is_an_io_error_not_a_bug(
    make_repo: Callable[..., Path], args: tuple[str, ...]
) -> None:
    repo = make_repo()
    done = _sessionkit(repo, *args)
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "error: missing.json: No such file or directory",
        "hint: check the path and its permissions, then rerun",
    ]
    assert not (repo / ".orchestrator" / "metrics" / "events.jsonl").exists()


def test_debug_adds_a_traceback_to_a_sessionkit_error(make_repo: Callable[..., Path]) -> None:
    repo = make_repo()
    plain = _sessionkit(repo, "metrics", "emit", "Bad Name")
    debug = _sessionkit(repo, "metrics", "emit", "Bad Name", debug=True)
    assert plain.returncode == debug.returncode == 1
    assert "Traceback" not in plain.stderr
    assert plain.stderr.startswith("error: event name 'Bad Name' is not valid")
    assert "Traceback (most recent call last)" in debug.stderr
    assert "UnknownEventError" in debug.stderr


def test_debug_adds_a_traceback_to_an_io_error(make_repo: Callable[..., Path]) -> None:
    repo = make_repo()
    args = ("metrics", "emit", "acme.deploy.done", "--payload-file", "missing.json")
    assert "Traceback" not in _sessionkit(repo, *args).stderr
    debug = _sessionkit(repo, *args, debug=True)
    assert debug.returncode == 3
    assert "FileNotFoundError" in debug.stderr
