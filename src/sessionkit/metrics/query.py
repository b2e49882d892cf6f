"""Reading the streams: ``read``, ``query``, ``tail`` and ``stats`` (spec §2.6, §5).

Nothing here writes. ``stats`` over 1,000,000 events must stay within 2x of a bare
``json.loads`` loop, so its event loop is written for speed: binary lines, one dict lookup per
record for the name, canonical timestamps compared as strings.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sessionkit.metrics import _jsonl, events, legacy
from sessionkit.metrics import fold as folding
from sessionkit.metrics._jsonl import ScanStats
from sessionkit.metrics.streams import Stream, segment_stamp
from sessionkit.metrics.timestamps import format_ts, normalize_ts, parse_ts, shift
from sessionkit.metrics.validation import schema_problem

if TYPE_CHECKING:
    from sessionkit.metrics.store import MetricsStore, ReadResult

SKEW = timedelta(minutes=5)
WINDOW_FIELD = {
    Stream.EVENTS: "timestamp",
    Stream.SUBAGENTS: "timestamp",
    Stream.SESSIONS: "completed_at",
    Stream.QUARANTINE: "quarantined_at",
}
_NORMALISE: dict[Stream, Callable[[dict[str, Any]], dict[str, Any]]] = {
    Stream.SESSIONS: legacy.normalize_session,
    Stream.LEARNINGS: legacy.normalize_learning,
    Stream.LEARNINGS_ARCHIVE: legacy.normalize_learning,
    Stream.SUBAGENTS: legacy.normalize_subagent,
}


def _canonical_ts(value: Any) -> str | None:
    if isinstance(value, str) and len(value) == 24 and value[23] == "Z":
        return value
    try:
        return normalize_ts(value)
    except (ValueError, TypeError):
        return None


def _files_in_window(files: list[str], since: datetime | None) -> Iterator[str]:
    for path in files:
        stamp = segment_stamp(path)
        if since is not None and stamp is not None:
            rotated_at = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=since.tzinfo)
            if shift(rotated_at, SKEW) < since:  # saturating: --since 0001-01-01 is valid
                continue  # every record in it is older than the window
        yield path


def raw_records(
    store: MetricsStore,
    stream: Stream,
    stats: ScanStats,
    *,
    include_rotated: bool = True,
    since: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Parsed records of every file of ``stream`` in read order, without normalisation."""
    for path in _files_in_window(store.files(stream, include_rotated=include_rotated), since):
        yield from _jsonl.iter_records(path, stats)


class _Normalised(dict):  # type: ignore[type-arg]
    """A record normalised on read that remembers the record as stored (``keep_stored``)."""

    __slots__ = ("stored",)
    stored: dict[str, Any]


def stored_form(record: dict[str, Any]) -> dict[str, Any]:
    """The record as stored in its file, for one that ``read(keep_stored=True)`` returned."""
    return record.stored if isinstance(record, _Normalised) else record


def read(
    store: MetricsStore,
    stream: Stream,
    *,
    include_rotated: bool = True,
    since: datetime | None = None,
    until: datetime | None = None,
    validate: bool = False,
    fold: bool | None = None,
    raw_names: bool = False,
    keep_stored: bool = False,
) -> ReadResult:
    """Normalised records of ``stream`` (spec §3.9); ``keep_stored``: each one also carries
    the record as stored, which :func:`stored_form` returns."""
    from sessionkit.metrics.store import ReadResult

    stats = ScanStats()
    do_fold = fold
    if do_fold is None:
        do_fold = stream in (Stream.SESSIONS, Stream.LEARNINGS, Stream.LEARNINGS_ARCHIVE)
    records = _normalised(store, stream, stats, include_rotated, since, raw_names, keep_stored)
    if validate:
        records = _valid_only(stream, records, stats)
    records = _windowed(stream, records, since, until)
    if do_fold:
        records = iter(_folded(store, stream, records, stats))
    return ReadResult(records, stats)


