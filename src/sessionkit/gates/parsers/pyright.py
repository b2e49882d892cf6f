"""``pyright-json`` (``--outputjson``) and ``pyright-text`` (pyright's default output)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal, cast

from sessionkit.gates.model import FindingCounts, Severity
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding, to_int

_SEVERITY = {"error": "error", "warning": "warning", "information": "note"}
_LINE = re.compile(
    r"^  (?P<path>\S.*?):(?P<line>\d+):(?P<col>\d+) - (?P<sev>error|warning|information): "
    r"(?P<msg>.*)$"
)
_RULE = re.compile(r"\s*\((?P<rule>report[A-Za-z]+)\)\s*$")
_SUMMARY = re.compile(r"^(?P<e>\d+) errors?, (?P<w>\d+) warnings?, (?P<i>\d+) informations?\s*$")


class PyrightJsonParser:
    id = "pyright-json"
    tool = "pyright"
    kinds = frozenset({"typecheck"})
    source: Literal["stdout"] = "stdout"

    def parse(self, data: ParseInput) -> Measurement | None:
        text = data.report_text if data.report_text is not None else data.stdout
        try:
            doc: Any = json.loads(text)
        except ValueError:
            return None
        if not isinstance(doc, dict) or "generalDiagnostics" not in doc:
            return None
        m = Measurement(parser=self.id, tool=self.tool)
        if doc.get("version"):
            m.tool_version = str(doc["version"])
        for diag in doc.get("generalDiagnostics") or []:
            start = (diag.get("range") or {}).get("start") or {}
            end = (diag.get("range") or {}).get("end") or {}
            line, col = to_int(start.get("line")), to_int(start.get("character"))
            eline, ecol = to_int(end.get("line")), to_int(end.get("character"))
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule=str(diag.get("rule") or self.tool),
                    severity=cast(Severity, _SEVERITY.get(diag.get("severity"), "error")),
                    path=data.relpath(str(diag.get("file") or "")),
                    line=None if line is None else line + 1,
                    column=None if col is None else col + 1,
                    end_line=None if eline is None else eline + 1,
                    end_column=None if ecol is None else ecol + 1,
                    message=str(diag.get("message") or ""),
                )
            )
        summary = doc.get("summary") or {}
        if "errorCount" in summary:
            m.findings_summary = FindingCounts(
                error=int(summary.get("errorCount", 0)),
                warning=int(summary.get("warningCount", 0)),
                note=int(summary.get("informationCount", 0)),
            )
        return m


class PyrightTextParser:
    id = "pyright-text"
    tool = "pyright"
    kinds = frozenset({"typecheck"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        recognised = False
        pending: dict[str, Any] | None = None
        entries: list[dict[str, Any]] = []
        for line in data.combined.split("\n"):
            match = _LINE.match(line)
            if match:
                pending = {**match.groupdict(), "lines": [match.group("msg")]}
                entries.append(pending)
                continue
            if pending is not None and line.startswith("    "):
                pending["lines"].append(line.strip())
                continue
            pending = None
            summary = _SUMMARY.match(line.strip())
            if summary:
                recognised = True
                m.findings_summary = FindingCounts(
                    int(summary.group("e")), int(summary.group("w")), int(summary.group("i"))
                )
                if m.findings_summary.total == 0:
                    m.clean = True
        for entry in entries:
            recognised = True
            lines: list[str] = entry["lines"]
            rule = _RULE.search(lines[-1])
            if rule:
                lines[-1] = lines[-1][: rule.start()]
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule=rule.group("rule") if rule else self.tool,
                    severity=cast(Severity, _SEVERITY[entry["sev"]]),
                    path=data.relpath(entry["path"]),
                    line=int(entry["line"]),
                    column=int(entry["col"]),
                    message="\n".join(lines).strip(),
                )
            )
        return m if recognised else None
