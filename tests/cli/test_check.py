"""``sessionkit check``: the check registry, --only/--skip, --fail-on, exit codes, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit import schemas
from sessionkit.cli import check as check_module
from sessionkit.cli import main
from sessionkit.errors import UsageError
from tests.conftest import ROOT

HEAD_OF_FILE = "# Project\n\n## Session Config\n\n"


def sessionkit(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a subprocess (for the end-to-end cases)."""
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sessionkit", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def sk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The CLI in process, through its real error boundary (fast; same result shape)."""
    monkeypatch.delenv("CI", raising=False)

    def invoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as patch:
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            capsys.readouterr()
            code = main(list(args))
            out = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out.out, out.err)

    return invoke


@pytest.fixture
def repo_with(make_repo: Callable[..., Path]) -> Callable[[str], Path]:
    def factory(body: str) -> Path:
        return make_repo({"CLAUDE.md": HEAD_OF_FILE + body})

    return factory


def test_this_repository_passes_make_run() -> None:
    """`make run` minus the quality gate (which runs this suite): `--all-files`, default set."""
    proc = sessionkit("check", "--repo", str(ROOT), "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "sessionkit check: whole tree (no base)"
    assert proc.stdout.splitlines()[1].startswith("config: pass: Session Config is valid")


def test_valid_repository_passes(
    sk: Callable[..., subprocess.CompletedProcess[str]], repo_with: Callable[[str], Path]
) -> None:
    proc = sk("check", "--repo", str(repo_with("waves: 4\n")))
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        "config: pass: Session Config is valid (CLAUDE.md, section at line 3)",
        "sessionkit check: pass (1 check; 0 errors, 0 warnings, 0 notes)",
    ]


def test_invalid_config_fails_and_lists_the_finding(
    sk: Callable[..., subprocess.CompletedProcess[str]], repo_with: Callable[[str], Path]
) -> None:
    proc = sk("check", "--repo", str(repo_with("waves: many\n")))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == "config: fail: Session Config has 1 error (CLAUDE.md, section at line 3)"
    assert lines[1].startswith("  CLAUDE.md:5:")
    assert ": error: config.type: " in lines[1]
    assert lines[-1].startswith("sessionkit check: fail (1 check; 1 error, ")


@pytest.mark.parametrize(
    ("body", "fail_on", "code"),
    [
        ("waves: many\n", "error", 1),
        ("waves: many\n", "never", 0),
        ("wavez: 4\n", "error", 0),
        ("wavez: 4\n", "warning", 1),
        ("waves: 4\n", "warning", 0),
    ],
)
def test_fail_on_decides_the_exit_code(
    sk: Callable[..., subprocess.CompletedProcess[str]],
    repo_with: Callable[[str], Path],
    body: str,
    fail_on: str,
    code: int,
) -> None:
    proc = sk("check", "--repo", str(repo_with(body)), "--fail-on", fail_on)
    assert proc.returncode == code, proc.stdout


def test_environment_errors_exit_3_whatever_fail_on_says(
    sk: Callable[..., subprocess.CompletedProcess[str]],
    repo_with: Callable[[str], Path],
) -> None:
    repo = repo_with("waves: 4\n")
    proc = sk(
        "check",
        "--repo",
        str(repo),
        "--fail-on",
        "never",
        env={"SESSIONKIT_CONFIG_FILE": "nope.md"},
    )
    assert proc.returncode == 3
    assert "config: error:" in proc.stdout


