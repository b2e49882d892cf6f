"""Child-process bodies of the concurrency tests (importable under the ``spawn`` start method).

Every record a writer appends carries ``writer``, ``seq`` and the SHA-256 of its random padding,
so the parent can check that each accepted record is present exactly once and intact.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from sessionkit.metrics import _jsonl
from sessionkit.metrics.errors import RecordTooLarge
from sessionkit.metrics.settings import MetricsSettings, RotationSettings, Settings
from sessionkit.metrics.store import MetricsStore


def make_store(
    root: str,
    *,
    max_line_bytes: int = 65_536,
    fsync: str = "auto",
    rotate_bytes: int | None = None,
    keep: int = 10,
    clock: Any = None,
    lock_timeout_s: float = 10.0,
) -> MetricsStore:
    rotation = {
        "events": RotationSettings(rotate_bytes is not None, rotate_bytes or 10 << 20, keep),
        "subagents": RotationSettings(True, 10 << 20, 5),
    }
    settings = Settings(
        metrics=MetricsSettings(
            max_line_bytes=max_line_bytes,
            fsync=fsync,
            rotation=rotation,
            lock_timeout_s=lock_timeout_s,
        )
    )
    return MetricsStore(root, metrics_dir=root, settings=settings, clock=clock)


def padded_event(writer: int, seq: int, padding: str) -> dict[str, Any]:
    return {
        "event": "test.concurrency.append",
        "writer": writer,
        "seq": seq,
        "sha256": hashlib.sha256(padding.encode()).hexdigest(),
        "padding": padding,
    }


def append_writer(
    root: str,
    writer: int,
    count: int,
    max_line_bytes: int,
    fsync: str,
    rotate_bytes: int | None,
    keep: int,
    seed: int,
    barrier: Any,
    results: Any,
) -> None:
    """Append ``count`` events with random paddings from 0 bytes up to the line cap.

    5 % of the records are exactly at the cap and 1 % one byte above it (refused with
    ``RecordTooLarge``). Padding lengths and contents come from ``seed`` and the writer number,
    so each round of a test writes different records. Reports the accepted and refused
    sequence numbers and the wall-clock span of the appends.
    """
    store = make_store(
        root, max_line_bytes=max_line_bytes, fsync=fsync, rotate_bytes=rotate_bytes, keep=keep
    )
    rng = random.Random(seed * 1_000_003 + writer * 7919)
    accepted: list[int] = []
    refused: list[int] = []
    barrier.wait()
    started = time.time()
    for seq in range(count):
        room = max_line_bytes - len(store.prepare("events", padded_event(writer, seq, ""))[0])
        roll = rng.random()
        if roll < 0.05:
            size = room  # exactly at the cap
        elif roll < 0.06:
            size = room + 1  # one byte above
        else:
            size = rng.randint(0, room)
        padding = rng.randbytes((size + 1) // 2).hex()[:size]
        try:
            store.append("events", padded_event(writer, seq, padding))
            accepted.append(seq)
        except RecordTooLarge:
            refused.append(seq)
    results.put((writer, accepted, refused, (started, time.time())))


def thread_writer(
    root: str, writer: int, threads: int, count: int, barrier: Any, results: Any
) -> None:
    """Several threads of one process appending at once (separate open file descriptions)."""
    import threading

    store = make_store(root)
    accepted: list[int] = []
    lock = threading.Lock()

    def run(t: int) -> None:
        for i in range(count):
            seq = t * count + i
            store.append("events", padded_event(writer, seq, "t" * (seq % 300)))
            with lock:
                accepted.append(seq)

    barrier.wait()
    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    results.put((writer, accepted, [], (0.0, 0.0)))


def stop_at_fault(root: str, point: str, size: int, ready: Any) -> None:
    """Append one record and block forever at fault ``point`` (the parent SIGKILLs us)."""

    def fault(name: str) -> None:
        if name == point:
            ready.send(name)
            time.sleep(3600)

    _jsonl._FAULT = fault
    store = make_store(root)
    store.append("events", padded_event(0, 0, "k" * size))


def learnings_adder(
    root: str, writer: int, count: int, lock_timeout_s: float, barrier: Any, results: Any
) -> None:
    """Add learnings with unique subjects; a third of them are born expired."""
    now = datetime.now(timezone.utc)
    clock_now = {"t": now}
    store = make_store(root, clock=lambda: clock_now["t"], lock_timeout_s=lock_timeout_s)
    ids: list[tuple[str, bool]] = []
    barrier.wait()
    for i in range(count):
        expired = i % 3 == 0
        clock_now["t"] = now - timedelta(days=400) if expired else now
        result = store.learnings.add(
            "fragile-file", f"w{writer}-subject-{i}", "insight", session=f"s-{writer}"
        )
        ids.append((result.id, expired))
    results.put(("adder", writer, ids))


def pruner(root: str, rounds: int, lock_timeout_s: float, barrier: Any, results: Any) -> None:
    store = make_store(root, lock_timeout_s=lock_timeout_s)
    barrier.wait()
    for _ in range(rounds):
        store.learnings.prune(grace_days=0, dry_run=False)
    results.put(("pruner", 0, []))


def confirmer(
    root: str, rounds: int, seed: int, lock_timeout_s: float, barrier: Any, results: Any
) -> None:
    """Confirm random live learnings while the others add and prune."""
    store = make_store(root, lock_timeout_s=lock_timeout_s)
    rng = random.Random(seed)
    barrier.wait()
    done = 0
    for n in range(rounds):
        live = [r for r in store.learnings.list() if isinstance(r.get("id"), str)]
        if not live:
            time.sleep(0.01)
            continue
        target = rng.choice(live)
        try:
            store.learnings.confirm(str(target["id"]), session=f"confirm-{n}")
            done += 1
        except Exception as exc:  # archived meanwhile by a prune: allowed
            if "LearningNotFound" not in type(exc).__name__:
                raise
    results.put(("confirmer", done, []))


def state_incrementer(repo: str, count: int, barrier: Any, results: Any) -> None:
    """Increment the extension key ``counter`` of STATE.md ``count`` times (spec C8)."""
    from sessionkit import state

    def bump(st: state.State | None) -> state.State | None:
        assert st is not None
        st.frontmatter["x-counter"] = int(st.frontmatter.get("x-counter") or 0) + 1
        return st

    barrier.wait()
    for _ in range(count):
        state.update(repo, bump)
    results.put(("incrementer", count, []))


def lock_holder(path: str, seconds: float, ready: Any) -> None:
    with _jsonl.LockedFile(path, timeout=None):
        ready.send("locked")
        time.sleep(seconds)


if __name__ == "__main__":  # pragma: no cover - manual debugging
    print(sys.argv)
    print(os.getpid())


def prune_stopped_at(root: str, point: str, ready: Any) -> None:
    """Run ``learnings prune --apply --grace-days 0`` and block at rewrite fault ``point``."""

    def fault(name: str) -> None:
        if name == point:
            ready.send(name)
            time.sleep(3600)

    _jsonl._FAULT = fault
    make_store(root).learnings.prune(grace_days=0, dry_run=False)
