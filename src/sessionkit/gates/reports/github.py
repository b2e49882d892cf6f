"""``github``: workflow commands (annotations within the per-step limits, log groups guarded
by ``::stop-commands::``) and ``github-output`` step outputs (spec §9.6, §9.8).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from sessionkit.gates.reports.base import ReportOptions
from sessionkit.gates.reports.model import ReportFinding, ReportModel, describe_error

LEVELS = ("error", "warning", "notice")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PLURAL = {"error": "errors", "warning": "warnings", "notice": "notices"}


def escape_data(text: str) -> str:
    text = _CONTROL.sub("", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Annotation:
    level: str
    message: str
    title: str
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    column: int | None = None
    end_column: int | None = None

    def render(self) -> str:
        props: list[str] = []
        if self.path:
            props.append(f"file={escape_property(self.path)}")
            if self.line:
                props.append(f"line={self.line}")
                if self.end_line and self.end_line >= self.line:
                    props.append(f"endLine={self.end_line}")
                if self.column:
                    props.append(f"col={self.column}")
                    if self.end_column and (self.end_line in (None, self.line)):
                        props.append(f"endColumn={self.end_column}")
        props.append(f"title={escape_property(self.title)}")
        return f"::{self.level} {','.join(props)}::{escape_data(self.message)}"


def _finding_level(f: ReportFinding) -> str:
    if f.blocking and f.severity == "error":
        return "error"
    if f.severity == "note":
        return "notice"
    return "warning"


def _rank(f: ReportFinding) -> tuple[int, str, int]:
    """§9.6: blocking new, blocking pre-existing, in the changed-file scope, the rest."""
    if f.blocking and f.baseline == "new":
        tier = 0
    elif f.blocking:
        tier = 1
    elif f.in_scope:
        tier = 2
    else:
        tier = 3
    return (tier, f.path or "\uffff", f.line or 0)


def _omitted_by_level(model: ReportModel) -> dict[str, int]:
    """Findings a truncated result did not keep (§6.6), per annotation level. Their
    severities are unknown: they count at the level most of their check's kept findings have
    (ties: the more severe), or ``error``/``warning`` by whether the check blocks."""
    by_level = dict.fromkeys(LEVELS, 0)
    omitted = model.omitted()
    for section in model.sections:
        count = omitted[section.name]
        if not count:
            continue
        levels = Counter(_finding_level(f) for f in model.findings if f.section == section.name)
        if levels:
            level = max(LEVELS, key=lambda lv: (levels[lv], -LEVELS.index(lv)))
        else:
            level = "error" if section.blocking else "warning"
        by_level[level] += count
    return by_level


def select_annotations(model: ReportModel, options: ReportOptions) -> list[Annotation]:
    """Every annotation in priority order, then capped to ``N - 1`` per level plus overflow."""
    wanted: list[Annotation] = []
    for error in model.errors:  # status error (§9.1): first, they explain everything else
        file = str(error["file"]) if error.get("file") else None
        wanted.append(
            Annotation(
                "error",
                describe_error(error) if file is None else str(error.get("message", "")),
                f"sessionkit {model.command}: {error.get('code') or 'error'}",
                options.workspace_prefix + file if file else None,
                int(error["line"]) if file and error.get("line") else None,
            )
        )
    located = {f.section for f in model.findings if f.path}
    for section in model.sections:
        problem = section.status in ("error", "timeout") or (
            section.status == "fail" and section.name not in located
        )
        if problem:
            level = "error" if section.blocking else "warning"
            reason = section.blocking_reason or section.status_reason
            wanted.append(
                Annotation(
                    level,
                    f"{section.name}: {section.status} ({reason}) — {section.summary}",
                    f"sessionkit {section.name}: {section.status}",
                )
            )
    for warning in model.warnings:
        if warning.get("code") in ("stub", "uncommitted-config", "modified-worktree"):
            wanted.append(Annotation("warning", str(warning["message"]), "sessionkit warning"))
    for f in sorted(model.findings, key=_rank):
        title = f"sessionkit {f.section}: {f.tool}.{f.rule}" + (
            " (new)" if f.baseline == "new" else ""
        )
        wanted.append(
            Annotation(
                _finding_level(f),
                f.message,
                title,
                options.workspace_prefix + f.path if f.path else None,
                f.line,
                f.end_line,
                f.column,
                f.end_column,
            )
        )
    for section in model.sections:
        if section.fixed:
            wanted.append(
                Annotation(
                    "notice",
                    f"{section.name}: {section.fixed} fixed versus baseline",
                    f"sessionkit {section.name}: fixed",
                )
            )
    unkept = _omitted_by_level(model)
    budget = max(1, min(10, options.github_annotations))
    chosen: list[Annotation] = []
    for level in LEVELS:
        of_level = [a for a in wanted if a.level == level]
        total = len(of_level) + unkept[level]
        if total <= budget - 1 or (budget == 1 and total == 1):
            chosen.extend(of_level)
            continue
        keep = of_level[: budget - 1]
        chosen.extend(keep)
        rest = total - len(keep)
        chosen.append(
            Annotation(
                level,
                f"sessionkit: {rest} more {PLURAL[level] if rest != 1 else level} — see the job "
                "summary and the SARIF report",
                "sessionkit: more results",
            )
        )
    return chosen


class GithubWriter:
    name = "github"
    default_path: str | None = "-"

    def render(self, model: ReportModel, options: ReportOptions) -> str:
        lines = [a.render() for a in select_annotations(model, options)]
        for section in model.sections:
            if not section.tail:
                continue
            token = secrets.token_hex(16)
            lines.append(f"::group::{section.name} ({section.status})")
            lines.append(f"::stop-commands::{token}")
            lines.extend(section.tail.split("\n"))
            lines.append(f"::{token}::")
            lines.append("::endgroup::")
        return "\n".join(lines) + "\n"


def in_actions() -> bool:
    """Whether this process runs in a GitHub Actions step (its output is scanned for commands)."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def without_commands(text: str) -> str:
    """``text`` that holds tool output (tails, finding messages), made inert for the Actions
    runner when it runs in a step: wrapped in ``::stop-commands::<token>`` … ``::<token>::``,
    so an ``::error::`` or ``##[error]`` line a tool printed is shown, never executed (§9.6)."""
    if not in_actions() or ("::" not in text and "##[" not in text):
        return text
    token = secrets.token_hex(16)
    body = text if text.endswith("\n") else text + "\n"
    return f"::stop-commands::{token}\n{body}::{token}::\n"


