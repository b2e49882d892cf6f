"""Tool identification through wrappers and one level of package scripts (spec §6.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessionkit.gates.parsers.identify import identify


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("pytest -q", "pytest"),
        ("CI=1 uv run --frozen pytest tests", "pytest"),
        ("poetry run mypy src && echo done", "mypy"),
        ("python3 -m pytest -x", "pytest"),
        ("python -m unittest discover", "unittest"),
        ("hatch run test:pytest", "pytest"),
        ("npx -y eslint .", "eslint"),
        ("pnpm exec vitest run", "vitest"),
        ("npm exec -- tsc --noEmit", "tsc"),
        ("/opt/venv/bin/ruff check .", "ruff"),
        ("basedpyright --outputjson", "pyright"),
        ("make lint", None),
    ],
)
def test_identify_commands(text: str, tool: str | None) -> None:
    assert identify(None, text, "/nonexistent").tool == tool


def test_package_scripts_one_level(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        json.dumps({"scripts": {"test": "vitest run", "lint": "npm run other", "tc": "tsc -p ."}})
    )
    found = identify(["npm", "test"], "npm test", str(tmp_path))
    assert (found.tool, found.via_script, found.package_manager) == ("vitest", True, "npm")
    assert identify(None, "pnpm tc", str(tmp_path)).tool == "tsc"
    assert identify(None, "npm run lint", str(tmp_path)).tool is None  # only one level deep
