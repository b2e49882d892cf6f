"""Limits of the walker that keep values (guard.md §4.5) and crontab tables read from stdin.

A loop over more values than a variable holds (16) is walked once per 16 of them (up to 64):
every value reaches the body with its own text, so padding a list with harmless words does not
turn ``rm -rf /`` into an unknown target. After the loop the variable is unknown, as the limit
says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkit.policy.guard import check_command
from sessionkit.policy.walk import walk
from tests.policy.recordkit import build_repo

CWD = "/work/repo"


def rm_operands(command: str) -> list[str]:
    result = walk(command, cwd=CWD)
    assert result.errors == [] and result.limit is None
    return sorted(
        "".join(getattr(p, "text", "?") for p in v.pieces)
        for c in result.commands
        if c.name == "rm"
        for v in c.argv[2:]
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("walk-limits"))


def verdict(command: str, repo: Path) -> tuple[str, str | None, set[str]]:
    decision = check_command(command, cwd=str(repo))
    return decision.action, decision.rule_id, {f.rule_id for f in decision.findings}


def words(n: int, prefix: str = "a") -> str:
    return " ".join(f"{prefix}{k}" for k in range(n))


def test_every_value_of_a_long_loop_reaches_the_body() -> None:
    operands = rm_operands(f"for x in {words(40)} /; do rm -rf $x; done")
    assert operands == sorted([f"a{k}" for k in range(40)] + ["/"])


def test_up_to_sixteen_values_are_one_walk() -> None:
    assert rm_operands(f"for x in {words(16)}; do rm -rf $x; done") == sorted(
        f"a{k}" for k in range(16)
    )


def test_values_past_sixty_four_are_unknown() -> None:
    operands = rm_operands(f"for x in {words(70)}; do rm -rf $x; done")
    assert len([o for o in operands if o.startswith("a")]) == 64
    assert "?" in operands  # the rest: one unknown value


def test_a_destructive_value_padded_with_harmless_ones_blocks(repo: Path) -> None:
    action, _rule, rules = verdict(f"for x in {words(20, 'build/x')} /; do rm -rf $x; done", repo)
    assert action == "block" and "rm-recursive-root" in rules
    action, rule, _ = verdict(f"for x in {words(20, 'build/x')} src; do rm -rf $x; done", repo)
    assert (action, rule) == ("block", "rm-recursive-source")


def test_what_every_walk_of_a_long_loop_prints_reaches_the_consumer(repo: Path) -> None:
    pad = words(20, "build/x")
    action, _rule, rules = verdict(f'for x in / {pad}; do echo "rm -rf $x"; done | sh', repo)
    assert action == "block" and "rm-recursive-root" in rules


def test_a_long_loop_over_artefacts_is_allowed(repo: Path) -> None:
    names = " ".join(f"build/out{k} dist/out{k}" for k in range(12))
    assert verdict(f"for d in {names}; do rm -rf $d; done", repo)[0] == "allow"


def test_after_a_long_loop_the_variable_is_unknown(repo: Path) -> None:
    action, rule, _ = verdict(f"for x in {words(20, 'build/x')}; do :; done; rm -rf $x", repo)
    assert (action, rule) == ("warn", "rm-unknown-target")


@pytest.mark.parametrize(
    "command",
    [
        'echo "0 * * * * rm -rf src" | crontab',
        "crontab <<'END'\n0 * * * * rm -rf src\nEND",
        "printf '@daily rm -rf src\\n' | crontab -u bob",
    ],
)
def test_crontab_without_a_file_reads_its_table_from_stdin(repo: Path, command: str) -> None:
    assert verdict(command, repo)[:2] == ("block", "rm-recursive-source")


@pytest.mark.parametrize("command", ["crontab", "crontab -l", 'echo "0 * * * * ls" | crontab'])
def test_crontab_without_a_destructive_line_passes(repo: Path, command: str) -> None:
    assert verdict(command, repo)[0] == "allow"
