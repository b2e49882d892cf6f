"""The ``sessionkit-config`` hook under the real pre-commit client (integration.md §8.3–§8.4).

The hook repository is a snapshot of this working tree (uncommitted edits included), tagged
``v0.0.0-test``. Every pip install runs offline from a session wheelhouse, so the index is
needed once per session at most; the hook environment is built once per session in a shared
``PRE_COMMIT_HOME``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, git, require_client

pytestmark = [pytest.mark.client_precommit, pytest.mark.timeout(600)]

TAG = "v0.0.0-test"
BYPASS_TEXT = ("--no-verify", "SKIP=", "SESSIONKIT_SKIP_GATE", "commit -n")

VALID = "# Consumer\n\nProject notes.\n\n## Session Config\n\nwaves: 4\npersistence: true\n"


@pytest.fixture(scope="session")
def precommit() -> str:
    return require_client("pre-commit")


@pytest.fixture(scope="session")
def sk_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files of ``git ls-files -co --exclude-standard`` of this checkout, committed."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    snapshot = tmp_path_factory.mktemp("sk-snapshot")
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file() and not source.is_symlink():
            target = snapshot / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot of the working tree")
    git(snapshot, "tag", TAG)
    return snapshot


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory, sk_snapshot: Path) -> Path:
    """sessionkit, its dependencies and its build backend as wheels (the only index access)."""
    wheels = tmp_path_factory.mktemp("wheelhouse")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--wheel-dir",
            str(wheels),
            str(sk_snapshot),
            "hatchling",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if proc.returncode != 0:
        reason = f"pip wheel could not build the wheelhouse: {proc.stderr.strip()[-400:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return wheels


@pytest.fixture(scope="session")
def pc_env(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> dict[str, str]:
    """Environment for pre-commit: session PRE_COMMIT_HOME, offline pip from the wheelhouse."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PIP_INDEX_URL")}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pc-home")),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PRE_COMMIT_COLOR="never",
    )
    env.pop("CI", None)  # the hook's CI mode (no cache) is covered by the unit tests
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def pinned_config(snapshot: Path, *, args: list[str] | None = None, verbose: bool = False) -> str:
    hook = "{id: sessionkit-config"
    if args:
        hook += ", args: [" + ", ".join(args) + "]"
    if verbose:
        hook += ", verbose: true"
    hook += "}"
    return f"repos:\n  - repo: {snapshot}\n    rev: {TAG}\n    hooks: [{hook}]\n"


@pytest.fixture
def consumer(tmp_path: Path, sk_snapshot: Path) -> Callable[..., Path]:
    """A fresh consumer repository with CLAUDE.md and a pinned .pre-commit-config.yaml."""

    def factory(
        claude: str = VALID, *, args: list[str] | None = None, verbose: bool = False
    ) -> Path:
        repo = tmp_path / "consumer"
        repo.mkdir()
        git(repo, "init", "-q")
        (repo / "CLAUDE.md").write_text(claude)
        (repo / ".pre-commit-config.yaml").write_text(
            pinned_config(sk_snapshot, args=args, verbose=verbose)
        )
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "initial")
        return repo

    return factory


