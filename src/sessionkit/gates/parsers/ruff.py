"""``ruff-json`` (``--output-format=json``) and ``ruff-text`` (concise and full formats)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal, cast

from sessionkit.gates.model import FindingCounts, Severity
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding, to_int

_CONCISE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): "
    r"(?:(?P<code>[A-Z]+[0-9]+)(?: \[\*\])? |(?P<syntax>invalid-syntax|unformatted|SyntaxError): )"
    r"(?P<msg>.*)$"
)
_FULL_HEAD = re.compile(r"^(?P<code>[A-Z]+[0-9]+)(?: \[\*\])? (?P<msg>.+)$")
# lower-case codes: syntax errors, and ``ruff format --check`` ("unformatted")
_FULL_HEAD_SYNTAX = re.compile(r"^(?P<code>invalid-syntax|unformatted): (?P<msg>.+)$")
_ARROW = re.compile(r"^\s*--> (?P<path>.+?):(?P<line>\d+):(?P<col>\d+)\s*$")
# "Found 2 errors." / "Found 3 errors (2 fixed, 1 remaining)." (the remaining ones are what is
# left); the whole line, so mypy's "Found 2 errors in 1 file (checked …)" is not taken for ruff's
_FOUND_TAIL = r"Found (?P<n>\d+) errors?(?: \(\d+ fixed, (?P<rem>\d+) remaining\))?\.?$"
_FOUND = re.compile("^" + _FOUND_TAIL)
_CLEAN = re.compile(r"^All checks passed!$")
# The concise fast path: the same line pattern applied by one findall over the whole text
# (``.`` and ``[^:\n]`` never cross a line, so it matches exactly the lines _CONCISE matches),
# and the summary lines found by substring search.
_CONCISE_ALL = re.compile(_CONCISE.pattern, re.MULTILINE)
_FOUND_AT = re.compile(_FOUND_TAIL, re.MULTILINE)
_CLEAN_LINE = "All checks passed!"


def _found_count(found: re.Match[str]) -> int:
    return int(found.group("rem") or found.group("n"))


def _rule(code: str | None) -> str:
    if not code or code == "SyntaxError":
        return "invalid-syntax"
    return code


class RuffJsonParser:
    id = "ruff-json"
    tool = "ruff"
    kinds = frozenset({"lint"})
    source: Literal["stdout"] = "stdout"

    def parse(self, data: ParseInput) -> Measurement | None:
        text = data.report_text if data.report_text is not None else data.stdout
        try:
            doc: Any = json.loads(text)
        except ValueError:
            return None
        if not isinstance(doc, list) or any(
            not isinstance(i, dict) or "filename" not in i for i in doc
        ):
            return None
        m = Measurement(parser=self.id, tool=self.tool, clean=not doc)
        for item in doc:
            location = item.get("location") or {}
            end = item.get("end_location") or {}
            severity = (
                item.get("severity") if item.get("severity") in ("warning", "note") else "error"
            )
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule=_rule(item.get("code")),
                    severity=cast(Severity, severity),
                    path=data.relpath(str(item.get("filename") or "")),
                    line=to_int(location.get("row")),
                    column=to_int(location.get("column")),
                    end_line=to_int(end.get("row")),
                    end_column=to_int(end.get("column")),
                    message=str(item.get("message") or ""),
                    url=item.get("url"),
                )
            )
        return m


class RuffTextParser:
    id = "ruff-text"
    tool = "ruff"
    kinds = frozenset({"lint"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        text = data.combined
        if "-->" not in text:  # no full-format location line: concise output (or none)
            return self._parse_concise(data, text)
        return self._parse_lines(data, text)

    def _parse_lines(self, data: ParseInput, text: str) -> Measurement | None:
        """Line by line: concise findings, full-format heads with their ``-->`` lines."""
        m = Measurement(parser=self.id, tool=self.tool)
        recognised = False
        summary: int | None = None
        head: re.Match[str] | None = None
        for line in text.split("\n"):
            concise = _CONCISE.match(line)
            if concise:
                recognised = True
                m.findings.append(
                    RawFinding(
                        tool=self.tool,
                        rule=_rule(concise.group("code") or concise.group("syntax")),
                        severity="error",
                        path=data.relpath(concise.group("path")),
                        line=int(concise.group("line")),
                        column=int(concise.group("col")),
                        message=concise.group("msg"),
                    )
                )
                head = None
                continue
            arrow = _ARROW.match(line)
            if arrow and head is not None:
                recognised = True
                m.findings.append(
                    RawFinding(
                        tool=self.tool,
                        rule=_rule(head.group("code")),
                        severity="error",
                        path=data.relpath(arrow.group("path")),
                        line=int(arrow.group("line")),
                        column=int(arrow.group("col")),
                        message=head.group("msg"),
                    )
                )
                head = None
                continue
            found = _FOUND.match(line)
            if found:
                summary = (summary or 0) + _found_count(found)
                recognised = True
                head = None
                continue
            if _CLEAN.match(line):
                summary = summary or 0
                m.clean = True
                recognised = True
                continue
            head = _FULL_HEAD.match(line) or _FULL_HEAD_SYNTAX.match(line) or head
        if summary is not None:
            m.findings_summary = FindingCounts(error=summary)
        return m if recognised else None

    def _parse_concise(self, data: ParseInput, text: str) -> Measurement | None:
        """The general loop's result for text without ``-->`` lines, in a few C-level passes.

        A log can hold 100,000 findings (gates.md §13.7): one ``findall`` extracts them, paths
        are placed once per distinct path, and findings are built without ``__init__``.
        """
        m = Measurement(parser=self.id, tool=self.tool)
        paths: dict[str, str | None] = {}
        relpath = data.relpath
        append = m.findings.append
        new = object.__new__
        set_dict = object.__setattr__  # build_frozen inlined: one call less per finding
        # each finding's __dict__ is a copy of this template (a C-level clone of its table,
        # cheaper than building an eleven-key literal) with the five varying fields stored
        template: dict[str, object] = {
            "tool": "ruff",
            "rule": None,
            "severity": "error",
            "path": None,
            "line": None,
            "column": None,
            "message": None,
            "end_line": None,
            "end_column": None,
            "test_id": None,
            "url": None,
        }
        copy = template.copy
        for path, line, col, code, syntax, msg in _CONCISE_ALL.findall(text):
            where = paths.get(path, "")
            if where == "":
                where = paths[path] = relpath(path)
            fields = copy()
            fields["rule"] = code or _rule(syntax)
            fields["path"] = where
            fields["line"] = int(line)
            fields["column"] = int(col)
            fields["message"] = msg
            finding = new(RawFinding)
            set_dict(finding, "__dict__", fields)
            append(finding)
        recognised = bool(m.findings)
        summary: int | None = None
        start = text.find("Found ")
        while start != -1:
            if start == 0 or text[start - 1] == "\n":
                found = _FOUND_AT.match(text, start)
                end = text.find("\n", start)
                if found and not _CONCISE.match(text[start : None if end == -1 else end]):
                    summary = (summary or 0) + _found_count(found)
                    recognised = True
            start = text.find("Found ", start + 1)
        start = text.find(_CLEAN_LINE)
        while start != -1:
            end = start + len(_CLEAN_LINE)
            if (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n"):
                summary = summary or 0
                m.clean = True
                recognised = True
            start = text.find(_CLEAN_LINE, start + 1)
        if summary is not None:
            m.findings_summary = FindingCounts(error=summary)
        return m if recognised else None
