"""Benchmarks of the metrics store (ARCHITECTURE performance budgets, metrics.md §9.8).

1. Appends: 8 processes x 2,000 records through ``MetricsStore.append`` against the same
   processes doing ``os.open(O_APPEND)`` + one ``os.write`` + ``os.close`` without a lock,
   measured in the same run; then one writer. Zero lost or torn lines is a hard requirement.
   Budget: locked/unlocked >= 0.25 with 8 writers, >= 0.5 with one.
2. ``stats`` over 1,000,000 events (70 % guard decisions, 20 % gate results, 10 % session and
   wave events) against a bare ``for line in open(p, "rb"): json.loads(line)`` loop.
   Budget: <= 2.0 x.
3. ``emit_event`` on the hook path: median and p95, reported without a pass condition.

Run: ``.venv/bin/python benchmarks/bench_metrics.py [--quick] [--json]``. Exit 1 when a budget
is missed or a record is lost.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CTX = multiprocessing.get_context("spawn")
PAYLOAD_PAD = "x" * 120  # ~230-byte lines, the size of a typical guard decision


def _unlocked_writer(path: str, writer: int, count: int, barrier: Any, out: Any) -> None:
    lines = [
        json.dumps(
            {
                "schema_version": 1,
                "timestamp": "2026-11-24T10:15:30.123Z",
                "event": "bench.append.done",
                "session_id": None,
                "writer": writer,
                "seq": seq,
                "pad": PAYLOAD_PAD,
            },
            separators=(",", ":"),
        ).encode()
        + b"\n"
        for seq in range(count)
    ]
    barrier.wait()
    start = time.time()
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    for line in lines:
        fd = os.open(path, flags, 0o644)
        os.write(fd, line)
        os.close(fd)
    out.put((start, time.time()))


def _flock_writer(path: str, writer: int, count: int, barrier: Any, out: Any) -> None:
    """Reference point from the issue: a bare flock plus the torn-tail check, nothing else."""
    import fcntl

    line = (
        json.dumps({"event": "bench.append.done", "writer": writer, "pad": PAYLOAD_PAD}).encode()
        + b"\n"
    )
    barrier.wait()
    start = time.time()
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT
    for _ in range(count):
        fd = os.open(path, flags, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size:
            os.pread(fd, 1, size - 1)
        os.write(fd, line)
        os.close(fd)
    out.put((start, time.time()))


def _store_writer(root: str, writer: int, count: int, barrier: Any, out: Any) -> None:
    from sessionkit.metrics.settings import Settings
    from sessionkit.metrics.store import MetricsStore

    store = MetricsStore(root, metrics_dir=root, settings=Settings())
    store.append("events", {"event": "bench.append.warmup", "writer": writer})  # imports, caches
    barrier.wait()
    start = time.time()
    append = store.append
    for seq in range(count):
        append(
            "events",
            {"event": "bench.append.done", "writer": writer, "seq": seq, "pad": PAYLOAD_PAD},
        )
    out.put((start, time.time()))


def _run_writers(target: Any, where: str, writers: int, count: int) -> float:
    """Records per second from the first start to the last finish."""
    barrier = CTX.Barrier(writers)
    out = CTX.Queue()
    procs = [
        CTX.Process(target=target, args=(where, w, count, barrier, out)) for w in range(writers)
    ]
    for p in procs:
        p.start()
    spans = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"writer exited with {p.exitcode}")
    elapsed = max(e for _, e in spans) - min(s for s, _ in spans)
    return writers * count / elapsed


def _verify(path: Path, writers: int, count: int) -> dict[str, int]:
    seen: set[tuple[int, int]] = set()
    torn = duplicates = 0
    data = path.read_bytes()
    for raw in data.split(b"\n")[:-1]:
        try:
            record = json.loads(raw)
        except ValueError:
            torn += 1
            continue
        if record.get("event") != "bench.append.done":
            continue
        key = (record["writer"], record["seq"])
        duplicates += key in seen
        seen.add(key)
    lost = writers * count - len(seen)
    return {
        "lost": lost,
        "torn": torn + (0 if data.endswith(b"\n") else 1),
        "duplicates": duplicates,
    }


def bench_appends(writers: int, count: int, repeats: int) -> dict[str, Any]:
    ratios: list[float] = []
    flock_ratios: list[float] = []
    locked_rates: list[float] = []
    unlocked_rates: list[float] = []
    integrity = {"lost": 0, "torn": 0, "duplicates": 0}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "plain.jsonl"
            store_root = Path(tmp) / "store"
            unlocked = _run_writers(_unlocked_writer, str(plain), writers, count)
            bare_flock = _run_writers(_flock_writer, str(Path(tmp) / "flock.jsonl"), writers, count)
            locked = _run_writers(_store_writer, str(store_root), writers, count)
            result = _verify(store_root / "events.jsonl", writers, count)
            for key in integrity:
                integrity[key] += result[key]
        unlocked_rates.append(unlocked)
        locked_rates.append(locked)
        ratios.append(locked / unlocked)
        flock_ratios.append(bare_flock / unlocked)
    return {
        "writers": writers,
        "records_per_writer": count,
        "unlocked_per_s": round(statistics.median(unlocked_rates)),
        "store_per_s": round(statistics.median(locked_rates)),
        "ratio": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "bare_flock_ratio": round(statistics.median(flock_ratios), 3),
        **integrity,
    }


def _event(rng: random.Random, i: int) -> dict[str, Any]:
    roll = rng.randrange(100)
    ts = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}.{i % 1000:03d}Z"
    base: dict[str, Any] = {
        "schema_version": 1,
        "timestamp": ts,
        "session_id": f"main-2026-11-24-feature-{i % 50}",
    }
    if roll < 70:
        rule = rng.choice(["git-reset-hard", "git-stash-any", "rm-rf-root", "scope.outside"])
        action = rng.choice(["block", "warn", "warn", "ask"])
        base.update(
            event="sessionkit.guard.decision",
            platform="claude",
            source="sessionkit-hook",
            action=action,
            tool_name="Bash",
            findings=[
                {"check": "destructive", "rule_id": rule, "action": action, "target": "git reset"}
            ],
            command_sha256="5d41402abc4b2a76",
            duration_ms=12.5,
        )
    elif roll < 90:
        status = rng.choice(["pass", "pass", "pass", "fail", "error"])
        base.update(
            event="sessionkit.gate.result",
            variant=rng.choice(["full-gate", "incremental"]),
            status=status,
            exit_code={"pass": 0, "fail": 1, "error": 3}[status],
            fail_on="fail",
            duration_s=41.2,
            checks={"test": {"status": status, "duration_s": 40.0, "required": True}},
        )
    else:
        base.update(event="sessionkit.wave.started", wave=1 + i % 5, role="Impl-Core")
    return base


def bench_stats(events: int, repeats: int) -> dict[str, Any]:
    from sessionkit.metrics.settings import Settings
    from sessionkit.metrics.store import MetricsStore

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rng = random.Random(42)
        with open(root / "events.jsonl", "wb") as handle:
            chunk: list[bytes] = []
            for i in range(events):
                chunk.append(json.dumps(_event(rng, i), separators=(",", ":")).encode() + b"\n")
                if len(chunk) == 10_000:
                    handle.write(b"".join(chunk))
                    chunk = []
            handle.write(b"".join(chunk))
        size = (root / "events.jsonl").stat().st_size
        bare: list[float] = []
        ours: list[float] = []
        document: dict[str, Any] = {}
        for _ in range(repeats):
            started = time.perf_counter()
            loads = json.loads
            with open(root / "events.jsonl", "rb") as handle:
                for line in handle:
                    loads(line)
            bare.append(time.perf_counter() - started)
            store = MetricsStore(root, metrics_dir=root, settings=Settings())
            started = time.perf_counter()
            document = store.stats().document
            ours.append(time.perf_counter() - started)
        scanned = document["scan"]["events"]["records"]
        if scanned != events:
            raise SystemExit(f"stats read {scanned} of {events} events")
    ratios = [o / b for o, b in zip(ours, bare)]
    return {
        "events": events,
        "file_mb": round(size / 1e6, 1),
        "bare_json_loads_s": round(statistics.median(bare), 3),
        "stats_s": round(statistics.median(ours), 3),
        "ratio": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "gates_runs": document["gates"]["runs"],
    }


def bench_hook_emit(count: int) -> dict[str, Any]:
    """``emit_event`` as the agent hook calls it (reported; no pass condition)."""
    from sessionkit.metrics.events import emit_event

    with tempfile.TemporaryDirectory() as tmp:
        timings = []
        payload = {
            "action": "block",
            "findings": [
                {
                    "check": "destructive",
                    "rule_id": "git-reset-hard",
                    "action": "block",
                    "target": "x",
                }
            ],
            "tool_name": "Bash",
        }
        for _ in range(count):
            started = time.perf_counter()
            result = emit_event(
                tmp, "sessionkit.guard.decision", payload, metrics_dir=tmp, source="sessionkit-hook"
            )
            timings.append(time.perf_counter() - started)
            if result["action"] != "appended":
                raise SystemExit(f"hook emit failed: {result}")
    timings.sort()
    return {
        "calls": count,
        "median_ms": round(statistics.median(timings) * 1000, 3),
        "p95_ms": round(timings[int(0.95 * len(timings))] * 1000, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-stats", action="store_true")
    args = parser.parse_args(argv)
    count = 200 if args.quick else 2_000
    n_events = 20_000 if args.quick else 1_000_000
    report: dict[str, Any] = {
        "append_8": bench_appends(8, count, args.repeats),
        "append_1": bench_appends(1, count, args.repeats),
    }
    report["hook_emit"] = bench_hook_emit(200 if args.quick else 2_000)
    if not args.skip_stats:
        report["stats"] = bench_stats(n_events, args.repeats)
    failures = []
    for key, floor in (("append_8", 0.25), ("append_1", 0.5)):
        entry = report[key]
        if entry["lost"] or entry["torn"] or entry["duplicates"]:
            failures.append(f"{key}: lost/torn/duplicate records {entry}")
        if entry["ratio"] < floor:
            failures.append(f"{key}: ratio {entry['ratio']} below {floor}")
    if "stats" in report and report["stats"]["ratio"] > 2.0:
        failures.append(f"stats: ratio {report['stats']['ratio']} above 2.0")
    report["failures"] = failures
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
