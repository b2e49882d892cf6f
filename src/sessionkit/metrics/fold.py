"""Order-independent deduplication on read (spec §3.4, §3.7; invariant I7).

Every fold picks its survivor by a total key that does not depend on line order, which is
what makes ``merge=union`` of the tracked streams safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def canonical_json(record: Any, *, ignore: tuple[str, ...] = ()) -> str:
    if ignore and isinstance(record, dict):
        record = {k: v for k, v in record.items() if k not in ignore}
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def session_key(record: dict[str, Any]) -> tuple[bool, bool, str, str]:
    return (
        record.get("status") != "abandoned",
        record.get("_forced") is True,
        _text(record.get("recorded_at")) or _text(record.get("completed_at")),
        canonical_json(record),
    )


def fold_sessions(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """One record per ``session_id`` (the maximum of ``session_key``); returns (kept, folded)."""
    best: dict[Any, dict[str, Any]] = {}
    order: list[Any] = []
    folded = 0
    for record in records:
        sid = record.get("session_id")
        key = sid if isinstance(sid, str) else ("\x00", canonical_json(record))
        current = best.get(key)
        if current is None:
            best[key] = record
            order.append(key)
            continue
        folded += 1
        if session_key(record) > session_key(current):
            best[key] = record
    return [best[k] for k in order], folded


def learning_key(record: dict[str, Any]) -> tuple[str, str]:
    return (
        _text(record.get("updated_at")) or _text(record.get("created_at")),
        canonical_json(record),
    )


def newest_tombstones(archive: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Learning id -> the newest ``_archived_at`` among its tombstones."""
    newest: dict[str, str] = {}
    for record in archive:
        lid = record.get("id")
        at = _text(record.get("_archived_at"))
        if isinstance(lid, str) and at and at > newest.get(lid, ""):
            newest[lid] = at
    return newest


def is_tombstoned(record: dict[str, Any], tombstones: dict[str, str]) -> bool:
    """Archived when the surviving version is not later than its newest tombstone."""
    lid = record.get("id")
    at = tombstones.get(lid) if isinstance(lid, str) else None
    if at is None:
        return False
    changed = _text(record.get("updated_at")) or _text(record.get("created_at"))
    return changed <= at


def fold_learnings(
    records: Iterable[dict[str, Any]], tombstones: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Latest version per id, tombstoned ids hidden; returns (live versions, folded lines)."""
    best: dict[Any, dict[str, Any]] = {}
    order: list[Any] = []
    folded = 0
    for record in records:
        lid = record.get("id")
        key = lid if isinstance(lid, str) and lid else ("\x00", canonical_json(record))
        current = best.get(key)
        if current is None:
            best[key] = record
            order.append(key)
            continue
        folded += 1
        if learning_key(record) > learning_key(current):
            best[key] = record
    out = [best[k] for k in order]
    if tombstones:
        kept = [r for r in out if not is_tombstoned(r, tombstones)]
        folded += len(out) - len(kept)
        out = kept
    return out, folded


def fold_archive(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Archive lines fold by ``(id, _archive_reason, _archived_at)``."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    folded = 0
    for record in records:
        key = (
            str(record.get("id")),
            str(record.get("_archive_reason")),
            str(record.get("_archived_at")),
        )
        if key in seen:
            folded += 1
            continue
        seen.add(key)
        out.append(record)
    return out, folded
