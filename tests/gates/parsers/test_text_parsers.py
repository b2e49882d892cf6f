"""Text parsers on known outputs: every occurrence counted, ANSI and CRLF tolerated, multiple
summaries summed, and unmeasured counts absent (never zero).
"""

from __future__ import annotations

import json

import pytest

from tests.gates.parsers.helpers import run, summary


def counted(kind_out: object) -> dict[str, int] | None:
    counts = getattr(kind_out, "counts", None)
    return counts.tests.to_dict() if counts is not None and counts.tests is not None else None


# --- pytest -------------------------------------------------------------------------------


def test_pytest_summary_counts_and_failures() -> None:
    out = (
        "FAILED tests/test_mod.py::TestK::test_p[2] - assert 2 == 1\n"
        "ERROR tests/test_broken.py\n"
        "=== 1 failed, 3 passed, 2 skipped, 1 xfailed, 1 error in 0.12s ===\n"
    )
    outcome, findings = run("test", out, tool="pytest")
    assert counted(outcome) == {"passed": 3, "failed": 1, "errors": 1, "skipped": 3, "total": 8}
    assert sorted((f.test_id, f.rule) for f in findings) == [
        ("::tests.test_broken", "test-error"),
        ("tests.test_mod.TestK::test_p[2]", "test-failure"),
    ]


def test_pytest_two_invocations_are_summed() -> None:
    out = "2 passed in 0.01s\n===== 1 failed, 4 passed in 0.30s (0:00:01) =====\n"
    outcome, _ = run("test", out, tool="pytest")
    assert counted(outcome) == {"passed": 6, "failed": 1, "errors": 0, "skipped": 0, "total": 7}


def test_pytest_no_tests_ran_is_a_zero_measurement() -> None:
    outcome, _ = run("test", "no tests ran in 0.00s\n", tool="pytest", exit_code=5)
    assert counted(outcome) == {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "total": 0}


def test_pytest_version_header_is_recorded() -> None:
    out = "platform linux -- Python 3.11.9, pytest-8.3.4, pluggy-1.5.0\n1 passed in 0.01s\n"
    outcome, _ = run("test", out, tool="pytest", exit_code=0)
    assert outcome.tool_versions == {"pytest": "8.3.4"}


def test_no_summary_means_no_counts() -> None:
    outcome, findings = run("test", "Ran the thing\nall good, 2 passed somewhere\n", exit_code=0)
    assert outcome.counts is None and outcome.parsers == [] and outcome.measurement == "none"
    assert findings == []


# --- unittest -----------------------------------------------------------------------------


def test_unittest_ok_and_failed() -> None:
    outcome, _ = run("test", "..\n----\nRan 5 tests in 0.012s\n\nOK\n", exit_code=0)
    assert outcome.parsers == ["unittest-text"]
    assert counted(outcome) == {"passed": 5, "failed": 0, "errors": 0, "skipped": 0, "total": 5}
    failing = (
        "FAIL: test_x (tests.test_a.T.test_x)\nERROR: test_y (tests.test_a.T)\n"
        "Ran 6 tests in 0.1s\n\nFAILED (failures=1, errors=1, skipped=2)\n"
    )
    outcome, findings = run("test", "", failing)
    assert counted(outcome) == {"passed": 2, "failed": 1, "errors": 1, "skipped": 2, "total": 6}
    assert sorted(f.test_id for f in findings) == [
        "tests.test_a.T::test_x",
        "tests.test_a.T::test_y",
    ]


# --- vitest and jest ----------------------------------------------------------------------


def test_vitest_ignores_test_files_line() -> None:
    out = " Test Files  550 passed (550)\n      Tests  12904 passed | 11 skipped (12915)\n"
    outcome, _ = run("test", out, exit_code=0)
    assert outcome.parsers == ["vitest-text"]
    assert counted(outcome) == {
        "passed": 12904,
        "failed": 0,
        "errors": 0,
        "skipped": 11,
        "total": 12915,
    }


