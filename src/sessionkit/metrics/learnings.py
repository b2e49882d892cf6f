"""The learnings lifecycle in code (spec §4): one TTL table, one expiry function, one rank.

Every operation that changes existing lines is one rewrite of ``learnings.jsonl`` (§2.5);
``add`` appends under the same lock after its dedupe scan.
"""

from __future__ import annotations

import builtins
import math
import os
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sessionkit.errors import UsageError
from sessionkit.metrics import _jsonl, events, fold, legacy
from sessionkit.metrics._jsonl import Line
from sessionkit.metrics.errors import LearningNotFound, RecordInvalid
from sessionkit.metrics.rewrite import Archive, Fold, Keep, Replace, RewritePlan
from sessionkit.metrics.settings import LearningsSettings
from sessionkit.metrics.streams import Stream
from sessionkit.metrics.timestamps import days, format_ts, parse_ts, shift
from sessionkit.metrics.validation import problems

if TYPE_CHECKING:
    from sessionkit.metrics.store import MetricsStore

# The only TTL table (days per canonical type).
TTL_DAYS: dict[str, int] = {
    "mode-selector-accuracy": 30,
    **dict.fromkeys(("fragile-file", "effective-sizing", "recurring-issue", "fragile-pattern"), 45),
    **dict.fromkeys(
        (
            "hardware-pattern",
            "domain-regression",
            "stagnation-class-frequency",
            "scope-guidance",
            "deviation-pattern",
        ),
        60,
    ),
    **dict.fromkeys(
        (
            "workflow-pattern",
            "proven-pattern",
            "anti-pattern",
            "autopilot-effectiveness",
            "autonomy-verdict",
            "convention",
            "architecture-pattern",
            "design-pattern",
        ),
        90,
    ),
}
DEFAULT_TTL_DAYS = 60
TYPE_ALIASES = legacy.LEARNING_TYPE_ALIASES
CONFIRM_STEP = 0.15
CONTRADICT_STEP = 0.2
SESSION_LIST_CAP = 50
ARCHIVE_REASONS = ("expired", "pruned", "superseded", "merged")
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:sessionkit:learning")


def canonical_type(type_: str) -> str:
    return TYPE_ALIASES.get(type_, type_)


def ttl_for(type_: str, *, settings: LearningsSettings | None = None) -> int:
    canonical = canonical_type(type_)
    if settings is not None:
        if canonical in settings.ttl_days:
            return int(settings.ttl_days[canonical])
        return TTL_DAYS.get(canonical, settings.default_ttl_days)
    return TTL_DAYS.get(canonical, DEFAULT_TTL_DAYS)


def derive_expires_at(base: str, type_: str, *, settings: LearningsSettings | None = None) -> str:
    """``base + ttl_for(type_)``, saturated at the latest representable instant (year 9999)."""
    return format_ts(shift(parse_ts(base), days(ttl_for(type_, settings=settings))))


def _parse(value: Any) -> datetime | None:
    try:
        return parse_ts(value)
    except (ValueError, TypeError):
        return None


def is_expired(
    record: Mapping[str, Any], now: datetime, *, grace: timedelta = timedelta(0)
) -> bool:
    """THE expiry function: true iff ``expires_at`` parses and ``now >= expires_at + grace``."""
    expires = _parse(record.get("expires_at"))
    # Saturating: an expiry plus grace beyond the year 9999 is never reached (no OverflowError).
    return expires is not None and now >= shift(expires, grace)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _confidence(record: Mapping[str, Any]) -> float | None:
    value = record.get("confidence")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def effective_score(
    record: Mapping[str, Any],
    now: datetime,
    *,
    half_life_days: float = 90.0,
    floor_factor: float = 0.1,
    enabled: bool = True,
) -> float:
    """Confidence decayed by age for ranking (the stored confidence never changes)."""
    c = _confidence(record) or 0.0
    if not enabled:
        return c
    refs = [_parse(record.get(k)) for k in ("last_confirmed_at", "updated_at", "created_at")]
    known = [r for r in refs if r is not None]
    age_days = max(0.0, (now - max(known)).total_seconds() / 86400) if known else 0.0
    return float(c * max(0.5 ** (age_days / half_life_days), floor_factor))


def normalise_subject(subject: str) -> str:
    return " ".join(unicodedata.normalize("NFC", subject).split()).casefold()


