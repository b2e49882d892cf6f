"""Compression of rotated segments when several processes compress at once (metrics.md §2.7)."""

from __future__ import annotations

import gzip
import multiprocessing
from pathlib import Path
from typing import Any

from sessionkit.metrics import rotation

CTX = multiprocessing.get_context("spawn")


def _segment(root: Path, n: int = 2000) -> tuple[Path, bytes]:
    data = b"".join(b'{"schema_version":1,"n":%d}\n' % i for i in range(n))
    segment = root / "events.20261124T000000000Z.jsonl"
    segment.write_bytes(data)
    return segment, data


def test_a_segment_compressed_by_another_process_is_not_an_error(tmp_path: Path) -> None:
    segment, data = _segment(tmp_path)
    target = rotation.compress_segment(str(segment))  # the winner
    assert not segment.exists()
    # The loser listed the segment before the winner unlinked it.
    assert rotation.compress_segment(str(segment)) == target
    assert gzip.decompress(Path(target).read_bytes()) == data
    assert sorted(p.name for p in tmp_path.iterdir()) == [Path(target).name]


def _compress(segment: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        results.put(("ok", rotation.compress_segment(segment)))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(("error", repr(exc)))


def test_processes_compressing_the_same_segment_all_succeed(tmp_path: Path) -> None:
    for round_ in range(8):
        root = tmp_path / str(round_)
        root.mkdir()
        segment, data = _segment(root, 5000)
        barrier, results = CTX.Barrier(4), CTX.Queue()
        procs = [
            CTX.Process(target=_compress, args=(str(segment), barrier, results)) for _ in range(4)
        ]
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(30)
        assert outcomes == [("ok", str(segment) + ".gz")] * 4
        assert gzip.decompress(Path(str(segment) + ".gz").read_bytes()) == data
        assert sorted(p.name for p in root.iterdir()) == [segment.name + ".gz"]
