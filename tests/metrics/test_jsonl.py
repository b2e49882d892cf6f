"""Line encoding, locks and tolerant readers of ``sessionkit.metrics._jsonl``."""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.metrics import _jsonl
from sessionkit.metrics.errors import LockTimeout, MetricsIOError, RecordInvalid, RecordTooLarge

# --------------------------------------------------------------------------- encoding


def test_canonical_bytes_keep_caller_order_and_are_compact() -> None:
    line, parsed = _jsonl.encode_record({"b": 1, "a": "é", "t": (1, 2)}, stream="events")
    assert line == '{"b":1,"a":"é","t":[1,2]}\n'.encode()
    assert parsed == {"b": 1, "a": "é", "t": [1, 2]}  # the round trip is what is validated


@pytest.mark.parametrize(
    ("record", "pointer"),
    [
        ({"x": math.nan}, "/x"),
        ({"x": [1, math.inf]}, "/x/1"),
        ({"s": "\ud800"}, "/s"),
        ({"payload": {"when": datetime(2026, 1, 1, tzinfo=timezone.utc)}}, "/payload/when"),
        ({"x": {1, 2}}, "/x"),
        ({"x": {1: "a"}}, "/x"),
        ({"x": b"bytes"}, "/x"),
        ({"x": Path("a")}, "/x"),
    ],
)
def test_non_json_values_are_rejected_with_their_pointer(
    record: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(RecordInvalid) as info:
        _jsonl.encode_record(record, stream="events")
    assert info.value.pointer == pointer
    assert pointer in info.value.message


def test_datetime_message_says_what_to_do() -> None:
    with pytest.raises(RecordInvalid, match="pass an RFC 3339 string"):
        _jsonl.encode_record({"when": datetime.now(timezone.utc)}, stream="events")


def test_size_cap_is_inclusive_of_the_lf() -> None:
    base = len(json.dumps({"p": ""}, separators=(",", ":"))) + 1
    exact = {"p": "x" * (1024 - base)}
    line, _ = _jsonl.encode_record(exact, stream="events", max_bytes=1024)
    assert len(line) == 1024
    with pytest.raises(RecordTooLarge, match=r"is 1,025 bytes; the limit is 1,024"):
        _jsonl.encode_record({"p": "x" * (1025 - base)}, stream="events", max_bytes=1024)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_p1_encode_decode_is_identity(record: dict[str, Any]) -> None:
    line, parsed = _jsonl.encode_record(record, stream="events", max_bytes=1 << 20)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == record == parsed


# --------------------------------------------------------------------------- append


def test_append_creates_directory_and_one_terminated_line(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "events.jsonl"
    outcome = _jsonl.append_lines(str(path), b'{"a":1}\n')
    assert path.read_bytes() == b'{"a":1}\n'
    assert outcome.bytes_written == 8 and not outcome.repaired_tail


def test_torn_tail_gets_its_own_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"ok":0}\n{"a":1')
    outcome = _jsonl.append_lines(str(path), b'{"r":2}\n')
    assert outcome.repaired_tail
    assert path.read_bytes() == b'{"ok":0}\n{"a":1\n{"r":2}\n'
    stats = _jsonl.ScanStats()
    records = [line.record for line in _jsonl.iter_lines(str(path), stats=stats)]
    assert [r for r in records if r] == [{"ok": 0}, {"r": 2}]
    assert stats.invalid_json == 1 and stats.first["invalid-json"] == 2
    assert "unterminated line at byte 15" in capsys.readouterr().err


def test_failed_write_truncates_to_previous_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"a":1}\n')
    real_write = os.write
    calls = {"n": 0}

    def failing_write(fd: int, data: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(fd, bytes(data)[:5])  # a short write, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_jsonl.os, "write", failing_write)
    with pytest.raises(MetricsIOError, match="No space left"):
        _jsonl.append_lines(str(path), b'{"b":2222222}\n')
    monkeypatch.undo()
    assert path.read_bytes() == b'{"a":1}\n'


@pytest.mark.parametrize("script", ["short-then-full", "full", "short-then-ok"])
def test_stream_writer_undoes_failed_and_short_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    """The store's long-lived writer (its inline fast path included) never leaves a fragment."""
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"a":1}\n')
    writer = _jsonl.StreamWriter(str(path))
    real_write = os.write
    calls = {"n": 0}

    def scripted_write(fd: int, data: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1 and script != "full":
            return real_write(fd, bytes(data)[:5])
        if script == "short-then-ok":
            return real_write(fd, data)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_jsonl.os, "write", scripted_write)
    if script == "short-then-ok":
        outcome = writer.append(b'{"b":2222222}\n', rotate_at=1 << 20)
        monkeypatch.undo()
        assert outcome.bytes_written == 14 and not outcome.repaired_tail
        assert path.read_bytes() == b'{"a":1}\n{"b":2222222}\n'
    else:
        with pytest.raises(MetricsIOError, match="No space left"):
            writer.append(b'{"b":2222222}\n')
        monkeypatch.undo()
        assert path.read_bytes() == b'{"a":1}\n'
    writer.append(b'{"c":3}\n')
    assert path.read_bytes().endswith(b'}\n{"c":3}\n')
    writer.close()


def test_symlinked_stream_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "target.jsonl"
    target.write_bytes(b"")
    link = tmp_path / "events.jsonl"
    link.symlink_to(target)
    with pytest.raises(MetricsIOError, match="is a symlink"):
        _jsonl.append_lines(str(link), b"{}\n")
    assert target.read_bytes() == b""


def test_fsync_policy_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr(_jsonl, "sync_fd", lambda fd: synced.append(fd))
    _jsonl.append_lines(str(tmp_path / "a.jsonl"), b"{}\n", fsync=False)
    assert synced == []
    _jsonl.append_lines(str(tmp_path / "a.jsonl"), b"{}\n", fsync=True)
    assert len(synced) == 1


# --------------------------------------------------------------------------- locks

HOLDER = """
import sys, time
from sessionkit.metrics import _jsonl
with _jsonl.LockedFile(sys.argv[1], timeout=None):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_lock_timeout_names_the_file_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "learnings.jsonl"
    holder = _hold_lock(path, 3)
    try:
        started = time.monotonic()
        with pytest.raises(LockTimeout, match=r"timed out after 0\.2 s .*learnings\.jsonl") as info:
            _jsonl.append_lines(str(path), b"{}\n", timeout=0.2)
        assert 0.15 < time.monotonic() - started < 1.5
        assert info.value.exit_code == 3 and "doctor" in (info.value.hint or "")
        assert path.read_bytes() == b""
    finally:
        holder.kill()
        holder.wait()


def test_kernel_releases_the_lock_of_a_killed_holder(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    holder = _hold_lock(path, 60)
    holder.kill()
    holder.wait()
    _jsonl.append_lines(str(path), b"{}\n", timeout=2)
    assert path.read_bytes() == b"{}\n"


@pytest.mark.parametrize("change", ["replace", "unlink", "rename"])
def test_waiter_revalidates_the_inode(tmp_path: Path, change: str) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"old":1}\n')
    locked = _jsonl.LockedFile(str(path), timeout=None).__enter__()
    result: dict[str, Any] = {}

    def waiter() -> None:
        result["outcome"] = _jsonl.append_lines(str(path), b'{"new":1}\n', timeout=5)

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.1)  # the waiter has opened the old inode and blocks on its lock
    if change == "replace":
        (tmp_path / "tmp").write_bytes(b'{"replaced":1}\n')
        os.replace(tmp_path / "tmp", path)
    elif change == "unlink":
        path.unlink()
    else:
        path.rename(tmp_path / "events.old.jsonl")
    locked.release()
    thread.join(5)
    expected = {
        "replace": b'{"replaced":1}\n{"new":1}\n',
        "unlink": b'{"new":1}\n',
        "rename": b'{"new":1}\n',
    }
    assert path.read_bytes() == expected[change]


def test_descriptors_are_close_on_exec(tmp_path: Path) -> None:
    with _jsonl.LockedFile(str(tmp_path / "e.jsonl"), timeout=1) as locked:
        assert not os.get_inheritable(locked.fd)


class FakeMsvcrt:
    """A stand-in for ``msvcrt`` recording calls; locks are per lock-file path."""

    LK_NBLCK = 2
    LK_UNLCK = 0

    def __init__(self) -> None:
        self.held: set[int] = set()
        self.calls: list[tuple[str, int]] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1
        ino = os.fstat(fd).st_ino
        self.calls.append(("lock" if mode == self.LK_NBLCK else "unlock", ino))
        if mode == self.LK_NBLCK:
            if ino in self.held:
                raise OSError(13, "locked")
            self.held.add(ino)
        else:
            self.held.discard(ino)


def test_windows_backend_locks_a_sibling_file_before_opening_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeMsvcrt()
    monkeypatch.setattr(
        _jsonl, "_MSVCRT", SimpleNamespace(locking=fake.locking, LK_NBLCK=2, LK_UNLCK=0)
    )
    opened: list[str] = []
    real_open = _jsonl.LockedFile._open

    def spy_open(self: _jsonl.LockedFile) -> int:
        opened.append("data-open")
        assert fake.held, "the data file is opened only after the lock is held"
        return real_open(self)

    monkeypatch.setattr(_jsonl.LockedFile, "_open", spy_open)
    path = tmp_path / "events.jsonl"
    _jsonl.append_lines(str(path), b"{}\n")
    _jsonl.append_lines(str(path), b"{}\n")
    assert path.read_bytes() == b"{}\n{}\n"
    assert (tmp_path / "events.jsonl.lock").exists()  # created, never deleted
    assert [c[0] for c in fake.calls] == ["lock", "unlock", "lock", "unlock"]
    held = _jsonl.LockedFile(str(path), timeout=None).__enter__()
    with pytest.raises(LockTimeout):
        _jsonl.append_lines(str(path), b"{}\n", timeout=0.05)
    held.release()


# --------------------------------------------------------------------------- readers


def test_reader_classifies_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"a":1}\r\n'  # BOM and CRLF
        b"\n   \n"  # blanks
        b"[1,2]\n"
        b"{bad\n"
        b"\xff\xfe\n"
        b"<<<<<<< HEAD\n"
        b'{"b":2}\n'
        b'{"c":3'  # an append in progress
    )
    stats = _jsonl.ScanStats()
    lines = list(_jsonl.iter_lines(str(path), stats=stats))
    assert [(ln.number, ln.problem) for ln in lines] == [
        (1, None),
        (4, "not-object"),
        (5, "invalid-json"),
        (6, "invalid-utf8"),
        (7, "conflict-marker"),
        (8, None),
    ]
    assert stats.records == 2 and stats.blank == 2 and stats.unterminated == 1
    assert stats.lines == 9
    fast = _jsonl.ScanStats()
    assert list(_jsonl.iter_records(str(path), fast)) == [{"a": 1}, {"b": 2}]
    assert fast.as_dict() == stats.as_dict()


def test_unterminated_tail_is_only_yielded_to_lock_holders(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b'{"a":1}\n{"b":2}')
    assert [ln.number for ln in _jsonl.iter_lines(str(path))] == [1]
    tail = list(_jsonl.iter_lines(str(path), include_unterminated=True))
    assert tail[-1].problem == "unterminated" and tail[-1].raw == b'{"b":2}'


def test_oversize_lines_are_skipped_unparsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_jsonl, "READ_LINE_LIMIT", 64)
    path = tmp_path / "e.jsonl"
    path.write_bytes(b'{"a":1}\n' + b'{"p":"' + b"x" * 200 + b'"}\n' + b'{"b":2}\n')
    stats = _jsonl.ScanStats()
    lines = list(_jsonl.iter_lines(str(path), stats=stats))
    assert [ln.problem for ln in lines] == [None, "oversize", None]
    assert lines[2].number == 3 and lines[2].offset == 8 + 209
    fast = _jsonl.ScanStats()
    assert list(_jsonl.iter_records(str(path), fast)) == [{"a": 1}, {"b": 2}]
    assert fast.oversize == 1


def test_missing_file_is_empty_and_gzip_is_read(tmp_path: Path) -> None:
    assert list(_jsonl.iter_lines(str(tmp_path / "none.jsonl"))) == []
    gz = tmp_path / "events.20261124T000000000Z.jsonl.gz"
    gz.write_bytes(gzip.compress(b'{"a":1}\n'))
    assert list(_jsonl.iter_records(str(gz), _jsonl.ScanStats())) == [{"a": 1}]


def test_unreadable_file_raises_io_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"{}\n")
    path.chmod(0)
    with pytest.raises(MetricsIOError):
        list(_jsonl.iter_records(str(path), _jsonl.ScanStats()))


@pytest.mark.parametrize("final_lf", [True, False])
def test_backward_tail_reader(
    tmp_path: Path, final_lf: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_jsonl, "TAIL_BLOCK", 50)  # force several blocks
    path = tmp_path / "e.jsonl"
    body = b"".join(json.dumps({"i": i}).encode() + b"\n" for i in range(40))
    path.write_bytes(body + (b"" if final_lf else b'{"i": 999'))
    assert [r["i"] for r in _jsonl.tail_records(str(path), 3)] == [37, 38, 39]
    odd = _jsonl.tail_records(str(path), 2, lambda r: r["i"] % 2 == 1)
    assert [r["i"] for r in odd] == [37, 39]
    assert len(_jsonl.tail_records(str(path), 100)) == 40


def test_backward_tail_reader_skips_oversize_lines_like_the_forward_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_jsonl, "READ_LINE_LIMIT", 100)
    path = tmp_path / "e.jsonl"
    big = json.dumps({"p": "x" * 200}).encode()
    path.write_bytes(b'{"i": 1}\n' + big + b'\n{"i": 2}\n')
    forward = [ln.record for ln in _jsonl.iter_lines(str(path)) if ln.record]
    assert forward == [{"i": 1}, {"i": 2}]
    assert _jsonl.tail_records(str(path), 5) == forward


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=30), max_size=8))
def test_p3_garbage_between_lines_never_hides_a_valid_line(
    tmp_path_factory: Any, junk: list[bytes]
) -> None:
    path = tmp_path_factory.mktemp("p3") / "e.jsonl"
    good = [json.dumps({"n": i}).encode() for i in range(len(junk) + 1)]
    parts: list[bytes] = []
    for i, g in enumerate(good):
        parts.append(g + b"\n")
        if i < len(junk):
            parts.append(junk[i].replace(b"\n", b" ") + b"\n")
    path.write_bytes(b"".join(parts))
    stats = _jsonl.ScanStats()
    found = [ln.record for ln in _jsonl.iter_lines(str(path), stats=stats) if ln.record]
    for i in range(len(good)):
        assert {"n": i} in found
    assert stats.records + stats.blank + stats.problems == stats.lines


def test_spool_files_are_unique_and_drained_once(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    first = _jsonl.spool_write(str(spool), "events", b'{"a":1}\n')
    second = _jsonl.spool_write(str(spool), "events", b'{"b":2}\n')
    assert first != second
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"a":1}\n')  # a crash between an earlier drain's append and unlink
    assert _jsonl.drain_spool(str(path), str(spool), "events", fsync=False, timeout=1) == 1
    assert path.read_bytes() == b'{"a":1}\n{"b":2}\n'
    assert not spool.exists()  # removed once empty: appends stop listing it


def test_a_spool_writer_recreates_a_directory_a_drain_removed(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    path = tmp_path / "events.jsonl"
    _jsonl.spool_write(str(spool), "events", b'{"a":1}\n')
    _jsonl.spool_write(str(spool), "subagents", b'{"s":1}\n')
    assert _jsonl.drain_spool(str(path), str(spool), "events", fsync=False, timeout=1) == 1
    assert [p.name.split("-")[0] for p in spool.iterdir()] == ["subagents"]  # kept: not empty
    sub = tmp_path / "subagents.jsonl"
    assert _jsonl.drain_spool(str(sub), str(spool), "subagents", fsync=False, timeout=1) == 1
    assert not spool.exists()
    written = _jsonl.spool_write(str(spool), "events", b'{"b":2}\n')
    assert Path(written).read_bytes() == b'{"b":2}\n'
    assert _jsonl.drain_spool(str(path), str(spool), "events", fsync=False, timeout=1) == 1
    assert path.read_bytes() == b'{"a":1}\n{"b":2}\n'


def test_lock_timeout_names_the_file_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§2.3: "… waiting for the lock on .orchestrator/metrics/learnings.jsonl; …"."""
    path = tmp_path / ".orchestrator" / "metrics" / "learnings.jsonl"
    path.parent.mkdir(parents=True)
    holder = _hold_lock(path, 3)
    try:
        monkeypatch.chdir(tmp_path)
        with pytest.raises(LockTimeout) as info:
            _jsonl.append_lines(str(path), b"{}\n", timeout=0.1)
        assert info.value.message == (
            "timed out after 0.1 s waiting for the lock on .orchestrator/metrics/learnings.jsonl;"
            " another sessionkit process is rewriting it"
        )
        (tmp_path / "other").mkdir()
        monkeypatch.chdir(tmp_path / "other")  # not below the working directory: the full path
        with pytest.raises(LockTimeout, match=f"lock on {re.escape(str(path))};"):
            _jsonl.append_lines(str(path), b"{}\n", timeout=0.1)
    finally:
        holder.kill()
        holder.wait()
