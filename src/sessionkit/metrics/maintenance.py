"""validate, doctor, repair, init and the pre-commit check of staged files (spec §6)."""

from __future__ import annotations

import gzip
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessionkit.metrics import _jsonl, events, fold, legacy, rotation
from sessionkit.metrics._jsonl import Line
from sessionkit.metrics.errors import MetricsIOError
from sessionkit.metrics.learnings import TTL_DAYS, canonical_type, derive_expires_at
from sessionkit.metrics.rewrite import Fold, Keep, Quarantine, Replace, RewritePlan
from sessionkit.metrics.streams import Stream, parse_stream, segments, stream_of_file
from sessionkit.metrics.timestamps import normalize_ts
from sessionkit.metrics.validation import Problem, problems, schema_problem

if TYPE_CHECKING:
    from sessionkit.metrics.store import MetricsStore

FIXES = {
    "invalid-json": "repair --apply quarantines it",
    "invalid-utf8": "repair --apply quarantines it",
    "not-object": "repair --apply quarantines it",
    "unterminated": "repair --apply quarantines it",
    "oversize": "repair --apply quarantines it",
    "conflict-marker": "repair --apply quarantines it",
    "schema": "repair --quarantine-invalid --apply, or fix it by hand",
    "semantic": "repair --quarantine-invalid --apply, or fix it by hand",
    "legacy-version": "run `sessionkit metrics migrate --apply`",
    "noncanonical-timestamp": "run `sessionkit metrics migrate --apply`",
    "duplicate-id": "repair --apply folds them",
    "resurrected": "repair --apply or `sessionkit learnings prune --apply` folds it",
    "missing-expiry": "repair --apply derives it",
    "stale-temp": "repair --apply deletes it",
    "pending-spool": "repair --apply drains it",
    "uncompressed-segment": "repair --apply or rotate --apply compresses it",
    "rotation-due": "rotate --apply",
    "quarantine-nonempty": "review it, then repair --clear-quarantine --apply",
    "tracking": "sessionkit metrics init",
    "attributes": "sessionkit metrics init",
    "managed-block": "sessionkit metrics init --upgrade",
    "orphan-session": "repair --backfill-abandoned --apply",
    "state-lock-stale": "sessionkit state unlock",
    "state-lock-broken": "review it, then delete it",
}
# Commands that change files: dry runs by default, exit 0 unless --check (spec §6.1).
CHANGING_COMMANDS = ("repair", "migrate", "rotate")
LEGACY_VERSIONS = {
    Stream.SESSIONS: 2,
    Stream.LEARNINGS: 1,
    Stream.LEARNINGS_ARCHIVE: 1,
    Stream.EVENTS: 1,
    Stream.SUBAGENTS: 1,
    Stream.QUARANTINE: 1,
}


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    stream: str | None = None
    file: str | None = None
    line: int | None = None
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "stream": self.stream,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
        }

    def render(self) -> str:
        where = self.file or self.stream or "metrics"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.severity} [{self.code}] {self.message}"


@dataclass
class Report:
    command: str
    dry_run: bool = True
    strict: bool = False
    findings: list[Finding] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, code: str, severity: str, message: str, **where: Any) -> None:
        fix = where.pop("fix", FIXES.get(code))
        self.findings.append(Finding(code, severity, message, fix=fix, **where))

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def ok(self) -> bool:
        bad = self.count("error") + (self.count("warning") if self.strict else 0)
        return bad == 0

    @property
    def exit_code(self) -> int:
        # a file named on the command line that does not exist is unreadable: exit 3 (§6.2),
        # with the report still printed
        if any(f.code == "missing-file" for f in self.findings):
            return 3
        if self.dry_run and self.command in CHANGING_COMMANDS:
            return 0  # a dry run prints what it would do and exits 0 (spec §6.1; --check: 1)
        return 0 if self.ok else 1

    @property
    def changed(self) -> bool:
        return any(a.get("done") for a in self.actions)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "command": self.command,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "summary": {
                "error": self.count("error"),
                "warning": self.count("warning"),
                "info": self.count("info"),
                "fixable": sum(1 for f in self.findings if f.fix and f.severity != "info"),
            },
            "streams": self.streams,
            "findings": [f.to_json() for f in self.findings],
            "actions": self.actions,
        }


def display_path(store: MetricsStore, path: str | Path) -> str:
    """``path`` as reports show it: relative to the directory the store belongs to."""
    try:
        return os.path.relpath(path, store.state_root)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


# --------------------------------------------------------------------------- validate


