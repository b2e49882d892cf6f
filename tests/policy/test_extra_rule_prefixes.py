"""§12.4: extra-rule ``argv`` tokens of rm, find, xargs, rsync and dd have their unambiguous
long-option prefixes resolved before matching (audit round 5, D3)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.policy.command import Command
from sessionkit.policy.policyload import ExtraRule
from sessionkit.policy.values import lit
from tests.conftest import git

MakeRepo = Callable[..., Path]


def command(*words: str) -> Command:
    argv = tuple(lit(w) for w in words)
    return Command(argv, os.path.basename(words[0]).lower(), text=" ".join(words))


def matches(pattern: list[str], *words: str) -> bool:
    return ExtraRule("team-rule", argv=pattern, reason="team rule.").matches(command(*words))


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (["rm", "--force"], ("rm", "--force", "x")),
        (["rm", "--force"], ("rm", "--forc", "x")),
        (["rm", "--force"], ("rm", "--fo", "x")),
        (["rm", "--force"], ("rm", "x", "--f")),
        (["rm", "--recursive"], ("rm", "--rec", "build")),
        (["rm", "--no-preserve-root"], ("rm", "-r", "--no-p", "/")),
        (["rm", "--fo"], ("rm", "--force", "x")),  # the pattern is canonicalised too
        (["xargs", "--null"], ("xargs", "--nul", "rm")),
        (["xargs", "--null"], ("xargs", "-n", "1", "--nu", "rm")),
        (["xargs", "--max-args"], ("xargs", "--max-a=1", "rm")),
        (["rsync", "--remove-source-files"], ("rsync", "-a", "--remove-s", "a/", "b/")),
        (["rsync", "--delete-after"], ("rsync", "-a", "--delete-a", "a/", "b/")),
    ],
)
def test_long_prefixes_are_resolved(pattern: list[str], words: tuple[str, ...]) -> None:
    assert matches(pattern, *words)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (["rm", "--force"], ("rm", "--", "--fo")),  # an operand after --
        (["rm", "--verbose"], ("rm", "--v", "x")),  # --verbose or --version: ambiguous
        (["rm", "--force"], ("rm", "--forced", "x")),  # not a prefix
        (["xargs", "--null"], ("xargs", "grep", "--nul")),  # grep's option, not xargs'
        (["xargs", "--null"], ("xargs", "-I", "--nul", "echo")),  # -I's value
        (["rsync", "--delete"], ("rsync", "--delet", "a/", "b/")),  # ambiguous (delete-*)
        (["git", "--force"], ("gitx", "--forc")),
    ],
)
def test_unknown_ambiguous_and_non_option_words_are_not_resolved(
    pattern: list[str], words: tuple[str, ...]
) -> None:
    assert not matches(pattern, *words)


def test_a_full_token_still_matches_where_resolution_stops() -> None:
    assert matches(["xargs", "--null"], "xargs", "rm", "--null")
    assert matches(["rsync", "--del"], "rsync", "--del", "a/", "b/")


def test_committed_rule_blocks_abbreviated_options(make_repo: MakeRepo) -> None:
    from sessionkit.policy import check_command

    repo = make_repo(files={"src/a.py": "x\n"})
    policy = repo / ".orchestrator" / "policy" / "guard.yaml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(
        "version: 1\nextra-rules:\n"
        '  - {id: no-rm-force, argv: [rm, "--force"], reason: team rule.}\n'
        '  - {id: no-xargs-null, argv: [xargs, "--null"], reason: team rule.}\n'
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "policy")
    for cmd, rule in (
        ("rm --force x", "no-rm-force"),
        ("rm --forc x", "no-rm-force"),
        ("rm --fo x", "no-rm-force"),
        ("printf 'a\\0' | xargs --nul echo", "no-xargs-null"),
    ):
        decision = check_command(cmd, cwd=repo)
        assert decision.action == "block", cmd
        assert rule in {f.rule_id for f in decision.findings}, cmd
