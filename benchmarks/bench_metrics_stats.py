"""``metrics stats`` over 1,000,000 events against a bare ``json.loads`` loop (metrics.md §5.3).

The file holds a realistic name mix (70 % guard decisions, 20 % gate results, 10 % session and
wave events). Both loops run ``--rounds`` times over the same file, alternating; the budget is
on the median ratio: ``MetricsStore.stats()`` <= 2.0 x ``for line in open(p, "rb"):
json.loads(line)``.

Run: ``.venv/bin/python -m compileall -q src && .venv/bin/python
benchmarks/bench_metrics_stats.py [--events N] [--rounds 3] [--json]``. Exit 1 above budget.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BUDGET = 2.0


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    report = bench_stats(args.events, args.rounds)
    failures = [] if report["ratio"] <= BUDGET else [f"ratio {report['ratio']} above {BUDGET}"]
    if args.json:
        print(json.dumps({"stats": report, "failures": failures}, indent=2))
    else:
        print(f"stats: {report}")
        for failure in failures:
            print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
