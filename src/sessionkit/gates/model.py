"""The gate result model: frozen dataclasses whose ``to_dict`` is the JSON schema's shape.

Every output (terminal text, ``--json``, the report formats, the metrics event) is rendered
from a :class:`GateResult` and nothing else. ``to_dict`` omits unmeasured values instead of
filling them with zeros (spec §6.5), and ``from_dict`` reads a stored result back.
"""

from __future__ import annotations

import gc
import os
import shlex
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any, Literal, Protocol, TypeVar

Status = Literal["pass", "fail", "error", "timeout", "skip"]
GateStatus = Literal["pass", "fail", "error"]
Variant = Literal["baseline", "incremental", "full-gate", "per-file"]
FailOn = Literal["never", "fail", "warning", "new"]
Severity = Literal["error", "warning", "note"]
Kind = Literal["test", "typecheck", "lint", "other"]

_T = TypeVar("_T")

VARIANTS: tuple[Variant, ...] = ("baseline", "incremental", "full-gate", "per-file")
STATUSES: tuple[Status, ...] = ("pass", "fail", "error", "timeout", "skip")
KINDS: tuple[Kind, ...] = ("test", "typecheck", "lint", "other")
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")
SCHEMA_VERSION = 1
_SEVERITY_SET = frozenset(SEVERITIES)
_severity = attrgetter("severity")


class _HasSeverity(Protocol):
    @property
    def severity(self) -> str: ...


def build_frozen(cls: type[_T], fields: dict[str, Any]) -> _T:
    """An instance of the frozen dataclass ``cls`` from a dict naming **every** field.

    Skips the generated ``__init__``, which stores each field through ``object.__setattr__``:
    that cost dominates when a log yields 100,000 findings (gates.md §13.7). The instance is
    equal to, and hashes like, the one ``cls(**fields)`` builds; ``fields`` becomes its
    ``__dict__`` and must not be reused by the caller.
    """
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", fields)
    return obj


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Parsing a log with 100,000 findings (gates.md §13.7) allocates hundreds of thousands of
    dicts and instances, none in a reference cycle; the collector would scan the growing heap
    again and again for nothing (measured about 15 % of the parse time). Reference counting
    still frees everything; the collector is re-enabled only if it was enabled before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _drop_none(items: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in items.items() if v is not None}


@dataclass(frozen=True)
class Finding:
    """One normalised diagnostic; a failing test is a finding too (rule ``test-failure``)."""

    tool: str
    rule: str
    severity: Severity
    path: str | None
    line: int | None
    column: int | None
    message: str
    fingerprint: str
    check: str
    end_line: int | None = None
    end_column: int | None = None
    test_id: str | None = None
    url: str | None = None
    baseline: Literal["new", "pre-existing"] | None = None
    in_scope: bool | None = None

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.path is None,
            self.path or "",
            self.line or 0,
            self.column or 0,
            self.tool,
            self.rule,
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "tool": self.tool,
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
            "fingerprint": self.fingerprint,
            "check": self.check,
            "url": self.url,
        }
        if self.test_id is not None:
            data["test_id"] = self.test_id
        if self.baseline is not None:
            data["baseline"] = self.baseline
        if self.in_scope is not None:
            data["in_scope"] = self.in_scope
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            tool=data["tool"],
            rule=data["rule"],
            severity=data["severity"],
            path=data.get("path"),
            line=data.get("line"),
            column=data.get("column"),
            message=data.get("message", ""),
            fingerprint=data["fingerprint"],
            check=data.get("check", ""),
            end_line=data.get("end_line"),
            end_column=data.get("end_column"),
            test_id=data.get("test_id"),
            url=data.get("url"),
            baseline=data.get("baseline"),
            in_scope=data.get("in_scope"),
        )


