"""The lean STATE.md reader: plain-code line matchers equal their patterns, same parses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit import state
from sessionkit.metrics import _state_head as head
from tests.metrics.conftest import emit_in_clean_process

LINEISH = st.text(alphabet='az09_-:" .eE+-\n\t#[]é', max_size=16)
ANY = st.one_of(LINEISH, st.text(max_size=16))


def _groups(pattern: str, text: str) -> tuple[str, str | None] | None:
    match = re.match(pattern, text)
    if match is None:
        return None
    groups = list(match.groups())
    if len(groups) == 3:  # KEY_PATTERN: quoted or bare key, then the value
        return groups[0] or groups[1], groups[2]
    return groups[0], groups[1]


@settings(max_examples=1500, deadline=None)
@given(ANY)
def test_line_matchers_equal_their_patterns(text: str) -> None:
    assert head._key_line(text) == _groups(head.KEY_PATTERN, text)
    item = head._word_line(text[4:]) if text.startswith("  - ") else None
    assert item == _groups(head.BLOCK_ITEM_PATTERN, text)
    cont = head._word_line(text[4:]) if text.startswith("    ") else None
    assert cont == _groups(head.BLOCK_CONT_PATTERN, text)


NUMBERISH = st.text(alphabet="0123456789-+.eE \n", max_size=10)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(NUMBERISH, st.text(max_size=8)))
def test_number_matchers_equal_their_patterns(text: str) -> None:
    is_int = re.match(head.INT_PATTERN, text) is not None
    is_float = re.match(head.FLOAT_PATTERN, text) is not None
    assert head._is_int(text) == is_int
    assert head._is_float(text) == is_float
    exponent = re.match(head.JSON_NUMBER_PATTERN, text) is not None and not is_int and not is_float
    assert head._has_exponent(text) == exponent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('---\nsession: s-1\nstatus: active\n"top-priorities": [a, "b"]\n---\n', "s-1"),
        ("---\nsession: 's-2'\nstatus: paused\nissues:\n  - id: 1\n    title: x\n---\n", "s-2"),
        ("---\nsession: s-3\nstatus: completed\n---\n", None),
        ("---\nsession: s-4\nstatus: active\ncompletion-rate: 1e3\n", "s-4"),
        ("---\nsession: s-5\nstatus: active\nbad line\n---\n", None),
        ('---\nsession: "s-6\nstatus: active\n---\n', None),
    ],
)
def test_session_id_of_typical_and_broken_files(
    tmp_path: Path, text: str, expected: str | None
) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "STATE.md").write_text(text)
    head._PATH_CACHE.clear()
    head._SESSION_CACHE.clear()
    assert head.current_session_id(str(tmp_path)) == expected
    assert state.current_session_id is head.current_session_id
    assert state.StateParseError is head.StateParseError


def test_an_active_session_costs_the_hook_no_heavy_import(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "STATE.md").write_text(
        "---\nschema-version: 1\nsession: s-42\nstatus: active\nissues: [1, 2]\n"
        "top-priorities: [fix ci, ship]\n---\n# body\n"
    )
    heavy = ("re", "json", "datetime", "dataclasses", "socket", "secrets", "sessionkit.state")
    assert emit_in_clean_process(tmp_path, heavy) == "appended []"
    line = (tmp_path / ".orchestrator" / "metrics" / "events.jsonl").read_text()
    assert '"session_id":"s-42"' in line


def _reference_flow_list(value: str) -> object:
    """The flow-list reading before the plain split: JSON first, then the split."""
    try:
        return json.loads(value)
    except ValueError:
        if not value.endswith("]"):
            return "error"
        inner = value[1:-1].strip()
        return [head._bare(part.strip(), None) for part in inner.split(",")] if inner else []


FLOWISH = st.lists(
    st.one_of(
        st.sampled_from(["a", "true", "null", "false", "-0", "1.5", "01", "1e3", "NaN", "~", ""]),
        st.integers(-5, 5).map(str),
        st.text(alphabet="ab1 .-e\t", max_size=4),
    ),
    max_size=4,
).map(lambda parts: "[" + ",".join(parts) + "]")


@settings(max_examples=1500, deadline=None)
@given(st.one_of(FLOWISH, st.text(alphabet='[]a1,. "e', max_size=8).map(lambda t: "[" + t)))
def test_flow_lists_read_as_with_json_first(value: str) -> None:
    value = value.strip()
    try:
        got: object = head._value(value, None, 1)
    except head.StateParseError:
        got = "error"
    expected = _reference_flow_list(value)
    assert repr(got) == repr(expected)  # same values and types (1, 1.0, True; NaN too)
