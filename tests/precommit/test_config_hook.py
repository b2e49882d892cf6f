"""``sessionkit-precommit config``: output, exit codes and side effects (config.md §12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit import schemas
from sessionkit.precommit import config as hook
from tests.conftest import git

HEAD_OF_FILE = "# Project\n\n## Session Config\n\n"  # the section body starts at line 5


def claude(body: str) -> dict[str, str]:
    return {"CLAUDE.md": HEAD_OF_FILE + body}


def real_hook(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a subprocess, as pre-commit runs it (stdin closed)."""
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sessionkit.precommit", "config", *args],
        cwd=repo,
        env=environ,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def run_hook(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runner:
    """``hook.main`` in process (same output and code, a fraction of the time)."""

    def invoke(
        repo: Path, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as patch:
            patch.delenv("CI", raising=False)
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            patch.chdir(repo)
            capsys.readouterr()
            code = hook.main(list(args))
            out = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out.out, out.err)

    return invoke


def test_valid_config_prints_nothing_and_exits_0(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(claude("waves: 4\npersistence: true\n"))
    proc = real_hook(repo)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_no_instruction_file_is_silent_success(
    run_hook: Runner, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"README.md": "hi\n"})
    proc = run_hook(repo)
    assert (proc.returncode, proc.stdout) == (0, "")


def test_an_error_is_reported_in_the_hook_format(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(claude("waves: many\n"))
    before = git(repo, "status", "--porcelain")
    proc = real_hook(repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert (
        lines[0] == "sessionkit-config: Session Config has 1 error (CLAUDE.md, section at line 3)"
    )
    assert lines[1].startswith("  CLAUDE.md:5: config.type: ")
    assert "many" in lines[1]
    assert lines[2] == "hint: fix the lines above; `sessionkit config validate` explains each rule"
    assert len(lines) == 3
    assert git(repo, "status", "--porcelain") == before


def test_every_error_is_listed_in_file_order(
    run_hook: Runner, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(claude("waves: 2\npersistence: yes\nenforcement: loose\n"))
    proc = run_hook(repo)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert "3 errors" in lines[0]
    assert [line.split(": ")[0:2] for line in lines[1:4]] == [
        ["  CLAUDE.md:5", "config.range"],
        ["  CLAUDE.md:6", "config.type"],
        ["  CLAUDE.md:7", "config.enum"],
    ]


def test_warnings_pass_unless_strict(run_hook: Runner, make_repo: Callable[..., Path]) -> None:
    repo = make_repo(claude("waves: 4\nwavez: 5\n"))
    lenient = run_hook(repo)
    assert lenient.returncode == 0
    assert lenient.stdout.splitlines()[0].startswith(
        "sessionkit-config: Session Config is valid, with 1 warning"
    )
    assert "  CLAUDE.md:6: config.unknown-key: " in lenient.stdout
    strict = run_hook(repo, "--strict")
    assert strict.returncode == 1
    assert strict.stdout.splitlines()[0] == (
        "sessionkit-config: Session Config has 1 warning (CLAUDE.md, section at line 3)"
    )
    assert strict.stdout.splitlines()[-1].startswith("hint: ")


def test_a_loosening_being_committed_is_a_note_not_a_warning(
    run_hook: Runner,
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo(claude("waves: 4\n"))
    (repo / "CLAUDE.md").write_text(HEAD_OF_FILE + "waves: 4\nallow-destructive-ops: true\n")
    git(repo, "add", "CLAUDE.md")
    proc = run_hook(repo, "--strict")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.splitlines() == [
        "sessionkit-config: Session Config is valid; 1 loosening takes effect with this commit "
        "(CLAUDE.md, section at line 3)",
        "  CLAUDE.md:6: config.uncommitted-loosening: allow-destructive-ops: true takes effect "
        "with this commit (committed value: false)",
    ]
    document = json.loads(run_hook(repo, "--json").stdout)
    (note,) = [f for f in document["findings"] if f["rule_id"] == "config.uncommitted-loosening"]
    assert note["level"] == "note"


def test_json_output_is_a_valid_check_result(
    run_hook: Runner, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(claude("waves: many\nwavez: 4\nlearning-decay-rate: 0.1\n"))
    proc = run_hook(repo, "--json")
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    schemas.validator("check-result").validate(document)
    assert document["command"] == "sessionkit-config"
    assert (document["verdict"], document["exit_code"]) == ("fail", 1)
    (entry,) = document["checks"]
    assert entry["id"] == "config" and entry["status"] == "fail"
    levels = {f["rule_id"]: f["level"] for f in document["findings"]}
    assert levels["config.type"] == "error"
    assert levels["config.unknown-key"] == "warning"
    assert levels["config.alias"] == "note"
    assert entry["counts"] == {
        "error": sum(1 for lv in levels.values() if lv == "error"),
        "warning": sum(1 for lv in levels.values() if lv == "warning"),
        "note": sum(1 for lv in levels.values() if lv == "note"),
    }


def test_fingerprints_survive_line_moves(run_hook: Runner, make_repo: Callable[..., Path]) -> None:
    first = make_repo(claude("waves: many\n"), name="a")
    moved = make_repo(claude("\n\n\nwaves: many\n"), name="b")

    def fingerprints(repo: Path) -> list[str]:
        return [f["fingerprint"] for f in json.loads(run_hook(repo, "--json").stdout)["findings"]]

    assert fingerprints(first) == fingerprints(moved)
    assert fingerprints(first)


def test_outside_a_git_work_tree_exits_3(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text(HEAD_OF_FILE + "waves: many\n")
    proc = real_hook(tmp_path)
    assert proc.returncode == 3
    assert proc.stdout == (
        "sessionkit-config: not inside a git work tree (run from the repository root)\n"
    )


def test_git_missing_exits_3(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(claude("waves: 4\n"))
    proc = real_hook(repo, env={"PATH": os.path.dirname(sys.executable)})
    assert proc.returncode == 3
    assert proc.stdout == "sessionkit-config: git not found on PATH\n"


def test_missing_environment_file_is_an_environment_error(
    run_hook: Runner, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(claude("waves: 4\n"))
    proc = run_hook(repo, env={"SESSIONKIT_CONFIG_FILE": "missing.md"})
    assert proc.returncode == 3
    assert "config.file-not-found" in proc.stdout
    assert "could not be read" in proc.stdout.splitlines()[0]


def test_unknown_option_is_a_usage_error(run_hook: Runner, make_repo: Callable[..., Path]) -> None:
    repo = make_repo(claude("waves: 4\n"))
    proc = run_hook(repo, "--bogus")
    assert proc.returncode == 2
    assert "--bogus" in proc.stderr


def test_long_lists_are_cut_at_50_lines(run_hook: Runner, make_repo: Callable[..., Path]) -> None:
    body = "".join(f"unknown-{i}: 1\n" for i in range(60))
    repo = make_repo(claude(body))
    proc = run_hook(repo, "--strict")
    assert proc.returncode == 1
    findings = [line for line in proc.stdout.splitlines() if line.startswith("  CLAUDE.md:")]
    assert len(findings) == 50
    assert '  … and 10 more (run "sessionkit check --only config" for the full list)' in (
        proc.stdout
    )


def test_no_policy_skips_the_policy_file_validators(
    run_hook: Runner, make_repo: Callable[..., Path]
) -> None:
    files = claude("waves: 4\n")
    files[".orchestrator/policy/custom.json"] = "{}\n"
    repo = make_repo(files)
    with_policy = json.loads(run_hook(repo, "--json").stdout)
    without = json.loads(run_hook(repo, "--json", "--no-policy").stdout)
    assert any(f["path"] == ".orchestrator/policy/custom.json" for f in with_policy["findings"])
    assert not any(f["path"] == ".orchestrator/policy/custom.json" for f in without["findings"])


def test_under_ci_the_cache_is_neither_read_nor_written(
    run_hook: Runner, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(claude("waves: 4\n"))
    cache = repo / ".git" / "sessionkit" / "config-cache.json"
    assert run_hook(repo, env={"CI": "true"}).returncode == 0
    assert not cache.exists()
    assert run_hook(repo).returncode == 0
    assert cache.exists()


def test_main_in_process_returns_the_code(
    make_repo: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_repo(claude("waves: many\n"))
    monkeypatch.chdir(repo)
    assert hook.main([]) == 1
    assert capsys.readouterr().out.startswith("sessionkit-config: Session Config has 1 error")
    assert hook.main(["--help"]) == 0


def test_run_check_reports_warnings_for_pending_loosening_outside_a_commit(
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo(claude("waves: 4\n"))
    (repo / "CLAUDE.md").write_text(HEAD_OF_FILE + "allow-destructive-ops: true\n")
    ci = hook.run_check(str(repo), environ={})
    levels = [f["level"] for f in ci.findings if f["rule_id"] == hook.LOOSENING_RULE]
    assert levels == ["warning"]
    committing = hook.run_check(str(repo), environ={}, committing=True)
    levels = [f["level"] for f in committing.findings if f["rule_id"] == hook.LOOSENING_RULE]
    assert levels == ["note"]


def test_an_unreadable_instruction_file_exits_3(
    run_hook: Runner, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"README.md": "x\n"})
    (repo / "CLAUDE.md").mkdir()
    proc = run_hook(repo)
    assert proc.returncode == 3
    assert "  CLAUDE.md: config.unreadable: " in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("hint: ")


def test_verdict_names_the_instruction_files_that_have_no_section(
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo(files={"CLAUDE.md": "# Project\n", "AGENTS.md": "# Agents\n"})
    check = hook.run_check(str(repo), environ={})
    assert check.summary() == (
        "no Session Config; defaults apply (CLAUDE.md, AGENTS.md, no ## Session Config section)"
    )
    bare = make_repo(name="bare")
    assert hook.run_check(str(bare), environ={}).location() == "no CLAUDE.md or AGENTS.md"
