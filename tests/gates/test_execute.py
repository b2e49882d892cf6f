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


def test_structured_fields_are_cleaned_before_fingerprinting(
    gate_repo: Callable[..., Path], fake_tool: Callable[..., str]
) -> None:
    # JSON output bypasses the text normalisation: ANSI, controls and a lone surrogate (valid
    # JSON "\ud800") once reached the result and crashed its UTF-8 writer (internal error)
    doc = [
        {
            "code": "X1",
            "message": "bad \u0001 ctl \u001b[31mred\u001b[0m \ud800 end",
            "filename": "src/a.py",
            "location": {"row": 1, "column": 1},
            "end_location": {"row": 1, "column": 2},
            "url": None,
        }
    ]
    ruff = fake_tool("ruff", stdout=json.dumps(doc), exit=1)
    repo = gate_repo(
        {
            "lint": {"command": [ruff, "check", "--output-format=json"]},
            "test": {"command": "skip"},
            "typecheck": {"command": "skip"},
        },
        files={"src/a.py": "x = 1\n"},
    )
    result = run_gates("full-gate", repo)
    (finding,) = result.check("lint").findings
    assert finding.message == "bad  ctl red \ufffd end"
    json.dumps(result.to_dict()).encode("utf-8")  # writable
    assert (repo / result.logs_dir / "result.json").exists()  # type: ignore[operator]
