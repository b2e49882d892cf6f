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
from sessionkit.metrics.errors import RecordInvalid
from sessionkit.metrics.settings import MetricsSettings, RotationSettings, Settings
from sessionkit.metrics.store import MetricsStore, _may_be_in_git
from sessionkit.metrics.streams import Stream
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


@pytest.mark.parametrize(
    "payload",
    [
        {"s": "plain", "i": -12, "b": True, "f": False, "n": None, "x": -0.0, "y": 1e16},
        {"s": "tab\there"},  # a control character: escaped
        {"s": "del\x7f and é and \u2028"},  # written as they are
        {"s": 'quote " inside'},
        {"s": "back\\slash"},
        {'k"ey': 1},
        {"k\x01": 1},
        {"big": 10**300, "small": 5e-324, "neg": -(2**64)},
        {},
        {"nan": float("nan")},
        {"inf": float("-inf")},
        {"lone": "\ud800"},
    ],
)
def test_flat_drafts_written_without_the_encoder_are_the_encoders_bytes(
    tmp_path: Path, payload: dict[str, Any]
) -> None:
    fixed = "2026-11-24T10:15:30.123Z"
    store = MetricsStore(tmp_path, metrics_dir=tmp_path, clock=lambda: parse_ts(fixed))
    draft = {"event": "acme.plain.tail", **payload}
    try:
        expected = store.prepare("events", dict(draft))[0]
    except RecordInvalid:
        for _ in range(2):
            with pytest.raises(RecordInvalid):
                store.append("events", dict(draft))
        return
    for _ in range(2):  # the general path, then the hot path
        store.append("events", dict(draft))
    assert store.path("events").read_bytes().splitlines(keepends=True) == [expected] * 2


SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
NESTED = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        SCALAR,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=6), inner, max_size=4),
            st.tuples(inner),  # not exact JSON: the general path
            st.dictionaries(st.integers(0, 3), inner, min_size=1, max_size=2),  # int keys
        ),
        max_leaves=12,
    ),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(NESTED, st.sampled_from(["acme.hot.nested", "sessionkit.gate.baseline"]))
def test_a_nested_draft_appended_twice_is_the_line_prepare_encodes(
    tmp_path_factory: pytest.TempPathFactory, payload: dict[str, Any], name: str
) -> None:
    """Nested payloads (exact JSON or not, registered name or not): the general path's bytes
    and verdicts, whether the second append takes the hot path or not."""
    root = tmp_path_factory.mktemp("nested")
    fixed = "2026-11-24T10:15:30.123Z"
    store = MetricsStore(root, metrics_dir=root, clock=lambda: parse_ts(fixed))
    payload = {k: v for k, v in payload.items() if k not in events.RESERVED_KEYS}
    draft = {"event": name, **payload}
    try:
        expected = store.prepare("events", dict(draft))[0]
    except Exception as exc:
        for _ in range(2):
            with pytest.raises(type(exc)):
                store.append("events", dict(draft))
        return
    for _ in range(2):
        store.append("events", dict(draft))
    assert store.path("events").read_bytes().splitlines(keepends=True) == [expected] * 2


def _gate_result(status: Any) -> dict[str, Any]:
    """A registered event with a nested payload (checked by the registry) and no envelope key."""
    check = {"status": status, "duration_s": 1.5, "required": True}
    return {
        "event": "sessionkit.gate.result",
        "variant": "quick",
        "status": "pass",
        "exit_code": 0,
        "fail_on": "fail",
        "duration_s": 2.0,
        "checks": {"ruff": check, "pytest": dict(check)},
    }


def test_nested_registered_drafts_take_the_hot_path_and_keep_its_checks(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path, metrics_dir=tmp_path, settings=Settings())
    store.append("events", _gate_result("pass"))  # first use of the name: general path
    writer = store._plans[Stream.EVENTS][1]
    calls: list[int] = []
    real = writer.append_fast

    def spy(line: bytes, rotate_at: int | None, timeout: float | None) -> int:
        calls.append(len(line))
        return real(line, rotate_at, timeout)

    writer.append_fast = spy  # type: ignore[method-assign]
    store.append("events", _gate_result("fail"))
    assert len(calls) == 1, "an exact nested draft takes the hot path"
    with pytest.raises(RecordInvalid, match="/checks/ruff/status"):
        store.append("events", _gate_result("maybe"))  # the registry's check still runs
    as_tuple = {**_gate_result("skip"), "findings": ({"a": 1},)}
    store.append("events", as_tuple)
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(RecordInvalid):
        store.append("events", {**_gate_result("pass"), "x": cyclic})
    assert len(calls) == 1, "a tuple and a cycle go the general way"
    records = [json.loads(x) for x in store.path("events").read_bytes().splitlines()]
    assert [r["checks"]["ruff"]["status"] for r in records] == ["pass", "fail", "skip"]
    assert records[2]["findings"] == [{"a": 1}]


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


