"""The learnings lifecycle (metrics.md §4, conformance 37-51)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.errors import UsageError
from sessionkit.metrics import fold
from sessionkit.metrics.errors import LearningNotFound
from sessionkit.metrics.learnings import (
    canonical_type,
    dedupe_key,
    derive_expires_at,
    effective_score,
    is_expired,
    ttl_for,
)
from sessionkit.metrics.store import MetricsStore
from tests.metrics.conftest import Clock

from .conftest import lines_of

UTC = timezone.utc


def _live(store: MetricsStore) -> list[dict[str, object]]:
    return list(store.read("learnings"))


def test_ttl_table_and_aliases() -> None:
    assert canonical_type("gotcha") == "anti-pattern" and ttl_for("gotcha") == 90
    assert ttl_for("pattern") == 90 and ttl_for("fragile-file") == 45
    assert ttl_for("mode-selector-accuracy") == 30 and ttl_for("process") == 60
    assert (
        derive_expires_at("2026-11-24T10:15:30.123Z", "fragile-file") == "2027-01-08T10:15:30.123Z"
    )


def test_c37_add(store: MetricsStore, clock: Clock) -> None:
    clock.set(datetime(2026, 11, 24, 10, 15, 30, 123000, tzinfo=UTC))
    result = store.learnings.add(
        "fragile-file", "src/api/auth.py", "careful", "evidence", session="S"
    )
    assert result.action == "added"
    record = _live(store)[0]
    assert record["expires_at"] == "2027-01-08T10:15:30.123Z"
    assert record["confidence"] == 0.5 and record["evidence_sessions"] == ["S"]


def test_c38_alias_type_is_stored_canonically(store: MetricsStore) -> None:
    store.learnings.add("gotcha", "x", "y", session="S")
    record = _live(store)[0]
    assert record["type"] == "anti-pattern"
    assert record["expires_at"] == "2027-02-22T00:00:00.000Z"  # 90 days
    store.learnings.add("process", "z", "y", session="S")
    doctor = store.doctor(["learnings"])
    assert any(f.code == "unknown-type" for f in doctor.findings)


def test_c39_c40_confirmations(store: MetricsStore, clock: Clock) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    seen = []
    for n in range(1, 5):
        clock.advance(days=1)
        result = store.learnings.confirm(lid, session=f"S{n}")
        seen.append(result.learning["confidence"])
        assert result.learning["expires_at"] == derive_expires_at(store.now_ts(), "fragile-file")
    assert seen == [0.65, 0.8, 0.95, 1.0]
    before = store.path("learnings").read_bytes()
    assert store.learnings.confirm(lid, session="S4").action == "unchanged"
    assert store.path("learnings").read_bytes() == before


def test_c41_contradict_to_zero_then_prune(store: MetricsStore) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", confidence=0.1, session="S0").id
    expires = _live(store)[0]["expires_at"]
    result = store.learnings.contradict(lid, session="S1")
    assert result.learning["confidence"] == 0.0 and result.learning["expires_at"] == expires
    report = store.learnings.prune(dry_run=False)
    assert report.archived["pruned"] == 1
    archive = [json.loads(x) for x in lines_of(store.path("learnings-archive"))]
    assert archive[0]["_archive_reason"] == "pruned" and archive[0]["id"] == lid
    assert _live(store) == []


def test_c42_c43_apply_outcome_is_idempotent_and_decays_once_a_day(
    store: MetricsStore, clock: Clock
) -> None:
    keep = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    other = store.learnings.add("fragile-file", "b.py", "i", session="S0").id
    report = store.learnings.apply_outcome(
        "S1",
        confirmed=[keep],
        new=[{"type": "convention", "subject": "naming", "insight": "snake"}],
        dry_run=False,
    )
    assert report.counts == {"confirmed": 1, "contradicted": 0, "added": 1, "decayed": 1}
    before = store.path("learnings").read_bytes()
    again = store.learnings.apply_outcome(
        "S1",
        confirmed=[keep],
        new=[{"type": "convention", "subject": "naming", "insight": "snake"}],
        dry_run=False,
    )
    assert not again.changed and store.path("learnings").read_bytes() == before
    clock.advance(hours=1)
    third = store.learnings.apply_outcome("S2", dry_run=False)
    # `other` was decayed today already; the two touched by S1 decay now, once.
    assert third.counts["decayed"] == 2
    confidences = {r["id"]: r["confidence"] for r in _live(store)}
    assert confidences[other] == 0.45 and confidences[keep] == 0.6


def test_c44_expiry_boundaries(store: MetricsStore, clock: Clock) -> None:
    now = clock.now
    assert is_expired({"expires_at": "2026-11-24T00:00:00.000Z"}, now)
    assert not is_expired({"expires_at": "not-a-date"}, now)
    grace = timedelta(days=14)
    assert is_expired({"expires_at": "2026-11-10T00:00:00.000Z"}, now, grace=grace)
    assert not is_expired({"expires_at": "2026-11-10T00:00:00.001Z"}, now, grace=grace)
    store.root.mkdir(parents=True)
    base = {
        "schema_version": 1,
        "type": "fragile-file",
        "insight": "i",
        "evidence": "",
        "confidence": 0.5,
        "source_session": "S",
        "created_at": "2026-01-01T00:00:00.000Z",
    }
    rows = [
        {**base, "id": "old", "subject": "old", "expires_at": "2026-11-10T00:00:00.000Z"},
        {**base, "id": "edge", "subject": "edge", "expires_at": "2026-11-10T00:00:00.001Z"},
        {**base, "id": "bad", "subject": "bad", "expires_at": "not-a-date"},
    ]
    store.path("learnings").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = store.learnings.sweep(dry_run=False)
    assert report.archived["expired"] == 1
    assert {r["id"] for r in _live(store)} == {"edge", "bad"}
    assert any(f.code == "missing-expiry" for f in store.doctor(["learnings"]).findings)
    # "not-a-date" is kept and reported missing-expiry by sweep itself (audit round 2, D1)
    kept = [i for i in report.items if i["action"] == "keep"]
    assert kept == [
        {"id": "bad", "subject": "bad", "action": "keep", "reason": "missing-expiry", "line": 3}
    ]
    assert report.schema_invalid_kept == 1
    assert [i["reason"] for i in store.learnings.prune().items] == ["missing-expiry"]


def test_c45_dedupe(store: MetricsStore) -> None:
    low = store.learnings.add(
        "effective-sizing", "Deep session sizing", "i", confidence=0.4, session="A"
    ).id
    high_result = store.learnings.add("effective-sizing", "x", "i", confidence=0.9, session="B")
    # give the second one the colliding subject by rewriting it in place (add would confirm)
    path = store.path("learnings")
    path.write_text(path.read_text().replace('"subject":"x"', '"subject":" deep  session sizing"'))
    store.root.joinpath("legacy.txt")
    report = store.learnings.prune(dry_run=False)
    assert report.archived["superseded"] == 1
    archive = [json.loads(x) for x in lines_of(store.path("learnings-archive"))]
    assert archive[0]["id"] == low and archive[0]["_superseded_by"] == high_result.id
    winner = store.learnings.get(high_result.id)
    assert set(winner["evidence_sessions"]) == {"A", "B"}
    assert dedupe_key({"type": "x", "subject": "  "}) is None


def test_c46_surface_eligibility(store: MetricsStore) -> None:
    store.root.mkdir(parents=True)
    base = {
        "schema_version": 1,
        "type": "fragile-file",
        "insight": "i",
        "evidence": "",
        "source_session": "S",
        "created_at": "2026-11-20T00:00:00.000Z",
        "expires_at": "2027-01-01T00:00:00.000Z",
    }
    rows = [
        {**base, "id": "a", "subject": "a", "confidence": 0.3},
        {**base, "id": "b", "subject": "b", "confidence": 0.31},
        {**base, "id": "c", "subject": "c", "confidence": "0.9"},
        {**base, "id": "d", "subject": "d", "confidence": True},
        {
            **base,
            "id": "e",
            "subject": "e",
            "confidence": 0.9,
            "expires_at": "2026-11-24T00:00:00.000Z",
        },
    ]
    store.path("learnings").write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    assert [r.id for r in store.learnings.surface(10)] == ["b"]


def test_c47_effective_score_examples() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)

    def at(days: float, c: float) -> float:
        ref = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return effective_score({"confidence": c, "created_at": ref}, now)

    assert [round(at(d, 0.8), 4) for d in (0, 90, 180, 1000)] == [0.8, 0.4, 0.2, 0.08]
    assert round(at(30, 0.5), 4) == 0.3969
    assert (
        effective_score(
            {"confidence": 0.8, "created_at": "2020-01-01T00:00:00Z"}, now, enabled=False
        )
        == 0.8
    )


@settings(max_examples=80, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 3000), st.floats(0, 3000))
def test_p6_score_monotonicity(c1: float, c2: float, a1: float, a2: float) -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)

    def rec(c: float, age: float) -> dict[str, object]:
        return {
            "confidence": c,
            "created_at": (now - timedelta(days=age)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }

    lo_c, hi_c = sorted((c1, c2))
    young, old = sorted((a1, a2))
    assert effective_score(rec(lo_c, young), now) <= effective_score(rec(hi_c, young), now) + 1e-12
    assert effective_score(rec(hi_c, old), now) <= effective_score(rec(hi_c, young), now) + 1e-12
    assert effective_score(rec(hi_c, old), now) >= hi_c * 0.1 - 1e-9
    assert effective_score(rec(hi_c, 0), now) == pytest.approx(hi_c)


def test_c48_union_merge_is_order_independent(store: MetricsStore, clock: Clock) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    base_lines = lines_of(store.path("learnings"))
    clock.advance(hours=10)
    store.learnings.confirm(lid, session="A")
    branch_a = lines_of(store.path("learnings"))
    records_a = [json.loads(x) for x in branch_a]
    records_b = [json.loads(x) for x in base_lines]
    merged_1, _ = fold.fold_learnings(records_a + records_b)
    merged_2, _ = fold.fold_learnings(list(reversed(records_b + records_a)))
    assert merged_1 == merged_2 and merged_1[0]["confidence"] == 0.65
    # the tombstone example of §6.7
    confirmed_at = merged_1[0]["updated_at"]
    later = {"id": lid, "_archived_at": "2026-11-24T11:00:00.000Z"}
    assert fold.is_tombstoned(merged_1[0], fold.newest_tombstones([later]))
    earlier = {"id": lid, "_archived_at": "2026-11-24T09:00:00.000Z"}
    assert confirmed_at > earlier["_archived_at"]
    assert not fold.is_tombstoned(merged_1[0], fold.newest_tombstones([earlier]))


def test_c49_prune_quarantines_unparseable_lines(store: MetricsStore) -> None:
    store.learnings.add("fragile-file", "a.py", "i", session="S0")
    path = store.path("learnings")
    path.write_bytes(b"{torn\n" + path.read_bytes())
    report = store.learnings.prune(dry_run=False)
    assert report.quarantined == 1
    entry = json.loads(lines_of(store.path("quarantine"))[0])
    assert entry["line"] == 1 and entry["stream"] == "learnings"
    assert len(_live(store)) == 1


def test_c50_restore(store: MetricsStore, clock: Clock) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    store.learnings.archive(lid, "pruned", dry_run=False)
    assert _live(store) == []
    with pytest.raises(LearningNotFound, match="archived"):
        store.learnings.confirm(lid, session="S1")
    clock.advance(days=3)
    store.learnings.restore(lid, session="S2", dry_run=False)
    restored = _live(store)
    assert [r["id"] for r in restored] == [lid]
    assert restored[0]["expires_at"] == derive_expires_at(store.now_ts(), "fragile-file")
    assert len(lines_of(store.path("learnings-archive"))) == 1


def test_c51_superseded_needs_into(store: MetricsStore) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    with pytest.raises(UsageError) as info:
        store.learnings.archive(lid, "superseded")
    assert info.value.exit_code == 2


def test_destructive_operations_default_to_dry_run(store: MetricsStore, clock: Clock) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    clock.advance(days=400)
    before = store.path("learnings").read_bytes()
    report = store.learnings.prune()
    assert report.dry_run and report.changed and report.archived["expired"] == 1
    store.learnings.archive(lid, "pruned")
    store.learnings.apply_outcome("S9")
    assert store.path("learnings").read_bytes() == before
    assert not store.path("learnings-archive").exists()


def test_add_confirms_an_existing_duplicate(store: MetricsStore) -> None:
    first = store.learnings.add("gotcha", "Retry storms", "i", session="S0")
    second = store.learnings.add("anti-pattern", "  retry   STORMS ", "i", session="S1")
    assert second.action == "confirmed-existing" and second.id == first.id
    assert len(_live(store)) == 1 and _live(store)[0]["confidence"] == 0.65


def test_no_session_is_a_usage_error(store: MetricsStore) -> None:
    with pytest.raises(UsageError, match="no current session"):
        store.learnings.add("fragile-file", "a.py", "i")


def test_second_prune_is_a_noop_and_ids_are_conserved(store: MetricsStore, clock: Clock) -> None:
    rng = random.Random(3)
    added = []
    for i in range(30):
        clock.set(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 330)))
        added.append(
            store.learnings.add(
                rng.choice(["fragile-file", "convention"]),
                f"s{i % 12}",
                "i",
                confidence=rng.choice([0.0, 0.3, 0.6]),
                session=f"S{i}",
            ).id
        )
    clock.set(datetime(2026, 11, 24, tzinfo=UTC))
    store.learnings.prune(grace_days=0, dry_run=False)
    live = {r["id"] for r in _live(store)}
    archived = {json.loads(x)["id"] for x in lines_of(store.path("learnings-archive"))}
    assert set(added) <= live | archived and not live & archived
    before = store.path("learnings").read_bytes()
    assert not store.learnings.prune(grace_days=0, dry_run=False).changed
    assert store.path("learnings").read_bytes() == before


def test_restore_needs_no_current_session(store: MetricsStore) -> None:
    """§4.6: restore exits 0 or 1; only add/confirm/contradict require a session (exit 2)."""
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    store.learnings.archive(lid, "pruned", dry_run=False)
    store.learnings.restore(lid, dry_run=False)  # no SESSIONKIT_SESSION_ID, no STATE.md
    (restored,) = _live(store)
    assert restored["id"] == lid and restored["evidence_sessions"] == ["S0"]
    store.learnings.archive(lid, "pruned", dry_run=False)
    store.learnings.restore(lid, session="S9", dry_run=False)
    assert _live(store)[0]["evidence_sessions"] == ["S0", "S9"]


@pytest.mark.parametrize("into", ["missing-id", "self"])
def test_archive_into_must_name_another_live_learning(store: MetricsStore, into: str) -> None:
    lid = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    before = store.path("learnings").read_bytes()
    with pytest.raises(LearningNotFound) as info:
        store.learnings.archive(lid, "merged", into=lid if into == "self" else into, dry_run=False)
    assert info.value.exit_code == 1 and "--into" in str(info.value)
    assert store.path("learnings").read_bytes() == before
    assert not store.path("learnings-archive").exists()


def test_archive_into_a_live_learning_points_the_tombstone_at_it(store: MetricsStore) -> None:
    old = store.learnings.add("fragile-file", "a.py", "i", session="S0").id
    new = store.learnings.add("fragile-file", "b.py", "i", session="S0").id
    store.learnings.archive(old, "merged", into=new, dry_run=False)
    archive = [json.loads(x) for x in lines_of(store.path("learnings-archive"))]
    assert [(r["id"], r["_merged_into"]) for r in archive] == [(old, new)]
    assert [r["id"] for r in _live(store)] == [new]


def _far_future_row(**extra: object) -> dict[str, object]:
    return {
        "schema_version": 1,
        "id": "far",
        "type": "fragile-file",
        "subject": "s",
        "insight": "i",
        "evidence": "",
        "confidence": 0.5,
        "source_session": "S",
        "created_at": "2026-11-20T00:00:00.000Z",
        **extra,
    }


def test_far_future_expiry_is_not_expired_and_never_overflows(
    store: MetricsStore, clock: Clock
) -> None:
    row = _far_future_row(expires_at="9999-12-31T23:59:59.999Z")
    assert not is_expired(row, clock.now, grace=timedelta(days=14))
    assert not is_expired(row, clock.now, grace=timedelta.max)
    store.root.mkdir(parents=True, exist_ok=True)
    store.path("learnings").write_text(json.dumps(row) + "\n")
    for grace_days in (None, 99_999_999, 10**12):
        assert not store.learnings.sweep(grace_days=grace_days, dry_run=False).changed
        assert not store.learnings.prune(grace_days=grace_days, dry_run=False).changed
    assert [r.id for r in store.learnings.surface()] == ["far"]
    assert store.learnings.confirm("far", session="S2").action == "confirmed"


def test_derived_expiry_saturates_in_the_year_9999(store: MetricsStore) -> None:
    from sessionkit.metrics.migrate import migrate_learning

    assert derive_expires_at("9999-12-30T00:00:00.000Z", "fragile-file") == (
        "9999-12-31T23:59:59.999Z"
    )
    migrated, _notes = migrate_learning(_far_future_row(created_at="9999-12-30T00:00:00.000Z"))
    assert migrated["expires_at"] == "9999-12-31T23:59:59.999Z"
    store.root.mkdir(parents=True, exist_ok=True)
    store.path("learnings").write_text(
        json.dumps(_far_future_row(created_at="9999-12-30T00:00:00.000Z")) + "\n"
    )
    store.migrate(dry_run=True)
    store.repair(dry_run=False)
    assert _live(store)[0]["expires_at"] == "9999-12-31T23:59:59.999Z"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_add_rejects_non_finite_confidence(store: MetricsStore, bad: float) -> None:
    from sessionkit.metrics.errors import RecordInvalid

    with pytest.raises(RecordInvalid, match="/confidence"):
        store.learnings.add("fragile-file", "s", "i", confidence=bad, session="S")
    assert not store.path("learnings").exists()


def test_add_with_metrics_disabled_creates_nothing(
    store: MetricsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONKIT_NO_METRICS", "1")
    assert store.learnings.add("fragile-file", "s", "i", session="S").action == "disabled"
    assert not store.root.exists()


def test_manual_archive_emits_learning_archived(store: MetricsStore) -> None:
    lid = store.learnings.add("fragile-file", "s", "i", session="S").id

    def archived_events() -> list[dict[str, object]]:
        return [e for e in store.read("events") if e["event"] == "sessionkit.learning.archived"]

    store.learnings.archive(lid, "pruned")  # dry run: nothing happens, nothing is emitted
    assert archived_events() == []
    store.learnings.archive(lid, "pruned", dry_run=False)
    [event] = archived_events()
    assert (event["learning_id"], event["type"], event["reason"]) == (lid, "fragile-file", "pruned")
