"""One canonical GateResult exercising every report feature (spec §13.5)."""

from __future__ import annotations

from sessionkit.gates.model import (
    CheckRegression,
    CheckResult,
    Counts,
    Finding,
    FindingCounts,
    GateResult,
    LogPaths,
    Message,
    ResolvedCommand,
    Stub,
    TestCounts,
)

HEAD = "9f2c1a0b" * 5
BASE = "1234abcd" * 5


def cmd(text: str, source: str = "policy") -> ResolvedCommand:
    return ResolvedCommand(
        source=source,
        source_ref=f".orchestrator/policy/quality-gates.json#/commands/{text.split()[0]}",  # type: ignore[arg-type]
        text=text,
        argv=tuple(text.split()),
        mode="argv",
        cwd=".",
        timeout_s=900,
    )


def fp(n: int) -> str:
    return f"{n:032x}"


def finding(
    check: str,
    n: int,
    *,
    tool: str = "mypy",
    rule: str = "arg-type",
    path: str | None = "src/pkg/api.py",
    line: int | None = 12,
    column: int | None = 5,
    message: str = "Argument 1 has incompatible type",
    severity: str = "error",
    baseline: str | None = "pre-existing",
    test_id: str | None = None,
) -> Finding:
    return Finding(
        tool=tool,
        rule=rule,
        severity=severity,
        path=path,
        line=line,
        column=column,  # type: ignore[arg-type]
        message=message,
        fingerprint=fp(n),
        check=check,
        end_line=line,
        end_column=(column or 0) + 4 if column else None,
        test_id=test_id,
        url="https://docs.astral.sh/ruff/rules/x" if tool == "ruff" else None,
        baseline=baseline,
        in_scope=None,
    )  # type: ignore[arg-type]


def canonical() -> GateResult:
    typecheck_findings = (
        finding(
            "typecheck",
            1,
            baseline="new",
            message='Argument 1 to "f" has incompatible type "str"; expected "int"',
        ),
        finding(
            "typecheck",
            2,
            line=40,
            column=1,
            rule="return-value",
            message="Missing return statement",
        ),
        finding(
            "typecheck",
            3,
            path=None,
            line=None,
            column=None,
            rule="misc",
            message="global problem: 100% bad, a:b",
        ),
        finding(
            "typecheck",
            4,
            path="src/pkg/odd|name.py",
            line=3,
            column=1,
            rule="misc",
            baseline="new",
            message="50% of `x` | y, z:\nsecond line <b>\x01\x0bctl",
        ),
    )
    lint_findings = (
        finding(
            "lint",
            10,
            tool="ruff",
            rule="F401",
            path="src/pkg/mod.py",
            line=1,
            column=8,
            message="`os` imported but unused",
            baseline=None,
            severity="error",
        ),
        finding(
            "lint",
            11,
            tool="ruff",
            rule="F401",
            path="src/pkg/mod.py",
            line=1,
            column=8,
            message="`os` imported but unused",
            baseline=None,
            severity="error",
        ),
        finding(
            "lint",
            12,
            tool="ruff",
            rule="E501",
            path="src/pkg/mod.py",
            line=7,
            column=101,
            message="Line too long (120 > 100)",
            baseline=None,
            severity="warning",
        ),
    )
    test_findings = (
        finding(
            "test",
            20,
            tool="pytest",
            rule="test-failure",
            path="tests/test_mod.py",
            line=10,
            column=None,
            message="assert 3 == 4",
            baseline="new",
            test_id="tests.test_mod::test_fail",
        ),
    )
    checks = (
        CheckResult(
            name="lint",
            kind="lint",
            required=False,
            blocking=False,
            command=cmd("ruff check --output-format=json ."),
            status="fail",
            status_reason="exit-code",
            exit_code=1,
            duration_s=1.2,
            parsers=("ruff-json",),
            measurement="structured",
            counts=Counts(findings=FindingCounts(2, 1, 0)),
            findings=lint_findings,
            findings_total=3,
            tool_versions={"ruff": "0.9.1"},
            tail="src/pkg/mod.py:1:8: F401\n::error::injected\n##[error]legacy",
            logs=LogPaths("x/lint.stdout.log", "x/lint.stderr.log"),
        ),
        CheckResult(
            name="typecheck",
            kind="typecheck",
            required=True,
            blocking=True,
            command=cmd("mypy src"),
            status="fail",
            status_reason="exit-code",
            exit_code=1,
            duration_s=4.812,
            parsers=("mypy-text",),
            measurement="text",
            counts=Counts(findings=FindingCounts(4, 0, 0)),
            findings=typecheck_findings,
            findings_total=4,
            tool_versions={"mypy": "1.14.1"},
            tail="Found 4 errors in 2 files",
            regression=CheckRegression(
                comparable=True,
                new=(fp(1), fp(4)),
                fixed=(fp(99),),
                pre_existing=2,
                blocking_reason="new-findings: 2",
            ),
        ),
        CheckResult(
            name="test",
            kind="test",
            required=True,
            blocking=True,
            command=cmd("pytest"),
            status="fail",
            status_reason="exit-code",
            exit_code=1,
            duration_s=32.1,
            parsers=("junit",),
            measurement="structured",
            counts=Counts(tests=TestCounts(412, 1, 0, 3)),
            findings=test_findings,
            findings_total=1,
            tool_versions={"pytest": "8.3.4"},
            regression=CheckRegression(
                comparable=True,
                new_failing=("tests.test_mod::test_fail",),
                pre_existing=0,
                blocking_reason="new-failing-tests: 1",
                fixed_tests=("tests.test_x::test_y",),
                fixed_verified=True,
            ),
        ),
        CheckResult(
            name="e2e",
            kind="test",
            required=True,
            blocking=True,
            command=cmd("make e2e"),
            status="timeout",
            status_reason="timeout",
            exit_code=None,
            duration_s=900.0,
            timed_out_after_s=900,
            tail="still waiting",
            findings_complete=False,
        ),
        CheckResult(
            name="docs",
            kind="other",
            required=True,
            blocking=False,
            command=cmd('echo "no docs yet"'),
            status="skip",
            status_reason="stub",
            stub=Stub("echo", 'echo "no docs yet"'),
        ),
    )
    return GateResult(
        variant="full-gate",
        status="fail",
        exit_code=1,
        fail_on="new",
        checks=checks,
        run_id="20260302T101500Z-full-gate-7c21e0",
        sessionkit_version="0.1.0",
        started_at="2026-03-02T10:15:00.000Z",
        finished_at="2026-03-02T10:15:38.112Z",
        duration_s=38.112,
        repo={"head": HEAD, "branch": "main", "dirty": False},
        config={
            "sources": ["policy"],
            "files": [".orchestrator/policy/quality-gates.json"],
            "uncommitted": [],
            "shadowed": [],
        },
        regression={
            "comparable": True,
            "reasons": [],
            "baseline": {
                "source": "ref",
                "ref": "refs/so-snapshots/gates/main",
                "commit": BASE,
                "saved_at": "2026-03-01T09:00:00.000Z",
            },
            "dependencies_changed": False,
            "new": 3,
            "fixed": 2,
            "pre_existing": 2,
        },
        logs_dir=".orchestrator/gates/runs/20260302T101500Z-full-gate-7c21e0/",
        warnings=(
            Message(
                "stub",
                "docs: stub command 'echo \"no docs yet\"' verifies nothing; not run",
                check="docs",
            ),
        ),
    )