def test_a_first_append_outside_git_imports_no_process_or_thread_module(tmp_path: Path) -> None:
    """git (with subprocess, ~5 ms cold) and threading are not loaded for it."""
    outside = tmp_path / "store"
    if _git_above(tmp_path):
        pytest.skip("the temporary directory lies inside a git work tree")
    code = (
        "import sys\n"
        "from sessionkit.metrics.settings import Settings\n"
        "from sessionkit.metrics.store import MetricsStore\n"
        "store = MetricsStore(sys.argv[1], metrics_dir=sys.argv[1], settings=Settings())\n"
        "before = set(sys.modules)\n"
        "store.append('events', {'event': 'acme.x.y', 'n': 0})\n"
        "store.append('events', {'event': 'acme.x.y', 'n': 1})\n"
        "new = set(sys.modules) - before\n"
        "print(sorted(new & {'subprocess', 'sessionkit.git', 'threading'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(outside)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
    assert _acme(outside / "events.jsonl") == [0, 1]


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


# ----------------------------------------------------------------------------- directory watch
# After WATCH_AFTER appends a writer replaces the spool access and the revalidating stat with
# one poll of an inotify watch of its directory. Each test below makes the change the two
# checks guard against while the watch is armed.

needs_watch = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the directory watch is Linux-only"
)


def _watched_store(root: Path, monkeypatch: pytest.MonkeyPatch) -> MetricsStore:
    monkeypatch.setattr(_jsonl, "WATCH_AFTER", 2)
    monkeypatch.setattr(_jsonl, "WATCH_AFTER_IMPORT", 2)
    store = MetricsStore(root, metrics_dir=root)
    for n in range(5):
        store.append("events", {"event": "acme.x.y", "n": n})
    assert store._fast and store._fast[1]._quiet is not None, "the watch is armed"
    return store


def _acme(path: Path) -> list[int]:
    records = [json.loads(x) for x in path.read_bytes().splitlines()]
    return [r["n"] for r in records if r["event"] == "acme.x.y"]


@needs_watch
def test_the_watch_binds_inotify_without_importing_ctypes(tmp_path: Path) -> None:
    """The first watch of a process loads only ``_ctypes`` (about 0.7 ms instead of 2.2 ms)."""
    script = f"""
import os, sys
from sessionkit.metrics import _jsonl
dfd = os.open({str(tmp_path)!r}, os.O_RDONLY)
made = _jsonl._dir_watch(dfd)
assert made is not None, "no watch"
ifd, quiet = made
assert type(_jsonl._INOTIFY[0][0]).__name__ == "_Function", _jsonl._INOTIFY
assert quiet(0) == []
os.mkdir(os.path.join({str(tmp_path)!r}, "spool"))
assert [fd for fd, _ in quiet(0)] == [ifd]
print("ctypes" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


@needs_watch
def test_watched_writer_follows_a_rewrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _watched_store(tmp_path, monkeypatch)
    path = store.path("events")
    keep = tmp_path / "pre-image.jsonl"
    os.link(path, keep)  # the replaced inode stays reachable to look at
    with _jsonl.LockedFile(str(path), timeout=5):
        (tmp_path / "tmp").write_bytes(path.read_bytes())
        os.replace(tmp_path / "tmp", path)
    before = keep.read_bytes()
    store.append("events", {"event": "acme.x.y", "n": 5})
    assert keep.read_bytes() == before  # nothing went to the replaced inode
    assert _acme(path) == [0, 1, 2, 3, 4, 5]


@needs_watch
def test_watched_writer_follows_a_rotation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _watched_store(tmp_path, monkeypatch)
    path = store.path("events")
    segment = tmp_path / "events.20261124T000000000Z.jsonl"
    with _jsonl.LockedFile(str(path), timeout=5):
        os.rename(path, segment)
    before = segment.read_bytes()
    store.append("events", {"event": "acme.x.y", "n": 5})
    assert segment.read_bytes() == before
    assert _acme(path) == [5]


@needs_watch
def test_watched_writer_follows_an_unlink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _watched_store(tmp_path, monkeypatch)
    path = store.path("events")
    path.unlink()
    store.append("events", {"event": "acme.x.y", "n": 5})
    assert _acme(path) == [5]


@needs_watch
def test_watched_writer_drains_a_new_spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _watched_store(tmp_path, monkeypatch)
    line = store.prepare("events", {"event": "acme.x.y", "n": 5})[0]
    _jsonl.spool_write(str(tmp_path / "spool"), "events", line)
    store.append("events", {"event": "acme.x.y", "n": 6})
    assert _acme(store.path("events")) == [0, 1, 2, 3, 4, 5, 6]
    assert not (tmp_path / "spool").exists()


@needs_watch
def test_watched_writer_drains_spool_in_an_existing_spool_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """spool/ kept alive by another stream's file: no event on the store directory."""
    (tmp_path / "spool").mkdir()
    (tmp_path / "spool" / "subagents-20261124T000000000Z-1-00000000.jsonl").write_bytes(b"")
    monkeypatch.setattr(_jsonl, "WATCH_AFTER", 2)
    monkeypatch.setattr(_jsonl, "WATCH_AFTER_IMPORT", 2)
    store = MetricsStore(tmp_path, metrics_dir=tmp_path)
    for n in range(5):
        store.append("events", {"event": "acme.x.y", "n": n})
    line = store.prepare("events", {"event": "acme.x.y", "n": 5})[0]
    _jsonl.spool_write(str(tmp_path / "spool"), "events", line)
    store.append("events", {"event": "acme.x.y", "n": 6})
    assert _acme(store.path("events")) == [0, 1, 2, 3, 4, 5, 6]


