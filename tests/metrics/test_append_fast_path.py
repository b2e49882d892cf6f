"""The append hot path: drafts, the flat round trip, cached session lookups, environment reads.

Each shortcut of ``MetricsStore.append`` must give the verdicts and bytes of the general path.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit import state
from sessionkit.metrics import _jsonl, events
from sessionkit.metrics.errors import RecordInvalid, ReservedKeyError, UnknownEventError
from sessionkit.metrics.store import MetricsStore

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "schemas" / "metrics-event.v1.schema.json").read_text()
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=10), JSON, max_size=6))
def test_owned_round_trip_equals_the_parsed_line(record: dict[str, Any]) -> None:
    line, parsed = _jsonl.encode_record(dict(record), stream="events", owned=True)
    assert parsed == json.loads(line)
    assert _types(parsed) == _types(json.loads(line))
    assert line == _jsonl.encode_record(dict(record), stream="events")[0]


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@pytest.mark.parametrize(
    ("record", "pointer"),
    [
        ({"a": float("nan")}, "/a"),
        ({"a": float("inf")}, "/a"),
        ({"a": "\ud800"}, "/a"),
        ({1: "x"}, ""),
        ({"a": (1, 2), "b": {2: 3}}, "/b"),
    ],
)
def test_owned_path_refuses_what_the_general_path_refuses(
    record: dict[Any, Any], pointer: str
) -> None:
    for owned in (False, True):
        with pytest.raises(RecordInvalid) as err:
            _jsonl.encode_record(dict(record), stream="events", owned=owned)
        assert err.value.pointer == pointer


def test_a_record_that_contains_itself_is_refused() -> None:
    record: dict[str, Any] = {"a": []}
    record["a"].append(record)
    with pytest.raises(RecordInvalid, match="contains itself"):
        _jsonl.encode_record(record, stream="events")


DRAFT_NAMES = st.sampled_from(
    [
        "sessionkit.gate.result",
        "sessionkit.wave.started",
        "sessionkit.guard.decision",
        "sessionkit.session.paused",
        "acme.deploy.done",
        "acme.build-step.finished",
    ]
)
PAYLOAD_VALUES = st.one_of(
    SCALARS,
    st.lists(st.fixed_dictionaries({"check": st.text(max_size=3)}), max_size=2),
    st.sampled_from(["pass", "fail", "error", "block", "warn", "Impl-Core"]),
)
PAYLOAD_KEYS = st.sampled_from(
    ["status", "variant", "role", "action", "findings", "reason", "count", "x"]
)


@settings(max_examples=200, deadline=None)
@given(
    DRAFT_NAMES,
    st.dictionaries(PAYLOAD_KEYS, PAYLOAD_VALUES, max_size=4),
    st.one_of(st.none(), st.sampled_from(["s-1", "has space", ""])),
)
def test_draft_verdicts_equal_the_json_schema(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    payload: dict[str, Any],
    session: str | None,
) -> None:
    """A draft is accepted exactly when the record it becomes is valid per metrics-event.v1."""
    root = tmp_path_factory.mktemp("fast")
    store = MetricsStore(root, metrics_dir=root)
    env = os.environ.copy()
    try:
        if session is None:
            os.environ.pop("SESSIONKIT_SESSION_ID", None)
        else:
            os.environ["SESSIONKIT_SESSION_ID"] = session
        try:
            line, parsed = store.prepare("events", {"event": name, **payload})
        except RecordInvalid:
            accepted = False
        else:
            accepted = True
            assert json.loads(line) == parsed
        record = events.build_event(
            name,
            payload,
            timestamp="2026-11-24T10:00:00.000Z",
            session_id=session or None,
        )
        valid = not list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(record))
        assert accepted == valid
        assert (events.check_built_event(record) is None) == valid
        assert (events.check_event(record) is None) == valid
    finally:
        os.environ.clear()
        os.environ.update(env)


def test_draft_rules_match_emit(repo: Path) -> None:
    store = MetricsStore(repo)
    with pytest.raises(ReservedKeyError, match="'timestamp'"):
        store.append("events", {"event": "acme.x.y", "timestamp": "2026-01-01"})
    with pytest.raises(UnknownEventError):
        store.append("events", {"event": "sessionkit.no.such"})
    with pytest.raises(RecordInvalid, match="needs an 'event' name"):
        store.append("events", {"payload": 1})
    result = store.append("events", {"event": "acme.x.y", "n": 1})
    emitted = store.emit("acme.x.y", {"n": 1})
    assert result.action == "appended" and emitted is not None
    first, second = (json.loads(x) for x in store.path("events").read_bytes().splitlines())
    assert list(first) == list(second)
    assert {k: v for k, v in first.items() if k != "timestamp"} == {
        k: v for k, v in second.items() if k != "timestamp"
    }


def test_environment_changes_are_seen_on_the_next_append(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = MetricsStore(repo)
    assert store.append("events", {"event": "acme.x.y"}).action == "appended"
    monkeypatch.setenv("SESSIONKIT_SESSION_ID", "from-env")
    store.append("events", {"event": "acme.x.y"})
    monkeypatch.setenv("SESSIONKIT_NO_METRICS", "1")
    assert store.append("events", {"event": "acme.x.y"}).action == "disabled"
    monkeypatch.setenv("SESSIONKIT_NO_METRICS", "0")
    monkeypatch.delenv("SESSIONKIT_SESSION_ID")
    store.append("events", {"event": "acme.x.y"})
    sessions = [json.loads(x)["session_id"] for x in store.path("events").read_bytes().split()]
    assert sessions == [None, "from-env", None]


def test_a_state_file_written_by_sessionkit_is_seen_at_once(repo: Path) -> None:
    store = MetricsStore(repo)
    store.append("events", {"event": "acme.x.y"})  # caches "no STATE.md here" for a second
    state.begin(repo, session_type="feature")
    written = state.current_session_id(str(repo))
    store.append("events", {"event": "acme.x.y"})
    lines = [json.loads(x) for x in store.path("events").read_bytes().splitlines()]
    sessions = [r["session_id"] for r in lines if r["event"] == "acme.x.y"]
    assert written is not None
    assert sessions == [None, written]


FIXED = datetime(2026, 11, 24, 10, 0, 0, 123000, tzinfo=timezone.utc)


@settings(max_examples=200, deadline=None)
@given(
    DRAFT_NAMES,
    st.dictionaries(PAYLOAD_KEYS | st.text(max_size=6), SCALARS | PAYLOAD_VALUES, max_size=4),
    st.one_of(st.none(), st.sampled_from(["s-1", "has space"])),
)
def test_append_writes_what_prepare_encodes(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    payload: dict[str, Any],
    session: str | None,
) -> None:
    """``append``'s one-function path for flat drafts: the general path's bytes and verdicts."""
    root = tmp_path_factory.mktemp("append")
    store = MetricsStore(root, metrics_dir=root, clock=lambda: FIXED)
    env = os.environ.copy()
    try:
        if session is None:
            os.environ.pop("SESSIONKIT_SESSION_ID", None)
        else:
            os.environ["SESSIONKIT_SESSION_ID"] = session
        draft = {"event": name, **payload}
        try:
            expected: bytes | None = store.prepare("events", dict(draft))[0]
        except (RecordInvalid, UnicodeEncodeError):
            expected = None
        written = []
        for _ in range(2):  # the second append finds the name already checked
            try:
                store.append("events", dict(draft))
            except RecordInvalid:
                written.append(None)
            else:
                written.append(store.path("events").read_bytes().splitlines(keepends=True)[-1])
        assert written == [expected, expected]
    finally:
        os.environ.clear()
        os.environ.update(env)


def test_a_fragment_after_the_writers_own_line_is_still_repaired(tmp_path: Path) -> None:
    """The torn-tail check is skipped only while the file ends where this writer left it."""
    store = MetricsStore(tmp_path, metrics_dir=tmp_path)
    store.append("events", {"event": "acme.x.y", "n": 1})
    path = store.path("events")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)  # a writer that died mid-write
    try:
        os.write(fd, b'{"schema_version":1,"timest')
    finally:
        os.close(fd)
    result = store.append("events", {"event": "acme.x.y", "n": 2})
    assert result.repaired_tail
    lines = path.read_bytes().split(b"\n")
    assert lines[1] == b'{"schema_version":1,"timest'
    assert json.loads(lines[2])["n"] == 2
    store.append("events", {"event": "acme.x.y", "n": 3})
    assert [json.loads(x)["n"] for x in path.read_bytes().split(b"\n")[2:-1]] == [2, 3]


@pytest.mark.parametrize("name", [["acme.x.y"], {"a": 1}, 3, None])
def test_a_draft_name_that_is_no_string_is_refused_as_invalid(tmp_path: Path, name: Any) -> None:
    store = MetricsStore(tmp_path, metrics_dir=tmp_path)
    with pytest.raises(RecordInvalid):
        store.append("events", {"event": name})
    assert not store.path("events").exists()


def test_emit_with_a_name_that_is_no_string_is_an_unknown_event(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path, metrics_dir=tmp_path)
    with pytest.raises(UnknownEventError, match="non-empty string"):
        store.emit(["acme.x.y"])  # type: ignore[arg-type]
    out = events.emit_event(str(tmp_path), ["acme.x.y"], metrics_dir=str(tmp_path))  # type: ignore[arg-type]
    assert out["action"] == "failed" and "UnknownEventError" in out["error"]


# The writer resolves its file and spool/ through a descriptor of the store directory; a moved
# or removed directory must still send appends to the configured path.


def _ns(path: Path) -> list[int]:
    records = [json.loads(line) for line in path.read_bytes().splitlines()]
    return [r["n"] for r in records if r["event"] == "acme.x.y"]


def test_a_moved_store_directory_is_followed_after_the_recheck_interval(tmp_path: Path) -> None:
    root = tmp_path / "metrics"
    store = MetricsStore(tmp_path, metrics_dir=root)
    store.append("events", {"event": "acme.x.y", "n": 1})
    root.rename(tmp_path / "metrics-old")
    root.mkdir()
    time.sleep(_jsonl.DIR_RECHECK_S * 2)
    store.append("events", {"event": "acme.x.y", "n": 2})
    assert _ns(tmp_path / "metrics-old" / "events.jsonl") == [1]
    assert _ns(root / "events.jsonl") == [2]


def test_a_failed_revalidation_compares_the_directory_at_once(tmp_path: Path) -> None:
    """A directory moved away whose file is then replaced: the next append uses the path."""
    root = tmp_path / "metrics"
    store = MetricsStore(tmp_path, metrics_dir=root)
    store.append("events", {"event": "acme.x.y", "n": 1})
    old = tmp_path / "metrics-old"
    root.rename(old)
    (old / "events.jsonl.tmp").write_bytes((old / "events.jsonl").read_bytes())
    os.replace(old / "events.jsonl.tmp", old / "events.jsonl")  # a rewrite in the old place
    store.append("events", {"event": "acme.x.y", "n": 2})  # no wait for the interval
    assert _ns(old / "events.jsonl") == [1]
    assert _ns(root / "events.jsonl") == [2]


def test_a_removed_store_directory_is_recreated_by_the_next_append(tmp_path: Path) -> None:
    root = tmp_path / "metrics"
    store = MetricsStore(tmp_path, metrics_dir=root)
    store.append("events", {"event": "acme.x.y", "n": 1})
    shutil.rmtree(root)
    store.append("events", {"event": "acme.x.y", "n": 2})
    assert _ns(root / "events.jsonl") == [2]


def test_spool_is_seen_through_the_directory_descriptor(tmp_path: Path) -> None:
    """spool/ created after the writer opened its directory is drained by the next append."""
    root = tmp_path / "metrics"
    store = MetricsStore(tmp_path, metrics_dir=root)
    store.append("events", {"event": "acme.x.y", "n": 1})
    hook_store = MetricsStore(tmp_path, metrics_dir=root)
    line = hook_store.prepare("events", {"event": "acme.x.y", "n": 2})[0]
    _jsonl.spool_write(str(root / "spool"), "events", line)
    store.append("events", {"event": "acme.x.y", "n": 3})
    assert _ns(root / "events.jsonl") == [1, 2, 3]
    assert not (root / "spool").exists()


def test_a_forked_child_appends_through_its_own_descriptors(tmp_path: Path) -> None:
    root = tmp_path / "metrics"
    store = MetricsStore(tmp_path, metrics_dir=root)
    store.append("events", {"event": "acme.x.y", "n": 1})
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            store.append("events", {"event": "acme.x.y", "n": 2})
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.append("events", {"event": "acme.x.y", "n": 3})
    assert _ns(root / "events.jsonl") == [1, 2, 3]


def test_a_pending_spool_stops_the_writer_before_it_locks_or_writes(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    writer = _jsonl.StreamWriter(str(path), trust_own_tail=True)
    writer.append(b'{"n":1}\n', False, 10.0, None, "spool")
    (tmp_path / "spool").mkdir()
    with pytest.raises(_jsonl.SpoolPending):
        writer.append(b'{"n":2}\n', False, 10.0, None, "spool")
    assert path.read_bytes() == b'{"n":1}\n'
    writer.append(b'{"n":3}\n')  # without a spool name: no check
    assert path.read_bytes() == b'{"n":1}\n{"n":3}\n'
