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