def _normalised(
    store: MetricsStore,
    stream: Stream,
    stats: ScanStats,
    include_rotated: bool,
    since: datetime | None,
    raw_names: bool,
    keep_stored: bool = False,
) -> Iterator[dict[str, Any]]:
    source = raw_records(store, stream, stats, include_rotated=include_rotated, since=since)
    normalise = _normaliser(stream, raw_names)
    if normalise is None:
        return source
    if not keep_stored:
        return (normalise(r) for r in source)

    def keeping(record: dict[str, Any]) -> dict[str, Any]:
        out = normalise(record)
        if out is record:
            return record  # already canonical: stored and normalised forms are one object
        kept = _Normalised(out)
        kept.stored = record
        return kept

    return (keeping(r) for r in source)


def _normaliser(
    stream: Stream, raw_names: bool
) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    if stream is Stream.EVENTS:
        return lambda r: events.normalize_event(r, raw_names=raw_names)
    return _NORMALISE.get(stream)


def _valid_only(
    stream: Stream, records: Iterator[dict[str, Any]], stats: ScanStats
) -> Iterator[dict[str, Any]]:
    for record in records:
        if schema_problem(stream, record) is None:
            yield record
        else:
            stats.schema_invalid += 1


def _windowed(
    stream: Stream,
    records: Iterator[dict[str, Any]],
    since: datetime | None,
    until: datetime | None,
) -> Iterator[dict[str, Any]]:
    key = WINDOW_FIELD.get(stream)
    if key is None or (since is None and until is None):
        return records
    lo = format_ts(since) if since else None
    hi = format_ts(until) if until else None

    def inside(record: dict[str, Any]) -> bool:
        ts = _canonical_ts(record.get(key))
        if ts is None:
            return False
        return (lo is None or ts >= lo) and (hi is None or ts <= hi)

    return filter(inside, records)


def _folded(
    store: MetricsStore, stream: Stream, records: Iterable[dict[str, Any]], stats: ScanStats
) -> list[dict[str, Any]]:
    if stream is Stream.SESSIONS:
        kept, folded = folding.fold_sessions(records)
    elif stream is Stream.LEARNINGS:
        archive_stats = ScanStats()
        archive = (
            legacy.normalize_learning(r)
            for r in raw_records(store, Stream.LEARNINGS_ARCHIVE, archive_stats)
        )
        kept, folded = folding.fold_learnings(records, folding.newest_tombstones(archive))
    elif stream is Stream.LEARNINGS_ARCHIVE:
        kept, folded = folding.fold_archive(records)
    else:
        return list(records)
    stats.folded += folded
    return kept


# --------------------------------------------------------------------------- filters


def compile_event_pattern(pattern: str) -> re.Pattern[str]:
    """``*`` matches one whole segment; a final ``.**`` any number of further segments."""
    parts = pattern.split(".")
    tail = ""
    if parts and parts[-1] == "**":
        parts = parts[:-1]
        tail = r"(?:\.[^.]+)*"
    body = r"\.".join("[^.]+" if p == "*" else re.escape(p) for p in parts)
    return re.compile(f"^{body}{tail}$")


def parse_where(expression: str) -> tuple[list[str], Any]:
    key, sep, value = expression.partition("=")
    if not sep or not key:
        from sessionkit.errors import UsageError

        raise UsageError(f"--where needs KEY=VALUE, got {expression!r}")
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = value
    return key.split("."), parsed


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


def path_matches(value: Any, path: list[str], expected: Any) -> bool:
    """Dotted-path match; a segment that meets an array matches when any element does."""
    if isinstance(value, list):
        return any(path_matches(item, path, expected) for item in value)
    if not path:
        return _json_equal(value, expected)
    if not isinstance(value, dict) or path[0] not in value:
        return False
    return path_matches(value[path[0]], path[1:], expected)


