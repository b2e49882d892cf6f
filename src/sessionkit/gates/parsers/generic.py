"""``pathline-text``: ``path:line[:col]: message`` lines whose path is a tracked file."""

from __future__ import annotations

import re
from typing import Literal, cast

from sessionkit.gates.model import Severity
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding

_LINE = re.compile(r"^(?P<path>[^\s:][^:\n]*):(?P<line>\d+)(?::(?P<col>\d+))?:\s*(?P<msg>\S.*)$")
_LEVEL = re.compile(r"^(?P<sev>error|warning|note|info)\b[:\s]*", re.IGNORECASE)


class PathlineTextParser:
    id = "pathline-text"
    tool = "generic"
    kinds = frozenset({"typecheck", "lint", "other"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        for line in data.combined.split("\n"):
            match = _LINE.match(line)
            if match is None:
                continue
            path = data.relpath(match.group("path"))
            if path is None or not data.is_tracked(path):
                continue
            message = match.group("msg")
            severity = "error"
            level = _LEVEL.match(message)
            if level:
                word = level.group("sev").lower()
                severity = "note" if word in ("note", "info") else word
                message = message[level.end() :] or message
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule=self.tool,
                    severity=cast(Severity, severity),
                    path=path,
                    line=int(match.group("line")),
                    column=int(match.group("col")) if match.group("col") else None,
                    message=message,
                )
            )
        return m if m.findings else None