@needs_watch
def test_the_watch_is_rearmed_after_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _watched_store(tmp_path, monkeypatch)
    writer = store._fast[1]  # type: ignore[index]
    (tmp_path / "unrelated.tmp").write_bytes(b"")  # any entry change drops the watch
    store.append("events", {"event": "acme.x.y", "n": 5})
    assert writer._quiet is None
    for n in range(6, 10):
        store.append("events", {"event": "acme.x.y", "n": n})
    assert writer._quiet is not None
    assert _acme(store.path("events")) == list(range(10))


@needs_watch
def test_a_forked_child_does_not_use_the_parents_watch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _watched_store(tmp_path, monkeypatch)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            writer = store._fast[1]  # type: ignore[index]
            store.append("events", {"event": "acme.x.y", "n": 5})
            code = 0 if writer._watch_fd != -1 or writer._quiet is None else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.append("events", {"event": "acme.x.y", "n": 6})
    assert _acme(store.path("events")) == [0, 1, 2, 3, 4, 5, 6]


def _watched_writer(root: str, writer: int, count: int, barrier: Any, out: Any) -> None:
    from sessionkit.metrics import _jsonl as jsonl
    from sessionkit.metrics.settings import Settings as S
    from sessionkit.metrics.store import MetricsStore as Store

    jsonl.WATCH_AFTER = jsonl.WATCH_AFTER_IMPORT = 1
    store = Store(root, metrics_dir=root, settings=S())
    store.append("events", {"event": "acme.watch.seq", "writer": writer, "seq": -1})
    barrier.wait()
    watched = 0
    for seq in range(count):
        store.append("events", {"event": "acme.watch.seq", "writer": writer, "seq": seq})
        watched += store._fast[1]._quiet is not None  # type: ignore[index]
    out.put((writer, watched))


def _replacer(root: str, rounds: int, barrier: Any, out: Any) -> None:
    """Rotations and rewrites under the stream lock, as the store's own ones run."""
    import time as t

    path = os.path.join(root, "events.jsonl")
    sizes: dict[str, int] = {}
    barrier.wait()
    for n in range(rounds):
        t.sleep(0.003)
        with _jsonl.LockedFile(path, timeout=10):
            if n % 2:
                segment = os.path.join(root, f"events.2026112{n:04d}.jsonl")
                os.rename(path, segment)
                sizes[segment] = os.path.getsize(segment)
            else:
                tmp = path + ".tmp"
                with open(path, "rb") as src, open(tmp, "wb") as dst:
                    dst.write(src.read())
                old = os.path.join(root, f"pre-{n}.jsonl")
                os.link(path, old)  # keep the replaced inode to check it later
                os.replace(tmp, path)
                sizes[old] = os.path.getsize(old)
    out.put(("replacer", sizes))


