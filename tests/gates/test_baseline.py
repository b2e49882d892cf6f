"""Baselines in git refs, validity and the regression diff (spec §7), with real git."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sessionkit.gates import run_gates
from sessionkit.gates.baseline import (
    REF_PREFIX,
    clear_baseline,
    current_key,
    encode_key,
    load_baseline,
    ref_for,
)
from sessionkit.gates.errors import GateUsageError
from tests.gates.conftest import git, write_policy


def ruff_item(root: Path, path: str, row: int, code: str, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "filename": str(root / path),
        "location": {"row": row, "column": 1},
        "end_location": {"row": row, "column": 2},
        "url": None,
    }


@pytest.fixture
def lint_repo(
    make_repo: Callable[..., Path], fake_tool: Callable[..., str]
) -> tuple[Path, Callable[..., None]]:
    """A repo whose lint check is a fake ruff printing JSON findings we choose per run."""
    repo = make_repo(files={"src/a.py": "import os\nimport sys\nx = 1\n"}, commit=False)
    ruff = fake_tool("ruff", stdout="[]", exit=0)
    write_policy(
        repo,
        {
            "version": 2,
            "commands": {
                "lint": {"command": [ruff, "check", "--output-format=json"]},
                "typecheck": {"command": "skip"},
                "test": {"command": "skip"},
            },
        },
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")

    def findings(*items: tuple[str, int, str, str]) -> None:
        doc = [ruff_item(repo, p, row, code, msg) for p, row, code, msg in items]
        fake_tool("ruff", stdout=json.dumps(doc), exit=1 if doc else 0)

    return repo, findings


OS = ("src/a.py", 1, "F401", "`os` imported but unused")
SYS = ("src/a.py", 2, "F401", "`sys` imported but unused")


def test_save_show_clear_round_trip(lint_repo: tuple[Path, Callable[..., None]]) -> None:
    repo, findings = lint_repo
    findings(OS)
    result = run_gates("baseline", repo)
    assert result.exit_code == 0 and result.fail_on == "never"
    ref = ref_for("main")
    assert git(repo, "ls-tree", "--name-only", ref).split() == ["baseline.json"]
    assert git(repo, "rev-list", "--count", ref).strip() == "1"  # a root commit, no history
    doc = load_baseline(str(repo))
    assert doc is not None and doc["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert doc["checks"]["lint"]["status"] == "fail"
    assert [f["rule"] for f in doc["checks"]["lint"]["findings"]] == ["F401"]
    assert "test" in doc["checks"] and doc["checks"]["test"]["status"] == "skip"
    assert clear_baseline(str(repo)) == [ref]
    assert load_baseline(str(repo)) is None and clear_baseline(str(repo)) == []


def test_regression_reports_exactly_the_new_findings(
    lint_repo: tuple[Path, Callable[..., None]],
) -> None:
    repo, findings = lint_repo
    findings(OS)
    run_gates("baseline", repo)
    # next commit: lines inserted above the old finding, and one new finding
    (repo / "src" / "a.py").write_text("# header\n# more\nimport os\nimport sys\nx = 1\n")
    git(repo, "commit", "-qam", "regress")
    findings(
        ("src/a.py", 3, "F401", "`os` imported but unused"),
        ("src/a.py", 4, "F401", "`sys` imported but unused"),
    )
    result = run_gates("full-gate", repo, fail_on="new")
    lint = result.check("lint")
    assert result.exit_code == 1 and lint.blocking
    assert lint.regression is not None and lint.regression.comparable
    assert lint.regression.blocking_reason == "new-findings: 1"
    new = [f for f in lint.findings if f.baseline == "new"]
    assert [(f.line, f.message) for f in new] == [(4, "`sys` imported but unused")]
    assert list(lint.regression.new) == [new[0].fingerprint]
    assert lint.regression.pre_existing == 1 and lint.regression.fixed == ()
    assert result.regression is not None and result.regression["new"] == 1
    # under --fail-on fail the same run blocks too, but only because lint fails at all
    assert run_gates("full-gate", repo, fail_on="fail").exit_code == 1
    # removing the new problem: only pre-existing findings remain -> cleared under "new"
    findings(("src/a.py", 3, "F401", "`os` imported but unused"))
    cleared = run_gates("full-gate", repo, fail_on="new")
    assert cleared.exit_code == 0
    lint = cleared.check("lint")
    assert lint.status == "fail" and not lint.blocking and lint.regression is not None
    assert lint.regression.new == () and lint.regression.pre_existing == 1


def test_fixed_findings_and_status_regression(lint_repo: tuple[Path, Callable[..., None]]) -> None:
    repo, findings = lint_repo
    findings(OS, SYS)
    run_gates("baseline", repo)
    findings(OS)
    result = run_gates("full-gate", repo, fail_on="new")
    lint = result.check("lint")
    assert lint.regression is not None and len(lint.regression.fixed) == 1 and result.exit_code == 0
    # a clean baseline: any failure is a status regression
    findings()
    run_gates("baseline", repo)
    findings(OS)
    result = run_gates("full-gate", repo, fail_on="new")
    assert result.check("lint").regression.blocking_reason == "status-regression"  # type: ignore[union-attr]
    assert result.check("lint").regression.status_change == "pass->fail"  # type: ignore[union-attr]


def test_no_baseline_behaves_as_fail(lint_repo: tuple[Path, Callable[..., None]]) -> None:
    repo, findings = lint_repo
    findings(OS)
    result = run_gates("full-gate", repo, fail_on="new")
    assert result.exit_code == 1
    assert result.regression is not None and result.regression["comparable"] is False
    assert result.regression["reasons"] == ["no-baseline"]
    assert result.check("lint").regression.blocking_reason == "no-baseline"  # type: ignore[union-attr]
    assert any(w.code == "no-baseline" for w in result.warnings)


def test_branch_reuses_the_baseline_of_its_base_by_ancestry(
    lint_repo: tuple[Path, Callable[..., None]],
) -> None:
    repo, findings = lint_repo
    findings(OS)
    run_gates("baseline", repo)
    git(repo, "checkout", "-qb", "feature/x")
    result = run_gates("full-gate", repo, fail_on="new")
    assert result.regression is not None
    assert result.regression["baseline"]["source"] == "ancestor-ref"
    assert result.regression["baseline"]["ref"] == REF_PREFIX + "main"
    assert result.exit_code == 0


def test_command_change_makes_the_check_not_comparable(
    lint_repo: tuple[Path, Callable[..., None]], fake_tool: Callable[..., str]
) -> None:
    repo, findings = lint_repo
    findings(OS)
    run_gates("baseline", repo)
    policy_path = repo / ".orchestrator/policy/quality-gates.json"
    policy = json.loads(policy_path.read_text())
    policy["commands"]["lint"]["command"].append("--select=F")
    policy_path.write_text(json.dumps(policy))
    result = run_gates("full-gate", repo, fail_on="new")
    lint = result.check("lint")
    assert lint.regression is not None and lint.regression.reasons == ("command-changed",)
    assert lint.regression.blocking_reason == "not-comparable: command-changed"


def test_baseline_file_and_corrupt_ref(
    lint_repo: tuple[Path, Callable[..., None]], tmp_path: Path
) -> None:
    repo, findings = lint_repo
    findings(OS)
    out = tmp_path / "baseline.json"
    run_gates("baseline", repo, baseline_output=str(out), store_ref=False)
    assert load_baseline(str(repo)) is None
    result = run_gates("full-gate", repo, fail_on="new", baseline=str(out))
    assert result.regression is not None and result.regression["baseline"]["source"] == "file"
    assert result.exit_code == 0
    # a ref whose baseline.json is not a baseline: a warning, treated as absent
    blob = (
        subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=repo,
            input=b"{not json",
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    tree = (
        subprocess.run(
            ["git", "mktree"],
            cwd=repo,
            input=f"100644 blob {blob}\tbaseline.json\n".encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    commit = git(repo, "commit-tree", tree, "-m", "bad").strip()
    git(repo, "update-ref", ref_for("main"), commit)
    result = run_gates("full-gate", repo, fail_on="new")
    assert any("unreadable" in w.message for w in result.warnings)
    assert result.regression is not None and result.regression["comparable"] is False


def test_key_encoding_and_detached_head(lint_repo: tuple[Path, Callable[..., None]]) -> None:
    repo, _ = lint_repo
    assert encode_key("feature/x%y") == "feature%2Fx%25y"
    assert ref_for("fix/ümlaut").endswith("fix%2Fümlaut")
    with pytest.raises(GateUsageError):
        ref_for("")
    git(repo, "checkout", "-q", "--detach")
    assert current_key(str(repo), {}) == "@detached"
    assert current_key(str(repo), {"GITHUB_HEAD_REF": "pr/1"}) == "pr/1"
    result = run_gates("baseline", repo, baseline_key="feature/x")
    assert result.exit_code == 0
    assert git(repo, "for-each-ref", "--format=%(refname)", REF_PREFIX).split() == [
        REF_PREFIX + "feature%2Fx"
    ]


def test_reuse_reasons(lint_repo: tuple[Path, Callable[..., None]]) -> None:
    from sessionkit.gates.baseline import parse_time, reuse_reasons
    from sessionkit.gates.engine import baseline_command_hashes

    repo, findings = lint_repo
    findings(OS)
    run_gates("baseline", repo)
    doc = load_baseline(str(repo))
    assert doc is not None
    hashes = baseline_command_hashes(str(repo))
    assert set(hashes) == set(doc["checks"]) == {"lint", "test", "typecheck"}

    def reasons(**kw: object) -> list[str]:
        return reuse_reasons(
            str(repo),
            doc,
            command_hashes=kw.get("hashes", hashes),
            lockfiles=None,  # type: ignore[arg-type]
            max_age_hours=168,
            now=kw.get("now"),
        )  # type: ignore[arg-type]

    assert reasons() == []
    saved = parse_time(doc["saved_at"])
    assert saved is not None and reasons(now=saved + 169 * 3600) == ["expired"]
    assert reasons(hashes={**hashes, "lint": "sha256:" + "0" * 64}) == ["command-changed"]
    (repo / "uv.lock").write_text("lock\n")
    assert reasons() == ["dirty-tree", "dependencies-changed"]
    git(repo, "add", "uv.lock")
    git(repo, "commit", "-qm", "lock")
    assert reasons() == ["stale-commit", "dependencies-changed"]


def test_concurrent_saves_end_with_one_valid_ref(
    lint_repo: tuple[Path, Callable[..., None]],
) -> None:
    import threading

    from sessionkit.gates.baseline import save

    repo, _ = lint_repo
    documents = []
    for n in range(6):
        documents.append(
            {
                "schema_version": 1,
                "saved_at": f"2026-03-02T09:14:0{n}.000Z",
                "sessionkit_version": "0",
                "key": "main",
                "commit": git(repo, "rev-parse", "HEAD").strip(),
                "dirty": False,
                "checks": {},
            }
        )
    errors: list[BaseException] = []

    def writer(doc: dict[str, Any]) -> None:
        try:
            save(str(repo), "main", doc)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(d,)) for d in documents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = load_baseline(str(repo))
    assert stored is not None and stored["saved_at"] in {d["saved_at"] for d in documents}
    # a writer that lost the race twice reports it (exit 3); nobody corrupts the ref
    assert all("changed concurrently" in str(e) for e in errors)


def test_reuse_is_refused_when_a_tool_version_changed(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    # §7.3 reuse: "tool versions equal for every check", reason tool-version-changed; the
    # versions are probed with --version (no run), as a run learns them when output names none
    from sessionkit.gates.baseline import reuse_reasons
    from sessionkit.gates.engine import baseline_command_hashes, baseline_tool_versions

    version = tmp_path / "version.txt"
    version.write_text("1.0.0\n")
    tool = tmp_path / "bin" / "mypy"
    tool.parent.mkdir()
    tool.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "mypy $(cat {version}) (compiled: yes)"; exit 0; fi\n'
        'echo "Success: no issues found in 1 source file"\n'
    )
    tool.chmod(0o755)
    repo = make_repo(files={"src/a.py": "x = 1\n"}, commit=False)
    write_policy(
        repo,
        {
            "version": 2,
            "commands": {
                "typecheck": {"command": [str(tool)]},
                "lint": {"command": "skip"},
                "test": {"command": "skip"},
            },
        },
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    run_gates("baseline", repo)
    doc = load_baseline(str(repo))
    assert doc is not None and doc["checks"]["typecheck"]["tool_versions"] == {"mypy": "1.0.0"}
    hashes = baseline_command_hashes(str(repo))

    def reasons() -> list[str]:
        return reuse_reasons(
            str(repo), doc, command_hashes=hashes, lockfiles=None, max_age_hours=168
        )

    assert baseline_tool_versions(str(repo)) == {"typecheck": {"mypy": "1.0.0"}}
    assert reasons() == []
    version.write_text("2.0.0\n")
    assert reasons() == ["tool-version-changed"]


def test_baseline_of_another_commit_blocks_as_not_comparable(
    lint_repo: tuple[Path, Callable[..., None]],
) -> None:
    repo, findings = lint_repo
    findings(OS)
    git(repo, "checkout", "-qb", "feature/x")
    (repo / "src/b.py").write_text("y = 2\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "feature")
    run_gates("baseline", repo)  # of feature/x's HEAD, not of the base main
    result = run_gates("incremental", repo, base="main", fail_on="new")
    lint = result.check("lint")
    assert result.exit_code == 1 and lint.regression is not None
    assert lint.regression.reasons == ("base-mismatch",)
    # §7.5: reported like every other comparability reason
    assert lint.regression.blocking_reason == "not-comparable: base-mismatch"
