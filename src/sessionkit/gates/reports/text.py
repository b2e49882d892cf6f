"""``text``: the terminal rendering without colour (spec §9.9)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sessionkit.gates.reports.base import ReportOptions
from sessionkit.gates.reports.model import (
    ReportFinding,
    ReportModel,
    Section,
    describe_error,
    reading_order,
)

SYMBOLS = {"pass": "✓", "fail": "✗", "error": "!", "timeout": "⏱", "skip": "-"}
ASCII = {"pass": "PASS", "fail": "FAIL", "error": "ERR", "timeout": "TIME", "skip": "SKIP"}
MAX_FINDINGS = 20


def _line(section: Section, symbols: dict[str, str]) -> str:
    time_text = f"{section.duration_s:.1f}s" if section.duration_s is not None else ""
    detail = section.summary
    if section.status == "skip" and section.stub:
        detail = f"stub ({section.stub}); not run"
    extra = []
    if section.new is not None:
        extra.append(f"{section.new} new, {section.pre_existing} pre-existing")
    if section.fixed:
        extra.append(f"{section.fixed} fixed vs baseline")
    if extra:
        detail += " (" + "; ".join(extra) + ")"
    if section.status in ("fail", "error", "timeout") and not section.blocking:
        detail += " · non-blocking"
    return (
        f"  {symbols[section.status]} {section.name:<12}{section.status:<8}{time_text:>8}  {detail}"
    )


def _finding(f: ReportFinding) -> str:
    where = f.path or "(no file)"
    if f.line:
        where += f":{f.line}"
        if f.column:
            where += f":{f.column}"
    tag = "new " if f.baseline == "new" else "    " if f.baseline else ""
    return f"  {tag}{where}  {f.tool} {f.rule}  {f.message.splitlines()[0] if f.message else ''}"


def _source(config: Mapping[str, Any]) -> str:
    """Where the commands came from, as in §9.9's header (`· policy <file>`)."""
    sources = list(config.get("sources") or [])
    files = list(config.get("files") or [])
    parts = []
    if "policy" in sources and files:
        parts.append(f"policy {files[0]}")
    if "session-config" in sources:
        parts.append(f"session config {files[-1]}" if files else "session config")
    if "auto" in sources:
        parts.append("auto-detected")
    return "".join(f" · {part}" for part in parts)


def render(model: ReportModel, *, ascii_only: bool = False) -> str:
    symbols = ASCII if ascii_only else SYMBOLS
    lines = [
        f"sessionkit {model.command} · {model.variant} · fail-on {model.fail_on}"
        + _source(model.document.get("config") or {})
    ]
    lines += [_line(s, symbols) for s in model.sections]
    blocking = [s for s in model.sections if s.blocking]
    if model.status == "error":
        lines.append("ERROR — the gate could not run as configured")
        lines += [f"  {describe_error(error)}" for error in model.errors]
    elif blocking:
        reasons = ", ".join(f"{s.name} ({s.blocking_reason or s.status_reason})" for s in blocking)
        lines.append(f"FAILED — blocking: {reasons}")
    else:
        lines.append("PASSED")
    ranked = sorted(
        model.findings,
        key=reading_order,
    )
    lines += [_finding(f) for f in ranked[:MAX_FINDINGS]]
    rest = max(0, len(ranked) - MAX_FINDINGS) + sum(model.omitted().values())
    if rest:
        lines.append(f"  … and {rest} more")
    with_findings = {f.section for f in model.findings}
    for s in model.sections:
        if s.status in ("fail", "error", "timeout") and s.name not in with_findings and s.tail:
            lines.append(f"  {s.name} output (last lines):")
            lines += [f"    {t}" for t in s.tail.split("\n")[-10:]]
    for w in model.warnings:
        lines.append(f"warning: {w.get('message', '')}")
    logs = model.document.get("logs_dir")
    if logs:
        lines.append(f"logs: {logs}")
    elif model.command == "gate":  # --dry-run: the baseline a run would compare with (§10.1)
        regression = model.document.get("regression") or {}
        found = regression.get("baseline")
        if found:
            where = found.get("ref") or found.get("file")
            lines.append(
                f"baseline: {where} @ {str(found.get('commit'))[:12]} ({found.get('source')})"
            )
    return "\n".join(lines) + "\n"


class TextWriter:
    name = "text"
    default_path: str | None = None

    def render(self, model: ReportModel, options: ReportOptions) -> str:
        return render(model, ascii_only=True)
