"""The per-worktree gate lock ``<git-dir>/sessionkit/gates.lock`` (spec §5.8)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sessionkit import git
from sessionkit.gates.errors import GateEnvironmentError


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def gate_lock(root: str, timeout_s: float = 0.0) -> Iterator[None]:
    git_dir = git.output(["rev-parse", "--absolute-git-dir"], cwd=root)
    directory = os.path.join(git_dir, "sessionkit")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "gates.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                try:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                except OSError:
                    holder = ""
                raise GateEnvironmentError(
                    f"another gate run is in progress in this worktree ({holder or 'unknown holder'})",
                    hint="wait for it, or pass --lock-timeout SECONDS",
                )
            time.sleep(0.1)
        stamp = time.strftime("%H:%M:%S", time.localtime())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {stamp}".encode(), 0)
        yield
    finally:
        os.close(fd)
