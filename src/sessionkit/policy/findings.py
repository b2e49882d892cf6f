"""The finding record shared by the wave-scope, protected-path and weakening checks.

agent-hooks.md §6.2: a finding has ``check``, ``rule_id``, ``action`` (allow | warn | block),
``summary`` (one sentence), ``suggestion`` (may be empty), ``target`` (a repository-relative
path, a command pattern or a rule label; never the full command) and optional ``details``.

Hot path: standard library only (a slotted class, no dataclasses import).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ACTION_RANK", "Finding", "code", "most_severe"]

ACTION_RANK = {"allow": 0, "warn": 1, "block": 2}


def code(value: str) -> str:
    """``value`` (a path or label from agent input) in backticks for a finding's text; a
    backtick inside it becomes ``'`` so the quoting cannot be closed early (agent-hooks §6.4)."""
    return "`" + value.replace("`", "'") + "`"


class Finding:
    """One check's verdict on one target (agent-hooks.md §6.2)."""

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
        self.details = details if details is not None else {}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (events, ``--json`` output)."""
        return {
            "check": self.check,
            "rule_id": self.rule_id,
            "action": self.action,
            "summary": self.summary,
            "suggestion": self.suggestion,
            "target": self.target,
            "details": self.details,
        }

    def _key(self) -> tuple[Any, ...]:
        return (self.check, self.rule_id, self.action, self.summary, self.suggestion, self.target)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Finding({self.rule_id} {self.action} {self.target!r})"


def most_severe(findings: list[Finding]) -> str:
    """The combined action of ``findings``: block > warn > allow."""
    best = "allow"
    for finding in findings:
        if ACTION_RANK[finding.action] > ACTION_RANK[best]:
            best = finding.action
    return best
