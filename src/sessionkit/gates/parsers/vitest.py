"""``vitest-text``: vitest's ``Tests`` summary and ``FAIL file > suite > test`` lines."""

from __future__ import annotations

import re
from typing import Literal

from sessionkit.gates.model import TestCounts
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding

# "Tests  1 failed | 1 passed | 1 skipped (3)"; the "Test Files" line never matches.
_SUMMARY = re.compile(r"^\s*Tests\s+(?P<items>\d+ \w+(?: \| \d+ \w+)*)\s+\((?P<total>\d+)\)")
_ITEM = re.compile(r"(\d+) (\w+)")
# " FAIL  src/c.test.js > suite > bad", the failed-tests section every reporter prints. The
# default reporter's per-file tree ("   × suite > bad 6ms") names no file and ends with a
# duration: not a test id source.
_FAIL = re.compile(r"^\s*FAIL\s+(?P<file>\S+) > (?P<title>.+?)\s*$")
# " FAIL  src/d.test.js [ src/d.test.js ]": the file failed to load or collect
_FILE_FAIL = re.compile(r"^\s*FAIL\s+(?P<file>\S+) \[ (?P=file) \]\s*$")


class VitestTextParser:
    id = "vitest-text"
    tool = "vitest"
    kinds = frozenset({"test"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        recognised = False
        seen: set[str] = set()
        for line in data.combined.split("\n"):
            summary = _SUMMARY.match(line)
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
                    continue
                m.tests = counts if m.tests is None else m.tests + counts
                continue
            fail = _FAIL.match(line)
            file_fail = None if fail else _FILE_FAIL.match(line)
            if fail or file_fail:
                match = fail or file_fail
                assert match is not None
                path = data.relpath(match.group("file"))
                title = fail.group("title") if fail else "(suite)"  # as jest-json names it
                test_id = f"{path or match.group('file')}::{title}"
                if test_id in seen:
                    continue
                seen.add(test_id)
                recognised = True
                m.findings.append(
                    RawFinding(
                        tool=self.tool,
                        rule="test-failure" if fail else "test-error",
                        severity="error",
                        path=path,
                        line=None,
                        column=None,
                        message="failed",
                        test_id=test_id,
                    )
                )
        if "count-inconsistent" in m.notes:
            m.tests = None
        return m if recognised else None
