"""sessionkit's own gate (dogfooding, issue item 8): the repository's policy file.

`sessionkit gate run --dry-run` on this checkout resolves nothing and runs nothing (no lock, no
run directory); it must resolve exactly the commands of `.orchestrator/policy/quality-gates.json`,
and they must use the project virtual environment that the Makefile creates.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / ".orchestrator" / "policy" / "quality-gates.json"
SESSIONKIT = str(Path(sys.executable).parent / "sessionkit")

pytestmark = pytest.mark.skipif(
    not (ROOT / ".git").exists() or not POLICY.exists(),
    reason="needs a git checkout of sessionkit with its policy file",
)


def _policy() -> dict[str, Any]:
    with open(POLICY, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def _dry_run(*args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKIT_")}
    env["SESSIONKIT_NO_METRICS"] = "1"
    proc = subprocess.run(
        [SESSIONKIT, "gate", "run", "--dry-run", "--json", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    document: dict[str, Any] = json.loads(proc.stdout)
    return document


def test_policy_file_is_valid_against_its_schema() -> None:
    with open(ROOT / "schemas" / "quality-gates.schema.json", encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator(schema).validate(_policy())
    from sessionkit.gates.policyfile import validate_policy_file

    assert validate_policy_file(str(ROOT)) == []


def test_dry_run_resolves_exactly_the_policy_commands() -> None:
    policy = _policy()
    document = _dry_run()
    assert not document.get("errors")
    checks = document["checks"]
    assert [c["name"] for c in checks] == policy["defaults"]["order"]
    assert {c["name"] for c in checks} == set(policy["commands"])
    for check in checks:
        entry = policy["commands"][check["name"]]
        command = check["command"]
        assert check["status"] == "skip" and check["status_reason"] == "dry-run"
        assert command["source"] == "policy"
        assert command["source_ref"] == (
            f".orchestrator/policy/quality-gates.json#/commands/{check['name']}"
        )
        assert check["kind"] == entry.get("kind", check["name"])
        if isinstance(entry["command"], list):
            assert command["mode"] == "argv"
            assert command["argv"] == entry["command"]
        else:
            assert command["mode"] == "shell"
            assert command["argv"] == ["/bin/sh", "-c", entry["command"]]
        assert command["text"] == (
            shlex.join(entry["command"]) if isinstance(entry["command"], list) else entry["command"]
        )
        assert command["timeout_s"] == float(entry.get("timeout_s", 900))
    assert document["config"]["sources"] == ["policy"]
    assert document["config"]["shadowed"] == []


def test_the_gate_commands_are_the_project_tools_in_the_venv() -> None:
    by_name = {c["name"]: c["command"] for c in _dry_run()["checks"]}
    assert by_name["lint"]["argv"][:4] == [
        ".venv/bin/ruff",
        "check",
        "--no-fix",
        "--output-format=json",
    ]
    assert by_name["format"]["argv"][:3] == [".venv/bin/ruff", "format", "--check"]
    assert by_name["typecheck"]["argv"] == [".venv/bin/mypy", "src"]
    test_words = shlex.split(by_name["test"]["text"])
    assert test_words[1:4] == [".venv/bin/python", "-m", "pytest"]
    # the runner's pre-flight finds the executables when the Makefile's venv exists
    if (ROOT / ".venv" / "bin" / "ruff").exists():
        for exe in (".venv/bin/ruff", ".venv/bin/mypy", ".venv/bin/python"):
            assert os.access(ROOT / exe, os.X_OK), exe


def test_incremental_dry_run_without_changes_selects_no_tests() -> None:
    """HEAD against HEAD: no changed file, so the test check has nothing to run."""
    document = _dry_run("--variant", "incremental", "--base", "HEAD", "--committed-only")
    by_name = {c["name"]: c for c in document["checks"]}
    assert document["selection"]["base_source"] == "cli"
    assert document["selection"]["changed"] == []
    assert by_name["test"]["status_reason"] == "no-selected-tests"
    assert by_name["lint"]["status_reason"] == "dry-run"


def test_gate_logs_are_ignored_by_git() -> None:
    proc = subprocess.run(
        ["git", "check-ignore", "-q", ".orchestrator/gates/runs/x/result.json"],
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0
