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
