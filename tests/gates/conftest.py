"""Fixtures of the gates tests: fake tools, gate repositories, the fixture project."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
FAKE = HERE / "fake_tools" / "fake.py"
FIXTURE_PROJECT = HERE / "fixture_project"


@pytest.fixture(autouse=True)
def _no_metrics(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Gate runs in tests never write into a metrics store (spec §13)."""
    monkeypatch.setenv("SESSIONKIT_NO_METRICS", "1")
    for var in (
        "GITHUB_ACTIONS",
        "GITHUB_EVENT_PATH",
        "GITLAB_CI",
        "CI_COMMIT_BEFORE_SHA",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA",
        "SESSIONKIT_BASE_REF",
        "SESSIONKIT_GATE_DEPTH",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_WORKSPACE",
        "PYTEST_ADDOPTS",
    ):
        monkeypatch.delenv(var, raising=False)
    yield


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


@pytest.fixture
def fake_tool(tmp_path: Path) -> Callable[..., str]:
    """``fake_tool("fake-ruff", stdout=..., exit=1)`` -> path of an executable fake tool."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir(exist_ok=True)

    def make(name: str, **spec: Any) -> str:
        path = bin_dir / name
        path.write_text(f"#!{sys.executable}\n" + FAKE.read_text())
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        (bin_dir / f"{name}.json").write_text(json.dumps(spec))
        return str(path)

    return make


def write_policy(repo: Path, policy: dict[str, Any]) -> None:
    path = repo / ".orchestrator" / "policy" / "quality-gates.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(policy, indent=2))


@pytest.fixture
def gate_repo(make_repo: Callable[..., Path]) -> Callable[..., Path]:
    """A committed repo with a policy file: ``gate_repo({"lint": {...}}, files={...})``."""

    def make(commands: dict[str, Any], *, files: dict[str, str] | None = None, **top: Any) -> Path:
        repo = make_repo(files={"README.md": "x\n", **(files or {})}, commit=False)
        write_policy(repo, {"version": 2, "commands": commands, **top})
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "init")
        return repo

    return make


def copy_fixture_project(target: Path) -> Path:
    """Copy the fixture project; its files are stored as ``*.txt`` so that this repository's
    own pytest, ruff and mypy runs never pick up its deliberate failures.
    """
    shutil.copytree(FIXTURE_PROJECT, target)
    for path in sorted(target.rglob("*.txt")):
        path.rename(path.with_suffix(""))
    return target


@pytest.fixture
def fixture_project(tmp_path: Path) -> Path:
    """A committed copy of the fixture project (known pytest, mypy and ruff failures)."""
    repo = copy_fixture_project(tmp_path / "project")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fixture")
    return repo


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True
