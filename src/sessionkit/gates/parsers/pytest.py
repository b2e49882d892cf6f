"""``pytest-text``: the short test summary and the final summary line of pytest."""

from __future__ import annotations

import re
from typing import Literal

from sessionkit.gates.model import TestCounts
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding

_SUMMARY = re.compile(
    r"^=*\s*(?P<items>(?:\d+ (?:failed|passed|skipped|xfailed|xpassed|errors?|deselected|"
    r"warnings?|rerun)(?:, )?)+) in [0-9.]+s(?: \([0-9:]+\))?\s*=*\s*$"
)
_NO_TESTS = re.compile(r"^=*\s*no tests ran in [0-9.]+s\s*=*\s*$")
_ITEM = re.compile(r"(\d+) (\w+)")
_FAILED = re.compile(r"^(?P<what>FAILED|ERROR) (?P<node>\S+?)(?: - (?P<msg>.*))?$")
_VERSION = re.compile(r"^platform \S+ -- Python \S+, pytest-(?P<v>[0-9][^,\s]*)")


def node_to_test_id(node: str) -> str:
    """A pytest node id in the form pytest's JUnit writer uses (``classname::name``)."""
    parts = node.split("::")
    module = parts[0]
    if module.endswith(".py"):
        module = module[:-3]
    module = module.replace("/", ".")
    if len(parts) == 1:
        return f"::{module}"
    classes = parts[1:-1]
    return "::".join([".".join([module, *classes]), parts[-1]])


def _summary_counts(items: str) -> tuple[TestCounts, int]:
    tally: dict[str, int] = {}
    for number, word in _ITEM.findall(items):
        tally[word] = tally.get(word, 0) + int(number)
    counts = TestCounts(
        passed=tally.get("passed", 0) + tally.get("xpassed", 0),
        failed=tally.get("failed", 0),
        errors=tally.get("error", 0) + tally.get("errors", 0),
        skipped=tally.get("skipped", 0) + tally.get("xfailed", 0),
    )
    return counts, tally.get("deselected", 0)


class PytestTextParser:
    id = "pytest-text"
    tool = "pytest"
    kinds = frozenset({"test"})
    source: Literal["text"] = "text"

    def parse(self, data: ParseInput) -> Measurement | None:
        m = Measurement(parser=self.id, tool=self.tool)
        recognised = False
        seen: set[str] = set()
        for line in data.combined.split("\n"):
            stripped = line.strip()
            summary = _SUMMARY.match(stripped)
            if summary:
                counts, _deselected = _summary_counts(summary.group("items"))
                m.tests = counts if m.tests is None else m.tests + counts
                recognised = True
                continue
            if _NO_TESTS.match(stripped):
                m.tests = m.tests or TestCounts(0, 0, 0, 0)
                recognised = True
                continue
            version = _VERSION.match(stripped)
            if version and m.tool_version is None:
                m.tool_version = version.group("v")
            failed = _FAILED.match(line)
            if failed is None:
                continue
            node = failed.group("node")
            if "::" not in node and not node.endswith(".py"):
                continue
            test_id = node_to_test_id(node)
            if test_id in seen:
                continue
            seen.add(test_id)
            recognised = True
            is_error = failed.group("what") == "ERROR"
            m.findings.append(
                RawFinding(
                    tool=self.tool,
                    rule="test-error" if is_error else "test-failure",
                    severity="error",
                    path=data.relpath(node.split("::", 1)[0]),
                    line=None,
                    column=None,
                    message=(failed.group("msg") or "").strip()
                    or ("error" if is_error else "failed"),
                    test_id=test_id,
                )
            )
        return m if recognised else None
