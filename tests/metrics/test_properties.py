"""Property tests: rewrite conservation (P4) and order-independent dedupe (P7)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.metrics import _jsonl
from sessionkit.metrics.errors import RecordInvalid, RewriteInvariantError
from sessionkit.metrics.learnings import dedupe_order
from sessionkit.metrics.rewrite import Fold, Keep, Quarantine, Replace, RewritePlan
from sessionkit.metrics.settings import Settings
from sessionkit.metrics.store import MetricsStore

LINES = st.lists(
    st.one_of(
        st.integers(0, 50).map(lambda n: json.dumps({"n": n}).encode()),
        st.sampled_from([b"{bad", b"[1]", b"\xff", b"<<<<<<< HEAD"]),
    ),
    min_size=1,
    max_size=12,
)
CHOICES = st.lists(
    st.sampled_from(["keep", "replace", "fold", "quarantine", "skip"]), min_size=12, max_size=12
)


@settings(max_examples=60, deadline=None)
@given(LINES, CHOICES, st.integers(0, 2**16))
def test_p4_conservation(
    tmp_path_factory: Any, raw_lines: list[bytes], choices: list[str], seed: int
) -> None:
    root: Path = tmp_path_factory.mktemp("p4")
    store = MetricsStore(root, metrics_dir=root, settings=Settings())
    path = store.path("subagents")
    data = b"".join(line + b"\n" for line in raw_lines)
    path.write_bytes(data)
    rng = random.Random(seed)

    def planner(lines: list[_jsonl.Line]) -> RewritePlan:
        plan = RewritePlan({})
        for line, choice in zip(lines, choices):
            if choice == "keep":
                plan.dispositions[line.number] = Keep()
            elif choice == "replace":
                plan.dispositions[line.number] = Replace({"replaced": line.number})
            elif choice == "fold":
                plan.dispositions[line.number] = Fold(rng.choice([ln.number for ln in lines]))
            elif choice == "quarantine":
                plan.dispositions[line.number] = Quarantine("invalid-json")
        return plan

    try:
        report = store.rewrite("subagents", planner, reason="repair", dry_run=False)
    except (RewriteInvariantError, RecordInvalid) as exc:
        assert path.read_bytes() == data, f"a rejected plan changed the file ({exc})"
        return
    non_blank = len([ln for ln in raw_lines if ln.strip()])
    assert report.kept + report.replaced + report.folded + report.quarantined == non_blank
    out = path.read_bytes().split(b"\n")[:-1]
    assert len(out) == report.kept + report.replaced
    quarantine = store.path("quarantine")
    q_lines = quarantine.read_bytes().split(b"\n")[:-1] if quarantine.exists() else []
    assert len({json.loads(q)["sha256"] for q in q_lines}) == len(q_lines) <= report.quarantined


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.1, 0.5, 0.9]),
            st.sampled_from(["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"]),
        ),
        min_size=2,
        max_size=6,
    ),
    st.randoms(),
)
def test_p7_dedupe_winner_is_order_independent(
    rows: list[tuple[float, str]], rnd: random.Random
) -> None:
    records = [
        {
            "id": f"id-{i}",
            "confidence": c,
            "updated_at": u,
            "created_at": "2025-12-01T00:00:00.000Z",
        }
        for i, (c, u) in enumerate(rows)
    ]
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert min(records, key=dedupe_order)["id"] == min(shuffled, key=dedupe_order)["id"]
