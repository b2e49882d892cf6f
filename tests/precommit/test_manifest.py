"""The hook manifest and the dogfood config cannot drift (integration.md §2.1, §7.4)."""

from __future__ import annotations

import importlib
import subprocess
from typing import Any

import pytest
import yaml

from sessionkit.precommit import CORE_HOOK_IDS, HOOKS
from tests.conftest import ROOT, require_client

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
DOGFOOD = ROOT / ".pre-commit-config.yaml"
FREE_FIELDS = {"language", "name"}


def manifest() -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load(MANIFEST.read_text())
    return hooks


def dogfood_hooks() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(DOGFOOD.read_text())
    return {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}


def test_config_entry_is_exactly_the_specified_one() -> None:
    (entry,) = [h for h in manifest() if h["id"] == "sessionkit-config"]
    assert entry == {
        "id": "sessionkit-config",
        "name": "sessionkit config",
        "description": "Session Config in CLAUDE.md/AGENTS.md and the policy files are valid.",
        "entry": "sessionkit-precommit config",
        "language": "python",
        "files": r"^(CLAUDE\.md|AGENTS\.md|\.orchestrator/policy/[^/]+\.(json|ya?ml))$",
        "pass_filenames": False,
        "require_serial": True,
        "stages": ["pre-commit", "pre-merge-commit", "manual"],
        "minimum_pre_commit_version": "3.2.0",
    }
    # Field order as in the spec, so a reader finds the same layout everywhere.
    assert list(entry) == [
        "id",
        "name",
        "description",
        "entry",
        "language",
        "files",
        "pass_filenames",
        "require_serial",
        "stages",
        "minimum_pre_commit_version",
    ]


def test_every_manifest_entry_points_at_a_registered_hook_module() -> None:
    for hook in manifest():
        program, name = hook["entry"].split()
        assert program == "sessionkit-precommit"
        module = importlib.import_module(HOOKS[name])
        assert callable(module.main)
        assert hook["language"] == "python"


def test_core_hook_ids_are_in_the_manifest() -> None:
    ids = {hook["id"] for hook in manifest()}
    assert set(CORE_HOOK_IDS) <= ids


def test_dogfood_config_has_every_manifest_hook_with_identical_fields() -> None:
    dogfood = dogfood_hooks()
    for hook in manifest():
        assert hook["id"] in dogfood, f"{hook['id']} missing from .pre-commit-config.yaml"
        mine = {k: v for k, v in dogfood[hook["id"]].items() if k not in FREE_FIELDS}
        theirs = {k: v for k, v in hook.items() if k not in FREE_FIELDS}
        assert mine == theirs, hook["id"]
        assert dogfood[hook["id"]]["language"] == "system"


def test_dogfood_config_lints_with_ruff() -> None:
    ruff = dogfood_hooks()["ruff"]
    assert ruff["entry"].startswith("ruff check")
    assert ruff["types"] == ["python"]


def test_hook_output_never_coaches_a_bypass() -> None:
    text = (ROOT / "src/sessionkit/precommit/config.py").read_text()
    for needle in ("--no-verify", "SKIP=", "SESSIONKIT_SKIP_GATE"):
        assert needle not in text


@pytest.mark.client_precommit
@pytest.mark.parametrize("path", [MANIFEST, DOGFOOD], ids=["manifest", "dogfood"])
def test_pre_commit_accepts_both_files(path: Any) -> None:
    precommit = require_client("pre-commit")
    command = "validate-manifest" if path == MANIFEST else "validate-config"
    proc = subprocess.run(
        [precommit, command, str(path)], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