@pytest.fixture(scope="session")
def installed_env(
    precommit: str,
    pc_env: dict[str, str],
    sk_snapshot: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Build the pinned hook environment once (``pre-commit install-hooks``)."""
    repo = tmp_path_factory.mktemp("warm")
    git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(pinned_config(sk_snapshot))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "c")
    proc = run([precommit, "install-hooks"], repo, pc_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield


def stage(repo: Path, claude: str) -> None:
    (repo / "CLAUDE.md").write_text(claude)
    git(repo, "add", "CLAUDE.md")


def hook_output(stdout: str) -> list[str]:
    """The lines the hook printed (after pre-commit's ``- exit code`` header)."""
    lines = stdout.splitlines()
    return [line for line in lines if line.startswith(("sessionkit-config:", "  ", "hint:"))]


def assert_no_bypass_text(text: str) -> None:
    for needle in BYPASS_TEXT:
        assert needle not in text


def test_try_repo_smoke_passes_on_a_valid_config(
    precommit: str, pc_env: dict[str, str], sk_snapshot: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "try"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "CLAUDE.md").write_text(VALID)
    git(repo, "add", "-A")
    proc = run(
        [precommit, "try-repo", str(sk_snapshot), "sessionkit-config", "--all-files"], repo, pc_env
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sessionkit config" in proc.stdout and "Passed" in proc.stdout


def test_try_repo_smoke_fails_on_a_bad_change(
    precommit: str, pc_env: dict[str, str], sk_snapshot: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "try-bad"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "CLAUDE.md").write_text(VALID.replace("waves: 4", "waves: many"))
    git(repo, "add", "-A")
    before = git(repo, "status", "--porcelain")
    proc = run(
        [precommit, "try-repo", str(sk_snapshot), "sessionkit-config", "--all-files"], repo, pc_env
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "  CLAUDE.md:7: config.type: " in proc.stdout
    assert git(repo, "status", "--porcelain") == before


@pytest.mark.usefixtures("installed_env")
def test_valid_config_passes_silently(
    precommit: str, pc_env: dict[str, str], consumer: Callable[..., Path]
) -> None:
    repo = consumer()
    stage(repo, VALID.replace("waves: 4", "waves: 6"))
    before = git(repo, "status", "--porcelain")
    proc = run([precommit, "run", "sessionkit-config"], repo, pc_env)
    assert proc.returncode == 0, proc.stdout
    assert "Passed" in proc.stdout
    assert hook_output(proc.stdout) == []
    assert git(repo, "status", "--porcelain") == before


@pytest.mark.usefixtures("installed_env")
def test_wrong_type_fails_with_file_line_and_rule(
    precommit: str, pc_env: dict[str, str], consumer: Callable[..., Path]
) -> None:
    repo = consumer()
    stage(repo, VALID.replace("waves: 4", "waves: many"))
    before = git(repo, "status", "--porcelain")
    proc = run([precommit, "run", "sessionkit-config"], repo, pc_env)
    assert proc.returncode == 1
    assert "Failed" in proc.stdout
    assert "- exit code: 1" in proc.stdout
    lines = hook_output(proc.stdout)
    assert lines[0] == (
        "sessionkit-config: Session Config has 1 error (CLAUDE.md, section at line 5)"
    )
    assert lines[1].startswith("  CLAUDE.md:7: config.type: ")
    assert "waves" in lines[1]
    assert lines[-1].startswith("hint: ")
    assert_no_bypass_text(proc.stdout + proc.stderr)
    assert git(repo, "status", "--porcelain") == before


@pytest.mark.usefixtures("installed_env")
def test_two_errors_are_both_listed(
    precommit: str, pc_env: dict[str, str], consumer: Callable[..., Path]
) -> None:
    repo = consumer()
    stage(
        repo,
        VALID.replace("waves: 4", "waves: many").replace("persistence: true", "persistence: yes"),
    )
    proc = run([precommit, "run", "sessionkit-config"], repo, pc_env)
    assert proc.returncode == 1
    lines = hook_output(proc.stdout)
    assert "2 errors" in lines[0]
    findings = [line for line in lines if line.startswith("  CLAUDE.md:")]
    assert [f.split(": ")[0].strip() for f in findings] == ["CLAUDE.md:7", "CLAUDE.md:8"]
    assert all(": config.type: " in f for f in findings)


@pytest.mark.usefixtures("installed_env")
def test_strict_turns_an_unknown_key_into_a_failure(
    precommit: str, pc_env: dict[str, str], consumer: Callable[..., Path]
) -> None:
    unknown = VALID + "wavez: 4\n"
    lenient = consumer()
    stage(lenient, unknown)
    assert run([precommit, "run", "sessionkit-config"], lenient, pc_env).returncode == 0
    shutil.rmtree(lenient)
    strict = consumer(args=["--strict"])
    stage(strict, unknown)
    proc = run([precommit, "run", "sessionkit-config"], strict, pc_env)
    assert proc.returncode == 1, proc.stdout
    assert "  CLAUDE.md:9: config.unknown-key: " in proc.stdout


@pytest.mark.usefixtures("installed_env")
def test_staged_loosening_passes_with_a_note(
    precommit: str, pc_env: dict[str, str], consumer: Callable[..., Path]
) -> None:
    repo = consumer(verbose=True)
    git(repo, "add", "-A")
    stage(repo, VALID + "allow-destructive-ops: true\n")
    before = git(repo, "status", "--porcelain")
    proc = run([precommit, "run", "sessionkit-config"], repo, pc_env)
    assert proc.returncode == 0, proc.stdout
    assert "Passed" in proc.stdout
    note = [line for line in hook_output(proc.stdout) if "config.uncommitted-loosening" in line]
    assert note == [
        "  CLAUDE.md:9: config.uncommitted-loosening: allow-destructive-ops: true takes effect "
        "with this commit (committed value: false)"
    ]
    assert git(repo, "status", "--porcelain") == before


@pytest.mark.usefixtures("installed_env")
def test_real_git_commit_runs_the_hook(
    precommit: str, pc_env: dict[str, str], consumer: Callable[..., Path]
) -> None:
    repo = consumer()
    assert run([precommit, "install"], repo, pc_env).returncode == 0
    head = git(repo, "rev-parse", "HEAD")
    stage(repo, VALID.replace("waves: 4", "waves: many"))
    rejected = run(["git", "commit", "-m", "bad config"], repo, pc_env)
    assert rejected.returncode != 0
    assert "CLAUDE.md:7: config.type:" in rejected.stdout + rejected.stderr
    assert git(repo, "rev-parse", "HEAD") == head
    stage(repo, VALID.replace("waves: 4", "waves: 8"))
    accepted = run(["git", "commit", "-m", "good config"], repo, pc_env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(repo, "rev-parse", "HEAD") != head
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.usefixtures("installed_env")
def test_per_run_time_once_installed(
    precommit: str, pc_env: dict[str, str], consumer: Callable[..., Path]
) -> None:
    repo = consumer()
    stage(repo, VALID.replace("waves: 4", "waves: 7"))
    times = []
    for _ in range(10):
        start = time.perf_counter()
        proc = run([precommit, "run", "sessionkit-config"], repo, pc_env)
        times.append(time.perf_counter() - start)
        assert proc.returncode == 0
    median = statistics.median(times)
    print(f"pre-commit run sessionkit-config: median {median:.3f}s over {len(times)} runs")
    assert median < 2.0  # coarse guard; the measured figure is in the report
