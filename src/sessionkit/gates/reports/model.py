"""The one report model every renderer takes (spec §9.1).

``ReportModel.from_gate`` maps gate checks to sections; renderers never see tool output, so
the GitHub, GitLab, SARIF and JUnit outputs obey the same limits and escaping everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sessionkit.gates.model import CheckResult, GateResult


@dataclass(frozen=True)
class ReportFinding:
    section: str
    kind: str
    tool: str
    rule: str
    severity: str
    path: str | None
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None
    message: str
    fingerprint: str
    baseline: str | None
    blocking: bool
    url: str | None
    test_id: str | None = None
    in_scope: bool | None = None  # incremental/per-file: the path is in the file set


def reading_order(finding: ReportFinding) -> tuple[bool, bool, bool, str, int]:
    """How people read findings (terminal, step summary): blocking first, new first, then
    by place, path-less findings after located ones (§6.6)."""
    return (
        not finding.blocking,
        finding.baseline != "new",
        finding.path is None,
        finding.path or "",
        finding.line or 0,
    )


def describe_error(error: Mapping[str, Any]) -> str:
    """``file:line: message`` of one result error (policy, usage, environment)."""
    where = str(error.get("file") or "")
    if where and error.get("line"):
        where += f":{error['line']}"
    return f"{where}: {error.get('message', '')}" if where else str(error.get("message", ""))


@dataclass(frozen=True)
class Section:
    name: str
    kind: str
    status: str
    status_reason: str
    duration_s: float | None
    summary: str
    blocking: bool
    required: bool
    tail: str
    command: str
    blocking_reason: str | None = None
    stub: str | None = None
    new: int | None = None
    pre_existing: int | None = None
    fixed: int | None = None
    findings_total: int = 0
    tests: Mapping[str, int] | None = None


def _warning_reason(check: CheckResult) -> str | None:
    """Why a check that passed blocks: ``--fail-on warning`` and findings (§4.5)."""
    counts = check.counts.findings if check.counts else None
    total = (counts.error + counts.warning) if counts else 0
    if not total:
        total = sum(f.severity in ("error", "warning") for f in check.findings)
    return f"warnings: {total}" if total else None


@dataclass(frozen=True)
class ReportModel:
    command: str  # "gate" or "check"
    title: str
    status: str
    exit_code: int
    variant: str
    fail_on: str
    base: str | None
    head: str | None
    changed_files: int | None
    sections: tuple[Section, ...]
    findings: tuple[ReportFinding, ...]
    warnings: tuple[Mapping[str, Any], ...]
    errors: tuple[Mapping[str, Any], ...]
    version: str
    duration_s: float
    document: Mapping[str, Any] = field(default_factory=dict)

    def omitted(self) -> dict[str, int]:
        """Per section, the findings the result counted but did not keep (``max_findings``,
        §6.6): every "N more" line adds them, or a truncated result would be undercounted."""
        kept = Counter(f.section for f in self.findings)
        return {s.name: max(0, s.findings_total - kept[s.name]) for s in self.sections}

    @classmethod
    def from_gate(cls, result: GateResult) -> ReportModel:
        sections = tuple(_section(c) for c in result.checks)
        findings = tuple(
            ReportFinding(
                section=c.name,
                kind=c.kind,
                tool=f.tool,
                rule=f.rule,
                severity=f.severity,
                path=f.path,
                line=f.line,
                column=f.column,
                end_line=f.end_line,
                end_column=f.end_column,
                message=f.message,
                fingerprint=f.fingerprint,
                baseline=f.baseline,
                blocking=c.blocking
                and (f.baseline != "pre-existing" or not _cleared_by(result, c)),
                url=f.url,
                test_id=f.test_id,
                in_scope=f.in_scope,
            )
            for c in result.checks
            for f in c.findings
        )
        selection = result.selection or {}
        return cls(
            command="gate",
            title=f"sessionkit gate · {result.variant}",
            status=result.status,
            exit_code=result.exit_code,
            variant=result.variant,
            fail_on=result.fail_on,
            base=selection.get("base_commit"),
            head=result.repo.get("head"),
            changed_files=len(selection.get("changed", [])) if selection else None,
            sections=sections,
            findings=findings,
            warnings=tuple(w.to_dict() for w in result.warnings),
            errors=tuple(e.to_dict() for e in result.errors),
            version=result.sessionkit_version,
            duration_s=result.duration_s,
            document=result.to_dict(),
        )


def _cleared_by(result: GateResult, check: CheckResult) -> bool:
    """Pre-existing findings are excused only when the verdict used the diff: ``--fail-on
    new`` against a comparable baseline (§7.5). Under ``fail`` a blocking check's findings all
    block, with or without a baseline (§4.5, §9.6)."""
    return result.fail_on == "new" and check.regression is not None and check.regression.comparable


_CHECK_STATUS = {
    "pass": "pass",
    "fail": "fail",
    "error": "error",
    "not-applicable": "skip",
    "skipped": "skip",
}


def from_check_document(document: Mapping[str, Any]) -> ReportModel:
    """The report model of a ``sessionkit check`` result (``check-result.schema.json``).

    Check ids become sections and findings keep their shape (``tool: "sessionkit"``, rule =
    ``rule_id``, severity = ``level``); an embedded gate result expands into one section per
    gate check, so both commands share every writer, limit and escape.
    """
    sections: list[Section] = []
    findings: list[ReportFinding] = []
    code = int(document.get("exit_code", 0))
    for entry in document.get("checks", []):
        embedded = entry.get("result") if entry.get("id") == "gates" else None
        if isinstance(embedded, Mapping) and "checks" in embedded:
            gate = ReportModel.from_gate(GateResult.from_dict(embedded))
            sections.extend(gate.sections)
            findings.extend(gate.findings)
            continue
        status = _CHECK_STATUS.get(str(entry.get("status")), "error")
        counts = entry.get("counts") or {}
        sections.append(
            Section(
                name=str(entry["id"]),
                kind="other",
                status=status,
                status_reason=str(
                    entry.get("reason") or ("exit-code" if status == "fail" else status)
                ),
                duration_s=None,
                summary=str(entry.get("summary") or ""),
                blocking=status in ("fail", "error") and code != 0,
                required=True,
                tail="",
                command=f"sessionkit check --only {entry['id']}",
                findings_total=sum(int(v) for v in counts.values()),
            )
        )
    gate_sections = {s.name for s in sections}
    for f in document.get("findings", []):
        if f.get("check") == "gates" and "gates" not in gate_sections:
            continue  # already expanded from the embedded gate result
        findings.append(
            ReportFinding(
                section=str(f["check"]),
                kind="other",
                tool="sessionkit",
                rule=str(f["rule_id"]),
                severity=str(f["level"]),
                path=f.get("path"),
                line=f.get("line"),
                column=f.get("column"),
                end_line=f.get("end_line"),
                end_column=None,
                message=str(f.get("message", "")),
                fingerprint=str(f.get("fingerprint", "")),
                baseline=None,
                blocking=f.get("level") == "error" and code != 0,
                url=None,
            )
        )
    verdict = str(document.get("verdict", "pass"))
    return ReportModel(
        command="check",
        title="sessionkit check",
        status=verdict,
        exit_code=code,
        variant="check",
        fail_on="error",
        base=(document.get("range") or {}).get("base"),
        head=(document.get("range") or {}).get("head"),
        changed_files=None,
        sections=tuple(sections),
        findings=tuple(findings),
        warnings=(),
        errors=(),
        version=str(document.get("sessionkit", "")),
        duration_s=0.0,
        document=document,
    )


def describe_counts(check: CheckResult) -> str:
    """``pytest: 412 passed, 3 skipped`` / ``mypy: 3 errors`` / the skip or error reason."""
    tool = next(iter(sorted(check.tool_versions)), None) or (
        check.findings[0].tool if check.findings else None
    )
    label = f"{tool}: " if tool else ""
    counts = check.counts
    if counts is not None and counts.tests is not None:
        t = counts.tests
        parts = [f"{t.passed} passed"]
        if t.failed:
            parts.append(f"{t.failed} failed")
        if t.errors:
            parts.append(f"{t.errors} errors")
        if t.skipped:
            parts.append(f"{t.skipped} skipped")
        return label + ", ".join(parts)
    if counts is not None and counts.findings is not None:
        f = counts.findings
        text = f"{f.error} error{'s' if f.error != 1 else ''}"
        if f.warning:
            text += f", {f.warning} warning{'s' if f.warning != 1 else ''}"
        return label + text
    if check.status_reason == "dry-run":
        why = f" ({check.selection.reason})" if check.selection and check.selection.reason else ""
        stub = f" [stub: {check.stub.kind}, would not run]" if check.stub else ""
        return f"would run: {check.command.to_dict()['text']}{why}{stub}"
    if check.status == "skip":
        if check.stub is not None:
            return f"stub ({check.stub.text})"
        return check.status_reason
    if check.status in ("error", "timeout"):
        return check.status_reason
    return "not measured" if check.status != "pass" else "exit 0"


def _section(check: CheckResult) -> Section:
    reg = check.regression
    tests = check.counts.tests.to_dict() if check.counts and check.counts.tests else None
    return Section(
        name=check.name,
        kind=check.kind,
        status=check.status,
        status_reason=check.status_reason,
        duration_s=check.duration_s,
        summary=describe_counts(check),
        blocking=check.blocking,
        required=check.required,
        tail=check.tail,
        command=check.command.to_dict()["text"],
        blocking_reason=(reg.blocking_reason if reg else None)
        or (_warning_reason(check) if check.blocking and check.status == "pass" else None)
        or (check.status_reason if check.blocking else None),
        stub=check.stub.text if check.stub else None,
        new=(len(reg.new) + len(reg.new_failing)) if reg and reg.comparable else None,
        pre_existing=reg.pre_existing if reg and reg.comparable else None,
        fixed=(len(reg.fixed) + len(reg.fixed_tests)) if reg and reg.comparable else None,
        findings_total=check.findings_total,
        tests=tests,
    )
