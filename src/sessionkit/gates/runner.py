"""Running one command: process group, timeout, concurrent capture to logs, bounded tail.

POSIX: the child leads its own session, so a timeout stops the whole tree (SIGTERM, grace,
SIGKILL to the group). After the direct child exits we wait at most ``ORPHAN_WAIT_S`` for the
pipes to close; a leftover process holding them (a server a test started) is killed, so one
background process can never hang the gate.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

LOG_CAP = 64 * 1024 * 1024
LOG_HEAD = 48 * 1024 * 1024
TAIL_BYTES = 8 * 1024
ORPHAN_WAIT_S = 5.0
_CHUNK = 65536


@dataclass
class ProcessOutcome:
    exit_code: int | None
    timed_out: bool
    duration_s: float
    tail: str
    truncated: bool
    spawn_error: str | None = None
    notes: list[str] = field(default_factory=list)
    pid: int | None = None


class ProcessInterrupted(KeyboardInterrupt):
    """The run was interrupted while the child ran; ``outcome`` is what was captured."""

    def __init__(self, outcome: ProcessOutcome) -> None:
        super().__init__()
        self.outcome = outcome
        self.partial: object | None = None  # set by the caller: its partial check result


class _CappedLog:
    """Writes a stream to a file keeping the first LOG_HEAD and the last bytes up to LOG_CAP."""

    def __init__(self, path: str, cap: int = LOG_CAP, head: int = LOG_HEAD) -> None:
        self.path = path
        self.cap = cap
        self.head = head
        self.file: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.written = 0
        self.ring: collections.deque[bytes] = collections.deque()
        self.ring_size = 0
        self.omitted = 0

    def write(self, data: bytes) -> None:
        if self.written < self.head:
            take = data[: self.head - self.written]
            self.file.write(take)
            self.written += len(take)
            data = data[len(take) :]
        if not data:
            return
        self.ring.append(data)
        self.ring_size += len(data)
        limit = self.cap - self.head
        while self.ring_size > limit:
            first = self.ring[0]
            excess = self.ring_size - limit
            if len(first) <= excess:
                self.ring.popleft()
                self.ring_size -= len(first)
                self.omitted += len(first)
            else:
                self.ring[0] = first[excess:]
                self.ring_size -= excess
                self.omitted += excess

    @property
    def truncated(self) -> bool:
        return self.omitted > 0

    def close(self) -> None:
        if self.omitted:
            self.file.write(f"\n[sessionkit: {self.omitted} bytes omitted]\n".encode())
        for chunk in self.ring:
            self.file.write(chunk)
        self.file.close()


class _Tail:
    """The last lines of both streams in arrival order (bounded in lines and bytes)."""

    def __init__(self, lines: int) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=max(lines, 1))
        self.partial: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def feed(self, stream: str, data: bytes) -> None:
        with self.lock:
            buffer = self.partial.get(stream, b"") + data
            *complete, rest = buffer.split(b"\n")
            for line in complete[-self.lines.maxlen :] if self.lines.maxlen else complete:
                self.lines.append(line.decode("utf-8", "replace"))
            self.partial[stream] = rest[-TAIL_BYTES:]

    def text(self) -> str:
        from sessionkit.gates.parsers.ansi import normalise

        with self.lock:
            lines = list(self.lines)
            lines.extend(p.decode("utf-8", "replace") for p in self.partial.values() if p)
        text = normalise("\n".join(lines))
        encoded = text.encode("utf-8")
        if len(encoded) > TAIL_BYTES:
            text = encoded[-TAIL_BYTES:].decode("utf-8", "ignore")
            text = text.split("\n", 1)[-1] if "\n" in text else text
        return text


class _Echo:
    """``--stream``: whole child lines, each prefixed with the check name (spec §5.4).

    A line read in pieces is shown once complete (pytest prints a dot per test); the two
    streams share the terminal, so a line is written under a lock, never interleaved.
    """

    MAX_LINE = 64 * 1024  # a line without an end is shown in pieces of this size

    def __init__(self, out: IO[str], prefix: str) -> None:
        self.out = out
        self.prefix = prefix
        self.lock = threading.Lock()

    def lines(self, partial: bytes, data: bytes) -> bytes:
        """Write the complete lines of ``partial + data``; returns the unfinished rest."""
        buffer = partial + data
        *complete, rest = buffer.split(b"\n")
        while len(rest) > self.MAX_LINE:
            complete.append(rest[: self.MAX_LINE])
            rest = rest[self.MAX_LINE :]
        self._write(complete)
        return rest

    def flush(self, partial: bytes) -> None:
        if partial:
            self._write([partial])

    def _write(self, lines: list[bytes]) -> None:
        if not lines:
            return
        # a terminal shows the last carriage-return segment of a line (progress redraws)
        text = "".join(
            f"{self.prefix}{_last_segment(line.decode('utf-8', 'replace'))}\n" for line in lines
        )
        with self.lock:
            self.out.write(text)
            self.out.flush()


def _last_segment(line: str) -> str:
    segments = [part for part in line.split("\r") if part]
    return segments[-1] if segments else ""


def _pump(
    pipe: IO[bytes],
    log: _CappedLog,
    tail: _Tail,
    name: str,
    echo: _Echo | None,
) -> None:
    fd = pipe.fileno()
    partial = b""
    while True:
        try:
            data = os.read(fd, _CHUNK)
        except OSError:
            break
        if not data:
            break
        try:
            log.write(data)
        except ValueError:  # the log was closed after an interrupt: stop reading
            break
        tail.feed(name, data)
        if echo is not None:
            partial = echo.lines(partial, data)
    if echo is not None:
        echo.flush(partial)
    pipe.close()


def _stop_group(proc: subprocess.Popen[bytes], kill_grace_s: float) -> None:
    """SIGTERM to the group, ``kill_grace_s`` for the child to exit, then SIGKILL (§5.3)."""
    _kill_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=kill_grace_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc, signal.SIGKILL)
        proc.wait()
    # whatever else is left of the group goes too
    _kill_group(proc, signal.SIGKILL)


def _kill_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows runners only
        subprocess.run(
            ["taskkill", "/T", "/F", "/PID", str(proc.pid)], capture_output=True, check=False
        )
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def run_process(
    argv: Sequence[str],
    *,
    shell: bool,
    cwd: str,
    env: Mapping[str, str],
    timeout_s: float,
    kill_grace_s: float,
    stdout_log: str,
    stderr_log: str,
    tail_lines: int,
    echo: IO[str] | None = None,
    echo_prefix: str = "",
) -> ProcessOutcome:
    """Run ``argv`` (or ``argv[0]`` through the platform shell) and capture both streams."""
    if shell:
        if sys.platform == "win32":  # pragma: no cover
            command: list[str] = ["cmd.exe", "/d", "/s", "/c", argv[0]]
        else:
            command = ["/bin/sh", "-c", argv[0]]
    else:
        command = list(argv)
    out_log = _CappedLog(stdout_log)
    err_log = _CappedLog(stderr_log)
    tail = _Tail(tail_lines)
    kwargs: dict[str, object] = {}
    if sys.platform == "win32":  # pragma: no cover
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    else:
        kwargs["start_new_session"] = True
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **kwargs,  # type: ignore[call-overload]
        )
    except OSError as exc:
        out_log.close()
        err_log.close()
        return ProcessOutcome(
            exit_code=None,
            timed_out=False,
            duration_s=round(time.monotonic() - started, 3),
            tail="",
            truncated=False,
            spawn_error=f"{type(exc).__name__}: {exc.strerror or exc}",
        )
    assert proc.stdout is not None and proc.stderr is not None
    shared_echo = _Echo(echo, echo_prefix) if echo is not None else None
    threads = [
        threading.Thread(target=_pump, args=(proc.stdout, out_log, tail, "stdout", shared_echo)),
        threading.Thread(target=_pump, args=(proc.stderr, err_log, tail, "stderr", shared_echo)),
    ]
    for thread in threads:
        thread.daemon = True
        thread.start()
    notes: list[str] = []
    timed_out = False
    try:
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _stop_group(proc, kill_grace_s)
        deadline = time.monotonic() + ORPHAN_WAIT_S
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in threads):
            _kill_group(proc, signal.SIGKILL)
            notes.append("orphans-killed")
            for thread in threads:
                thread.join(5.0)
    except BaseException as exc:
        # Ctrl-C / SIGTERM to sessionkit: the group is stopped as on timeout, and what it
        # printed so far stays in the logs and the tail of the result (spec §5.3)
        _stop_group(proc, kill_grace_s)
        for thread in threads:
            thread.join(1.0)
        out_log.close()
        err_log.close()
        if not isinstance(exc, KeyboardInterrupt):
            raise
        raise ProcessInterrupted(
            ProcessOutcome(
                exit_code=None,
                timed_out=False,
                duration_s=round(time.monotonic() - started, 3),
                tail=tail.text(),
                truncated=out_log.truncated or err_log.truncated,
                notes=notes,
                pid=proc.pid,
            )
        ) from exc
    duration = round(time.monotonic() - started, 3)
    out_log.close()
    err_log.close()
    return ProcessOutcome(
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        duration_s=duration,
        tail=tail.text(),
        truncated=out_log.truncated or err_log.truncated,
        notes=notes,
        pid=proc.pid,
    )
