"""``sessionkit._jsonfast`` agrees with ``json`` on every input, and does not import it."""

from __future__ import annotations

import json
import math
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit import _jsonfast
from tests.agents.conftest import clean_env

_keys = st.text(max_size=8)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=25,
)
_padding = st.text(alphabet=" \t\n\r", max_size=3)


def _outcome(call: object, *args: object, **kwargs: object) -> tuple[str, str]:
    """What a call produced, comparable across implementations (NaN included)."""
    try:
        return ("value", repr(call(*args, **kwargs)))  # type: ignore[operator]
    except Exception as exc:
        return (type(exc).__name__, str(exc))


@st.composite
def documents(draw: st.DrawFn) -> str:
    value = draw(values)
    ensure_ascii = draw(st.booleans())
    indent = draw(st.sampled_from([None, 0, 2]))
    separators = draw(st.sampled_from([None, (",", ":"), (", ", ": ")]))
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators)
    return draw(_padding) + text + draw(_padding)


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """A valid document with one character inserted, deleted or replaced."""
    text = draw(documents())
    at = draw(st.integers(min_value=0, max_value=len(text)))
    kind = draw(st.sampled_from(["insert", "delete", "replace"]))
    char = draw(st.sampled_from([*'{}[]",:0-.eE \\ux\ufeff\x00', "tru", "nul", "NaN"]))
    if kind == "insert":
        return text[:at] + char + text[at:]
    if kind == "delete":
        return text[:at] + text[at + 1 :]
    return text[:at] + char + text[at + 1 :]


@settings(max_examples=400)
@given(documents())
def test_loads_agrees_on_documents(text: str) -> None:
    assert _outcome(_jsonfast.loads, text) == _outcome(json.loads, text)
    data = text.encode("utf-8", "surrogatepass")
    assert _outcome(_jsonfast.loads, data) == _outcome(json.loads, data)
    pairs = {"object_pairs_hook": list}
    assert _outcome(_jsonfast.loads, text, **pairs) == _outcome(json.loads, text, **pairs)


@settings(max_examples=400)
@given(damaged() | st.text(max_size=40))
def test_loads_agrees_on_any_text(text: str) -> None:
    assert _outcome(_jsonfast.loads, text) == _outcome(json.loads, text)


@settings(max_examples=300)
@given(st.binary(max_size=40) | documents().map(lambda t: t.encode("utf-16")))
def test_loads_agrees_on_any_bytes(data: bytes) -> None:
    assert _outcome(_jsonfast.loads, data) == _outcome(json.loads, data)


@settings(max_examples=400)
@given(
    values | st.dictionaries(st.integers() | st.floats() | st.booleans() | st.none(), _scalars),
    st.booleans(),
    st.sampled_from([None, (",", ":"), (", ", ": ")]),
    st.booleans(),
    st.booleans(),
)
def test_dumps_agrees(
    value: object,
    ensure_ascii: bool,
    separators: tuple[str, str] | None,
    sort_keys: bool,
    allow_nan: bool,
) -> None:
    options = {
        "ensure_ascii": ensure_ascii,
        "separators": separators,
        "sort_keys": sort_keys,
        "allow_nan": allow_nan,
    }
    assert _outcome(_jsonfast.dumps, value, **options) == _outcome(json.dumps, value, **options)


def test_dumps_errors_are_jsons() -> None:
    for value in ({"a": {1, 2}}, [object()], {"k": math.inf}):
        for allow_nan in (True, False):
            mine = _outcome(_jsonfast.dumps, value, allow_nan=allow_nan)
            assert mine == _outcome(json.dumps, value, allow_nan=allow_nan)
    loop: list[object] = []
    loop.append(loop)
    assert _outcome(_jsonfast.dumps, loop) == _outcome(json.dumps, loop)
    assert _outcome(_jsonfast.dumps, loop)[0] == "ValueError"


def test_does_not_import_json_or_re() -> None:
    code = (
        "import sys; from sessionkit import _jsonfast as j; "
        'v = j.loads(b\' {"a": [1, 2.5, null, true, "\\\\u00e9"]} \\n\'); '
        "t = j.dumps(v, ensure_ascii=False, separators=(',', ':')); "
        "print(t, sorted({'json', 're', 'enum'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=clean_env()
    ).stdout
    assert out.strip() == '{"a":[1,2.5,null,true,"é"]} []'
