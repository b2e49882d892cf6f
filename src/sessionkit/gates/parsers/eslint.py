"""``eslint-json`` (``--format json``) and ``eslint-text`` (the stylish formatter)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from sessionkit.gates.model import FindingCounts
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding, to_int

_MESSAGE = re.compile(
    r"^\s+(?P<line>\d+):(?P<col>\d+)\s+(?P<sev>error|warning)\s+(?P<msg>.+?)(?:\s{2,}(?P<rule>\S+))?\s*$"
)
_SUMMARY = re.compile(r"^[✖x] (?P<n>\d+) problems? \((?P<e>\d+) errors?, (?P<w>\d+) warnings?\)")


class EslintJsonParser:
    id = "eslint-json"
    tool = "eslint"
    kinds = frozenset({"lint"})
    source: Literal["stdout"] = "stdout"

    def parse(self, data: ParseInput) -> Measurement | None:
        text = data.report_text if data.report_text is not None else data.stdout
        try:
            doc: Any = json.loads(text)
        except ValueError:
            return None
        if not isinstance(doc, list) or any(
            not isinstance(i, dict) or "filePath" not in i for i in doc
        ):
            return None
        m = Measurement(parser=self.id, tool=self.tool)
        errors = warnings = 0
        for item in doc:
            path = data.relpath(str(item.get("filePath") or ""))
            errors += int(item.get("errorCount") or 0)
            warnings += int(item.get("warningCount") or 0)
            for msg in item.get("messages") or []:
                fatal = bool(msg.get("fatal")) or msg.get("ruleId") is None
                m.findings.append(
                    RawFinding(
                        tool=self.tool,
                        rule="parse-error" if fatal else str(msg["ruleId"]),
                        severity="error" if msg.get("severity") == 2 else "warning",
                        path=path,
                        line=to_int(msg.get("line")),
                        column=to_int(msg.get("column")),
                        end_line=to_int(msg.get("endLine")),
                        end_column=to_int(msg.get("endColumn")),
                        message=str(msg.get("message") or ""),
                    )
                )
        m.findings_summary = FindingCounts(error=errors, warning=warnings)
        m.clean = not m.findings
        return m


class EslintTextParser:
    id = "eslint-text"
    tool = "eslint"
    kinds = frozenset({"lint"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        recognised = False
        current: str | None = None
        for line in data.combined.split("\n"):
            summary = _SUMMARY.match(line.strip())
            if summary:
                recognised = True
                prior = m.findings_summary or FindingCounts()
                m.findings_summary = prior + FindingCounts(
                    error=int(summary.group("e")), warning=int(summary.group("w"))
                )
                current = None
                continue
            if line and not line[0].isspace() and not line.startswith(("✖", "x ")):
                current = line.strip()
                continue
            match = _MESSAGE.match(line)
            if match and current is not None:
                recognised = True
                rule = match.group("rule")
                message = match.group("msg")
                if rule is None or message.startswith("Parsing error"):
                    if rule is not None:
                        message = f"{message}  {rule}".strip()
                    rule = "parse-error"
                m.findings.append(
                    RawFinding(
                        tool=self.tool,
                        rule=rule,
                        severity="error" if match.group("sev") == "error" else "warning",
                        path=data.relpath(current),
                        line=int(match.group("line")),
                        column=int(match.group("col")),
                        message=message,
                    )
                )
        identified_clean = data.identified_tool == "eslint" and data.exit_code == 0
        if not recognised and identified_clean and not data.combined.strip():
            m.clean = True
            return m
        return m if recognised else None
