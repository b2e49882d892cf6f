"""Following a live stream across rotations and rewrites (metrics.md §5.2, ``tail --follow``)."""

from __future__ import annotations

import json
import os

import pytest

from sessionkit.metrics.query import Follower
from sessionkit.metrics.store import MetricsStore

from .conftest import lines_of


def _events(lines: list[bytes]) -> list[str]:
    return [json.loads(raw)["event"] for raw in lines]


@pytest.mark.skipif(os.name == "nt", reason="Windows closes the file between polls")
def test_lines_appended_just_before_a_rotation_are_not_skipped(store: MetricsStore) -> None:
    store.emit("acme.follow.old")
    follower = Follower(str(store.path("events")))
    try:
        for _ in range(3):
            store.emit("acme.follow.before")
        store.rotate("events", force=True, dry_run=False)  # between two polls
        for _ in range(2):
            store.emit("acme.follow.after")
        assert _events(follower.poll()) == [
            "acme.follow.before",
            "acme.follow.before",
            "acme.follow.before",
            "sessionkit.metrics.rotated",
            "acme.follow.after",
            "acme.follow.after",
        ]
        assert follower.poll() == []
        store.emit("acme.follow.later")
        assert _events(follower.poll()) == ["acme.follow.later"]
    finally:
        follower.close()


def test_partial_lines_wait_and_a_shrunk_file_is_read_from_its_start(
    store: MetricsStore,
) -> None:
    path = store.path("events")
    follower = Follower(str(path))  # the file does not exist yet
    try:
        assert follower.poll() == []
        store.emit("acme.follow.first")
        with open(path, "ab") as handle:
            handle.write(b'{"event":"acme.fol')  # an append in progress
        assert _events(follower.poll()) == ["acme.follow.first"]
        with open(path, "ab") as handle:
            handle.write(b'low.second"}\n')
        assert _events(follower.poll()) == ["acme.follow.second"]
        with open(path, "r+b") as handle:  # truncated in place, then written again
            handle.truncate(0)
            handle.write(b'{"event":"acme.follow.third"}\n')
        assert _events(follower.poll()) == ["acme.follow.third"]
    finally:
        follower.close()


def test_where_matches_a_top_level_key_that_contains_dots(store: MetricsStore) -> None:
    store.root.mkdir(parents=True, exist_ok=True)
    record = {
        "schema_version": 1,
        "timestamp": "2026-11-24T10:00:00.000Z",
        "event": "start",
        "agent_id": "a",
        "gen_ai.system": "anthropic",
        "gen_ai": {"system": "openai"},
    }
    store.path("subagents").write_text(json.dumps(record) + "\n")

    def count(where: str) -> int:
        return len(list(store.query("subagents", where=[where])))

    assert count("gen_ai.system=anthropic") == 1  # the literal top-level key
    assert count("gen_ai.system=openai") == 1  # the dotted path
    assert count("gen_ai.system=other") == 0


def test_a_string_filter_is_one_pattern(store: MetricsStore) -> None:
    """``event="acme.a.b"`` and ``where="k=v"`` are one pattern each, as in a list, for query
    and tail; a str was iterated character by character and matched nothing (audit round 2,
    D10)."""
    store.emit("acme.a.b", {"k": "v"})
    store.emit("acme.a.c", {"k": "w"})
    for event in ("acme.a.b", ["acme.a.b"], ("acme.a.b",)):
        assert [r["event"] for r in store.query("events", event=event)] == ["acme.a.b"]
        assert [r["event"] for r in store.tail("events", 5, event=event)] == ["acme.a.b"]
    assert [r["event"] for r in store.query("events", where="k=w")] == ["acme.a.c"]
    assert [r["event"] for r in store.tail("events", 5, where="k=w")] == ["acme.a.c"]
    assert len(list(store.query("events", event="acme.*.*"))) == 2


def test_jsonl_prints_records_as_stored(
    store: MetricsStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§5.2: ``--jsonl`` prints each matching record as stored; filters still see the
    normalised form (§3.9) and ``--json`` keeps printing it (audit round 2, D7)."""
    from sessionkit.cli import main

    store.root.mkdir(parents=True)
    prior = (
        '{"timestamp":"2026-04-10T14:04:00.1Z","event":"orchestrator.quality_gate.failed",'
        '"semantic_session_id":"main-x","wave_number":2}'
    )
    store.path("events").write_text(prior + "\n")
    store.emit("acme.a.b", {"k": "é"}, session_id="main-x")
    canonical = lines_of(store.path("events"))[1].decode()
    session = '{"session_id":"s-1","type":"deep","started_at":"2026-04-10T10:00:00Z"}'
    store.path("sessions").write_text(session + "\n")
    monkeypatch.chdir(store.worktree)

    def cli(*argv: str) -> list[str]:
        assert main(["metrics", *argv]) == 0
        return capsys.readouterr().out.splitlines()

    assert cli("query", "--event", "sessionkit.gate.*", "--jsonl") == [prior]
    assert cli("query", "--session", "main-x", "--jsonl") == [prior, canonical]
    assert cli("tail", "--session", "main-x", "--jsonl") == [prior, canonical]
    assert cli("query", "--raw-names", "--event", "sessionkit.gate.*", "--jsonl") == []
    assert cli("query", "sessions", "--where", "session_type=deep", "--jsonl") == [session]
    records = json.loads("\n".join(cli("query", "--json")))["records"]
    assert records[0]["event"] == "sessionkit.gate.result" and records[1] == json.loads(canonical)
    (gate,) = store.query("events", event="sessionkit.gate.result")
    assert gate["event"] == "sessionkit.gate.result" and gate["wave"] == 2
    (stored,) = store.query("events", event="sessionkit.gate.result", as_stored=True)
    assert stored == json.loads(prior)
    assert store.tail("events", 1, event="sessionkit.gate.*", as_stored=True) == [stored]
