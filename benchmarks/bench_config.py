"""Session Config performance budgets (config.md §16), reported as ratios to baselines.

Run: ``.venv/bin/python benchmarks/bench_config.py [--quick] [--json]``. Every baseline is
measured in the same run on the same machine. Not a unit test: numbers are printed, and the
exit status says only whether the benchmark itself could run.

Child interpreters get a private bytecode cache (``PYTHONPYCACHEPREFIX``) and are warmed once,
so import times are those of an installed package, not of compiling sources.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PYTHON = sys.executable
FORBIDDEN = (
    "yaml",
    "jsonschema",
    "git",
    "click",
    "pathlib",
    "typing",
    "dataclasses",
    "subprocess",
    "difflib",
)


def child_env(pycache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKIT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def run_child(code: str, env: dict[str, str]) -> str:
    proc = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return proc.stdout.strip()


def wall(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p99_ms(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def make_repo(root: Path, host_text: str) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q")
    git(root, "config", "user.email", "bench@example.invalid")
    git(root, "config", "user.name", "bench")
    (root / "CLAUDE.md").write_text(host_text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bench")
    past = time.time() - 3600
    os.utime(root / "CLAUDE.md", (past, past))
    return root


def realistic_section() -> str:
    """A section of several hundred lines setting every key."""
    import yaml

    from sessionkit.config._model import SessionConfig

    doc = SessionConfig.defaults().to_json()
    doc["agents-per-wave"] = "6 (deep: 18)"
    doc["test-command"] = "python -m pytest -q"
    doc["custom-phases"] = [
        {"name": f"phase-{i}", "command": f"make phase-{i}", "when": "both"} for i in range(25)
    ]
    doc["protected-paths"]["add"] = [
        {"id": f"area-{i}", "patterns": [f"area{i}/**", f"docs/{i}/*.md"], "action": "warn"}
        for i in range(20)
    ]
    # Plain YAML (the canonical style), so yaml.load can read the very same text.
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=100)


def host_file(section: str, size: int) -> str:
    prose = "Some paragraph about the project, its conventions and its agents. " * 3 + "\n\n"
    head = "# Project\n\n"
    pad = max(0, size - len(head) - len(section) - 40)
    return (
        head
        + prose * (pad // len(prose))
        + "## Session Config\n\n"
        + section
        + "\n## Next\n\nend\n"
    )


def bench(quick: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    runs = 7 if quick else 21
    with tempfile.TemporaryDirectory(prefix="sk-bench-") as tmp:
        tmpdir = Path(tmp)
        env = child_env(str(tmpdir / "pycache"))
        run_child("import sessionkit.config, sessionkit.config.loader, yaml, jsonschema", env)

        # 1. import time of sessionkit.config against a bare interpreter
        bare = wall([PYTHON, "-c", "pass"], env, runs)
        imported = wall([PYTHON, "-c", "import sessionkit.config"], env, runs)
        loaded = run_child(
            "import sys, sessionkit.config;"
            f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))",
            env,
        )
        cumulative = []
        for _ in range(runs):
            proc = subprocess.run(
                [PYTHON, "-X", "importtime", "-c", "import sessionkit.config"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            last = [
                line for line in proc.stderr.splitlines() if line.endswith("| sessionkit.config")
            ]
            cumulative.append(int(last[-1].split("|")[1]) / 1e6)
        results["import"] = {
            "importtime_cumulative_ms": median_ms(cumulative),
            "bare_ms": median_ms(bare),
            "import_ms": median_ms(imported),
            "over_bare_ms": median_ms(imported) - median_ms(bare),
            "budget_over_bare_ms": 5.0,
            "forbidden_loaded": json.loads(loaded.replace("'", '"')),
        }

        section = realistic_section()
        big = make_repo(tmpdir / "big", host_file(section, 200_000))
        small = make_repo(tmpdir / "small", host_file(section, 10_000))

        # 2. memo hit in process
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        from sessionkit.config import load_config
        from sessionkit.config.api import clear_memo

        load_config(big)
        clear_memo()
        load_config(big)  # cache written earlier; this fills the memo from the cache
        memo = []
        for _ in range(2000 if not quick else 300):
            started = time.perf_counter()
            load_config(big)
            memo.append(time.perf_counter() - started)
        results["memo_hit"] = {
            "median_ms": median_ms(memo),
            "p99_ms": p99_ms(memo),
            "budget_median_ms": 0.2,
            "budget_p99_ms": 1.0,
        }

        # 3. fresh process, cache hit, against json.loads of the cache + one stat per source
        cache_file = big / ".git" / "sessionkit" / "config-cache.json"
        hit_code = (
            "import time; t=time.perf_counter();"
            "from sessionkit.config import load_config;"
            f"cfg=load_config({str(big)!r});"
            "e=time.perf_counter()-t; assert cfg.report.from_cache, 'miss'; print(e)"
        )
        base_code = (
            "import time; t=time.perf_counter(); import json, os;"
            f"d=json.loads(open({str(cache_file)!r},'rb').read());"
            f"[os.stat(os.path.join({str(big)!r}, s['path'])) for s in d['sources'] if s['exists']];"
            "print(time.perf_counter()-t)"
        )
        hits = [float(run_child(hit_code, env)) for _ in range(runs)]
        bases = [float(run_child(base_code, env)) for _ in range(runs)]
        results["fresh_cache_hit"] = {
            "median_ms": median_ms(hits),
            "baseline_json_stat_ms": median_ms(bases),
            "ratio": median_ms(hits) / median_ms(bases),
            "budget_ms": 3.0,
            "budget_ratio": 3.0,
        }

        # 4. cold load, modules imported, against yaml CSafeLoader of the same section text
        import yaml

        def cold(repo: Path) -> float:
            clear_memo()
            started = time.perf_counter()
            cfg = load_config(repo, use_cache=False)
            elapsed = time.perf_counter() - started
            assert cfg.report.section is not None
            return elapsed

        cold(big)
        cold_big = [cold(big) for _ in range(runs)]
        cold_small = [cold(small) for _ in range(runs)]
        yaml_loads = []
        for _ in range(runs):
            started = time.perf_counter()
            yaml.load(section, Loader=yaml.CSafeLoader)
            yaml_loads.append(time.perf_counter() - started)
        results["cold_load"] = {
            "section_lines": section.count("\n"),
            "host_bytes": len((big / "CLAUDE.md").read_bytes()),
            "median_ms": median_ms(cold_big),
            "yaml_csafe_ms": median_ms(yaml_loads),
            "ratio_to_yaml": median_ms(cold_big) / median_ms(yaml_loads),
            "budget_ms": 40.0,
            "budget_ratio": 12.0,
        }
        results["cost_independence"] = {
            "small_10k_ms": median_ms(cold_small),
            "big_200k_ms": median_ms(cold_big),
            "ratio": median_ms(cold_big) / median_ms(cold_small),
            "budget_ratio": 1.5,
        }

        # 5. cold load in a fresh process, imports and git calls included
        fresh_cold = wall(
            [
                PYTHON,
                "-c",
                f"from sessionkit.config import load_config; load_config({str(big)!r}, use_cache=False)",
            ],
            env,
            max(3, runs // 3),
        )
        results["fresh_cold_load"] = {"median_ms": median_ms(fresh_cold), "budget_ms": 250.0}

        # 6. a 1 MiB adversarial section
        from sessionkit.config import load_config_text

        adversarial = (
            "## Session Config\n\n"
            + ("special: " + "a: [b, {c: " * 40 + "\n" + "- **k:** `x` <!-- y\n" * 30_000)[
                : 1024 * 1024 - 100
            ]
        )
        started = time.perf_counter()
        load_config_text(adversarial)
        results["adversarial_1mib"] = {
            "seconds": time.perf_counter() - started,
            "budget_seconds": 2.0,
            "bytes": len(adversarial.encode()),
        }
    return results


def table(results: dict[str, Any]) -> str:
    rows = [
        (
            "import sessionkit.config (-X importtime, cumulative)",
            f"{results['import']['importtime_cumulative_ms']:.2f} ms",
            "≤ 5 ms",
            f"wall {results['import']['over_bare_ms']:+.1f} ms over bare "
            f"{results['import']['bare_ms']:.1f} ms; "
            f"forbidden loaded: {results['import']['forbidden_loaded']}",
        ),
        (
            "load_config memo hit (median / p99)",
            f"{results['memo_hit']['median_ms']:.3f} / {results['memo_hit']['p99_ms']:.3f} ms",
            "≤ 0.2 / 1 ms",
            "",
        ),
        (
            "fresh process, cache hit",
            f"{results['fresh_cache_hit']['median_ms']:.1f} ms",
            "≤ 3 ms, ≤ 3×",
            f"{results['fresh_cache_hit']['ratio']:.2f}× json.loads+stat ({results['fresh_cache_hit']['baseline_json_stat_ms']:.1f} ms)",
        ),
        (
            "cold load 200 KB / 400-line section",
            f"{results['cold_load']['median_ms']:.1f} ms",
            "≤ 40 ms, ≤ 12×",
            f"{results['cold_load']['ratio_to_yaml']:.1f}× yaml CSafeLoader ({results['cold_load']['yaml_csafe_ms']:.2f} ms)",
        ),
        (
            "cold load 200 KB vs 10 KB host",
            f"{results['cost_independence']['ratio']:.2f}×",
            "≤ 1.5×",
            "",
        ),
        (
            "fresh process cold load (imports + git)",
            f"{results['fresh_cold_load']['median_ms']:.0f} ms",
            "≤ 250 ms",
            "",
        ),
        (
            "1 MiB adversarial section",
            f"{results['adversarial_1mib']['seconds']:.2f} s",
            "≤ 2 s",
            "",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measure'.ljust(width)}  {'result':>22}  {'budget':>14}  notes"]
    lines += [f"{a.ljust(width)}  {b:>22}  {c:>14}  {d}" for a, b, c, d in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args(argv)
    results = bench(args.quick)
    print(table(results))
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__: list[Callable[..., Any]] = []
