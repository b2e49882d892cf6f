"""§7: reading a revision with git, and the loosening merge rules."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sessionkit.config.head import (
    merge_value,
    read_revision,
    resolved_protection,
    valid_revision,
)

H = "## Session Config\n\n"


def test_read_revision_blobs_and_commit(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": H + "waves: 4\n"})
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    files = read_revision(str(repo), "HEAD", ["CLAUDE.md", "AGENTS.md", "x\ny.md"])
    assert files.status == "read" and files.commit == head
    assert files.blobs == {
        "CLAUDE.md": (H + "waves: 4\n").encode(),
        "AGENTS.md": None,
        "x\ny.md": None,
    }


def test_symlinks_inside_and_outside_the_tree(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("secret")
    repo = make_repo({"docs/real.md": H + "waves: 6\n"}, commit=False)
    os.symlink("docs/real.md", repo / "CLAUDE.md")
    os.symlink(str(outside), repo / "AGENTS.md")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "links"], cwd=repo, check=True)
    files = read_revision(str(repo), "HEAD", ["CLAUDE.md", "AGENTS.md"])
    assert files.blobs["CLAUDE.md"] == (H + "waves: 6\n").encode()
    assert files.blobs["AGENTS.md"] is None  # a target outside the tree counts as absent


def test_missing_revision(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": H})
    assert read_revision(str(repo), "nope", ["CLAUDE.md"]).status == "missing-ref"
    unborn = make_repo({}, commit=False, name="unborn")
    assert read_revision(str(unborn), "HEAD", ["CLAUDE.md"]).status == "missing-ref"


@pytest.mark.parametrize(
    ("rev", "ok"),
    [
        ("HEAD", True),
        ("main~1", True),
        ("v1.0^{commit}", True),
        ("-x", False),
        ("a b", False),
        ("", False),
        ("a\tb", False),
        ("x" * 2000, False),
    ],
)
def test_valid_revision(rev: str, ok: bool) -> None:
    assert valid_revision(rev) is ok


ORDER = {"order": ["off", "warn", "strict"]}
GATES = {
    "per-entry": {"order": [False, None, True], "equivalent": [None, True]},
    "keys": ["path-guard", "command-guard"],
}

MERGES: list[tuple[dict[str, Any], Any, Any, Any, bool]] = [
    (ORDER, "off", "warn", "warn", True),
    (ORDER, "strict", "warn", "strict", False),
    (ORDER, "warn", "warn", "warn", False),
    ({"order": [True, False]}, True, False, False, True),
    ({"order": [False, True, "required"]}, True, "required", "required", True),
    ({"order": [False, True]}, False, "odd", "odd", True),  # an unknown value counts as strictest
    ({"set": "union"}, ["a"], ["b", "a"], ["a", "b"], True),
    ({"set": "union"}, ["a", "b"], ["a"], ["a", "b"], False),
    ({"set": "intersection"}, ["a", "b"], ["b"], ["b"], True),
    ({"set": "intersection"}, [{"class": "x"}], [{"class": "x"}], [{"class": "x"}], False),
    (GATES, {"path-guard": False}, {"path-guard": True}, {"path-guard": True}, True),
    (GATES, {}, {"command-guard": True}, {}, False),
    (GATES, {"path-guard": False}, {}, {}, True),
    (GATES, {"path-guard": True}, {"path-guard": False}, {"path-guard": True}, False),
]


@pytest.mark.parametrize(("rule", "working", "head", "effective", "pending"), MERGES)
def test_merge_value(
    rule: dict[str, Any], working: Any, head: Any, effective: Any, pending: bool
) -> None:
    merged = merge_value(rule, working, head)
    assert merged.effective == effective
    assert merged.pending is pending


def test_resolved_protection() -> None:
    assert resolved_protection({"config-protection": {"mode": "strict"}}) == "strict"
    assert resolved_protection({"config-protection": {"mode": "strict", "enabled": False}}) == "off"
    assert resolved_protection({"allow-config-weakening": True, "config-protection": {}}) == "off"