def test_vitest_coloured_summary_after_misleading_text() -> None:
    out = (
        "2 passed earlier in some log\n7 failed things\n"
        "\x1b[2m      Tests \x1b[22m \x1b[1m\x1b[31m148 failed\x1b[39m\x1b[22m\x1b[2m | \x1b[22m"
        "\x1b[1m\x1b[32m14304 passed\x1b[39m\x1b[22m\x1b[90m (14452)\x1b[39m\n"
    )
    outcome, _ = run("test", out)
    assert counted(outcome) == {
        "passed": 14304,
        "failed": 148,
        "errors": 0,
        "skipped": 0,
        "total": 14452,
    }


def test_vitest_failures_and_inconsistent_total() -> None:
    out = " FAIL  src/c.test.js > suite > bad\n      Tests  1 failed | 1 passed (3)\n"
    outcome, findings = run("test", out)
    assert counted(outcome) is None and "count-inconsistent" in outcome.notes
    assert [f.test_id for f in findings] == ["src/c.test.js::suite > bad"]


def test_jest_summary_on_stderr_with_exit_zero() -> None:
    outcome, _ = run("test", "", "Tests:       4 passed, 4 total\n", exit_code=0)
    assert outcome.parsers == ["jest-text"]
    assert counted(outcome) == {"passed": 4, "failed": 0, "errors": 0, "skipped": 0, "total": 4}


def test_jest_failure_blocks() -> None:
    err = (
        "FAIL ./d.test.js\n  ● outer › bad\n\n    expect(received)\n  ● Console\n\n"
        "FAIL src/e.test.js\n  ● Test suite failed to run\n\n"
        "Tests:       1 failed, 1 skipped, 1 passed, 3 total\n"
    )
    outcome, findings = run("test", "", err)
    assert counted(outcome) == {"passed": 1, "failed": 1, "errors": 0, "skipped": 1, "total": 3}
    assert sorted((f.test_id, f.rule) for f in findings) == [
        ("d.test.js::outer > bad", "test-failure"),
        ("src/e.test.js::(suite)", "test-error"),
    ]


def test_jest_json_matches_text_ids() -> None:
    doc = {
        "numTotalTests": 3,
        "testResults": [
            {
                "name": "/repo/d.test.js",
                "status": "failed",
                "assertionResults": [
                    {
                        "ancestorTitles": ["outer"],
                        "title": "bad",
                        "status": "failed",
                        "failureMessages": ["boom\nstack"],
                    },
                    {"ancestorTitles": ["outer"], "title": "good", "status": "passed"},
                    {"ancestorTitles": [], "title": "later", "status": "todo"},
                ],
            },
            {
                "name": "/repo/e.test.js",
                "status": "failed",
                "message": "SyntaxError",
                "assertionResults": [],
            },
        ],
    }
    outcome, findings = run("test", json.dumps(doc), tool="jest")
    assert outcome.parsers == ["jest-json"]
    assert counted(outcome) == {"passed": 1, "failed": 1, "errors": 1, "skipped": 1, "total": 4}
    assert sorted(f.test_id for f in findings) == ["d.test.js::outer > bad", "e.test.js::(suite)"]
    assert "d.test.js::outer > good" in outcome.passed_ids


# --- typecheckers --------------------------------------------------------------------------


def test_tsc_counts_every_error() -> None:
    out = "".join(
        f"src/a.ts({n},7): error TS2322: Type 'string' is not assignable to type 'number'.\n"
        for n in (1, 2, 3)
    )
    outcome, findings = run("typecheck", out, tool="tsc")
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.error == 3
    assert [(f.rule, f.line, f.column) for f in findings] == [
        ("TS2322", 1, 7),
        ("TS2322", 2, 7),
        ("TS2322", 3, 7),
    ]


def test_tsc_pretty_form_and_summary_mismatch() -> None:
    out = "src/a.ts:1:7 - error TS2322: Type 'x'.\nerror TS5023: Unknown compiler option.\nFound 3 errors in 1 file.\n"
    outcome, findings = run("typecheck", out, tool="tsc")
    assert len(findings) == 2 and findings[1].path is None
    assert not outcome.findings_complete  # the summary says 3
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.error == 3


