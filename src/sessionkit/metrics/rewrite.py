"""The rewrite primitive (spec §2.5): every change to existing lines goes through here.

A planner gives each input line one disposition; the primitive checks that every line is
accounted for (I4), writes a backup, moves archived and quarantined lines out, replaces the
file atomically under the stream's lock and verifies the result.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Union

from sessionkit.metrics import _jsonl
from sessionkit.metrics._jsonl import Line, LockedFile, sync_dir, sync_fd
from sessionkit.metrics.errors import MetricsIOError, RewriteInvariantError
from sessionkit.metrics.streams import Stream

if TYPE_CHECKING:
    from sessionkit.metrics.store import MetricsStore

QUARANTINE_MAX_LINE = 64 * 1024 * 1024  # a safety bound: quarantine_record truncates to the cap


@dataclass(frozen=True)
class Keep:
    pass


@dataclass(frozen=True)
class Replace:
    record: Mapping[str, Any]


@dataclass(frozen=True)
class Fold:
    into: int | Literal["archive"]


@dataclass(frozen=True)
class Archive:
    reason: str
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Quarantine:
    reason: str
    errors: tuple[str, ...] = ()


Disposition = Union[Keep, Replace, Fold, Archive, Quarantine]


@dataclass
class RewritePlan:
    dispositions: dict[int, Disposition]
    append: list[dict[str, Any]] = field(default_factory=list)


Planner = Callable[[list[Line]], RewritePlan]
LinePlanner = Callable[[Line], Disposition]


@dataclass
class RewriteReport:
    stream: str
    reason: str
    dry_run: bool
    changed: bool = False
    kept: int = 0
    replaced: int = 0
    folded: int = 0
    archived: int = 0
    quarantined: int = 0
    appended: int = 0
    scanned_lines: int = 0
    backup: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "kept": self.kept,
            "replaced": self.replaced,
            "folded": self.folded,
            "archived": self.archived,
            "quarantined": self.quarantined,
        }


def _fault(name: str) -> None:
    _jsonl._fault(name)


# --------------------------------------------------------------------------- plan checking


def check_plan(stream: Stream, lines: list[Line], plan: RewritePlan, reason: str) -> None:
    """Conservation (I4): exactly one legal disposition per non-blank input line."""
    numbers = {line.number for line in lines}
    by_number = {line.number: line for line in lines}
    for line in lines:
        if line.number not in plan.dispositions:
            raise _invariant(stream, reason, f"left line {line.number} without a disposition")
    extra = set(plan.dispositions) - numbers
    if extra:
        raise _invariant(stream, reason, f"has a disposition for missing line {min(extra)}")
    for number, disposition in plan.dispositions.items():
        line = by_number[number]
        if line.record is None and not isinstance(disposition, (Keep, Quarantine)):
            raise _invariant(
                stream, reason, f"gave unparseable line {number} a {type(disposition).__name__}"
            )
        if isinstance(disposition, Archive) and stream is not Stream.LEARNINGS:
            raise _invariant(stream, reason, f"archives line {number} of a non-learnings stream")
        if isinstance(disposition, Fold):
            if disposition.into == "archive":
                if stream is not Stream.LEARNINGS:
                    raise _invariant(stream, reason, f"folds line {number} into the archive")
                continue
            target = plan.dispositions.get(disposition.into)
            if not isinstance(target, (Keep, Replace)):
                raise _invariant(
                    stream,
                    reason,
                    f"folds line {number} into line {disposition.into}, which does not survive",
                )


def _invariant(stream: Stream, reason: str, what: str) -> RewriteInvariantError:
    return RewriteInvariantError(
        f"internal error: the {reason} plan for {stream.value} {what}; nothing was written"
    )


# --------------------------------------------------------------------------- records


def quarantine_record(
    store: MetricsStore,
    stream: Stream,
    file_name: str,
    line: Line,
    reason: str,
    by: str,
    errors: Iterable[str] = (),
) -> dict[str, Any]:
    """The quarantine entry of ``line`` (spec §3.8), never above ``metrics.max-line-bytes``.

    A line too long to fit keeps an excerpt: ``raw`` (or ``raw_base64``) holds its start,
    ``raw_truncated: true`` and ``raw_bytes`` (the full size) say so, and ``sha256`` is the
    digest of the whole line; the full line stays in the rewrite's backup (``backup``, set
    by the caller). An entry above the cap could never be read back (spec §2.2, §2.6).
    """
    head: dict[str, Any] = {
        "schema_version": 1,
        "quarantined_at": store.now_ts(),
        "stream": stream.value,
        "file": file_name,
        "line": line.number,
        "offset": line.offset,
        "reason": reason,
    }
    tail: dict[str, Any] = {"sha256": hashlib.sha256(line.raw).hexdigest(), "by": by}
    errors = [e if len(e) <= _MAX_ERROR else e[: _MAX_ERROR - 1] + "…" for e in errors]
    if errors:
        tail["errors"] = errors
    try:
        text: str | None = line.raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    field = "raw" if text is not None else "raw_base64"
    value = text if text is not None else base64.b64encode(line.raw).decode("ascii")
    record = {**head, field: value, **tail}
    limit = store.settings.metrics.max_line_bytes
    if _encoded_size(record) <= limit:
        return record
    record = {**head, field: "", "raw_truncated": True, "raw_bytes": len(line.raw), **tail}
    budget = max(0, limit - _encoded_size(record) - _BACKUP_RESERVE)
    if text is None:
        record[field] = base64.b64encode(line.raw[: budget // 4 * 3]).decode("ascii")
    else:
        record[field] = _utf8_excerpt(line.raw, budget)
    return record


_MAX_ERROR = 1000  # characters of one schema message kept in a quarantine entry
_BACKUP_RESERVE = 256  # room for the ``backup`` key a caller adds to a truncated entry


def _encoded_size(record: Mapping[str, Any]) -> int:
    import json

    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8", "surrogatepass")) + 1


def _utf8_excerpt(raw: bytes, budget: int) -> str:
    """The longest start of the UTF-8 ``raw`` whose JSON string body fits ``budget`` bytes."""
    import json

    def cost(n: int) -> int:
        body = json.dumps(raw[:n].decode("utf-8", "ignore"), ensure_ascii=False)
        return len(body.encode("utf-8")) - 2

    low, high = 0, min(len(raw), budget)  # escaping never makes the body shorter
    while low < high:
        middle = (low + high + 1) // 2
        if cost(middle) <= budget:
            low = middle
        else:
            high = middle - 1
    return raw[:low].decode("utf-8", "ignore")


def note_backup(records: list[dict[str, Any]], store: MetricsStore, backup: str | None) -> None:
    """Name the backup holding the full line in each truncated quarantine entry."""
    if backup is None:
        return
    relative = os.path.relpath(backup, store.root).replace(os.sep, "/")
    for record in records:
        if record.get("raw_truncated"):
            record["backup"] = relative


def _encode(store: MetricsStore, stream: Stream, record: Mapping[str, Any]) -> bytes:
    line, _parsed = store.prepare(stream, record, new=False)
    return line


def _existing_quarantine(store: MetricsStore) -> set[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for record in _jsonl.iter_records(str(store.path(Stream.QUARANTINE)), _jsonl.ScanStats()):
        seen.add((str(record.get("stream")), str(record.get("sha256"))))
    return seen


def append_quarantine(store: MetricsStore, records: list[dict[str, Any]]) -> int:
    """Append quarantine entries, skipping ones already present (same stream and sha256)."""
    if not records:
        return 0
    path = str(store.path(Stream.QUARANTINE))
    os.makedirs(store.root, exist_ok=True)
    with LockedFile(path, timeout=30.0) as locked:
        seen = _existing_quarantine(store)
        buffer = []
        for record in records:
            key = (record["stream"], record["sha256"])
            if key in seen:
                continue
            seen.add(key)
            line, parsed = _jsonl.encode_record(
                record, stream="quarantine", max_bytes=QUARANTINE_MAX_LINE
            )
            from sessionkit.metrics.validation import validate_record

            validate_record(Stream.QUARANTINE, parsed)
            buffer.append(line)
        if buffer:
            _jsonl.write_locked(locked, b"".join(buffer), fsync=True)
    return len(buffer)


# --------------------------------------------------------------------------- backups


def write_backup(store: MetricsStore, stream: Stream, data: bytes) -> str | None:
    """Gzip the pre-image into ``backups/`` and keep the newest ``metrics.backups``."""
    keep = store.settings.metrics.backups
    if keep <= 0:
        return None
    directory = store.root / "backups"
    directory.mkdir(parents=True, exist_ok=True)
    target = _jsonl.unique_name(str(directory), f"{stream.value}.{_jsonl.stamp()}", ".jsonl.gz")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(data)
        gz.flush()
    with open(target, "rb") as handle:
        sync_fd(handle.fileno())
    prune_backups(store, stream, keep)
    return target


def prune_backups(store: MetricsStore, stream: Stream, keep: int) -> list[str]:
    directory = store.root / "backups"
    prefix = f"{stream.value}."
    names = sorted(
        n
        for n in (os.listdir(directory) if directory.is_dir() else [])
        if n.startswith(prefix) and n[len(prefix) : len(prefix) + 1].isdigit()
    )
    removed = []
    for name in names[: max(0, len(names) - keep)]:
        os.unlink(directory / name)
        removed.append(name)
    return removed


# --------------------------------------------------------------------------- the primitive


def _apply_defaults(lines: list[Line], plan: RewritePlan) -> None:
    for line in lines:
        if line.record is None and line.number not in plan.dispositions:
            plan.dispositions[line.number] = Quarantine(line.problem or "invalid-json")


def _tombstone(
    store: MetricsStore, record: Mapping[str, Any], archive: Archive, by: str
) -> dict[str, Any]:
    out = dict(record)
    out["_archived_at"] = store.now_ts()
    out["_archive_reason"] = archive.reason
    out.update(archive.extra)
    out.setdefault("_archived_by", by)
    return out


def rewrite(
    store: MetricsStore,
    stream: Stream,
    planner: Planner | LinePlanner,
    *,
    reason: str,
    dry_run: bool = True,
    mode: Literal["whole", "per_line"] = "whole",
    by: str = "sessionkit",
) -> RewriteReport:
    """Plan, check and (unless ``dry_run``) apply a rewrite of ``stream``."""
    path = str(store.path(stream))
    report = RewriteReport(stream.value, reason, dry_run)
    if not os.path.exists(path):
        # Nothing to lock or read; a plan may still append (new learnings).
        report_plan = planner([]) if mode == "whole" else RewritePlan({})  # type: ignore[arg-type]
        assert isinstance(report_plan, RewritePlan)
        if not report_plan.append:
            return report
        if dry_run:
            report.changed = True
            report.appended = len(report_plan.append)
            return report
    if mode == "per_line":
        _rewrite_per_line(store, stream, planner, report, by)  # type: ignore[arg-type]
    else:
        held: list[int] = []
        try:
            _rewrite_whole(store, stream, planner, report, by, held)  # type: ignore[arg-type]
        finally:
            for fd in held:
                os.close(fd)  # releases the flock taken on the new file (see _write_replace)
    # step 11 of both modes, after the stream's lock is released: a per_line rewrite of the
    # events stream itself appends this event to the file it has just replaced
    if report.changed and not dry_run:
        store.emit_internal(
            "sessionkit.metrics.rewritten",
            {"stream": stream.value, "reason": _event_reason(reason), **report.counts()},
        )
    return report


def _rewrite_whole(
    store: MetricsStore,
    stream: Stream,
    planner: Planner,
    report: RewriteReport,
    by: str,
    held: list[int],
) -> None:
    path = str(store.path(stream))
    reason = report.reason
    with LockedFile(path, timeout=30.0) as locked:
        size = os.fstat(locked.fd).st_size
        data = _jsonl._read_at(locked.fd, size, 0) if size else b""
        lines, stats = _jsonl.split_lines(data)
        report.scanned_lines = stats.lines
        plan = planner(lines)
        _apply_defaults(lines, plan)
        check_plan(stream, lines, plan, reason)
        new_bytes, archive_records, quarantine_records = _build(
            store, stream, lines, plan, report, by
        )
        if new_bytes == data and not archive_records and not quarantine_records:
            report.changed = False
            return
        report.changed = True
        if report.dry_run:
            return
        report.backup = write_backup(store, stream, data)
        note_backup(quarantine_records, store, report.backup)
        _fault("rewrite:after-backup")
        if archive_records:
            _append_archive(store, archive_records)
        _fault("rewrite:after-archive")
        append_quarantine(store, quarantine_records)
        _fault("rewrite:after-quarantine")
        _replace(locked, new_bytes, data, held)


def _event_reason(reason: str) -> str:
    known = ("prune", "sweep", "outcome", "archive", "restore", "repair", "migrate", "dedupe")
    return reason if reason in known else "repair"


def _append_archive(store: MetricsStore, records: list[dict[str, Any]]) -> None:
    buffer = b"".join(_encode(store, Stream.LEARNINGS_ARCHIVE, r) for r in records)
    _jsonl.append_lines(str(store.path(Stream.LEARNINGS_ARCHIVE)), buffer, fsync=True, timeout=30.0)


def _build(
    store: MetricsStore,
    stream: Stream,
    lines: list[Line],
    plan: RewritePlan,
    report: RewriteReport,
    by: str,
) -> tuple[bytes, list[dict[str, Any]], list[dict[str, Any]]]:
    out: list[bytes] = []
    archive: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    file_name = store.path(stream).name
    for line in lines:
        disposition = plan.dispositions[line.number]
        item: dict[str, Any] = {"line": line.number}
        if line.record is not None and "id" in line.record:
            item["id"] = line.record.get("id")
        if isinstance(disposition, Keep):
            out.append(line.raw + b"\n")
            report.kept += 1
            continue
        if isinstance(disposition, Replace):
            out.append(_encode(store, stream, disposition.record))
            report.replaced += 1
            item["action"] = "replace"
        elif isinstance(disposition, Fold):
            report.folded += 1
            item.update(action="fold", into=disposition.into)
        elif isinstance(disposition, Archive):
            assert line.record is not None
            archive.append(_tombstone(store, line.record, disposition, by))
            report.archived += 1
            item.update(action="archive", reason=disposition.reason)
        elif isinstance(disposition, Quarantine):
            quarantine.append(
                quarantine_record(
                    store, stream, file_name, line, disposition.reason, by, disposition.errors
                )
            )
            report.quarantined += 1
            item.update(action="quarantine", reason=disposition.reason)
        report.items.append(item)
    for record in plan.append:
        out.append(_encode(store, stream, record))
        report.appended += 1
        report.items.append({"action": "append", "id": record.get("id")})
    # Archive tombstones are validated before anything is written (I3).
    for record in archive:
        _encode(store, Stream.LEARNINGS_ARCHIVE, record)
    return b"".join(out), archive, quarantine


def _replace(locked: LockedFile, new_bytes: bytes, old_bytes: bytes, held: list[int]) -> None:
    """Temp file, fsync, atomic replace, directory fsync, post-verify (restore on mismatch)."""
    path = locked.path
    directory = os.path.dirname(path)
    mode = os.fstat(locked.fd).st_mode & 0o777
    held.append(_write_replace(path, directory, new_bytes, mode, after_temp=True))
    _fault("rewrite:after-replace")
    if _digest_of(path) != hashlib.sha256(new_bytes).hexdigest():
        held.append(_write_replace(path, directory, old_bytes, mode, after_temp=False))
        raise MetricsIOError(
            f"{path}: the rewritten file does not match what was written; the original "
            "content was restored"
        )


def _digest_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_replace(path: str, directory: str, data: bytes, mode: int, *, after_temp: bool) -> int:
    """Write ``data`` to a locked temp file and move it over ``path``; returns the temp fd.

    The temp file is flocked before the rename and the caller closes the returned fd only
    after its own lock is released, so an appender that opens the new file waits for the
    post-verify instead of racing it.
    """
    name = os.path.basename(path)
    tmp = os.path.join(directory, f".{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
    try:
        if os.name != "nt":
            import fcntl

            # Appenders that open the new file block here until the caller is done.
            fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        done = 0
        while done < len(view):
            done += os.write(fd, view[done:])
        sync_fd(fd)
        if after_temp:
            _fault("rewrite:after-temp")
        _replace_with_retry(tmp, path)
        sync_dir(directory)
    except BaseException:
        os.close(fd)
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return fd


def _replace_with_retry(tmp: str, path: str) -> None:
    if os.name != "nt":
        os.replace(tmp, path)
        return
    import time  # pragma: no cover - Windows

    deadline = time.monotonic() + 5.0  # pragma: no cover
    delay = 0.01  # pragma: no cover
    while True:  # pragma: no cover
        try:
            os.replace(tmp, path)
            return
        except PermissionError as exc:
            if time.monotonic() >= deadline:
                os.unlink(tmp)
                raise MetricsIOError(f"{path}: could not replace the file ({exc})") from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _rewrite_per_line(
    store: MetricsStore,
    stream: Stream,
    planner: LinePlanner,
    report: RewriteReport,
    by: str,
) -> RewriteReport:
    """Streaming variant for large files: Keep, Replace or Quarantine per line."""
    path = str(store.path(stream))
    directory = os.path.dirname(path)
    file_name = os.path.basename(path)
    with LockedFile(path, timeout=30.0) as locked:
        tmp = os.path.join(directory, f".{file_name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        quarantined: list[dict[str, Any]] = []
        changed = False
        digest = hashlib.sha256()
        stats = _jsonl.ScanStats()
        mode = os.fstat(locked.fd).st_mode & 0o777
        out = None if report.dry_run else open(tmp, "xb")  # noqa: SIM115
        try:
            if out is not None:
                os.chmod(tmp, mode)
                if os.name != "nt":
                    import fcntl

                    fcntl.flock(out.fileno(), fcntl.LOCK_EX)
            for line in _jsonl.iter_lines(path, include_unterminated=True, stats=stats):
                disposition = planner(line)
                if line.record is None and not isinstance(disposition, (Keep, Quarantine)):
                    raise _invariant(
                        stream, report.reason, f"replaces unparseable line {line.number}"
                    )
                if isinstance(disposition, Keep):
                    chunk = line.raw + b"\n"
                    report.kept += 1
                elif isinstance(disposition, Replace):
                    chunk = _encode(store, stream, disposition.record)
                    changed = changed or chunk != line.raw + b"\n"
                    report.replaced += 1
                    report.items.append({"line": line.number, "action": "replace"})
                elif isinstance(disposition, Quarantine):
                    quarantined.append(
                        quarantine_record(
                            store,
                            stream,
                            file_name,
                            line,
                            disposition.reason,
                            by,
                            disposition.errors,
                        )
                    )
                    changed = True
                    report.quarantined += 1
                    report.items.append(
                        {"line": line.number, "action": "quarantine", "reason": disposition.reason}
                    )
                    continue
                else:
                    raise _invariant(
                        stream, report.reason, f"uses {type(disposition).__name__} in per_line mode"
                    )
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
            report.scanned_lines = stats.lines
            changed = changed or stats.blank > 0
            report.changed = changed
            if out is None or not changed:
                return report
            out.flush()
            sync_fd(out.fileno())
            report.backup = _backup_file(store, stream, path)
            note_backup(quarantined, store, report.backup)
            append_quarantine(store, quarantined)
            os.replace(tmp, path)
            sync_dir(directory)
            _fault("rewrite:after-replace")
            if _digest_of(path) != digest.hexdigest():
                if report.backup is not None:
                    with gzip.open(report.backup, "rb") as original:
                        os.close(
                            _write_replace(path, directory, original.read(), mode, after_temp=False)
                        )
                raise MetricsIOError(
                    f"{path}: the rewritten file does not match what was written; the original "
                    "content was restored from the backup"
                )
        finally:
            if out is not None and not out.closed:
                out.close()
            if os.path.exists(tmp):
                os.unlink(tmp)
    return report


def _backup_file(store: MetricsStore, stream: Stream, path: str) -> str | None:
    with open(path, "rb") as handle:
        return write_backup(store, stream, handle.read())
