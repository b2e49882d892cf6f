"""Rotation of the volatile streams (spec §2.7): rename under the lock, then compress and prune.

The rename happens inside the append primitive while the lock is held (``_jsonl``); this
module compresses pending segments, applies retention and implements ``metrics rotate``.
"""

from __future__ import annotations

import contextlib
import gzip
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sessionkit.errors import UsageError
from sessionkit.metrics import _jsonl
from sessionkit.metrics.streams import Stream, segments

if TYPE_CHECKING:
    from sessionkit.metrics.store import MetricsStore


@dataclass
class RotateReport:
    dry_run: bool
    created: list[str] = field(default_factory=list)
    compressed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    drained: dict[str, int] = field(default_factory=dict)
    due: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.compressed or self.deleted or any(self.drained.values()))


def compress_segment(segment: str) -> str:
    """``X.jsonl`` -> ``X.jsonl.gz`` (level 6, header mtime 0: reproducible), then unlink X.

    Several processes may compress the same pending segment at once (every non-hook writer
    that rotates, ``rotate`` and ``repair`` do); each writes its own temp file and the
    replace is atomic, so whoever finishes first wins and the others find the segment gone.
    """
    target = segment + ".gz"
    directory = os.path.dirname(segment) or "."
    if os.path.exists(target):
        # A crash after the rename left both; the .gz is complete by construction.
        _unlink_if_present(segment)
        return target
    tmp = f"{target}.tmp-{os.getpid()}"
    try:
        with open(segment, "rb") as source, open(tmp, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
                for block in iter(lambda: source.read(1 << 20), b""):
                    gz.write(block)
            raw.flush()
            _jsonl.sync_fd(raw.fileno())
    except FileNotFoundError:
        # Another process compressed (and unlinked) the segment first.
        _unlink_if_present(tmp)
        if os.path.exists(target):
            return target
        raise
    except BaseException:
        _unlink_if_present(tmp)
        raise
    if os.path.exists(target):
        # Another compressor won the race; its .gz holds the same bytes.
        _unlink_if_present(tmp)
    else:
        os.replace(tmp, target)
        _jsonl.sync_dir(directory)
    _unlink_if_present(segment)
    return target


def _unlink_if_present(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def pending_segments(root: str, stream: Stream) -> list[str]:
    """Rotated segments not yet compressed (including ones shadowed by a .gz)."""
    out = []
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return []
    prefix = stream.value + "."
    for name in sorted(names):
        if (
            name.startswith(prefix)
            and name.endswith(".jsonl")
            and name != stream.file_name
            and name[len(prefix) : len(prefix) + 1].isdigit()
        ):
            out.append(os.path.join(root, name))
    return out


def apply_retention(root: str, stream: Stream, keep: int) -> list[str]:
    """Delete the oldest stamped segments beyond ``keep`` (0 keeps all); returns names."""
    if keep <= 0:
        return []
    _old, stamped = segments(root, stream)
    deleted = []
    for path in stamped[: max(0, len(stamped) - keep)]:
        for candidate in {path, path[: -len(".gz")] if path.endswith(".gz") else path}:
            if os.path.exists(candidate):
                os.unlink(candidate)
        deleted.append(os.path.basename(path))
    return deleted


def after_rotation(store: MetricsStore, stream: Stream, segment: Path) -> None:
    """What follows an automatic rotation: compression (not on the hook path) and retention."""
    if store.hook_mode:
        return
    root = str(store.root)
    for pending in pending_segments(root, stream):
        try:
            compress_segment(pending)
        except FileNotFoundError:
            continue  # another process compressed it meanwhile
    rotation = store.settings.metrics.rotation.get(stream.value)
    deleted = apply_retention(root, stream, rotation.keep if rotation else 0)
    payload: dict[str, object] = {
        "stream": stream.value,
        "segment": segment.name,
        "bytes": _size(segment),
    }
    if deleted:
        payload["deleted_segments"] = deleted
    store.emit_internal("sessionkit.metrics.rotated", payload)


def _size(segment: Path) -> int:
    for candidate in (segment, Path(str(segment) + ".gz")):
        try:
            return candidate.stat().st_size
        except FileNotFoundError:
            continue
    return 0


def rotate(
    store: MetricsStore,
    streams: list[Stream] | None,
    *,
    force: bool = False,
    dry_run: bool = True,
) -> RotateReport:
    """``metrics rotate``: rotate due streams, compress pending segments, retention, spool."""
    chosen = streams or [Stream.EVENTS, Stream.SUBAGENTS]
    for stream in chosen:
        if not stream.rotates:
            raise UsageError(
                f"stream {stream.value} is not rotated: it is tracked in git (or local repair "
                "state) and a rotated copy would split its history",
                hint="rotate events or subagents",
            )
    report = RotateReport(dry_run)
    root = str(store.root)
    for stream in chosen:
        path = store.path(stream)
        rotation = store.settings.metrics.rotation[stream.value]
        size = path.stat().st_size if path.exists() else 0
        due = size > 0 and (force or size >= rotation.max_bytes)
        if due:
            report.due.append(stream.value)
        pending = pending_segments(root, stream)
        spooled = _jsonl.spool_files(str(store.spool_dir), stream.value)
        if dry_run:
            report.compressed.extend(os.path.basename(p) for p in pending)
            report.drained[stream.value] = len(spooled)
            continue
        if spooled:
            report.drained[stream.value] = store.drain_spool(stream)
        if due:
            with _jsonl.LockedFile(str(path), timeout=30.0) as locked:
                if os.fstat(locked.fd).st_size > 0:
                    report.created.append(os.path.basename(_jsonl.rotate_locked(str(path))))
        for pending_path in pending_segments(root, stream):
            report.compressed.append(os.path.basename(compress_segment(pending_path)))
        report.deleted.extend(apply_retention(root, stream, rotation.keep))
        for created in report.created:
            if created.startswith(stream.value + "."):
                store.emit_internal(
                    "sessionkit.metrics.rotated",
                    {
                        "stream": stream.value,
                        "segment": created,
                        "bytes": _size(store.root / created),
                    },
                )
    return report
