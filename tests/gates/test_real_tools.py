"""Real pytest, mypy and ruff on the fixture project: exact counts, findings and test ids,
and a baseline followed by a regression that is reported as exactly the new findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkit.gates import run_gates
from sessionkit.schemas import validator
from tests.gates.conftest import git, write_policy

# the fixture project's test suite, whichever parser reads it (JUnit or pytest's text)
FIXTURE_TEST_COUNTS = {"passed": 5, "failed": 2, "errors": 0, "skipped": 2, "total": 9}

pytestmark = pytest.mark.slow


def located(check) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [(f.tool, f.rule, f.path, f.line, f.column) for f in check.findings]


def test_full_gate_exact_results(fixture_project: Path) -> None:
    result = run_gates("full-gate", fixture_project)
    assert [e.message for e in validator("gate-result").iter_errors(result.to_dict())] == []
    assert [c.name for c in result.checks] == ["lint", "typecheck", "test"]  # cheapest first
    lint, typecheck, test = result.checks
    assert lint.command.source_ref == "auto:python/ruff" and lint.parsers == ("ruff-json",)
    assert located(lint) == [
        ("ruff", "F401", "src/pkg/mod.py", 1, 8),
        ("ruff", "F401", "src/pkg/mod.py", 2, 8),
    ]
    assert typecheck.parsers == ("mypy-text",)
    assert typecheck.counts is not None and typecheck.counts.findings is not None
    assert typecheck.counts.findings.to_dict() == {"error": 3, "warning": 0, "note": 0}
    assert sorted((f.rule, f.path, f.line) for f in typecheck.findings) == [
        ("arg-type", "src/pkg/api.py", 12),
        ("return-value", "src/pkg/api.py", 12),
        ("return-value", "src/pkg/mod.py", 10),
    ]
    assert test.parsers == ("junit",) and test.measurement == "structured"  # injected report
    assert test.counts is not None and test.counts.tests is not None
    assert test.counts.tests.to_dict() == FIXTURE_TEST_COUNTS
    assert sorted(f.test_id for f in test.findings) == [
        "tests.test_mod.TestK::test_method_fails",
        "tests.test_mod::test_add_fails",
    ]
    assert {c.status for c in result.checks} == {"fail"} and result.exit_code == 1
    assert (
        set(result.tool_versions) == {"mypy", "pytest", "ruff"}
        and "unknown" not in result.tool_versions.values()
    )
    assert git(fixture_project, "status", "--porcelain") == ""


def test_baseline_then_regression_on_the_next_commit(fixture_project: Path) -> None:
    repo = fixture_project
    saved = run_gates("baseline", repo, checks=["lint", "typecheck"])
    assert saved.exit_code == 0
    mod = repo / "src" / "pkg" / "mod.py"
    text = mod.read_text().replace(
        "import os\nimport sys\n", "import os\n\n# inserted above the findings\n"
    )
    mod.write_text(text + "\n\ndef later() -> int:\n    return None\n")
    git(repo, "commit", "-qam", "one new mypy error, one ruff finding fixed, lines inserted")
    result = run_gates("full-gate", repo, fail_on="new", checks=["lint", "typecheck"])
    lint, typecheck = result.check("lint"), result.check("typecheck")
    assert lint.regression is not None and typecheck.regression is not None
    assert (len(lint.regression.new), len(lint.regression.fixed), lint.regression.pre_existing) == (
        0,
        1,
        1,
    )
    assert not lint.blocking
    new = [f for f in typecheck.findings if f.baseline == "new"]
    assert [(f.rule, f.path, f.message) for f in new] == [
        (
            "return-value",
            "src/pkg/mod.py",
            'Incompatible return value type (got "None", expected "int")',
        )
    ]
    assert typecheck.regression.pre_existing == 3 and typecheck.blocking
    assert result.regression is not None and (
        result.regression["new"],
        result.regression["fixed"],
    ) == (1, 1)
    assert result.exit_code == 1 and result.summary()["blocking"] == ["typecheck"]
    # remove the new error: the remaining failures are all pre-existing
    mod.write_text(text)
    git(repo, "commit", "-qam", "remove the new error")
    again = run_gates("full-gate", repo, fail_on="new", checks=["lint", "typecheck"])
    assert again.exit_code == 0
    assert [c.name for c in again.checks if c.status == "fail"] == ["lint", "typecheck"]


def test_deleting_a_failing_test_is_not_a_fix(fixture_project: Path) -> None:
    repo = fixture_project
    run_gates("baseline", repo, checks=["test"])
    tests = repo / "tests" / "test_mod.py"
    tests.write_text(
        tests.read_text().replace("def test_add_fails() -> None:\n    assert add(1, 1) == 3\n", "")
    )
    git(repo, "commit", "-qam", "drop a failing test")
    result = run_gates("full-gate", repo, fail_on="new", checks=["test"])
    test = result.check("test")
    assert test.regression is not None
    assert test.regression.disappeared == ("tests.test_mod::test_add_fails",)
    assert test.regression.total_delta == -1 and test.regression.fixed_tests == ()
    assert result.exit_code == 0  # the remaining failure is pre-existing


def test_incremental_runs_only_related_tests(fixture_project: Path) -> None:
    repo = fixture_project
    api = repo / "src" / "pkg" / "api.py"
    api.write_text(api.read_text() + "\n")
    result = run_gates("incremental", repo, base="HEAD", checks=["test"])
    test = result.check("test")
    assert test.command.argv[-1] == "tests/test_api.py" and test.command.files_passed == 1
    assert test.selection is not None and test.selection.files == ("tests/test_api.py",)
    assert test.status == "pass"
    assert (
        test.counts is not None and test.counts.tests is not None and test.counts.tests.total == 1
    )


def test_users_own_junitxml_in_addopts_is_kept(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(
        files={
            "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--junitxml=build/own.xml"\n',
            "tests/test_x.py": "def test_ok():\n    assert True\n\ndef test_bad():\n    assert 1 == 2\n",
            ".gitignore": "build/\n__pycache__/\n.pytest_cache/\n",
        }
    )
    result = run_gates("full-gate", repo, checks=["test"])
    test = result.check("test")
    assert (repo / "build" / "own.xml").exists()
    assert test.parsers[0] == "junit"
    assert not (repo / result.logs_dir / "test" / "pytest-junit.xml").exists()  # type: ignore[operator]
    assert test.counts is not None and test.counts.tests is not None
    assert (test.counts.tests.passed, test.counts.tests.failed) == (1, 1)
    assert [f.test_id for f in test.findings] == ["tests.test_x::test_bad"]


@pytest.mark.parametrize("disable", [["-p", "no:junitxml"], ["-pno:junitxml"]])
def test_junitxml_disabled_in_the_command_is_not_injected(
    fixture_project: Path, disable: list[str]
) -> None:
    # An injected --junitxml with the plugin disabled made pytest exit 4 (tool-error).
    write_policy(
        fixture_project,
        {"version": 2, "commands": {"test": {"command": ["pytest", "-q", *disable]}}},
    )
    result = run_gates("full-gate", fixture_project, checks=["test"])
    test = result.check("test")
    assert (test.status, test.status_reason, test.exit_code) == ("fail", "exit-code", 1)
    assert test.parsers == ("pytest-text",)
    assert test.counts is not None and test.counts.tests is not None
    assert test.counts.tests.to_dict() == FIXTURE_TEST_COUNTS