def test_pyright_json_and_text_agree() -> None:
    doc = {
        "version": "1.1.390",
        "generalDiagnostics": [
            {
                "file": "/repo/src/pkg/mod.py",
                "severity": "error",
                "message": "Type \"Literal['x']\" is not assignable\n  detail",
                "range": {
                    "start": {"line": 9, "character": 11},
                    "end": {"line": 9, "character": 14},
                },
                "rule": "reportReturnType",
            },
            {
                "file": "/repo/src/pkg/mod.py",
                "severity": "information",
                "message": "note this",
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
            },
        ],
        "summary": {"errorCount": 1, "warningCount": 0, "informationCount": 1},
    }
    j_out, j_findings = run("typecheck", json.dumps(doc), tool="pyright")
    text = (
        "/repo/src/pkg/mod.py\n"
        "  /repo/src/pkg/mod.py:10:12 - error: Type \"Literal['x']\" is not assignable\n"
        "    detail (reportReturnType)\n"
        "  /repo/src/pkg/mod.py:1:1 - information: note this\n"
        "1 error, 0 warnings, 1 information \n"
    )
    t_out, t_findings = run("typecheck", text, tool="pyright")
    assert j_out.tool_versions == {"pyright": "1.1.390"}
    assert (
        summary(j_findings)
        == summary(t_findings)
        == [
            ("pyright", "pyright", "note", "src/pkg/mod.py", 1, 1, None),
            ("pyright", "reportReturnType", "error", "src/pkg/mod.py", 10, 12, None),
        ]
    )
    assert sorted(f.fingerprint for f in j_findings) == sorted(f.fingerprint for f in t_findings)
    assert j_out.counts == t_out.counts


def test_mypy_counts_every_line_and_notes() -> None:
    out = (
        "a.py:1: error: one  [misc]\na.py:2: error: two  [misc]\na.py:2: note: see docs\n"
        'a.py:3: note: Revealed type is "int"\n'
        "b.py: error: no line\nFound 3 errors in 2 files (checked 2 source files)\n"
    )
    outcome, findings = run("typecheck", out, tool="mypy")
    assert outcome.counts is not None and outcome.counts.findings is not None
    # the note at the error's location is its hint (as in mypy's JSON output); the other is not
    assert outcome.counts.findings.to_dict() == {"error": 3, "warning": 0, "note": 1}
    assert [f.message for f in findings if f.line == 2] == ["two\nsee docs"]
    assert [f.line for f in findings if f.path == "b.py"] == [None]


def test_mypy_text_and_json_agree_on_hints_note_codes_and_ends() -> None:
    # mypy 2.4 on one file, show_column_numbers and show_error_end on, both output formats
    text = (
        'src/a.py:1:1:1:1: error: Cannot find implementation or library stub for module named "y"'
        "  [import-not-found]\n"
        "src/a.py:1:1:1:1: note: See https://mypy.readthedocs.io/en/stable/running_mypy.html\n"
        'src/a.py:6:12:6:12: error: Incompatible return value type (got "int", expected "str")'
        "  [return-value]\n"
        'src/a.py:10:17:10:21: note: Revealed type is "list[int]"\n'
        "Found 2 errors in 1 file (checked 2 source files)\n"
    )
    rows = [
        {
            "file": "src/a.py", "line": 1, "column": 0, "end_line": 1, "end_column": 1,
            "message": 'Cannot find implementation or library stub for module named "y"',
            "hint": "See https://mypy.readthedocs.io/en/stable/running_mypy.html",
            "code": "import-not-found", "severity": "error",
        },
        {
            "file": "src/a.py", "line": 6, "column": 11, "end_line": 6, "end_column": 12,
            "message": 'Incompatible return value type (got "int", expected "str")',
            "hint": None, "code": "return-value", "severity": "error",
        },
        {
            "file": "src/a.py", "line": 10, "column": 16, "end_line": 10, "end_column": 21,
            "message": 'Revealed type is "list[int]"', "hint": None, "code": "misc",
            "severity": "note",
        },
    ]  # fmt: skip
    t_out, t_findings = run("typecheck", text, tool="mypy")
    j_out, j_findings = run(
        "typecheck", "\n".join(json.dumps(r) for r in rows) + "\n", tool="mypy", exit_code=1
    )
    assert list(j_out.parsers) == ["mypy-json"] and list(t_out.parsers) == ["mypy-text"]

    def shape(findings: list) -> list:  # type: ignore[type-arg]
        return sorted(
            (
                f.rule,
                f.severity,
                f.line,
                f.column,
                f.end_line,
                f.end_column,
                f.message,
                f.fingerprint,
            )
            for f in findings
        )

    assert shape(j_findings) == shape(t_findings)
    assert [f.rule for f in t_findings if f.severity == "note"] == ["mypy"]
    assert j_out.counts == t_out.counts