@contextlib.contextmanager
def commands_stopped(stream: TextIO | None) -> Iterator[None]:
    """Tool output copied live to ``stream`` (``--stream``) inside a stop-commands block."""
    if stream is None or not in_actions():
        yield
        return
    token = secrets.token_hex(16)
    stream.write(f"::stop-commands::{token}\n")
    stream.flush()
    try:
        yield
    finally:
        stream.write(f"::{token}::\n")
        stream.flush()


def _one_line(value: object) -> str:
    return str(value).replace("\r", " ").replace("\n", " ")


class GithubOutputWriter:
    name = "github-output"
    default_path: str | None = "$GITHUB_OUTPUT"

    def render(self, model: ReportModel, options: ReportOptions) -> str:
        doc = model.document
        summary = doc.get("summary", {})
        findings = summary.get("findings", {})
        tests = summary.get("tests")
        compared = "new" in summary
        checks = doc.get("checks", [])
        outputs = {
            "verdict": model.status,
            "exit-code": model.exit_code,
            "variant": model.variant,
            "blocking-checks": ",".join(summary.get("blocking", [])),
            "failed-checks": ",".join(
                c["name"] for c in checks if c["status"] in ("fail", "error", "timeout")
            ),
            "errors": findings.get("error", 0),
            "warnings": findings.get("warning", 0),
            "findings": sum(findings.values()) if findings else 0,
            "new-findings": summary.get("new", "") if compared else "",
            "fixed-findings": summary.get("fixed", "") if compared else "",
            "tests-failed": (tests["failed"] + tests["errors"]) if tests else "",
            "json-report": options.json_report
            or (
                options.workspace_prefix + doc["logs_dir"] + "result.json"
                if doc.get("logs_dir")
                else ""
            ),
        }
        return "".join(f"{k}={_one_line(v)}\n" for k, v in outputs.items())
