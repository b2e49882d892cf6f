"""The working-tree guard (spec §5.7): which paths a check changed.

sessionkit's own output (``.orchestrator/gates/`` and the metrics store) never counts.
"""

from __future__ import annotations

import os

from sessionkit import git

OWN_OUTPUT = (".orchestrator/gates/", ".orchestrator/metrics/")


def snapshot(root: str) -> dict[str, str]:
    """path -> porcelain status + content identity, excluding ``.orchestrator/gates/``."""
    out = git.run(
        ["status", "--porcelain=v1", "-z", "--untracked-files=all"], cwd=root, check=False
    ).stdout
    items = git.zsplit(out)
    state: dict[str, str] = {}
    i = 0
    while i < len(items):
        entry = items[i]
        code, path = entry[:2], entry[3:]
        if code[0] in ("R", "C"):
            i += 1  # the source path follows
        i += 1
        if path.startswith(OWN_OUTPUT):
            continue
        state[path] = code
    if state:
        # same status, different content still counts as modified: hash what is dirty
        paths = sorted(p for p in state if os.path.isfile(os.path.join(root, p)))
        hashed = git.run(["hash-object", "--", *paths], cwd=root, check=False).stdout
        for path, digest in zip(paths, hashed.decode().split(), strict=False):
            state[path] += ":" + digest
    return state


def changed_between(before: dict[str, str], after: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p)))
