"""The parsing pipeline of spec §6.1: declared report, injected report, structured stdout,
text parsers by identified tool or signature, then the generic fallback.

Every source that yields data contributes; per tool a structured measurement wins over a text
one, except that larger text test totals reveal an overwritten report (``report-incomplete``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sessionkit.gates.model import Counts, FindingCounts, TestCounts, gc_paused
from sessionkit.gates.parsers import registry
from sessionkit.gates.parsers.ansi import clean_field, is_dirty
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding


@dataclass
class ParseOutcome:
    parsers: list[str] = field(default_factory=list)
    measurement: Literal["structured", "text", "none"] = "none"
    counts: Counts | None = None
    findings: list[RawFinding] = field(default_factory=list)
    findings_complete: bool = True
    notes: list[str] = field(default_factory=list)
    tool_versions: dict[str, str] = field(default_factory=dict)
    passed_ids: set[str] = field(default_factory=set)
    enumerates_passing: bool = False

    @property
    def measured(self) -> bool:
        return self.measurement != "none"


@dataclass(frozen=True)
class Report:
    text: str
    format: str


def _safe_parse(parser_id: str, data: ParseInput, notes: list[str]) -> Measurement | None:
    try:
        return registry.get(parser_id).parse(data)
    except Exception:  # a malformed report must not crash the gate; it is a visible note
        if data.report_text is not None:
            notes.append("report-invalid")
        return None


@gc_paused()  # a log can yield 100,000 findings, none in a reference cycle
def measure(
    *,
    kind: str,
    stdout: str,
    stderr: str,
    root: str,
    cwd: str,
    exit_code: int | None,
    identified_tool: str | None,
    is_tracked: Callable[[str], bool],
    parser_setting: str = "auto",
    reports: tuple[Report, ...] = (),
) -> ParseOutcome:
    """Run the pipeline on normalised output; returns what was measured (maybe nothing)."""
    outcome = ParseOutcome()
    if parser_setting == "none":
        return outcome
    base = ParseInput(
        stdout=stdout,
        stderr=stderr,
        root=root,
        cwd=cwd,
        exit_code=exit_code,
        identified_tool=identified_tool,
        is_tracked=is_tracked,
    )
    structured: list[Measurement] = []
    text: list[Measurement] = []

    if parser_setting != "auto":
        parser = registry.get(parser_setting)
        if parser.source == "report":
            for report in reports:
                data = replace(base, report_text=report.text, report_format=report.format)
                got = _safe_parse(parser.id, data, outcome.notes)
                if got:
                    structured.append(got)
        else:
            got = _safe_parse(parser.id, base, outcome.notes)
            if got:
                (text if parser.source == "text" else structured).append(got)
    else:
        for report in reports:
            parser_id = registry.REPORT_FORMATS.get(report.format)
            if parser_id is None:
                continue
            data = replace(base, report_text=report.text, report_format=report.format)
            got = _safe_parse(parser_id, data, outcome.notes)
            if got:
                structured.append(got)
        # ``isspace`` stops at the first non-blank character; ``strip`` would copy the output
        if identified_tool in registry.STRUCTURED_STDOUT and stdout and not stdout.isspace():
            for parser_id in registry.STRUCTURED_STDOUT[identified_tool]:
                if registry.get(parser_id).kinds & {kind} or kind == "other":
                    got = _safe_parse(parser_id, base, outcome.notes)
                    if got:
                        structured.append(got)
        if identified_tool in registry.TEXT_BY_TOOL:
            candidates = [registry.get(p) for p in registry.TEXT_BY_TOOL[identified_tool]]
        else:
            candidates = registry.text_parsers_for(kind)
        for parser in candidates:
            got = _safe_parse(parser.id, base, outcome.notes)
            if got:
                text.append(got)
        if not structured and not text and kind in ("typecheck", "lint", "other"):
            got = _safe_parse(registry.FALLBACK, base, outcome.notes)
            if got:
                text.append(got)

    _combine(outcome, kind, structured, text)
    return outcome


_TEXT_FIELDS = ("message", "rule", "path", "url", "test_id")


def _clean_fields(findings: list[RawFinding]) -> None:
    """Structured sources bypass the text normalisation of §6.2: a JSON message can carry ANSI
    sequences, controls or a lone surrogate (``"\\ud800"``, which no UTF-8 writer accepts).
    Cleaned in place, before fingerprints are computed, so text and JSON still agree."""
    for i, item in enumerate(findings):
        joined = f"{item.message}{item.rule}{item.path or ''}{item.url or ''}{item.test_id or ''}"
        if not is_dirty(joined):  # the common case: one check per finding
            continue
        changes: dict[str, Any] = {
            name: clean_field(value)
            for name in _TEXT_FIELDS
            if isinstance(value := getattr(item, name), str) and is_dirty(value)
        }
        if changes:
            findings[i] = replace(item, **changes)


def _combine(
    outcome: ParseOutcome, kind: str, structured: list[Measurement], text: list[Measurement]
) -> None:
    for m in structured:
        _clean_fields(m.findings)
    used: list[Measurement] = list(structured)
    recovered: list[RawFinding] = []  # failing tests only the text saw (report-incomplete)
    tests_by_tool: dict[str, TestCounts] = {}
    for m in structured:
        if m.tests is not None:
            prior = tests_by_tool.get(m.tool)
            tests_by_tool[m.tool] = m.tests if prior is None else prior + m.tests
    for m in text:
        twin = next((s for s in structured if s.tool == m.tool), None)
        if twin is None:
            used.append(m)
            if m.tests is not None:
                prior = tests_by_tool.get(m.tool)
                tests_by_tool[m.tool] = m.tests if prior is None else prior + m.tests
            continue
        # same tool measured twice: structured wins unless the text saw more tests
        twin_tests = tests_by_tool.get(m.tool)
        if twin_tests is not None and m.tests is not None and m.tests.total > twin_tests.total:
            tests_by_tool[m.tool] = m.tests
            outcome.notes.append("report-incomplete")
            outcome.findings_complete = False
            outcome.parsers.append(m.parser)
            # the overwritten report lost the earlier invocations' failures; the text's
            # failing test ids are still failures (a failing test is a finding, §2)
            known = {f.test_id for s in structured if s.tool == m.tool for f in s.findings}
            recovered.extend(f for f in m.findings if f.test_id and f.test_id not in known)
    tests: TestCounts | None = None
    for counted in tests_by_tool.values():
        tests = counted if tests is None else tests + counted
    if not used:
        return
    outcome.measurement = "structured" if structured else "text"
    for m in used:
        if m.parser not in outcome.parsers:
            outcome.parsers.append(m.parser)
        outcome.findings.extend(m.findings)
        outcome.notes.extend(n for n in m.notes if n not in outcome.notes)
        outcome.passed_ids |= m.passed_ids
        outcome.enumerates_passing = outcome.enumerates_passing or m.enumerates_passing
        if m.tool_version:
            outcome.tool_versions.setdefault(m.tool, m.tool_version)
    outcome.findings.extend(recovered)
    outcome.parsers.sort(key=lambda p: list(registry.PARSERS).index(p))
    if kind == "test":
        outcome.counts = Counts(tests=tests) if tests is not None else None
        return
    parsed = FindingCounts.of(outcome.findings)
    summary: FindingCounts | None = None
    for m in used:
        if m.findings_summary is not None:
            summary = m.findings_summary if summary is None else summary + m.findings_summary
    if summary is not None and summary.error != parsed.error:
        outcome.findings_complete = False
        parsed = FindingCounts(summary.error, max(parsed.warning, summary.warning), parsed.note)
    outcome.counts = Counts(findings=parsed)
