"""Guard throughput, import cost and policy-cache cost (guard.md §16.6, ARCHITECTURE.md budgets).

Usage: ``python benchmarks/guard_throughput.py [--seconds 3] [--json PATH]``

- ``check_command`` over every corpus case without a fixture (agent context), in a scratch git
  repository, in whole passes for at least ``--seconds`` after one warm-up pass: commands per
  second as the mean over every pass, the fastest pass and the median pass, each with its ratio
  to the 20,000/s budget and its verdict; then for a third of that time p50 and p99 latency per
  command and the five slowest cases;
- the import time ``sessionkit.policy.guard`` adds (``python -X importtime``) against the
  10 ms budget of §3.4, with a bare-interpreter baseline measured in the same run; the children
  import from a private bytecode cache filled once before timing, as an installed package does;
- a cold rebuild and a warm hit of the compiled-policy cache (§12.8);
- a machine baseline measured in the same run: a bare ``json.loads`` loop over the corpus lines,
  and the guard's cost per command as a multiple of one ``json.loads`` of its line. The budget is
  absolute; the multiple is what stays comparable between machines and between noisy runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "policy" / "corpus.jsonl"
BUDGET_PER_SECOND = 20_000
IMPORT_BUDGET_MS = 10.0


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def scratch_repo(base: Path, *, policy: bool = False) -> Path:
    repo = base / ("policy-repo" if policy else "repo")
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("# bench\n")
    if policy:
        target = repo / ".orchestrator" / "policy"
        target.mkdir(parents=True)
        (target / "guard.yaml").write_text(
            "version: 1\nrules:\n  git-push-force-with-lease: block\n  git-commit-amend: allow\n"
            "paths:\n  artefact-dirs: [generated, 'packages/*/lib']\n"
            "extra-rules:\n  - id: terraform-destroy\n    argv: [terraform, destroy]\n"
            "    reason: tears down shared infrastructure.\n"
        )
        (target / "blocked-commands.json").write_text(
            json.dumps(
                {
                    "version": 1,
                    "rules": [
                        {
                            "id": "git-reset-hard",
                            "pattern": "git reset --hard",
                            "severity": "block",
                        },
                        {
                            "id": "sql-drop-table-upper",
                            "pattern": "DROP TABLE",
                            "severity": "block",
                        },
                    ],
                }
            )
        )
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "bench"], cwd=repo, check=True, env=env)
    return repo


def plain_cases() -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    return [c for c in cases if not c.get("fixture") and c.get("context", "agent") == "agent"]


def _verdict(rate: float) -> str:
    return "meets the budget" if rate >= BUDGET_PER_SECOND else "misses the budget"


def throughput(repo: Path, seconds: float) -> dict[str, Any]:
    """Commands per second over whole corpus passes, then per-command latency.

    The throughput passes time the whole pass only (no clock call per command, whose cost
    would be counted as the guard's). Three statistics over them: the mean (all checks over
    all the time), the fastest pass (the timeit-style minimum: the least disturbed by other
    load on the machine) and the median pass. The latency passes that follow time each
    command for p50, p99 and the slowest cases.
    """
    from sessionkit.policy.guard import check_command

    cases = plain_cases()
    commands = [case["cmd"] for case in cases]
    cwd = str(repo)
    for command in commands:  # warm-up: imports, regexes, repository facts, Guard objects
        check_command(command, cwd=cwd)
    clock = time.perf_counter_ns
    passes: list[int] = []
    deadline = clock() + int(seconds * 1e9)
    while not passes or clock() < deadline:
        t0 = clock()
        for command in commands:
            check_command(command, cwd=cwd)
        passes.append(clock() - t0)
    n = len(commands)
    total = sum(passes) / 1e9
    mean_rate = n * len(passes) / total
    fastest_rate = n / (min(passes) / 1e9)
    median_rate = n / (statistics.median(passes) / 1e9)

    samples: list[int] = []
    per_case: dict[str, list[int]] = {case["id"]: [] for case in cases}
    deadline = clock() + int(seconds / 3 * 1e9)
    while not samples or clock() < deadline:
        for case in cases:
            command = case["cmd"]
            t0 = clock()
            check_command(command, cwd=cwd)
            elapsed = clock() - t0
            samples.append(elapsed)
            per_case[case["id"]].append(elapsed)
    ordered = sorted(samples)
    slowest = sorted(((statistics.median(v) / 1000, k) for k, v in per_case.items()), reverse=True)[
        :5
    ]
    return {
        "cases": n,
        "passes": len(passes),
        "checks": n * len(passes),
        "seconds": round(total, 3),
        "budget_per_second": BUDGET_PER_SECOND,
        "per_second": round(mean_rate),
        "ratio_to_budget": round(mean_rate / BUDGET_PER_SECOND, 3),
        "fastest_pass_per_second": round(fastest_rate),
        "fastest_pass_ratio_to_budget": round(fastest_rate / BUDGET_PER_SECOND, 3),
        "median_pass_per_second": round(median_rate),
        "median_pass_ratio_to_budget": round(median_rate / BUDGET_PER_SECOND, 3),
        "verdict": {
            "mean": _verdict(mean_rate),
            "fastest_pass": _verdict(fastest_rate),
            "median_pass": _verdict(median_rate),
        },
        "latency_checks": len(samples),
        "p50_us": round(ordered[len(ordered) // 2] / 1000, 1),
        "p99_us": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000, 1),
        "slowest": [{"id": k, "median_us": round(us, 1)} for us, k in slowest],
    }


def json_loads_baseline(seconds: float) -> dict[str, Any]:
    """Lines per second of a bare ``json.loads`` loop over the corpus file, fastest of its passes."""
    lines = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    loads = json.loads
    clock = time.perf_counter_ns
    best = None
    deadline = clock() + int(seconds * 1e9)
    while best is None or clock() < deadline:
        t0 = clock()
        for line in lines:
            loads(line)
        elapsed = clock() - t0
        best = elapsed if best is None else min(best, elapsed)
    return {"lines": len(lines), "fastest_pass_per_second": round(len(lines) / (best / 1e9))}


def _child_env(pycache: Path) -> dict[str, str]:
    """The child's environment with a private, writable bytecode cache: an installed package
    imports from compiled bytecode, so ``PYTHONDONTWRITEBYTECODE`` in the caller's environment
    would otherwise time the compiler, not the import."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SESSIONKIT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _importtime(code: str, env: dict[str, str]) -> dict[str, int]:
    """Per-module (self, cumulative) microseconds from ``python -X importtime -c CODE``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    total_self = 0
    guard_cumulative = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line[12:].split("|"))
        total_self += int(self_us)
        if name.strip() == "sessionkit.policy.guard":
            guard_cumulative = int(cumulative_us)
    return {"total_self_us": total_self, "guard_cumulative_us": guard_cumulative}


def import_cost(base: Path, runs: int = 7) -> dict[str, Any]:
    env = _child_env(base / "pycache")
    _importtime("import sessionkit.policy.guard", env)  # fills the bytecode cache
    guard = [_importtime("import sessionkit.policy.guard", env) for _ in range(runs)]
    bare = [_importtime("pass", env) for _ in range(runs)]
    guard_total = statistics.median(g["total_self_us"] for g in guard)
    bare_total = statistics.median(b["total_self_us"] for b in bare)
    added_ms = (guard_total - bare_total) / 1000
    cumulative_ms = statistics.median(g["guard_cumulative_us"] for g in guard) / 1000
    return {
        "runs": runs,
        "bare_interpreter_imports_ms": round(bare_total / 1000, 2),
        "with_guard_imports_ms": round(guard_total / 1000, 2),
        "added_ms": round(added_ms, 2),
        "guard_cumulative_ms": round(cumulative_ms, 2),
        "budget_ms": IMPORT_BUDGET_MS,
        "ratio_to_budget": round(added_ms / IMPORT_BUDGET_MS, 3),
    }


def policy_cache(base: Path, warm_runs: int = 300) -> dict[str, Any]:
    from sessionkit.policy.policyfile import cache_path, load_policy

    repo = scratch_repo(base, policy=True)
    cache = cache_path(str(repo / ".git"))
    assert cache is not None
    cold: list[float] = []
    for _ in range(5):
        if os.path.exists(cache):
            os.unlink(cache)
        t0 = time.perf_counter()
        load_policy(repo)
        cold.append(time.perf_counter() - t0)
    warm: list[float] = []
    for _ in range(warm_runs):
        t0 = time.perf_counter()
        load_policy(repo)
        warm.append(time.perf_counter() - t0)
    return {
        "cold_rebuild_ms": round(statistics.median(cold) * 1000, 2),
        "warm_hit_us": round(statistics.median(warm) * 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--json", dest="json_path", default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    base = Path(tempfile.mkdtemp(prefix="sessionkit-bench-"))
    try:
        result: dict[str, Any] = {
            "python": sys.version.split()[0],
            "imports": import_cost(base),
            "policy_cache": policy_cache(base),
            "throughput": throughput(scratch_repo(base), args.seconds),
            "json_loads": json_loads_baseline(1.0),
        }
        j, t = result["json_loads"], result["throughput"]
        j["guard_cost_in_json_loads"] = round(
            j["fastest_pass_per_second"] / t["fastest_pass_per_second"], 1
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    t, i, p = result["throughput"], result["imports"], result["policy_cache"]
    print(
        f"check_command over {t['cases']} cases, {t['passes']} passes ({t['checks']:,} checks "
        f"in {t['seconds']} s); budget {BUDGET_PER_SECOND:,}/s:"
    )
    for label, key, ratio, verdict in (
        ("mean", "per_second", "ratio_to_budget", "mean"),
        ("fastest pass", "fastest_pass_per_second", "fastest_pass_ratio_to_budget", "fastest_pass"),
        ("median pass", "median_pass_per_second", "median_pass_ratio_to_budget", "median_pass"),
    ):
        print(
            f"  {label:<12} {t[key]:>7,} commands/s, ratio {t[ratio]:.3f}: {t['verdict'][verdict]}"
        )
    print(
        f"  latency p50 {t['p50_us']} us, p99 {t['p99_us']} us ({t['latency_checks']:,} timed checks)"
    )
    print("  slowest: " + ", ".join(f"{s['id']} {s['median_us']} us" for s in t["slowest"]))
    print(
        f"import sessionkit.policy.guard: +{i['added_ms']} ms over a bare interpreter "
        f"({i['bare_interpreter_imports_ms']} ms -> {i['with_guard_imports_ms']} ms; "
        f"cumulative {i['guard_cumulative_ms']} ms); ratio to {IMPORT_BUDGET_MS} ms: "
        f"{i['ratio_to_budget']}"
    )
    j = result["json_loads"]
    print(
        f"machine baseline: json.loads {j['fastest_pass_per_second']:,} corpus lines/s "
        f"(fastest pass); one check costs {j['guard_cost_in_json_loads']} json.loads of a line"
    )
    print(f"policy cache: cold rebuild {p['cold_rebuild_ms']} ms, warm hit {p['warm_hit_us']} us")
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
