"""Progress on stderr (spec §9.9): a redrawn line on a TTY, plain lines with a heartbeat
otherwise, so long runs in CI are never silent.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO

from sessionkit.gates.engine import ProgressEvent

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


class Progress:
    """Callable progress sink for ``run_gates(progress=...)``."""

    def __init__(self, stream: IO[str] | None = None, *, heartbeat_s: float = 60.0) -> None:
        self.stream = stream or sys.stderr
        self.heartbeat_s = heartbeat_s
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.live = bool(isatty) and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, event: ProgressEvent) -> None:
        prefix = f"[{event.index}/{event.total}] {event.check}"
        if event.kind == "started":
            self._stop_ticker()
            if not self.live:
                self._write(f"{prefix}: started ({event.command})\n")
            self._start_ticker(prefix, event.command)
        else:
            self._stop_ticker()
            took = f" in {event.duration_s:.1f}s" if event.duration_s is not None else ""
            clear = "\r\x1b[2K" if self.live else ""
            self._write(f"{clear}{prefix}: {event.status}{took}\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def _start_ticker(self, prefix: str, command: str) -> None:
        self._stop = threading.Event()
        started = time.monotonic()
        stop = self._stop

        def tick() -> None:
            frame = 0
            interval = 0.25 if self.live else self.heartbeat_s
            while not stop.wait(interval):
                elapsed = time.monotonic() - started
                if self.live:
                    spin = SPINNER[frame % len(SPINNER)]
                    self._write(f"\r\x1b[2K{spin} {prefix}  {_clock(elapsed)}  {command[:60]}")
                    frame += 1
                else:
                    minutes, secs = divmod(int(elapsed), 60)
                    self._write(f"{prefix}: still running ({minutes}m{secs:02d}s)\n")

        self._thread = threading.Thread(target=tick, daemon=True)
        self._thread.start()

    def _stop_ticker(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None

    def close(self) -> None:
        self._stop_ticker()
