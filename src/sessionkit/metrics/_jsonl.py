"""JSON Lines primitives of the metrics store: encoding, locks, append, tolerant reading.

Everything here is standard library only, because the agent hook (``sessionkit-hook``)
appends events through it on every tool call (spec §1.2, §2.2-§2.9).

Writers and the rewrite primitive share one exclusive lock per stream: ``flock`` on the data
file itself on POSIX, ``msvcrt.locking`` on a sibling ``<file>.lock`` on Windows. Readers
never lock.
"""

from __future__ import annotations

import json
import math
import os
import random
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from sessionkit.metrics.errors import (
    LockTimeout,
    MetricsIOError,
    RecordInvalid,
    RecordTooLarge,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import ModuleType
    from typing import Any, BinaryIO, NoReturn

DEFAULT_MAX_LINE_BYTES = 65_536
MIN_MAX_LINE_BYTES = 1_024
MAX_MAX_LINE_BYTES = 1_048_576
READ_LINE_LIMIT = 16 * 1024 * 1024  # longer lines are skipped as ``oversize`` unparsed
TAIL_BLOCK = 64 * 1024

PROBLEMS = (
    "invalid-json",
    "invalid-utf8",
    "not-object",
    "unterminated",
    "oversize",
    "conflict-marker",
)
_CONFLICT_PREFIXES = (b"<<<<<<< ", b"|||||||", b"=======", b">>>>>>> ")
_BOM = b"\xef\xbb\xbf"

# Fault injection (spec §9.1): a no-op unless a test installs a callable.
_FAULT: Callable[[str], None] | None = None


def _fault(name: str) -> None:
    if _FAULT is not None:
        _FAULT(name)


# --------------------------------------------------------------------------- encoding


def _pointer(parts: list[str]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _first_non_json(value: Any, parts: list[str]) -> tuple[str, str] | None:
    """The JSON pointer and reason of the first value that is not canonical JSON."""
    if value is None or isinstance(value, (bool, int)):
        return None
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return _pointer(parts), f"{value!r} is not a JSON value"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _pointer(parts), "string contains a lone surrogate"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return _pointer(parts), f"key {key!r} is not a string"
            found = _first_non_json(key, [*parts, "<key>"]) or _first_non_json(item, [*parts, key])
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _first_non_json(item, [*parts, str(index)])
            if found:
                return found
        return None
    name = type(value).__name__
    hint = "; pass an RFC 3339 string" if name in ("datetime", "date") else ""
    return _pointer(parts), f"{name} is not a JSON value{hint}"


def _not_json(record: Any, stream: str) -> RecordInvalid:
    found = _first_non_json(record, [])
    pointer, reason = found if found else ("", "record is not a JSON object")
    return RecordInvalid(f"{stream} record invalid at {pointer or '/'}: {reason}", pointer=pointer)


def _not_serialisable(value: object) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _make_encoder() -> Callable[[Any], str]:
    """``json.dumps(..., ensure_ascii=False, separators=(",", ":"), allow_nan=False)``, built once.

    ``JSONEncoder.encode`` builds a new C encoder (and a circular-reference map) on every
    call; this one is built once, without the map: a circular structure ends in
    ``RecursionError``, which ``encode_record`` reports as an invalid record.
    """
    from json import encoder as json_encoder

    make = getattr(json_encoder, "c_make_encoder", None)
    escape = getattr(json_encoder, "c_encode_basestring", None)
    if make is None or escape is None:  # pragma: no cover - CPython always has the C module
        return json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False
        ).encode
    chunks = make(None, _not_serialisable, escape, None, ":", ",", False, False, False)
    join = "".join

    def encode(record: Any) -> str:
        return join(chunks(record, 0))

    encode.chunks = chunks  # type: ignore[attr-defined]
    return encode


_ENCODE = _make_encoder()
# The C encoder itself: ``"".join(_ENCODE_CHUNKS(record, 0))`` is ``_ENCODE(record)`` without
# its Python frame (the store's hot path); None where the C module is missing.
_ENCODE_CHUNKS: Any = getattr(_ENCODE, "chunks", None)


_DECODE = json.JSONDecoder().decode


# Value types whose JSON round trip is the identity (same value, same type); ``float`` because
# the encoder refuses NaN and the infinities and ``repr`` of a finite float parses back exactly.
_SCALARS = frozenset({str, int, float, bool, type(None)})


# Nesting beyond which ``_is_exact_json`` leaves a value to the general path (which also words
# a structure that contains itself).
_EXACT_DEPTH = 32


def _is_exact_json(value: Any, depth: int = 0) -> bool:
    """True for a ``dict`` (``str`` keys) or ``list`` made, recursively, of such containers and
    values of exact JSON scalar types: its JSON round trip is an equal object of the same types
    (a tuple would come back a list, a non-string key a string, a subclass its base type)."""
    if depth > _EXACT_DEPTH:
        return False
    scalars = _SCALARS
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (
                type(item) not in scalars and not _is_exact_json(item, depth + 1)
            ):
                return False
        return True
    if kind is list:
        for item in value:
            if type(item) not in scalars and not _is_exact_json(item, depth + 1):
                return False
        return True
    return False


def _is_flat(record: dict[str, Any]) -> bool:
    """True when every key is a ``str`` and every value an exact JSON scalar type."""
    scalars = _SCALARS
    for key, value in record.items():
        if type(key) is not str or type(value) not in scalars:
            return False
    return True


def encode_record(
    record: dict[str, Any],
    *,
    stream: str,
    max_bytes: int = DEFAULT_MAX_LINE_BYTES,
    owned: bool = False,
) -> tuple[bytes, dict[str, Any]]:
    """Encode ``record`` as one canonical line (with LF) and return it with its round trip.

    The round-tripped object is what callers validate: it is exactly what lands on disk.
    Raises ``RecordInvalid`` for non-JSON values and ``RecordTooLarge`` above ``max_bytes``.

    ``owned=True`` says the caller built ``record`` for this call and will not change it: a
    flat record (string keys, values of exact scalar types) then is its own round trip, since
    decoding its line would give an equal object of the same types, so it is returned as is
    instead of being parsed again.
    """
    if not isinstance(record, dict):
        raise RecordInvalid(f"{stream} record must be a JSON object, not {type(record).__name__}")
    try:
        text = _ENCODE(record)
        data = text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise _not_json(record, stream) from exc
    except RecursionError:
        raise RecordInvalid(
            f"{stream} record invalid at /: the value contains itself or is nested too deeply"
        ) from None
    if owned and _is_flat(record):
        parsed = record
    else:
        parsed = _DECODE(text)
    # json.dumps silently turns int/bool/None keys into strings; catch that here.
    if parsed is not record and parsed != record:
        found = _first_non_json(record, [])
        if found:
            raise RecordInvalid(
                f"{stream} record invalid at {found[0] or '/'}: {found[1]}", pointer=found[0]
            )
    assert b"\n" not in data, "JSON escaping guarantees no raw LF"
    size = len(data) + 1
    if size > max_bytes:
        raise RecordTooLarge(
            f"record for stream {stream} is {size:,} bytes; the limit is {max_bytes:,} "
            "(metrics.max-line-bytes)"
        )
    return data + b"\n", parsed


# --------------------------------------------------------------------------- locks

_POSIX = os.name != "nt"
if _POSIX:
    import fcntl

_OPEN_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)

