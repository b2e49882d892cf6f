"""Analyser dispatch by command name (guard.md §7.1): the negative-name cache changes nothing.

``analyse`` remembers names that have no analyser so the prefix tests (``git-…``, ``mkfs…``,
``newfs…``, ``python…``, blanks) run once per name. A name with an analyser must never be
remembered, and a remembered name must be judged the same the second time as the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkit.policy import analysers
from sessionkit.policy.guard import check_command
from tests.policy.recordkit import build_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("dispatch"))


def verdict(command: str, repo: Path) -> tuple[str, str | None]:
    decision = check_command(command, cwd=str(repo))
    return decision.action, decision.rule_id


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("git-reset --hard", ("block", "git-reset-hard")),
        ("git-clean -fdx", ("block", "git-clean-force")),
        ("mkfs.ext4 /dev/sdb1", ("block", "filesystem-create")),
        ("mkfs -t ext4 /dev/sdb1", ("block", "filesystem-create")),
        ("newfs_msdos /dev/disk2", ("block", "filesystem-create")),
        ("git-frobnicate --hard", ("allow", None)),
        ("mkfsish /dev/sdb1", ("block", "filesystem-create")),
        ("mkfsish --help", ("allow", None)),
        ("python3 -c 'import shutil; shutil.rmtree(\"src\")'", ("block", "rm-recursive-source")),
        ("cat README.md", ("allow", None)),
    ],
)
def test_a_name_is_judged_the_same_every_time(
    repo: Path, command: str, expected: tuple[str, str | None]
) -> None:
    analysers._NO_ANALYSER.clear()
    first = verdict(command, repo)
    again = [verdict(command, repo) for _ in range(3)]
    assert first == expected
    assert again == [first] * 3


def test_names_with_an_analyser_are_never_remembered_as_without(repo: Path) -> None:
    analysers._NO_ANALYSER.clear()
    for command in ("git-reset --hard", "mkfs.ext4 /dev/sdb1", "newfs_msdos /dev/x", "cat x"):
        check_command(command, cwd=str(repo))
    assert "cat" in analysers._NO_ANALYSER
    assert not {"git-reset", "mkfs.ext4", "newfs_msdos"} & analysers._NO_ANALYSER


def test_a_quoted_blank_in_a_remembered_name_is_still_inert(repo: Path) -> None:
    # "rm -rf" as one word names no program (A8); its cache entry must not turn it into a rule
    analysers._NO_ANALYSER.clear()
    assert [verdict("'rm -rf' src", repo) for _ in range(2)] == [("allow", None)] * 2


def test_the_cache_is_bounded(repo: Path) -> None:
    analysers._NO_ANALYSER.clear()
    for n in range(1_100):
        check_command(f"tool{n} --version", cwd=str(repo))
    assert len(analysers._NO_ANALYSER) == 1024
    # past the bound names are still dispatched by the tests themselves
    assert verdict("git-reset --hard", repo) == ("block", "git-reset-hard")


@pytest.mark.parametrize(
    ("command", "bypasses"),
    [
        ("SKIP=flake8 pre-commit run", 1),
        ("SESSIONKIT_SKIP_GATE=1 pre-commit run --all-files", 1),
        ("env SKIP=x pre-commit run", 1),
        ("HUSKY=0 prek run", 1),
        ("export HUSKY=0", 1),
        ('export SKIP="$CHECKS"', 1),
        ("export SKIP=flake8; pre-commit run", 2),
        ("pre-commit run --all-files", 0),
        ("HUSKY=1 pre-commit run", 0),
        ("export HUSKY=1 PATH=/opt/bin:$PATH", 0),
        ('export HUSKY="$H"', 0),
    ],
)
def test_verification_bypass_through_pre_commit_and_export(
    repo: Path, command: str, bypasses: int
) -> None:
    # §9.5 V1: the variables set for git or pre-commit commands or exported in the command;
    # recorded as an allow finding by default
    decision = check_command(command, cwd=str(repo))
    assert decision.action == "allow"
    assert [f.rule_id for f in decision.findings].count("verification-bypass") == bypasses


def test_a_raised_verification_bypass_warns_for_pre_commit(repo: Path, tmp_path: Path) -> None:
    from sessionkit.policy.policyfile import load_policy

    policy_dir = repo / ".orchestrator" / "policy"
    policy_dir.mkdir(parents=True, exist_ok=True)
    (policy_dir / "guard.yaml").write_text("version: 1\nrules:\n  verification-bypass: warn\n")
    try:
        policy = load_policy(repo)
        decision = check_command("SKIP=flake8 pre-commit run", cwd=str(repo), policy=policy)
        assert (decision.action, decision.rule_id) == ("warn", "verification-bypass")
    finally:
        (policy_dir / "guard.yaml").unlink()
