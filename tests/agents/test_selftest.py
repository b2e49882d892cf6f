"""``sessionkit hook selftest`` (§14.5): the real console scripts, real fixture repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sessionkit.agents import selftest
from sessionkit.schemas import validator

SESSIONKIT = str(Path(sys.executable).parent / "sessionkit")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKIT_")}
    return subprocess.run(
        [SESSIONKIT, "hook", "selftest", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("harness", ["claude", "codex", "cursor"])
def test_selftest_passes_against_the_installed_command(make_repo: Any, harness: str) -> None:
    root = make_repo(files={"a": "x"})
    subprocess.run([SESSIONKIT, "install", harness], cwd=root, check=True, capture_output=True)
    proc = _run("--harness", harness, "--json", cwd=root)
    doc = json.loads(proc.stdout)
    assert not list(validator("hook-selftest").iter_errors(doc))
    failed = [c for c in doc["cases"] if not c["ok"]]
    assert failed == [] and proc.returncode == 0, failed
    assert doc["installed"] is True
    assert doc["command"] == str(Path(sys.executable).parent / "sessionkit-hook")
    ids = [c["id"] for c in doc["cases"]]
    # the cases of agent-hooks §14.5, in its order
    expected = ["shell-allow", "shell-block", "shell-warn", "edit-in-scope", "edit-out-of-scope"]
    expected += ["shell-write-out-of-scope", "control-by-agent", "weakening", "malformed"]
    expected += [
        "bad-event-name",
        "read-tool",
        *(["after-file-edit"] if harness == "cursor" else []),
    ]
    assert ids == expected
    warn = next(c for c in doc["cases"] if c["id"] == "shell-warn")
    assert "[git-push-force-with-lease]" in warn["actual"]["stdout"]


def test_quick_in_process(tmp_path: Path) -> None:
    proc = _run("--quick", "--in-process", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [line.split()[1] for line in proc.stdout.splitlines()[1:4]] == [
        "shell-allow",
        "shell-block",
        "malformed",
    ]
    assert "ratio" in proc.stdout


def test_a_broken_command_fails_the_selftest(tmp_path: Path) -> None:
    fake = tmp_path / "fake-hook"
    fake.write_text("#!/bin/sh\ncat >/dev/null\nexit 0\n")
    fake.chmod(0o755)
    proc = _run("--quick", "--command", str(fake), "--json", cwd=tmp_path)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    by_id = {c["id"]: c for c in doc["cases"]}
    assert by_id["shell-allow"]["ok"] is True  # silence is allow for Claude Code
    assert by_id["shell-block"]["ok"] is False
    assert by_id["shell-block"]["actual"]["decision"] == "allow"


def test_missing_command_exits_3(tmp_path: Path) -> None:
    proc = _run("--quick", "--command", str(tmp_path / "missing"), cwd=tmp_path)
    assert proc.returncode == 3
    assert "cannot be run" in proc.stderr


@pytest.mark.parametrize(
    ("harness", "stdout", "expected"),
    [
        ("claude", "", ("allow", [], None)),
        (
            "claude",
            '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",'
            '"permissionDecisionReason":"x.\\n[a.b, c] s\\n[d] t"}}\n',
            ("block", ["a.b", "c", "d"], None),
        ),
        (
            "codex",
            '{"hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":"w\\n[e] f"}}\n',
            ("warn", ["e"], None),
        ),
        ("cursor", '{"permission":"allow"}\n', ("allow", [], None)),
        ("cursor", "{}\n", ("empty", [], None)),
        ("cursor", "", ("invalid", [], "Cursor needs an answer")),
        ("claude", "{}\n{}\n", ("invalid", [], "the answer is not exactly one line")),
    ],
)
def test_decision_reader(harness: str, stdout: str, expected: tuple[Any, ...]) -> None:
    assert selftest.decision_of(harness, stdout) == expected
