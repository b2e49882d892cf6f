"""``unittest-text``: ``python -m unittest`` output (``Ran N tests`` then ``OK``/``FAILED``)."""

from __future__ import annotations

import re
from typing import Literal

from sessionkit.gates.model import TestCounts
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding

_RAN = re.compile(r"^Ran (\d+) tests? in [0-9.]+s$")
_VERDICT = re.compile(r"^(?P<word>OK|FAILED)(?: \((?P<items>[^)]*)\))?$")
_CASE = re.compile(r"^(?P<what>FAIL|ERROR): (?P<name>\w+) \((?P<where>[\w.]+)\)")


class UnittestTextParser:
    id = "unittest-text"
    tool = "unittest"
    kinds = frozenset({"test"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        ran: int | None = None
        seen: set[str] = set()
        for line in data.combined.split("\n"):
            stripped = line.strip()
            case = _CASE.match(stripped)
            if case:
                name, where = case.group("name"), case.group("where")
                # 3.11+ prints the full dotted id; older versions the class only.
                if where.endswith("." + name):
                    where = where[: -len(name) - 1]
                test_id = f"{where}::{name}"
                if test_id not in seen:
                    seen.add(test_id)
                    is_error = case.group("what") == "ERROR"
                    m.findings.append(
                        RawFinding(
                            tool=self.tool,
                            rule="test-error" if is_error else "test-failure",
                            severity="error",
                            path=None,
                            line=None,
                            column=None,
                            message="error" if is_error else "failed",
                            test_id=test_id,
                        )
                    )
                continue
            ran_match = _RAN.match(stripped)
            if ran_match:
                ran = int(ran_match.group(1))
                continue
            verdict = _VERDICT.match(stripped)
            if verdict and ran is not None:
                tally = {"failures": 0, "errors": 0, "skipped": 0, "expected failures": 0}
                for item in (verdict.group("items") or "").split(","):
                    key, _, value = item.strip().partition("=")
                    if value.isdigit():
                        tally[key] = int(value)
                failed, errors = tally["failures"], tally["errors"]
                skipped = tally["skipped"] + tally["expected failures"]
                passed = ran - failed - errors - skipped
                if passed >= 0:
                    counts = TestCounts(passed, failed, errors, skipped)
                    m.tests = counts if m.tests is None else m.tests + counts
                ran = None
        return m if (m.tests is not None or m.findings) else None
