"""The compiled fast schema check of learnings agrees with jsonschema (metrics.md §6.2)."""

from __future__ import annotations

import functools
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit import schemas
from sessionkit.metrics.streams import SCHEMAS, Stream
from sessionkit.metrics.validation import fast_checker, schema_problem

LEARNING: dict[str, Any] = {
    "schema_version": 1,
    "id": "0b6c5e0e-3c1d-4c53-9a51-2f7f3c1f9e10",
    "type": "fragile-file",
    "subject": "src/api/auth.py",
    "insight": "Edits here broke the token refresh path twice.",
    "evidence": "main-2026-11-20-deep-1 wave 2 failed",
    "confidence": 0.65,
    "source_session": "main-2026-11-20-deep-1",
    "evidence_sessions": ["main-2026-11-20-deep-1"],
    "file_paths": ["src/api/auth.py"],
    "scope": "local",
    "created_at": "2026-11-20T16:04:11.000Z",
    "updated_at": "2026-11-22T12:40:09.511Z",
    "expires_at": "2027-01-06T12:40:09.511Z",
    "last_decay_on": "2026-11-22",
    "host_class": None,
    "anonymized": False,
    "anonymization_version": 1,
}
ARCHIVED = {**LEARNING, "_archived_at": "2026-12-01T00:00:00.000Z", "_archive_reason": "pruned"}

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    -1,
    0.5,
    1.5,
    2**70,
    "",
    " ",
    "x",
    "a b",
    "a\n",
    "a\nb",
    "\x00",
    "x" * 201,
    "x" * 2001,
    "2026-11-20T16:04:11Z",
    "2026-11-20T16:04:11.1234Z",
    "2026-11-20T16:04:11+00:00",
    "2026-11-20T16:04:11.000Z\n",
    "2026-11-22",
    "local",
    "public",
    "expired",
    "merged",
    "superseded",
    [],
    ["a"],
    [1],
    ["a"] * 51,
    {},
    {"a": 1},
]


@functools.cache
def _validator(stream: Stream) -> Any:
    return schemas.validator(SCHEMAS[stream])


def _jsonschema_valid(stream: Stream, record: Any) -> bool:
    return bool(_validator(stream).is_valid(record))


def _variants(base: dict[str, Any]) -> list[Any]:
    out: list[Any] = [base, [], "x", None]
    for key, value in itertools.product([*base, "_superseded_by", "_merged_into"], ODD_VALUES):
        out.append({**base, key: value})
    for key in base:
        out.append({k: v for k, v in base.items() if k != key})
    return out


@pytest.mark.parametrize(("stream", "base"), [("learnings", LEARNING), ("archive", ARCHIVED)])
def test_fast_check_accepts_only_what_jsonschema_accepts(stream: str, base: dict[str, Any]) -> None:
    kind = Stream.LEARNINGS if stream == "learnings" else Stream.LEARNINGS_ARCHIVE
    fast = fast_checker(kind)
    assert fast is not None and fast(base) and _jsonschema_valid(kind, base)
    accepted = 0
    for record in _variants(base):
        if fast(record):
            accepted += 1
            assert _jsonschema_valid(kind, record), record
        else:
            # Not sure: the full schema decides, and the error names the real problem.
            problem = schema_problem(kind, record)
            assert (problem is None) == _jsonschema_valid(kind, record)
    assert accepted > 100  # the common valid shapes do take the fast path


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*ARCHIVED, "other"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=False),
            st.text(max_size=5),
            st.lists(st.text(max_size=3), max_size=3),
        ),
    )
)
def test_fast_check_never_accepts_an_invalid_mutation(changes: dict[str, Any]) -> None:
    for kind, base in ((Stream.LEARNINGS, LEARNING), (Stream.LEARNINGS_ARCHIVE, ARCHIVED)):
        record = {**base, **changes}
        fast = fast_checker(kind)
        assert fast is not None
        if fast(record):
            assert _jsonschema_valid(kind, record)


def test_ten_thousand_valid_learnings_skip_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    # counted, not timed: a valid learning must never reach jsonschema (the speed of the
    # fast check is the benchmark's business; a timing ratio flaked on a loaded CI machine)
    from sessionkit.metrics import validation

    calls: list[str] = []
    real = validation._validator

    def counting(name: str) -> Any:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(validation, "_validator", counting)
    records = [{**LEARNING, "id": f"id-{i}", "subject": f"s{i}"} for i in range(10_000)]
    assert all(schema_problem(Stream.LEARNINGS, r) is None for r in records)
    assert calls == []
    problem = schema_problem(Stream.LEARNINGS, {**LEARNING, "confidence": 2})
    assert problem is not None and problem.pointer == "/confidence"
    assert calls == [SCHEMAS[Stream.LEARNINGS]]