def dedupe_key(record: Mapping[str, Any]) -> tuple[str, str] | None:
    subject = record.get("subject")
    kind = record.get("type")
    if not isinstance(subject, str) or not isinstance(kind, str):
        return None
    normalised = normalise_subject(subject)
    if not normalised:
        return None
    return canonical_type(kind), normalised


def next_version_stamp(previous: Mapping[str, Any], now: datetime) -> str:
    """``updated_at`` of a new version: now, but always later than the version it replaces.

    The fold keeps the version with the latest ``updated_at``; two versions written in the same
    millisecond would otherwise be ordered by their content, not by their history.
    """
    before = _parse(previous.get("updated_at")) or _parse(previous.get("created_at"))
    if before is not None and now <= before:
        now = shift(before, timedelta(milliseconds=1))
    return format_ts(now)


def _round(c: float) -> float:
    return round(min(1.0, max(0.0, c)), 4)


def _append_capped(values: Any, item: str) -> list[str]:
    out = [v for v in (values if isinstance(values, list) else []) if isinstance(v, str)]
    if item not in out:
        out.append(item)
    return out[-SESSION_LIST_CAP:]


def dedupe_order(record: Mapping[str, Any]) -> tuple[float, str, str, str]:
    """Sort key of a dedupe group: the first element wins (spec §4.4)."""
    updated = str(record.get("updated_at") or "")
    # confidence desc, updated_at desc, created_at asc, id asc.
    return (
        -(_confidence(record) or 0.0),
        "".join(chr(0x10FFFF - ord(ch)) for ch in updated),
        str(record.get("created_at") or ""),
        str(record.get("id") or ""),
    )


@dataclass(frozen=True)
class Ranked:
    """A surfaced learning (spec §4.3); a text field the record lacks (a subject-less legacy
    learning) is None, never an invented string."""

    id: str
    type: str | None
    subject: str | None
    insight: str | None
    confidence: float
    score: float
    expires_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "subject": self.subject,
            "insight": self.insight,
            "confidence": self.confidence,
            "score": round(self.score, 4),
            "expires_at": self.expires_at,
        }


@dataclass
class LearningResult:
    action: str
    learning: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.learning.get("id"))


@dataclass
class LearningsReport:
    kind: str
    dry_run: bool
    changed: bool = False
    grace_days: int | None = None
    scanned_lines: int = 0
    live_before: int = 0
    live_after: int = 0
    archived: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ARCHIVE_REASONS, 0))
    folded: dict[str, int] = field(default_factory=lambda: {"versions": 0, "tombstoned": 0})
    quarantined: int = 0
    schema_invalid_kept: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "schema_version": 1,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "changed": self.changed,
        }
        if self.grace_days is not None:
            doc["grace_days"] = self.grace_days
        doc.update(
            scanned_lines=self.scanned_lines,
            live_before=self.live_before,
            live_after=self.live_after,
            archived=self.archived,
            folded=self.folded,
            quarantined=self.quarantined,
            schema_invalid_kept=self.schema_invalid_kept,
        )
        if self.counts:
            doc["counts"] = self.counts
        doc["items"] = self.items
        return doc


@dataclass
class _Entry:
    """One learning id in a pre-image: its winning line and the other versions."""

    id: str
    line: Line
    record: dict[str, Any]
    others: list[Line]
    tombstoned: bool
    _valid: bool | None = field(default=None, repr=False)

    @property
    def valid(self) -> bool:
        """No error-level problem (schema or semantic) in the winning record.

        Computed on first use: a schema check per entry is most of an analysis's cost, and
        ``add`` (which analyses the whole store under its lock) never asks.
        """
        if self._valid is None:
            found = problems(Stream.LEARNINGS, self.record)
            self._valid = not any(p.severity == "error" for p in found)
        return self._valid


def _analyse(lines: list[Line], tombstones: dict[str, str]) -> tuple[dict[str, _Entry], list[Line]]:
    """Group parseable lines by id (normalised records); lines without id are returned apart."""
    groups: dict[str, list[tuple[Line, dict[str, Any]]]] = {}
    loose: list[Line] = []
    for line in lines:
        if line.record is None:
            continue
        record = legacy.normalize_learning(line.record)
        lid = record.get("id")
        if not isinstance(lid, str) or not lid:
            loose.append(line)
            continue
        groups.setdefault(lid, []).append((line, record))
    entries = {}
    for lid, members in groups.items():
        line, record = max(members, key=lambda m: fold.learning_key(m[1]))
        others = [m[0] for m in members if m[0] is not line]
        entries[lid] = _Entry(lid, line, record, others, fold.is_tombstoned(record, tombstones))
    return entries, loose


