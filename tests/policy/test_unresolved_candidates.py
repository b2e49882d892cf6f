"""The spelling test of §10.2's candidate readings: an unresolved command word's known pieces
are a pattern over the candidate names (``b«…»h`` agrees with ``bash``), matched in time
linear in the word (no ``fnmatch``: its translation is quadratic on unmatched ``[``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sessionkit.policy.guard import check_command
from sessionkit.policy.values import Lit, Unknown, Value, command_word_pattern, pattern_agrees
from tests.policy.recordkit import build_repo


def word(*parts: str | None) -> Value:
    return Value(tuple(Unknown("$X") if p is None else Lit(p) for p in parts))


@pytest.mark.parametrize(
    ("parts", "name", "agrees"),
    [
        (("e", None), "eval", True),
        (("ev", None), "eval", True),
        ((None, "al"), "eval", True),
        (("e", None, "l"), "eval", True),
        (("b", None, "h"), "bash", True),
        (("b", None, "h"), "sh", False),
        ((None, "sh"), "bash", True),
        (("r", None), "rimraf", True),
        (("r", None), "rm", True),
        (("x", None), "xargs", True),
        (("x", None), "git", False),
        ((None,), "git", True),
        (("/usr/bin/", None), "git", True),
        (("GIT",), "git", True),
        (("g", None, "z"), "git", False),
    ],
)
def test_known_pieces_are_a_pattern(parts: tuple[str | None, ...], name: str, agrees: bool) -> None:
    assert pattern_agrees(command_word_pattern(word(*parts)), name) is agrees


def test_glob_words() -> None:
    glob = Value((Lit("/bin/r?"),), pattern=True)
    assert pattern_agrees(command_word_pattern(glob), "rm")
    assert not pattern_agrees(command_word_pattern(glob), "git")
    klass = Value((Lit("[gx]it"),), pattern=True)
    assert pattern_agrees(command_word_pattern(klass), "git")
    negated = Value((Lit("[!g]it"),), pattern=True)
    assert not pattern_agrees(command_word_pattern(negated), "git")
    quoted = Value((Lit("r?", True),))
    assert not pattern_agrees(command_word_pattern(quoted), "rm")


NAMES = ("git", "rm", "bash", "eval", "xargs", "rimraf")


@pytest.mark.parametrize(
    ("text", "agreeing"),
    [
        # unmatched '[' are literal: each needs a character no candidate name has
        ("[" * 200_000, ()),
        ("x[" * 100_000, ()),
        ("*[" * 100_000, ()),
        ("[!" * 100_000, ()),
        # a run of '*' is one wildcard however long
        ("*" * 200_000 + "t", ("git",)),
        ("*" * 200_000 + "[gx]" + "*" * 200_000, ("git", "xargs")),
    ],
)
def test_long_words_are_matched_in_linear_time(text: str, agreeing: tuple[str, ...]) -> None:
    pattern = command_word_pattern(Value((Lit(text),), pattern=True))
    start = time.process_time()
    agrees = tuple(name for name in NAMES if pattern_agrees(pattern, name))
    assert time.process_time() - start < 2.0
    assert agrees == agreeing


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("unresolved"))


@pytest.mark.parametrize(
    "command",
    [
        "echo 'rm -rf src' | $X -s",
        "echo 'git reset --hard' | $X",
        "$X <<< 'git reset --hard'",
        "$X <<'END'\ngit clean -fdx\nEND",
        "printf 'rm -rf src\\n' | b${V}h",
    ],
)
def test_a_destructive_program_on_the_stdin_of_an_unknown_word_blocks(
    repo: Path, command: str
) -> None:
    # §10.2: the unknown word may name a shell, which reads its program from stdin with `-s`
    # or without operands (§6.3)
    decision = check_command(command, cwd=str(repo))
    assert (decision.action, decision.rule_id) == ("block", "unresolved-command-destructive")


@pytest.mark.parametrize(
    "command",
    [
        "echo hello | $X",
        "echo 'ls -la' | $X -s",
        "git log | $PAGER",
        "echo 'rm -rf src' | $X notes.txt",  # a shell with a script operand reads no stdin
        "printf 'rm -rf src\\n' | g${V}p",  # the word cannot spell a shell
    ],
)
def test_harmless_or_unread_stdin_of_an_unknown_word_passes(repo: Path, command: str) -> None:
    assert check_command(command, cwd=str(repo)).action == "allow"


@pytest.mark.parametrize(
    ("command", "action"),
    [
        ('$CC -c "$SRC"', "allow"),  # xargs has no -c: no xargs reading
        ('$CC -c "$SRC" -o out.o', "allow"),
        ('"$PYTHON" -c "$CODE"', "allow"),
        ("$X -n1 rm -rf src", "block"),  # -n is an xargs option: the reading stays
        ("$X --null rm -rf src", "block"),
        ("$X --max-args=1 rm -rf src", "block"),
        ('$X -c "rm -rf src"', "block"),  # the shell reading
    ],
)
def test_the_xargs_reading_needs_an_argument_xargs_accepts(
    repo: Path, command: str, action: str
) -> None:
    assert check_command(command, cwd=str(repo)).action == action


@pytest.mark.parametrize(
    ("command", "action"),
    [
        # the mkfs family is in the candidate set name by name (§10.2): a word that spells
        # part of a member agrees with it
        ("${X}fs.ext4 /dev/sdb1", "block"),
        ("${X}.xfs -f /dev/nvme0n1", "block"),
        ("mk${X} /dev/sdb1", "block"),
        ("wipe$X -a /dev/sda", "block"),
        ("${X}fs.ext4 disk.img", "allow"),  # no device: not a plausible format
        ("${X}fs.ext4 --help", "allow"),
    ],
)
def test_mkfs_family_candidates(repo: Path, command: str, action: str) -> None:
    assert check_command(command, cwd=str(repo)).action == action


@pytest.mark.parametrize(
    ("command", "action"),
    [
        # rm has no -m or -a: rm would refuse to run, so this is another program's line
        ("$PYTHON -m pytest -ra", "allow"),
        ("$PYTHON -m pytest -rA tests/", "allow"),
        ("$X -rf src", "block"),
        ("$X -rfv src", "block"),
        ("$X -Rf -- src", "block"),
    ],
)
def test_an_rm_reading_needs_options_rm_has(repo: Path, command: str, action: str) -> None:
    assert check_command(command, cwd=str(repo)).action == action


@pytest.mark.parametrize(
    "command",
    [
        "mytool --emit='git reset --hard' | bash",
        "git for-each-ref --format='git branch -D %(refname:short)' refs/heads/tmp/ | sh",
    ],
)
def test_a_literal_option_value_of_an_unknown_producer_piped_to_a_shell_blocks(
    repo: Path, command: str
) -> None:
    decision = check_command(command, cwd=str(repo))
    assert (decision.action, decision.rule_id) == ("block", "unresolved-command-destructive")


def test_a_harmless_option_value_piped_to_a_shell_passes(repo: Path) -> None:
    command = "git for-each-ref --format='%(refname:short)' refs/heads/ | sh"
    assert check_command(command, cwd=str(repo)).action == "allow"