def _line_findings(
    stream: Stream,
    lines: Iterable[Line],
    report: Report,
    rel: str,
    max_line_bytes: int,
    *,
    torn_is_error: bool = True,
    doctor: bool = False,
) -> list[tuple[Line, dict[str, Any]]]:
    """Per-line findings; returns the parseable lines for the cross-line checks.

    ``validate`` reports prior-art formats as errors and unknown learning types as warnings;
    ``doctor`` reports the former as warnings and the latter as information (spec §6.2, §6.3,
    §4.1). A timestamp that only needs ``migrate`` is reported once, not also as a schema
    mismatch of the same field.
    """
    legacy = "warning" if doctor else "error"
    unknown_type = "info" if doctor else "warning"
    parsed: list[tuple[Line, dict[str, Any]]] = []
    for line in lines:
        where = {"stream": stream.value, "file": rel, "line": line.number}
        if line.problem is not None:
            if line.problem == "unterminated" and not torn_is_error:
                continue
            report.add(line.problem, "error", _PROBLEM_TEXT[line.problem], **where)
            continue
        if len(line.raw) + 1 > max_line_bytes:
            report.add(
                "oversize",
                "error",
                f"line is {len(line.raw) + 1:,} bytes, above metrics.max-line-bytes "
                f"({max_line_bytes:,})",
                **where,
            )
        assert line.record is not None
        record = line.record
        expected = LEGACY_VERSIONS[stream]
        if record.get("schema_version") != expected:
            report.add(
                "legacy-version",
                legacy,
                f"schema_version {record.get('schema_version')!r} is not {expected}; run "
                "`sessionkit metrics migrate --apply`",
                **where,
            )
        else:
            for problem in record_problems(stream, record):
                if problem.code == "noncanonical-timestamp":
                    report.add(problem.code, legacy, problem.message, **where)
                elif doctor and problem.code != "schema":
                    # validate names the check itself (§6.2)
                    code, message = _doctor_finding(problem)
                    report.add(
                        code,
                        problem.severity,
                        message,
                        fix=FIXES["semantic"] if problem.severity == "error" else None,
                        **where,
                    )
                else:
                    report.add(problem.code, problem.severity, problem.message, **where)
        if stream in (Stream.LEARNINGS, Stream.LEARNINGS_ARCHIVE):
            kind = record.get("type")
            if isinstance(kind, str) and canonical_type(kind) not in TTL_DAYS:
                report.add(
                    "unknown-type",
                    unknown_type,
                    f"learning type {kind!r} is not in the TTL table (default TTL applies)",
                    **where,
                )
        parsed.append((line, record))
    return parsed


def record_problems(stream: Stream, record: dict[str, Any]) -> list[Problem]:
    """Schema and semantic problems of a record in the current format.

    A timestamp that only needs ``migrate`` is reported once, not also as a schema mismatch
    of the same field: the rest of the record is checked as migrate would leave it.
    """
    found = problems(stream, record)
    noncanonical = {p.pointer for p in found if p.code == "noncanonical-timestamp"}
    if noncanonical and found[0].code == "schema" and found[0].pointer in noncanonical:
        migrated = dict(record)
        for pointer in noncanonical:
            migrated[pointer[1:]] = normalize_ts(record[pointer[1:]])
        again = schema_problem(stream, migrated)
        found[0:1] = [again] if again is not None else []
    return found


def _doctor_finding(problem: Problem) -> tuple[str, str]:
    """``doctor``'s code and message for a schema or semantic problem: one ``semantic`` code
    for every semantic check (spec §6.3), the check's own code named in the message."""
    if problem.code == "schema":
        return "schema", problem.message
    if problem.code in problem.message:
        return "semantic", problem.message
    return "semantic", f"{problem.message} ({problem.code})"


def invalid_problems(stream: Stream, record: dict[str, Any]) -> list[Problem]:
    """The errors ``repair --quarantine-invalid`` quarantines a record for.

    Exactly what ``doctor`` reports as ``schema`` or ``semantic`` errors (spec §6.3). Prior-art
    formats (a legacy ``schema_version``, offset timestamps) are ``migrate``'s job: such
    records are never quarantined by repair.
    """
    if record.get("schema_version") != LEGACY_VERSIONS[stream]:
        return []
    return [
        p
        for p in record_problems(stream, record)
        if p.severity == "error" and p.code != "noncanonical-timestamp"
    ]


_PROBLEM_TEXT = {
    "invalid-json": "line is not valid JSON",
    "invalid-utf8": "line is not valid UTF-8",
    "not-object": "line is JSON but not an object",
    "unterminated": "last line has no final LF (a torn write)",
    "oversize": "line is longer than the reader's 16 MiB limit",
    "conflict-marker": "merge-conflict marker",
}


def _duplicates(
    stream: Stream, parsed: list[tuple[Line, dict[str, Any]]], report: Report, rel: str
) -> None:
    if stream is Stream.SESSIONS:
        seen: dict[str, tuple[int, str]] = {}
        for line, record in parsed:
            sid = record.get("session_id")
            if not isinstance(sid, str):
                continue
            identity = fold.canonical_json(record, ignore=("recorded_at", "recorded_by"))
            if sid in seen and seen[sid][1] != identity:
                report.add(
                    "duplicate-id",
                    "warning",
                    f"session {sid} is also recorded at line {seen[sid][0]} with other content",
                    stream=stream.value,
                    file=rel,
                    line=line.number,
                )
            seen.setdefault(sid, (line.number, identity))
    elif stream is Stream.LEARNINGS:
        first: dict[str, int] = {}
        for line, record in parsed:
            lid = record.get("id")
            if isinstance(lid, str):
                if lid in first:
                    report.add(
                        "duplicate-id",
                        "warning",
                        f"learning {lid} has several versions (first at line {first[lid]}); "
                        "reads fold them",
                        stream=stream.value,
                        file=rel,
                        line=line.number,
                    )
                first.setdefault(lid, line.number)


def validate_files(
    store: MetricsStore | None,
    paths: Sequence[Path],
    *,
    strict: bool = False,
    max_line_bytes: int | None = None,
) -> Report:
    """``metrics validate``: content checks of stream files; no lock, no git."""
    report = Report("validate", dry_run=True, strict=strict)
    limit = max_line_bytes or (
        store.settings.metrics.max_line_bytes if store else _jsonl.DEFAULT_MAX_LINE_BYTES
    )
    for path in paths:
        rel = display_path(store, path) if store else str(path)
        stream = stream_of_file(path.name)
        if stream is None:
            report.add(
                "unknown-file",
                "error" if strict else "info",
                "not a metrics stream file (skipped)",
                file=rel,
            )
            continue
        if not path.exists():
            report.add("missing-file", "error", "file does not exist", file=rel)
            continue
        stats = _jsonl.ScanStats()
        try:
            with open(path, "rb") as handle:
                starts_with_bom = handle.read(3) == b"\xef\xbb\xbf"
        except OSError as exc:
            raise MetricsIOError(f"{rel}: {exc.strerror or exc}") from exc
        if starts_with_bom:
            # Readers strip it; writers never emit one (spec §2.2, §6.2).
            report.add(
                "bom",
                "error",
                "file starts with a UTF-8 byte order mark; metrics files are UTF-8 without BOM",
                stream=stream.value,
                file=rel,
                line=1,
            )
        parsed = _line_findings(
            stream,
            _jsonl.iter_lines(str(path), include_unterminated=True, stats=stats),
            report,
            rel,
            limit,
        )
        if stats.blank:
            report.add(
                "blank-line",
                "warning",
                f"{stats.blank} blank line(s)",
                stream=stream.value,
                file=rel,
            )
        _duplicates(stream, parsed, report, rel)
        report.streams[rel] = stats.as_dict()
    return report