# The Windows lock module; tests replace it with a fake to exercise that backend anywhere.
_MSVCRT: ModuleType | None = None
if not _POSIX:  # pragma: no cover - exercised on Windows runners only
    import msvcrt as _msvcrt_module

    _MSVCRT = _msvcrt_module


def _backoff_sleep(delay: float, deadline: float) -> float:
    """Sleep ``delay`` plus up to 20 % jitter (never past ``deadline``); return the next delay."""
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(min(delay * (1 + 0.2 * random.random()), remaining))
    return min(delay * 2, 0.025)


def _shown_path(path: str) -> str:
    """``path`` relative to the working directory when it lies below it (messages, §2.3)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def _timeout_error(path: str, timeout: float) -> LockTimeout:
    return LockTimeout(
        f"timed out after {timeout:.1f} s waiting for the lock on {_shown_path(path)}; "
        "another sessionkit process is rewriting it",
        hint="retry, or run `sessionkit metrics doctor`",
    )


# First poll interval of a lock wait (spec §2.3: from 1 ms to 25 ms). Starting at 50 us was
# measured against it with 8 contending appenders on 2 cores: no difference beyond noise
# (0.20-0.21 x unlocked throughput for 1 ms, 50 us and a blocking flock alike), because the
# appenders are CPU-bound there rather than waiting on an idle lock.
FIRST_POLL_S = 0.001


def _flock(fd: int, *, shared: bool, timeout: float | None, path: str) -> None:
    op = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    if timeout is None:
        fcntl.flock(fd, op)
        return
    deadline = time.monotonic() + timeout
    delay = FIRST_POLL_S
    while True:
        try:
            fcntl.flock(fd, op | fcntl.LOCK_NB)
            return
        except (BlockingIOError, PermissionError):
            pass
        if time.monotonic() >= deadline:
            raise _timeout_error(path, timeout)
        delay = _backoff_sleep(delay, deadline)


def _msvcrt_lock(lock_fd: int, *, timeout: float | None, path: str) -> None:
    assert _MSVCRT is not None
    deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
    delay = 0.001
    while True:
        try:
            os.lseek(lock_fd, 0, os.SEEK_SET)
            _MSVCRT.locking(lock_fd, _MSVCRT.LK_NBLCK, 1)
            return
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise _timeout_error(path, timeout or 0.0)
        delay = _backoff_sleep(delay, deadline)


def _os_error(path: str, exc: OSError) -> MetricsIOError:
    return MetricsIOError(f"{path}: {exc.strerror or exc}")


def _raise_read_error(path: str, exc: Exception) -> NoReturn:
    """Re-raise a failure while reading ``path`` to its end as ``MetricsIOError`` naming the
    path: an OS error, and for a rotated segment whose gzip data is cut short or damaged any
    decoding error (EOFError, BadGzipFile, zlib.error); anything else as is."""
    if path.endswith(".gz"):
        raise MetricsIOError(
            f"{path}: damaged gzip segment ({type(exc).__name__}: {exc or 'truncated'})",
            hint="move the segment out of the metrics directory (keep it: it holds rotated"
            " records) and run `sessionkit metrics doctor`",
        ) from exc
    if isinstance(exc, OSError):
        raise _os_error(path, exc) from exc
    if isinstance(exc, EOFError):
        raise MetricsIOError(f"{path}: {exc}") from exc
    raise exc


def _refuse_symlink(path: str) -> None:
    if os.path.islink(path):
        raise MetricsIOError(f"{path} is a symlink; sessionkit writes only regular files")


class LockedFile:
    """An open, exclusively (or shared-) locked stream file, revalidated against its path.

    ``fd`` is opened read-write with O_APPEND. On POSIX the lock is ``flock`` on the data file;
    after acquiring it the inode is compared with the path, and a file that was replaced
    meanwhile (a rewrite, a rotation, a checkout) is reopened (spec §2.3).
    """

    def __init__(
        self,
        path: str,
        *,
        timeout: float | None,
        shared: bool = False,
        create: bool = True,
    ) -> None:
        self.path = path
        self.timeout = timeout
        self.shared = shared
        self.create = create
        self.fd = -1
        self._lock_fd = -1

    def __enter__(self) -> LockedFile:
        _refuse_symlink(self.path)
        if _MSVCRT is not None:
            self._enter_windows()
        else:
            self._enter_posix()
        return self

    def _open(self) -> int:
        flags = _OPEN_FLAGS | _NOFOLLOW | _BINARY
        if not self.create:
            flags &= ~os.O_CREAT
        try:
            return os.open(self.path, flags, 0o644)
        except OSError as exc:
            if os.path.islink(self.path):
                raise MetricsIOError(
                    f"{self.path} is a symlink; sessionkit writes only regular files"
                ) from exc
            raise _os_error(self.path, exc) from exc

    def _enter_posix(self) -> None:
        while True:
            fd = self._open()
            try:
                _flock(fd, shared=self.shared, timeout=self.timeout, path=self.path)
                held = os.fstat(fd)
                try:
                    current = os.stat(self.path, follow_symlinks=False)
                except FileNotFoundError:
                    current = None
            except BaseException:
                os.close(fd)
                raise
            if current is not None and (current.st_dev, current.st_ino) == (
                held.st_dev,
                held.st_ino,
            ):
                self.fd = fd
                return
            os.close(fd)  # closing drops the flock; the path now names another file
            if current is None and not self.create:
                raise FileNotFoundError(self.path)

    def _enter_windows(self) -> None:
        try:
            self._lock_fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | _BINARY, 0o644)
        except OSError as exc:
            raise _os_error(self.path + ".lock", exc) from exc
        try:
            _msvcrt_lock(self._lock_fd, timeout=self.timeout, path=self.path)
            self.fd = self._open()  # opened only after the lock: waiters keep it closed
        except BaseException:
            os.close(self._lock_fd)
            self._lock_fd = -1
            raise

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closes the description, which releases a flock
            self.fd = -1
        if self._lock_fd >= 0:
            assert _MSVCRT is not None
            try:
                os.lseek(self._lock_fd, 0, os.SEEK_SET)
                _MSVCRT.locking(self._lock_fd, _MSVCRT.LK_UNLCK, 1)
            finally:
                os.close(self._lock_fd)
                self._lock_fd = -1


# --------------------------------------------------------------------------- durability


def sync_fd(fd: int) -> None:
    """Flush ``fd`` to stable storage (``F_FULLFSYNC`` on macOS, where fsync is not enough)."""
    if sys.platform == "darwin":
        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
        except OSError:
            pass
    os.fsync(fd)


def sync_dir(directory: str) -> None:
    """fsync a directory after a rename (POSIX); a no-op on Windows."""
    if not _POSIX:
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- append


def stamp(now: float | None = None) -> str:
    """``YYYYMMDDTHHMMSSmmmZ`` in UTC: file-name stamps whose lexical order is time order."""
    t = time.time() if now is None else now
    ms = int(t * 1000) % 1000
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(t)) + f"{ms:03d}Z"


def unique_name(directory: str, base: str, ext: str) -> str:
    """``<base><ext>``, or ``<base>-1<ext>``, ``-2`` … when taken."""
    candidate = os.path.join(directory, base + ext)
    n = 0
    while os.path.lexists(candidate) or os.path.lexists(candidate + ".gz"):
        n += 1
        candidate = os.path.join(directory, f"{base}-{n}{ext}")
    return candidate


def segment_base(path: str) -> str:
    name = os.path.basename(path)
    return name[: -len(".jsonl")] if name.endswith(".jsonl") else name


def rotate_locked(path: str) -> str:
    """Rename the live file to ``<stream>.<stamp>.jsonl`` (caller holds its lock)."""
    directory = os.path.dirname(path) or "."
    segment = unique_name(directory, f"{segment_base(path)}.{stamp()}", ".jsonl")
    os.rename(path, segment)
    _fault("rotate:after-rename")
    sync_dir(directory)
    return segment


class AppendOutcome(NamedTuple):
    """What one locked write did (a named tuple: built on every append)."""

    bytes_written: int
    repaired_tail: bool
    rotated_to: str | None


# ``AppendOutcome(...)`` without the generated ``__new__`` (built on every append).
_outcome = tuple.__new__

_WARNED_TAILS: set[str] = set()


_HAS_PREAD = hasattr(os, "pread")


def _read_at(fd: int, size: int, offset: int) -> bytes:
    if _HAS_PREAD:
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
    return os.read(fd, size)  # pragma: no cover


def _warn_tail(path: str, size: int) -> None:
    if path in _WARNED_TAILS:
        return
    _WARNED_TAILS.add(path)
    name = os.path.basename(path)
    print(
        f"warning: {name} ended in an unterminated line at byte {size:,} (an earlier writer "
        "was interrupted); run `sessionkit metrics repair` to quarantine it",
        file=sys.stderr,
    )


def _write_all(fd: int, buffer: bytes) -> None:
    if _FAULT is None:
        written = os.write(fd, buffer)
        if written == len(buffer):
            return
        buffer = buffer[written:]  # a short write (signal, full disk): continue the loop
    view = memoryview(buffer)
    if _FAULT is not None:  # fault point: split the buffer so a test can stop mid-write
        half = len(view) // 2
        done = 0
        while done < half:
            done += os.write(fd, view[done:half])
        _fault("mid-write")
        view = view[half:]
    done = 0
    total = len(view)
    while done < total:
        done += os.write(fd, view[done:])


def _truncate(fd: int, path: str, size: int) -> None:
    """Undo a partial write of the locked file (O_APPEND writes started at ``size``)."""
    try:
        os.ftruncate(fd, size)
    except OSError as exc:
        raise MetricsIOError(
            f"{path}: {exc.strerror or exc}; the file may end in a fragment that "
            "`sessionkit metrics repair` will quarantine"
        ) from exc


def write_locked(
    locked: LockedFile, buffer: bytes, *, fsync: bool, rotate_at: int | None = None
) -> AppendOutcome:
    """Append ``buffer`` (whole lines) to a locked file: torn-tail repair, truncate on failure."""
    return write_fd(locked.fd, locked.path, buffer, fsync=fsync, rotate_at=rotate_at)


def write_fd(
    fd: int, path: str, buffer: bytes, *, fsync: bool, rotate_at: int | None = None
) -> AppendOutcome:
    """``write_locked`` for a descriptor whose lock the caller holds."""
    size = os.lseek(fd, 0, os.SEEK_END)
    repaired = False
    if size > 0 and _read_at(fd, 1, size - 1) != b"\n":
        buffer = b"\n" + buffer
        repaired = True
        _warn_tail(path, size)
    try:
        _write_all(fd, buffer)
    except OSError as exc:
        try:
            os.ftruncate(fd, size)
        except OSError:
            raise MetricsIOError(
                f"{path}: {exc.strerror or exc}; the file may end in a fragment that "
                "`sessionkit metrics repair` will quarantine"
            ) from exc
        raise _os_error(path, exc) from exc
    if _FAULT is not None:
        _FAULT("after-write")
    if fsync:
        sync_fd(fd)
    rotated = None
    if rotate_at is not None and size + len(buffer) >= rotate_at:
        rotated = rotate_locked(path)
    return AppendOutcome(len(buffer), repaired, rotated)


def append_lines(
    path: str,
    buffer: bytes,
    *,
    fsync: bool = False,
    timeout: float | None = 10.0,
    rotate_at: int | None = None,
) -> AppendOutcome:
    """The append primitive: lock, revalidate, repair a torn tail, write whole lines.

    ``buffer`` holds complete, already validated lines; it is written with one loop of
    ``os.write`` under the stream's exclusive lock, so concurrent appends never interleave.
    """
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        try:
            os.makedirs(directory, mode=0o755, exist_ok=True)
        except OSError as exc:
            raise _os_error(directory, exc) from exc
    with LockedFile(path, timeout=timeout) as locked:
        _fault("after-lock")
        return write_locked(locked, buffer, fsync=fsync, rotate_at=rotate_at)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Line:
    """One physical line of a stream file (spec §2.5)."""

    number: int
    offset: int
    raw: bytes
    record: dict[str, Any] | None
    problem: str | None


@dataclass
class ScanStats:
    """Counters of a tolerant read, with the line number of each problem's first occurrence."""

    files: int = 0
    lines: int = 0
    records: int = 0
    blank: int = 0
    invalid_json: int = 0
    invalid_utf8: int = 0
    not_object: int = 0
    conflict_marker: int = 0
    oversize: int = 0
    unterminated: int = 0
    schema_invalid: int = 0
    folded: int = 0
    first: dict[str, int] = field(default_factory=dict)

    def count(self, problem: str, line: int) -> None:
        attr = problem.replace("-", "_")
        setattr(self, attr, getattr(self, attr) + 1)
        self.first.setdefault(problem, line)

    @property
    def problems(self) -> int:
        return (
            self.invalid_json
            + self.invalid_utf8
            + self.not_object
            + self.conflict_marker
            + self.oversize
            + self.unterminated
        )

    def merge(self, other: ScanStats) -> None:
        for name in (
            "files",
            "lines",
            "records",
            "blank",
            "invalid_json",
            "invalid_utf8",
            "not_object",
            "conflict_marker",
            "oversize",
            "unterminated",
            "schema_invalid",
            "folded",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, value in other.first.items():
            self.first.setdefault(key, value)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: v for k, v in self.__dict__.items() if k != "first" and (v or k in _ALWAYS)
        }
        if self.first:
            out["first_line"] = dict(self.first)
        return out