# mypy 2.4.1 on one file, default output (no columns) and ``--output json``: hints of the
# import and overload errors, a reveal_type note on an error's line (at another column),
# reveal_locals' three notes, an annotation-unchecked note
MYPY_TEXT_NO_COLUMNS = (
    'src/a.py:2: error: Cannot find implementation or library stub for module named "missingmod"  [import-not-found]\n'
    "src/a.py:2: note: See https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports\n"
    'src/a.py:4: error: Incompatible types in assignment (expression has type "str", variable has type "int")  [assignment]\n'
    "src/a.py:4: note: Revealed type is \"Literal['s']?\"\n"
    'src/a.py:12: error: No overload variant of "f" matches argument type "float"  [call-overload]\n'
    "src/a.py:12: note: Possible overload variants:\n"
    "src/a.py:12: note:     def f(x: int) -> int\n"
    "src/a.py:12: note:     def f(x: str) -> str\n"
    'src/a.py:15: error: Unexpected keyword argument "c" for "g"  [call-arg]\n'
    'src/a.py:15: error: Argument 2 to "g" has incompatible type "int"; expected "str"  [arg-type]\n'
    "src/a.py:18: note: By default the bodies of untyped functions are not checked, consider using --check-untyped-defs  [annotation-unchecked]\n"
    "src/a.py:20: note: Revealed local types are:\n"
    "src/a.py:20: note:     missingmod: Any\n"
    "src/a.py:20: note:     x: list[int]\n"
    'src/a.py:21: note: Revealed type is "list[int]"\n'
    'src/a.py:21: error: Argument 1 to "append" of "list" has incompatible type "str"; expected "int"  [arg-type]\n'
    "Found 6 errors in 1 file (checked 1 source file)\n"
)
MYPY_JSON_SAME_RUN = (
    '{"file": "src/a.py", "line": 2, "column": 0, "end_line": 2, "end_column": 1, "message": "Cannot find implementation or library stub for module named \\"missingmod\\"", "hint": "See https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports", "code": "import-not-found", "severity": "error"}\n'
    '{"file": "src/a.py", "line": 4, "column": 9, "end_line": 4, "end_column": 25, "message": "Incompatible types in assignment (expression has type \\"str\\", variable has type \\"int\\")", "hint": null, "code": "assignment", "severity": "error"}\n'
    '{"file": "src/a.py", "line": 4, "column": 21, "end_line": 4, "end_column": 24, "message": "Revealed type is \\"Literal[\'s\']?\\"", "hint": null, "code": "misc", "severity": "note"}\n'
    '{"file": "src/a.py", "line": 12, "column": 0, "end_line": 12, "end_column": 6, "message": "No overload variant of \\"f\\" matches argument type \\"float\\"", "hint": "Possible overload variants:\\n    def f(x: int) -> int\\n    def f(x: str) -> str", "code": "call-overload", "severity": "error"}\n'
    '{"file": "src/a.py", "line": 15, "column": 0, "end_line": 15, "end_column": 12, "message": "Unexpected keyword argument \\"c\\" for \\"g\\"", "hint": null, "code": "call-arg", "severity": "error"}\n'
    '{"file": "src/a.py", "line": 15, "column": 5, "end_line": 15, "end_column": 6, "message": "Argument 2 to \\"g\\" has incompatible type \\"int\\"; expected \\"str\\"", "hint": null, "code": "arg-type", "severity": "error"}\n'
    '{"file": "src/a.py", "line": 18, "column": 4, "end_line": 18, "end_column": 16, "message": "By default the bodies of untyped functions are not checked, consider using --check-untyped-defs", "hint": null, "code": "annotation-unchecked", "severity": "note"}\n'
    '{"file": "src/a.py", "line": 20, "column": 9, "end_line": 20, "end_column": 10, "message": "Revealed local types are:", "hint": null, "code": "misc", "severity": "note"}\n'
    '{"file": "src/a.py", "line": 20, "column": 9, "end_line": 20, "end_column": 10, "message": "    missingmod: Any", "hint": null, "code": "misc", "severity": "note"}\n'
    '{"file": "src/a.py", "line": 20, "column": 9, "end_line": 20, "end_column": 10, "message": "    x: list[int]", "hint": null, "code": "misc", "severity": "note"}\n'
    '{"file": "src/a.py", "line": 21, "column": 12, "end_line": 21, "end_column": 13, "message": "Revealed type is \\"list[int]\\"", "hint": null, "code": "misc", "severity": "note"}\n'
    '{"file": "src/a.py", "line": 21, "column": 25, "end_line": 21, "end_column": 28, "message": "Argument 1 to \\"append\\" of \\"list\\" has incompatible type \\"str\\"; expected \\"int\\"", "hint": null, "code": "arg-type", "severity": "error"}\n'
)


