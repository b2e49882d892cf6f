"""run_gates end to end on real repositories with fake tools (spec §4, §5, §8.3)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.gates import run_gates
from sessionkit.gates.errors import GateEnvironmentError, GateUsageError
from sessionkit.gates.lock import gate_lock
from sessionkit.schemas import validator
from tests.gates.conftest import git

RUFF_JSON = [
    {
        "code": "F401",
        "message": "`os` imported but unused",
        "filename": "{root}/src/a.py",
        "location": {"row": 1, "column": 8},
        "end_location": {"row": 1, "column": 10},
        "url": "https://docs.astral.sh/ruff/rules/unused-import",
    }
]


def valid(result) -> dict:  # type: ignore[no-untyped-def]
    doc = result.to_dict()
    errors = [e.message for e in validator("gate-result").iter_errors(doc)]
    assert errors == []
    return doc


def test_missing_command_is_a_blocking_error(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo(
        {
            "test": {"command": ["definitely-not-a-tool-xyz", "-q"]},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    result = run_gates("full-gate", repo)
    check = result.check("test")
    assert (check.status, check.status_reason, check.blocking) == ("error", "not-found", True)
    assert result.exit_code == 1 and result.status == "fail"
    assert any("definitely-not-a-tool-xyz not found" in w.message for w in result.warnings)
    valid(result)


def test_shell_exit_127_and_missing_first_word(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo(
        {
            "test": {"command": "exit 127"},
            "lint": {"command": "nothere-xyz --check && echo ok"},
            "typecheck": {"command": "skip"},
        }
    )
    result = run_gates("full-gate", repo)
    assert (result.check("test").status, result.check("test").status_reason) == (
        "error",
        "not-found",
    )
    assert (result.check("lint").status, result.check("lint").status_reason) == (
        "error",
        "not-found",
    )


def test_count_mismatch_fails_and_stderr_is_parsed(
    gate_repo: Callable[..., Path], fake_tool: Callable[..., str]
) -> None:
    lying = fake_tool("vitest-wrapper", stdout="      Tests  3 failed | 9 passed (12)\n", exit=0)
    honest = fake_tool("jest-wrapper", stderr="Tests:       4 passed, 4 total\n", exit=0)
    repo = gate_repo(
        {
            "test": {"command": [lying]},
            "unit": {"kind": "test", "command": [honest]},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    result = run_gates("full-gate", repo)
    test = result.check("test")
    assert (test.status, test.status_reason, test.exit_code) == ("fail", "count-mismatch", 0)
    assert test.counts is not None and test.counts.tests is not None
    assert test.counts.tests.to_dict() == {
        "passed": 9,
        "failed": 3,
        "errors": 0,
        "skipped": 0,
        "total": 12,
    }
    unit = result.check("unit")
    assert unit.status == "pass" and unit.counts is not None and unit.counts.tests is not None
    assert unit.counts.tests.total == 4
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("stubs", "status", "exit_code"),
    [("allow", "skip", 0), ("warn", "skip", 0), ("fail", "error", 1)],
)
def test_stubs_are_never_run(
    gate_repo: Callable[..., Path], tmp_path: Path, stubs: str, status: str, exit_code: int
) -> None:
    marker = tmp_path / "ran"
    repo = gate_repo(
        {
            "test": {"command": 'echo "no tests yet"'},
            "lint": {"command": ["touch", str(marker)]},
            "typecheck": {"command": "true"},
        },
        defaults={"stubs": stubs},
    )
    result = run_gates("full-gate", repo)
    test = result.check("test")
    assert (test.status, test.status_reason) == (status, "stub")
    assert test.stub is not None and test.stub.kind == "echo"
    assert result.exit_code == exit_code
    assert marker.exists()  # lint is not a stub and ran
    # only ``warn`` adds a warning; ``allow`` records the stub, ``fail`` makes it an error
    assert any(w.code == "stub" for w in result.warnings) == (stubs == "warn")


def test_timeout_status(gate_repo: Callable[..., Path], fake_tool: Callable[..., str]) -> None:
    slow = fake_tool("slow", sleep=30, stdout="1 passed in 0.01s\n")
    repo = gate_repo(
        {
            "test": {"command": [slow], "timeout_s": 1},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        },
        defaults={"kill_grace_s": 1},
    )
    result = run_gates("full-gate", repo)
    test = result.check("test")
    assert (test.status, test.exit_code, test.timed_out_after_s, test.blocking) == (
        "timeout",
        None,
        1.0,
        True,
    )
    assert not test.findings_complete
    valid(result)


def test_invalid_policy_runs_nothing(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    repo = make_repo(
        files={
            ".orchestrator/policy/quality-gates.json": json.dumps(
                {
                    "version": 2,
                    "commands": {"test": {"command": ["touch", str(marker)], "timeout_s": "15m"}},
                }
            )
        }
    )
    result = run_gates("full-gate", repo)
    assert (result.status, result.exit_code, result.checks) == ("error", 1, ())
    assert result.errors[0].pointer == "/commands/test/timeout_s"
    assert not marker.exists()
    valid(result)


def test_all_skip_passes_without_counts(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo(
        {"test": {"command": "skip"}, "lint": {"command": "skip"}, "typecheck": {"command": "skip"}}
    )
    result = run_gates("full-gate", repo)
    assert result.exit_code == 0
    assert [(c.status, c.status_reason, c.counts) for c in result.checks] == [
        ("skip", "opt-out", None)
    ] * 3
    assert "tests" not in result.summary()


def test_fail_fast_and_order(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo(
        {
            "test": {"command": "true"},
            "lint": {"command": "false"},
            "typecheck": {"command": "true"},
        }
    )
    result = run_gates("full-gate", repo, fail_fast=True, order=["lint", "test"])
    assert [(c.name, c.status, c.status_reason) for c in result.checks] == [
        ("lint", "fail", "exit-code"),
        ("test", "skip", "fail-fast"),
        ("typecheck", "skip", "fail-fast"),
    ]
    with pytest.raises(GateUsageError):
        run_gates("full-gate", repo, checks=["nope"])


def test_fail_on_never_and_not_required(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo(
        {
            "test": {"command": "false"},
            "lint": {"command": "false", "required": False},
            "typecheck": {"command": "skip"},
        }
    )
    assert run_gates("full-gate", repo, fail_on="never").exit_code == 0
    result = run_gates("full-gate", repo)
    # the policy file's order is the run order
    assert [(c.name, c.status, c.blocking) for c in result.checks] == [
        ("test", "fail", True),
        ("lint", "fail", False),
        ("typecheck", "skip", False),
    ]
    assert result.summary()["blocking"] == ["test"]


def test_per_file_passes_only_test_files(
    gate_repo: Callable[..., Path], fake_tool: Callable[..., str], tmp_path: Path
) -> None:
    argv_file = tmp_path / "argv.json"
    runner = fake_tool(
        "run-js-tests", record_argv=str(argv_file), stdout="Tests:       1 passed, 1 total\n"
    )
    repo = gate_repo(
        {
            "test": {"command": [runner]},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        },
        files={"src/a.js": "", "tests/a.test.js": ""},
    )
    result = run_gates("per-file", repo, files=["src/a.js", "tests/a.test.js"], files_cwd=str(repo))
    assert json.loads(argv_file.read_text()) == ["tests/a.test.js"]
    test = result.check("test")
    assert test.command.files_passed == 1 and test.selection is not None
    assert result.selection is not None and result.selection["mode"] == "files"
    assert (
        run_gates("per-file", repo, files=[], files_cwd=str(repo)).check("test").status_reason
        == "no-files"
    )


def test_incremental_without_selected_tests_skips(
    gate_repo: Callable[..., Path], tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    repo = gate_repo(
        {
            "test": {"command": ["touch", str(marker)], "languages": ["javascript"]},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        },
        files={"src/a.js": "", "src/b.js": ""},
    )
    (repo / "src" / "a.js").write_text("x")
    result = run_gates("incremental", repo, base="HEAD")
    test = result.check("test")
    assert (test.status, test.status_reason) == ("skip", "no-selected-tests")
    assert not marker.exists()
    assert result.selection is not None and result.selection["changed"] == ["src/a.js"]


def test_worktree_guard(gate_repo: Callable[..., Path], fake_tool: Callable[..., str]) -> None:
    repo = gate_repo(
        {"lint": {"command": "skip"}, "typecheck": {"command": "skip"}, "test": {"command": "skip"}}
    )
    fixer = fake_tool("fixer", modify={"path": str(repo / "README.md"), "text": "rewritten\n"})
    for mode, status in (("warn", "pass"), ("fail", "fail")):
        (repo / "README.md").write_text("x\n")
        policy = {
            "version": 2,
            "defaults": {"worktree_changes": mode},
            "commands": {
                "lint": {"command": [fixer]},
                "typecheck": {"command": "skip"},
                "test": {"command": "skip"},
            },
        }
        (repo / ".orchestrator/policy/quality-gates.json").write_text(json.dumps(policy))
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", mode)
        result = run_gates("full-gate", repo)
        lint = result.check("lint")
        assert lint.modified_files == ("README.md",)
        assert lint.status == status
        assert any(w.code == "modified-worktree" for w in result.warnings)


def test_run_directory_and_logs(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo(
        {
            "test": {"command": "echo hello-out; echo hello-err >&2; exit 3"},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    result = run_gates("full-gate", repo)
    assert result.logs_dir is not None
    run_dir = repo / result.logs_dir
    test = result.check("test")
    assert test.logs is not None and (repo / test.logs.stdout).read_text() == "hello-out\n"
    assert (repo / test.logs.stderr).read_text() == "hello-err\n"
    assert "hello-out" in test.tail and "hello-err" in test.tail
    assert json.loads((run_dir / "result.json").read_text()) == json.loads(
        (repo / ".orchestrator/gates/latest.json").read_text()
    )
    assert (repo / ".orchestrator/gates/.gitignore").read_text() == "*\n"
    assert git(repo, "status", "--porcelain") == ""
    doc = valid(result)
    assert str(repo) not in json.dumps(doc)


def test_lock_and_recursion(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo(
        {"test": {"command": "true"}, "lint": {"command": "skip"}, "typecheck": {"command": "skip"}}
    )
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with gate_lock(str(repo)):
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    entered.wait(5)
    try:
        with pytest.raises(GateEnvironmentError) as info:
            run_gates("full-gate", repo)
        assert "another gate run is in progress" in info.value.message
    finally:
        release.set()
        thread.join()
    with pytest.raises(GateUsageError):
        run_gates("full-gate", repo, environ={**os.environ, "SESSIONKIT_GATE_DEPTH": "4"})


def test_usage_errors(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo({"test": {"command": "true"}})
    with pytest.raises(GateUsageError):
        run_gates("bogus", repo)
    with pytest.raises(GateUsageError):
        run_gates("incremental", repo, staged=True, base="HEAD")
    with pytest.raises(GateUsageError):
        run_gates("full-gate", repo, files=["a"])
    with pytest.raises(GateUsageError):
        run_gates("incremental", repo, base="-rf")


def test_structured_stdout_of_identified_tool(
    gate_repo: Callable[..., Path], fake_tool: Callable[..., str]
) -> None:
    repo = gate_repo(
        {
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
            "test": {"command": "skip"},
        },
        files={"src/a.py": "import os\n"},
    )
    ruff = fake_tool("ruff", stdout=json.dumps(RUFF_JSON).replace("{root}", str(repo)), exit=1)
    policy = json.loads((repo / ".orchestrator/policy/quality-gates.json").read_text())
    policy["commands"]["lint"] = {"command": [ruff, "check", "--output-format=json"]}
    (repo / ".orchestrator/policy/quality-gates.json").write_text(json.dumps(policy))
    result = run_gates("full-gate", repo)
    lint = result.check("lint")
    assert lint.parsers == ("ruff-json",) and lint.measurement == "structured"
    assert [(f.rule, f.path, f.line, f.column) for f in lint.findings] == [
        ("F401", "src/a.py", 1, 8)
    ]
    assert result.config["uncommitted"] == [".orchestrator/policy/quality-gates.json"]
    assert any(w.code == "uncommitted-config" for w in result.warnings)


def test_tool_errors_missing_scripts_and_no_tests(
    gate_repo: Callable[..., Path], fake_tool: Callable[..., str]
) -> None:
    mypy = fake_tool("mypy", stderr="mypy: error: unrecognized arguments\n", exit=2)
    npm = fake_tool("npm", stderr='npm error Missing script: "lint"\n', exit=1)
    pytest_tool = fake_tool("pytest", stdout="no tests ran in 0.01s\n", exit=5)
    repo = gate_repo(
        {
            "typecheck": {"command": [mypy, "src"]},
            "lint": {"command": [npm, "run", "lint"]},
            "test": {"command": [pytest_tool]},
        }
    )
    result = run_gates("full-gate", repo)
    assert (result.check("typecheck").status, result.check("typecheck").status_reason) == (
        "error",
        "tool-error",
    )
    assert (result.check("lint").status, result.check("lint").status_reason) == (
        "error",
        "not-found",
    )
    test = result.check("test")
    assert (test.status, test.status_reason) == ("fail", "no-tests-collected")
    assert (
        test.counts is not None and test.counts.tests is not None and test.counts.tests.total == 0
    )


def test_fail_on_warning_blocks_on_warnings_with_exit_zero(
    gate_repo: Callable[..., Path], fake_tool: Callable[..., str]
) -> None:
    doc = [
        {
            "filePath": "/x/README.md",
            "errorCount": 0,
            "warningCount": 1,
            "messages": [
                {
                    "ruleId": "no-console",
                    "severity": 1,
                    "message": "Unexpected console",
                    "line": 1,
                    "column": 1,
                }
            ],
        }
    ]
    eslint = fake_tool("eslint", stdout=json.dumps(doc), exit=0)
    repo = gate_repo(
        {
            "lint": {"command": [eslint, "--format", "json", "."]},
            "typecheck": {"command": "skip"},
            "test": {"command": "skip"},
        }
    )
    assert run_gates("full-gate", repo).exit_code == 0
    result = run_gates("full-gate", repo, fail_on="warning")
    assert result.exit_code == 1 and result.fail_on == "warning"
    assert result.check("lint").blocking and result.check("lint").status == "pass"
    assert run_gates("full-gate", repo, fail_on="error").fail_on == "fail"


def test_sigint_writes_a_partial_result_and_exits_3(
    gate_repo: Callable[..., Path], fake_tool: Callable[..., str], tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys
    import time

    pidfile = tmp_path / "pids"
    slow = fake_tool("slow", sleep=60, pidfile=str(pidfile), stdout="started\n")
    repo = gate_repo(
        {"lint": {"command": [slow]}, "typecheck": {"command": "ls"}, "test": {"command": "skip"}}
    )
    sessionkit = str(Path(sys.executable).parent / "sessionkit")
    proc = subprocess.Popen(
        [sessionkit, "gate", "run", "--no-progress"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    logs = repo / ".orchestrator/gates/runs"
    while time.monotonic() < deadline and not any(
        p.read_text() for p in logs.glob("*/lint.stdout.log")
    ):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 3
    latest = json.loads((repo / ".orchestrator/gates/latest.json").read_text())
    assert latest["status"] == "error" and latest["exit_code"] == 3
    statuses = {c["name"]: (c["status"], c["status_reason"]) for c in latest["checks"]}
    assert statuses["lint"] == ("error", "interrupted") and statuses["typecheck"] == (
        "skip",
        "interrupted",
    )
    # what the interrupted check printed is in its result, not only in its log (§5.3, §8.2)
    lint = next(c for c in latest["checks"] if c["name"] == "lint")
    assert lint["tail"] == "started" and lint["logs"]["stdout"].endswith("/lint.stdout.log")
    assert (repo / lint["logs"]["stdout"]).read_text() == "started\n"
    from tests.gates.conftest import pid_alive

    time.sleep(0.3)
    assert not any(pid_alive(int(p)) for p in pidfile.read_text().split())


def test_unknown_name_in_defaults_order_is_a_configuration_error(
    gate_repo: Callable[..., Path],
) -> None:
    repo = gate_repo(
        {"test": {"command": "true"}, "lint": {"command": "true"}},
        defaults={"order": ["lint", "tset"]},
    )
    result = run_gates("full-gate", repo)
    assert (result.status, result.exit_code, result.checks) == ("error", 1, ())
    (error,) = result.errors
    assert error.pointer == "/defaults/order" and "'tset'" in error.message
    policy = (repo / ".orchestrator/policy/quality-gates.json").read_text().splitlines()
    assert error.file == ".orchestrator/policy/quality-gates.json"
    assert error.line is not None and '"order"' in policy[error.line - 1]
    with pytest.raises(GateUsageError):  # --order stays a usage error
        run_gates("full-gate", repo, order=["tset"])


def test_kind_names_in_order_cover_suffixed_auto_checks(
    gate_repo: Callable[..., Path],
) -> None:
    # the spec's own example order in a mixed Python/Node project, where auto-detection
    # names the checks lint-py/lint-js, test-py/test-js
    repo = gate_repo(
        {"typecheck": {"command": "true"}},
        defaults={"order": ["test", "typecheck", "lint"]},
        files={
            "pyproject.toml": "[tool.ruff]\n[tool.pytest.ini_options]\n",
            "package.json": json.dumps({"scripts": {"test": "vitest run", "lint": "eslint ."}}),
        },
    )
    result = run_gates("full-gate", repo, dry_run=True)
    assert result.exit_code == 0
    assert [c.name for c in result.checks] == [
        "test-py",
        "test-js",
        "typecheck",
        "lint-py",
        "lint-js",
    ]


def test_outside_a_git_repository_is_a_gate_environment_error(tmp_path: Path) -> None:
    from sessionkit.errors import NotAGitRepository
    from sessionkit.gates import clear_baseline, load_baseline

    for call in (
        lambda: run_gates("full-gate", str(tmp_path), emit_events=False),
        lambda: load_baseline(str(tmp_path)),
        lambda: clear_baseline(str(tmp_path)),
    ):
        with pytest.raises(GateEnvironmentError) as info:
            call()
        # callers of the git layer's own type keep working
        assert isinstance(info.value, NotAGitRepository)
        assert info.value.exit_code == 3 and "not inside a git work tree" in info.value.message


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), 0.5])
def test_timeout_out_of_range_is_a_usage_error(
    gate_repo: Callable[..., Path], timeout: float
) -> None:
    repo = gate_repo({"lint": {"command": "skip"}, "typecheck": {"command": "skip"}})
    # NaN would pass a range check written as two comparisons and reach the JSON as NaN
    with pytest.raises(GateUsageError, match="between 1 and 86400"):
        run_gates("full-gate", repo, timeout_s=timeout, emit_events=False)
