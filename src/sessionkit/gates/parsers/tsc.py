"""``tsc-text``: TypeScript compiler diagnostics, plain and ``--pretty`` forms."""

from __future__ import annotations

import re
from typing import Literal, cast

from sessionkit.gates.model import FindingCounts, Severity
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding

_PLAIN = re.compile(
    r"^(?P<path>[^\s(][^(]*)\((?P<line>\d+),(?P<col>\d+)\): (?P<sev>error|warning) "
    r"(?P<code>TS\d+): (?P<msg>.*)$"
)
_PRETTY = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+) - (?P<sev>error|warning) "
    r"(?P<code>TS\d+): (?P<msg>.*)$"
)
_GLOBAL = re.compile(r"^(?P<sev>error|warning) (?P<code>TS\d+): (?P<msg>.*)$")
# tsc's pretty summaries, whole lines: "Found 1 error." / "Found 2 errors. Watching for file
# changes." / "Found 1 error in src/a.ts:1" / "Found 3 errors in the same file, starting at:
# src/a.ts:1" / "Found 3 errors in 2 files." — not mypy's "Found 3 errors in 1 file (checked …)"
_FOUND = re.compile(
    r"^Found (?P<n>\d+) errors?(?:\.(?: Watching for file changes\.)?"
    r"| in the same file, starting at: \S.*| in \d+ files?\.| in \S.*:\d+)$"
)


class TscTextParser:
    id = "tsc-text"
    tool = "tsc"
    kinds = frozenset({"typecheck"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        recognised = False
        summary: int | None = None
        for line in data.combined.split("\n"):
            found = _FOUND.match(line)
            if found:
                summary = (summary or 0) + int(found.group("n"))
                recognised = True
                continue
            match = _PLAIN.match(line) or _PRETTY.match(line)
            if match:
                recognised = True
                m.findings.append(
                    RawFinding(
                        tool=self.tool,
                        rule=match.group("code"),
                        severity=cast(Severity, match.group("sev")),
                        path=data.relpath(match.group("path")),
                        line=int(match.group("line")),
                        column=int(match.group("col")),
                        message=match.group("msg"),
                    )
                )
                continue
            glob = _GLOBAL.match(line)
            if glob:
                recognised = True
                m.findings.append(
                    RawFinding(
                        tool=self.tool,
                        rule=glob.group("code"),
                        severity=cast(Severity, glob.group("sev")),
                        path=None,
                        line=None,
                        column=None,
                        message=glob.group("msg"),
                    )
                )
        if summary is not None:
            m.findings_summary = FindingCounts(error=summary)
        identified_clean = data.identified_tool == "tsc" and data.exit_code == 0
        if not recognised and identified_clean and not data.combined.strip():
            m.clean = True
            return m
        return m if recognised else None
