"""The in-process ``sessionkit`` CLI fixture shared by the gate CLI tests."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """``sessionkit`` in process (fast): exit code through the real error boundary."""
    from sessionkit.cli import main

    def invoke(
        repo: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> Ran:
        capsys.readouterr()
        monkeypatch.chdir(repo)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        code = main(list(args))
        out = capsys.readouterr()
        for key in env or {}:
            monkeypatch.delenv(key, raising=False)
        return Ran(code, out.out, out.err)

    return invoke
