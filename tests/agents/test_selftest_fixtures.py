"""The selftest's fixture files (agent-hooks §14.5) run through the installed console script.

The same ``sessionkit/agents/fixtures/<harness>/<case>.json`` files that
``sessionkit hook selftest`` feeds to the configured command are read here as package data,
their placeholders replaced, and fed to ``sessionkit-hook`` as a subprocess (§18.1); the
answer is read in the harness's own shape and compared with ``<case>.expected.json``.
"""

from __future__ import annotations

import json
import re
import uuid
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from sessionkit.agents import selftest
from tests.agents.conftest import clean_env, run_hook

HARNESSES = ("claude", "codex", "cursor")
FIXTURES = files("sessionkit.agents") / "fixtures"
RULE_IDS = re.compile(r"^\[([^\]]+)\]", re.MULTILINE)


def _case_ids(harness: str) -> list[str]:
    names = [entry.name for entry in (FIXTURES / harness).iterdir()]
    return sorted(n[: -len(".json")] for n in names if not n.endswith(".expected.json"))


def _params() -> list[Any]:
    return [pytest.param(h, c, id=f"{h}-{c}") for h in HARNESSES for c in _case_ids(h)]


def _answer(harness: str, stdout: str) -> tuple[str, list[str]]:
    """Decision and rule ids of one answer line, read per the harness's output shape (§7)."""
    if harness != "cursor" and stdout == "":
        return "allow", []
    assert stdout.endswith("\n") and stdout.count("\n") == 1, stdout
    obj = json.loads(stdout)
    assert isinstance(obj, dict)
    if harness == "cursor":
        if obj == {}:
            return "empty", []
        assert set(obj) <= {"permission", "user_message", "agent_message"}, obj
        text = obj.get("agent_message", "")
        decision = {"deny": "block", "ask": "warn"}.get(obj["permission"])
        decision = decision or ("warn" if text else "allow")
    else:
        specific = obj["hookSpecificOutput"]
        assert specific["hookEventName"] == "PreToolUse"
        permission = specific.get("permissionDecision")
        text = specific.get("permissionDecisionReason") or specific.get("additionalContext", "")
        decision = {"deny": "block", "ask": "warn", None: "warn"}[permission]
    rules = [rule.strip() for group in RULE_IDS.findall(text) for rule in group.split(",")]
    return decision, rules


def test_fixture_files_are_the_cases_of_the_spec() -> None:
    for harness in HARNESSES:
        names = sorted(entry.name for entry in (FIXTURES / harness).iterdir())
        cases = [c for c in selftest.CASES if c != "after-file-edit" or harness == "cursor"]
        assert names == sorted(n for c in cases for n in (f"{c}.json", f"{c}.expected.json"))
        # the selftest runs them in the order of §14.5's table
        assert selftest.cases_for(harness) == cases
        for case in cases:
            expected = json.loads((FIXTURES / harness / f"{case}.expected.json").read_text())
            assert set(expected) <= {"event", "env", "exit_code", "decision", "rule_ids"}
            assert expected["decision"] in {"allow", "warn", "block", "empty"}
            # every case but an allow (and Cursor's empty answer) names its rule
            assert expected["rule_ids"] or expected["decision"] in {"allow", "empty"}


@pytest.mark.parametrize(("harness", "case"), _params())
def test_fixture_case_through_the_installed_script(tmp_path: Path, harness: str, case: str) -> None:
    root = selftest.build_fixture(tmp_path)
    expected = json.loads((FIXTURES / harness / f"{case}.expected.json").read_text())
    text = (FIXTURES / harness / f"{case}.json").read_text(encoding="utf-8")
    assert "{{ROOT}}" in text or case == "malformed"
    text = text.replace("{{ROOT}}", json.dumps(str(root))[1:-1])
    text = text.replace("{{SESSION}}", f"fixture-{uuid.uuid4().hex[:12]}")
    result = run_hook(
        [harness, expected["event"]],
        text.encode("utf-8"),
        cwd=root,
        env=clean_env(**expected.get("env", {})),
    )
    assert result.code == expected.get("exit_code", 0), result.stderr
    decision, rules = _answer(harness, result.stdout)
    assert decision == expected["decision"], result.stdout
    assert set(expected["rule_ids"]) <= set(rules), result.stdout
    if decision == "allow":
        assert rules == []
