"""Fixtures of the metrics tests: a real git repository and a store with a steppable clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sessionkit.metrics import _jsonl
from sessionkit.metrics.store import MetricsStore

START = datetime(2026, 11, 24, 0, 0, 0, tzinfo=timezone.utc)


class Clock:
    """A frozen clock that tests move forward explicitly."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, when: datetime) -> None:
        self.now = when


@pytest.fixture(autouse=True)
def metrics_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's session or writes the developer's store."""
    for var in (
        "SESSIONKIT_NO_METRICS",
        "SESSIONKIT_SESSION_ID",
        "SESSIONKIT_METRICS_DIR",
        "SESSIONKIT_STATE_DIR",
        "SO_STATE_DIR",
        "SESSIONKIT_PLATFORM",
    ):
        monkeypatch.delenv(var, raising=False)
    _jsonl._FAULT = None
    yield
    _jsonl._FAULT = None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(commit=False)


@pytest.fixture
def store(repo: Path, clock: Clock) -> MetricsStore:
    return MetricsStore(repo, clock=clock)


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1] if path.exists() else []


def event_count(path: Path) -> int:
    return len(lines_of(path)) if os.path.exists(path) else 0


def emit_in_clean_process(root: Path | str, watched: tuple[str, ...]) -> str:
    """``emit_event(root, 'acme.deploy.done', {'n': 1})`` in a fresh interpreter with a bare
    environment, as the agent hook runs it: its action, then which ``watched`` modules the
    call imported (the hook path must stay light)."""
    import subprocess
    import sys

    driver = (
        "import sys\n"
        "from sessionkit.metrics.events import emit_event\n"
        "out = emit_event(sys.argv[1], 'acme.deploy.done', {'n': 1})\n"
        f"print(out['action'], [m for m in {watched!r} if m in sys.modules])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", driver, str(root)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    return proc.stdout.strip()
