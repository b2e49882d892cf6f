"""Stub detection (spec §3.5), every example both ways."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessionkit.gates.stubs import detect_stub


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ('echo "no tests yet"', "echo"),
        (":", "noop"),
        ("true", "noop"),
        ("/usr/bin/true", "noop"),
        ("exit 0", "noop"),
        ("exit", "noop"),
        ("echo ok && true", "echo"),
        ("true; echo done", "echo"),
        ("printf 'x\\n' >/dev/null 2>&1", "echo"),
        ("echo a\necho b", "echo"),
    ],
)
def test_stubs(command: str, kind: str) -> None:
    stub = detect_stub(command)
    assert stub is not None and stub.kind == kind


@pytest.mark.parametrize(
    "command",
    [
        "echo $HOME",
        "echo x > out.txt",
        "false",
        "exit 1",
        "make test",
        "ECHO ok",
        "echo ok && make test",
        "echo `date`",
        "echo $(ls)",
        "true | cat",
        "pytest",
        "",
    ],
)
def test_not_stubs(command: str) -> None:
    assert detect_stub(command) is None


def test_package_script_stub_one_level(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        json.dumps({"scripts": {"test": "echo no tests", "lint": "eslint ."}})
    )
    stub = detect_stub("npm test", str(tmp_path))
    assert stub is not None and stub.kind == "script:echo"
    assert detect_stub("npm run lint", str(tmp_path)) is None
    assert detect_stub("yarn test", str(tmp_path)) is not None
