"""P5: the learnings lifecycle as a hypothesis state machine (metrics.md §9.4)."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sessionkit.metrics import fold
from sessionkit.metrics.errors import LearningNotFound
from sessionkit.metrics.learnings import is_expired
from sessionkit.metrics.settings import Settings
from sessionkit.metrics.store import MetricsStore
from tests.metrics.conftest import Clock

TYPES = ["fragile-file", "convention", "mode-selector-accuracy"]
SUBJECTS = ["a.py", "b.py", "Naming", " naming ", "c.py"]


class LearningsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="p5-"))
        self.clock = Clock(datetime(2026, 11, 24, tzinfo=timezone.utc))
        self.store = MetricsStore(
            self.dir, metrics_dir=self.dir, settings=Settings(), clock=self.clock
        )
        self.added: set[str] = set()
        self.sessions = 0
        self.expiry: dict[str, str] = {}

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _session(self) -> str:
        self.sessions += 1
        return f"S{self.sessions}"

    def _live(self) -> list[dict[str, object]]:
        return list(self.store.read("learnings"))

    def _archive_ids(self) -> set[str]:
        path = self.dir / "learnings-archive.jsonl"
        return (
            {json.loads(x)["id"] for x in path.read_bytes().splitlines()}
            if path.exists()
            else set()
        )

    @rule(
        kind=st.sampled_from(TYPES),
        subject=st.sampled_from(SUBJECTS),
        confidence=st.sampled_from([0.1, 0.5, 0.9]),
    )
    def add(self, kind: str, subject: str, confidence: float) -> None:
        result = self.store.learnings.add(
            kind, subject, "insight", confidence=confidence, session=self._session()
        )
        self.added.add(result.id)

    @precondition(lambda self: self.added)
    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        lid = data.draw(st.sampled_from(sorted(self.added)))
        before = next((r for r in self._live() if r["id"] == lid), None)
        try:
            result = self.store.learnings.confirm(lid, session=self._session())
        except LearningNotFound:
            return
        if before is not None and result.action == "confirmed":
            assert str(result.learning["expires_at"]) >= str(before["expires_at"])

    @precondition(lambda self: self.added)
    @rule(data=st.data())
    def contradict(self, data: st.DataObject) -> None:
        lid = data.draw(st.sampled_from(sorted(self.added)))
        before = next((r for r in self._live() if r["id"] == lid), None)
        try:
            result = self.store.learnings.contradict(lid, session=self._session())
        except LearningNotFound:
            return
        if before is not None:
            assert result.learning["expires_at"] == before["expires_at"]

    @rule(days=st.integers(1, 60))
    def advance_clock(self, days: int) -> None:
        self.clock.advance(days=days)

    @rule()
    def apply_outcome(self) -> None:
        session = self._session()
        self.store.learnings.apply_outcome(session, dry_run=False)
        before = (
            (self.dir / "learnings.jsonl").read_bytes()
            if (self.dir / "learnings.jsonl").exists()
            else b""
        )
        self.store.learnings.apply_outcome(session, dry_run=False)
        after = (
            (self.dir / "learnings.jsonl").read_bytes()
            if (self.dir / "learnings.jsonl").exists()
            else b""
        )
        assert before == after, "apply_outcome twice with one session equals once"

    @rule(grace=st.sampled_from([0, 14]))
    def prune(self, grace: int) -> None:
        self.store.learnings.prune(grace_days=grace, dry_run=False)
        second = self.store.learnings.prune(grace_days=grace, dry_run=False)
        assert not second.changed, "a second prune is a no-op"

    @rule()
    def sweep(self) -> None:
        self.store.learnings.sweep(dry_run=False)

    @precondition(lambda self: self.added)
    @rule(data=st.data())
    def archive_or_restore(self, data: st.DataObject) -> None:
        lid = data.draw(st.sampled_from(sorted(self.added)))
        try:
            if any(r["id"] == lid for r in self._live()):
                self.store.learnings.archive(lid, "pruned", dry_run=False)
            else:
                self.store.learnings.restore(lid, session=self._session(), dry_run=False)
        except LearningNotFound:
            pass

    @rule(seed=st.integers(0, 1000))
    def merge(self, seed: int) -> None:
        """A union merge: permute and duplicate lines; the folded state must not change."""
        path = self.dir / "learnings.jsonl"
        if not path.exists():
            return
        before = {r["id"]: r for r in self._live()}
        lines = path.read_bytes().splitlines()
        rng = random.Random(seed)
        shuffled = lines + rng.sample(lines, k=min(2, len(lines)))
        rng.shuffle(shuffled)
        path.write_bytes(b"".join(x + b"\n" for x in shuffled))
        assert {r["id"]: r for r in self._live()} == before

    @invariant()
    def confidences_are_bounded_and_rounded(self) -> None:
        for record in self._live():
            c = record["confidence"]
            assert isinstance(c, (int, float)) and 0 <= c <= 1 and round(c, 4) == c

    @invariant()
    def no_id_is_lost(self) -> None:
        live = {str(r["id"]) for r in self._live()}
        assert self.added <= live | self._archive_ids()

    @invariant()
    def surfaced_items_are_eligible_and_ordered(self) -> None:
        ranked = self.store.learnings.surface(10)
        now = self.clock.now
        live = {r["id"]: r for r in self._live()}
        for item in ranked:
            assert item.id in live and not is_expired(live[item.id], now) and item.confidence > 0.3
        assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)

    @invariant()
    def fold_is_order_independent(self) -> None:
        path = self.dir / "learnings.jsonl"
        if not path.exists():
            return
        records = [json.loads(x) for x in path.read_bytes().splitlines() if x.startswith(b"{")]
        forward, _ = fold.fold_learnings(records)
        backward, _ = fold.fold_learnings(list(reversed(records)))
        assert sorted(json.dumps(r, sort_keys=True) for r in forward) == sorted(
            json.dumps(r, sort_keys=True) for r in backward
        )


TestLearningsMachine = LearningsMachine.TestCase
TestLearningsMachine.settings = settings(max_examples=20, stateful_step_count=15, deadline=None)