def all_stream_files(store: MetricsStore) -> list[Path]:
    out: list[Path] = []
    for stream in Stream:
        old, new = segments(str(store.root), stream)
        out.extend(Path(p) for p in old + new if not p.endswith(".gz"))
        live = store.path(stream)
        if live.exists():
            out.append(live)
    return out


# --------------------------------------------------------------------------- doctor


def doctor(
    store: MetricsStore, streams: Sequence[str] | None = None, *, strict: bool = False
) -> Report:
    """Health of the whole store under shared locks; read-only (spec §6.3)."""
    report = Report("doctor", dry_run=True, strict=strict)
    chosen = [parse_stream(s) for s in streams] if streams else list(Stream)
    limit = store.settings.metrics.max_line_bytes
    for stream in chosen:
        path = store.path(stream)
        rel = display_path(store, path)
        stats = _jsonl.ScanStats()
        if path.exists():
            with _jsonl.LockedFile(str(path), timeout=30.0, shared=True, create=False):
                lines = list(_jsonl.iter_lines(str(path), include_unterminated=True, stats=stats))
            parsed = _line_findings(stream, lines, report, rel, limit, doctor=True)
            _duplicates(stream, parsed, report, rel)
            if stream is Stream.LEARNINGS:
                _learning_doctor(store, parsed, report, rel)
            if stream is Stream.QUARANTINE and stats.records:
                report.add(
                    "quarantine-nonempty",
                    "info",
                    f"{stats.records} quarantined line(s)",
                    stream=stream.value,
                    file=rel,
                )
            if stream.rotates:
                settings = store.settings.metrics.rotation[stream.value]
                if settings.enabled and path.stat().st_size >= settings.max_bytes:
                    report.add(
                        "rotation-due",
                        "info",
                        "live file is above its rotation threshold",
                        stream=stream.value,
                        file=rel,
                    )
        if stream.rotates:
            for segment, bad in _damaged_segments(store, stream):
                seg_rel = display_path(store, segment)
                for line in bad:
                    assert line.problem is not None
                    report.add(
                        line.problem,
                        "error",
                        _PROBLEM_TEXT[line.problem].replace("last line", "last line of a segment"),
                        stream=stream.value,
                        file=seg_rel,
                        line=line.number,
                    )
        for pending in rotation.pending_segments(str(store.root), stream):
            report.add(
                "uncompressed-segment",
                "info",
                "rotated segment not yet compressed",
                stream=stream.value,
                file=display_path(store, pending),
            )
        spooled = _jsonl.spool_files(str(store.spool_dir), stream.value)
        if spooled:
            report.add(
                "pending-spool",
                "info",
                f"{len(spooled)} spool file(s) waiting",
                stream=stream.value,
            )
        report.streams[stream.value] = {
            "files": len([f for f in store.files(stream) if os.path.exists(f)]),
            **stats.as_dict(),
        }
    for sid, _start, _last in orphan_sessions(store):
        report.add(
            "orphan-session",
            "info",
            f"session {sid} started but has no ledger record",
            stream="sessions",
        )
    _stale_temps(store, report)
    _network_fs(store, report)
    list_foreign_files(store, report)
    _git_checks(store, report)
    _state_checks(store, report)
    return report


def _learning_doctor(
    store: MetricsStore, parsed: list[tuple[Line, dict[str, Any]]], report: Report, rel: str
) -> None:
    archive = [
        legacy.normalize_learning(r)
        for r in _jsonl.iter_records(str(store.path(Stream.LEARNINGS_ARCHIVE)), _jsonl.ScanStats())
    ]
    tombstones = fold.newest_tombstones(archive)
    for line, record in parsed:
        normalised = legacy.normalize_learning(record)
        if fold.is_tombstoned(normalised, tombstones):
            report.add(
                "resurrected",
                "warning",
                f"learning {record.get('id')} has a current tombstone in the archive",
                stream="learnings",
                file=rel,
                line=line.number,
            )
        from sessionkit.metrics.timestamps import parse_ts

        try:
            parse_ts(normalised.get("expires_at"))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            report.add(
                "missing-expiry",
                "warning",
                f"learning {record.get('id')} has no parseable expires_at",
                stream="learnings",
                file=rel,
                line=line.number,
            )


NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuseblk", "afs", "ceph")


