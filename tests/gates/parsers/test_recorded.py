"""Parsers on outputs recorded from the real tools, and the cross-parser property: the text and
structured formats of one run give identical counts, findings and fingerprints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkit.gates.parsers.pipeline import Report
from tests.gates.conftest import copy_fixture_project
from tests.gates.parsers.helpers import placed, recorded, run, summary


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture_project(tmp_path / "project")


def test_ruff_json_exact(project: Path) -> None:
    rec = recorded("ruff-json")
    outcome, findings = run(
        "lint", placed(rec["stdout.txt"], project), root=str(project), tool="ruff"
    )
    assert outcome.parsers == ["ruff-json"]
    assert outcome.measurement == "structured"
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.to_dict() == {"error": 2, "warning": 0, "note": 0}
    assert summary(findings) == [
        ("ruff", "F401", "error", "src/pkg/mod.py", 1, 8, None),
        ("ruff", "F401", "error", "src/pkg/mod.py", 2, 8, None),
    ]
    assert all(f.url and f.url.startswith("https://") for f in findings)


@pytest.mark.parametrize("text_parser", ["ruff-text", "ruff-text-full"])
def test_ruff_text_matches_json(project: Path, text_parser: str) -> None:
    _, json_findings = run(
        "lint", placed(recorded("ruff-json")["stdout.txt"], project), root=str(project), tool="ruff"
    )
    outcome, text_findings = run(
        "lint", placed(recorded(text_parser)["stdout.txt"], project), root=str(project), tool="ruff"
    )
    assert outcome.parsers == ["ruff-text"]
    assert outcome.findings_complete
    assert summary(text_findings) == summary(json_findings)
    assert sorted(f.fingerprint for f in text_findings) == sorted(
        f.fingerprint for f in json_findings
    )


def test_mypy_text_and_json_agree(project: Path) -> None:
    text_out, text_findings = run(
        "typecheck", recorded("mypy-text")["stdout.txt"], root=str(project), tool="mypy"
    )
    json_out, json_findings = run(
        "typecheck", recorded("mypy-json")["stdout.txt"], root=str(project), tool="mypy"
    )
    assert text_out.parsers == ["mypy-text"] and json_out.parsers == ["mypy-json"]
    assert text_out.counts == json_out.counts
    assert text_out.counts is not None and text_out.counts.findings is not None
    assert text_out.counts.findings.error == 3
    assert (
        summary(text_findings)
        == summary(json_findings)
        == [
            ("mypy", "arg-type", "error", "src/pkg/api.py", 12, 16, None),
            ("mypy", "return-value", "error", "src/pkg/api.py", 12, 12, None),
            ("mypy", "return-value", "error", "src/pkg/mod.py", 10, 12, None),
        ]
    )
    assert sorted(f.fingerprint for f in text_findings) == sorted(
        f.fingerprint for f in json_findings
    )


def test_pytest_junit_and_text_agree(project: Path) -> None:
    junit = recorded("junit")
    report = Report(placed(junit["report.xml"], project), "junit")
    j_out, j_findings = run(
        "test", junit["stdout.txt"], root=str(project), tool="pytest", reports=(report,)
    )
    t_out, t_findings = run(
        "test", recorded("pytest-text")["stdout.txt"], root=str(project), tool="pytest"
    )
    assert j_out.parsers == ["junit"] and j_out.measurement == "structured"
    assert t_out.parsers == ["pytest-text"] and t_out.measurement == "text"
    assert j_out.counts is not None and j_out.counts.tests is not None
    assert j_out.counts.tests.to_dict() == {
        "passed": 5,
        "failed": 2,
        "errors": 0,
        "skipped": 2,
        "total": 9,
    }
    assert t_out.counts == j_out.counts
    ids = ["tests.test_mod.TestK::test_method_fails", "tests.test_mod::test_add_fails"]
    assert sorted(f.test_id for f in j_findings) == sorted(f.test_id for f in t_findings) == ids
    assert sorted(f.fingerprint for f in j_findings) == sorted(f.fingerprint for f in t_findings)
    assert {f.line for f in j_findings} == {10, 30}  # junit's 0-based line attribute, +1
    assert j_out.enumerates_passing and "tests.test_mod::test_double" in j_out.passed_ids
