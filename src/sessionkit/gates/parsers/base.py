"""The one Protocol every output parser implements, and the values parsers exchange."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from sessionkit.gates.model import FindingCounts, Severity, TestCounts


@dataclass(frozen=True)
class RawFinding:
    """A finding as a parser saw it: repo-relative path, 1-based positions, no fingerprint."""

    tool: str
    rule: str
    severity: Severity
    path: str | None
    line: int | None
    column: int | None
    message: str
    end_line: int | None = None
    end_column: int | None = None
    test_id: str | None = None
    url: str | None = None


@dataclass
class Measurement:
    """What one parser recognised. ``tests``/``findings_summary`` are None when unmeasured."""

    parser: str
    tool: str
    tests: TestCounts | None = None
    findings: list[RawFinding] = field(default_factory=list)
    # the tool's own error/warning totals from a summary line, when it printed one
    findings_summary: FindingCounts | None = None
    # a recognised "clean" line (or identified empty output): zero findings were measured
    clean: bool = False
    passed_ids: set[str] = field(default_factory=set)
    enumerates_passing: bool = False
    tool_version: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParseInput:
    """Decoded, normalised output of one check plus what parsers need to place paths."""

    stdout: str
    stderr: str
    root: str
    cwd: str
    exit_code: int | None
    identified_tool: str | None
    is_tracked: Callable[[str], bool]
    report_text: str | None = None
    report_format: str | None = None

    @property
    def combined(self) -> str:
        if not self.stderr:
            return self.stdout
        if not self.stdout:
            return self.stderr
        return self.stdout + "\n" + self.stderr

    def relpath(self, path: str) -> str | None:
        return relativise(path, self.root, self.cwd)


def relativise(path: str, root: str, cwd: str) -> str | None:
    """Repo-relative POSIX path; ``None`` for a path outside the repository (no machine paths)."""
    path = path.strip()
    if not path:
        return None
    if path.startswith("./"):
        path = path[2:]
    if not os.path.isabs(path):
        # the common case, cheap: a relative path that stays inside the tree
        joined = posixpath.normpath(path if cwd in ("", ".") else f"{cwd}/{path}")
        if joined != ".." and not joined.startswith("../"):
            return joined
    elif path.startswith(root.rstrip("/") + "/"):
        inside = posixpath.normpath(path[len(root.rstrip("/")) + 1 :])
        if not inside.startswith("../"):
            return inside
    base = os.path.join(root, cwd) if cwd not in ("", ".") else root
    full = path if os.path.isabs(path) else os.path.join(base, path)
    full = os.path.normpath(full)
    for candidate_root in (root, os.path.realpath(root)):
        rel = os.path.relpath(full, candidate_root) if full.startswith(candidate_root) else None
        if rel is not None and not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    real = os.path.realpath(full)
    rel = os.path.relpath(real, os.path.realpath(root))
    if rel.startswith(".."):
        return None
    return rel.replace(os.sep, "/")


class Parser(Protocol):
    """An output parser: ``parse`` returns a measurement, or None when it recognised nothing."""

    @property
    def id(self) -> str: ...
    @property
    def tool(self) -> str: ...
    @property
    def kinds(self) -> frozenset[str]: ...
    @property
    def source(self) -> Literal["report", "stdout", "text"]: ...

    def parse(self, data: ParseInput) -> Measurement | None: ...


def to_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def plural(word: str) -> str:
    return word if word.endswith("s") else word + "s"
