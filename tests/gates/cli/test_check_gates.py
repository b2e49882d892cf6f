"""``sessionkit check`` with the ``gates`` check: --fail-on and the gate options (gates.md §10.4).

Real git repositories and the real ruff of the dev environment: a baseline saved on one commit,
a regression introduced on the next.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sessionkit.schemas import validator
from tests.gates.cli.conftest import Ran
from tests.gates.conftest import git, write_policy

RUFF = Path(sys.executable).parent / "ruff"

pytestmark = pytest.mark.skipif(not RUFF.exists(), reason="ruff of the dev extras is missing")

OLD = "import os\n\nX = 1\n"


@pytest.fixture
def ruff_repo(make_repo: Callable[..., Path]) -> Path:
    """A committed repo whose lint check is real ruff (F401 only); one finding at commit 1."""
    repo = make_repo(files={"src/a.py": OLD, "src/b.py": "Y = 2\n"}, commit=False)
    write_policy(
        repo,
        {
            "version": 2,
            "defaults": {"auto_detect": False},
            "commands": {
                "lint": {
                    "command": [
                        str(RUFF),
                        "check",
                        "--no-fix",
                        "--no-cache",
                        "--isolated",
                        "--select",
                        "F401",
                        "--output-format=json",
                        "src",
                    ]
                },
                "typecheck": {"command": "skip"},
                "test": {"command": "skip"},
            },
        },
    )
    (repo / ".gitignore").write_text(".orchestrator/gates/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "commit 1: one unused import")
    return repo


def _check(cli: Callable[..., Ran], repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = cli(repo, "check", "--only", "gates", "--json", *args)
    document: dict[str, Any] = json.loads(proc.stdout)
    assert [e.message for e in validator("check-result").iter_errors(document)] == []
    return proc.returncode, document


def _listed(document: dict[str, Any]) -> list[tuple[str, str | None, int | None, str]]:
    return [(f["rule_id"], f["path"], f["line"], f["message"]) for f in document["findings"]]


def test_fail_on_new_blocks_only_on_the_regression_commit(
    ruff_repo: Path, cli: Callable[..., Ran]
) -> None:
    repo = ruff_repo
    saved = cli(repo, "gate", "baseline", "save", "--no-progress")
    assert saved.returncode == 0, saved.stderr

    # commit 1 against its own baseline: the old finding does not block under new ...
    code, doc = _check(cli, repo, "--fail-on", "new")
    assert code == 0 and doc["verdict"] == "pass"
    assert _listed(doc) == []
    entry = doc["checks"][0]
    assert entry["result"]["regression"]["pre_existing"] == 1
    assert "0 new, 1 pre-existing (not listed)" in entry["summary"]
    # ... but does under fail (and its alias error), and never blocks under never
    for mode in ("fail", "error"):
        code, doc = _check(cli, repo, "--fail-on", mode)
        assert code == 1
        assert _listed(doc) == [("lint.ruff.F401", "src/a.py", 1, "`os` imported but unused")]
    assert _check(cli, repo, "--fail-on", "never")[0] == 0

    # commit 2: lines inserted above the old finding, and a new unused import in b.py
    (repo / "src" / "a.py").write_text('"""Docstring."""\n\n' + OLD)
    (repo / "src" / "b.py").write_text("import sys\n\nY = 2\n")
    git(repo, "commit", "-qam", "commit 2: a regression")
    code, doc = _check(cli, repo, "--fail-on", "new")
    assert code == 1 and doc["verdict"] == "fail"
    assert _listed(doc) == [("lint.ruff.F401", "src/b.py", 1, "`sys` imported but unused")]
    entry = doc["checks"][0]
    assert entry["status"] == "fail"
    assert entry["summary"] == (
        "gate full-gate: fail (blocking: lint (new-findings: 1)); "
        "against the baseline: 1 new, 1 pre-existing (not listed), 0 fixed"
    )
    lint = entry["result"]["checks"][0]
    assert lint["regression"]["new"] == [doc["findings"][0]["fingerprint"]]
    assert sorted((f["path"], f["line"], f["baseline"]) for f in lint["findings"]) == [
        ("src/a.py", 3, "pre-existing"),
        ("src/b.py", 1, "new"),
    ]
    # the text report lists the new finding only
    text = cli(repo, "check", "--only", "gates", "--fail-on", "new")
    assert text.returncode == 1
    assert "src/b.py:1" in text.stdout and "src/a.py" not in text.stdout

    # commit 3: the regression fixed -> passes under new again
    (repo / "src" / "b.py").write_text("Y = 2\n")
    git(repo, "commit", "-qam", "commit 3: fixed")
    code, doc = _check(cli, repo, "--fail-on", "new")
    assert code == 0 and _listed(doc) == []


def test_fail_on_new_without_a_baseline_is_as_strict_as_fail(
    ruff_repo: Path, cli: Callable[..., Ran]
) -> None:
    code, doc = _check(cli, ruff_repo, "--fail-on", "new")
    assert code == 1
    assert _listed(doc) == [("lint.ruff.F401", "src/a.py", 1, "`os` imported but unused")]
    assert "no comparable baseline (no-baseline)" in doc["checks"][0]["summary"]


def test_gate_options_pass_through(ruff_repo: Path, cli: Callable[..., Ran]) -> None:
    repo = ruff_repo
    # --gate-check: the others are skipped as not-selected
    code, doc = _check(cli, repo, "--gate-check", "typecheck", "--fail-on", "error")
    assert code == 0
    statuses = {c["name"]: c["status_reason"] for c in doc["checks"][0]["result"]["checks"]}
    assert statuses["lint"] == "not-selected"
    # --timeout reaches every gate check's command
    _code, doc = _check(cli, repo, "--timeout", "7")
    assert {c["command"]["timeout_s"] for c in doc["checks"][0]["result"]["checks"]} == {7.0}
    # --variant incremental with --base: the change set of HEAD~..worktree
    (repo / "src" / "c.py").write_text("import json\n")
    git(repo, "add", "src/c.py")
    git(repo, "commit", "-qm", "c")
    _code, doc = _check(cli, repo, "--variant", "incremental", "--base", "HEAD~1")
    result = doc["checks"][0]["result"]
    assert result["variant"] == "incremental"
    assert result["selection"]["base_source"] == "cli"
    assert result["selection"]["changed"] == ["src/c.py"]
    assert result["selection"]["base_commit"] == git(repo, "rev-parse", "HEAD~1").strip()
    # --head other than the checked-out HEAD: not-applicable; HEAD itself runs
    _code, doc = _check(cli, repo, "--head", "HEAD~1")
    assert (doc["checks"][0]["status"], doc["checks"][0]["reason"]) == (
        "not-applicable",
        "head-not-checked-out",
    )
    _code, doc = _check(cli, repo, "--head", "HEAD")
    assert doc["checks"][0]["status"] == "fail"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--variant", "incremental"], 2, "only apply to the gates check"),
        (["--only", "gates", "--variant", "per-file"], 2, "per-file"),
        (["--only", "gates", "--timeout", "0"], 2, "--timeout"),
        (["--only", "gates", "--head", "-x"], 2, "not a valid revision"),
        (["--only", "gates", "--base", "bad ref"], 2, "not a valid revision"),
        (["--only", "gates", "--head", "no-such-ref"], 3, "not found in this clone"),
        (["--only", "gates", "--gate-check", "nope"], 2, "--check nope: unknown check"),
    ],
)
def test_gate_option_errors(
    ruff_repo: Path, cli: Callable[..., Ran], args: list[str], code: int, message: str
) -> None:
    proc = cli(ruff_repo, "check", *args)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert message in proc.stderr + proc.stdout


def test_sessionkit_check_end_to_end_subprocess(ruff_repo: Path) -> None:
    """The console script: exit code and text of a failing gate under --fail-on error."""
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "sessionkit"), "check", "--only", "all"],
        cwd=ruff_repo,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "SESSIONKIT_NO_METRICS": "1", "HOME": str(ruff_repo)},
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "gates: fail: gate full-gate: fail (blocking: lint (fail: exit-code))" in proc.stdout
    assert "src/a.py:1:8: error: lint.ruff.F401: `os` imported but unused" in proc.stdout