def test_json_document_validates_and_carries_the_findings(
    sk: Callable[..., subprocess.CompletedProcess[str]],
    repo_with: Callable[[str], Path],
) -> None:
    proc = sk("check", "--repo", str(repo_with("waves: many\n")), "--json")
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    schemas.validator("check-result").validate(document)
    assert document["command"] == "check"
    assert document["verdict"] == "fail"
    assert [c["id"] for c in document["checks"]] == ["config"]
    assert {f["rule_id"] for f in document["findings"]} >= {"config.type"}
    assert all(f["check"] == "config" for f in document["findings"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "bogus"], "unknown check id 'bogus' in --only"),
        (["--skip", "config,nope"], "unknown check id 'nope' in --skip"),
        (["--skip", "config"], "no check left to run"),
        (["--fail-on", "sometimes"], "sometimes"),
    ],
)
def test_usage_errors_exit_2(
    sk: Callable[..., subprocess.CompletedProcess[str]],
    repo_with: Callable[[str], Path],
    args: list[str],
    message: str,
) -> None:
    proc = sk("check", "--repo", str(repo_with("waves: 4\n")), *args)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_a_known_check_that_is_not_built_yet_is_a_usage_error(
    sk: Callable[..., subprocess.CompletedProcess[str]],
    repo_with: Callable[[str], Path],
) -> None:
    missing = [cid for cid in check_module.KNOWN_IDS if cid not in check_module.CHECKS]
    if not missing:
        pytest.skip("every check of integration.md §3 is registered")
    proc = sk("check", "--repo", str(repo_with("waves: 4\n")), "--only", missing[0])
    assert proc.returncode == 2
    assert f"check {missing[0]!r} is not available in this version of sessionkit" in proc.stderr


