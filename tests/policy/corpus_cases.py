"""Loading the project guard corpus (``tests/policy/corpus.jsonl``, guard.md §16.1).

Shared by the corpus, coverage, metamorphic and benchmark code so that every reader sees the
same cases in the same order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS_PATH = Path(__file__).with_name("corpus.jsonl")

Case = dict[str, Any]


def load_cases(path: Path = CORPUS_PATH) -> list[Case]:
    """Every case of the corpus, in file order; a broken line fails loudly with its number."""
    cases: list[Case] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:
                raise AssertionError(f"{path.name}:{number}: invalid JSON: {exc}") from exc
            case["_line"] = number
            cases.append(case)
    return cases


def fixture_key(case: Case) -> str:
    """A stable key for the fixture of a case: cases with equal fixtures share a repository."""
    fixture = {k: v for k, v in (case.get("fixture") or {}).items() if k not in ("cwd",)}
    return json.dumps(fixture, sort_keys=True)


def is_plain(case: Case) -> bool:
    """A case without a fixture in the agent context: the benchmark's and hypothesis' pool."""
    return not case.get("fixture") and case.get("context", "agent") == "agent"