def filesystem_type(path: Path) -> str | None:
    """The filesystem type of ``path`` from /proc/self/mountinfo (Linux), else None."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            mounts = handle.read().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best: tuple[int, str] | None = None
    for line in mounts:
        left, _sep, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount_point = fields[4].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and (best is None or len(mount_point) > best[0]):
            best = (len(mount_point), right.split()[0])
    return best[1] if best else None


def _network_fs(store: MetricsStore, report: Report) -> None:
    probe = store.root if store.root.exists() else store.root.parent
    fstype = filesystem_type(probe)
    if fstype and (fstype in NETWORK_FS or fstype.startswith("fuse.")):
        report.add(
            "network-fs",
            "warning",
            f"the store is on a {fstype} filesystem; concurrent writers are not supported there",
        )


def _is_temp(name: str) -> bool:
    """A rewrite's ``.<file>.tmp-…`` or a compression's ``<segment>.gz.tmp-<pid>``."""
    return (name.startswith(".") and ".tmp-" in name) or ".jsonl.gz.tmp-" in name


def _stale_temps(store: MetricsStore, report: Report) -> list[Path]:
    stale: list[Path] = []
    if not store.root.is_dir():
        return stale
    cutoff = time.time() - 3600
    for entry in store.root.iterdir():
        if _is_temp(entry.name) and entry.stat().st_mtime < cutoff:
            stale.append(entry)
            report.add(
                "stale-temp",
                "warning",
                "temporary file of an interrupted rewrite",
                file=display_path(store, entry),
            )
    return stale


_OWN = ("backups", "spool")


def list_foreign_files(store: MetricsStore, report: Report) -> None:
    """Add an info finding per file of the store directory that is not sessionkit's.

    ``doctor`` and ``migrate`` list them; nothing ever touches them (spec §6.3, §6.5).
    """
    if not store.root.is_dir():
        return
    for entry in sorted(store.root.iterdir()):
        name = entry.name
        if name in _OWN or name.endswith(".lock") or _is_temp(name):
            continue
        if stream_of_file(name) is not None or (
            name.endswith(".jsonl.gz") and stream_of_file(name[:-3])
        ):
            continue
        report.add(
            "foreign-file",
            "info",
            "not a sessionkit file (never touched)",
            file=display_path(store, entry),
        )


def _git_checks(store: MetricsStore, report: Report) -> None:
    from sessionkit import git

    try:
        root = str(store.worktree)
    except Exception:
        report.add("not-git", "info", "not inside a git repository: tracking checks skipped")
        return
    for stream in Stream:
        path = store.path(stream)
        if not path.exists():
            continue
        rel = os.path.relpath(path, root)
        tracked = (
            git.run(["ls-files", "--error-unmatch", "--", rel], cwd=root, check=False).returncode
            == 0
        )
        ignored = git.run(["check-ignore", "-q", "--", rel], cwd=root, check=False).returncode == 0
        if stream.tracked and ignored and not tracked:
            report.add(
                "tracking",
                "warning",
                f"{rel} should be tracked in git but is ignored",
                stream=stream.value,
                file=rel,
            )
        if not stream.tracked and tracked:
            report.add(
                "tracking",
                "warning",
                f"{rel} is machine-local and should not be tracked",
                stream=stream.value,
                file=rel,
            )
        if stream.tracked:
            out = git.run(
                ["check-attr", "merge", "eol", "--", rel], cwd=root, check=False
            ).stdout.decode()
            if "merge: union" not in out or "eol: lf" not in out:
                report.add(
                    "attributes",
                    "warning",
                    f"{rel} lacks merge=union and eol=lf in .gitattributes",
                    stream=stream.value,
                    file=rel,
                )


def _state_checks(store: MetricsStore, report: Report) -> None:
    from sessionkit import state

    root = str(store.state_root)
    try:
        state.read(root)
    except state.StateParseError as exc:
        report.add(
            "state-parse", "error", exc.message, file=display_path(store, state.resolve_path(root))
        )
    lock_path = os.path.join(root, state.LOCK_PATH)
    if os.path.exists(lock_path):
        body = state.read_lock(lock_path)
        if state.lock_is_stale(lock_path, body, int((body or {}).get("ttl_seconds") or 30)):
            report.add(
                "state-lock-stale",
                "warning",
                "STATE lock held by a process that is gone",
                file=display_path(store, lock_path),
            )
    for evidence in state.broken_lock_evidence(root):  # spec §7.6: doctor lists it
        report.add(
            "state-lock-broken",
            "info",
            "a STATE lock was broken; the renamed lock file is kept as evidence",
            file=display_path(store, evidence),
        )


# --------------------------------------------------------------------------- repair


def _repair_disposition(
    stream: Stream,
    line: Line,
    store: MetricsStore,
    quarantine_invalid: bool,
    report: Report,
    repaired: dict[str, Any] | None = None,
) -> Quarantine | None:
    """The quarantine a parseable line gets from repair, if any (spec §6.3, §6.4).

    A line above ``metrics.max-line-bytes`` is quarantined as ``oversize``; a record failing
    its schema or a semantic check is quarantined with ``--quarantine-invalid`` and otherwise
    listed as a finding that remains (§6.1: the exit status is then 1). ``repaired`` is the
    record as repair itself will replace it (a derived ``expires_at``): it is checked instead,
    so a problem repair fixes is neither quarantined nor reported as remaining.
    """
    assert line.record is not None
    if len(line.raw) + 1 > store.settings.metrics.max_line_bytes:
        return Quarantine("oversize")
    bad = invalid_problems(stream, repaired if repaired is not None else line.record)
    if not bad:
        return None
    if quarantine_invalid:
        return Quarantine("schema", tuple(p.message for p in bad))
    for problem in bad:
        code, message = _doctor_finding(problem)
        report.add(
            code,
            "error",
            f"{message}; not fixed: pass --quarantine-invalid to quarantine it",
            stream=stream.value,
            file=display_path(store, store.path(stream)),
            line=line.number,
        )
    return None


def _with_derived_expiry(store: MetricsStore, record: dict[str, Any]) -> dict[str, Any] | None:
    """``record`` with ``expires_at`` derived from ``created_at`` when it has no parseable one.

    The ``missing-expiry`` repair (spec §4.1, §6.4); None when the expiry parses or cannot be
    derived (no parseable ``created_at`` or no type).
    """
    from sessionkit.metrics.timestamps import parse_ts

    normalised = legacy.normalize_learning(record)
    try:
        parse_ts(normalised.get("expires_at"))  # type: ignore[arg-type]
        return None
    except (ValueError, TypeError):
        pass
    created = normalised.get("created_at")
    if not isinstance(created, str) or not isinstance(normalised.get("type"), str):
        return None
    try:
        expires = derive_expires_at(created, normalised["type"], settings=store.settings.learnings)
    except ValueError:
        return None
    return {**record, "expires_at": expires, "_derived_expires_at": True}


def _structural_planner(
    stream: Stream, store: MetricsStore, quarantine_invalid: bool, report: Report
) -> Any:
    archive = [
        legacy.normalize_learning(r)
        for r in _jsonl.iter_records(str(store.path(Stream.LEARNINGS_ARCHIVE)), _jsonl.ScanStats())
    ]
    tombstones = fold.newest_tombstones(archive) if stream is Stream.LEARNINGS else {}

    def planner(lines: list[Line]) -> RewritePlan:
        plan = RewritePlan({})
        seen_raw: dict[bytes, int] = {}
        session_identity: dict[tuple[str, str], int] = {}
        groups: dict[str, list[tuple[Line, dict[str, Any]]]] = {}
        for line in lines:
            if line.record is None:
                continue  # quarantined by default
            repaired = (
                _with_derived_expiry(store, line.record)
                if stream is Stream.LEARNINGS and isinstance(line.record.get("id"), str)
                else None
            )
            quarantine = _repair_disposition(
                stream, line, store, quarantine_invalid, report, repaired
            )
            if quarantine is not None:
                plan.dispositions[line.number] = quarantine
                continue
            if line.raw in seen_raw:
                plan.dispositions[line.number] = Fold(seen_raw[line.raw])
                continue
            seen_raw[line.raw] = line.number
            if stream is Stream.SESSIONS and isinstance(line.record.get("session_id"), str):
                key = (
                    line.record["session_id"],
                    fold.canonical_json(line.record, ignore=("recorded_at", "recorded_by")),
                )
                if key in session_identity:
                    plan.dispositions[line.number] = Fold(session_identity[key])
                    continue
                session_identity[key] = line.number
            if stream is Stream.LEARNINGS and isinstance(line.record.get("id"), str):
                groups.setdefault(line.record["id"], []).append(
                    (line, legacy.normalize_learning(line.record))
                )
                continue
            plan.dispositions[line.number] = Keep()
        for members in groups.values():
            winner_line, winner = max(members, key=lambda m: fold.learning_key(m[1]))
            if fold.is_tombstoned(winner, tombstones):
                for line, _r in members:
                    plan.dispositions[line.number] = Fold("archive")
                continue
            plan.dispositions[winner_line.number] = Keep()
            for line, _r in members:
                if line is not winner_line:
                    plan.dispositions[line.number] = Fold(winner_line.number)
            fixed = _with_derived_expiry(store, winner_line.record or {})
            # a record still invalid for another reason stays as it is (reported above)
            if fixed is not None and not invalid_problems(stream, fixed):
                plan.dispositions[winner_line.number] = Replace(fixed)
        return plan

    return planner


def _damaged_segments(store: MetricsStore, stream: Stream) -> list[tuple[str, list[Line]]]:
    """Rotated segments holding lines that are not records (spec I2: reported, quarantinable).

    A segment is never appended to, so a last line without LF is a torn write: an append
    that died mid-write just before the live file was rotated.
    """
    old, new = segments(str(store.root), stream)
    out: list[tuple[str, list[Line]]] = []
    for segment in old + new:
        try:
            bad = [
                line
                for line in _jsonl.iter_lines(segment, include_unterminated=True)
                if line.problem is not None
            ]
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise MetricsIOError(f"{segment}: {exc}") from exc
        if bad:
            out.append((segment, bad))
    return out


def _repair_segments(store: MetricsStore, stream: Stream, report: Report, dry_run: bool) -> None:
    """Quarantine the damaged lines of rotated segments; the other lines stay byte-identical."""
    from sessionkit.metrics.rewrite import (
        append_quarantine,
        note_backup,
        quarantine_record,
        write_backup,
    )

    # A segment still waiting for compression was rotated after this repair compressed the
    # pending ones; its compressor may replace it any moment, so the next repair handles it.
    pending = set(rotation.pending_segments(str(store.root), stream)) if not dry_run else set()
    for segment, bad in _damaged_segments(store, stream):
        if segment in pending:
            continue
        name = os.path.basename(segment)
        for line in bad:
            report.actions.append(
                {
                    "action": "quarantine",
                    "stream": stream.value,
                    "file": display_path(store, segment),
                    "line": line.number,
                    "done": not dry_run,
                }
            )
        if dry_run:
            continue
        records = [
            quarantine_record(
                store,
                stream,
                name,
                line,
                line.problem or "invalid-json",
                "sessionkit metrics repair",
            )
            for line in bad
        ]
        if any(r.get("raw_truncated") for r in records):
            # the entry keeps an excerpt only: the whole segment goes to backups/ first
            with _jsonl._open_binary(segment) as handle:
                note_backup(records, store, write_backup(store, stream, handle.read()))
        append_quarantine(store, records)
        _drop_segment_lines(segment, bad)


def _drop_segment_lines(segment: str, bad: list[Line]) -> None:
    """Rewrite ``segment`` without ``bad`` (temp file, fsync, atomic replace, directory fsync)."""
    compressed = segment.endswith(".gz")
    with _jsonl._open_binary(segment) as handle:
        data = handle.read()
    keep: list[bytes] = []
    start = 0
    for line in sorted(bad, key=lambda item: item.offset):
        end = data.find(b"\n", line.offset)
        keep.append(data[start : line.offset])
        start = len(data) if end < 0 else end + 1
    keep.append(data[start:])
    new = b"".join(keep)
    directory = os.path.dirname(segment) or "."
    tmp = os.path.join(
        directory, f".{os.path.basename(segment)}.tmp-{os.getpid()}-{os.urandom(4).hex()}"
    )
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as raw:
            if compressed:
                with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
                    gz.write(new)
            else:
                raw.write(new)
            raw.flush()
            _jsonl.sync_fd(raw.fileno())
        os.replace(tmp, segment)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _jsonl.sync_dir(directory)


def repair(
    store: MetricsStore,
    streams: Sequence[str] | None = None,
    *,
    dry_run: bool = True,
    quarantine_invalid: bool = False,
    backfill_abandoned: bool = False,
    clear_quarantine: bool = False,
) -> Report:
    """Fix structural damage; valid records are never changed (spec §6.4)."""
    report = Report("repair", dry_run=dry_run)
    chosen = (
        [parse_stream(s) for s in streams]
        if streams
        else [s for s in Stream if s is not Stream.QUARANTINE]
    )
    for stream in chosen:
        path = store.path(stream)
        if stream.rotates and not dry_run:
            drained = store.drain_spool(stream)
            if drained:
                report.actions.append(
                    {
                        "action": "drain-spool",
                        "stream": stream.value,
                        "line": None,
                        "done": True,
                    }
                )
            for pending in rotation.pending_segments(str(store.root), stream):
                rotation.compress_segment(pending)
                report.actions.append(
                    {"action": "compress", "stream": stream.value, "line": None, "done": True}
                )
        if stream.rotates:
            _repair_segments(store, stream, report, dry_run)
        if not path.exists():
            continue
        if stream.rotates:

            def line_planner(line: Line, stream: Stream = stream) -> Any:
                if line.record is None:
                    return Quarantine(line.problem or "invalid-json")
                quarantine = _repair_disposition(stream, line, store, quarantine_invalid, report)
                return quarantine if quarantine is not None else Keep()

            result = store.rewrite(
                stream,
                line_planner,
                reason="repair",
                dry_run=dry_run,
                mode="per_line",
                by="sessionkit metrics repair",
            )
        else:
            result = store.rewrite(
                stream,
                _structural_planner(stream, store, quarantine_invalid, report),
                reason="repair",
                dry_run=dry_run,
                by="sessionkit metrics repair",
            )
        for item in result.items:
            report.actions.append(
                {
                    "action": item.get("action", "keep"),
                    "stream": stream.value,
                    "line": item.get("line"),
                    "done": not dry_run and result.changed,
                }
            )
        report.streams[stream.value] = {"changed": result.changed, **result.counts()}
    for temp in _stale_temps(store, Report("repair")):
        if not dry_run:
            temp.unlink()
        report.actions.append(
            {"action": "delete-temp", "stream": None, "line": None, "done": not dry_run}
        )
    if backfill_abandoned:
        _backfill(store, report, dry_run)
    if clear_quarantine:
        _clear_quarantine(store, report, dry_run)
    return report


def orphan_sessions(store: MetricsStore) -> list[tuple[str, dict[str, Any], str | None]]:
    """Sessions that started (per events), have no ledger record, are not the current one,
    and whose last event is older than ``metrics.abandon-after-hours``."""
    from sessionkit import state as state_module
    from sessionkit.metrics.timestamps import format_ts

    ledger = {r.get("session_id") for r in store.read(Stream.SESSIONS)}
    current = state_module.current_session_id(store.state_root)
    first: dict[str, dict[str, Any]] = {}
    last: dict[str, str] = {}
    names = {
        "sessionkit.session.started",
        "orchestrator.session.started",
        "orchestrator.session.lock.acquired",
    }
    for record in store.read(Stream.EVENTS):
        sid = record.get("session_id")
        if not isinstance(sid, str):
            continue
        ts = record.get("timestamp")
        if isinstance(ts, str) and ts > last.get(sid, ""):
            last[sid] = ts
        if record.get("event") in names or record.get("_prior_art_event") in names:
            first.setdefault(sid, record)
    threshold = format_ts(store.now() - timedelta(hours=store.settings.metrics.abandon_after_hours))
    return [
        (sid, start, last.get(sid))
        for sid, start in first.items()
        if sid not in ledger and sid != current and last.get(sid, "") <= threshold
    ]


def _backfill(store: MetricsStore, report: Report, dry_run: bool) -> None:
    from sessionkit.metrics.sessions import abandoned_stub

    for sid, start, last_ts in orphan_sessions(store):
        kind = start.get("session_type")
        stub = abandoned_stub(
            store,
            sid,
            source="sessionkit-events",
            session_type=kind if kind in ("feature", "deep", "housekeeping") else None,
            started_at=start.get("timestamp"),
            completed_at=last_ts,
        )
        result = store.record_session(stub, dry_run=dry_run)
        report.actions.append(
            {
                "action": f"backfill-{result.action}",
                "stream": "sessions",
                "line": None,
                "done": not dry_run,
            }
        )


def _clear_quarantine(store: MetricsStore, report: Report, dry_run: bool) -> None:
    path = store.path(Stream.QUARANTINE)
    if not path.exists() or path.stat().st_size == 0:
        return
    if not dry_run:
        with _jsonl.LockedFile(str(path), timeout=30.0) as locked:
            data = _jsonl._read_at(locked.fd, os.fstat(locked.fd).st_size, 0)
            backups = store.root / "backups"
            backups.mkdir(exist_ok=True)
            target = _jsonl.unique_name(str(backups), f"quarantine.{_jsonl.stamp()}", ".jsonl.gz")
            with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.write(data)
            os.ftruncate(locked.fd, 0)
    report.actions.append(
        {"action": "clear-quarantine", "stream": "quarantine", "line": None, "done": not dry_run}
    )


# --------------------------------------------------------------------------- git files


def _store_rel(store: MetricsStore) -> str:
    try:
        return os.path.relpath(store.root, store.worktree).replace(os.sep, "/")
    except Exception:
        return ".orchestrator/metrics"


def gitattributes_lines(store: MetricsStore) -> list[str]:
    base = _store_rel(store)
    return [f"{base}/{s.file_name} text eol=lf merge=union" for s in Stream if s.tracked]


_STATE_IGNORES = (
    ".orchestrator/state.lock",
    ".orchestrator/state.lock.broken-*",
    ".orchestrator/.state.lock.*.tmp",
    ".claude/STATE.md",
    ".codex/STATE.md",
    ".cursor/STATE.md",
)


def untracked_gitignore_lines(store: MetricsStore) -> list[str]:
    """``metrics init --no-track``: the whole store directory is ignored."""
    return [f"{_store_rel(store)}/", *_STATE_IGNORES]


def gitignore_lines(store: MetricsStore) -> list[str]:
    base = _store_rel(store)
    return [
        f"{base}/*",
        *[f"!{base}/{s.file_name}" for s in Stream if s.tracked],
        *_STATE_IGNORES,
    ]


# --------------------------------------------------------------------------- staged check


def _lines_of(data: bytes | None) -> list[Line]:
    return _jsonl.split_lines(data or b"")[0]


def check_staged(
    path: str,
    old: bytes | None,
    new: bytes,
    *,
    archive_new: bytes | None = None,
    max_line_bytes: int = _jsonl.DEFAULT_MAX_LINE_BYTES,
) -> list[Finding]:
    """Diff-proportional check of one staged stream file (the ``sessionkit-metrics`` hook).

    Only added lines are validated; removed or changed lines must be sanctioned by the
    store's rules (spec §6.2). Finding codes are the hook's rule ids.
    """
    stream = stream_of_file(os.path.basename(path))
    findings: list[Finding] = []
    if stream is None:
        return findings
    old_lines = _lines_of(old)
    new_lines = _lines_of(new)
    old_raw = {ln.raw for ln in old_lines}
    new_raw = {ln.raw for ln in new_lines}
    if new and not new.endswith(b"\n"):
        findings.append(
            Finding(
                "metrics-torn-line",
                "error",
                "file does not end with LF",
                stream.value,
                path,
                len(new_lines),
            )
        )
    for line in new_lines:
        if line.raw in old_raw:
            continue
        if line.record is None:
            if line.problem == "unterminated":
                continue  # reported above
            findings.append(
                Finding(
                    "metrics-torn-line",
                    "error",
                    _PROBLEM_TEXT.get(line.problem or "", "unparseable line"),
                    stream.value,
                    path,
                    line.number,
                )
            )
            continue
        for problem in problems(stream, line.record):
            if problem.severity == "error":
                findings.append(
                    Finding(
                        "metrics-invalid-record",
                        "error",
                        problem.message,
                        stream.value,
                        path,
                        line.number,
                    )
                )
                break
        if len(line.raw) + 1 > max_line_bytes:
            findings.append(
                Finding(
                    "metrics-invalid-record",
                    "error",
                    f"line above {max_line_bytes:,} bytes",
                    stream.value,
                    path,
                    line.number,
                )
            )
    removed = [ln for ln in old_lines if ln.raw not in new_raw]
    if stream is Stream.SESSIONS:
        new_ids = {ln.record.get("session_id") for ln in new_lines if ln.record}
        for line in removed:
            if line.record is not None and line.record.get("session_id") not in new_ids:
                findings.append(
                    Finding(
                        "metrics-rewrite",
                        "error",
                        f"session {line.record.get('session_id')} was removed from the ledger; only `sessionkit metrics repair` and `migrate` rewrite it",
                        stream.value,
                        path,
                        line.number,
                    )
                )
        _session_duplicates(old_lines, new_lines, old_raw, findings, path)
    elif stream is Stream.LEARNINGS:
        archive = [r for ln in _lines_of(archive_new) if (r := ln.record) is not None]
        tombstones = fold.newest_tombstones(archive)
        new_ids = {ln.record.get("id") for ln in new_lines if ln.record}
        for line in removed:
            if line.record is None:
                continue
            lid = line.record.get("id")
            if lid in new_ids:
                continue
            changed = str(line.record.get("updated_at") or line.record.get("created_at") or "")
            if isinstance(lid, str) and tombstones.get(lid, "") >= changed and lid in tombstones:
                continue
            findings.append(
                Finding(
                    "metrics-rewrite",
                    "error",
                    f"learning {lid} was removed without a tombstone; use `sessionkit learnings archive`, and stage learnings-archive.jsonl with it",
                    stream.value,
                    path,
                    line.number,
                )
            )
    elif stream is Stream.LEARNINGS_ARCHIVE:
        kept = {
            (ln.record.get("id"), ln.record.get("_archive_reason")) for ln in new_lines if ln.record
        }
        for line in removed:
            if (
                line.record is not None
                and (line.record.get("id"), line.record.get("_archive_reason")) in kept
            ):
                continue
            findings.append(
                Finding(
                    "metrics-rewrite",
                    "error",
                    "the learnings archive is append-only; a tombstone was removed",
                    stream.value,
                    path,
                    line.number,
                )
            )
    else:
        for line in removed:
            findings.append(
                Finding(
                    "metrics-rewrite",
                    "error",
                    f"{stream.value} is append-only; a line was removed",
                    stream.value,
                    path,
                    line.number,
                )
            )
    return findings


def _session_duplicates(
    old_lines: list[Line],
    new_lines: list[Line],
    old_raw: set[bytes],
    findings: list[Finding],
    path: str,
) -> None:
    existing: dict[str, list[dict[str, Any]]] = {}
    for line in old_lines:
        if line.record and isinstance(line.record.get("session_id"), str):
            existing.setdefault(line.record["session_id"], []).append(line.record)
    for line in new_lines:
        if line.raw in old_raw or line.record is None:
            continue
        sid = line.record.get("session_id")
        if not isinstance(sid, str):
            continue
        prior = existing.setdefault(sid, [])
        if not prior:
            prior.append(line.record)  # later added lines are checked against this one
            continue
        identity = fold.canonical_json(line.record, ignore=("recorded_at", "recorded_by"))
        if any(
            fold.canonical_json(p, ignore=("recorded_at", "recorded_by")) == identity for p in prior
        ):
            continue
        if (
            all(p.get("status") == "abandoned" for p in prior)
            and line.record.get("status") != "abandoned"
        ):
            continue
        if line.record.get("_forced") is True:
            prior.append(line.record)
            continue
        prior.append(line.record)
        findings.append(
            Finding(
                "metrics-duplicate-id",
                "error",
                f"session {sid} is already in the ledger with other content; use `sessionkit metrics record-session --force`",
                "sessions",
                path,
                line.number,
            )
        )


BLOCK_BEGIN = "# >>> sessionkit >>>"
BLOCK_END = "# <<< sessionkit <<<"


def render_block(lines: Sequence[str]) -> str:
    """A managed block: the markers around ``lines``, LF line ends."""
    return "".join(f"{line}\n" for line in (BLOCK_BEGIN, *lines, BLOCK_END))


def write_managed_block(
    path: str | os.PathLike[str],
    lines: Sequence[str],
    *,
    upgrade: bool = False,
    dry_run: bool = False,
) -> str:
    """Write the sessionkit block of a git file such as ``.gitignore`` (integration §6.1).

    Returns what happened: ``written`` (no block yet: appended, the file created if needed),
    ``skipped`` (the block is already identical), ``preserved`` (the block differs and
    ``upgrade`` is off: left alone) or ``upgraded`` (the block differed and was replaced in
    place). Empty ``lines`` mean the file should have no block: ``absent`` when it has none,
    ``removed`` when ``upgrade`` deleted it (markers included), else ``preserved``. Text
    outside the block is never changed. With ``dry_run`` nothing is written.
    """
    target = Path(path)
    try:
        text = target.read_bytes().decode("utf-8")
    except FileNotFoundError:
        text = ""
    block = render_block(lines)
    existing = text.splitlines(keepends=True)
    begin = next((i for i, ln in enumerate(existing) if ln.rstrip("\r\n") == BLOCK_BEGIN), None)
    end = None
    if begin is not None:
        end = next(
            (i for i in range(begin + 1, len(existing)) if existing[i].rstrip("\r\n") == BLOCK_END),
            None,
        )
    if (begin is None or end is None) and not lines:
        return "absent"
    if begin is None or end is None:
        action = "written"
        separator = "" if not text or text.endswith("\n") else "\n"
        new_text = text + separator + block
    else:
        current = [ln.rstrip("\r\n") for ln in existing[begin + 1 : end]]
        if current == list(lines):
            return "skipped"
        if not upgrade:
            return "preserved"
        action = "upgraded" if lines else "removed"
        block = block if lines else ""
        new_text = "".join(existing[:begin]) + block + "".join(existing[end + 1 :])
    if not dry_run:
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        tmp.write_bytes(new_text.encode("utf-8"))
        os.replace(tmp, target)
    return action


def init(
    store: MetricsStore, *, track: bool = True, dry_run: bool = False, upgrade: bool = False
) -> Report:
    """Create the store directory and the empty tracked stores; write the git blocks (§6.7).

    The sessionkit blocks of the worktree's ``.gitattributes`` and ``.gitignore`` get the
    metrics lines (``gitattributes_lines``/``gitignore_lines``). ``track=False`` leaves the
    ``merge=union`` lines out and ignores the whole store directory. Outside a git worktree
    (an explicit ``--metrics-dir``) only the store is created.
    """
    report = Report("init", dry_run=dry_run)
    if not dry_run:
        store.root.mkdir(parents=True, exist_ok=True)
    for stream in Stream:
        if stream.tracked and track and not store.path(stream).exists():
            if not dry_run:
                store.path(stream).touch()
            report.actions.append(
                {"action": "create", "stream": stream.value, "line": None, "done": not dry_run}
            )
    try:
        worktree = store.worktree
    except MetricsIOError:
        report.add("not-git", "info", "not inside a git repository: no .gitattributes/.gitignore")
        return report
    blocks = {
        ".gitattributes": gitattributes_lines(store) if track else [],
        ".gitignore": gitignore_lines(store) if track else untracked_gitignore_lines(store),
    }
    for name, lines in blocks.items():
        # --no-track: no .gitattributes block, so no merge=union lines (§6.7); one written
        # by a tracked init is removed like any other outdated block, with --upgrade
        outcome = write_managed_block(worktree / name, lines, upgrade=upgrade, dry_run=dry_run)
        if outcome == "absent":
            continue
        if outcome == "preserved":
            change = "replace" if lines else "remove"
            report.add(
                "managed-block",
                "warning",
                f"{name}: the sessionkit block differs from the current lines; kept as it is "
                f"(pass --upgrade to {change} it)",
                file=name,
            )
        report.actions.append(
            {
                "action": f"block-{outcome}",
                "file": name,
                "stream": None,
                "line": None,
                "done": outcome in ("written", "upgraded", "removed") and not dry_run,
            }
        )
    return report


def events_registry_names() -> list[str]:
    return sorted(events.REGISTRY)