def test_not_a_git_repository_exits_3(
    sk: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    proc = sk("check", "--repo", str(tmp_path))
    assert proc.returncode == 3
    assert "not inside a git work tree" in proc.stderr


def test_select_checks_keywords_and_order() -> None:
    registered = [cid for cid in check_module.KNOWN_IDS if cid in check_module.CHECKS]
    defaults = [cid for cid in registered if check_module.CHECKS[cid].default]
    assert check_module.select_checks([], []) == defaults
    assert check_module.select_checks(["default"], []) == defaults
    assert check_module.select_checks(["all"], []) == registered
    assert check_module.select_checks(["config,config"], []) == ["config"]
    assert check_module.select_checks(["all"], ["config"]) == [
        c for c in registered if c != "config"
    ]
    missing = [cid for cid in check_module.KNOWN_IDS if cid not in check_module.CHECKS]
    for check_id in missing:
        with pytest.raises(UsageError):
            check_module.select_checks([check_id], [])


def test_every_registered_check_is_a_known_id_and_loads() -> None:
    for check_id, spec in check_module.CHECKS.items():
        assert check_id in check_module.KNOWN_IDS
        assert callable(spec.load())


def test_under_ci_the_config_cache_is_not_written(
    sk: Callable[..., subprocess.CompletedProcess[str]], repo_with: Callable[[str], Path]
) -> None:
    repo = repo_with("waves: 4\n")
    assert sk("check", "--repo", str(repo), env={"CI": "true"}).returncode == 0
    assert not (repo / ".git" / "sessionkit" / "config-cache.json").exists()


def test_hook_and_check_agree_on_findings(repo_with: Callable[[str], Path]) -> None:
    """One engine, two front ends (integration.md P1)."""
    repo = repo_with("waves: many\nwavez: 3\n")
    check_doc = json.loads(sessionkit("check", "--repo", str(repo), "--json").stdout)
    hook = subprocess.run(
        [sys.executable, "-m", "sessionkit.precommit", "config", "--json"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "CI"},
    )
    hook_doc = json.loads(hook.stdout)
    assert [f["fingerprint"] for f in check_doc["findings"]] == [
        f["fingerprint"] for f in hook_doc["findings"]
    ]


# --all-files and --fail-on new against a clean checkout of the base (integration.md §3) ---

_BASE_ENV = (
    "SESSIONKIT_BASE_REF",
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_PATH",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    "CI_COMMIT_BEFORE_SHA",
)


def _commit(repo: Path, files: dict[str, str], message: str) -> None:
    from tests.conftest import git

    for rel, text in files.items():
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_all_files_judges_the_whole_tree_and_says_so(
    sk: Callable[..., subprocess.CompletedProcess[str]], repo_with: Callable[[str], Path]
) -> None:
    repo = repo_with("waves: many\n")
    text = sk("check", "--repo", str(repo), "--all-files")
    assert text.returncode == 1
    assert text.stdout.splitlines()[0] == "sessionkit check: whole tree (no base)"
    assert text.stdout.splitlines()[1].startswith("config: fail: Session Config has 1 error")
    proc = sk("check", "--repo", str(repo), "--all-files", "--json")
    doc = json.loads(proc.stdout)
    schemas.validator("check-result.schema.json").validate(doc)
    assert doc["range"] == {"base": None, "head": None, "mode": "all-files"}
    assert [f["rule_id"] for f in doc["findings"] if f["level"] == "error"] == ["config.type"]
    ranged = json.loads(sk("check", "--repo", str(repo), "--base", "HEAD", "--json").stdout)
    assert ranged["range"]["mode"] == "range" and len(ranged["range"]["base"]) == 40


def test_all_files_usage_errors(
    sk: Callable[..., subprocess.CompletedProcess[str]], repo_with: Callable[[str], Path]
) -> None:
    repo = str(repo_with("waves: 4\n"))
    both = sk("check", "--repo", repo, "--all-files", "--base", "HEAD")
    assert both.returncode == 2
    assert "--all-files and --base are mutually exclusive" in both.stderr
    incremental = sk(
        "check", "--repo", repo, "--all-files", "--only", "gates", "--variant", "incremental"
    )
    assert incremental.returncode == 2
    assert "no change set" in incremental.stderr


def test_fail_on_new_clears_errors_the_base_already_had(
    sk: Callable[..., subprocess.CompletedProcess[str]], repo_with: Callable[[str], Path]
) -> None:
    from tests.conftest import git

    repo = repo_with("waves: many\n")
    _commit(repo, {"notes.txt": "unrelated\n"}, "second")
    args = ("check", "--repo", str(repo), "--base", "HEAD~1")
    assert sk(*args).returncode == 1  # --fail-on error: the error blocks
    proc = sk(*args, "--fail-on", "new")
    assert proc.returncode == 0, proc.stdout
    first = proc.stdout.splitlines()[0]
    assert first.startswith("config: pass: Session Config has 1 error")
    assert "[0 new, 1 pre-existing; against base " in first
    # the clean checkout of the base is gone again
    assert len(git(repo, "worktree", "list").splitlines()) == 1


def test_fail_on_new_blocks_an_error_the_head_introduced(
    sk: Callable[..., subprocess.CompletedProcess[str]], repo_with: Callable[[str], Path]
) -> None:
    repo = repo_with("waves: 4\n")
    _commit(repo, {"CLAUDE.md": HEAD_OF_FILE + "waves: many\n"}, "break the config")
    proc = sk("check", "--repo", str(repo), "--base", "HEAD~1", "--fail-on", "new", "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    schemas.validator("check-result.schema.json").validate(doc)
    (entry,) = doc["checks"]
    assert entry["status"] == "fail"
    assert "[1 new, 0 pre-existing; against base " in entry["summary"]


def test_fail_on_new_without_a_base_counts_every_error_as_new(
    sk: Callable[..., subprocess.CompletedProcess[str]],
    repo_with: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in _BASE_ENV:
        monkeypatch.delenv(name, raising=False)
    repo = repo_with("waves: many\n")  # no upstream, no origin: --base auto finds nothing
    proc = sk("check", "--repo", str(repo), "--fail-on", "new")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == "sessionkit check: whole tree (no base)"
    assert "[1 new, 0 pre-existing; no base: every error counts as new]" in lines[1]


def test_all_files_only_all_runs_config_and_the_gate(
    sk: Callable[..., subprocess.CompletedProcess[str]], make_repo: Callable[..., Path]
) -> None:
    """What `make run` runs (integration.md §8): every check, the quality gate included."""
    policy = {
        "version": 2,
        "commands": {"lint": {"command": [sys.executable, "-c", "print('All checks passed!')"]}},
    }
    repo = make_repo(
        {
            "CLAUDE.md": HEAD_OF_FILE + "waves: 4\n",
            ".orchestrator/policy/quality-gates.json": json.dumps(policy),
        }
    )
    proc = sk(
        "check",
        "--repo",
        str(repo),
        "--all-files",
        "--only",
        "all",
        "--json",
        env={"SESSIONKIT_NO_METRICS": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    schemas.validator("check-result.schema.json").validate(doc)
    assert [(c["id"], c["status"]) for c in doc["checks"]] == [
        ("config", "pass"),
        ("gates", "pass"),
    ]
    gate = next(c for c in doc["checks"] if c["id"] == "gates")
    statuses = {c["name"]: c["status"] for c in gate["result"]["checks"]}
    assert statuses["lint"] == "pass"
    assert set(statuses.values()) <= {"pass", "skip"}  # unconfigured kinds are skipped
    assert doc["range"]["mode"] == "all-files"


def test_check_writes_the_gate_report_formats(
    sk: Callable[..., subprocess.CompletedProcess[str]],
    repo_with: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    # D13: gates §9.1/§10.8 and integration.md: --report, --github-annotations and
    # --no-github-summary exist on check, rendered by the gate writers (from_check_document)
    import xml.etree.ElementTree as ET

    repo = repo_with("waves: many\n")
    out = tmp_path / "reports"
    summary = tmp_path / "summary.md"
    proc = sk(
        "check",
        "--repo",
        str(repo),
        "--report",
        f"json={out}/check.json",
        "--report",
        f"sarif={out}/check.sarif",
        "--report",
        f"junit={out}/check.junit.xml",
        "--report",
        f"gitlab={out}/check.gl-code-quality.json",
        "--report",
        "github",
        "--github-annotations",
        "3",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((out / "check.json").read_text())
    assert [e.message for e in schemas.validator("check-result").iter_errors(doc)] == []
    sarif = json.loads((out / "check.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"] == "sessionkit-check/"
    assert "sessionkit.config.type" in [r["ruleId"] for r in sarif["runs"][0]["results"]]
    junit = ET.fromstring((out / "check.junit.xml").read_text())
    assert junit.get("name") == "sessionkit check" and junit.get("failures") == "1"
    issues = json.loads((out / "check.gl-code-quality.json").read_text())
    assert {i["location"]["path"] for i in issues} == {"CLAUDE.md"}
    assert "::error file=CLAUDE.md,line=5," in proc.stdout
    assert summary.read_text().startswith("### sessionkit check · ❌ failed")
    quiet = sk(
        "check",
        "--repo",
        str(repo),
        "--report",
        "github",
        "--no-github-summary",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert quiet.returncode == 1 and summary.read_text().count("### sessionkit check") == 1


def test_check_report_on_stdout_is_one_document(
    sk: Callable[..., subprocess.CompletedProcess[str]], repo_with: Callable[[str], Path]
) -> None:
    repo = str(repo_with("waves: 4\n"))
    alone = sk("check", "--repo", repo, "--report", "sarif=-")
    assert alone.returncode == 0 and json.loads(alone.stdout)["version"] == "2.1.0"
    assert "sessionkit check: pass" in alone.stderr
    for args in (("--json", "--report", "json"), ("--report", "junit")):
        refused = sk("check", "--repo", repo, *args)
        assert refused.returncode == 2 and refused.stdout == ""


def test_only_gates_with_an_invalid_policy_fails_with_its_diagnostics(
    sk: Callable[..., subprocess.CompletedProcess[str]], make_repo: Callable[..., Path]
) -> None:
    """Audit round 3 D2: without `config`, an invalid quality-gates.json must not pass (§3.2)."""
    policy = '{"version": 2, "bogus": 1, "commands": {"lint": {"command": "false"}}}'
    repo = make_repo({".orchestrator/policy/quality-gates.json": policy})
    proc = sk("check", "--repo", str(repo), "--all-files", "--only", "gates")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ".orchestrator/policy/quality-gates.json:1: error: gates.schema" in proc.stdout
    assert "unknown key 'bogus'" in proc.stdout
