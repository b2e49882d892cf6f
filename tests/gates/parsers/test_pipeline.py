"""The pipeline's combination rules (§6.1, §6.5) across structured and text sources."""

from __future__ import annotations

from sessionkit.gates.parsers.pipeline import Report
from tests.gates.parsers.helpers import run

# ``pytest tests/a; pytest tests/b`` with the injected report: the second run overwrote it
_LAST_REPORT = (
    '<testsuites><testsuite name="pytest" tests="1">'
    '<testcase classname="tests.b.test_b" name="test_3" file="tests/b/test_b.py" line="0"/>'
    "</testsuite></testsuites>"
)
_BOTH_OUTPUTS = (
    "FAILED tests/a/test_a.py::test_2 - assert 0\n"
    "========================= 1 failed, 1 passed in 0.95s ==========================\n"
    "============================== 1 passed in 1.29s ===============================\n"
)


def test_overwritten_report_keeps_the_text_counts_and_its_failing_tests() -> None:
    outcome, findings = run(
        "test", _BOTH_OUTPUTS, tool="pytest", exit_code=0, reports=(Report(_LAST_REPORT, "junit"),)
    )
    assert "report-incomplete" in outcome.notes and not outcome.findings_complete
    assert outcome.counts is not None and outcome.counts.tests is not None
    assert outcome.counts.tests.to_dict() == {
        "passed": 2,
        "failed": 1,
        "errors": 0,
        "skipped": 0,
        "total": 3,
    }
    # the failure of the first invocation is only in the text; it is still a finding
    assert [(f.test_id, f.rule) for f in findings] == [("tests.a.test_a::test_2", "test-failure")]


def test_complete_report_wins_without_duplicating_its_failures() -> None:
    report = (
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.a.test_a" name="test_1" file="tests/a/test_a.py" line="0"/>'
        '<testcase classname="tests.a.test_a" name="test_2" file="tests/a/test_a.py" line="1">'
        '<failure message="assert 0">assert 0</failure></testcase>'
        "</testsuite></testsuites>"
    )
    out = "FAILED tests/a/test_a.py::test_2 - assert 0\n=== 1 failed, 1 passed in 0.1s ===\n"
    outcome, findings = run("test", out, tool="pytest", reports=(Report(report, "junit"),))
    assert "report-incomplete" not in outcome.notes and outcome.findings_complete
    assert [f.test_id for f in findings] == ["tests.a.test_a::test_2"]


def test_vitest_junit_ids_and_paths_match_its_text_and_json() -> None:
    # vitest 3.2 --reporter=junit: no file attribute (the classname is the file), and a file
    # that failed to load is a testcase named like its classname
    report = (
        '<testsuites name="vitest tests" tests="3" failures="2" errors="0">'
        '<testsuite name="src/broken.test.mjs" tests="1" failures="1">'
        '<testcase classname="src/broken.test.mjs" name="src/broken.test.mjs" time="0">'
        '<failure message="Cannot find module" type="Error">x</failure></testcase>'
        "</testsuite>"
        '<testsuite name="src/v.test.mjs" tests="2" failures="1">'
        '<testcase classname="src/v.test.mjs" name="suite &gt; good" time="0"/>'
        '<testcase classname="src/v.test.mjs" name="suite &gt; bad" time="0">'
        '<failure message="expected 1 to be 2" type="AssertionError">x</failure></testcase>'
        "</testsuite></testsuites>"
    )
    _, from_report = run("test", "", tool="vitest", reports=(Report(report, "junit"),))
    text = (
        " FAIL  src/broken.test.mjs [ src/broken.test.mjs ]\n"
        " FAIL  src/v.test.mjs > suite > bad\n"
        "      Tests  1 failed | 1 passed (2)\n"
    )
    _, from_text = run("test", text, tool="vitest")
    assert sorted((f.test_id, f.path, f.fingerprint) for f in from_report) == sorted(
        (f.test_id, f.path, f.fingerprint) for f in from_text
    )
    assert {f.test_id for f in from_report} == {
        "src/broken.test.mjs::(suite)",
        "src/v.test.mjs::suite > bad",
    }
