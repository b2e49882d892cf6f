"""Import discipline of the hook path and a coarse timing guard (§18.5)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.agents.conftest import HOOK, claude, clean_env, codex, cursor

HEAVY = ("click", "jsonschema", "yaml", "git", "pathspec", "importlib.metadata", "pkg_resources")
HEAVY += ("tomllib", "tomli", "configparser")
PRE_PHASE = ("typing", "dataclasses", "inspect", "pathlib", "subprocess", "logging", "argparse")
PRE_PHASE += ("shlex",)
# Each of these costs a sizeable part of an interpreter start-up (json: re, and through re enum,
# functools, collections; signal: enum; importlib: warnings) and is kept off the hook path
# (§15.1): JSON goes through sessionkit._jsonfast, the deadline through _signal, imports through
# __import__ (unicodedata, a shared library: only for non-ASCII paths). ``re`` is imported only
# where a pattern is matched (the general shell parser, path patterns of a write under a scope,
# the metrics writer after the answer).
STARTUP_HEAVY = ("json", "signal", "importlib", "warnings", "datetime", "unicodedata")
WITH_RE = ("re", "enum", "functools", "collections")

DRIVER = """
import os, sys
out, payload_file = sys.argv[1], sys.argv[2]
sys.argv = ["sessionkit-hook", *sys.argv[3:]]
fd = os.open(payload_file, os.O_RDONLY)
os.dup2(fd, 0)
from sessionkit.agents._bootstrap import main
code = main(sys.argv[1:])  # with argv, main returns instead of ending the process
modules = sorted(sys.modules)  # before this driver's own json import
import json
with open(out, "w") as handle:
    json.dump({"code": code, "modules": modules}, handle)
