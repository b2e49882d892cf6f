"""Append throughput of the metrics store against unlocked appends (metrics.md §9.8).

The same writer processes (started with ``spawn``, released together through a barrier) run,
in every round and in this order:

1. ``unlocked``: each record ``os.open(O_APPEND)`` + one ``os.write`` + ``os.close``, with
   the record's line built beforehand (the baseline of the budget);
2. ``bare-flock``: the same, holding ``flock`` and checking the last byte (the issue's
   reference point for what locking alone costs; reported, no budget);
3. ``required-calls``: only the system calls the specification requires of a store append,
   on a descriptor kept open and with the line built beforehand (``access`` of ``spool/``,
   ``flock``, the revalidating ``stat``, the torn-tail ``pread`` unless the file still ends
   where this writer left it, ``write``, unlock; file and ``spool/`` resolved from a
   descriptor of the directory, as the store does): the floor of ``store`` in Python
   (reported, no budget);
4. ``store``: ``MetricsStore.append("events", draft)`` with ``fsync: auto``.

Throughput of a phase is all records over the time from the first writer's start to the last
writer's finish. Afterwards every file is read back: each ``(writer, seq)`` exactly once, every
line parses, the file ends with LF (zero lost or torn lines is a hard requirement).

Budget: store / unlocked >= 0.25 with 8 writers and >= 0.5 with one (median of the rounds).

Run: ``.venv/bin/python -m compileall -q src && .venv/bin/python
benchmarks/bench_metrics_append.py [--writers 8 1] [--count 2000] [--rounds 5]
[--record flat|nested] [--json]``. Exit 1 when a budget is missed or a record is lost.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CTX = multiprocessing.get_context("spawn")
PHASES = ("unlocked", "bare-flock", "required-calls", "store")
BUDGETS = {8: 0.25, 1: 0.5}
PAD = "x" * 120  # ~230-byte lines, the size of a typical guard decision


def _draft(kind: str, writer: int, seq: int) -> dict[str, Any]:
    if kind == "nested":  # shaped like a guard decision: a nested payload
        return {
            "event": "bench.append.nested",
            "action": "warn",
            "findings": [
                {
                    "check": "destructive",
                    "rule_id": "git-stash-any",
                    "action": "warn",
                    "target": "x",
                }
            ],
            "writer": writer,
            "seq": seq,
        }
    return {"event": "bench.append.done", "writer": writer, "seq": seq, "pad": PAD}


def _line(kind: str, writer: int, seq: int) -> bytes:
    """The line the store would write for the same draft (same size, pre-encoded)."""
    draft = _draft(kind, writer, seq)
    record = {
        "schema_version": 1,
        "timestamp": "2026-11-24T10:15:30.123Z",
        "event": draft.pop("event"),
        "session_id": None,
        **draft,
    }
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _worker(
    tmp: str, writer: int, count: int, rounds: int, kind: str, barrier: Any, out: Any
) -> None:
    import fcntl

    from sessionkit.metrics.settings import Settings
    from sessionkit.metrics.store import MetricsStore

    lines = [_line(kind, writer, seq) for seq in range(count)]
    drafts = [_draft(kind, writer, seq) for seq in range(count)]
    wflags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    lflags = os.O_RDWR | os.O_APPEND | os.O_CREAT
    for r in range(rounds):
        plain = os.path.join(tmp, f"plain-{r}.jsonl")
        flocked = os.path.join(tmp, f"flock-{r}.jsonl")
        root = os.path.join(tmp, f"store-{r}")
        store = MetricsStore(root, metrics_dir=root, settings=Settings())  # fsync: auto
        spans: dict[str, tuple[float, float]] = {}

        barrier.wait()
        start = time.time()
        for line in lines:
            fd = os.open(plain, wflags, 0o644)
            os.write(fd, line)
            os.close(fd)
        spans["unlocked"] = (start, time.time())

        barrier.wait()
        start = time.time()
        for line in lines:
            fd = os.open(flocked, lflags, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            os.write(fd, line)
            os.close(fd)
        spans["bare-flock"] = (start, time.time())

        required = os.path.join(tmp, f"required-{r}")
        os.makedirs(required, exist_ok=True)
        dfd = os.open(required, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fd = os.open("events.jsonl", lflags | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644, dir_fd=dfd)
        end = -1
        barrier.wait()
        start = time.time()
        for line in lines:
            os.access("spool", os.F_OK, dir_fd=dfd)
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.stat("events.jsonl", dir_fd=dfd, follow_symlinks=False).st_size
            if size != end and size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            os.write(fd, line)
            end = size + len(line)
            fcntl.flock(fd, fcntl.LOCK_UN)
        spans["required-calls"] = (start, time.time())
        os.close(fd)
        os.close(dfd)

        append = store.append
        barrier.wait()
        start = time.time()
        for draft in drafts:
            append("events", dict(draft))
        spans["store"] = (start, time.time())
        out.put((r, writer, spans))


def _verify(path: Path, writers: int, count: int, field: str = "seq") -> dict[str, int]:
    data = path.read_bytes()
    seen: set[tuple[int, int]] = set()
    torn = duplicates = 0
    for raw in data.split(b"\n")[:-1]:
        try:
            record = json.loads(raw)
        except ValueError:
            torn += 1
            continue
        key = (record["writer"], record[field])
        duplicates += key in seen
        seen.add(key)
    return {
        "lost": writers * count - len(seen),
        "torn": torn + (0 if data.endswith(b"\n") else 1),
        "duplicates": duplicates,
    }


def run(writers: int, count: int, rounds: int, kind: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-append-") as tmp:
        barrier = CTX.Barrier(writers)
        out = CTX.Queue()
        procs = [
            CTX.Process(target=_worker, args=(tmp, w, count, rounds, kind, barrier, out))
            for w in range(writers)
        ]
        for p in procs:
            p.start()
        results = [out.get(timeout=900) for _ in range(writers * rounds)]
        for p in procs:
            p.join()
            if p.exitcode != 0:
                raise SystemExit(f"writer exited with {p.exitcode}")
        rates: dict[str, list[float]] = {phase: [] for phase in PHASES}
        for r in range(rounds):
            for phase in PHASES:
                spans = [s[phase] for rr, _w, s in results if rr == r]
                elapsed = max(e for _, e in spans) - min(b for b, _ in spans)
                rates[phase].append(writers * count / elapsed)
        integrity = {"lost": 0, "torn": 0, "duplicates": 0}
        for r in range(rounds):
            for path in (
                Path(tmp, f"store-{r}", "events.jsonl"),
                Path(tmp, f"plain-{r}.jsonl"),
                Path(tmp, f"flock-{r}.jsonl"),
                Path(tmp, f"required-{r}", "events.jsonl"),
            ):
                for key, value in _verify(path, writers, count).items():
                    integrity[key] += value
    ratios = [s / u for s, u in zip(rates["store"], rates["unlocked"])]
    flock_ratios = [f / u for f, u in zip(rates["bare-flock"], rates["unlocked"])]
    required_ratios = [f / u for f, u in zip(rates["required-calls"], rates["unlocked"])]
    return {
        "writers": writers,
        "records_per_writer": count,
        "rounds": rounds,
        "record": kind,
        "unlocked_per_s": round(statistics.median(rates["unlocked"])),
        "store_per_s": round(statistics.median(rates["store"])),
        "ratio": round(statistics.median(ratios), 3),
        "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
        "bare_flock_ratio": round(statistics.median(flock_ratios), 3),
        "bare_flock_range": [round(min(flock_ratios), 3), round(max(flock_ratios), 3)],
        "required_calls_ratio": round(statistics.median(required_ratios), 3),
        "required_calls_range": [round(min(required_ratios), 3), round(max(required_ratios), 3)],
        "budget": BUDGETS.get(writers),
        **integrity,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[8, 1])
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--record", choices=("flat", "nested"), default="flat")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    report = [run(w, args.count, args.rounds, args.record) for w in args.writers]
    failures = []
    for entry in report:
        if entry["lost"] or entry["torn"] or entry["duplicates"]:
            failures.append(f"{entry['writers']} writers: lost/torn/duplicate lines {entry}")
        budget = entry["budget"]
        if budget is not None and entry["ratio"] < budget:
            failures.append(f"{entry['writers']} writers: ratio {entry['ratio']} below {budget}")
    if args.json:
        print(json.dumps({"append": report, "failures": failures}, indent=2))
    else:
        for entry in report:
            print(
                f"{entry['writers']} writer(s) x {entry['records_per_writer']} ({entry['record']}"
                f" records, {entry['rounds']} rounds): store/unlocked {entry['ratio']} "
                f"(range {entry['ratio_range'][0]}-{entry['ratio_range'][1]}, budget "
                f"{entry['budget']}); bare flock {entry['bare_flock_ratio']} "
                f"(range {entry['bare_flock_range'][0]}-{entry['bare_flock_range'][1]}); "
                f"required calls {entry['required_calls_ratio']} (range "
                f"{entry['required_calls_range'][0]}-{entry['required_calls_range'][1]}); "
                f"unlocked {entry['unlocked_per_s']:,}/s, store {entry['store_per_s']:,}/s; "
                f"lost {entry['lost']}, torn {entry['torn']}, duplicates {entry['duplicates']}"
            )
        for failure in failures:
            print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
