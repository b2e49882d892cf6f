"""Bounded time at full size (guard.md §4, §4.5, §16.4): words with very many ``{`` or, in
command position, ``[`` once took time quadratic in their length (the brace scanner rescanned
from every ``{``; ``fnmatch`` translated the command word with a scan per unmatched ``[``).

The bounds are generous (a loaded two-core machine must not make them flaky): quadratic
behaviour took minutes on these inputs, linear work takes well under a second.
"""

from __future__ import annotations

import pytest

from sessionkit.policy import check_command
from sessionkit.policy.walk import MAX_BRACE, _brace_expand
from tests.policy.timing import timed_check

N = 100_000
BOUND_SECONDS = 2.0
CWD = "/work/repo"

INPUTS = {
    "open-braces": "{" * N,
    "unclosed-brace-lists": "echo " + "{a," * (N // 3),
    "closed-nested-brace-lists": "echo " + "{a," * (N // 3) + "}",
    "nested-brace-words": "echo " + "{a" * (N // 2) + "}" * (N // 2),
    "nested-comma-groups": "echo " + "{," * (N // 2) + "}" * (N // 2),
    "innermost-group": "echo " + "{" * N + "a,b" + "}" * N,
    "single-result-sequences": "echo " + "{1..1}" * (N // 6),
    "long-results": "echo " + "{a,b}" * 8 + "x" * N,
    "open-brackets": "[" * N,
    "word-brackets": "x[" * N,
    "negated-brackets": "x[!" * (N // 3),
    "unknown-word-brackets": "r$X" + "[" * N + " -rf src",
    "max-input": "{a," * (262_144 // 3),
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_full_size_inputs_finish_in_bounded_time(name: str) -> None:
    command = INPUTS[name]
    decision, elapsed = timed_check(command, CWD)
    print(f"{name}: {len(command)} chars, {elapsed * 1000:.0f} ms, {decision.action}")
    assert elapsed < BOUND_SECONDS, f"{name}: {elapsed:.2f} s"
    # analysed in full, not cut short by a limit (§4.5: that would block with parse-limit):
    # none of these words can name a destructive program
    assert decision.action == "allow", decision


def test_brace_expansion_keeps_bash_results() -> None:
    assert _brace_expand("a{b,c}d") == ["abd", "acd"]
    assert _brace_expand("x{a,{b,c}}y") == ["xay", "xby", "xcy"]
    assert _brace_expand("{a,b}{c,{d,e}}f") == ["acf", "adf", "aef", "bcf", "bdf", "bef"]
    assert _brace_expand("{{a,b}") == ["{a", "{b"]
    assert _brace_expand("}{a,b}{") == ["}a{", "}b{"]
    assert _brace_expand("{a,{b}") == ["{a,{b}"]
    assert _brace_expand("a{1..1}b{x}c") == ["a1b{x}c"]
    assert _brace_expand("{1..3}") == ["1", "2", "3"]


def test_deeply_nested_comma_groups_exceed_the_result_limit() -> None:
    # every nested comma group adds a result: past MAX_BRACE levels the limit applies
    deep = "{," * (MAX_BRACE + 1) + "x" + "}" * (MAX_BRACE + 1)
    assert _brace_expand(deep) is None
    shallow = "{," * 10 + "x" + "}" * 10
    assert _brace_expand(shallow) == [""] * 10 + ["x"]


def test_sequences_over_the_limit_are_over_the_limit() -> None:
    # {0..300} is not literal text: its 301 results exceed MAX_BRACE, so the brace part
    # becomes an unknown piece (§4.5)
    assert _brace_expand("{0..300}") is None
    assert _brace_expand("x{0..300}y") is None
    assert _brace_expand("{0..255}") is not None
    assert _brace_expand("{0..10..2}") == ["0", "2", "4", "6", "8", "10"]


@pytest.mark.parametrize("words", [5, 12, 1000])
def test_unresolved_word_chains_take_linear_time(words: int) -> None:
    # each unresolved command word is read as empty and as the candidates of §10.2; the
    # xargs reading is made once per chain, so `$V0 $V1 … ls` is not read 2**n ways
    command = " ".join(f"$V{i}" for i in range(words)) + " rm -rf build"
    decision, elapsed = timed_check(command, CWD)
    assert elapsed < BOUND_SECONDS, f"{words} words: {elapsed:.2f} s"
    # short chains are judged in full (the xargs reading of `rm -rf build` takes the
    # agent's stdin: rm-piped-targets); a thousand words reach the depth limit (parse-limit)
    assert decision.action == "block", decision
    assert decision.rule_id == ("rm-piped-targets" if words < 20 else "parse-limit"), decision


def test_xargs_reading_is_made_once_per_unresolved_chain() -> None:
    # `$A $B rm src` with B as xargs is A's xargs reading with B empty: still caught
    decision = check_command("echo src | $A $B rm -rf", cwd=CWD)
    assert decision.action == "block", decision


# 10 KB inputs (§16.4: at most 50 ms each on the reference machine; the bound here is generous,
# the quadratic versions took 0.3-3.5 s): chains of relative cds, each of which may fail, make
# cwd alternatives ever deeper, and every later deletion is judged in each of them
TEN_KB = {
    "nested-cds-artefact": "\n".join(f"cd p{i} && make; rm -rf build" for i in range(345)),
    "nested-cds-parent": "\n".join(f"cd p{i} && make; rm -rf ../build" for i in range(330)),
    "cd-and-back": "\n".join(f"cd pkg{i} && make && cd .." for i in range(380)),
}


@pytest.mark.parametrize("name", sorted(TEN_KB))
def test_ten_kilobyte_scripts_with_many_cds_stay_fast(name: str) -> None:
    command = TEN_KB[name]
    assert len(command) <= 11_500
    decision, elapsed = timed_check(command, CWD)
    print(f"{name}: {len(command)} chars, {elapsed * 1000:.0f} ms, {decision.action}")
    assert elapsed < 0.5, f"{name}: {elapsed:.2f} s"
    assert decision.action in ("allow", "block") and decision.rule_id != "parse-limit"


def test_a_deletion_after_more_cds_than_cwd_alternatives_is_still_judged() -> None:
    # 16 cds that may each fail: the starting directory stays possible (§5.5), as an unknown
    # directory past the limit of alternatives, judged as the repository root (§8.3)
    command = "\n".join(f"cd /tmp/b{i} && make" for i in range(16)) + "\nrm -rf src"
    assert check_command(command, cwd=CWD).action == "block"
    command = "\n".join(f"cd /tmp/b{i} && make" for i in range(16)) + "\nrm -rf build"
    assert check_command(command, cwd=CWD).action == "allow"
