"""Acceptance-audit findings on ``sessionkit config`` (config.md §11), through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

SECTION = "## Session Config\n\n"


def sk(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIONKIT_", "SO_"))}
    environ.pop("CI", None)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sessionkit", "config", *args],
        cwd=repo,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


def test_summary_names_existing_files_without_a_section(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": "# Notes\n", "AGENTS.md": "# Agents\n"})
    proc = sk(repo, "validate")
    assert proc.returncode == 0, proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    assert summary.startswith("CLAUDE.md, AGENTS.md: 0 errors"), summary
    assert "no CLAUDE.md or AGENTS.md" not in proc.stdout


def test_summary_without_instruction_files(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"README.md": "x\n"})
    proc = sk(repo, "validate")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("no CLAUDE.md or AGENTS.md: ")


def test_migrate_with_an_unreadable_host_exits_3(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"README.md": "x\n"})
    (repo / "CLAUDE.md").mkdir()
    proc = sk(repo, "migrate")
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    assert "config.unreadable" in proc.stderr
    as_json = sk(repo, "migrate", "--json")
    assert as_json.returncode == 3
    document = json.loads(as_json.stdout)
    assert document["exit_code"] == 3
    assert document["written"] is False


def test_migrate_with_a_missing_env_file_writes_nothing(make_repo: Callable[..., Path]) -> None:
    body = SECTION + "- **waves:** 4\n"
    repo = make_repo({"CLAUDE.md": body})
    proc = sk(repo, "migrate", "--write", env={"SESSIONKIT_CONFIG_FILE": "missing.md"})
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    assert "config.file-not-found" in proc.stderr
    assert (repo / "CLAUDE.md").read_text() == body
