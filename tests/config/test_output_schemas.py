"""schemas/config-result.schema.json and config-cache.schema.json describe what is really written."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sessionkit import schemas
from sessionkit.config import _keys

SECTION = """# Project

## Session Config

- **waves:** 2
hooks.fail-mode: open
wavez: 3
learning-decay-rate: 0.1
persona-reviewers:
  enabled: true
"""


@pytest.fixture()
def repo(make_repo: Callable[..., Path]) -> Path:
    path = make_repo({"CLAUDE.md": "## Session Config\n\nwaves: 6\n"})
    (path / "CLAUDE.md").write_text(SECTION, encoding="utf-8")  # uncommitted loosening
    return path


def _cli(repo: Path, *args: str) -> dict[str, Any]:
    # Outside CI: under CI the CLI never reads or writes the cache (config.md §10.5).
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    result = subprocess.run(
        [sys.executable, "-m", "sessionkit", "config", *args, "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.mark.parametrize(
    "args",
    [("validate",), ("show",), ("show", "--key", "learning-decay-rate"), ("migrate",)],
    ids=["validate", "show", "show-key", "migrate"],
)
def test_config_command_output_validates(repo: Path, args: tuple[str, ...]) -> None:
    document = _cli(repo, *args)
    schemas.validator("config-result").validate(document)
    assert document["command"] == args[0]
    assert document["counts"]["error"] >= 1  # waves: 2
    if args == ("show",):
        schemas.validator("session-config").validate(document["config"])
        assert document["sources"]["learnings.decay-rate"]["origin"] == "working"
        assert "hooks.fail-mode" not in document["sources"]  # pending: the default applies


def test_pending_loosening_is_described(repo: Path) -> None:
    document = _cli(repo, "validate")
    pending = {p["key"]: p for p in document["pending"]}
    assert pending["hooks.fail-mode"]["working"] == "open"
    assert pending["hooks.fail-mode"]["effective"] == "closed"


def test_the_cache_file_validates(repo: Path) -> None:
    _cli(repo, "validate")
    cache = json.loads((repo / ".git" / "sessionkit" / "config-cache.json").read_text())
    schemas.validator("config-cache").validate(cache)
    assert cache["schema_sha256"] == _keys.SCHEMA_SHA256


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        ("config-result", ("status",), "bogus"),
        ("config-result", ("exit_code",), 4),
        ("config-result", ("diagnostics", 0, "severity"), "fatal"),
        ("config-result", ("extra",), True),
        ("config-cache", ("format",), 2),
        ("config-cache", ("schema_sha256",), "xyz"),
        ("config-cache", ("head", "kind"), "branch"),
    ],
)
def test_wrong_shapes_are_rejected(
    repo: Path, name: str, path: tuple[str | int, ...], value: Any
) -> None:
    if name == "config-result":
        document = _cli(repo, "validate")
    else:
        _cli(repo, "validate")
        document = json.loads((repo / ".git" / "sessionkit" / "config-cache.json").read_text())
    broken = copy.deepcopy(document)
    node: Any = broken
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        schemas.validator(name).validate(broken)