class Learnings:
    """Lifecycle operations on the learnings of one store (``store.learnings``)."""

    def __init__(self, store: MetricsStore) -> None:
        self.store = store
        self.settings = store.settings.learnings

    # ------------------------------------------------------------------ reading

    def _archive_records(self) -> list[dict[str, Any]]:
        stats = _jsonl.ScanStats()
        return [
            legacy.normalize_learning(r)
            for path in self.store.files(Stream.LEARNINGS_ARCHIVE, include_rotated=False)
            for r in _jsonl.iter_records(path, stats)
        ]

    def _tombstones(self) -> dict[str, str]:
        return fold.newest_tombstones(self._archive_records())

    def _folded(self) -> list[dict[str, Any]]:
        return list(self.store.read(Stream.LEARNINGS, fold=True))

    def list(
        self,
        include_expired: bool = False,
        include_archived: bool = False,
        type: str | None = None,
    ) -> list[dict[str, Any]]:
        now = self.store.now()
        out = [r for r in self._folded() if include_expired or not is_expired(r, now)]
        if include_archived:
            live_ids = {r.get("id") for r in out}
            archived, _ = fold.fold_archive(self._archive_records())
            latest: dict[str, dict[str, Any]] = {}
            for record in archived:
                lid = str(record.get("id"))
                if lid not in live_ids and str(record.get("_archived_at")) >= str(
                    latest.get(lid, {}).get("_archived_at", "")
                ):
                    latest[lid] = record
            out.extend(latest.values())
        if type is not None:
            wanted = canonical_type(type)
            out = [r for r in out if r.get("type") == wanted]
        return out

    def get(self, id: str) -> dict[str, Any]:
        for record in self._folded():
            if record.get("id") == id:
                return record
        if id in self._tombstones():
            raise LearningNotFound(
                f"learning {id} is archived",
                hint=f"restore it with `sessionkit learnings restore {id}`",
            )
        raise LearningNotFound(
            f"no learning with id {id}", hint="list them with `sessionkit learnings list --all`"
        )

    def surface(
        self, n: int | None = None, *, now: datetime | None = None
    ) -> builtins.list[Ranked]:
        """The top ``n`` live, unexpired learnings above the minimum confidence, ranked."""
        now = now or self.store.now()
        n = self.settings.surface_top_n if n is None else n
        ranked = []
        for record in self._folded():
            c = _confidence(record)
            if c is None or c <= self.settings.min_confidence or is_expired(record, now):
                continue
            score = effective_score(
                record,
                now,
                half_life_days=self.settings.half_life_days,
                floor_factor=self.settings.floor_factor,
                enabled=self.settings.rank_enabled,
            )
            ranked.append((record, score))
        ranked.sort(
            key=lambda rs: (
                -rs[1],
                "".join(chr(0x10FFFF - ord(ch)) for ch in str(rs[0].get("created_at") or "")),
                str(rs[0].get("id")),
            )
        )
        return [
            Ranked(
                str(r.get("id")),
                _text(r.get("type")),
                _text(r.get("subject")),
                _text(r.get("insight")),
                float(r["confidence"]),
                s,
                r.get("expires_at") if isinstance(r.get("expires_at"), str) else None,
            )
            for r, s in ranked[:n]
        ]

    def summary(self, *, top: int = 5) -> dict[str, Any]:
        """The learnings section of ``metrics stats``."""
        result = self.store.read(Stream.LEARNINGS, fold=True)
        live = list(result)
        now = self.store.now()
        grace = days(self.settings.sweep_grace_days)
        expired_in_grace = sum(
            1 for r in live if is_expired(r, now) and not is_expired(r, now, grace=grace)
        )
        archived = dict.fromkeys(ARCHIVE_REASONS, 0)
        records, _ = fold.fold_archive(self._archive_records())
        for record in records:
            reason = record.get("_archive_reason")
            if reason in archived:
                archived[reason] += 1
        top_items = [
            {k: v for k, v in r.to_json().items() if k != "insight"} for r in self.surface(top)
        ]
        return {
            "live": sum(1 for r in live if not is_expired(r, now)),
            "expired_in_grace": expired_in_grace,
            "archived": archived,
            "top": top_items,
            "_scan": result.stats.as_dict(),
        }

    # ------------------------------------------------------------------ helpers

    def _session(self, session: str | None) -> str:
        if session and session != "auto":
            return session
        resolved = events.resolve_session_id(str(self.store.state_root))
        if not resolved:
            raise UsageError("no current session; pass --session")
        return resolved

    def _ttl_expiry(self, type_: str, now: datetime) -> str:
        return format_ts(shift(now, days(ttl_for(type_, settings=self.settings))))

    def _emit(self, name: str, record: Mapping[str, Any], **extra: Any) -> None:
        payload = {
            "learning_id": record.get("id"),
            "type": record.get("type"),
            **extra,
        }
        if "reason" not in extra:
            payload["confidence"] = record.get("confidence")
        self.store.emit_internal(name, payload)

    def _confirmed(
        self, record: dict[str, Any], session: str, evidence: str | None, now: datetime
    ) -> dict[str, Any] | None:
        if session in (record.get("evidence_sessions") or []):
            return None
        out = dict(record)
        out["confidence"] = _round((_confidence(record) or 0.0) + CONFIRM_STEP)
        stamp = next_version_stamp(record, now)
        out["last_confirmed_at"] = stamp
        out["updated_at"] = stamp
        renewed = self._ttl_expiry(str(record.get("type")), now)
        current = record.get("expires_at")
        out["expires_at"] = max(renewed, current) if isinstance(current, str) else renewed
        out["evidence_sessions"] = _append_capped(record.get("evidence_sessions"), session)
        if evidence:
            existing = out.get("evidence")
            if isinstance(existing, list):
                out["evidence"] = [*existing, evidence]
            elif existing:
                out["evidence"] = f"{existing}; {evidence}"[:5000]
            else:
                out["evidence"] = evidence
        return out

    def _contradicted(
        self, record: dict[str, Any], session: str, now: datetime
    ) -> dict[str, Any] | None:
        if session in (record.get("contradicting_sessions") or []):
            return None
        out = dict(record)
        out["confidence"] = _round((_confidence(record) or 0.0) - CONTRADICT_STEP)
        stamp = next_version_stamp(record, now)
        out["last_contradicted_at"] = stamp
        out["updated_at"] = stamp
        out["contradicting_sessions"] = _append_capped(
            record.get("contradicting_sessions"), session
        )
        return out

    def new_record(
        self,
        type_: str,
        subject: str,
        insight: str,
        evidence: str | Sequence[str],
        *,
        confidence: float,
        session: str,
        file_paths: Iterable[str] = (),
        title: str | None = None,
    ) -> dict[str, Any]:
        if not isinstance(subject, str) or not subject.strip():
            raise RecordInvalid("learnings record invalid at /subject: subject must not be empty")
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            raise RecordInvalid("learnings record invalid at /confidence: must be a number")
        if not math.isfinite(confidence):  # NaN would otherwise be clamped to 0.0 (spec §2.2)
            raise RecordInvalid(
                f"learnings record invalid at /confidence: {confidence} is not a finite number",
                pointer="/confidence",
            )
        now = self.store.now()
        stamp = format_ts(now)
        kind = canonical_type(type_)
        record: dict[str, Any] = {
            "schema_version": 1,
            "id": str(uuid.uuid4()),
            "type": kind,
            "subject": " ".join(subject.split()),
            "insight": insight,
            "evidence": evidence if isinstance(evidence, str) else list(evidence),
            "confidence": _round(float(confidence)),
            "source_session": session,
            "evidence_sessions": [session],
        }
        paths = list(file_paths)
        if paths:
            record["file_paths"] = paths
        if title:
            record["title"] = title
        record["scope"] = "local"
        record["created_at"] = stamp
        record["updated_at"] = stamp
        record["expires_at"] = self._ttl_expiry(kind, now)
        return record

    # ------------------------------------------------------------------ operations

    def add(
        self,
        type: str,
        subject: str,
        insight: str,
        evidence: str | Sequence[str] = "",
        *,
        confidence: float = 0.5,
        session: str | None = "auto",
        file_paths: Iterable[str] = (),
        title: str | None = None,
    ) -> LearningResult:
        """Add a learning, or confirm the live one with the same dedupe key."""
        sid = self._session(session)
        record = self.new_record(
            type,
            subject,
            insight,
            evidence,
            confidence=confidence,
            session=sid,
            file_paths=file_paths,
            title=title,
        )
        line, _parsed = self.store.prepare(Stream.LEARNINGS, record)
        key = dedupe_key(record)
        path = str(self.store.path(Stream.LEARNINGS))
        if events.metrics_disabled():  # a no-op that creates nothing (spec §2.1)
            return LearningResult("disabled", record)
        os.makedirs(self.store.root, exist_ok=True)
        with _jsonl.LockedFile(path, timeout=self.store.settings.metrics.lock_timeout_s) as locked:
            size = os.fstat(locked.fd).st_size
            lines, _stats = _jsonl.split_lines(_jsonl._read_at(locked.fd, size, 0) if size else b"")
            entries, _loose = _analyse(lines, self._tombstones())
            now = self.store.now()
            for entry in entries.values():
                if entry.tombstoned or is_expired(entry.record, now):
                    continue
                if key is not None and dedupe_key(entry.record) == key:
                    existing = entry.record
                    break
            else:
                existing = None
            if existing is None:
                _jsonl.write_locked(locked, line, fsync=self.store.fsync_for(Stream.LEARNINGS))
        if existing is not None:
            result = self.confirm(str(existing["id"]), session=sid, evidence=None)
            return LearningResult("confirmed-existing", result.learning)
        self._emit("sessionkit.learning.added", record)
        return LearningResult("added", record)

    def _rewrite_one(
        self, id: str, change: Any, *, reason: str, allow_expired: bool = True
    ) -> LearningResult:
        """Replace the winning line of ``id`` with ``change(record)`` (None: no-op)."""
        tombstones = self._tombstones()
        outcome: dict[str, Any] = {}

        def planner(lines: builtins.list[Line]) -> RewritePlan:
            entries, _loose = _analyse(lines, tombstones)
            plan = RewritePlan({line.number: Keep() for line in lines})
            entry = entries.get(id)
            if entry is None or entry.tombstoned:
                archived = id in tombstones
                raise LearningNotFound(
                    f"learning {id} is archived" if archived else f"no learning with id {id}",
                    hint=(
                        f"restore it with `sessionkit learnings restore {id} --apply`"
                        if archived
                        else "list them with `sessionkit learnings list --all`"
                    ),
                )
            updated = change(entry.record)
            outcome["record"] = updated or entry.record
            outcome["action"] = "unchanged" if updated is None else reason
            if updated is not None:
                plan.dispositions[entry.line.number] = Replace(updated)
            return plan

        self.store.rewrite(Stream.LEARNINGS, planner, reason="outcome", dry_run=False)
        return LearningResult(outcome["action"], outcome["record"])

    def confirm(
        self, id: str, *, session: str | None = "auto", evidence: str | None = None
    ) -> LearningResult:
        sid = self._session(session)
        now = self.store.now()
        result = self._rewrite_one(
            id, lambda r: self._confirmed(r, sid, evidence, now), reason="confirmed"
        )
        if result.action == "confirmed":
            self._emit("sessionkit.learning.confirmed", result.learning)
        return result

    def contradict(self, id: str, *, session: str | None = "auto") -> LearningResult:
        sid = self._session(session)
        now = self.store.now()

        def change(record: dict[str, Any]) -> dict[str, Any] | None:
            if is_expired(record, now):
                raise LearningNotFound(
                    f"learning {id} has expired; confirm it to revive it or let sweep archive it"
                )
            return self._contradicted(record, sid, now)

        result = self._rewrite_one(id, change, reason="contradicted")
        if result.action == "contradicted":
            self._emit("sessionkit.learning.contradicted", result.learning)
        return result

    def apply_outcome(
        self,
        session: str,
        *,
        confirmed: Iterable[str] = (),
        contradicted: Iterable[str] = (),
        new: Iterable[Mapping[str, Any]] = (),
        decay_rate: float | None = None,
        dry_run: bool = True,
    ) -> LearningsReport:
        """Confirm, contradict, add, then decay everything else, in one rewrite."""
        rate = self.settings.decay_rate if decay_rate is None else decay_rate
        now = self.store.now()
        today = now.strftime("%Y-%m-%d")
        confirmed, contradicted = list(confirmed), list(contradicted)
        drafts: builtins.list[dict[str, Any]] = []
        for index, d in enumerate(new):
            try:
                draft = self.new_record(
                    str(d.get("type", "")),
                    str(d.get("subject", "")),
                    str(d.get("insight", "")),
                    d.get("evidence", ""),
                    confidence=float(d.get("confidence", 0.5)),
                    session=session,
                    file_paths=d.get("file_paths", ()) or (),
                    title=d.get("title"),
                )
                self.store.prepare(Stream.LEARNINGS, draft)  # any invalid record: nothing applied
            except RecordInvalid as exc:
                exc.record_index = index
                raise
            drafts.append(draft)
        tombstones = self._tombstones()
        report = LearningsReport("apply-outcome", dry_run)
        counts = {"confirmed": 0, "contradicted": 0, "added": 0, "decayed": 0}

        def planner(lines: builtins.list[Line]) -> RewritePlan:
            entries, _loose = _analyse(lines, tombstones)
            plan = RewritePlan({line.number: Keep() for line in lines})
            live = {k: e for k, e in entries.items() if not e.tombstoned}
            current = {k: e.record for k, e in live.items()}
            touched: set[str] = set()
            for lid in (*confirmed, *contradicted):
                if lid not in live:
                    raise LearningNotFound(f"no live learning with id {lid}")
            for lid in confirmed:
                touched.add(lid)
                updated = self._confirmed(current[lid], session, None, now)
                if updated is not None:
                    current[lid] = updated
                    counts["confirmed"] += 1
            for lid in contradicted:
                touched.add(lid)
                updated = self._contradicted(current[lid], session, now)
                if updated is not None:
                    current[lid] = updated
                    counts["contradicted"] += 1
            for draft in drafts:
                key = dedupe_key(draft)
                match = next(
                    (
                        lid
                        for lid, rec in current.items()
                        if key is not None and dedupe_key(rec) == key and not is_expired(rec, now)
                    ),
                    None,
                )
                if match is None:
                    plan.append.append(draft)
                    counts["added"] += 1
                    continue
                touched.add(match)
                updated = self._confirmed(current[match], session, None, now)
                if updated is not None:
                    current[match] = updated
                    counts["confirmed"] += 1
            if rate > 0:
                for lid, rec in current.items():
                    if lid in touched or is_expired(rec, now):
                        continue
                    if (
                        rec.get("last_decay_on") == today
                        or rec.get("last_decay_session") == session
                    ):
                        continue
                    if _confidence(rec) is None:
                        continue
                    decayed = dict(rec)
                    decayed["confidence"] = _round((_confidence(rec) or 0.0) - rate)
                    decayed["last_decay_on"] = today
                    decayed["last_decay_session"] = session
                    decayed["updated_at"] = next_version_stamp(rec, now)
                    current[lid] = decayed
                    counts["decayed"] += 1
            for lid, rec in current.items():
                if rec is not live[lid].record:
                    plan.dispositions[live[lid].line.number] = Replace(rec)
                    report.items.append(
                        {"id": lid, "action": "replace", "line": live[lid].line.number}
                    )
            return plan

        result = self.store.rewrite(Stream.LEARNINGS, planner, reason="outcome", dry_run=dry_run)
        report.changed = result.changed
        report.scanned_lines = result.scanned_lines
        report.counts = counts
        if result.changed and not dry_run:
            self.store.emit_internal("sessionkit.learning.outcome_applied", counts)
        return report

    def archive(
        self,
        id: str,
        reason: str,
        *,
        into: str | None = None,
        note: str | None = None,
        dry_run: bool = True,
    ) -> LearningsReport:
        if reason not in ARCHIVE_REASONS:
            raise UsageError(f"--reason must be one of {', '.join(ARCHIVE_REASONS)}")
        if reason in ("superseded", "merged") and not into:
            raise UsageError(f"--into is required with --reason {reason}")
        extra: dict[str, Any] = {"_archived_by": "sessionkit learnings archive"}
        if reason == "superseded":
            extra["_superseded_by"] = into
        elif reason == "merged":
            extra["_merged_into"] = into
        if note:
            extra["_archive_note"] = note
        tombstones = self._tombstones()
        report = LearningsReport("archive", dry_run)
        archived: dict[str, Any] = {}

        def planner(lines: builtins.list[Line]) -> RewritePlan:
            entries, _loose = _analyse(lines, tombstones)
            entry = entries.get(id)
            if entry is None or entry.tombstoned:
                raise LearningNotFound(f"no live learning with id {id}")
            archived.clear()
            archived.update(entry.record)
            if into is not None:
                # checked in the same locked snapshot as the archived line: a pointer to a
                # learning that does not exist (or to itself) would leave the archive dangling
                target = entries.get(into)
                if into == id or target is None or target.tombstoned:
                    raise LearningNotFound(
                        f"--into {into}: no other live learning with that id; "
                        "name the learning that replaces this one"
                    )
            plan = RewritePlan({line.number: Keep() for line in lines})
            plan.dispositions[entry.line.number] = Archive(reason, extra)
            # Older versions fold into a line that leaves: point them at the archive.
            for other in entry.others:
                plan.dispositions[other.number] = Fold("archive")
            report.items.append(
                {"id": id, "action": "archive", "reason": reason, "line": entry.line.number}
            )
            return plan

        result = self.store.rewrite(Stream.LEARNINGS, planner, reason="archive", dry_run=dry_run)
        report.changed = result.changed
        report.archived[reason] += 1
        if result.changed and not dry_run:  # as prune and sweep do (§3.5 registry)
            self._emit("sessionkit.learning.archived", archived, reason=reason)
        return report

    def restore(
        self, id: str, *, session: str | None = "auto", dry_run: bool = True
    ) -> LearningsReport:
        # Unlike add/confirm/contradict, restore needs no session (§4.6: exit 0 or 1): the
        # restoring session, when known, joins evidence_sessions.
        sid = session if session and session != "auto" else None
        if session == "auto":
            sid = events.resolve_session_id(str(self.store.state_root)) or None
        archived = [r for r in self._archive_records() if r.get("id") == id]
        if not archived:
            raise LearningNotFound(f"learning {id} is not in the archive")
        latest = max(archived, key=lambda r: str(r.get("_archived_at")))
        tombstones = self._tombstones()
        now = self.store.now()
        report = LearningsReport("restore", dry_run)

        def planner(lines: builtins.list[Line]) -> RewritePlan:
            entries, _loose = _analyse(lines, tombstones)
            entry = entries.get(id)
            if entry is not None and not entry.tombstoned:
                raise LearningNotFound(f"learning {id} is live; nothing to restore")
            plan = RewritePlan({line.number: Keep() for line in lines})
            if entry is not None:
                for line in (entry.line, *entry.others):
                    plan.dispositions[line.number] = Fold("archive")
            revived = {k: v for k, v in latest.items() if not k.startswith("_archive")}
            for key in ("_superseded_by", "_merged_into"):
                revived.pop(key, None)
            c = _confidence(latest)
            revived["confidence"] = c if c is not None and c > 0 else 0.5
            revived["updated_at"] = next_version_stamp(
                {"updated_at": latest.get("_archived_at")}, now
            )
            revived["expires_at"] = self._ttl_expiry(str(latest.get("type")), now)
            if sid is not None:
                revived["evidence_sessions"] = _append_capped(latest.get("evidence_sessions"), sid)
            plan.append.append(revived)
            report.items.append({"id": id, "action": "restore"})
            return plan

        result = self.store.rewrite(Stream.LEARNINGS, planner, reason="restore", dry_run=dry_run)
        report.changed = result.changed
        if result.changed and not dry_run:
            self._emit(
                "sessionkit.learning.restored", {**latest, "confidence": latest.get("confidence")}
            )
        return report

    def sweep(self, *, grace_days: int | None = None, dry_run: bool = True) -> LearningsReport:
        return self._compact("sweep", grace_days, dry_run)

    def prune(self, *, grace_days: int | None = None, dry_run: bool = True) -> LearningsReport:
        return self._compact("prune", grace_days, dry_run)

    def _compact(self, kind: str, grace_days: int | None, dry_run: bool) -> LearningsReport:
        grace_days = self.settings.sweep_grace_days if grace_days is None else grace_days
        if grace_days < 0:
            raise UsageError("--grace-days must be 0 or more")
        grace = days(grace_days)
        now = self.store.now()
        tombstones = self._tombstones()
        report = LearningsReport(kind, dry_run, grace_days=grace_days)
        archived_ids: builtins.list[tuple[dict[str, Any], str]] = []

        def planner(lines: builtins.list[Line]) -> RewritePlan:
            entries, loose = _analyse(lines, tombstones)
            plan = RewritePlan({})
            for line in loose:
                plan.dispositions[line.number] = Keep()
            live: builtins.list[_Entry] = []
            report.live_before = sum(1 for e in entries.values() if not e.tombstoned)
            for entry in entries.values():
                if entry.tombstoned:
                    for line in (entry.line, *entry.others):
                        plan.dispositions[line.number] = Fold("archive")
                        report.folded["tombstoned"] += 1
                    continue
                plan.dispositions[entry.line.number] = Keep()
                for other in entry.others:
                    plan.dispositions[other.number] = Fold(entry.line.number)
                    report.folded["versions"] += 1
                # kept, and listed: doctor's missing-expiry, which repair derives (§4.1, §4.5)
                if _parse(entry.record.get("expires_at")) is None:
                    self._kept_entry(entry, "missing-expiry", report)
                if not entry.valid:
                    if _parse(entry.record.get("expires_at")) is not None:
                        self._kept_entry(entry, "schema-invalid", report)
                    report.schema_invalid_kept += 1
                    continue
                reason = None
                if is_expired(entry.record, now, grace=grace):
                    reason = "expired"
                elif kind == "prune" and (_confidence(entry.record) or 0.0) <= 0:
                    reason = "pruned"
                if reason is None:
                    live.append(entry)
                    continue
                self._archive_entry(plan, entry, reason, {}, report, kind)
                archived_ids.append((entry.record, reason))
            if kind == "prune":
                self._dedupe(plan, live, report, archived_ids)
            report.live_after = report.live_before - sum(report.archived.values())
            return plan

        result = self.store.rewrite(
            Stream.LEARNINGS,
            planner,
            reason=kind,
            dry_run=dry_run,
            by=f"sessionkit learnings {kind}",
        )
        report.changed = result.changed
        report.scanned_lines = result.scanned_lines
        report.quarantined = result.quarantined
        if result.changed and not dry_run:
            for record, reason in archived_ids:
                self._emit("sessionkit.learning.archived", record, reason=reason)
        return report

    @staticmethod
    def _kept_entry(entry: _Entry, reason: str, report: LearningsReport) -> None:
        """List a line that sweep and prune keep verbatim but report (spec §4.5)."""
        report.items.append(
            {
                "id": entry.id,
                "subject": entry.record.get("subject"),
                "action": "keep",
                "reason": reason,
                "line": entry.line.number,
            }
        )

    def _archive_entry(
        self,
        plan: RewritePlan,
        entry: _Entry,
        reason: str,
        extra: dict[str, Any],
        report: LearningsReport,
        kind: str,
    ) -> None:
        extra = {**extra, "_archived_by": f"sessionkit learnings {kind}"}
        plan.dispositions[entry.line.number] = Archive(reason, extra)
        for other in entry.others:
            plan.dispositions[other.number] = Fold("archive")
        report.archived[reason] += 1
        report.items.append(
            {
                "id": entry.id,
                "subject": entry.record.get("subject"),
                "action": "archive",
                "reason": reason,
                "line": entry.line.number,
            }
        )

    def _dedupe(
        self,
        plan: RewritePlan,
        live: builtins.list[_Entry],
        report: LearningsReport,
        archived_ids: builtins.list[tuple[dict[str, Any], str]],
    ) -> None:
        groups: dict[tuple[str, str], builtins.list[_Entry]] = {}
        for entry in live:
            key = dedupe_key(entry.record)
            if key is not None:
                groups.setdefault(key, []).append(entry)
        for members in groups.values():
            if len(members) < 2:
                continue
            members.sort(key=lambda e: dedupe_order(e.record))
            winner, losers = members[0], members[1:]
            merged = dict(winner.record)
            sessions = list(winner.record.get("evidence_sessions") or [])
            paths = list(winner.record.get("file_paths") or [])
            for loser in losers:
                for s in loser.record.get("evidence_sessions") or []:
                    if s not in sessions:
                        sessions.append(s)
                for p in loser.record.get("file_paths") or []:
                    if p not in paths:
                        paths.append(p)
                self._archive_entry(
                    plan, loser, "superseded", {"_superseded_by": winner.id}, report, "prune"
                )
                archived_ids.append((loser.record, "superseded"))
            if sessions != list(winner.record.get("evidence_sessions") or []):
                merged["evidence_sessions"] = sessions[-SESSION_LIST_CAP:]
            if paths != list(winner.record.get("file_paths") or []):
                merged["file_paths"] = paths
            if merged != winner.record:
                plan.dispositions[winner.line.number] = Replace(merged)


def deterministic_id(type_: str, subject: str, created_at: str, source_session: str) -> str:
    """UUID v5 of a migrated learning without id: identical on every clone (spec §6.5)."""
    return str(uuid.uuid5(_ID_NAMESPACE, "\x1f".join([type_, subject, created_at, source_session])))
