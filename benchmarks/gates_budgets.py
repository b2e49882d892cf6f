"""Gate performance budgets (gates.md §13.7), reported as ratios to baselines measured in the
same run on the same machine.

Run: ``.venv/bin/python benchmarks/bench_gates.py [--quick] [--json]``. Not a unit test: the
numbers are printed, and the exit status says only whether the benchmark itself could run.

1. orchestration overhead: ``run_gates`` over three checks that each sleep, against the sum of
   the same commands' direct wall times (budget ≤ 1.05 × sum + 0.5 s);
2. parsing and fingerprinting a log of ruff-concise findings, against one compiled regex
   applied to every line of the same file (budget ≤ 3 ×);
3. the baseline diff of 100,000 current against 100,000 baseline findings (budget ≤ 0.5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sessionkit.gates.baseline import diff_check
from sessionkit.gates.engine import run_gates
from sessionkit.gates.execute import make_findings
from sessionkit.gates.model import CheckResult, Finding, ResolvedCommand
from sessionkit.gates.parsers.ansi import normalise
from sessionkit.gates.parsers.pipeline import measure


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def orchestration(sleep_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        git(repo, "init", "-q")
        command = [sys.executable, "-c", f"import time; time.sleep({sleep_s})"]
        policy = {
            "version": 2,
            "commands": {name: {"command": command} for name in ("lint", "typecheck", "test")},
        }
        (repo / ".orchestrator" / "policy").mkdir(parents=True)
        (repo / ".orchestrator" / "policy" / "quality-gates.json").write_text(json.dumps(policy))
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "b")
        direct = 0.0
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(command, check=True)
            direct += time.perf_counter() - started
        os.environ["SESSIONKIT_NO_METRICS"] = "1"
        started = time.perf_counter()
        result = run_gates("full-gate", str(repo), baseline="none")
        gate = time.perf_counter() - started
        assert [c.status for c in result.checks] == ["pass"] * 3, [c.status for c in result.checks]
    budget = 1.05 * direct + 0.5
    return {
        "gate_s": round(gate, 3),
        "direct_sum_s": round(direct, 3),
        "budget_s": round(budget, 3),
        "ratio_to_budget": round(gate / budget, 3),
        "ok": gate <= budget,
    }


def parsing(findings: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = 1000
        for n in range(files):
            path = root / "src" / f"m{n}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                "".join(
                    f"import mod_{n}_{line}  # padding to make the line longer\n"
                    for line in range(200)
                )
            )
        filler = "x" * 380
        lines = [
            f"src/m{i % files}.py:{i % 200 + 1}:8: F401 [*] `mod_{i % files}_{i % 200}` imported but unused {filler}{i}\n"
            for i in range(findings)
        ]
        log = root / "lint.log"
        log.write_text("".join(lines) + f"Found {findings} errors.\n")
        size_mib = log.stat().st_size / 2**20
        pattern = re.compile(
            r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+)(?: \[\*\])? (?P<msg>.*)$"
        )
        started = time.perf_counter()
        with open(log, encoding="utf-8") as f:
            matched = sum(1 for line in f if pattern.match(line))
        bare = time.perf_counter() - started
        assert matched == findings
        started = time.perf_counter()
        text = normalise(log.read_bytes())
        outcome = measure(
            kind="lint",
            stdout=text,
            stderr="",
            root=str(root),
            cwd=".",
            exit_code=1,
            identified_tool="ruff",
            is_tracked=lambda p: True,
        )
        result = make_findings(outcome, "lint", str(root))
        ours = time.perf_counter() - started
        assert len(result) == findings and len({f.fingerprint for f in result}) == findings
    return {
        "log_mib": round(size_mib, 1),
        "findings": findings,
        "bare_regex_s": round(bare, 3),
        "parse_and_fingerprint_s": round(ours, 3),
        "ratio": round(ours / bare, 2),
        "ok": ours <= 3 * bare,
    }


def diffing(count: int) -> dict[str, Any]:
    current = [
        Finding(
            "ruff",
            "F401",
            "error",
            f"src/m{n % 1000}.py",
            n % 200 + 1,
            1,
            f"message {n}",
            f"{n:032x}",
            "lint",
        )
        for n in range(count)
    ]
    baseline = {
        "status": "fail",
        "parsers": ["ruff-json"],
        "findings": [
            {
                "fingerprint": f"{n + count // 10:032x}",
                "tool": "ruff",
                "rule": "F401",
                "severity": "error",
                "path": f"src/m{n % 1000}.py",
                "message": "m",
            }
            for n in range(count)
        ],
    }
    check = CheckResult(
        name="lint",
        kind="lint",
        required=True,
        blocking=False,
        command=ResolvedCommand("policy", None, "ruff", ("ruff",), "argv", ".", 900),
        status="fail",
        status_reason="exit-code",
        parsers=("ruff-json",),
        measurement="structured",
    )
    started = time.perf_counter()
    regression, classification = diff_check(
        check,
        baseline,
        findings=current,
        passed_ids=(),
        enumerates_passing=False,
        scope=None,
        block_on="error",
    )
    took = time.perf_counter() - started
    assert len(regression.new) == count // 10 and len(classification) == count
    return {"findings": count, "diff_s": round(took, 3), "budget_s": 0.5, "ok": took <= 0.5}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller inputs (1 s sleeps, 20,000 findings)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {
        "orchestration": orchestration(1.0 if args.quick else 2.0),
        "parsing": parsing(20_000 if args.quick else 100_000),
        "baseline_diff": diffing(100_000),
    }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for name, values in results.items():
            print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
