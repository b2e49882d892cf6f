"""``junit``: JUnit XML reports (pytest's injected xunit1 report, vitest, jest-junit)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Literal

from sessionkit.gates.model import TestCounts
from sessionkit.gates.parsers.base import Measurement, ParseInput, RawFinding

MAX_REPORT_BYTES = 256 * 1024 * 1024


def _first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def _tool_name(root: ET.Element) -> str:
    for element in (root, *root.iter("testsuite")):
        name = (element.get("name") or "").lower()
        for tool in ("pytest", "vitest", "jest"):
            if tool in name:
                return tool
    return "junit"


class JunitParser:
    id = "junit"
    tool = "junit"
    kinds = frozenset({"test"})
    source: Literal["report"] = "report"

    def parse(self, data: ParseInput) -> Measurement | None:
        text = data.report_text
        if text is None or data.report_format not in (None, "junit"):
            return None
        if "<!DOCTYPE" in text[:1024] or len(text) > MAX_REPORT_BYTES:
            raise ValueError("report-invalid")
        root = ET.fromstring(text)
        if root.tag not in ("testsuites", "testsuite"):
            raise ValueError("report-invalid")
        tool = _tool_name(root)
        m = Measurement(parser=self.id, tool=tool, enumerates_passing=True)
        passed = failed = errors = skipped = 0
        for case in root.iter("testcase"):
            classname = case.get("classname") or ""
            name = case.get("name") or ""
            if tool == "vitest" and name == classname:
                name = "(suite)"  # vitest's testcase for a file that failed to load
            test_id = f"{classname}::{name}"
            error = case.find("error")
            failure = case.find("failure")
            rule = None
            problem = None
            if error is not None:
                errors += 1
                rule, problem = "test-error", error
            elif failure is not None:
                failed += 1
                rule, problem = "test-failure", failure
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
                m.passed_ids.add(test_id)
            if rule is None or problem is None:
                continue
            file_attr = case.get("file")
            if not file_attr and tool == "vitest":
                file_attr = classname  # vitest writes no file attribute; its classname is one
            line_attr = case.get("line")
            line = int(line_attr) + 1 if line_attr and line_attr.isdigit() else None
            message = _first_line(problem.get("message")) or _first_line(problem.text)
            m.findings.append(
                RawFinding(
                    tool=tool,
                    rule=rule,
                    severity="error",
                    path=data.relpath(file_attr) if file_attr else None,
                    line=line if file_attr else None,
                    column=None,
                    message=message or rule,
                    test_id=test_id,
                )
            )
        m.tests = TestCounts(passed, failed, errors, skipped)
        declared = root.get("tests") if root.tag == "testsuite" else None
        if declared is not None and declared.isdigit() and int(declared) != m.tests.total:
            m.notes.append("junit-attribute-mismatch")
        return m
