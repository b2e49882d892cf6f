"""The optional built-in check ``debug-artifacts``: added lines only, every pattern."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sessionkit.gates import run_gates
from tests.gates.conftest import git


def test_only_added_lines_are_reported(gate_repo: Callable[..., Path]) -> None:
    commands = {
        "debug-artifacts": {"kind": "lint", "builtin": "debug-artifacts", "required": False},
        "test": {"command": "skip"},
        "lint": {"command": "skip"},
        "typecheck": {"command": "skip"},
    }
    repo = gate_repo(commands, files={"old.py": "breakpoint()\n", "app.js": "let x = 1;\n"})
    git(repo, "checkout", "-qb", "feature")
    (repo / "old.py").write_text(
        "breakpoint()\nimport pdb\npdb.set_trace()\nvalue = 1  # TODO: remove\n"
    )
    (repo / "app.js").write_text("let x = 1;\nconsole.log(x);\n")
    git(repo, "commit", "-qam", "debugging")
    (repo / "new.ts").write_text("const y = 2;\ndebugger;\n")  # untracked files count too
    result = run_gates("incremental", repo, base="main")
    check = result.check("debug-artifacts")
    assert check.status == "pass" and not check.blocking  # warnings by default
    assert sorted((f.path, f.line, f.rule) for f in check.findings) == [
        ("app.js", 2, "debug-artifact.console-log"),
        ("new.ts", 2, "debug-artifact.debugger"),
        ("old.py", 2, "debug-artifact.import-pdb"),
        ("old.py", 3, "debug-artifact.pdb-set-trace"),
        ("old.py", 4, "debug-artifact.todo-remove"),
    ]
    assert {f.severity for f in check.findings} == {"warning"}
    assert (
        check.counts is not None
        and check.counts.findings is not None
        and check.counts.findings.warning == 5
    )


def test_error_severity_blocks_when_required(gate_repo: Callable[..., Path]) -> None:
    commands = {
        "debug-artifacts": {
            "kind": "lint",
            "builtin": "debug-artifacts",
            "required": True,
            "severity": "error",
        },
        "test": {"command": "skip"},
        "lint": {"command": "skip"},
        "typecheck": {"command": "skip"},
    }
    repo = gate_repo(commands, files={"a.py": "x = 1\n"})
    (repo / "a.py").write_text("x = 1\nbreakpoint()\n")
    result = run_gates(
        "full-gate",
        repo,
        base=None,
        environ={"SESSIONKIT_BASE_REF": "HEAD", "PATH": "/usr/bin:/bin"},
    )
    check = result.check("debug-artifacts")
    assert (check.status, check.blocking, result.exit_code) == ("fail", True, 1)
    no_base = run_gates("full-gate", repo, environ={"PATH": "/usr/bin:/bin"})
    assert no_base.check("debug-artifacts").status_reason == "no-files"
