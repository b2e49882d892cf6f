"""load_config / load_config_text: resolution (§2), the HEAD merge (§7), errors (§9.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.config import ConfigError, Source, load_config, load_config_text
from sessionkit.config.api import clear_memo

HEADER = "## Session Config\n\n"


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    clear_memo()


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def commit_all(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def rules(cfg: object) -> set[tuple[str, str]]:
    return {(d.rule, d.severity) for d in cfg.report.diagnostics}  # type: ignore[attr-defined]


# -- §2.3 precedence -------------------------------------------------------------------


def test_both_files_with_equal_sections_is_info(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n", "AGENTS.md": HEADER + "waves: 7\n"})
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.report.host_file == "CLAUDE.md"
    assert ("config.both-files", "info") in rules(cfg)


def test_both_files_that_differ_is_a_warning_naming_keys(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        {"CLAUDE.md": HEADER + "waves: 7\n", "AGENTS.md": HEADER + "waves: 8\nrecent-commits: 3\n"}
    )
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.waves == 7
    (diag,) = [d for d in cfg.report.diagnostics if d.rule == "config.both-files"]
    assert diag.severity == "warning"
    assert "waves" in diag.message and "recent-commits" in diag.message


def test_symlinked_agents_md_is_the_same_file(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n"}, commit=False)
    os.symlink("CLAUDE.md", repo / "AGENTS.md")
    commit_all(repo)
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.waves == 7
    assert not any(d.rule == "config.both-files" for d in cfg.report.diagnostics)
    agents = next(c for c in cfg.report.consulted if c["path"] == "AGENTS.md")
    assert agents["realpath"] == "CLAUDE.md"


def test_hard_linked_files_are_the_same_file(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n"}, commit=False)
    os.link(repo / "CLAUDE.md", repo / "AGENTS.md")
    cfg = load_config(repo, use_cache=False, environ={})
    assert not any(d.rule == "config.both-files" for d in cfg.report.diagnostics)


def test_neither_file_has_a_section(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": "# Project\n\n@AGENTS.md\n", "AGENTS.md": "notes\n"})
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg == cfg.defaults()
    assert rules(cfg) == {("config.no-section", "info")}
    assert cfg.report.status == "no-config"
    assert cfg.report.host_file is None
    consulted = {c["path"]: c for c in cfg.report.consulted}
    assert consulted["CLAUDE.md"]["exists"] and consulted["AGENTS.md"]["exists"]


def test_claude_md_importing_agents_md_uses_agents(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": "@AGENTS.md\n", "AGENTS.md": HEADER + "waves: 9\n"})
    cfg = load_config(repo, use_cache=False, environ={})
    assert (cfg.waves, cfg.report.host_file, cfg.report.host_kind) == (9, "AGENTS.md", "agents")
    assert cfg.source_of("waves") == Source("AGENTS.md", 3, 1, "working", None)


def test_env_file_is_the_host_even_without_section(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"docs/config.md": "nothing here\n", "CLAUDE.md": HEADER + "waves: 9\n"})
    cfg = load_config(repo, use_cache=False, environ={"SESSIONKIT_CONFIG_FILE": "docs/config.md"})
    assert cfg.waves == 5
    assert cfg.report.host_file == "docs/config.md"
    assert cfg.report.host_kind == "env"
    assert ("config.no-section", "info") in rules(cfg)


def test_env_file_outside_repo_is_ignored(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(HEADER + "waves: 30\n")
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 9\n"})
    for value in (str(outside), "../elsewhere.md"):
        cfg = load_config(repo, use_cache=False, environ={"SESSIONKIT_CONFIG_FILE": value})
        assert cfg.waves == 9
        assert ("config.outside-repo", "error") in rules(cfg)


def test_sessionkit_variable_wins_over_legacy(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"a.md": HEADER + "waves: 10\n", "b.md": HEADER + "waves: 11\n"})
    cfg = load_config(
        repo, use_cache=False, environ={"SESSIONKIT_CONFIG_FILE": "a.md", "SO_CONFIG_FILE": "b.md"}
    )
    assert cfg.waves == 10
    assert ("config.legacy-env", "info") not in rules(cfg)


def test_symlink_to_outside_is_not_opened(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(HEADER + "waves: 30\n")
    repo = make_repo({}, commit=False)
    os.symlink(secret, repo / "CLAUDE.md")
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.waves == 5
    assert ("config.outside-repo", "error") in rules(cfg)


def test_symlink_loop_is_unreadable(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({}, commit=False)
    os.symlink("AGENTS.md", repo / "CLAUDE.md")
    os.symlink("CLAUDE.md", repo / "AGENTS.md")
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.waves == 5
    assert ("config.unreadable", "error") in rules(cfg)


def test_fifo_named_claude_md_is_never_read(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"AGENTS.md": HEADER + "waves: 9\n"}, commit=False)
    os.mkfifo(repo / "CLAUDE.md")
    cfg = load_config(repo, use_cache=False, environ={})  # would hang if the FIFO were read
    assert cfg.waves == 9
    assert ("config.unreadable", "error") in rules(cfg)
    assert cfg.report.has_env_problem


def test_directory_named_claude_md(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md/x": "y", "AGENTS.md": HEADER + "waves: 9\n"})
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.waves == 9
    assert ("config.unreadable", "error") in rules(cfg)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 9\n"})
    (repo / "CLAUDE.md").chmod(0)
    try:
        cfg = load_config(repo, use_cache=False, environ={})
    finally:
        (repo / "CLAUDE.md").chmod(0o644)
    assert cfg.waves == 5
    assert ("config.unreadable", "error") in rules(cfg)


def test_explicit_file_and_its_errors(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"other.md": HEADER + "waves: 12\n", "CLAUDE.md": HEADER + "waves: 9\n"})
    cfg = load_config(repo / "other.md", environ={})
    assert (cfg.waves, cfg.report.host_kind, cfg.report.host_file) == (12, "explicit", "other.md")
    with pytest.raises(ConfigError) as info:
        load_config(repo / "missing.md", environ={})
    assert info.value.kind == "io"
    assert info.value.exit_code == 3
    assert info.value.diagnostics[0].rule == "config.file-not-found"
    assert isinstance(info.value, ValueError)


def test_linked_worktree_uses_its_own_git_dir(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 9\n"})
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt))
    (wt / "CLAUDE.md").write_text(HEADER + "waves: 11\nallow-destructive-ops: true\n")
    cfg = load_config(wt, environ={})
    assert cfg.waves == 11
    assert cfg.allow_destructive_ops is False  # HEAD of the worktree says false
    assert cfg.report.git_dir is not None
    assert cfg.report.git_dir.startswith(str((repo / ".git" / "worktrees").resolve()))
    assert cfg.report.head["status"] == "read"


# -- §9.1 errors and strictness --------------------------------------------------------


def test_strict_raises_on_warnings_and_errors() -> None:
    text = HEADER + "wavez: 4\n"
    assert load_config_text(text).report.status == "warnings"


def test_strict_load(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 2\nwavez: 1\n"})
    with pytest.raises(ConfigError) as info:
        load_config(repo, strict=True, environ={})
    error = info.value
    assert error.kind == "invalid"
    assert error.report is not None and error.report.status == "invalid"
    assert str(error).startswith("CLAUDE.md:3:8: error: config.range: waves must be ≥ 3 (got 2)")
    assert str(error).endswith("(and 1 more)")
    clean = make_repo({"CLAUDE.md": HEADER + "waves: 4\n"}, name="clean")
    assert load_config(clean, strict=True, environ={}).waves == 4


def test_ref_usage_errors_before_git(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 4\n"})
    for bad in ("--output=x", "HEAD x", "a\nb"):
        with pytest.raises(ConfigError) as info:
            load_config(repo, ref=bad, environ={})
        assert info.value.kind == "usage"
        assert info.value.exit_code == 2
    with pytest.raises(ConfigError) as missing:
        load_config(repo, ref="no-such-branch", environ={})
    assert missing.value.kind == "ref"
    assert missing.value.diagnostics[0].rule == "config.ref-not-found"


def test_ref_reads_the_committed_file(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 4\nallow-destructive-ops: true\n"})
    first = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    (repo / "CLAUDE.md").write_text(HEADER + "waves: 6\n")
    commit_all(repo)
    (repo / "CLAUDE.md").write_text(HEADER + "waves: 8\n")
    at_first = load_config(repo, ref=first, environ={})
    assert (at_first.waves, at_first.allow_destructive_ops) == (4, True)  # no merge at a ref
    src = at_first.source_of("waves")
    assert src is not None and (src.origin, src.commit, src.line) == ("ref", first, 3)
    assert load_config(repo, ref="HEAD", environ={}).waves == 6
    assert load_config(repo, use_cache=False, environ={}).waves == 8


def test_internal_errors_become_a_diagnostic(make_repo: Callable[..., Path]) -> None:
    # An environment mapping whose .get explodes reaches deep into the pipeline.
    class Exploding(dict[str, str]):
        def get(self, key: str, default: object = None) -> str | None:  # type: ignore[override]
            if key == "SESSIONKIT_CONFIG_FILE":
                raise RuntimeError("boom")
            return None

    repo = make_repo({"CLAUDE.md": HEADER + "waves: 4\n"})
    cfg = load_config(repo, environ=Exploding())
    assert cfg.waves == 5
    assert [d.rule for d in cfg.report.diagnostics] == ["config.internal"]
    assert "RuntimeError" in cfg.report.diagnostics[0].message
    assert cfg.report.has_env_problem


def test_load_config_text_is_pure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "CLAUDE.md").write_text(HEADER + "waves: 30\n")
    cfg = load_config_text(HEADER + "waves: 4\nallow-destructive-ops: true\n", filename="X.md")
    assert (cfg.waves, cfg.allow_destructive_ops) == (4, True)
    assert cfg.source_of("waves") == Source("X.md", 3, 1, "working", None)
    assert cfg.report.head["status"] == "no-repo"


def test_report_attributes(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        {"CLAUDE.md": "# P\n\n" + HEADER + "hooks.fail-mode: bogus\nwaves: 4\n## Next\n"}
    )
    cfg = load_config(repo, environ={}, use_cache=False)
    report = cfg.report
    assert report.root == str(repo.resolve())
    assert report.sections == (3,)
    assert report.section == (3, 4, 6)
    assert [d.rule for d in report.diagnostics_for("hooks.")] == ["config.enum"]
    assert report.errors and not report.warnings and not report.ok
    candidates = {c["path"]: c for c in report.candidates}
    assert candidates["CLAUDE.md"]["has_section"] and candidates["CLAUDE.md"]["section_line"] == 3
    assert candidates["AGENTS.md"]["exists"] is False
    text = report.errors[0].text()
    assert text.splitlines()[0].startswith("CLAUDE.md:5:")
    assert text.splitlines()[1].startswith("  hint: ")


# -- §7 loosening and HEAD ---------------------------------------------------------------


LOOSENING_CASES = [
    # key line, working value, head value, effective, pending
    ("allow-destructive-ops", "true", "false", False, True),
    ("allow-destructive-ops", "false", "true", False, False),
    ("enforcement", "off", "strict", "strict", True),
    ("enforcement", "strict", "off", "strict", False),
    ("hooks.fail-mode", "open", "closed", "closed", True),
    ("hooks.warn-as", "notice", "ask", "ask", True),
    ("hooks.record-events", "never", "always", "always", True),
    ("snapshots.before-warn", "false", "required", "required", True),
    ("config-protection.detectors.inline-suppression", "false", "true", True, True),
]


@pytest.mark.parametrize(("key", "working", "head", "effective", "pending"), LOOSENING_CASES)
def test_loosening_order(
    make_repo: Callable[..., Path],
    key: str,
    working: str,
    head: str,
    effective: object,
    pending: bool,
) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + f"{key}: {head}\n"})
    (repo / "CLAUDE.md").write_text(HEADER + f"waves: 4\n{key}: {working}\n")
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.get(key) == effective
    assert (key in cfg.report.pending) is pending
    entry = cfg.report.loosening[key]
    assert entry["effective"] == effective and entry["pending"] is pending
    warned = [d for d in cfg.report.diagnostics if d.rule == "config.uncommitted-loosening"]
    if pending:
        assert [(d.key, d.line) for d in warned] == [(key, 4)]
        src = cfg.source_of(key)
        assert src is not None and src.origin == "head" and src.line == 3
        assert src.commit == cfg.report.head["commit"]
    else:
        assert warned == []
        assert cfg.source_of(key) == Source("CLAUDE.md", 4, 1, "working", None)


def test_loosening_sets(make_repo: Callable[..., Path]) -> None:
    head = (
        "hooks:\n  disable: [commands]\n"
        "protected-paths:\n  add:\n    - id: a\n      patterns: [a/**]\n"
        "  relax:\n    - class: state\n      agent: warn\n"
        "snapshots.before-warn-rules: [git-stash]\n"
    )
    working = (
        "hooks:\n  disable: [commands, verify]\n"
        "protected-paths:\n  add:\n    - id: b\n      patterns: [b/**]\n"
        "  relax:\n    - class: state\n      agent: warn\n    - class: instructions\n      agent: allow\n"
        "snapshots.before-warn-rules: [git-stash-pop]\n"
    )
    repo = make_repo({"CLAUDE.md": HEADER + head})
    (repo / "CLAUDE.md").write_text(HEADER + working)
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.hooks.disable == ("commands",)
    assert [e.id for e in cfg.protected_paths.add] == ["b", "a"]
    assert [e.to_json()["class"] for e in cfg.protected_paths.relax] == ["state"]
    assert cfg.snapshots.before_warn_rules == ("git-stash-pop", "git-stash")
    assert set(cfg.report.pending) == {
        "hooks.disable",
        "protected-paths.add",
        "protected-paths.relax",
        "snapshots.before-warn-rules",
    }


def test_enforcement_gates_per_entry(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        {"CLAUDE.md": HEADER + "enforcement-gates: {path-guard: true, command-guard: true}\n"}
    )
    (repo / "CLAUDE.md").write_text(
        HEADER + "enforcement-gates: {path-guard: false, bash-write-guard: false}\n"
    )
    cfg = load_config(repo, use_cache=False, environ={})
    gates = cfg.to_json()["enforcement-gates"]
    # Order false -> unset -> true, with unset and true equally strict: path-guard is held at
    # the committed true; command-guard (true at HEAD, unset here) keeps the working unset;
    # bash-write-guard false is looser than the committed unset, so it waits for a commit.
    assert gates.get("path-guard") is True
    assert "command-guard" not in gates
    assert "bash-write-guard" not in gates
    assert "enforcement-gates" in cfg.report.pending


def test_config_protection_folds_and_merges(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "config-protection:\n  mode: strict\n"})
    assert load_config(repo, use_cache=False, environ={}).config_protection.mode == "strict"
    (repo / "CLAUDE.md").write_text(HEADER + "allow-config-weakening: true\n")
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.config_protection.mode == "strict"
    assert {"allow-config-weakening", "config-protection.mode"} <= set(cfg.report.pending)
    commit_all(repo)
    assert load_config(repo, use_cache=False, environ={}).config_protection.mode == "off"


def test_invalid_head_side_counts_as_default(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "enforcement: bogus\n"})
    (repo / "CLAUDE.md").write_text(HEADER + "enforcement: off\n")
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.enforcement == "warn"  # the committed side is invalid -> default warn
    assert ("config.head-invalid", "info") in rules(cfg)
    assert cfg.report.pending == ("enforcement",)


def test_unborn_head(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "allow-destructive-ops: true\n"}, commit=False)
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.report.head["status"] == "unborn"
    assert cfg.allow_destructive_ops is False
    assert cfg.report.pending == ("allow-destructive-ops",)


def test_no_repository_applies_working_values(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text(HEADER + "allow-destructive-ops: true\n")
    cfg = load_config(tmp_path, environ={})
    assert cfg.allow_destructive_ops is True
    assert cfg.report.head["status"] == "no-repo"
    assert ("config.not-versioned", "info") in rules(cfg)


def test_git_missing_keeps_loosening_at_defaults(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "allow-destructive-ops: true\n"})
    code = (
        "import sys, os; from sessionkit.config import load_config;"
        f"cfg = load_config({str(repo)!r}, use_cache=False, environ={{}});"
        "print(cfg.allow_destructive_ops, cfg.report.head['status'],"
        " sorted(d.rule for d in cfg.report.errors))"
    )
    env = {**os.environ, "PATH": "/nonexistent"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False unavailable ['config.head-unreadable']"


def test_head_host_differs_from_working_host(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"AGENTS.md": HEADER + "hooks.fail-mode: open\n"})
    (repo / "CLAUDE.md").write_text(HEADER + "hooks.fail-mode: open\n")
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.report.host_file == "CLAUDE.md"
    assert cfg.report.head["host_file"] == "AGENTS.md"
    assert cfg.hooks.fail_mode == "open"
    src = cfg.source_of("hooks.fail-mode")
    assert src is not None and (src.file, src.origin) == ("CLAUDE.md", "working")


def test_symlinked_host_at_head(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"docs/agents.md": HEADER + "allow-destructive-ops: true\n"}, commit=False)
    os.symlink("docs/agents.md", repo / "CLAUDE.md")
    commit_all(repo)
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.allow_destructive_ops is True
    assert cfg.report.head["host_file"] == "CLAUDE.md"


def test_changed_since_head_lists_command_changes(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "test-command: make test\n"})
    (repo / "CLAUDE.md").write_text(HEADER + "test-command: make check\nwaves: 4\n")
    cfg = load_config(repo, use_cache=False, environ={})
    assert set(cfg.report.changed_since_head) == {"test-command", "waves"}
    assert cfg.test_command == "make check"  # command keys are not loosening keys
    assert cfg.report.pending == ()


def test_guard_sees_destructive_ops_only_after_commit(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 4\n"})
    (repo / "CLAUDE.md").write_text(HEADER + "allow-destructive-ops: true\n")
    assert load_config(repo, environ={}).allow_destructive_ops is False
    commit_all(repo)
    cfg = load_config(repo, environ={})
    assert cfg.allow_destructive_ops is True
    assert cfg.source_of("allow-destructive-ops") == Source("CLAUDE.md", 3, 1, "working", None)


# -- coarse guards at 4x the budgets of §16 (the benchmark measures the real numbers) ----------


def test_memo_hit_is_cheap(make_repo: Callable[..., Path]) -> None:
    import statistics
    import time

    repo = make_repo({"CLAUDE.md": HEADER + "waves: 4\n"})
    past = time.time() - 3600
    os.utime(repo / "CLAUDE.md", (past, past))
    load_config(repo, environ={})
    times = []
    for _ in range(300):
        started = time.perf_counter()
        load_config(repo, environ={})
        times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.0008


def test_cold_load_of_a_large_section_is_bounded(make_repo: Callable[..., Path]) -> None:
    import statistics
    import time

    import yaml

    from sessionkit.config._model import SessionConfig

    doc = SessionConfig.defaults().to_json()
    doc["custom-phases"] = [{"name": f"p{i}", "command": f"make p{i}"} for i in range(25)]
    section = yaml.safe_dump(doc, sort_keys=False)
    assert section.count("\n") > 300
    repo = make_repo({"CLAUDE.md": "# P\n\n" + "prose line\n" * 15000 + HEADER + section})
    times, baseline = [], []
    for _ in range(5):
        clear_memo()
        started = time.perf_counter()
        cfg = load_config(repo, use_cache=False, environ={})
        times.append(time.perf_counter() - started)
        assert cfg.report.ok, cfg.report.errors
        started = time.perf_counter()
        yaml.load(section, Loader=yaml.CSafeLoader)
        baseline.append(time.perf_counter() - started)
    # 4x the budget's ratio (12x yaml CSafeLoader), measured side by side so that a loaded
    # machine slows both; the absolute budget is the benchmark's to report.
    assert statistics.median(times) < 48 * statistics.median(baseline)


def test_explicit_file_is_merged_with_its_committed_version(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        {"docs/cfg.md": HEADER + "waves: 4\n", "CLAUDE.md": HEADER + "enforcement: off\n"}
    )
    (repo / "docs" / "cfg.md").write_text(HEADER + "enforcement: off\n")
    cfg = load_config(repo / "docs" / "cfg.md", environ={})
    # CLAUDE.md at HEAD says off too, but the committed docs/cfg.md does not: not effective yet
    assert cfg.enforcement == "warn"
    assert cfg.report.head["host_file"] == "docs/cfg.md"
    assert cfg.report.pending == ("enforcement",)


GUARD_PROBE = (
    "import sessionkit; d = sessionkit.check_command('git reset --hard', cwd={repo!r}); "
    "print(d.action)"
)


def test_guard_lowers_reset_hard_only_after_the_commit(make_repo: Callable[..., Path]) -> None:
    """§17.3: the loosening reaches the guard through load_config once it is committed."""
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 4\n"})
    (repo / "CLAUDE.md").write_text(HEADER + "allow-destructive-ops: true\n")

    def action() -> str:
        code = GUARD_PROBE.format(repo=str(repo))
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    assert action() == "block"
    commit_all(repo, "allow destructive operations")
    assert action() == "warn"


@pytest.mark.parametrize(
    ("head_line", "working_line", "effective", "pending"),
    [
        ("enforcement: strict", "enforcement: strict", "strict", False),  # equal
        ("enforcement: strict", "waves: 4", "strict", True),  # absent in the working tree
        ("waves: 4", "enforcement: off", "warn", True),  # absent at HEAD: its default holds
        ("waves: 4", "enforcement: strict", "strict", False),  # tightening applies at once
    ],
    ids=["equal", "working-absent", "head-absent", "tightening"],
)
def test_loosening_equal_and_absent(
    make_repo: Callable[..., Path], head_line: str, working_line: str, effective: str, pending: bool
) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + head_line + "\n"})
    (repo / "CLAUDE.md").write_text(HEADER + working_line + "\n")
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.enforcement == effective
    assert ("enforcement" in cfg.report.pending) is pending
    warned = [d for d in cfg.report.diagnostics if d.rule == "config.uncommitted-loosening"]
    assert len(warned) == int(pending)
    if pending and "enforcement" not in working_line:
        assert warned[0].line == 1  # no working line: reported at the section heading


def test_dash_list_globs_starting_with_a_star_are_read() -> None:
    # The prior art reads `vault-sync.exclude` only as a dash list; its documented value is
    # `**/_MOC.md`. A YAML reading would see an alias and drop the whole block.
    cfg = load_config_text(
        "## Session Config\n\n"
        "vault-sync:\n  enabled: true\n  exclude:\n    - **/_MOC.md\n    - *.log\n"
        "discovery-exclude-paths:\n- **/node_modules\n"
    )
    assert cfg.vault_sync.exclude == ("**/_MOC.md", "*.log")
    assert cfg.vault_sync.enabled is True
    assert cfg.discovery_exclude_paths == ("**/node_modules",)
    assert not cfg.report.diagnostics
