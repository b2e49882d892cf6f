"""Code inside string interpolations runs (guard.md §6, §6.6): the scanner looks into it.

An f-string, a JavaScript template literal, a Ruby ``#{}`` or a Perl ``@{[ ]}`` evaluates its
expressions when the string is built, so a call there runs exactly like one outside a string.
The expressions may hold the string's own quote character (Ruby, JavaScript, Python 3.12), so
the end of such a string is found past them.
"""

from __future__ import annotations

import gc
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionkit.policy.interp import scan
from sessionkit.policy.values import lit
from sessionkit.policy.walk import walk

CWD = "/work/repo"
RM = ["rm", "-rf", "src"]


def ran(command: str) -> list[list[str]]:
    result = walk(command, cwd=CWD)
    assert result.errors == [] and result.limit is None
    return [c.rendered() for c in result.commands if "interpreter" in c.via_kinds()]


@pytest.mark.parametrize(
    "command",
    [
        'python3 -c "print(f\'{__import__(\\"os\\").system(\\"rm -rf src\\")}\')"',
        'python3 -c \'print(f"{__import__("os").system("rm -rf src")}")\'',
        'python3 -c \'import os; x = f"{{ {os.system("rm -rf src")} }}"\'',
        'python3 -c \'import subprocess as sp; print(f"""{sp.run(["rm", "-rf", "src"])}""")\'',
        'node -e \'console.log(`${require("child_process").execSync("rm -rf src")}`)\'',
        'node -e \'console.log(`a ${`b ${require("child_process").execSync("rm -rf src")}`}`)\'',
        "ruby -e 'puts \"#{`rm -rf src`}\"'",
        'ruby -e \'puts "#{system("rm -rf src")}"\'',
        'ruby -e \'puts "#{system "rm -rf src"}"\'',
        "ruby -e 'puts `echo #{system(\"rm -rf src\")}`'",
        "perl -e 'print \"@{[ `rm -rf src` ]}\"'",
        "perl -e 'print \"${\\ system(q{rm -rf src})}\"'",
    ],
)
def test_a_call_inside_an_interpolation_runs(command: str) -> None:
    assert RM in ran(command)


@pytest.mark.parametrize(
    "command",
    [
        'python3 -c \'print(f"{{os.system(\\"rm -rf src\\")}}")\'',  # {{ }}: literal braces
        "python3 -c \"x = 'src'; print(f'rm -rf {x}')\"",
        "python3 -c 'import os; print(f\"{os.getcwd()}/{1 + 2:>4}\")'",
        "node -e 'const x = 1; console.log(`rm -rf ${x + 1}`)'",
        "ruby -e 'puts \"#{1 + 2} rm -rf src\"'",
        'perl -e \'my $d = "src"; print "rm -rf $d @{[ 1 + 2 ]}\\n"\'',
    ],
)
def test_printing_an_interpolated_string_runs_nothing(command: str) -> None:
    assert ran(command) == []


def test_a_quote_inside_an_interpolation_does_not_end_the_string() -> None:
    # the call after the string is still seen: the string ended at its own closing quote
    assert RM in ran('ruby -e \'puts "#{"}"}"; system("rm -rf src")\'')
    assert RM in ran('node -e \'x = `${"`"}`; require("child_process").execSync("rm -rf src")\'')


LANGUAGES = ("python", "js", "ruby", "perl", "php", "awk")
# Warm-up: first-use regex compiles are start-up costs, not per-input work.
for _language in LANGUAGES:
    scan(_language, lit("x = f'{y}' + `${z}` + \"#{w}\""))
CODE_CHARS = st.sampled_from([*"ab (){}[]'\"`$#@\\;.,=\n", "#{", "${", "f'", 'f"', "{{"])
TIME_FACTOR = float(os.environ.get("SESSIONKIT_TEST_TIME_FACTOR", "1") or "1")


def scanned_within_limit(language: str, code: str) -> None:
    # The collector is paused while timing, as in timing.py: a full collection of the test
    # process's own heap is not work of the scanner (the agent hook runs with gc off).
    gc.disable()
    try:
        start = time.process_time()
        actions = scan(language, lit(code))
        elapsed = time.process_time() - start
    finally:
        gc.enable()
    assert isinstance(actions, list)
    assert elapsed < 0.050 * TIME_FACTOR, (language, len(code), elapsed)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LANGUAGES), st.lists(CODE_CHARS, max_size=400).map("".join))
def test_the_scanner_never_raises_on_any_code(language: str, code: str) -> None:
    scanned_within_limit(language, code)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "seed", ["`${" * 1200, '"#{' * 1200, "f'{" * 1200, "f'{{" * 900, '"@{[ `' * 800, "{'\"" * 1200]
)
def test_nested_interpolations_stay_fast(language: str, seed: str) -> None:
    scanned_within_limit(language, seed[:10_000])