@needs_watch
@pytest.mark.timeout(120)
def test_watched_writers_lose_nothing_to_concurrent_rotations_and_rewrites(
    tmp_path: Path,
) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    writers, count, rounds = 4, 1_500, 40
    barrier = ctx.Barrier(writers + 1)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_watched_writer, args=(str(tmp_path), w, count, barrier, out))
        for w in range(writers)
    ]
    procs.append(ctx.Process(target=_replacer, args=(str(tmp_path), rounds, barrier, out)))
    for p in procs:
        p.start()
    results = dict(out.get(timeout=100) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    sizes = results.pop("replacer")
    assert all(results[w] > count // 2 for w in range(writers)), results  # mostly watched
    for name, size in sizes.items():  # nothing appended to a file after it was replaced
        assert os.path.getsize(name) == size, name
    seen: dict[tuple[int, int], int] = {}
    live_and_rotated = list(tmp_path.glob("events*.jsonl"))
    for path in live_and_rotated:
        data = path.read_bytes()
        assert data == b"" or data.endswith(b"\n")
        for raw in data.splitlines():
            record = json.loads(raw)
            if record["event"] == "acme.watch.seq" and record["seq"] >= 0:
                key = (record["writer"], record["seq"])
                seen[key] = seen.get(key, 0) + 1
    assert set(seen) == {(w, s) for w in range(writers) for s in range(count)}
    assert set(seen.values()) == {1}


# ----------------------------------------------------------------------------- threads
# Threads of one process share a store's writer and its descriptor (one open file description,
# so flock does not exclude them): one thread at a time appends through it (the writer's token).


@pytest.mark.timeout(120)
def test_threads_sharing_a_store_lose_nothing_to_each_other_or_to_rewrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    monkeypatch.setattr(_jsonl, "WATCH_AFTER", 2)
    monkeypatch.setattr(_jsonl, "WATCH_AFTER_IMPORT", 2)
    store = MetricsStore(tmp_path, metrics_dir=tmp_path, settings=Settings())
    path = store.path("events")
    threads, count = 6, 1_500
    start = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def appender(writer: int) -> None:
        try:
            start.wait()
            for seq in range(count):
                if seq % 7 == 0:  # nested: the general path, through the same writer
                    draft = {"event": "acme.t.seq", "writer": writer, "seq": seq, "l": [1]}
                else:
                    draft = {"event": "acme.t.seq", "writer": writer, "seq": seq}
                store.append("events", draft)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def replacer() -> None:
        start.wait()
        for n in range(30):
            with _jsonl.LockedFile(str(path), timeout=10):
                old = tmp_path / f"pre-{n}.jsonl"
                os.link(path, old)  # keep the replaced inode to check it later
                (tmp_path / "tmp").write_bytes(path.read_bytes())
                os.replace(tmp_path / "tmp", path)
                sizes[old] = old.stat().st_size

    sizes: dict[Path, int] = {}
    workers = [threading.Thread(target=appender, args=(w,)) for w in range(threads)]
    workers.append(threading.Thread(target=replacer))
    for t in workers:
        t.start()
    for t in workers:
        t.join(100)
    assert not errors, errors
    for old, size in sizes.items():  # nothing appended to a file after it was replaced
        assert old.stat().st_size == size, old
    data = path.read_bytes()
    assert data.endswith(b"\n")
    seen: dict[tuple[int, int], int] = {}
    for raw in data.splitlines():
        record = json.loads(raw)  # no torn or interleaved line
        key = (record["writer"], record["seq"])
        seen[key] = seen.get(key, 0) + 1
    assert set(seen) == {(w, s) for w in range(threads) for s in range(count)}
    assert set(seen.values()) == {1}


def test_a_thread_waits_for_the_token_held_by_another(tmp_path: Path) -> None:
    import threading

    store = MetricsStore(tmp_path, metrics_dir=tmp_path, settings=Settings())
    store.append("events", {"event": "acme.x.y", "n": 0})
    writer = store._fast[1]  # type: ignore[index]
    writer._token.pop()  # as a thread inside append_fast holds it
    done = threading.Event()

    def append() -> None:
        store.append("events", {"event": "acme.x.y", "n": 1})
        done.set()

    thread = threading.Thread(target=append)
    thread.start()
    assert not done.wait(0.2), "appended while another thread held the writer"
    writer._token.append(True)
    assert done.wait(5)
    thread.join(5)
    assert _acme(store.path("events")) == [0, 1]
    assert writer._token == [True]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_child_forked_while_a_thread_held_the_writer_appends(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path, metrics_dir=tmp_path, settings=Settings())
    store.append("events", {"event": "acme.x.y", "n": 0})
    writer = store._fast[1]  # type: ignore[index]
    writer._token.pop()  # another thread is inside append_fast at the fork
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            store.append("events", {"event": "acme.x.y", "n": 1})
            store.append("events", {"event": "acme.x.y", "n": 2})
            code = 0 if writer._token == [True] else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    writer._token.append(True)
    assert os.waitstatus_to_exitcode(status) == 0
    assert _acme(store.path("events")) == [0, 1, 2]