def test_mypy_text_without_columns_and_json_agree_on_notes() -> None:
    t_out, t_findings = run("typecheck", MYPY_TEXT_NO_COLUMNS, tool="mypy")
    j_out, j_findings = run("typecheck", MYPY_JSON_SAME_RUN, tool="mypy")
    assert list(t_out.parsers) == ["mypy-text"] and list(j_out.parsers) == ["mypy-json"]
    assert t_out.counts is not None and t_out.counts.findings is not None
    assert t_out.counts.findings.to_dict() == {"error": 6, "warning": 0, "note": 6}
    assert j_out.counts is not None and j_out.counts.findings == t_out.counts.findings
    assert sorted(f.fingerprint for f in t_findings) == sorted(f.fingerprint for f in j_findings)
    assert sorted(f.message.split("\n")[0] for f in t_findings if f.line == 4) == [
        'Incompatible types in assignment (expression has type "str", variable has type "int")',
        "Revealed type is \"Literal['s']?\"",
    ]
    overload = next(f for f in t_findings if f.rule == "call-overload")
    assert overload.message.count("\n") == 3  # its three hint lines, as in JSON's "hint"


def test_mypy_note_after_other_lines_is_not_a_hint() -> None:
    # a note is an error's hint only in the run of lines at the error's location
    out = (
        "b.py:1: error: one  [misc]\nb.py:2: error: two  [misc]\nb.py:1: warning: w  [w]\n"
        "b.py:1: note: Note 1\nb.py:2: note: Note 2\nFound 2 errors in 1 file (checked 1 source file)\n"
    )
    outcome, findings = run("typecheck", out, tool="mypy")
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.to_dict() == {"error": 2, "warning": 1, "note": 2}
    assert [f.message for f in findings if f.severity == "error"] == ["one", "two"]


def test_mypy_usage_error_is_not_a_finding() -> None:
    out = (
        "usage: mypy [-h] [-v] [-V] [more options; see below]\n"
        "            [-m MODULE] [-p PACKAGE] [-c PROGRAM_TEXT] [files ...]\n"
        "mypy: error: unrecognized arguments: --no-such-flag\n"
    )
    _outcome, findings = run("typecheck", out, tool="mypy", exit_code=2)
    assert findings == []


def test_mypy_success_is_a_clean_measurement() -> None:
    outcome, findings = run(
        "typecheck", "Success: no issues found in 3 source files\n", tool="mypy", exit_code=0
    )
    assert outcome.measurement == "text" and findings == []
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.total == 0


# --- linters -------------------------------------------------------------------------------