def where_matches(record: dict[str, Any], path: list[str], expected: Any) -> bool:
    """``--where``: a top-level key or a dotted path (spec §5.2).

    The literal key is tried first because prior-art keys contain dots (``gen_ai.system``,
    §3.6); a record matches when either form matches.
    """
    if len(path) > 1:
        key = ".".join(path)
        if key in record and path_matches(record[key], [], expected):
            return True
    return path_matches(record, path, expected)


def make_predicate(
    stream: Stream,
    *,
    event: str | Iterable[str] = (),
    session: str | None = None,
    where: str | Iterable[str] = (),
) -> Callable[[dict[str, Any]], bool] | None:
    """The filter of ``query`` and ``tail``: event patterns OR-ed, ``where`` AND-ed (§5.2).

    A single string is one pattern (one expression), not a sequence of one-letter patterns.
    """
    patterns = [compile_event_pattern(p) for p in _one_or_many(event)]
    wheres = [parse_where(w) for w in _one_or_many(where)]
    if not patterns and session is None and not wheres:
        return None

    def predicate(record: dict[str, Any]) -> bool:
        if patterns:
            name = record.get("event")
            if not isinstance(name, str) or not any(p.match(name) for p in patterns):
                return False
        if session is not None and record.get("session_id") != session:
            return False
        return all(where_matches(record, path, value) for path, value in wheres)

    return predicate


def _one_or_many(values: str | Iterable[str]) -> Iterable[str]:
    return (values,) if isinstance(values, str) else values


def query(
    store: MetricsStore,
    stream: Stream,
    *,
    event: str | Iterable[str] = (),
    session: str | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    where: str | Iterable[str] = (),
    limit: int | None = None,
    last: int | None = None,
    include_rotated: bool = True,
    raw_names: bool = False,
    as_stored: bool = False,
) -> ReadResult:
    """Records matching the filters, oldest first (spec §5.2). Filters see the normalised
    form (§3.9); ``as_stored`` returns each match as stored in its file (``query --jsonl``),
    otherwise the normalised form."""
    from sessionkit.metrics.store import ReadResult

    result = read(
        store,
        stream,
        include_rotated=include_rotated,
        since=_dt(since),
        until=_dt(until),
        raw_names=raw_names,
        keep_stored=as_stored,
    )
    predicate = make_predicate(stream, event=event, session=session, where=where)
    records: Iterator[dict[str, Any]] = iter(result)
    if predicate is not None:
        records = filter(predicate, records)
    if limit is not None:
        records = itertools.islice(records, limit)
    if last is not None:
        import collections

        records = iter(collections.deque(records, maxlen=last))
    if as_stored:
        records = map(stored_form, records)
    return ReadResult(records, result.stats)


def _dt(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    from sessionkit.metrics.timestamps import parse_window

    return parse_window(value)


def tail(
    store: MetricsStore,
    stream: Stream,
    n: int = 20,
    *,
    event: str | Iterable[str] = (),
    session: str | None = None,
    where: str | Iterable[str] = (),
    raw_names: bool = False,
    live_end: int | None = None,
    as_stored: bool = False,
) -> list[dict[str, Any]]:
    """The last ``n`` matching records, read backwards (falls back to older segments).

    Filters see the normalised form; ``as_stored`` returns the records as stored (``tail
    --jsonl``). ``live_end``: read the live file only up to that offset and leave out spool
    files (``tail --follow`` prints what comes after it through :class:`Follower`)."""
    predicate = make_predicate(stream, event=event, session=session, where=where)
    normalise = _normaliser(stream, raw_names) or (lambda r: r)

    def matches(record: dict[str, Any]) -> bool:
        return predicate is None or predicate(normalise(record))

    found: list[dict[str, Any]] = []
    live = str(store.path(stream))
    files = store.files(stream)
    if live_end is not None:
        files = files[: files.index(live) + 1]
    for path in reversed(files):
        if path == live and live_end is not None:
            found = _jsonl.tail_records(path, n - len(found), matches, end=live_end) + found
        elif path.endswith(".gz"):
            stats = ScanStats()
            older = [r for r in _jsonl.iter_records(path, stats) if matches(r)]
            found = older[-(n - len(found)) :] + found if len(found) < n else found
        else:
            found = _jsonl.tail_records(path, n - len(found), matches) + found
        if len(found) >= n:
            break
    return found[-n:] if as_stored else [normalise(r) for r in found[-n:]]


# --------------------------------------------------------------------------- stats


@dataclass
class StatsReport:
    document: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.document


def _nearest_rank(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p * len(sorted_values)))
    return sorted_values[rank - 1]