@dataclass(frozen=True)
class TestCounts:
    passed: int
    failed: int
    errors: int
    skipped: int

    # pytest would try to collect a class named Test*; this is data, not a test.
    __test__ = False

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped

    def __add__(self, other: TestCounts) -> TestCounts:
        return TestCounts(
            self.passed + other.passed,
            self.failed + other.failed,
            self.errors + other.errors,
            self.skipped + other.skipped,
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "errors": self.errors,
            "skipped": self.skipped,
            "total": self.total,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TestCounts:
        return cls(data["passed"], data["failed"], data["errors"], data["skipped"])


@dataclass(frozen=True)
class FindingCounts:
    error: int = 0
    warning: int = 0
    note: int = 0

    def __add__(self, other: FindingCounts) -> FindingCounts:
        return FindingCounts(
            self.error + other.error, self.warning + other.warning, self.note + other.note
        )

    @property
    def total(self) -> int:
        return self.error + self.warning + self.note

    def to_dict(self) -> dict[str, int]:
        return {"error": self.error, "warning": self.warning, "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FindingCounts:
        return cls(data.get("error", 0), data.get("warning", 0), data.get("note", 0))

    @classmethod
    def of(cls, findings: Iterable[_HasSeverity]) -> FindingCounts:
        tally = Counter(map(_severity, findings))  # counted in C: a log can hold 100,000
        if not tally.keys() <= _SEVERITY_SET:
            raise KeyError(min(tally.keys() - _SEVERITY_SET))
        return cls(tally["error"], tally["warning"], tally["note"])


@dataclass(frozen=True)
class Counts:
    """Present members were measured; an absent member was not (never zero-filled)."""

    tests: TestCounts | None = None
    findings: FindingCounts | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.tests is not None:
            data["tests"] = self.tests.to_dict()
        if self.findings is not None:
            data["findings"] = self.findings.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Counts | None:
        if not data:
            return None
        tests = data.get("tests")
        findings = data.get("findings")
        return cls(
            tests=TestCounts.from_dict(tests) if tests else None,
            findings=FindingCounts.from_dict(findings) if findings else None,
        )


@dataclass(frozen=True)
class ResolvedCommand:
    """A command as it was (or would be) run: recorded so a reviewer sees what ran."""

    source: Literal["policy", "session-config", "auto", "none"]
    source_ref: str | None
    text: str
    argv: tuple[str, ...]
    mode: Literal["argv", "shell"]
    cwd: str
    timeout_s: float
    env_keys: tuple[str, ...] = ()
    variant_command: bool = False
    files_passed: int = 0

    def to_dict(self) -> dict[str, Any]:
        argv = list(self.argv)
        text = self.text
        if self.mode == "argv" and argv and os.path.isabs(argv[0]):
            # an executable found by auto-detection ($VIRTUAL_ENV, beside the interpreter, on
            # PATH) is recorded by name: no machine paths in the result (§8.2)
            program = os.path.basename(argv[0])
            quoted = shlex.quote(argv[0])
            if text.startswith(quoted):
                text = shlex.quote(program) + text[len(quoted) :]
            argv[0] = program
        return {
            "source": self.source,
            "source_ref": self.source_ref,
            "text": text,
            "argv": argv,
            "mode": self.mode,
            "cwd": self.cwd,
            "timeout_s": self.timeout_s,
            "env_keys": list(self.env_keys),
            "variant_command": self.variant_command,
            "files_passed": self.files_passed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResolvedCommand:
        return cls(
            source=data["source"],
            source_ref=data.get("source_ref"),
            text=data["text"],
            argv=tuple(data.get("argv", ())),
            mode=data["mode"],
            cwd=data.get("cwd", "."),
            timeout_s=data.get("timeout_s", 900),
            env_keys=tuple(data.get("env_keys", ())),
            variant_command=data.get("variant_command", False),
            files_passed=data.get("files_passed", 0),
        )


@dataclass(frozen=True)
class LogPaths:
    stdout: str
    stderr: str
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"stdout": self.stdout, "stderr": self.stderr, "truncated": self.truncated}


@dataclass(frozen=True)
class Stub:
    kind: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class CheckSelection:
    files: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"files": list(self.files), "reason": self.reason}


@dataclass(frozen=True)
class CheckRegression:
    """The diff of one check against the baseline (spec §7.4)."""

    comparable: bool
    reasons: tuple[str, ...] = ()
    status_change: str | None = None
    new: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    pre_existing: int = 0
    unattributed_new: int = 0
    new_failing: tuple[str, ...] = ()
    fixed_tests: tuple[str, ...] = ()
    fixed_verified: bool = False
    disappeared: tuple[str, ...] = ()
    total_delta: int | None = None
    blocking_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "comparable": self.comparable,
            "reasons": list(self.reasons),
            "status_change": self.status_change,
            "new": list(self.new),
            "fixed": list(self.fixed),
            "pre_existing": self.pre_existing,
            "unattributed_new": self.unattributed_new,
            "new_failing": list(self.new_failing),
            "fixed_tests": list(self.fixed_tests),
            "fixed_verified": self.fixed_verified,
            "disappeared": list(self.disappeared),
            "total_delta": self.total_delta,
            "blocking_reason": self.blocking_reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckRegression:
        return cls(
            comparable=data["comparable"],
            reasons=tuple(data.get("reasons", ())),
            status_change=data.get("status_change"),
            new=tuple(data.get("new", ())),
            fixed=tuple(data.get("fixed", ())),
            pre_existing=data.get("pre_existing", 0),
            unattributed_new=data.get("unattributed_new", 0),
            new_failing=tuple(data.get("new_failing", ())),
            fixed_tests=tuple(data.get("fixed_tests", ())),
            fixed_verified=data.get("fixed_verified", False),
            disappeared=tuple(data.get("disappeared", ())),
            total_delta=data.get("total_delta"),
            blocking_reason=data.get("blocking_reason"),
        )


@dataclass(frozen=True)
class CheckResult:
    name: str
    kind: Kind
    required: bool
    blocking: bool
    command: ResolvedCommand
    status: Status
    status_reason: str
    exit_code: int | None = None
    duration_s: float | None = None
    parsers: tuple[str, ...] = ()
    measurement: Literal["structured", "text", "none"] = "none"
    counts: Counts | None = None
    findings: tuple[Finding, ...] = ()
    findings_total: int = 0
    findings_truncated: bool = False
    findings_complete: bool = True
    tool_versions: Mapping[str, str] = field(default_factory=dict)
    tail: str = ""
    logs: LogPaths | None = None
    stub: Stub | None = None
    selection: CheckSelection | None = None
    regression: CheckRegression | None = None
    modified_files: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    timed_out_after_s: float | None = None
    description: str | None = None

    @property
    def scoped(self) -> bool:
        """Whether the check received a file list (not a measurement of the whole tree)."""
        return self.command.files_passed > 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "required": self.required,
            "blocking": self.blocking,
            "command": self.command.to_dict(),
            "status": self.status,
            "status_reason": self.status_reason,
            "exit_code": self.exit_code,
            "duration_s": self.duration_s,
            "parsers": list(self.parsers),
            "measurement": self.measurement,
        }
        if self.counts is not None and (self.counts.tests or self.counts.findings):
            data["counts"] = self.counts.to_dict()
        data.update(
            {
                "findings": [f.to_dict() for f in self.findings],
                "findings_total": self.findings_total,
                "findings_truncated": self.findings_truncated,
                "findings_complete": self.findings_complete,
                "tool_versions": dict(sorted(self.tool_versions.items())),
                "tail": self.tail,
                "logs": self.logs.to_dict() if self.logs else None,
                "stub": self.stub.to_dict() if self.stub else None,
                "selection": self.selection.to_dict() if self.selection else None,
                "regression": self.regression.to_dict() if self.regression else None,
                "modified_files": list(self.modified_files),
                "notes": list(self.notes),
            }
        )
        if self.timed_out_after_s is not None:
            data["timed_out_after_s"] = self.timed_out_after_s
        if self.description is not None:
            data["description"] = self.description
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        logs = data.get("logs")
        stub = data.get("stub")
        selection = data.get("selection")
        regression = data.get("regression")
        return cls(
            name=data["name"],
            kind=data["kind"],
            required=data["required"],
            blocking=data["blocking"],
            command=ResolvedCommand.from_dict(data["command"]),
            status=data["status"],
            status_reason=data["status_reason"],
            exit_code=data.get("exit_code"),
            duration_s=data.get("duration_s"),
            parsers=tuple(data.get("parsers", ())),
            measurement=data.get("measurement", "none"),
            counts=Counts.from_dict(data.get("counts")),
            findings=tuple(Finding.from_dict(f) for f in data.get("findings", ())),
            findings_total=data.get("findings_total", 0),
            findings_truncated=data.get("findings_truncated", False),
            findings_complete=data.get("findings_complete", True),
            tool_versions=dict(data.get("tool_versions", {})),
            tail=data.get("tail", ""),
            logs=LogPaths(**logs) if logs else None,
            stub=Stub(**stub) if stub else None,
            selection=CheckSelection(tuple(selection["files"]), selection["reason"])
            if selection
            else None,
            regression=CheckRegression.from_dict(regression) if regression else None,
            modified_files=tuple(data.get("modified_files", ())),
            notes=tuple(data.get("notes", ())),
            timed_out_after_s=data.get("timed_out_after_s"),
            description=data.get("description"),
        )