def test_eslint_stylish_and_json_agree() -> None:
    stylish = (
        "/repo/src/a.js\n"
        "  1:7   error    'unused' is assigned a value but never used  no-unused-vars\n"
        "  2:1   warning  Unexpected console statement                 no-console\n"
        "  3:1   warning  Unexpected console statement                 no-console\n"
        "  4:1   warning  Unexpected console statement                 no-console\n"
        "\n✖ 4 problems (1 error, 3 warnings)\n"
    )
    doc = [
        {
            "filePath": "/repo/src/a.js",
            "errorCount": 1,
            "warningCount": 3,
            "messages": [
                {
                    "ruleId": "no-unused-vars",
                    "severity": 2,
                    "message": "'unused' is assigned a value but never used.",
                    "line": 1,
                    "column": 7,
                },
                *[
                    {
                        "ruleId": "no-console",
                        "severity": 1,
                        "message": "Unexpected console statement.",
                        "line": n,
                        "column": 1,
                    }
                    for n in (2, 3, 4)
                ],
            ],
        }
    ]
    t_out, t_findings = run("lint", stylish, tool="eslint")
    j_out, j_findings = run("lint", json.dumps(doc), tool="eslint")
    assert t_out.counts == j_out.counts
    assert t_out.counts is not None and t_out.counts.findings is not None
    assert t_out.counts.findings.to_dict() == {"error": 1, "warning": 3, "note": 0}
    assert sorted(f.fingerprint for f in t_findings) == sorted(f.fingerprint for f in j_findings)


def test_eslint_json_parse_error_rule() -> None:
    doc = [
        {
            "filePath": "/repo/x.js",
            "errorCount": 1,
            "warningCount": 0,
            "messages": [
                {"ruleId": None, "fatal": True, "severity": 2, "message": "Parsing error: x"}
            ],
        }
    ]
    _, findings = run("lint", json.dumps(doc), tool="eslint")
    assert [(f.rule, f.line) for f in findings] == [("parse-error", None)]


def test_generic_keeps_tracked_paths_only() -> None:
    out = 'src/a.py:3:1: something odd\nTraceback:\n  File "x.py", line 3\nnot/tracked.py:1: nope\nsrc/a.py:9: warning: soft\n'
    outcome, findings = run("other", out, tracked=["src/a.py"])
    assert outcome.parsers == ["pathline-text"]
    assert [(f.line, f.severity) for f in findings] == [(3, "error"), (9, "warning")]


def test_ruff_text_crlf_and_ansi() -> None:
    out = "\x1b[1msrc/x.py\x1b[0m:1:8: \x1b[31mF401\x1b[0m [*] `os` imported but unused\r\nFound 1 error.\r\n"
    outcome, findings = run("lint", out, tool="ruff")
    assert [(f.path, f.rule, f.message) for f in findings] == [
        ("src/x.py", "F401", "`os` imported but unused")
    ]
    assert outcome.findings_complete


@pytest.mark.parametrize("absolute", [True, False])
def test_paths_relative_or_absolute_give_the_same_finding(absolute: bool) -> None:
    path = "/repo/src/x.py" if absolute else "src/x.py"
    _, findings = run("lint", f"{path}:1:8: F401 [*] `os` imported but unused\n", tool="ruff")
    assert findings[0].path == "src/x.py"


def test_paths_outside_the_repository_become_null() -> None:
    _, findings = run("typecheck", "/usr/lib/python3/x.py:1: error: boom  [misc]\n", tool="mypy")
    assert findings[0].path is None


