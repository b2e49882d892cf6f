"""Every report format from one canonical result: goldens, format validation, platform limits."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from sessionkit.gates.model import CheckResult, Counts, FindingCounts, GateResult
from sessionkit.gates.reports import (
    WRITERS,
    load_result,
    parse_spec,
    requested_json_report,
    write_report,
    write_reports,
)
from sessionkit.gates.reports.base import ReportOptions
from sessionkit.gates.reports.github import escape_data, escape_property, select_annotations
from sessionkit.gates.reports.model import ReportModel
from sessionkit.schemas import validator
from tests.conftest import require_client
from tests.gates.reports.canonical import canonical, cmd, finding

GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
# Shared test schemas (gates.md §14): GitLab Code Quality, and the vendored official SARIF schema.
TEST_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
# The official SARIF 2.1.0 JSON schema, vendored; provenance in tests/schemas/sarif-schema-2.1.0.README.md.
OFFICIAL_SARIF = TEST_SCHEMAS / "sarif-schema-2.1.0.json"
UPDATE = os.environ.get("SESSIONKIT_UPDATE_GOLDEN") == "1"
EXTENSIONS = {
    "json": "json",
    "junit": "xml",
    "codequality": "json",
    "sarif": "sarif",
    "github": "txt",
    "github-output": "txt",
    "markdown": "md",
    "text": "txt",
}


def render(name: str, result: GateResult | None = None, **options: object) -> str:
    model = ReportModel.from_gate(result or canonical())
    return WRITERS[name].render(model, ReportOptions(**options))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(EXTENSIONS))
def test_golden(name: str) -> None:
    text = render(name)
    text = re.sub(r"stop-commands::[0-9a-f]{32}", "stop-commands::TOKEN", text)
    text = re.sub(r"^::[0-9a-f]{32}::$", "::TOKEN::", text, flags=re.M)
    path = GOLDEN / f"{name}.{EXTENSIONS[name]}"
    if UPDATE or not path.exists():
        path.write_text(text)
    assert text == path.read_text()


def test_json_is_schema_valid_and_round_trips(tmp_path: Path) -> None:
    doc = canonical().to_dict()
    assert [e.message for e in validator("gate-result").iter_errors(doc)] == []
    (tmp_path / "r.json").write_text(render("json"))
    assert load_result(str(tmp_path / "r.json")).to_dict() == doc


def test_junit_structure() -> None:
    root = ET.fromstring(render("junit"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "sessionkit.lint",
        "sessionkit.typecheck",
        "sessionkit.test",
        "sessionkit.e2e",
        "sessionkit.docs",
    ]
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": sum(c.find("error") is not None for c in cases),
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
        for key, value in counts.items():
            assert suite.get(key) == str(value)
            totals[key] += value
        for case in cases:
            assert case.get("name") and case.get("classname") is not None and case.get("time")
            assert sum(case.find(t) is not None for t in ("failure", "error", "skipped")) <= 1
    assert {k: root.get(k) for k in totals} == {k: str(v) for k, v in totals.items()}
    assert totals == {"tests": 6, "failures": 4, "errors": 1, "skipped": 1}
    test_case = suites[2].findall("testcase")[1]
    assert (test_case.get("classname"), test_case.get("name"), test_case.get("file")) == (
        "tests.test_mod",
        "test_fail",
        "tests/test_mod.py",
    )
    assert "NEW" in (test_case.find("failure").text or "")  # type: ignore[union-attr]
    lint_failure = suites[0].find("testcase/failure")
    assert lint_failure is not None and "non-blocking" in (lint_failure.get("message") or "")
    text = render("junit")
    assert "\x01" not in text and "\x0b" not in text


def test_codequality_schema_unique_fingerprints_and_exclusions() -> None:
    issues = json.loads(render("codequality"))
    schema = json.loads((TEST_SCHEMAS / "gitlab-codequality.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(issues)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(fingerprints) == len(set(fingerprints))
    assert all(i["location"]["path"] for i in issues)  # path-less finding left out, tests left out
    assert sorted(i["check_name"] for i in issues) == [
        "mypy/arg-type",
        "mypy/misc",
        "mypy/return-value",
        "ruff/E501",
        "ruff/F401",
        "ruff/F401",
    ]
    assert {i["severity"] for i in issues} == {"major", "minor"}


def test_codequality_collision_between_checks_is_rehashed() -> None:
    result = canonical()
    clash = finding(
        "typecheck", 10, tool="ruff", rule="F401", path="src/pkg/mod.py", line=1, column=8
    )
    checks = list(result.checks)
    checks[1] = replace(checks[1], findings=(*checks[1].findings, clash))
    issues = json.loads(render("codequality", replace(result, checks=tuple(checks))))
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(fingerprints) == len(set(fingerprints)) == 7


def validate_sarif(doc: object) -> None:
    """The official SARIF 2.1.0 schema, then GitHub's ingestion rules (the subset schema).

    The official schema is checked with the validator its ``$schema`` names and with draft-07,
    the draft the OASIS publication of the same schema declares; formats are checked too.
    """
    official = json.loads(OFFICIAL_SARIF.read_text(encoding="utf-8"))
    declared = jsonschema.validators.validator_for(official)
    for cls in {declared, jsonschema.Draft7Validator}:
        cls.check_schema(official)
        errors = [
            f"{list(e.absolute_path)}: {e.message}"
            for e in cls(official, format_checker=cls.FORMAT_CHECKER).iter_errors(doc)
        ]
        assert errors == [], cls.__name__
    github = json.loads((SCHEMAS / "sarif-2.1.0-subset.schema.json").read_text())
    jsonschema.Draft202012Validator(github, format_checker=jsonschema.FormatChecker()).validate(doc)


def test_official_sarif_schema_is_the_vendored_file_and_rejects_bad_logs() -> None:
    import hashlib

    digest = hashlib.sha256(OFFICIAL_SARIF.read_bytes()).hexdigest()
    readme = OFFICIAL_SARIF.with_name("sarif-schema-2.1.0.README.md").read_text(encoding="utf-8")
    assert digest in readme  # the provenance note names exactly this file
    official = json.loads(OFFICIAL_SARIF.read_text(encoding="utf-8"))
    assert official["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    doc = json.loads(render("sarif"))
    validator_cls = jsonschema.validators.validator_for(official)
    bad_level = json.loads(json.dumps(doc))
    bad_level["runs"][0]["results"][0]["level"] = "fatal"
    no_version = {k: v for k, v in doc.items() if k != "version"}
    bad_line = json.loads(json.dumps(doc))
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    for broken in (bad_level, no_version, bad_line):
        assert not validator_cls(official).is_valid(broken)


def test_sarif_against_schema_and_github_rules() -> None:
    doc = json.loads(render("sarif"))
    validate_sarif(doc)
    (run,) = doc["runs"]
    assert run["automationDetails"]["id"] == "sessionkit-gate/"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    assert "ruff.F401" in {r["id"] for r in rules} and all("/" not in r["id"] for r in rules)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert re.fullmatch(
            r"[0-9a-f]{32}", result["partialFingerprints"]["sessionkitFingerprint/v1"]
        )
    assert not any(r["ruleId"].startswith("pytest.") for r in run["results"])
    states = {r["baselineState"] for r in run["results"] if "baselineState" in r}
    assert states == {"new", "unchanged"}
    assert run["invocations"][0]["executionSuccessful"] is False  # e2e timed out


def test_sarif_passes_the_sarif_multitool_with_github_rules(tmp_path: Path) -> None:
    """The Microsoft SARIF multitool's validator with SARIF and GitHub ingestion rules
    (gates.md §13): no result at level error or warning (notes are allowed)."""
    multitool = require_client("@microsoft/sarif-multitool")
    log = tmp_path / "gate.sarif"
    log.write_text(render("sarif"), encoding="utf-8")
    out = tmp_path / "validation.sarif"
    proc = subprocess.run(
        [multitool, "validate", "--rule-kind", "Gh;Sarif", "--output", str(out), str(log)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validation = json.loads(out.read_text(encoding="utf-8-sig"))
    problems = [
        f"{r.get('ruleId')}: {r['message'].get('text')}"
        for run in validation["runs"]
        for r in run.get("results", [])
        if r.get("level", "warning") in ("error", "warning")
    ]
    assert problems == []
    # the canonical result's odd path is percent-encoded, not rejected
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(log.read_text())["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert "src/pkg/odd%7Cname.py" in uris


def test_github_escaping() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def _result_with(errors: int, warnings: int, notes: int) -> GateResult:
    findings = tuple(
        finding(
            "lint",
            n,
            tool="ruff",
            rule="X1",
            path=f"f{n:03d}.py",
            line=1,
            column=1,
            baseline=None,
            severity=sev,
        )
        for n, sev in enumerate(["error"] * errors + ["warning"] * warnings + ["note"] * notes)
    )
    check = CheckResult(
        name="lint",
        kind="lint",
        required=True,
        blocking=True,
        command=cmd("ruff check"),
        status="fail",
        status_reason="exit-code",
        exit_code=1,
        duration_s=1.0,
        parsers=("ruff-json",),
        measurement="structured",
        counts=Counts(findings=FindingCounts(errors, warnings, notes)),
        findings=findings,
        findings_total=len(findings),
    )
    broken = CheckResult(
        name="test",
        kind="test",
        required=True,
        blocking=True,
        command=cmd("pytest"),
        status="error",
        status_reason="not-found",
    )
    return replace(canonical(), checks=(broken, check), warnings=())


@pytest.mark.parametrize(
    ("budget", "expected"),
    [(10, {"error": 10, "warning": 3, "notice": 10}), (5, {"error": 5, "warning": 3, "notice": 5})],
)
def test_github_annotation_caps(budget: int, expected: dict[str, int]) -> None:
    model = ReportModel.from_gate(_result_with(25, 3, 12))
    chosen = select_annotations(model, ReportOptions(github_annotations=budget))
    counts = {
        level: sum(a.level == level for a in chosen) for level in ("error", "warning", "notice")
    }
    assert counts == expected
    errors = [a for a in chosen if a.level == "error"]
    assert (
        errors[0].path is None and "test: error (not-found)" in errors[0].message
    )  # check-level first
    assert errors[-1].path is None and errors[-1].message.startswith(
        f"sessionkit: {26 - (budget - 1)} more errors"
    )
    notices = [a for a in chosen if a.level == "notice"]
    assert notices[-1].message.startswith(f"sessionkit: {12 - (budget - 1)} more notices")


def test_github_stop_commands_wrap_untrusted_tails() -> None:
    text = render("github")
    lines = text.splitlines()
    start = lines.index("::group::lint (fail)")
    token = lines[start + 1].split("::stop-commands::", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    inner = lines[start + 2 : lines.index(f"::{token}::")]
    assert "::error::injected" in inner and "##[error]legacy" in inner


def test_github_outputs() -> None:
    lines = dict(line.split("=", 1) for line in render("github-output").splitlines())
    assert lines["verdict"] == "fail" and lines["exit-code"] == "1"
    assert lines["blocking-checks"] == "typecheck,test,e2e"
    assert lines["failed-checks"] == "lint,typecheck,test,e2e"
    assert lines["tests-failed"] == "1" and lines["json-report"].endswith("/result.json")


def test_github_output_names_the_requested_json_report(tmp_path: Path) -> None:
    # §9.8: json-report is the run's result.json, or the json report path when one was requested
    out = tmp_path / "out.txt"
    specs = ["github-output:" + str(out), "json:" + str(tmp_path / "r" / "gate.json")]
    assert requested_json_report(specs) == str(tmp_path / "r" / "gate.json")
    assert requested_json_report(["json", "json:-", "sarif:x.sarif"]) is None
    write_reports(canonical(), specs)
    lines = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert lines["json-report"] == str(tmp_path / "r" / "gate.json")
    assert json.loads((tmp_path / "r" / "gate.json").read_text())["run_id"]
    write_report(canonical(), "github-output", str(out), json_report="reports/gate.json")
    assert out.read_text().splitlines()[-1] == "json-report=reports/gate.json"


def test_markdown_caps_rows_and_size() -> None:
    many = _result_with(400, 0, 0)
    text = render("markdown", many)
    assert text.count("\n| ") - 6 <= 200 + 2  # header rows + table rows + at most 200 finding rows
    assert "… and 200 more in gate.json" in text
    huge = replace(
        many,
        checks=tuple(
            replace(c, findings=tuple(replace(f, message="x" * 5000) for f in c.findings))
            for c in many.checks
        ),
    )
    assert len(render("markdown", huge).encode()) <= 512 * 1024 + 1024


def test_write_report_paths_and_github_summary_appends(tmp_path: Path) -> None:
    assert parse_spec("sarif=reports/gate.sarif") == ("sarif", "reports/gate.sarif")
    assert parse_spec("gitlab:cq.json") == ("codequality", "cq.json")
    assert parse_spec("json") == ("json", None)
    target = tmp_path / "deep" / "junit.xml"
    write_report(canonical(), "junit", str(target))
    assert ET.fromstring(target.read_text()).tag == "testsuites"
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    write_report(canonical(), "github", str(tmp_path / "commands.txt"), environ=env)
    assert summary.read_text().startswith("previous step\n### sessionkit gate · full-gate")


def test_check_results_share_the_writers() -> None:
    from sessionkit.gates.reports import from_check_document

    gate_doc = canonical().to_dict()
    document = {
        "schema_version": 1,
        "command": "check",
        "sessionkit": "0.1.0",
        "verdict": "fail",
        "exit_code": 1,
        "checks": [
            {
                "id": "config",
                "status": "fail",
                "summary": "Session Config has 1 error",
                "reason": None,
                "counts": {"error": 1, "warning": 0, "note": 0},
            },
            {
                "id": "gates",
                "status": "fail",
                "summary": "gate full-gate: fail",
                "reason": None,
                "counts": {"error": 5, "warning": 1, "note": 0},
                "result": gate_doc,
            },
        ],
        "findings": [
            {
                "check": "config",
                "rule_id": "config.range",
                "level": "error",
                "path": "CLAUDE.md",
                "line": 44,
                "message": "waves must be 1..10, got 0",
                "fingerprint": "c" * 32,
            },
            {
                "check": "gates",
                "rule_id": "typecheck.mypy.arg-type",
                "level": "error",
                "path": "src/pkg/api.py",
                "line": 12,
                "message": "dup of the embedded finding",
                "fingerprint": "1".zfill(32),
            },
        ],
    }
    model = from_check_document(document)
    assert [s.name for s in model.sections] == [
        "config",
        "lint",
        "typecheck",
        "test",
        "e2e",
        "docs",
    ]
    sarif = json.loads(WRITERS["sarif"].render(model, ReportOptions()))
    validate_sarif(sarif)
    assert sarif["runs"][0]["automationDetails"]["id"] == "sessionkit-check/"
    assert "sessionkit.config.range" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    issues = json.loads(WRITERS["codequality"].render(model, ReportOptions()))
    assert len({i["fingerprint"] for i in issues}) == len(issues) == 7
    titles = [a.title for a in select_annotations(model, ReportOptions())]
    assert "sessionkit config: sessionkit.config.range" in titles


@pytest.mark.parametrize("name", ["text", "markdown"])
def test_path_less_findings_come_last_within_their_tier(name: str) -> None:
    # §6.6: null paths sort last; the canonical result has one pre-existing, path-less,
    # blocking typecheck finding next to a located one of the same tier
    lines = render(name).splitlines()
    no_file = next(i for i, line in enumerate(lines) if "global problem" in line)
    located = next(i for i, line in enumerate(lines) if "Missing return statement" in line)
    assert located < no_file


def test_github_annotations_prefer_the_changed_file_scope() -> None:
    # §9.6 selection order: after blocking findings come those in the changed-file scope
    base = _result_with(12, 0, 0)
    lint = base.checks[1]
    findings = tuple(
        replace(f, in_scope=(n >= 8), baseline="pre-existing") for n, f in enumerate(lint.findings)
    )
    relaxed = replace(lint, blocking=False, required=False, findings=findings)
    model = ReportModel.from_gate(replace(base, checks=(relaxed,)))
    chosen = select_annotations(model, ReportOptions(github_annotations=5))
    warnings = [a.path for a in chosen if a.level == "warning" and a.path]
    # 4 annotations (N - 1) then the overflow line: the four in-scope files win over f000…f007
    assert warnings == ["f008.py", "f009.py", "f010.py", "f011.py"]


def test_a_passing_check_that_blocks_under_fail_on_warning_is_reported_as_failing() -> None:
    # --fail-on warning blocks a check that exited 0 with warnings: the gate fails, so JUnit
    # must not show it green and the terminal must not blame its exit code
    base = _result_with(0, 1, 0)
    lint = replace(base.checks[1], status="pass", status_reason="exit-code", exit_code=0)
    result = replace(base, checks=(lint,), fail_on="warning", status="fail", exit_code=1)
    root = ET.fromstring(render("junit", result))
    failure = root.find("testsuite/testcase[@name='lint']/failure")
    assert failure is not None and failure.get("type") == "warnings: 1"
    assert root.get("failures") == "1"
    assert "FAILED — blocking: lint (warnings: 1)" in render("text", result)


def test_report_path_symlink_keeps_the_link_and_replaces_its_target(tmp_path: Path) -> None:
    # D14: os.replace onto the link itself would turn it into a regular file (§9.1)
    (tmp_path / "real.xml").write_text("old\n")
    (tmp_path / "real.xml").chmod(0o644)
    (tmp_path / "link.xml").symlink_to("real.xml")
    write_report(canonical(), "junit", str(tmp_path / "link.xml"))
    assert (tmp_path / "link.xml").is_symlink()
    assert ET.fromstring((tmp_path / "real.xml").read_text()).tag == "testsuites"
    assert (tmp_path / "real.xml").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.xml", "real.xml"]


def test_report_path_fifo_is_written_through(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_report(canonical(), "json", str(fifo))
    reader.join(10)
    assert json.loads(received[0])["status"] == canonical().status
    assert fifo.is_fifo()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_report_path_through_proc_fd_is_written_through(tmp_path: Path) -> None:
    # like /dev/stdout -> /proc/self/fd/1, but on a private pipe: never replaced by a file
    read_end, write_end = os.pipe()
    link = tmp_path / "stdout"
    link.symlink_to(f"/proc/self/fd/{write_end}")
    try:
        write_report(canonical(), "text", str(link))
        os.close(write_end)
        with os.fdopen(read_end, "rb") as f:
            assert f.read().startswith(b"sessionkit gate")
    finally:
        with contextlib.suppress(OSError):
            os.close(write_end)
    assert link.is_symlink()


def test_report_path_that_cannot_be_written_is_an_environment_error(tmp_path: Path) -> None:
    from sessionkit.gates.errors import GateEnvironmentError

    with pytest.raises(GateEnvironmentError, match="cannot write report"):
        write_report(canonical(), "junit", str(tmp_path))
    assert tmp_path.is_dir()


def _error_result() -> GateResult:
    from sessionkit.gates.model import Message

    error = Message(
        code="schema",
        message="version must be 1 or 2 (got 3)",
        file=".orchestrator/policy/quality-gates.json",
        line=1,
    )
    return replace(canonical(), checks=(), status="error", exit_code=1, errors=(error,))


def test_error_status_reports_contain_the_errors() -> None:
    # D8, §9.1: "with status: error they contain the errors" — never an empty green report
    result = _error_result()
    root = ET.fromstring(render("junit", result))
    error = root.find("testsuite/testcase/error")
    assert root.get("errors") == "1" and error is not None
    assert error.get("type") == "schema" and "got 3" in (error.get("message") or "")
    sarif = json.loads(render("sarif", result))
    validate_sarif(sarif)
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "got 3" in note["message"]["text"]
    github = render("github", result)
    assert github.startswith(
        "::error file=.orchestrator/policy/quality-gates.json,line=1,title=sessionkit gate%3A schema::"
    )
    assert "- error: .orchestrator/policy/quality-gates.json:1: version" in render(
        "markdown", result
    )


def test_more_counts_include_findings_the_result_did_not_keep() -> None:
    # D4: max_findings keeps 150 of 1000 (§6.6); every "N more" counts from findings_total
    base = _result_with(150, 0, 0)
    lint = replace(base.checks[1], findings_total=1000, findings_truncated=True)
    result = replace(base, checks=(lint,), status="fail", exit_code=1)
    junit = ET.fromstring(render("junit", result)).find("testsuite/testcase/failure")
    assert junit is not None and (junit.text or "").endswith("... and 900 more")  # 1000 - 100
    markdown = render("markdown", result)
    assert "lint — 1000 findings" in markdown and "… and 850 more in gate.json" in markdown
    assert "sessionkit: 991 more errors" in render("github", result)  # 1000 - (10 - 1)
    assert "  … and 980 more" in render("text", result)  # 1000 - 20
    # nothing omitted: the counts stay those of the kept list
    assert "… and 130 more" in render("text", replace(result, checks=(base.checks[1],)))


def test_codequality_counts_path_less_findings_in_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # D11, §9.4: findings without a path are left out "and counted in a warning"
    base = _result_with(2, 0, 0)
    lint = base.checks[1]
    findings = (lint.findings[0], replace(lint.findings[1], path=None))
    result = replace(base, checks=(replace(lint, findings=findings, findings_total=2),))
    write_report(result, "codequality", str(tmp_path / "cq.json"))
    assert len(json.loads((tmp_path / "cq.json").read_text())) == 1
    assert "warning: 1 finding without a file left out of the Code Quality report" in (
        capsys.readouterr().err
    )
    write_report(base, "codequality", str(tmp_path / "cq.json"))
    assert capsys.readouterr().err == ""


def test_fail_on_fail_keeps_pre_existing_findings_of_a_blocking_check_blocking() -> None:
    # D16, §4.5/§9.6: only --fail-on new with a comparable baseline excuses pre-existing findings
    def pre_existing(result: GateResult) -> set[bool]:
        model = ReportModel.from_gate(result)
        return {f.blocking for f in model.findings if f.baseline == "pre-existing"}

    assert pre_existing(canonical()) == {False}
    strict = replace(canonical(), fail_on="fail")
    assert pre_existing(strict) == {True}
    sarif = json.loads(render("sarif", strict))["runs"][0]["results"]
    assert all(
        r["properties"]["blocking"] for r in sarif if r["properties"]["check"] == "typecheck"
    )
    errors = [line for line in render("github", strict).splitlines() if "typecheck" in line]
    assert errors and all(line.startswith("::error ") for line in errors if "file=" in line)


def test_a_live_result_and_its_stored_form_render_the_same_command() -> None:
    # an auto-detected executable is recorded by name (§8.2); the reports of the live result
    # and of `gate report --from` its stored form agree (§1: rendered from that one object)
    live = canonical()
    first = live.checks[0]
    absolute = replace(
        first.command,
        argv=("/opt/tools/bin/ruff", *first.command.argv[1:]),
        text="/opt/tools/bin/ruff " + " ".join(first.command.argv[1:]),
    )
    live = replace(live, checks=(replace(first, command=absolute), *live.checks[1:]))
    stored = GateResult.from_dict(json.loads(json.dumps(live.to_dict())))
    renders = [
        WRITERS["junit"].render(ReportModel.from_gate(result), ReportOptions())
        for result in (live, stored)
    ]
    assert renders[0] == renders[1]
    assert "/opt/tools" not in renders[0]