"""


def _modules(
    tmp_path: Path,
    repo: Path,
    args: list[str],
    payload: dict[str, object],
    **env: str,
) -> set[str]:
    payload_file = tmp_path / "payload.json"
    payload_file.write_text(json.dumps(payload))
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", DRIVER, str(out), str(payload_file), *args],
        cwd=repo,
        env=clean_env(**env),
        capture_output=True,
        timeout=30,
        check=True,
    )
    doc = json.loads(out.read_text())
    assert doc["code"] == 0
    return set(doc["modules"])


@pytest.fixture
def scoped(make_repo: object) -> Path:
    repo: Path = make_repo(  # type: ignore[operator]
        {
            "src/app.py": "x = 1\n",
            ".claude/wave-scope.json": '{"wave": 1, "role": "Impl", "enforcement": "strict",'
            ' "allowedPaths": ["src/"]}',
        }
    )
    return repo


def test_hot_path_imports_with_warm_cache(tmp_path: Path, scoped: Path) -> None:
    repo = scoped
    cases = [
        (["claude", "pre-tool-use"], claude(repo, "Bash", {"command": "git status"})),
        (["claude", "pre-tool-use"], claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})),
        (
            ["claude", "pre-tool-use"],
            claude(repo, "Edit", {"file_path": "src/app.py", "old_string": "1", "new_string": "2"}),
        ),
        (
            ["codex", "pre-tool-use"],
            codex(
                repo, "apply_patch", {"command": "*** Begin Patch\n*** Add File: src/n.py\n+1\n"}
            ),
        ),
        (
            ["cursor", "preToolUse"],
            cursor(repo, "preToolUse", tool_name="Shell", tool_input={"command": "ls"}),
        ),
    ]
    for args, payload in cases:
        # The first call warms the hook cache, the guard's policy cache and compiled patterns.
        _modules(tmp_path, repo, args, payload)
        loaded = _modules(tmp_path, repo, args, payload)
        assert not loaded.intersection(HEAVY), (args, sorted(loaded.intersection(HEAVY)))
        assert not loaded.intersection(PRE_PHASE), (args, sorted(loaded.intersection(PRE_PHASE)))


def test_decisions_without_startup_heavy_modules(tmp_path: Path, scoped: Path) -> None:
    """Shell and edit calls import none of STARTUP_HEAVY, and the two budgeted subjects of
    §15.2 (an allowed and a blocked git command) not ``re`` either; a write under a scope
    matches path patterns, so it may. Block paths are checked without the decision event
    (the metrics writer is imported after the answer, §15.3 rule 7)."""
    repo = scoped
    (repo / ".orchestrator" / "policy").mkdir(parents=True)
    (repo / ".orchestrator" / "policy" / "guard.yaml").write_text(
        "version: 1\nrules:\n  git-push-force-with-lease: block\n"
    )
    cases = [
        # No finding: neither the policy loader (the policy comes from its cache) nor the
        # decision record.
        (
            "git status",
            (
                *WITH_RE,
                "sessionkit.metrics.events",
                "sessionkit.agents.notices",
                "sessionkit.policy.policyfile",
            ),
        ),
        # A block without a once-per-session diagnostic: no notices module either.
        # No override committed or stored: the override module is not loaded either.
        # The policy sets no severity for git-reset-hard: the policy layer is not loaded.
        (
            "git reset --hard HEAD~1",
            (
                *WITH_RE,
                "sessionkit.agents.notices",
                "sessionkit.policy.overrides",
                "sessionkit.policy.policyfile",
            ),
        ),
        ("rm -rf build", ()),
    ]
    args = ["claude", "pre-tool-use"]
    for command, also in cases:
        payload = claude(repo, "Bash", {"command": command})
        _modules(tmp_path, repo, args, payload)  # warm the caches
        loaded = _modules(tmp_path, repo, args, payload, SESSIONKIT_NO_METRICS="1")
        heavy = loaded.intersection(STARTUP_HEAVY + also)
        assert not heavy, (command, sorted(heavy))
        assert "sessionkit.agents.dispatcher" in loaded  # the driver did run the hook
    edit = claude(repo, "Edit", {"file_path": "src/app.py", "old_string": "1", "new_string": "2"})
    _modules(tmp_path, repo, args, edit)
    loaded = _modules(tmp_path, repo, args, edit)
    assert not loaded.intersection(STARTUP_HEAVY), sorted(loaded.intersection(STARTUP_HEAVY))


def test_policy_severity_of_the_finding_still_applies(tmp_path: Path, scoped: Path) -> None:
    """A policy that names the finding's rule goes through the policy layer (raise to block)."""
    (scoped / ".orchestrator" / "policy").mkdir(parents=True)
    (scoped / ".orchestrator" / "policy" / "guard.yaml").write_text(
        "version: 1\nrules:\n  git-reset-soft: block\n  git-push-force-with-lease: block\n"
    )
    payload = claude(scoped, "Bash", {"command": "git reset --soft HEAD~1"})
    args = ["claude", "pre-tool-use"]
    _modules(tmp_path, scoped, args, payload)
    assert "sessionkit.policy.policyfile" in _modules(tmp_path, scoped, args, payload)
    result = subprocess.run(
        [str(HOOK), *args],
        input=json.dumps(payload).encode(),
        cwd=scoped,
        env=clean_env(),
        capture_output=True,
        timeout=30,
        check=True,
    )
    obj = json.loads(result.stdout)
    assert obj["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "[git-reset-soft]" in obj["hookSpecificOutput"]["permissionDecisionReason"]


def test_validated_scope_needs_no_scope_module(tmp_path: Path, scoped: Path) -> None:
    """A shell call without write targets takes the scope file whose text the validator
    accepted before from the hook cache (§13.3): no scope, protected-path or glob module."""
    args = ["claude", "pre-tool-use"]
    payload = claude(scoped, "Bash", {"command": "git reset --hard HEAD~1"})
    first = _modules(tmp_path, scoped, args, payload)
    assert "sessionkit.policy.scope" in first  # the miss validates the file
    loaded = _modules(tmp_path, scoped, args, payload)
    lazy = ("scope", "protected", "globs", "findings")
    assert not loaded.intersection(f"sessionkit.policy.{name}" for name in lazy)
    write = claude(scoped, "Bash", {"command": "echo x > README.md"})
    assert "sessionkit.policy.scope" in _modules(tmp_path, scoped, args, write)


def test_cold_cache_may_load_parsers(tmp_path: Path, make_repo: object) -> None:
    repo: Path = make_repo(  # type: ignore[operator]
        {"CLAUDE.md": "# p\n\n## Session Config\n\nhooks:\n  fail-mode: open\n"}
    )
    old = time.time() - 3600  # outside the cache's racy-write window
    os.utime(repo / "CLAUDE.md", (old, old))
    payload = claude(repo, "Bash", {"command": "git status"})
    cold = _modules(tmp_path, repo, ["claude", "pre-tool-use"], payload)
    warm = _modules(tmp_path, repo, ["claude", "pre-tool-use"], payload)
    assert "yaml" in cold  # the cache is what keeps the parser out
    assert "yaml" not in warm


@pytest.mark.parametrize("module", ["sessionkit", "sessionkit.agents"])
def test_package_init_is_light(module: str) -> None:
    code = (
        "import sys; before = set(sys.modules); import " + module + "; "
        "print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=clean_env()
    ).stdout
    added = set(eval(out))  # a printed list of module names
    allowed = {"__future__", "sessionkit", "sessionkit.agents", "sessionkit._version"}
    assert added <= allowed, sorted(added - allowed)


def test_bootstrap_module_imports_no_sessionkit_module() -> None:
    code = (
        "import sys; import sessionkit.agents._bootstrap; "
        "print(sorted(m for m in sys.modules if m.startswith('sessionkit')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=clean_env()
    ).stdout
    assert eval(out) == [
        "sessionkit",
        "sessionkit._version",
        "sessionkit.agents",
        "sessionkit.agents._bootstrap",
    ]


def _time_ms(argv: list[str], data: bytes, cwd: Path) -> float:
    started = time.perf_counter_ns()
    subprocess.run(argv, input=data, capture_output=True, cwd=cwd, env=clean_env(), check=True)
    return (time.perf_counter_ns() - started) / 1e6


def test_coarse_timing_guard(repo: Path) -> None:
    # An installed package has byte code (pip compiles on install); the test tree may not.
    import compileall

    import sessionkit

    compileall.compile_dir(os.path.dirname(sessionkit.__file__), quiet=1)
    data = json.dumps(claude(repo, "Bash", {"command": "git status"})).encode()
    hook_argv = [str(HOOK), "claude", "pre-tool-use"]
    base_argv = [sys.executable, "-c", "pass"]
    for _ in range(2):  # warm the caches
        _time_ms(hook_argv, data, repo)
    hooks: list[float] = []
    bases: list[float] = []
    for _ in range(15):  # interleaved, so load drift hits both alike
        bases.append(_time_ms(base_argv, data, repo))
        hooks.append(_time_ms(hook_argv, data, repo))
    hook, baseline = statistics.median(hooks), statistics.median(bases)
    assert hook <= 4 * baseline, (hook, baseline)


ENDING = """
import atexit, os, sys
marker, payload_file, register = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
sys.argv = ["sessionkit-hook", "claude", "pre-tool-use"]
os.dup2(os.open(payload_file, os.O_RDONLY), 0)
if register:
    atexit.register(lambda: open(marker, "a").write("atexit\\n"))
from sessionkit.agents._bootstrap import main
code = main()
with open(marker, "a") as handle:
    handle.write(f"returned {code}\\n")
sys.exit(5)
"""


def run_ending(
    tmp_path: Path, repo: Path, command: str, *, with_atexit: bool
) -> tuple[subprocess.CompletedProcess[bytes], Path]:
    """Run the ``ENDING`` driver on a Claude Bash payload: (the process, its marker file)."""
    payload_file = tmp_path / "payload.json"
    payload_file.write_text(json.dumps(claude(repo, "Bash", {"command": command})))
    marker = tmp_path / "marker.txt"
    proc = subprocess.run(
        [sys.executable, "-c", ENDING, str(marker), str(payload_file), str(int(with_atexit))],
        cwd=repo,
        env=clean_env(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    return proc, marker


@pytest.mark.parametrize("command", ["git status", "git reset --hard HEAD~1"])
def test_console_entry_ends_the_process_without_teardown(
    tmp_path: Path, repo: Path, command: str
) -> None:
    """``main()`` without argv (the console script) exits with the hook's code once the answer
    is out; the answer is complete on stdout and the caller's code after it never runs."""
    proc, marker = run_ending(tmp_path, repo, command, with_atexit=False)
    assert proc.returncode == 0
    assert not marker.exists()
    if "reset" in command:
        answer = json.loads(proc.stdout)
        assert answer["hookSpecificOutput"]["permissionDecision"] == "deny"
    else:
        assert proc.stdout == b""


def test_console_entry_returns_when_atexit_callbacks_wait(tmp_path: Path, repo: Path) -> None:
    """A registered ``atexit`` callback (coverage, logging, a caller's own) keeps the normal
    interpreter exit: ``main()`` returns and the callback runs."""
    proc, marker = run_ending(tmp_path, repo, "git reset --hard", with_atexit=True)
    assert proc.returncode == 5
    assert marker.read_text() == "returned 0\natexit\n"
    assert json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_policyfile_knows_the_override_store_path() -> None:
    """``policyfile`` checks for the local override store without importing ``overrides``."""
    from sessionkit.policy import overrides, policyfile

    assert overrides.store_path("/c") == os.path.join("/c", *policyfile.OVERRIDE_STORE)
