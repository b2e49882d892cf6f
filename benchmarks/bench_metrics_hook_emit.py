"""``emit_event`` on the agent hook's path, warm file system (metrics.md §9.8).

Reported (median and p95), no pass condition; expected well under 1 ms.

Run: ``.venv/bin/python -m compileall -q src && .venv/bin/python
benchmarks/bench_metrics_hook_emit.py [--calls 2000] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from typing import Any


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
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    report = bench_hook_emit(args.calls)
    print(json.dumps({"hook_emit": report}, indent=2) if args.json else f"hook_emit: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
