"""``jest-text`` (jest's default reporter) and ``jest-json`` (``jest --json``, vitest json)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from sessionkit.gates.model import TestCounts
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding

_SUMMARY = re.compile(r"^Tests:\s+(?P<items>.*?),?\s*(?P<total>\d+) total\s*$")
_ITEM = re.compile(r"(\d+) (\w+)")
_FILE = re.compile(r"^(?P<what>FAIL|PASS)\s+(?P<file>\S+)")
_BULLET = re.compile(r"^\s+● (?P<title>.+?)\s*$")


def _failure(tool: str, path: str | None, test_id: str, suite: bool, message: str) -> RawFinding:
    return RawFinding(
        tool=tool,
        rule="test-error" if suite else "test-failure",
        severity="error",
        path=path,
        line=None,
        column=None,
        message=message,
        test_id=test_id,
    )


class JestTextParser:
    id = "jest-text"
    tool = "jest"
    kinds = frozenset({"test"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        recognised = False
        seen: set[str] = set()
        current: str | None = None
        for line in data.combined.split("\n"):
            summary = _SUMMARY.match(line.strip())
            if summary:
                recognised = True
                tally: dict[str, int] = {}
                for number, word in _ITEM.findall(summary.group("items")):
                    tally[word] = tally.get(word, 0) + int(number)
                counts = TestCounts(
                    passed=tally.get("passed", 0),
                    failed=tally.get("failed", 0),
                    errors=0,
                    skipped=tally.get("skipped", 0) + tally.get("todo", 0),
                )
                if counts.total != int(summary.group("total")):
                    m.notes.append("count-inconsistent")
                else:
                    m.tests = counts if m.tests is None else m.tests + counts
                current = None
                continue
            opened = _FILE.match(line)
            if opened:
                current = opened.group("file") if opened.group("what") == "FAIL" else None
                continue
            bullet = _BULLET.match(line)
            if bullet and current is not None:
                title = bullet.group("title")
                if title == "Console":
                    continue
                path = data.relpath(current)
                suite = title == "Test suite failed to run"
                name = "(suite)" if suite else title.replace(" › ", " > ")
                test_id = f"{path or current}::{name}"
                if test_id in seen:
                    continue
                seen.add(test_id)
                recognised = True
                m.findings.append(_failure(self.tool, path, test_id, suite, "failed"))
        if "count-inconsistent" in m.notes:
            m.tests = None
        return m if recognised else None


class JestJsonParser:
    id = "jest-json"
    tool = "jest"
    kinds = frozenset({"test"})
    source: Literal["stdout"] = "stdout"

    def parse(self, data: ParseInput) -> Measurement | None:
        text = data.report_text if data.report_text is not None else data.stdout
        if data.report_text is not None and data.report_format not in (None, "jest-json"):
            return None
        try:
            doc: Any = json.loads(text)
        except ValueError:
            return None
        if not isinstance(doc, dict) or "testResults" not in doc:
            return None
        tool = "vitest" if data.identified_tool == "vitest" else "jest"
        m = Measurement(parser=self.id, tool=tool, enumerates_passing=True)
        passed = failed = errors = skipped = 0
        for suite in doc.get("testResults") or []:
            file = str(suite.get("name") or "")
            path = data.relpath(file) if file else None
            prefix = path or file
            assertions = suite.get("assertionResults") or []
            if suite.get("status") == "failed" and not assertions:
                errors += 1
                message = str(suite.get("message") or "suite failed to run").strip()
                m.findings.append(
                    _failure(tool, path, f"{prefix}::(suite)", True, message.split("\n")[0])
                )
                continue
            for case in assertions:
                titles = [*case.get("ancestorTitles", []), case.get("title", "")]
                test_id = f"{prefix}::{' > '.join(str(t) for t in titles)}"
                status = case.get("status")
                if status == "passed":
                    passed += 1
                    m.passed_ids.add(test_id)
                elif status == "failed":
                    failed += 1
                    messages = case.get("failureMessages") or ["failed"]
                    first = str(messages[0]).strip().split("\n")[0] if messages else "failed"
                    m.findings.append(_failure(tool, path, test_id, False, first or "failed"))
                else:
                    skipped += 1
        m.tests = TestCounts(passed, failed, errors, skipped)
        return m
