"""Helpers of ``sessionkit.gates.execute`` that shape what a check result records."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from sessionkit.gates import run_gates
from sessionkit.gates.execute import without_root


def test_without_root_relativises_and_leaves_lookalikes() -> None:
    text = "rootdir: /w/r\n/w/r/src/a.py:1:2: E1 x\n/w/rx/b.py /w/r-old /w/r.d/x\n"
    assert (
        without_root(text, "/w/r")
        == "rootdir: .\nsrc/a.py:1:2: E1 x\n/w/rx/b.py /w/r-old /w/r.d/x\n"
    )
    assert without_root("nothing here", "/w/r") == "nothing here"


def test_tails_carry_no_absolute_project_root(gate_repo: Callable[..., Path]) -> None:
    # §8.2: no absolute paths anywhere in the result; tools print them in their output
    repo = gate_repo(
        {
            "lint": {"command": 'pwd; echo "$PWD/src/a.py:1: boom"; exit 1'},
            "test": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    result = run_gates("full-gate", repo)
    lint = result.check("lint")
    assert lint.tail.splitlines() == [".", "src/a.py:1: boom"]
    document = json.dumps(result.to_dict())
    assert str(repo) not in document and os.path.realpath(repo) not in document
    log = (repo / lint.logs.stdout).read_text()  # type: ignore[union-attr]
    assert os.path.realpath(repo) in log or str(repo) in log  # the raw log keeps the output
