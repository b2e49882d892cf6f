"""``emit_event`` on the agent hook's path, warm file system (metrics.md §9.8).

Two measures, both reported without a pass condition:

- ``hook_emit``: one call after another in this process (median and p95; well under 1 ms);
- ``hook_process``: what the hook pays, a fresh interpreter importing
  ``sessionkit.metrics.events`` and writing one event, against a bare ``python -c pass``
  started alternately with it: wall and CPU (user + system) medians over ``--processes``
  runs each, without and with an active STATE.md (whose session id every event carries).

Run: ``.venv/bin/python -m compileall -q src && .venv/bin/python
benchmarks/bench_metrics_hook_emit.py [--calls 2000] [--processes 30] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HOOK_CHILD = """
import sys
from sessionkit.metrics.events import emit_event
out = emit_event(sys.argv[1], "sessionkit.guard.decision",
                 {"action": "block", "tool_name": "Bash", "findings": [{"check": "destructive",
                  "rule_id": "git-reset-hard", "action": "block", "target": "x"}]},
                 metrics_dir=sys.argv[1], source="sessionkit-hook", platform="claude")
sys.exit(out["action"] != "appended")
"""


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


def _child(code: str, root: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, root], check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def bench_hook_process(count: int) -> dict[str, Any]:
    """A fresh hook-like process writing one event, minus a bare interpreter (alternating)."""
    out: dict[str, Any] = {"processes": count}
    with tempfile.TemporaryDirectory() as tmp:
        for label, active in (("no_state", False), ("active_state", True)):
            root = os.path.join(tmp, label)
            os.makedirs(root)
            if active:
                Path(root, ".claude").mkdir()
                Path(root, ".claude", "STATE.md").write_text(
                    "---\nschema-version: 1\nsession: s-1\nstatus: active\n"
                    "branch: main\ncurrent-wave: 2\ntop-priorities: [a, b]\n---\n# body\n"
                )
            bare: list[tuple[float, float]] = []
            emit: list[tuple[float, float]] = []
            for _ in range(count):
                bare.append(_child("pass", root))
                emit.append(_child(HOOK_CHILD, root))
            bare_wall = statistics.median(w for w, _ in bare)
            bare_cpu = statistics.median(c for _, c in bare)
            emit_wall = statistics.median(w for w, _ in emit)
            emit_cpu = statistics.median(c for _, c in emit)
            out[label] = {
                "bare_wall_ms": round(bare_wall * 1000, 2),
                "emit_wall_ms": round(emit_wall * 1000, 2),
                "extra_wall_ms": round((emit_wall - bare_wall) * 1000, 2),
                "bare_cpu_ms": round(bare_cpu * 1000, 2),
                "emit_cpu_ms": round(emit_cpu * 1000, 2),
                "extra_cpu_ms": round((emit_cpu - bare_cpu) * 1000, 2),
            }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--processes", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    report = {
        "hook_emit": bench_hook_emit(args.calls),
        "hook_process": bench_hook_process(args.processes),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
