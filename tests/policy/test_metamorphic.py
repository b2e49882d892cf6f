"""Metamorphic properties of the guard over corpus cases (guard.md §16.3).

Hypothesis draws cases from the corpus (fixture-less, agent context) and transforms them; the
verdict must behave as stated. Example counts are CI-sized; raise them with
``SESSIONKIT_METAMORPHIC_EXAMPLES`` for a deeper run.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.policy.corpus_cases import Case, is_plain, load_cases
from tests.policy.corpus_repos import build_repo

guard_module = pytest.importorskip("sessionkit.policy.guard")

EXAMPLES = int(os.environ.get("SESSIONKIT_METAMORPHIC_EXAMPLES", "120"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEVERITY = {"allow": 0, "warn": 1, "block": 2}

# A "simple" case: one line of plain words, so that blanks and words can be found without a
# shell parser and joining it with another command cannot change how it parses.
SIMPLE_CHARS = re.compile(r"^[A-Za-z0-9 ._/=~+:@,%-]+$")
SAFE_WORD = re.compile(r"^[A-Za-z0-9._/-]+$")
STATEFUL = {
    "cd", "pushd", "popd", "alias", "unalias", "export", "set", "unset", "source", ".",
    "eval", "exec", "trap", "shift", "read", "declare", "typeset", "local", "readonly",
}  # fmt: skip
RESERVED = {"if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do",
            "done", "in", "function", "select", "time", "coproc"}  # fmt: skip

PLAIN = [c for c in load_cases() if is_plain(c)]
ONE_LINE = [c for c in PLAIN if "\n" not in c["cmd"] and "\r" not in c["cmd"]]


def _simple(case: Case) -> bool:
    cmd = case["cmd"]
    if not SIMPLE_CHARS.match(cmd) or "S16" in case.get("semantics", []):
        return False
    words = cmd.split()
    return (
        bool(words)
        and words[0] not in STATEFUL
        and "=" not in words[0]
        and not (set(words) & RESERVED)
    )


SIMPLE = [c for c in PLAIN if _simple(c)]
SIMPLE_ALLOW = [c for c in SIMPLE if c["expect"] == "allow"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield build_repo(tmp_path_factory.mktemp("metamorphic"), "r", {})


def action(command: str, repo: Path) -> str:
    decision = guard_module.check_command(command, cwd=repo)
    return str(decision.action)


def test_the_pools_are_large_enough() -> None:
    assert len(SIMPLE) >= 150
    assert len(SIMPLE_ALLOW) >= 30
    assert {c["expect"] for c in SIMPLE} == {"allow", "warn", "block"}


# 1. blanks ------------------------------------------------------------------------------------------


@SETTINGS
@given(case=st.sampled_from(SIMPLE), data=st.data())
def test_blank_variants_do_not_change_the_verdict(
    repo: Path, case: Case, data: st.DataObject
) -> None:
    cmd = case["cmd"].strip()
    blanks = [m.start() for m in re.finditer(r"(?<! ) (?! )", cmd)]
    if not blanks:
        return
    where = data.draw(st.sampled_from(blanks))
    blank = data.draw(st.sampled_from(["   ", "\t", " \t ", " \\\n", "\\\n "]))
    changed = cmd[:where] + blank + cmd[where + 1 :]
    assert action(changed, repo) == action(cmd, repo), changed


# 2. re-quoting ----------------------------------------------------------------------------------------


def _requotings(word: str) -> list[str]:
    split = max(1, len(word) // 2)
    return [
        f"'{word}'",
        f'"{word}"',
        f"{word[:split]}'{word[split:]}'",
        f'"{word[:split]}"{word[split:]}',
        "".join(f"\\{ch}" for ch in word),
        f"$'{word}'",
    ]


@SETTINGS
@given(case=st.sampled_from(SIMPLE), data=st.data())
def test_requoting_a_safe_word_does_not_change_the_verdict(
    repo: Path, case: Case, data: st.DataObject
) -> None:
    words = case["cmd"].split()
    candidates = [i for i, w in enumerate(words) if SAFE_WORD.match(w)]
    if not candidates:
        return
    index = data.draw(st.sampled_from(candidates))
    quoted = data.draw(st.sampled_from(_requotings(words[index])))
    changed = " ".join([*words[:index], quoted, *words[index + 1 :]])
    assert action(changed, repo) == action(" ".join(words), repo), changed


# 3. wrapping ---------------------------------------------------------------------------------------------

WRAPPINGS = [
    lambda c: f"bash -c {shlex.quote(c)}",
    lambda c: f"sh -c {shlex.quote(c)}",
    lambda c: f"eval {shlex.quote(c)}",
    lambda c: f"sudo {c}",
    lambda c: f"env {c}",
    lambda c: f"timeout 5 {c}",
    lambda c: f"( {c} )",
    lambda c: f"{{ {c}; }}",
    lambda c: f"true && {c}",
    lambda c: f"false || {c}",
    lambda c: f'echo "$( {c} )"',
    lambda c: f"if true; then {c}; fi",
]


@SETTINGS
@given(case=st.sampled_from(SIMPLE), wrap=st.sampled_from(range(len(WRAPPINGS))))
def test_wrapping_is_never_less_severe(repo: Path, case: Case, wrap: int) -> None:
    cmd = case["cmd"].strip()
    wrapped = WRAPPINGS[wrap](cmd)
    before, after = action(cmd, repo), action(wrapped, repo)
    assert SEVERITY[after] >= SEVERITY[before], f"{cmd!r}: {before}; {wrapped!r}: {after}"


# 4. joining with an allow case ----------------------------------------------------------------------------


@SETTINGS
@given(
    case=st.sampled_from(SIMPLE),
    other=st.sampled_from(SIMPLE_ALLOW),
    joiner=st.sampled_from(["; ", " && ", " || ", "\n"]),
    first=st.booleans(),
)
def test_joining_with_an_allow_case_gives_the_more_severe(
    repo: Path, case: Case, other: Case, joiner: str, first: bool
) -> None:
    a, b = case["cmd"].strip(), other["cmd"].strip()
    joined = f"{a}{joiner}{b}" if first else f"{b}{joiner}{a}"
    expected = max(action(a, repo), action(b, repo), key=SEVERITY.__getitem__)
    assert action(joined, repo) == expected, joined


# 5. printing a case ------------------------------------------------------------------------------------------


@SETTINGS
@given(case=st.sampled_from(PLAIN), printer=st.sampled_from(["echo {}", "printf '%s\\n' {}"]))
def test_printing_any_case_is_allowed(repo: Path, case: Case, printer: str) -> None:
    command = printer.format(shlex.quote(case["cmd"]))
    assert action(command, repo) == "allow", command


# 6. commenting a case out ----------------------------------------------------------------------------------------


@SETTINGS
@given(case=st.sampled_from(ONE_LINE))
def test_a_case_after_colon_hash_is_allowed(repo: Path, case: Case) -> None:
    command = ": # " + case["cmd"]
    assert action(command, repo) == "allow", command
