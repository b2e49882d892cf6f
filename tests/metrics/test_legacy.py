"""Read normalisation of prior-art records (metrics.md §3.9)."""

from __future__ import annotations

import json

from sessionkit.metrics.legacy import normalize_learning
from sessionkit.metrics.store import MetricsStore


def test_unparseable_learning_timestamps_are_kept_as_stored() -> None:
    record = {
        "id": "x",
        "expires_at": "not-a-date",
        "last_contradicted_at": "2026-02-30",
        "last_seen": "2026-02-01",
    }
    out = normalize_learning(record)
    assert out["expires_at"] == "not-a-date"
    assert out["last_contradicted_at"] == "2026-02-30"
    assert out["updated_at"] == "2026-02-01T00:00:00.000Z"  # a real date reads as migrate writes


def test_c44_not_a_date_is_listed_as_stored_and_reported(store: MetricsStore) -> None:
    row = {
        "schema_version": 1,
        "id": "id-3",
        "type": "fragile-file",
        "subject": "s3",
        "insight": "x",
        "evidence": "",
        "confidence": 0.5,
        "source_session": "S",
        "created_at": "2026-11-01T00:00:00.000Z",
        "expires_at": "not-a-date",
    }
    store.root.mkdir(parents=True, exist_ok=True)
    store.path("learnings").write_text(json.dumps(row) + "\n")
    assert [r["expires_at"] for r in store.learnings.list(include_expired=True)] == ["not-a-date"]
    assert store.stats().document["learnings"]["top"][0]["expires_at"] == "not-a-date"
    assert any(f.code == "missing-expiry" for f in store.doctor(["learnings"]).findings)
