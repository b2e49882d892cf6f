"""The run directory: an unwritable one is an environment error (exit 3), not a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.gates import run_gates
from sessionkit.gates.errors import GateEnvironmentError


def test_run_directory_that_cannot_be_created_is_an_environment_error(
    gate_repo: Callable[..., Path],
) -> None:
    repo = gate_repo(
        {"lint": {"command": "true"}, "test": {"command": "skip"}, "typecheck": {"command": "skip"}}
    )
    (repo / ".orchestrator" / "gates").write_text("a file where the run directory goes\n")
    with pytest.raises(GateEnvironmentError, match="run directory is not writable"):
        run_gates("full-gate", repo)
    # a dry run writes nothing and still works
    assert run_gates("full-gate", repo, dry_run=True).exit_code == 0


def test_unwritable_baseline_output_is_an_environment_error(
    gate_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = gate_repo(
        {"lint": {"command": "true"}, "test": {"command": "skip"}, "typecheck": {"command": "skip"}}
    )
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x\n")
    with pytest.raises(GateEnvironmentError, match="cannot write the baseline"):
        run_gates("baseline", repo, baseline_output=str(blocker / "baseline.json"))
