"""``mypy-text`` (default output) and ``mypy-json`` (``mypy --output json``)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Literal, cast

from sessionkit.gates.model import FindingCounts, Severity
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding, to_int

_LINE = re.compile(
    r"^(?P<path>[^:\n]+?):(?:(?P<line>\d+):(?:(?P<col>\d+):(?:(?P<eline>\d+):(?P<ecol>\d+):)?)?)?"
    r" (?P<sev>error|warning|note): (?P<msg>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_FOUND = re.compile(r"^Found (\d+) errors? in \d+ files? \(checked \d+ source files?\)$")
_SUCCESS = re.compile(r"^Success: no issues found in \d+ source files?$")


# Notes whose code mypy prints in text output; any other note's code (``misc`` for
# ``reveal_type``, or the error's own code for a hint) is hidden there, so the JSON parser
# drops it too and both formats give the same rule and fingerprint (§6.7).
_SHOWN_NOTE_CODES = frozenset({"annotation-unchecked", "deprecated"})

# Notes mypy never attaches to an error (``reveal_type``, ``reveal_locals``): located at their
# own expression, so the JSON output keeps them apart even on an error's line.
_STANDALONE_NOTE = re.compile(r"Revealed (?:type is |local types are:)")


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
        # mypy's own grouping (``create_errors``, which builds the JSON ``hint``): a note at the
        # location (path, line, column) of the latest error there is that error's hint, not a
        # finding of its own. mypy sorts by (line, column), so one location's lines are one
        # run: a note folds only into the latest error of the run it belongs to.
        run_at: tuple[str, str | None, str | None] | None = None
        run_error: int | None = None
        for line in data.combined.split("\n"):
            found = _FOUND.match(line)
            if found:
                summary_errors = (summary_errors or 0) + int(found.group(1))
                recognised = True
                run_at = run_error = None
                continue
            if _SUCCESS.match(line):
                summary_errors = summary_errors or 0
                m.clean = True
                recognised = True
                run_at = run_error = None
                continue
            match = _LINE.match(line)
            if match is None:
                continue  # ``--pretty`` source excerpts sit between a line and its hints
            if match.group("path") == "mypy" and match.group("line") is None:
                # ``mypy: error: unrecognized arguments``: the program's own usage error (its
                # exit code 2 makes the check an error), not a finding in a file named mypy
                continue
            recognised = True
            where = (match.group("path"), match.group("line"), match.group("col"))
            if where != run_at:
                run_at, run_error = where, None
            severity = match.group("sev")
            if severity == "note" and run_error is not None:
                if match.group("col") is None and _STANDALONE_NOTE.match(match["msg"]):
                    # without columns a line is the location; a reveal note is never a hint,
                    # it sits at its own column (and the notes after it belong to it)
                    run_error = None
                else:
                    error = m.findings[run_error]
                    m.findings[run_error] = replace(
                        error, message=error.message + "\n" + match["msg"]
                    )
                    continue
            run_error = len(m.findings) if severity == "error" else None
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule=match.group("code") or self.tool,
                    severity=cast(Severity, severity),
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
            code = item.get("code")
            if severity == "note" and code not in _SHOWN_NOTE_CODES:
                code = None
            line_no = to_int(item.get("line"))
            end_line = to_int(item.get("end_line"))
            end_column = to_int(item.get("end_column"))  # already what the text shows
            if column is None or column < 0 or end_line is None or end_line < 1:
                end_line = end_column = None
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule=str(code or self.tool),
                    severity=cast(Severity, severity),
                    path=data.relpath(str(item["file"])),
                    line=line_no,
                    column=column + 1 if column is not None and column >= 0 else None,
                    end_line=end_line,
                    end_column=end_column if end_column and end_column >= 1 else None,
                    message=message,
                )
            )
        return m