def _rate(counts: dict[str, Any]) -> dict[str, Any]:
    counts["pass_rate"] = round(counts["pass"] / counts["runs"], 4) if counts["runs"] else None
    return counts


def stats(
    store: MetricsStore,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    session: str | None = None,
    top: int = 5,
    include_rotated: bool = True,
) -> StatsReport:
    """The ``metrics-stats.v1`` document over every stream (spec §5.1)."""
    scan: dict[str, dict[str, Any]] = {}
    doc: dict[str, Any] = {
        "schema_version": 1,
        "generated_at": store.now_ts(),
        "window": {
            "since": format_ts(since) if since else None,
            "until": format_ts(until) if until else None,
            "session": session,
        },
    }
    doc["sessions"] = _session_stats(store, since, until, session, scan, include_rotated)
    gates, guard = _event_stats(store, since, until, session, scan, include_rotated)
    doc["gates"] = gates
    doc["guard"] = guard
    doc["learnings"] = _learning_stats(store, top, scan)
    doc["subagents"] = _subagent_stats(store, since, until, session, scan, include_rotated)
    doc["scan"] = scan
    return StatsReport(doc)


def _session_stats(
    store: MetricsStore,
    since: datetime | None,
    until: datetime | None,
    session: str | None,
    scan: dict[str, dict[str, Any]],
    include_rotated: bool,
) -> dict[str, Any]:
    result = read(store, Stream.SESSIONS, since=since, until=until, include_rotated=include_rotated)
    by_type: dict[str, int] = {}
    by_status: dict[str, int] = {}
    by_type_status: dict[str, dict[str, int]] = {}
    durations: list[float] = []
    durations_by_type: dict[str, list[float]] = {}
    waves: list[float] = []
    agents = {"complete": 0, "partial": 0, "failed": 0, "spiral": 0, "incomplete": 0}
    total = 0
    for record in result:
        if session is not None and record.get("session_id") != session:
            continue
        total += 1
        kind = str(record.get("session_type", "unknown"))
        status = str(record.get("status") or "completed")
        by_type[kind] = by_type.get(kind, 0) + 1
        by_status[status] = by_status.get(status, 0) + 1
        row = by_type_status.setdefault(kind, {})
        row[status] = row.get(status, 0) + 1
        if status != "completed":
            continue
        try:
            # An inverted pair counts as 0 s, as migrate clamps it (spec §6.5).
            seconds = max(
                0.0,
                (parse_ts(record["completed_at"]) - parse_ts(record["started_at"])).total_seconds(),
            )
            durations.append(seconds)
            durations_by_type.setdefault(kind, []).append(seconds)
        except (KeyError, ValueError, TypeError):
            pass
        if isinstance(record.get("total_waves"), (int, float)):
            waves.append(float(record["total_waves"]))
        incomplete = set(record.get("_incomplete_fields") or ()) | set(
            record.get("_backfill_incomplete_fields") or ()
        )
        summary = (
            record.get("agent_summary") if isinstance(record.get("agent_summary"), dict) else {}
        )
        if incomplete & {
            f"agent_summary.{k}" for k in ("complete", "partial", "failed", "spiral")
        } | ({"agent_summary"} & incomplete):
            agents["incomplete"] += 1
        for key in ("complete", "partial", "failed", "spiral"):
            if f"agent_summary.{key}" in incomplete or "agent_summary" in incomplete:
                continue
            value = summary.get(key) if isinstance(summary, dict) else None
            if isinstance(value, int) and not isinstance(value, bool):
                agents[key] += value
    scan["sessions"] = result.stats.as_dict()
    durations.sort()
    return {
        "total": total,
        "by_type": by_type,
        "by_status": by_status,
        "by_type_status": by_type_status,
        "duration_seconds": _duration_summary(durations),
        "duration_seconds_by_type": {
            k: _duration_summary(sorted(v)) for k, v in durations_by_type.items()
        },
        "waves": {"mean": round(sum(waves) / len(waves), 2) if waves else None},
        "agents": agents,
    }


