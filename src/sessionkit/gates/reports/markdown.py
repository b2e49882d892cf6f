"""``markdown``: the GitHub step summary (spec §9.7), capped in rows and bytes."""

from __future__ import annotations

import re

from sessionkit.gates.reports.base import ReportOptions
from sessionkit.gates.reports.model import (
    ReportFinding,
    ReportModel,
    Section,
    describe_error,
    reading_order,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_ROWS = 200
MAX_BYTES = 512 * 1024
MAX_MESSAGE = 300


def cell(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\n", " ").replace("\r", " "))
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    for char, escaped in (("|", "\\|"), ("`", "\\`"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, escaped)
    return text


def status_label(section: Section) -> str:
    if section.status == "pass":
        return "✅ pass"
    if section.status == "skip":
        return f"⏭️ skip ({'stub' if section.stub else section.status_reason})"
    if not section.blocking:
        return f"⚠️ {section.status}"
    if section.status == "timeout":
        return "⏱️ timeout"
    if section.status == "error":
        return "💥 error"
    return "❌ fail"


def _vs_baseline(section: Section) -> str:
    if section.new is None:
        return "—"
    parts = []
    if section.new:
        parts.append(f"{section.new} new")
    if section.pre_existing:
        parts.append(f"{section.pre_existing} pre-existing")
    if section.fixed:
        parts.append(f"{section.fixed} fixed")
    return " · ".join(parts) or "no change"


def _location(f: ReportFinding) -> str:
    where = f.path or "(no file)"
    if f.line:
        where += f":{f.line}"
        if f.column:
            where += f":{f.column}"
    return f"`{cell(where).replace(chr(92) + '`', '')}`"


def _details(
    section: Section, findings: list[ReportFinding], budget: int, omitted: int
) -> tuple[str, int]:
    if not findings or budget <= 0:
        return "", 0
    new = sum(1 for f in findings if f.baseline == "new")
    total = len(findings) + omitted
    noun = "finding" if total == 1 else "findings"
    head = f"{section.name} — {total} {noun}" + (f" ({new} new)" if new else "")
    rows = [
        "",
        f"<details><summary>{cell(head)}</summary>",
        "",
        "| | location | rule | message |",
        "|---|---|---|---|",
    ]
    ranked = sorted(
        findings,
        key=reading_order,
    )
    shown = ranked[:budget]
    for f in shown:
        marker = "🆕" if f.baseline == "new" else ""
        rows.append(
            f"| {marker} | {_location(f)} | {cell(f.tool)} {cell(f.rule)} | {cell(f.message)} |"
        )
    rows += ["", "</details>"]
    return "\n".join(rows), len(shown)


class MarkdownWriter:
    name = "markdown"
    default_path: str | None = None

    def render(self, model: ReportModel, options: ReportOptions) -> str:
        verdict = {"pass": "✅ passed", "fail": "❌ failed", "error": "💥 error"}[model.status]
        title = f"### {model.title} · {verdict} (fail-on: {model.fail_on})"
        lines = [title, ""]
        meta = []
        if model.base and model.head:
            meta.append(f"{model.base[:12]} → {model.head[:12]}")
        if model.changed_files is not None:
            meta.append(f"{model.changed_files} changed files")
        meta.append(f"sessionkit {model.version}")
        lines += [" · ".join(meta), ""]
        lines += ["| check | status | time | result | vs baseline |", "|---|---|---|---|---|"]
        for s in model.sections:
            time_cell = f"{s.duration_s:.1f} s" if s.duration_s is not None else ""
            lines.append(
                f"| {cell(s.name)} | {status_label(s)} | {time_cell} | {cell(s.summary)} | {_vs_baseline(s)} |"
            )
        blocking = [s for s in model.sections if s.blocking]
        if blocking:
            text = ", ".join(
                f"**{s.name}** — {cell(s.blocking_reason or s.status_reason)}" for s in blocking
            )
            lines += ["", f"Blocking: {text}"]
        if model.errors:
            lines.append("")
            lines += [f"- error: {cell(describe_error(e))}" for e in model.errors]
        if model.warnings:
            lines.append("")
            lines += [f"- warning: {cell(str(w.get('message', '')))}" for w in model.warnings]
        budget = MAX_ROWS
        details: list[tuple[Section, str]] = []
        omitted = model.omitted()
        remaining = len(model.findings) + sum(omitted.values())
        for s in model.sections:
            findings = [f for f in model.findings if f.section == s.name]
            block, used = _details(s, findings, budget, omitted[s.name])
            budget -= used
            remaining -= used
            if block:
                details.append((s, block))
        body = "\n".join(lines)
        # drop the details of the largest sections first when over the byte cap
        kept = sorted(details, key=lambda item: len(item[1]))
        while kept and len((body + "".join(b for _, b in kept)).encode()) > MAX_BYTES:
            dropped = kept.pop()
            body += (
                f"\n\n_details of {dropped[0].name} dropped to stay within the summary size limit_"
            )
        kept_names = {s.name for s, _ in kept}
        for s, block in details:
            if s.name in kept_names:
                body += "\n" + block
        if remaining > 0:
            body += f"\n\n… and {remaining} more in {model.command}.json"
        return body + "\n"
