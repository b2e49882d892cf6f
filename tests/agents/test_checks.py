"""Unit tests of ``sessionkit.agents.checks`` helpers."""

from __future__ import annotations

from sessionkit.agents.checks import without_own_records
from sessionkit.agents.event import Finding

REASON = "(by this call or by another agent working in the same tree)"


def _verify(rule: str, what: str, paths: list[str], count: int | None = None) -> Finding:
    count = len(paths) if count is None else count
    listed = ", ".join(f"`{p}`" for p in paths)
    more = f" and {count - len(paths)} more" if count > len(paths) else ""
    return Finding(
        "verify",
        rule,
        "warn",
        f"{count} file(s) {what} changed since the previous check {REASON}: {listed}{more}.",
        "revert changes that do not belong to this wave; the commit-time check will refuse them",
        paths[0],
        {"paths": paths, "count": count},
    )


def test_only_own_records_drops_the_finding() -> None:
    found = _verify(
        "verify.protected-changed",
        "protected",
        [".orchestrator/metrics/events.jsonl", ".orchestrator/metrics/events.jsonl.spool"],
    )
    assert without_own_records([found]) == []


def test_mixed_paths_keep_the_others_with_the_same_wording() -> None:
    mixed = _verify(
        "verify.outside-scope",
        "outside the allowed paths of wave 2",
        [".orchestrator/gates/runs/a.json", "notes.txt", "z.txt"],
        count=25,
    )
    [kept] = without_own_records([mixed])
    expected = _verify(
        "verify.outside-scope", "outside the allowed paths of wave 2", ["notes.txt", "z.txt"], 24
    )
    assert (kept.rule_id, kept.summary, kept.target, kept.details) == (
        expected.rule_id,
        expected.summary,
        expected.target,
        expected.details,
    )


def test_findings_without_own_records_are_untouched() -> None:
    other = _verify("verify.outside-scope", "outside the allowed paths of wave 2", ["a.txt"])
    assert without_own_records([other]) == [other]
