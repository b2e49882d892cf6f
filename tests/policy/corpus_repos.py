"""Real git repositories for the corpus fixtures (guard.md §16.1).

One repository per distinct fixture, at ``<base>/<unique>/repo`` so that its parent is private:
``git init``, a first commit, a local bare remote ``origin`` with ``main`` pushed, then the
fixture's files, refs, worktrees, configuration, policy files and override store.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}

POLICY_FILE = ".orchestrator/policy/guard.yaml"
COMPAT_FILE = ".orchestrator/policy/blocked-commands.json"


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **GIT_ENV},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {repo}: {proc.stderr.strip()}")
    return proc.stdout


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _session_config_text(keys: dict[str, Any]) -> str:
    lines = ["# Project", "", "## Session Config", ""]
    for key, value in keys.items():
        rendered = json.dumps(value) if not isinstance(value, str) else value
        lines.append(f"- {key}: {rendered}")
    return "\n".join(lines) + "\n"


def build_repo(base: Path, name: str, fixture: dict[str, Any]) -> Path:
    """Create the repository for ``fixture`` under ``base/name`` and return its root."""
    home = base / name
    repo = home / "repo"
    remote = home / "remote.git"
    repo.mkdir(parents=True)
    git(home, "init", "-q", "--bare", str(remote))
    git(repo, "init", "-q", "-b", "main")
    _write(repo / "README.md", "# fixture\n")
    uncommitted = set(fixture.get("uncommitted", []))
    generated = {
        "policy": (POLICY_FILE, fixture.get("policy")),
        "compat": (
            COMPAT_FILE,
            None if "compat" not in fixture else json.dumps(fixture["compat"], indent=2) + "\n",
        ),
        "session-config": (
            "CLAUDE.md",
            None
            if "session-config" not in fixture
            else _session_config_text(fixture["session-config"]),
        ),
    }
    for rel, text in (fixture.get("tracked") or {}).items():
        _write(repo / rel, text)
    for key, (rel, text) in generated.items():
        if text is not None and key not in uncommitted:
            _write(repo / rel, text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "fixture")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "fetch", "-q", "origin")
    for key, (rel, text) in generated.items():
        if text is not None and key in uncommitted:
            _write(repo / rel, text)
    for rel, text in (fixture.get("files") or {}).items():
        _write(repo / rel, text)
    for branch in fixture.get("branches", []):
        git(repo, "branch", branch)
    for tag in fixture.get("tags", []):
        git(repo, "tag", tag)
    for number, rel in enumerate(fixture.get("worktrees", [])):
        git(repo, "worktree", "add", "-q", "-b", f"fixture-wt-{number}", rel)
    for key, value in (fixture.get("git-config") or {}).items():
        git(repo, "config", key, value)
    if "overrides" in fixture:
        common = Path(git(repo, "rev-parse", "--git-common-dir").strip())
        store = (repo / common if not common.is_absolute() else common) / "sessionkit"
        store.mkdir(parents=True, exist_ok=True)
        document = {"version": 1, "overrides": fixture["overrides"]}
        (store / "guard-overrides.json").write_text(json.dumps(document, indent=2))
    if fixture.get("cwd"):
        (repo / fixture["cwd"]).mkdir(parents=True, exist_ok=True)
    return repo