def test_ruff_format_check_text_and_json_agree(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = str(tmp_path)
    concise = "README.md:77:36: unformatted: File would be reformatted\n3 files would be reformatted, 242 files already formatted\n"
    full = "unformatted: File would be reformatted\n  --> README.md:77:36\n   |\n76 |\n"
    doc = [
        {
            "code": "unformatted",
            "filename": f"{root}/README.md",
            "message": "File would be reformatted",
            "location": {"row": 77, "column": 36},
            "end_location": {"row": 86, "column": 14},
        }
    ]
    _, from_concise = run("lint", concise, root=root, tool="ruff")
    _, from_full = run("lint", full, root=root, tool="ruff")
    _, from_json = run("lint", json.dumps(doc), root=root, tool="ruff")
    assert (
        summary(from_concise)
        == summary(from_full)
        == summary(from_json)
        == [("ruff", "unformatted", "error", "README.md", 77, 36, None)]
    )
    assert from_concise[0].fingerprint == from_json[0].fingerprint


# --- summaries that look alike --------------------------------------------------------------


def test_mypy_summary_is_not_also_counted_as_tsc_or_ruff() -> None:
    # an unidentified typecheck command (``make typecheck``) runs every typecheck text parser
    # by signature: mypy's summary once counted 3 for mypy-text and 3 more for tsc-text
    out = "src/m.py:1: error: one  [misc]\nFound 3 errors in 1 file (checked 1 source file)\n"
    outcome, findings = run("typecheck", out)
    assert list(outcome.parsers) == ["mypy-text"] and len(findings) == 1
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.error == 3 and not outcome.findings_complete
    # a lint command running ruff and then mypy: ruff's summary only
    out = (
        "src/a.py:1:8: F401 [*] `os` imported but unused\nFound 1 error.\n"
        "Found 5 errors in 2 files (checked 4 source files)\n"
    )
    outcome, findings = run("lint", out)
    assert list(outcome.parsers) == ["ruff-text"] and len(findings) == 1
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.error == 1 and outcome.findings_complete


@pytest.mark.parametrize(
    ("line", "errors"),
    [
        ("Found 1 error.", 1),
        ("Found 2 errors. Watching for file changes.", 2),
        ("Found 1 error in src/a.ts:1", 1),
        ("Found 3 errors in the same file, starting at: src/a.ts:1", 3),
        ("Found 4 errors in 2 files.", 4),
        ("Found 3 errors in 1 file (checked 1 source file)", None),
    ],
)
def test_tsc_summary_lines(line: str, errors: int | None) -> None:
    outcome, _ = run("typecheck", line + "\n", tool="tsc")
    counts = outcome.counts.findings if outcome.counts is not None else None
    assert (counts.error if counts is not None else None) == errors


def test_ruff_summary_after_fixes_counts_the_remaining() -> None:
    out = "src/a.py:12:1: E501 Line too long (120 > 100)\nFound 3 errors (2 fixed, 1 remaining).\n"
    outcome, findings = run("lint", out, tool="ruff")
    assert len(findings) == 1 and outcome.findings_complete
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.error == 1


# vitest 3.2 default reporter, NO_COLOR, one file with failures and one that failed to load
_VITEST_DEFAULT = """
 RUN  v3.2.7 /repo

 ❯ src/v.test.mjs (5 tests | 2 failed | 2 skipped) 12ms
   ✓ suite > good 1ms
   × suite > bad 7ms
     → expected 1 to be 2 // Object.is equality
   ↓ suite > skipped
   × suite > inner > bad2 3ms
 ✓ src/w.test.mjs (1 test) 2ms

⎯⎯⎯⎯⎯⎯ Failed Suites 1 ⎯⎯⎯⎯⎯⎯⎯

 FAIL  src/broken.test.mjs [ src/broken.test.mjs ]
Error: Cannot find module './nope.mjs' imported from '/repo/src/broken.test.mjs'

⎯⎯⎯⎯⎯⎯⎯ Failed Tests 2 ⎯⎯⎯⎯⎯⎯⎯

 FAIL  src/v.test.mjs > suite > bad
AssertionError: expected 1 to be 2 // Object.is equality
 FAIL  src/v.test.mjs > suite > inner > bad2
AssertionError: expected 2 to be 3 // Object.is equality

 Test Files  2 failed | 1 passed (3)
      Tests  2 failed | 2 passed | 2 skipped (6)
"""


def test_vitest_tree_lines_are_not_test_ids_and_load_failures_are_suite_errors() -> None:
    # the per-file tree ("   × suite > bad 7ms") once gave a second, bogus id "suite::bad 7ms"
    outcome, findings = run("test", _VITEST_DEFAULT, tool="vitest")
    assert sorted((f.test_id, f.rule) for f in findings) == [
        ("src/broken.test.mjs::(suite)", "test-error"),
        ("src/v.test.mjs::suite > bad", "test-failure"),
        ("src/v.test.mjs::suite > inner > bad2", "test-failure"),
    ]
    assert counted(outcome) == {"passed": 2, "failed": 2, "errors": 0, "skipped": 2, "total": 6}