_ALWAYS = ("files", "lines", "records")


def classify(raw: bytes, *, first_line: bool = False) -> tuple[dict[str, Any] | None, str | None]:
    """Parse one line's bytes (LF removed): ``(record, None)``, ``(None, problem)``, or blank.

    Blank lines return ``(None, "blank")``.
    """
    body = raw[3:] if first_line and raw.startswith(_BOM) else raw
    try:
        value = json.loads(body)
    except UnicodeDecodeError:
        return None, "invalid-utf8"
    except ValueError:
        if not body.strip():
            return None, "blank"
        try:
            # json.loads sniffs UTF-16/32 from bytes; the store is UTF-8 only.
            body.decode("utf-8")
        except UnicodeDecodeError:
            return None, "invalid-utf8"
        if body.startswith(_CONFLICT_PREFIXES):
            return None, "conflict-marker"
        return None, "invalid-json"
    if not isinstance(value, dict):
        return None, "not-object"
    return value, None


def _open_binary(path: str) -> BinaryIO:
    if path.endswith(".gz"):
        import gzip

        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def iter_lines(
    path: str,
    *,
    include_unterminated: bool = False,
    stats: ScanStats | None = None,
) -> Iterator[Line]:
    """Every non-blank line of ``path`` as a ``Line``, problems included (never raised).

    A missing file reads as empty; an unreadable one raises ``MetricsIOError``. A last line
    without LF is an append in progress and is skipped unless ``include_unterminated``.
    """
    stats = stats if stats is not None else ScanStats()
    try:
        handle = _open_binary(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _os_error(path, exc) from exc
    stats.files += 1
    number = 0
    offset = 0
    with handle:
        readline = handle.readline
        while True:
            try:
                chunk = readline(READ_LINE_LIMIT)
            except Exception as exc:
                _raise_read_error(path, exc)
            if not chunk:
                return
            number += 1
            start = offset
            oversize = False
            if len(chunk) >= READ_LINE_LIMIT and not chunk.endswith(b"\n"):
                oversize = True
                parts = [chunk]
                while not chunk.endswith(b"\n"):
                    chunk = readline(READ_LINE_LIMIT)
                    if not chunk:
                        break
                    parts.append(chunk)
                chunk = b"".join(parts)
            offset += len(chunk)
            stats.lines += 1
            terminated = chunk.endswith(b"\n")
            raw = chunk[:-1] if terminated else chunk
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if oversize:
                stats.count("oversize", number)
                yield Line(number, start, raw, None, "oversize")
                continue
            if not terminated:
                if not raw.strip():
                    stats.blank += 1
                    return
                stats.count("unterminated", number)
                if include_unterminated:
                    yield Line(number, start, raw, None, "unterminated")
                return
            record, problem = classify(raw, first_line=number == 1)
            if problem == "blank":
                stats.blank += 1
                continue
            if problem is not None:
                stats.count(problem, number)
                yield Line(number, start, raw, None, problem)
                continue
            stats.records += 1
            yield Line(number, start, raw, record, None)


def iter_records(path: str, stats: ScanStats) -> Iterator[dict[str, Any]]:
    """The parsed records of ``path`` only: the fast path of large scans (``stats``, ``query``).

    Same classification and counters as ``iter_lines``, without per-line objects.
    """
    try:
        handle = _open_binary(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _os_error(path, exc) from exc
    stats.files += 1
    loads = json.loads
    lines = records = 0
    number = 0
    with handle:
        readline = handle.readline
        try:
            while True:
                chunk = readline(READ_LINE_LIMIT)
                if not chunk:
                    break
                number += 1
                lines += 1
                if chunk[-1:] != b"\n":
                    if len(chunk) >= READ_LINE_LIMIT:
                        while chunk and chunk[-1:] != b"\n":
                            chunk = readline(READ_LINE_LIMIT)
                        stats.count("oversize", number)
                        continue
                    if chunk.strip():
                        stats.count("unterminated", number)
                    else:
                        stats.blank += 1
                    break
                try:
                    value = loads(chunk)
                except ValueError:
                    _record, problem = classify(chunk[:-1].rstrip(b"\r"), first_line=number == 1)
                    if problem == "blank":
                        stats.blank += 1
                    elif problem is not None:
                        stats.count(problem, number)
                    else:
                        records += 1
                        yield _record  # type: ignore[misc]  # BOM-prefixed first line
                    continue
                if type(value) is dict:
                    records += 1
                    yield value
                else:
                    stats.count("not-object", number)
        except Exception as exc:
            _raise_read_error(path, exc)
        finally:
            stats.lines += lines
            stats.records += records


def tail_records(
    path: str,
    n: int,
    predicate: Callable[[dict[str, Any]], bool] | None = None,
    *,
    end: int | None = None,
) -> list[dict[str, Any]]:
    """The last ``n`` records of ``path`` matching ``predicate``, oldest first.

    Reads 64 KiB blocks backwards, so the cost is proportional to ``n``, not to the file.
    An unterminated last line is ignored (an append may be in progress). ``end``: read the
    file as it was up to that byte offset (where a follower starts, so nothing is shown twice).
    """
    if n <= 0:
        return []
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise _os_error(path, exc) from exc
    found: list[dict[str, Any]] = []
    with handle:
        position = handle.seek(0, os.SEEK_END)
        if end is not None:
            position = max(0, min(position, end))
        carry = b""
        first_block = True
        while position > 0 and len(found) < n:
            size = min(TAIL_BLOCK, position)
            position -= size
            handle.seek(position)
            block = handle.read(size) + carry
            pieces = block.split(b"\n")
            carry = pieces[0] if position > 0 else b""
            complete = pieces[1:] if position > 0 else pieces
            if first_block:
                complete = complete[:-1]  # after the final LF, or an unterminated fragment
                first_block = False
            for raw in reversed(complete):
                if len(raw) > READ_LINE_LIMIT:
                    continue  # oversize, as the forward reader skips it (query and tail agree)
                record, problem = classify(raw.rstrip(b"\r"), first_line=False)
                if record is None or problem is not None:
                    continue
                if predicate is None or predicate(record):
                    found.append(record)
                    if len(found) >= n:
                        break
    found.reverse()
    return found


# --------------------------------------------------------------------------- spool


def spool_write(spool_dir: str, stream: str, buffer: bytes, *, fsync: bool = False) -> str:
    """Write lines to a unique spool file (no lock needed: ``O_CREAT | O_EXCL``)."""
    name = f"{stream}-{stamp()}-{os.getpid()}-{secrets.token_hex(4)}.jsonl"
    path = os.path.join(spool_dir, name)
    for attempt in range(3):
        os.makedirs(spool_dir, mode=0o755, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o644)
            break
        except FileNotFoundError:  # a drain removed the (then empty) directory meanwhile
            if attempt == 2:
                raise
    try:
        _write_all_plain(fd, buffer)
        if fsync:
            sync_fd(fd)
    finally:
        os.close(fd)
    return path


def _write_all_plain(fd: int, buffer: bytes) -> None:
    view = memoryview(buffer)
    done = 0
    while done < len(view):
        done += os.write(fd, view[done:])


def spool_files(spool_dir: str, stream: str) -> list[str]:
    """Spool files of ``stream`` in name (time) order."""
    try:
        names = os.listdir(spool_dir)
    except FileNotFoundError:
        return []
    prefix = stream + "-"
    return [
        os.path.join(spool_dir, n)
        for n in sorted(names)
        if n.startswith(prefix)
        and n.endswith(".jsonl")
        and n[len(prefix) : len(prefix) + 1].isdigit()
    ]


def _last_lines(fd: int, count: int) -> set[bytes]:
    """The last ``count`` complete lines of an open file (for spool de-duplication)."""
    size = os.fstat(fd).st_size
    start = max(0, size - count * 2048)
    data = _read_at(fd, size - start, start)
    lines = data.split(b"\n")
    if start > 0:
        lines = lines[1:]
    return set(lines[-count - 1 :])


def drain_spool(path: str, spool_dir: str, stream: str, *, fsync: bool, timeout: float) -> int:
    """Move spooled lines into their stream under its lock; returns the lines appended.

    A spooled line identical to one of the stream's last 1,000 lines is skipped: it protects
    against a crash between an earlier drain's append and its unlink.
    """
    files = spool_files(spool_dir, stream)
    if not files:
        _remove_empty(spool_dir)
        return 0
    appended = 0
    with LockedFile(path, timeout=timeout) as locked:
        recent = _last_lines(locked.fd, 1000)
        for spool in spool_files(spool_dir, stream):
            try:
                with open(spool, "rb") as handle:
                    data = handle.read()
            except FileNotFoundError:
                continue  # drained by another process meanwhile
            keep = [
                line + b"\n" for line in data.split(b"\n") if line.strip() and line not in recent
            ]
            if keep:
                write_locked(locked, b"".join(keep), fsync=fsync)
                appended += len(keep)
            os.unlink(spool)
        _remove_empty(spool_dir)
    return appended


def _remove_empty(spool_dir: str) -> None:
    """Remove ``spool/`` once empty: while it exists, every ordinary append lists it.

    A spool writer that loses the race recreates the directory (``spool_write`` retries);
    a directory still holding files (another stream's, or one spooled meanwhile) stays.
    """
    try:
        os.rmdir(spool_dir)
    except OSError:
        return  # not empty, or already gone


def split_lines(data: bytes) -> tuple[list[Line], ScanStats]:
    """Every non-blank line of an in-memory pre-image, the unterminated tail included."""
    stats = ScanStats(files=1)
    lines: list[Line] = []
    offset = 0
    number = 0
    length = len(data)
    while offset < length:
        end = data.find(b"\n", offset)
        terminated = end >= 0
        stop = end if terminated else length
        raw = data[offset:stop]
        number += 1
        stats.lines += 1
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not terminated:
            if raw.strip():
                stats.count("unterminated", number)
                lines.append(Line(number, offset, raw, None, "unterminated"))
            else:
                stats.blank += 1
            break
        if len(raw) + 1 > READ_LINE_LIMIT:
            stats.count("oversize", number)
            lines.append(Line(number, offset, raw, None, "oversize"))
        else:
            record, problem = classify(raw, first_line=number == 1)
            if problem == "blank":
                stats.blank += 1
            elif problem is not None:
                stats.count(problem, number)
                lines.append(Line(number, offset, raw, None, problem))
            else:
                stats.records += 1
                lines.append(Line(number, offset, raw, record, None))
        offset = stop + 1
    return lines, stats


_LOCK_EX_NB = (fcntl.LOCK_EX | fcntl.LOCK_NB) if _POSIX else 0
_LOCK_UN = fcntl.LOCK_UN if _POSIX else 0
# Module globals for the hot path of ``StreamWriter.append_fast`` (one lookup each); it
# returns before any of them on Windows, where a writer keeps no descriptor open.
if _POSIX:
    _flock_call = fcntl.flock
    _pread = os.pread
_access = os.access
_stat = os.stat
_write = os.write
_monotonic = time.monotonic
_lseek = os.lseek
_SEEK_END = os.SEEK_END
_F_OK = os.F_OK

# Appends of a writer before it watches its directory: arming a watch costs about 15 us and
# saves about 1.5 us per append; the first watch of a process also loads ``_ctypes`` (about
# 0.6 ms, see ``_inotify_functions``), so a writer arms it only after WATCH_AFTER_IMPORT
# appends unless ``_ctypes`` is already loaded (ski rental: the appends paid unwatched by then
# cost about what the load costs).
WATCH_AFTER = 16
WATCH_AFTER_IMPORT = 256
# inotify: IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF |
# IN_MOVE_SELF, and IN_ONLYDIR; the queue overflow and a removed watch are always reported.
_WATCH_MASK = 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x01000000
_INOTIFY: list[Any] = []  # [(inotify_init1, inotify_add_watch)] or [None] once looked up


def _inotify_functions() -> tuple[Any, Any] | None:
    """``inotify_init1`` and ``inotify_add_watch`` of the C library, or None.

    Bound with ``_ctypes``, the extension module under ``ctypes``: importing ``ctypes`` itself
    costs about 2.2 ms (its Python module defines every C type and checks their sizes), the
    extension and the two functions about 0.7 ms. Both calls take and return C ``int``s (the
    path is passed as ``bytes``, the mask fits an ``int``). Should the extension's interface
    differ, the same functions come from ``ctypes``.
    """
    try:
        import _ctypes

        class _Int(_ctypes._SimpleCData):  # type: ignore[type-arg]  # not generic at run time
            _type_ = "i"

        class _Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
            _restype_ = _Int

        libc = _ctypes.dlopen(None, os.RTLD_NOW)  # type: ignore[arg-type]  # the program
        return (
            _Function(_ctypes.dlsym(libc, "inotify_init1")),
            _Function(_ctypes.dlsym(libc, "inotify_add_watch")),
        )
    except (ImportError, OSError, AttributeError, TypeError):  # pragma: no cover - other builds
        pass
    try:  # pragma: no cover - exercised only where the extension differs
        import ctypes

        c_library = ctypes.CDLL(None, use_errno=True)
        return (c_library.inotify_init1, c_library.inotify_add_watch)
    except (ImportError, OSError, AttributeError):  # pragma: no cover - odd libc
        return None


def _dir_watch(dfd: int) -> tuple[int, Callable[[int], list[tuple[int, int]]]] | None:
    """An inotify watch of the directory open as ``dfd``: its descriptor and ``poll``.

    None where inotify is not available (not Linux, no ``/proc``, the per-user instance limit
    reached): the writer then keeps doing the full checks on every append.
    """
    if not _INOTIFY:
        _INOTIFY.append(_inotify_functions() if sys.platform.startswith("linux") else None)
    if _INOTIFY[0] is None:
        return None
    init, add = _INOTIFY[0]
    ifd = init(os.O_NONBLOCK | os.O_CLOEXEC)
    if ifd < 0:
        return None
    # the directory behind the descriptor, not whatever its path names now
    if add(ifd, f"/proc/self/fd/{dfd}".encode(), _WATCH_MASK) < 0:
        os.close(ifd)
        return None
    import select

    poller = select.poll()
    poller.register(ifd, select.POLLIN)
    return ifd, poller.poll


# The current pid, refreshed after fork (cheaper than os.getpid() on every append).
_PID = [os.getpid()]
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _PID.__setitem__(0, os.getpid()))


class SpoolPending(Exception):
    """``StreamWriter.append`` found the spool directory to drain first (nothing written)."""


# How long a writer trusts its descriptor of the store directory before comparing it with the
# directory's path again (see ``StreamWriter``).
DIR_RECHECK_S = 0.05

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


class StreamWriter:
    """A long-lived append handle for one stream file (the store's fast path).

    The descriptor stays open between appends, so an append costs one ``flock``, one ``stat``
    of the path (inode revalidation, spec §2.3; its ``st_size`` is the file's size, the same
    inode being locked), one ``pread`` (torn-tail check) and the write; on Linux, once the
    directory is watched (:meth:`append_fast`), one ``poll`` and one ``lseek`` replace the
    ``access`` of ``spool/`` and the ``stat``. A replaced or rotated
    file, or a fork (a child must not share the parent's open file description, which would
    share its lock), reopens. Threads of one process serialise on a ``threading.Lock`` first,
    because they share this descriptor.

    On POSIX the writer also keeps a descriptor of the store directory and resolves the file
    (and ``spool/``, see :meth:`append`) from it: one path component instead of the whole
    absolute path. A rewrite, rotation or checkout replaces the file inside that directory, so
    the revalidation sees it exactly as ``stat(path)`` would. Only a rename or replacement of
    the directory itself (or of a parent, or a symlink on the way) is seen differently; the
    directory's identity is compared with ``stat(directory)`` on open, whenever the file
    revalidation fails, and at most ``DIR_RECHECK_S`` after the last comparison, and a
    mismatch reopens both. No lock orders a directory rename against appends (a writer past
    its revalidation writes into the renamed directory under the spec's protocol too), so
    this bounds, rather than changes, the window in which appends follow a moved directory.
    """

    def __init__(self, path: str, *, trust_own_tail: bool = False) -> None:
        import _thread  # built in: threading's import (~0.7 ms cold) is not needed for a lock

        self.path = path
        self._directory = os.path.dirname(path) or "."
        self._name = os.path.basename(path)
        self._name_b = os.fsencode(self._name)  # bytes: the path converter copies no str
        self._trust_own_tail = trust_own_tail
        self._fd = -1
        self._pid = -1
        self._ident: tuple[int, int] | None = None
        self._dev = self._ino = -1  # self._ident, unpacked for the hot comparison
        # The store directory's descriptor (-1: none), its identity and when it was last
        # compared with the directory's path (monotonic seconds).
        self._dfd = -1
        self._dir_ident: tuple[int, int] | None = None
        self._dir_checked = 0.0
        # With ``trust_own_tail``, where this writer's last whole write ended in the current
        # file: a file still that long (same inode, checked under the lock) ends in that
        # write's LF, so the torn-tail pread is skipped. Only the store's writers change such
        # a file in place, and they only append or truncate back to a length whose last byte
        # they checked; streams that a command truncates in place (``quarantine``, cleared by
        # ``repair --clear-quarantine``) do not set it.
        self._end = -1
        # A watch of the directory (see ``append_fast``): its inotify descriptor (-1: none),
        # the ``poll`` that says whether it saw a change, and the appends since it was dropped.
        self._watch_fd = -1
        self._quiet: Callable[[int], list[tuple[int, int]]] | None = None
        self._unwatched = 0
        # Threads of one process share the descriptor, so one of them at a time appends
        # through it: the one that popped the token, a list's single item. ``append_fast``
        # takes it without blocking (list.pop is atomic; about 0.13 us less per append than a
        # lock) and leaves to :meth:`append` when it is taken; :meth:`append` serialises its
        # callers on the mutex and waits for the token.
        self._token = [True]
        self._mutex = _thread.allocate_lock()  # what threading.Lock is

    def _open_dir(self) -> None:
        """(Re)open the directory descriptor, creating the directory if needed."""
        self._close_dir()
        directory = self._directory
        if not os.path.isdir(directory):
            os.makedirs(directory, mode=0o755, exist_ok=True)
        if _MSVCRT is not None:  # pragma: no cover - Windows keeps no descriptors open
            return
        dfd = os.open(directory, _DIR_FLAGS)
        st = os.fstat(dfd)
        self._dfd = dfd
        self._dir_ident = (st.st_dev, st.st_ino)
        self._dir_checked = time.monotonic()

    def _close_dir(self) -> None:
        self._drop_watch()
        if self._dfd >= 0:
            os.close(self._dfd)
        self._dfd = -1
        self._dir_ident = None

    def _arm_watch(self) -> None:
        """Start watching the directory (before the full checks the watch will stand for)."""
        self._unwatched = 0
        made = _dir_watch(self._dfd)
        if made is not None:
            self._watch_fd, self._quiet = made

    def _drop_watch(self) -> None:
        if self._watch_fd >= 0:
            os.close(self._watch_fd)
        self._watch_fd = -1
        self._quiet = None
        self._unwatched = 0

    def _dir_moved(self) -> bool:
        """Whether the directory descriptor no longer is the directory at its path."""
        self._dir_checked = time.monotonic()
        try:
            st = os.stat(self._directory)
        except OSError:
            return True
        return (st.st_dev, st.st_ino) != self._dir_ident

    def _open(self) -> None:
        self.close()
        if self._dfd < 0 or self._dir_moved():
            self._open_dir()
        locked = LockedFile(self.path, timeout=0)
        _refuse_symlink(self.path)
        self._fd = locked._open()
        st = os.fstat(self._fd)
        self._ident = (st.st_dev, st.st_ino)
        self._dev, self._ino = self._ident
        self._pid = _PID[0]

    def close(self) -> None:
        """Close the stream file (the directory descriptor stays for the next open)."""
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = -1
        self._ident = None
        self._dev = self._ino = -1
        self._end = -1

    def __del__(self) -> None:
        try:
            self.close()
            self._close_dir()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def append_fast(self, line: bytes, rotate_at: int | None, timeout: float | None) -> int:
        """The common append of whole lines (no fsync): bytes written, or -1 for :meth:`append`.

        The store's hot path, with :meth:`append`'s guarantees: the ``spool/`` check, the lock,
        the inode revalidation, the torn-tail ``pread`` unless the file still ends where this
        writer left it, one whole write, the unlock. Anything else returns -1 with nothing
        written and the lock released, and :meth:`append` does it and words its errors: no
        descriptor yet or a fork, the directory comparison due, ``spool/`` present, a fault
        injection installed, a replaced file, a torn tail, a rotation due, a short or failed
        write (truncated away first).

        **Directory watch (Linux).** After ``WATCH_AFTER`` appends the writer watches its
        directory with inotify for entries created, deleted or renamed (and for the directory
        itself being deleted or moved). The watch is armed *before* a full check (``access``
        of ``spool/``, ``stat`` of the path compared with the descriptor); while it has seen
        nothing, checked after the lock is taken, neither can have changed since that check:
        replacing or renaming the file (rewrite, rotation, checkout, ``mv``) and creating
        ``spool/`` are all entry changes of this directory, and the kernel queues the event
        inside the system call that makes the change, before a rotating or rewriting writer
        releases the lock this writer then takes. So the two path lookups are replaced by one
        ``poll`` of the watch and the size comes from ``lseek``. Any event (or an overflow of
        the queue) drops the watch and this append does the full checks; a new watch is armed
        ``WATCH_AFTER`` appends later.
        """
        token = self._token
        try:
            token.pop()  # atomic: the thread that gets the token has the writer
        except IndexError:  # another thread of this process appends through it: append() waits
            return -1
        try:
            fd = self._fd
            if (
                fd < 0
                or self._pid != _PID[0]
                or _FAULT is not None
                or _monotonic() - self._dir_checked > DIR_RECHECK_S
            ):
                return -1
            dfd = self._dfd
            quiet = self._quiet
            if quiet is None:
                if self._unwatched >= WATCH_AFTER and (
                    _INOTIFY or "_ctypes" in sys.modules or self._unwatched >= WATCH_AFTER_IMPORT
                ):
                    self._arm_watch()  # before the checks below, which it then stands for
                else:
                    self._unwatched += 1
                if _access(b"spool", _F_OK, dir_fd=dfd):
                    # files spooled into an existing spool/ change no entry of this
                    # directory: no watch while it exists
                    self._drop_watch()
                    return -1
            try:
                _flock_call(fd, _LOCK_EX_NB)  # the uncontended case, without the poll loop
            except (BlockingIOError, PermissionError):
                _flock(fd, shared=False, timeout=timeout, path=self.path)
            try:
                if quiet is not None and not quiet(0):
                    size = _lseek(fd, 0, _SEEK_END)  # nothing in the directory changed
                else:
                    if quiet is not None:  # the directory changed: the full checks, once
                        self._drop_watch()
                        if _access(b"spool", _F_OK, dir_fd=dfd):
                            return -1
                    try:
                        current = _stat(self._name_b, dir_fd=dfd, follow_symlinks=False)
                    except FileNotFoundError:
                        return -1
                    if current.st_ino != self._ino or current.st_dev != self._dev:
                        return -1
                    size = current.st_size  # the locked inode's: no other writer changes it
                total = len(line)
                if (rotate_at is not None and size + total >= rotate_at) or (
                    size != self._end and size and _pread(fd, 1, size - 1) != b"\n"
                ):
                    return -1
                try:
                    written = _write(fd, line)
                except OSError:
                    written = 0  # nothing was written; append() reports it
                if written == total:
                    if self._trust_own_tail:
                        self._end = size + total
                    return total
                self._end = -1
                if written:
                    _truncate(fd, self.path, size)
                return -1
            finally:
                _flock_call(fd, _LOCK_UN)
        finally:
            token.append(True)

    def _take_token(self) -> None:
        """Wait for the writer's token (held by a thread in :meth:`append_fast`)."""
        token = self._token
        delay = 0.00005
        while True:
            try:
                token.pop()
                return
            except IndexError:
                if self._pid != _PID[0]:
                    # a fork while another thread held it: that thread is not in this
                    # process, and the token is returned with this append's
                    return
            time.sleep(delay)
            delay = min(delay * 2, 0.001)

    def append(
        self,
        buffer: bytes,
        fsync: bool = False,
        timeout: float | None = 10.0,
        rotate_at: int | None = None,
        spool: str | None = None,
    ) -> AppendOutcome:
        """Append ``buffer`` under the lock (spec §2.4 steps 3-9).

        With ``spool`` (a name in the stream's directory), first raise ``SpoolPending`` when
        it exists, before taking the lock: the caller drains it and appends again.
        """
        if _MSVCRT is not None:  # pragma: no cover - Windows keeps the data file closed
            if spool is not None and os.path.exists(os.path.join(self._directory, spool)):
                raise SpoolPending(spool)
            return append_lines(
                self.path, buffer, fsync=fsync, timeout=timeout, rotate_at=rotate_at
            )
        with self._mutex:  # one thread at a time here; the token excludes append_fast too
            self._take_token()
            try:
                return self._append_held(buffer, fsync, timeout, rotate_at, spool)
            finally:
                self._token.append(True)

    def _append_held(
        self,
        buffer: bytes,
        fsync: bool,
        timeout: float | None,
        rotate_at: int | None,
        spool: str | None,
    ) -> AppendOutcome:
        """:meth:`append` with the mutex and the token held."""
        while True:
            if self._fd < 0 or self._pid != _PID[0]:
                if self._pid != _PID[0]:
                    # never close descriptors inherited over fork; the child opens its own
                    self._fd = self._dfd = self._watch_fd = -1
                    self._quiet = None
                self._open()
            elif time.monotonic() - self._dir_checked > DIR_RECHECK_S and self._dir_moved():
                self.close()
                self._open_dir()
                continue
            if spool is not None and os.access(spool, os.F_OK, dir_fd=self._dfd):
                raise SpoolPending(spool)
            fd = self._fd
            try:
                fcntl.flock(fd, _LOCK_EX_NB)  # the uncontended case, without the poll loop
            except (BlockingIOError, PermissionError):
                _flock(fd, shared=False, timeout=timeout, path=self.path)
            try:
                try:
                    current = os.stat(self._name, dir_fd=self._dfd, follow_symlinks=False)
                except FileNotFoundError:
                    current = None
                if current is None or current.st_ino != self._ino or current.st_dev != self._dev:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    self.close()  # _open compares the directory too
                    continue
                if _FAULT is None and not fsync:
                    # write_fd's common case inline: an intact tail, no rotation due, one
                    # whole write. Anything else (or a failed or short write, undone
                    # first) goes through write_fd. The size is the revalidating stat's:
                    # the same inode, locked, so no other writer changes it meanwhile.
                    size = current.st_size
                    total = len(buffer)
                    if (rotate_at is None or size + total < rotate_at) and (
                        size == self._end or size == 0 or os.pread(fd, 1, size - 1) == b"\n"
                    ):
                        try:
                            written = os.write(fd, buffer)
                        except OSError:
                            written = 0  # nothing was written; write_fd reports it
                        if written == total:
                            if self._trust_own_tail:
                                self._end = size + total
                            return _outcome(AppendOutcome, (total, False, None))
                        self._end = -1
                        if written:
                            _truncate(fd, self.path, size)
                elif _FAULT is not None:
                    _FAULT("after-lock")
                self._end = -1
                outcome = write_fd(fd, self.path, buffer, fsync=fsync, rotate_at=rotate_at)
                if outcome.rotated_to is not None:
                    self._ident = None  # the live file is new: reopen next time
                return outcome
            finally:
                if self._fd == fd:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                if self._ident is None and self._fd == fd:
                    self.close()
