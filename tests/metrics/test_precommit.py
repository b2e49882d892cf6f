"""The ``sessionkit-metrics`` pre-commit hook against real staged blobs (metrics.md §6.2)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.metrics.store import MetricsStore
from sessionkit.precommit.metrics import main
from tests.conftest import git

LEARNINGS = ".orchestrator/metrics/learnings.jsonl"
ARCHIVE = ".orchestrator/metrics/learnings-archive.jsonl"


@pytest.fixture
def committed(
    make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, MetricsStore]:
    repo = make_repo(files={"README.md": "x\n"})
    monkeypatch.chdir(repo)
    store = MetricsStore(repo)
    store.learnings.add("fragile-file", "a.py", "insight", session="S1")
    git(repo, "add", LEARNINGS)
    git(repo, "commit", "-qm", "learnings")
    return repo, store


def test_valid_change_passes(
    committed: tuple[Path, MetricsStore], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, store = committed
    store.learnings.add("convention", "naming", "snake_case", session="S2")
    git(repo, "add", LEARNINGS)
    assert main([LEARNINGS]) == 0
    assert capsys.readouterr().out == ""


def test_removed_learning_without_tombstone_fails(
    committed: tuple[Path, MetricsStore], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _store = committed
    (repo / LEARNINGS).write_text("")
    git(repo, "add", LEARNINGS)
    assert main([LEARNINGS]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{LEARNINGS}:1: metrics-rewrite") and "learnings archive" in out


def test_archiving_with_the_staged_archive_passes(committed: tuple[Path, MetricsStore]) -> None:
    repo, store = committed
    lid = next(iter(store.read("learnings")))["id"]
    store.learnings.archive(lid, "pruned", dry_run=False)
    git(repo, "add", LEARNINGS)
    assert main([LEARNINGS]) == 1  # the tombstone is not staged yet
    git(repo, "add", ARCHIVE)
    assert main([LEARNINGS, ARCHIVE]) == 0


def test_invalid_added_line_names_path_and_line(
    committed: tuple[Path, MetricsStore], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _store = committed
    with open(repo / LEARNINGS, "a") as handle:
        handle.write(json.dumps({"schema_version": 1, "id": "x"}) + "\n<<<<<<< HEAD\n")
    git(repo, "add", LEARNINGS)
    assert main([LEARNINGS]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{LEARNINGS}:2: metrics-invalid-record")
    assert out[1].startswith(f"{LEARNINGS}:3: metrics-torn-line")


def test_state_frontmatter_is_checked(
    make_repo: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_repo(
        files={".claude/STATE.md": "---\nschema-version: 1\nouter:\n  inner: 1\n---\n"},
        commit=False,
    )
    monkeypatch.chdir(repo)
    git(repo, "add", "-f", ".claude/STATE.md")
    assert main([".claude/STATE.md"]) == 1
    assert "state-frontmatter-invalid" in capsys.readouterr().out


def test_dispatcher_runs_the_hook(committed: tuple[Path, MetricsStore]) -> None:
    repo, _store = committed
    proc = subprocess.run(
        [sys.executable, "-m", "sessionkit.precommit", "metrics", LEARNINGS],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
