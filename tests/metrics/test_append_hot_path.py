"""The draft hot path of ``MetricsStore.append`` and ``StreamWriter.append_fast``.

Every shortcut must write the general path's bytes and keep the writer's guarantees: nothing
written to a replaced file, a torn tail repaired, ``spool/`` drained first, rotation on time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.metrics import _jsonl, events
from sessionkit.metrics.settings import MetricsSettings, RotationSettings, Settings
from sessionkit.metrics.store import MetricsStore, _may_be_in_git
from sessionkit.metrics.timestamps import parse_ts

FLAT = st.dictionaries(
    st.text(max_size=8),
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(FLAT)
def test_the_ascii_encoder_without_u_escapes_is_the_canonical_encoding(
    record: dict[str, Any],
) -> None:
    ascii_text = "".join(_jsonl._ENCODE_ASCII_CHUNKS(record, 0))
    canonical = "".join(_jsonl._ENCODE_CHUNKS(record, 0))
    if "\\u" not in ascii_text:
        assert ascii_text == canonical
    assert json.loads(ascii_text) == json.loads(canonical)


@settings(max_examples=150, deadline=None)
@given(FLAT, st.sampled_from(["acme.hot.path", "acme.hot.é"]), st.booleans())
def test_a_draft_appended_twice_is_the_line_prepare_encodes(
    tmp_path_factory: pytest.TempPathFactory,
    payload: dict[str, Any],
    name: str,
    event_first: bool,
) -> None:
    """First use of a name takes the general path, the second the hot path: same bytes."""
    root = tmp_path_factory.mktemp("hot")
    fixed = "2026-11-24T10:15:30.123Z"
    store = MetricsStore(root, metrics_dir=root, clock=lambda: parse_ts(fixed))
    payload = {k: v for k, v in payload.items() if k not in events.RESERVED_KEYS}
    draft = {"event": name, **payload} if event_first else {**payload, "event": name}
    try:
        expected = store.prepare("events", dict(draft))[0]
    except Exception as exc:  # the general path's verdict: the hot path must give it too
        for _ in range(2):
            with pytest.raises(type(exc)):
                store.append("events", dict(draft))
        return
    results = [store.append("events", dict(draft)) for _ in range(2)]
    lines = store.path("events").read_bytes().splitlines(keepends=True)
    assert lines == [expected, expected]
    assert [r.bytes_written for r in results] == [len(expected)] * 2
    assert results[0] == results[1]


def _writer(tmp_path: Path) -> _jsonl.StreamWriter:
    writer = _jsonl.StreamWriter(str(tmp_path / "events.jsonl"), trust_own_tail=True)
    writer.append(b'{"n":0}\n', False, 10.0, None, "spool")  # opens the descriptors
    return writer


def test_append_fast_writes_one_line_and_reports_its_size(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    assert writer.append_fast(b'{"n":1}\n', None, 10.0) == 8
    assert (tmp_path / "events.jsonl").read_bytes() == b'{"n":0}\n{"n":1}\n'


def test_append_fast_leaves_a_replaced_file_to_append(tmp_path: Path) -> None:
    """A rewrite replaced the file: nothing goes to the old inode, append() reopens."""
    writer = _writer(tmp_path)
    path = tmp_path / "events.jsonl"
    old = tmp_path / "old.jsonl"
    os.link(path, old)
    (tmp_path / "new.tmp").write_bytes(b'{"n":"new"}\n')
    os.replace(tmp_path / "new.tmp", path)
    assert writer.append_fast(b'{"n":1}\n', None, 10.0) == -1
    assert old.read_bytes() == b'{"n":0}\n'
    writer.append(b'{"n":1}\n', False, 10.0, None, "spool")
    assert path.read_bytes() == b'{"n":"new"}\n{"n":1}\n'
    assert old.read_bytes() == b'{"n":0}\n'


def test_append_fast_leaves_a_rotated_file_to_append(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    path = tmp_path / "events.jsonl"
    os.rename(path, tmp_path / "events.20261124T000000000Z.jsonl")
    assert writer.append_fast(b'{"n":1}\n', None, 10.0) == -1
    writer.append(b'{"n":1}\n', False, 10.0, None, "spool")
    assert path.read_bytes() == b'{"n":1}\n'
    assert (tmp_path / "events.20261124T000000000Z.jsonl").read_bytes() == b'{"n":0}\n'


def test_append_fast_leaves_a_torn_tail_to_append(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    path = tmp_path / "events.jsonl"
    with open(path, "ab") as handle:
        handle.write(b'{"n":')  # a writer that died mid-write
    assert writer.append_fast(b'{"n":1}\n', None, 10.0) == -1
    assert path.read_bytes() == b'{"n":0}\n{"n":'
    outcome = writer.append(b'{"n":1}\n', False, 10.0, None, "spool")
    assert outcome.repaired_tail
    assert path.read_bytes() == b'{"n":0}\n{"n":\n{"n":1}\n'


def test_append_fast_leaves_spool_and_rotation_to_append(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    (tmp_path / "spool").mkdir()
    assert writer.append_fast(b'{"n":1}\n', None, 10.0) == -1
    (tmp_path / "spool").rmdir()
    assert writer.append_fast(b'{"n":1}\n', 16, 10.0) == -1  # 8 + 8 bytes reach the limit
    assert (tmp_path / "events.jsonl").read_bytes() == b'{"n":0}\n'
    assert writer.append_fast(b'{"n":1}\n', 17, 10.0) == 8


def test_append_fast_leaves_fault_injection_to_append(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    seen: list[str] = []
    _jsonl._FAULT = seen.append
    try:
        assert writer.append_fast(b'{"n":1}\n', None, 10.0) == -1
    finally:
        _jsonl._FAULT = None
    assert seen == []


def test_the_hot_path_drains_spool_before_its_line(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path, metrics_dir=tmp_path)
    for n in (1, 2):  # the second append takes the hot path
        store.append("events", {"event": "acme.x.y", "n": n})
    line = store.prepare("events", {"event": "acme.x.y", "n": 3})[0]
    _jsonl.spool_write(str(tmp_path / "spool"), "events", line)
    store.append("events", {"event": "acme.x.y", "n": 4})
    records = [json.loads(x) for x in store.path("events").read_bytes().splitlines()]
    assert [r["n"] for r in records if r["event"] == "acme.x.y"] == [1, 2, 3, 4]
    assert not (tmp_path / "spool").exists()


def test_the_hot_path_rotates_at_the_threshold(tmp_path: Path) -> None:
    line = MetricsStore(tmp_path, metrics_dir=tmp_path).prepare(
        "events", {"event": "acme.x.y", "n": 0}
    )[0]
    rotation = RotationSettings(True, 3 * len(line), 10)
    metrics = MetricsSettings(rotation={"events": rotation, "subagents": rotation})
    store = MetricsStore(tmp_path, metrics_dir=tmp_path, settings=Settings(metrics=metrics))
    for n in range(6):  # the hot path from the second append on
        store.append("events", {"event": "acme.x.y", "n": n})
    assert store._fast  # the hot path was taken
    segments = list(tmp_path.glob("events.2*.jsonl*"))
    assert segments
    assert all(len(b"\n".join(_read(s))) + 1 >= 3 * len(line) for s in segments)
    records = [json.loads(x) for s in segments for x in _read(s)]
    records += [json.loads(x) for x in store.path("events").read_bytes().splitlines()]
    assert sorted(r["n"] for r in records if r["event"] == "acme.x.y") == list(range(6))


def _read(segment: Path) -> list[bytes]:
    import gzip

    data = (
        gzip.decompress(segment.read_bytes()) if segment.suffix == ".gz" else segment.read_bytes()
    )
    return data.splitlines()


def test_no_git_is_started_for_a_store_outside_any_repository(tmp_path: Path) -> None:
    """Outside git the state root is the repo path, found without spawning git."""
    outside = tmp_path / "outside"
    outside.mkdir()
    assert not _may_be_in_git(outside) or _git_above(outside)
    code = (
        "import subprocess, sys\n"
        "from sessionkit.metrics.store import MetricsStore\n"
        "from sessionkit.metrics.settings import Settings\n"
        "calls = []\n"
        "real = subprocess.Popen.__init__\n"
        "def spy(self, *a, **k):\n"
        "    calls.append(a)\n"
        "    real(self, *a, **k)\n"
        "subprocess.Popen.__init__ = spy\n"
        "store = MetricsStore(sys.argv[1], metrics_dir=sys.argv[1], settings=Settings())\n"
        "for n in range(3):\n"
        "    store.append('events', {'event': 'acme.x.y', 'n': n})\n"
        "print(len(calls), store.state_root)\n"
    )
    if _git_above(outside):
        pytest.skip("the temporary directory lies inside a git work tree")
    out = subprocess.run(
        [sys.executable, "-c", code, str(outside)], capture_output=True, text=True, check=True
    )
    spawned, root = out.stdout.split()
    assert spawned == "0"
    assert Path(root) == outside.resolve()


def _git_above(path: Path) -> bool:
    return any((p / ".git").exists() or (p / "HEAD").exists() for p in (path, *path.parents))


def test_a_store_inside_a_repository_still_asks_git(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo(commit=False)
    sub = repo / "a" / "b"
    sub.mkdir(parents=True)
    assert _may_be_in_git(sub)
    store = MetricsStore(sub, metrics_dir=tmp_path / "m")
    assert store.state_root == repo.resolve()


def test_git_dir_in_the_environment_always_asks_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere.git"))
    assert _may_be_in_git(tmp_path)
