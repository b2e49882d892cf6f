"""Post-tool-use write verification (agent-hooks.md §9.11).

After a shell call, while a wave scope is active, the dirty paths of the worktree are
fingerprinted and compared with the previous snapshot of the same session; paths changed
since then that lie outside the scope (``verify.outside-scope``) or are protected paths whose
action would not be allow (``verify.protected-changed``) are reported as warnings — the call
has already run, and the commit-time check will refuse them.

Hot path (post phase): standard library only.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

from sessionkit.policy.findings import Finding
from sessionkit.policy.scope import Target, classify_target

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["dirty_paths", "snapshot_path", "verify_writes"]

MAX_LISTED = 20
MAX_AGE_SECONDS = 7 * 24 * 3600


def dirty_paths(root: str, timeout: float = 2.0) -> list[str] | None:
    """Repository-relative dirty paths (tracked changes and untracked files), or None when
    git fails or times out."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    try:
        proc = subprocess.run(
            [
                "git",
                "--no-optional-locks",
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--no-renames",
            ],
            cwd=root,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    entries = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [entry[3:] for entry in entries if len(entry) > 3]


def _fingerprint(root: str, rel: str) -> Any:
    try:
        info = os.lstat(os.path.join(root, rel))
    except OSError:
        return "deleted"
    return [info.st_mtime_ns, info.st_size]


def snapshot_path(git_dir: str, session_id: str) -> str:
    """``<git_dir>/sessionkit/verify/<first 16 hex of sha256(session id)>.json``."""
    import hashlib

    digest = hashlib.sha256(session_id.encode("utf-8")).hexdigest()[:16]
    return os.path.join(git_dir, "sessionkit", "verify", f"{digest}.json")


def _store(path: str, paths: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    doc = {
        "format": 1,
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "paths": paths,
    }
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, separators=(",", ":"))
    os.replace(tmp, path)


def _prune(directory: str, keep: str) -> None:
    now = time.time()
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        full = os.path.join(directory, name)
        try:
            if full != keep and now - os.stat(full).st_mtime > MAX_AGE_SECONDS:
                os.unlink(full)
        except OSError:
            continue


def verify_writes(
    root: str,
    git_dir: str,
    session_id: str,
    active: Any,
    *,
    role: str = "unknown",
    config_gates: Any = None,
    protected_entries: Any = None,
) -> list[Finding]:
    """Warnings for paths changed since this session's previous check (§9.11).

    Nothing while no scope is active, enforcement is ``off`` or ``bash-write-verify`` is
    false; the first call of a session only stores a snapshot. Never raises for I/O
    problems: a snapshot that cannot be read is treated as absent, one that cannot be written
    is skipped.
    """
    if active is None or active.action is None:
        return []
    if not active.gate("bash-write-verify", config_gates):
        return []
    dirty = dirty_paths(root)
    if dirty is None:
        return []
    current = {rel: _fingerprint(root, rel) for rel in dirty}
    path = snapshot_path(git_dir, session_id)
    previous: dict[str, Any] | None = None
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = json.load(handle)
        if isinstance(loaded, dict) and isinstance(loaded.get("paths"), dict):
            previous = loaded["paths"]
    except (OSError, ValueError):
        previous = None
    try:
        _store(path, current)
        _prune(os.path.dirname(path), path)
    except OSError:
        pass
    if previous is None:
        return []
    changed = sorted(rel for rel, mark in current.items() if previous.get(rel) != mark)
    outside: list[str] = []
    protected_hits: list[str] = []
    for rel in changed:
        op = "delete" if current[rel] == "deleted" else "write"
        status, finding = classify_target(
            Target(rel, op), active, root=root, role=role, protected_entries=protected_entries
        )
        if status == "protected" and finding is not None:
            protected_hits.append(rel)
        elif status in ("outside-allowed-paths", "outside-repository"):
            outside.append(rel)
    out: list[Finding] = []
    for rule, paths, what in (
        ("verify.outside-scope", outside, f"outside the allowed paths of wave {active.wave}"),
        ("verify.protected-changed", protected_hits, "protected"),
    ):
        if not paths:
            continue
        listed = ", ".join(f"`{p}`" for p in paths[:MAX_LISTED])
        more = f" and {len(paths) - MAX_LISTED} more" if len(paths) > MAX_LISTED else ""
        out.append(
            Finding(
                "verify",
                rule,
                "warn",
                f"{len(paths)} file(s) {what} changed since the previous check (by this call or "
                f"by another agent working in the same tree): {listed}{more}.",
                "revert changes that do not belong to this wave; the commit-time check will "
                "refuse them",
                paths[0],
                {"paths": paths[:MAX_LISTED], "count": len(paths)},
            )
        )
    return out
