"""Plain-Python stand-ins the hook path uses instead of ``re`` give the regex's results."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.policy import globs

_pattern_text = st.text(alphabet="ab/\\ *?[]!~.", max_size=12)


@settings(max_examples=500)
@given(_pattern_text)
def test_trailing_spaces_as_the_regex(body: str) -> None:
    assert globs._strip_trailing_spaces(body) == re.sub(r"(?<!\\)( +)$", "", body)


@settings(max_examples=500)
@given(_pattern_text)
def test_literal_prefix_as_the_regex(pattern: str) -> None:
    body = pattern.lstrip("!").lstrip("/")
    match = re.search(r"[*?\[]", body)
    expected = body if match is None else body[: match.start()]
    assert globs.literal_prefix(pattern) == expected


def test_shell_simple_characters_are_the_regex_class() -> None:
    from sessionkit.policy import shell

    simple = re.compile(shell._PATTERNS["simple"])
    matched = {chr(code) for code in range(0x3000) if simple.fullmatch(chr(code))}
    assert matched == set(shell._SIMPLE_CHARS)


@settings(max_examples=300)
@given(st.text(alphabet="ab ;&|\n~$'\"=-_./\\()<>#*", max_size=20))
def test_shell_fast_path_gate_as_the_regex(command: str) -> None:
    from sessionkit.policy import shell

    by_regex = re.fullmatch(shell._PATTERNS["simple"], command) is not None
    assert shell._SIMPLE_CHARS.issuperset(command) == by_regex


def test_analyser_families_as_the_modules_declare() -> None:
    from sessionkit.policy import analysers
    from sessionkit.policy.analysers import devices, fs

    assert analysers._FS_NAMES == fs.NAMES
    assert analysers._DEVICE_NAMES == devices.NAMES


def test_analyser_table_resolves_to_the_modules_functions() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from sessionkit.policy import analysers as a; t = a._table(); "
        "before = {m for m in ('git', 'fs', 'devices') "
        "if 'sessionkit.policy.analysers.' + m in sys.modules}; "
        "from sessionkit.policy.guard import check_command; "
        "d = check_command('git reset --hard HEAD~1', cwd='/'); "
        "from sessionkit.policy.analysers import git; "
        "loaded = sorted(m for m in ('git', 'fs', 'devices') "
        "if 'sessionkit.policy.analysers.' + m in sys.modules); "
        "print(sorted(before), loaded, t['git'] is git.analyse, d.rule_id)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")[0]
    assert out == "[] ['git'] True git-reset-hard"


@settings(max_examples=300)
@given(st.text(max_size=12) | st.text(alphabet="ae\u0301\u00e9/._", max_size=8))
def test_nfc_as_unicodedata(text: str) -> None:
    import unicodedata

    assert globs.nfc(text) == unicodedata.normalize("NFC", text)