@dataclass(frozen=True)
class Message:
    """A warning or error of the gate as a whole (``{code, message, check?, file?, line?}``)."""

    code: str
    message: str
    check: str | None = None
    file: str | None = None
    line: int | None = None
    pointer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "code": self.code,
                "message": self.message,
                "check": self.check,
                "file": self.file,
                "line": self.line,
                "pointer": self.pointer,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        return cls(**{k: data[k] for k in data if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class GateResult:
    variant: Variant
    status: GateStatus
    exit_code: int
    fail_on: FailOn
    checks: tuple[CheckResult, ...]
    run_id: str
    sessionkit_version: str
    started_at: str
    finished_at: str
    duration_s: float
    repo: Mapping[str, Any]
    config: Mapping[str, Any]
    selection: Mapping[str, Any] | None = None
    regression: Mapping[str, Any] | None = None
    session: Mapping[str, Any] | None = None
    logs_dir: str | None = None
    warnings: tuple[Message, ...] = ()
    errors: tuple[Message, ...] = ()

    def findings(self, *, new_only: bool = False) -> Iterator[Finding]:
        """Every finding of every check, in check order; ``new_only`` keeps baseline-new ones."""
        for check in self.checks:
            for finding in check.findings:
                if not new_only or finding.baseline == "new":
                    yield finding

    def check(self, name: str) -> CheckResult:
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def tool_versions(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for check in self.checks:
            merged.update(check.tool_versions)
        return dict(sorted(merged.items()))

    def summary(self) -> dict[str, Any]:
        statuses = dict.fromkeys(STATUSES, 0)
        findings = FindingCounts()
        tests = None
        for check in self.checks:
            statuses[check.status] += 1
            if check.counts and check.counts.findings:
                findings = findings + check.counts.findings
            if check.counts and check.counts.tests:
                tests = check.counts.tests if tests is None else tests + check.counts.tests
        data: dict[str, Any] = {
            "checks": statuses,
            "blocking": [c.name for c in self.checks if c.blocking],
            "findings": findings.to_dict(),
        }
        if tests is not None:
            data["tests"] = tests.to_dict()
        compared = [c.regression for c in self.checks if c.regression and c.regression.comparable]
        if compared:
            data["new"] = sum(len(r.new) + len(r.new_failing) for r in compared)
            data["fixed"] = sum(len(r.fixed) + len(r.fixed_tests) for r in compared)
        return data

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "sessionkit_version": self.sessionkit_version,
            "run_id": self.run_id,
            "variant": self.variant,
            "status": self.status,
            "exit_code": self.exit_code,
            "fail_on": self.fail_on,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": self.duration_s,
            "repo": dict(self.repo),
            "config": dict(self.config),
        }
        if self.selection is not None:
            data["selection"] = dict(self.selection)
        data["checks"] = [c.to_dict() for c in self.checks]
        data["summary"] = self.summary()
        if self.regression is not None:
            data["regression"] = dict(self.regression)
        data["tool_versions"] = self.tool_versions
        if self.session is not None:
            data["session"] = dict(self.session)
        if self.logs_dir is not None:
            data["logs_dir"] = self.logs_dir
        data["warnings"] = [w.to_dict() for w in self.warnings]
        if self.errors or self.status == "error":
            data["errors"] = [e.to_dict() for e in self.errors]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateResult:
        return cls(
            variant=data["variant"],
            status=data["status"],
            exit_code=data["exit_code"],
            fail_on=data["fail_on"],
            checks=tuple(CheckResult.from_dict(c) for c in data["checks"]),
            run_id=data["run_id"],
            sessionkit_version=data["sessionkit_version"],
            started_at=data["started_at"],
            finished_at=data["finished_at"],
            duration_s=data["duration_s"],
            repo=dict(data["repo"]),
            config=dict(data["config"]),
            selection=data.get("selection"),
            regression=data.get("regression"),
            session=data.get("session"),
            logs_dir=data.get("logs_dir"),
            warnings=tuple(Message.from_dict(w) for w in data.get("warnings", ())),
            errors=tuple(Message.from_dict(e) for e in data.get("errors", ())),
        )


def with_findings(check: CheckResult, findings: tuple[Finding, ...]) -> CheckResult:
    """``check`` with its findings replaced (keeps the frozen model immutable elsewhere)."""
    return replace(check, findings=findings)


def as_variant(value: str) -> Variant:
    for variant in VARIANTS:
        if variant == value:
            return variant
    raise ValueError(value)
