"""The normalised hook event, its file changes and the findings checks produce (§5.1, §6.2).

Hot path: standard library only; plain ``__slots__`` classes (no ``dataclasses`` import).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ACTION_RANK = {"allow": 0, "warn": 1, "block": 2}
# Diagnostics shown once per harness session (§6.3; ``notices`` remembers them). Defined here
# so that a call whose findings include none of them does not import ``notices``.
ONCE_RULES = frozenset(
    {
        "hook.config-invalid",
        "hook.policy-diagnostic",
        "hook.harness-mismatch",
        "hook.command-misconfigured",
        "scope.enforcement-defaulted",
    }
)
# Display order of checks within one action (§6.2).
CHECK_ORDER = (
    "internal",
    "hook",
    "destructive",
    "protected",
    "scope",
    "commands",
    "weakening",
    "verify",
)


class FileChange:
    """One file an edit tool (or a patch) writes, deletes or moves."""

    __slots__ = ("content", "dest", "edits", "hunks", "op", "path")

    def __init__(
        self,
        path: str,
        op: str = "write",
        *,
        dest: str | None = None,
        content: str | None = None,
        edits: list[tuple[str, str, bool]] | None = None,
    ) -> None:
        self.path = path
        self.op = op  # "write" | "delete" | "move"
        self.dest = dest
        self.content = content
        self.edits = edits if edits is not None else []
        # apply_patch update hunks: (anchor after "@@" or None, old lines, new lines)
        self.hunks: list[tuple[str | None, list[str], list[str]]] = []

    def __repr__(self) -> str:
        dest = f" -> {self.dest!r}" if self.dest else ""
        return f"FileChange({self.op} {self.path!r}{dest})"


class HookEvent:
    """One tool call as every harness adapter describes it (§5.1)."""

    __slots__ = (
        "agent_id",
        "agent_type",
        "changes",
        "command",
        "cwd",
        "event",
        "git_dir",
        "harness",
        "inferred",
        "notes",
        "phase",
        "root",
        "session_id",
        "tool_kind",
        "tool_name",
        "tool_use_id",
    )

    def __init__(self, harness: str, event: str) -> None:
        self.harness = harness
        self.event = event
        self.phase = "post" if event in ("post-tool-use", "after-file-edit") else "pre"
        self.tool_name: str | None = None
        self.tool_kind = "other"
        self.command: str | None = None
        self.changes: list[FileChange] = []
        self.cwd = ""
        self.root: str | None = None
        self.git_dir: str | None = None
        self.session_id: str | None = None
        self.agent_id: str | None = None
        self.agent_type: str | None = None
        self.tool_use_id: str | None = None
        self.inferred: list[str] = []
        self.notes: list[str] = []

    def __repr__(self) -> str:
        return (
            f"HookEvent({self.harness} {self.event} {self.tool_kind} {self.tool_name!r}"
            f" cwd={self.cwd!r})"
        )


class Finding:
    """One check's verdict on one target (§6.2)."""

    __slots__ = ("action", "check", "details", "rule_id", "suggestion", "summary", "target")

    def __init__(
        self,
        check: str,
        rule_id: str,
        action: str,
        summary: str,
        suggestion: str = "",
        target: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        self.check = check
        self.rule_id = rule_id
        self.action = action
        self.summary = summary
        self.suggestion = suggestion
        self.target = target
        self.details = details

    def __repr__(self) -> str:
        return f"Finding({self.check}:{self.rule_id} {self.action} {self.target!r})"

    def copy(self) -> Finding:
        return Finding(
            self.check,
            self.rule_id,
            self.action,
            self.summary,
            self.suggestion,
            self.target,
            self.details,
        )


def combine(findings: list[Finding]) -> tuple[str, list[Finding]]:
    """The combined action and the findings in display order, duplicates merged (§6.2)."""
    shown = [f for f in findings if f.action != "allow"]
    if not shown:
        return "allow", []
    shown.sort(key=lambda f: (-ACTION_RANK.get(f.action, 1), _check_rank(f.check)))
    merged: list[Finding] = []
    by_key: dict[tuple[str, str], Finding] = {}
    for item in shown:
        key = (item.target, item.action)
        first = by_key.get(key) if item.target else None
        if first is None:
            copy = item.copy()
            merged.append(copy)
            if item.target:
                by_key[key] = copy
        elif first.check != item.check and item.rule_id not in first.rule_id.split(", "):
            first.rule_id = f"{first.rule_id}, {item.rule_id}"
    return merged[0].action, merged


def _check_rank(check: str) -> int:
    try:
        return CHECK_ORDER.index(check)
    except ValueError:
        return len(CHECK_ORDER)
