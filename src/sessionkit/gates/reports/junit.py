"""``junit``: one testsuite per check, plus one testcase per failing test (spec §9.3)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sessionkit.gates.reports.base import ReportOptions
from sessionkit.gates.reports.model import ReportFinding, ReportModel, Section, describe_error

# characters XML 1.0 does not allow (ElementTree would write them and produce invalid XML)
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_LISTED = 100


def clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def _location(f: ReportFinding) -> str:
    where = f.path or "(no file)"
    if f.line:
        where += f":{f.line}"
        if f.column:
            where += f":{f.column}"
    return where


def _finding_lines(findings: list[ReportFinding], omitted: int = 0) -> str:
    lines = []
    for f in findings[:MAX_LISTED]:
        prefix = "NEW " if f.baseline == "new" else ""
        first = f.message.split("\n", 1)[0]
        lines.append(f"{prefix}{_location(f)} {f.tool}[{f.rule}] {first}")
    rest = max(0, len(findings) - MAX_LISTED) + omitted  # omitted: not kept in the result
    if rest:
        lines.append(f"... and {rest} more")
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return f"{value or 0:.3f}"


def _check_case(
    suite: ET.Element, section: Section, findings: list[ReportFinding], omitted: int, command: str
) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"sessionkit.{command}",
        name=section.name,
        time=_seconds(section.duration_s),
    )
    blocking_note = "" if section.blocking else " (non-blocking)"
    # a check that passed but blocks (--fail-on warning) is a failure too: the gate failed
    if section.status == "fail" or (section.status == "pass" and section.blocking):
        new = f" ({section.new} new)" if section.new else ""
        element = ET.SubElement(
            case,
            "failure",
            type=section.blocking_reason or section.status_reason,
            message=clean(f"{section.summary}{new}{blocking_note}"),
        )
        element.text = clean(_finding_lines([f for f in findings if f.test_id is None], omitted))
    elif section.status in ("error", "timeout"):
        ET.SubElement(
            case,
            "error",
            type=section.status_reason,
            message=clean(
                f"{section.name}: {section.status} ({section.status_reason}){blocking_note}"
            ),
        )
    elif section.status == "skip":
        reason = section.status_reason
        if section.stub:
            reason = f"stub: {section.stub} verifies nothing"
        ET.SubElement(case, "skipped", message=clean(reason))
    if section.tail:
        ET.SubElement(case, "system-out").text = clean(section.tail)


def _test_cases(suite: ET.Element, findings: list[ReportFinding]) -> None:
    for f in findings:
        if f.test_id is None:
            continue
        classname, _, name = f.test_id.rpartition("::")
        attrs = {"classname": clean(classname), "name": clean(name or f.test_id), "time": "0"}
        if f.path:
            attrs["file"] = clean(f.path)
        case = ET.SubElement(suite, "testcase", attrs)
        tag = "error" if f.rule == "test-error" else "failure"
        element = ET.SubElement(case, tag, type=f.rule, message=clean(f.message.split("\n", 1)[0]))
        if f.baseline == "new":
            element.text = "NEW (not failing in baseline)"
        elif f.baseline == "pre-existing":
            element.text = "pre-existing (failing in baseline)"


def _count(suite: ET.Element) -> dict[str, int]:
    cases = suite.findall("testcase")
    return {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }


class JunitWriter:
    name = "junit"
    default_path: str | None = None

    def render(self, model: ReportModel, options: ReportOptions) -> str:
        root = ET.Element("testsuites", name=f"sessionkit {model.command}")
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        total_time = 0.0
        omitted = model.omitted()
        for section in model.sections:
            findings = [f for f in model.findings if f.section == section.name]
            suite = ET.SubElement(root, "testsuite", name=f"sessionkit.{section.name}")
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="sessionkit.variant", value=model.variant)
            ET.SubElement(
                props, "property", name="sessionkit.command", value=clean(section.command)
            )
            _check_case(suite, section, findings, omitted[section.name], model.command)
            _test_cases(suite, findings)
            counts = _count(suite)
            for key, value in counts.items():
                suite.set(key, str(value))
                totals[key] += value
            suite.set("time", _seconds(section.duration_s))
            total_time += section.duration_s or 0
        if model.errors:
            # status error (§9.1): the errors are the report, never an empty green suite
            suite = ET.SubElement(root, "testsuite", name=f"sessionkit.{model.command}")
            case = ET.SubElement(
                suite, "testcase", classname=f"sessionkit.{model.command}", name="errors", time="0"
            )
            first = model.errors[0]
            element = ET.SubElement(
                case,
                "error",
                type=str(first.get("code") or "error"),
                message=clean(describe_error(first).split("\n", 1)[0]),
            )
            element.text = clean("\n".join(describe_error(e) for e in model.errors))
            for key, value in _count(suite).items():
                suite.set(key, str(value))
                totals[key] += value
            suite.set("time", _seconds(0))
        for key, value in totals.items():
            root.set(key, str(value))
        root.set("time", _seconds(total_time))
        ET.indent(root)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode")
            + "\n"
        )
