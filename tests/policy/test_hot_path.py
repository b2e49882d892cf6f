"""The guard's import path stays on the standard library (guard.md §3.4)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HEAVY = ("click", "yaml", "jsonschema", "git", "pathspec", "detect_secrets")

PROBE = """
import json, sys
before = set(sys.modules)
import sessionkit.policy.guard
imported = sorted(set(sys.modules) - before)
heavy = [name for name in {heavy!r} if name in sys.modules]
result = {{"imported": imported, "heavy_after_import": heavy}}
if len(sys.argv) > 1:
    decision = sessionkit.policy.guard.check_command("git reset --hard && rm -rf build", cwd=sys.argv[1])
    result["action"] = decision.action
    result["heavy_after_check"] = [name for name in {heavy!r} if name in sys.modules]
print(json.dumps(result))
"""


def _probe(*args: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_importing_the_guard_imports_no_third_party_module() -> None:
    result = _probe()
    assert result["heavy_after_import"] == []
    imported = result["imported"]
    assert isinstance(imported, list)
    # modules compiled into the interpreter (gc) load no file: they cost nothing to import
    foreign = [
        m
        for m in imported
        if not m.startswith("sessionkit")
        and m != "__future__"
        and m not in sys.builtin_module_names
    ]
    assert foreign == [], foreign


def test_a_check_without_policy_files_stays_light(make_repo: object, tmp_path: Path) -> None:
    repo = make_repo(files={"src/app.py": "x = 1\n"})  # type: ignore[operator]
    result = _probe(str(repo))
    assert result["action"] == "block"
    assert result["heavy_after_check"] == []


def test_a_long_command_pauses_the_collector_and_restores_its_state(
    make_repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long command is checked with the cyclic GC paused; the GC's state is restored."""
    from sessionkit.policy import guard

    repo = make_repo(files={"src/app.py": "x = 1\n"})
    long_allow = "echo " + " ".join(f"word{i}" for i in range(400))
    long_block = long_allow + " && rm -rf ~"
    assert len(long_allow) >= guard._GC_PAUSE_CHARS
    seen: list[bool] = []
    walk_now = guard._walk

    def observing_walk(command: str, cwd: str) -> Any:
        seen.append(gc.isenabled())
        return walk_now(command, cwd)

    monkeypatch.setattr(guard, "_walk", observing_walk)
    assert gc.isenabled()
    assert guard.check_command(long_allow, cwd=str(repo)).action == "allow"
    assert guard.check_command(long_block, cwd=str(repo)).action == "block"
    assert guard.check_command("rm -rf ~", cwd=str(repo)).action == "block"
    assert seen == [False, False, True]  # paused for the long ones only
    assert gc.isenabled()
    gc.disable()
    try:
        guard.check_command(long_allow, cwd=str(repo))
        assert not gc.isenabled()  # a caller's disabled GC stays disabled
    finally:
        gc.enable()