def _duration_summary(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50": _nearest_rank(values, 0.5),
        "p90": _nearest_rank(values, 0.9),
        "mean": round(sum(values) / len(values), 2) if values else None,
        "max": values[-1] if values else None,
    }


_GUARD = "sessionkit.guard.decision"
_GATE = "sessionkit.gate.result"
_OVERRIDE = "sessionkit.guard.override.applied"


def _event_stats(
    store: MetricsStore,
    since: datetime | None,
    until: datetime | None,
    session: str | None,
    scan: dict[str, dict[str, Any]],
    include_rotated: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    stats = ScanStats()
    lo = format_ts(since) if since else None
    hi = format_ts(until) if until else None
    aliases = events.NAME_ALIASES
    interesting = {_GUARD, _GATE, _OVERRIDE}
    gates: dict[str, Any] = {"runs": 0, "pass": 0, "fail": 0, "error": 0}
    by_variant: dict[str, dict[str, Any]] = {}
    decisions: dict[str, int] = {"block": 0, "ask": 0, "warn": 0}
    by_check: dict[str, dict[str, int]] = {}
    by_rule: dict[str, dict[str, int]] = {}
    overridden: dict[str, int] = {}
    normalize = events.normalize_event
    windowed = lo is not None or hi is not None
    for record in raw_records(
        store, Stream.EVENTS, stats, include_rotated=include_rotated, since=since
    ):
        name = record.get("event")
        if name not in interesting:
            if name not in aliases and "event_type" not in record:
                continue
            record = normalize(record)
            name = record.get("event")
            if name not in interesting:
                continue
        elif record.get("schema_version") is None:
            record = normalize(record)
        if windowed:
            ts = record.get("timestamp")
            if not (isinstance(ts, str) and len(ts) == 24 and ts[23] == "Z"):
                ts = _canonical_ts(ts)
            if ts is None or (lo is not None and ts < lo) or (hi is not None and ts > hi):
                continue
        if session is not None and record.get("session_id") != session:
            continue
        if name == _GATE:
            status = record.get("status")
            if status not in ("pass", "fail", "error"):
                continue
            variant = str(record.get("variant", "unknown"))
            row = by_variant.get(variant)
            if row is None:
                row = by_variant[variant] = {"runs": 0, "pass": 0, "fail": 0, "error": 0}
            row["runs"] += 1
            row[status] += 1
            gates["runs"] += 1
            gates[status] += 1
        elif name == _GUARD:
            action = record.get("action")
            if action in decisions:
                decisions[action] += 1
            findings = record.get("findings")
            if isinstance(findings, list):
                for finding in findings:
                    if not isinstance(finding, dict):
                        continue
                    f_action = finding.get("action")
                    if f_action not in ("block", "ask", "warn"):
                        continue
                    check = str(finding.get("check", "unknown"))
                    per_check = by_check.get(check)
                    if per_check is None:
                        per_check = by_check[check] = {"block": 0, "ask": 0, "warn": 0}
                    per_check[f_action] += 1
                    rule = str(finding.get("rule_id", "unknown"))
                    per_rule = by_rule.get(rule)
                    if per_rule is None:
                        per_rule = by_rule[rule] = {"block": 0, "ask": 0, "warn": 0}
                    per_rule[f_action] += 1
        else:
            rule = str(record.get("rule", "unknown"))
            overridden[rule] = overridden.get(rule, 0) + 1
    scan["events"] = stats.as_dict()
    rules: list[dict[str, Any]] = [
        {"rule_id": rule, **counts, "overridden": overridden.get(rule, 0)}
        for rule, counts in by_rule.items()
    ]
    for rule, count in overridden.items():
        if rule not in by_rule:
            rules.append({"rule_id": rule, "block": 0, "ask": 0, "warn": 0, "overridden": count})
    rules.sort(key=lambda r: (-r["block"], -r["warn"], r["rule_id"]))
    gates = _rate(gates)
    gates["by_variant"] = {k: _rate(v) for k, v in sorted(by_variant.items())}
    guard = {"decisions": decisions, "by_check": by_check, "by_rule": rules}
    return gates, guard


def _learning_stats(
    store: MetricsStore, top: int, scan: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    from sessionkit.metrics import learnings

    view = learnings.Learnings(store)
    summary = view.summary(top=top)
    scan["learnings"] = summary.pop("_scan")
    return summary


def _subagent_stats(
    store: MetricsStore,
    since: datetime | None,
    until: datetime | None,
    session: str | None,
    scan: dict[str, dict[str, Any]],
    include_rotated: bool,
) -> dict[str, Any]:
    result = read(
        store, Stream.SUBAGENTS, since=since, until=until, include_rotated=include_rotated
    )
    started = stopped = timed = 0
    token_in: int | None = None
    token_out: int | None = None
    contributors: set[str] = set()
    for record in result:
        if session is not None and record.get("session_id") != session:
            continue
        kind = record.get("event")
        if kind == "start":
            started += 1
            continue
        if kind != "stop":
            continue
        stopped += 1
        if isinstance(record.get("duration_ms"), int) and record["duration_ms"] > 0:
            timed += 1
        if record.get("subagent_transcript_found") is True:
            for key, total in (("token_input", "in"), ("token_output", "out")):
                value = record.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    if total == "in":
                        token_in = (token_in or 0) + value
                    else:
                        token_out = (token_out or 0) + value
                    contributors.add(str(record.get("agent_id")))
    scan["subagents"] = result.stats.as_dict()
    return {
        "started": started,
        "stopped": stopped,
        "timed": timed,
        "token_input": token_in,
        "token_output": token_out,
        "with_tokens": len(contributors),
    }


class WorktreeUnion:
    """Several worktrees' stores read as one (``stats --all-worktrees``).

    Reads go through ``files()``, so sessions and learnings fold across worktrees: a record
    present in two worktrees (a tracked stream on two branches) counts once.
    """

    def __init__(self, stores: list[MetricsStore]) -> None:
        self.stores = stores
        primary = stores[0]
        self.settings = primary.settings
        self.clock = primary.clock
        self.root = primary.root
        self.state_root = primary.state_root

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stores[0], name)

    def files(self, stream: Stream | str, *, include_rotated: bool = True) -> list[str]:
        return [f for s in self.stores for f in s.files(stream, include_rotated=include_rotated)]

    def read(self, stream: Stream | str, **options: Any) -> ReadResult:
        return read(self, Stream(stream), **options)  # type: ignore[arg-type]


def worktree_stores(store: MetricsStore) -> list[MetricsStore]:
    """A store for every worktree of the repository (``git worktree list --porcelain``)."""
    from sessionkit import git
    from sessionkit.metrics.store import MetricsStore

    listing = git.output(["worktree", "list", "--porcelain"], cwd=store.worktree)
    paths = [
        line[len("worktree ") :] for line in listing.splitlines() if line.startswith("worktree ")
    ]
    stores = [store]
    for path in paths:
        if os.path.realpath(path) != os.path.realpath(store.worktree) and os.path.isdir(path):
            stores.append(MetricsStore(path, clock=store.clock))
    return stores


def scan_warning(name: str, stats: ScanStats) -> str | None:
    """The one stderr line CLI readers print when lines were skipped (spec §2.6)."""
    bad = stats.problems + stats.schema_invalid
    if not bad:
        return None
    first = min(stats.first.values()) if stats.first else None
    where = f" (first at line {first:,})" if first else ""
    noun = "line" if bad == 1 else "lines"
    return f"{name}: skipped {bad} invalid {noun}{where}; run `sessionkit metrics doctor`"


def store_files_summary(store: MetricsStore) -> dict[str, int]:
    return {s.value: len([f for f in store.files(s) if os.path.exists(f)]) for s in Stream}


# --------------------------------------------------------------------------- follow


class Follower:
    """``tail --follow`` (spec §5.2): new complete lines of a live file, across rotations.

    On POSIX the file stays open between polls. When the path names another inode (rotation,
    rewrite, checkout) the old descriptor is read to its end first, so lines appended just
    before a rotation are not skipped, and then the new file is read from its start. A file
    that shrank in place is read again from its start. On Windows the file is closed between
    polls (a held handle would block rewrites); there a rotation between two polls can skip
    the last lines of the old file.
    """

    def __init__(self, path: str, *, start_at_end: bool = True) -> None:
        self.path = path
        self._keep_open = os.name != "nt"
        self._handle: Any = None
        self._ident: tuple[int, int] | None = None
        self._position = 0
        self._partial = b""
        st = self._stat()
        #: the byte offset of ``path`` the first poll reads from (its size at construction)
        self.start = 0 if st is None or not start_at_end else st.st_size
        if st is not None:
            self._ident = (st.st_dev, st.st_ino)
            self._position = st.st_size if start_at_end else 0
            if self._keep_open:
                self._open()

    def _stat(self) -> os.stat_result | None:
        try:
            return os.stat(self.path)
        except FileNotFoundError:
            return None

    def _open(self) -> None:
        try:
            self._handle = open(self.path, "rb")  # noqa: SIM115 - held across polls
        except FileNotFoundError:
            self._handle = None
            return
        self._handle.seek(self._position)

    def _read_new(self) -> bytes:
        if self._keep_open:
            return self._handle.read() if self._handle is not None else b""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._position)
                return handle.read()
        except FileNotFoundError:
            return b""

    def _lines(self, data: bytes, *, final: bool = False) -> list[bytes]:
        self._position += len(data)
        data = self._partial + data
        end = data.rfind(b"\n") + 1
        self._partial = b"" if final else data[end:]
        return data[:end].split(b"\n")[:-1]

    def poll(self) -> list[bytes]:
        """The complete lines written since the last poll, oldest first."""
        out = self._lines(self._read_new())
        st = self._stat()
        if st is None:
            return out
        ident = (st.st_dev, st.st_ino)
        if ident != self._ident or st.st_size < self._position:
            if ident != self._ident and self._keep_open:
                out += self._lines(self._read_new(), final=True)  # the rest of the old file
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            self._ident, self._position, self._partial = ident, 0, b""
            if self._keep_open:
                self._open()
            out += self._lines(self._read_new())
        return out

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def follow(
    path: str,
    predicate: Callable[[dict[str, Any]], bool] | None = None,
    *,
    interval: float = 0.5,
    follower: Follower | None = None,
) -> Iterator[dict[str, Any]]:
    """Matching records appended to ``path`` from now on (or from ``follower``'s start),
    polled every ``interval`` seconds."""
    import time

    if follower is None:
        follower = Follower(path)
    try:
        while True:
            time.sleep(interval)
            for raw in follower.poll():
                record, _problem = _jsonl.classify(raw)
                if record is not None and (predicate is None or predicate(record)):
                    yield record
    finally:
        follower.close()
