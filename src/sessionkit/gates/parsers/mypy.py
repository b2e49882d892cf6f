"""``mypy-text`` (default output) and ``mypy-json`` (``mypy --output json``)."""

from __future__ import annotations

import json
import re
from typing import Literal, cast

from sessionkit.gates.model import FindingCounts, Severity
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding, to_int

_LINE = re.compile(
    r"^(?P<path>[^:\n]+?):(?:(?P<line>\d+):(?:(?P<col>\d+):(?:(?P<eline>\d+):(?P<ecol>\d+):)?)?)?"
    r" (?P<sev>error|warning|note): (?P<msg>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_FOUND = re.compile(r"^Found (\d+) errors? in \d+ files? \(checked \d+ source files?\)$")
_SUCCESS = re.compile(r"^Success: no issues found in \d+ source files?$")


def _int(value: str | None) -> int | None:
    return int(value) if value else None


class MypyTextParser:
    id = "mypy-text"
    tool = "mypy"
    kinds = frozenset({"typecheck"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        recognised = False
        summary_errors: int | None = None
        for line in data.combined.split("\n"):
            found = _FOUND.match(line)
            if found:
                summary_errors = (summary_errors or 0) + int(found.group(1))
                recognised = True
                continue
            if _SUCCESS.match(line):
                summary_errors = summary_errors or 0
                m.clean = True
                recognised = True
                continue
            match = _LINE.match(line)
            if match is None:
                continue
            recognised = True
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule=match.group("code") or self.tool,
                    severity=cast(Severity, match.group("sev")),
                    path=data.relpath(match.group("path")),
                    line=_int(match.group("line")),
                    column=_int(match.group("col")),
                    end_line=_int(match.group("eline")),
                    end_column=_int(match.group("ecol")),
                    message=match.group("msg"),
                )
            )
        if summary_errors is not None:
            m.findings_summary = FindingCounts(error=summary_errors)
        return m if recognised else None


class MypyJsonParser:
    id = "mypy-json"
    tool = "mypy"
    kinds = frozenset({"typecheck"})
    source: Literal["stdout"] = "stdout"

    def parse(self, data: ParseInput) -> Measurement | None:
        text = data.report_text if data.report_text is not None else data.stdout
        m = Measurement(parser=self.id, tool=self.tool)
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return None
        for line in lines:
            try:
                item = json.loads(line)
            except ValueError:
                return None
            if not isinstance(item, dict) or "file" not in item or "message" not in item:
                return None
            column = to_int(item.get("column"))
            message = str(item["message"])
            if item.get("hint"):
                message += "\n" + str(item["hint"])
            severity = "note" if item.get("severity") == "note" else "error"
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule=str(item.get("code") or self.tool),
                    severity=cast(Severity, severity),
                    path=data.relpath(str(item["file"])),
                    line=to_int(item.get("line")),
                    column=column + 1 if column is not None and column >= 0 else None,
                    message=message,
                )
            )
        return m
