"""The optional built-in check ``debug-artifacts`` (gates.md §11).

It scans only the lines the change set adds (``git diff -U0 <base>`` plus untracked files), so
old code and ordinary TODOs never trip it; the prior art scanned whole files and matched any
``TODO``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sessionkit import git
from sessionkit.gates.parsers.base import RawFinding

PY = (".py",)
JS = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
# pattern id -> (regex, file extensions it applies to; empty = all files)
DEFAULT_PATTERNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "breakpoint": (r"\bbreakpoint\(\s*\)", PY),
    "pdb-set-trace": (r"\bpdb\.set_trace\(", PY),
    "import-pdb": (r"^\s*import\s+pdb\b", PY),
    "debugger": (r"\bdebugger\s*;", JS),
    "console-log": (r"\bconsole\.log\(", JS),
    "todo-remove": (r"\b(?:TODO|FIXME):\s*remove\b", ()),
}
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class Pattern:
    id: str
    regex: re.Pattern[str]
    extensions: tuple[str, ...]


def patterns(overrides: Mapping[str, object] | None) -> list[Pattern]:
    table = dict(DEFAULT_PATTERNS)
    for name, value in (overrides or {}).items():
        if isinstance(value, str):
            table[name] = (value, ())
    return [Pattern(k, re.compile(v), ext) for k, (v, ext) in table.items()]


def added_lines(root: str, base_commit: str) -> Iterator[tuple[str, int, str]]:
    """``(path, line, text)`` of every line added since ``base_commit`` (tracked and untracked)."""
    diff = git.run(
        ["diff", "-U0", "--no-color", "--no-ext-diff", "--diff-filter=AMR", base_commit, "--"],
        cwd=root,
    ).stdout.decode("utf-8", "replace")
    path: str | None = None
    line = 0
    for raw in diff.split("\n"):
        if raw.startswith("+++ "):
            target = raw[4:]
            path = target[2:] if target.startswith("b/") else None
            continue
        hunk = _HUNK.match(raw)
        if hunk:
            line = int(hunk.group(1))
            continue
        if path and raw.startswith("+"):
            yield path, line, raw[1:]
            line += 1
    untracked = git.zsplit(
        git.run(["ls-files", "--others", "--exclude-standard", "-z"], cwd=root).stdout
    )
    for rel in untracked:
        if rel.startswith(".orchestrator/"):
            continue
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                for number, text in enumerate(f, 1):
                    yield rel, number, text.rstrip("\n")
        except (OSError, UnicodeDecodeError):
            continue


def scan(
    root: str,
    base_commit: str,
    *,
    overrides: Mapping[str, object] | None = None,
    severity: str = "warning",
) -> list[RawFinding]:
    found: list[RawFinding] = []
    table = patterns(overrides)
    for path, line, text in added_lines(root, base_commit):
        for pattern in table:
            if pattern.extensions and not path.endswith(pattern.extensions):
                continue
            match = pattern.regex.search(text)
            if match:
                found.append(
                    RawFinding(
                        tool="sessionkit",
                        rule=f"debug-artifact.{pattern.id}",
                        severity=severity,  # type: ignore[arg-type]
                        path=path,
                        line=line,
                        column=match.start() + 1,
                        message=f"debug artifact `{match.group(0).strip()}` added",
                    )
                )
    return found
