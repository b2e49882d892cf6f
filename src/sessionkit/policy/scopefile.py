"""Writing and removing wave scopes: ``sessionkit scope set`` / ``clear`` (agent-hooks.md §9.10).

The sanctioned writer of scope files. ``set_scope`` validates, writes
``.<harness>/wave-scope.json`` atomically, removes the scope files at the other standard
locations, writes the seal ``<git_dir>/sessionkit/scope-seal.json`` (a copy of the content the
hook enforces even if the file is rewritten or deleted) and adds the file to ``info/exclude``
of the common git directory. ``clear_scope`` removes the files and the seal.

Not on the hook path (uses git through ``sessionkit.git``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sessionkit import git
from sessionkit._version import __version__
from sessionkit.policy.scope import LOCATIONS, Problem, seal_path, validate

__all__ = ["ScopeInvalid", "clear_scope", "git_dirs", "set_scope"]


class ScopeInvalid(ValueError):
    """The scope document has validation errors; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems))
        self.problems = problems


def git_dirs(root: Path) -> tuple[Path, Path]:
    """``(git dir, common git dir)`` of the worktree ``root``, absolute."""
    lines = git.output(
        ["rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"], cwd=root
    ).splitlines()
    return Path(lines[0]), Path(lines[1])


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _exclude(root: Path, common: Path, rel: str) -> bool:
    """Add ``/rel`` to ``info/exclude`` unless git already ignores it; True when added."""
    ignored = git.run(["check-ignore", "-q", "--no-index", rel], cwd=root, check=False)
    if ignored.returncode == 0:
        return False
    exclude = common / "info" / "exclude"
    text = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
    line = f"/{rel}"
    if line in text.splitlines():
        return False
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with exclude.open("a", encoding="utf-8") as handle:
        handle.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")
    return True


def set_scope(
    root: Path,
    doc: dict[str, Any],
    *,
    harness: str = "claude",
    dry_run: bool = False,
    environ: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Validate and write the scope (and its seal); returns what changed.

    Raises :class:`ScopeInvalid` on validation errors (nothing written).
    """
    env = os.environ if environ is None else environ
    doc = dict(doc)
    doc.setdefault("createdAt", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    doc.setdefault("createdBy", f"sessionkit {__version__} scope set")
    problems = validate(doc, root=str(root))
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise ScopeInvalid(errors)
    git_dir, common = git_dirs(root)
    env_file = env.get("SESSIONKIT_WAVE_SCOPE") or None
    rel = LOCATIONS[harness]
    target = root / rel
    if env_file:
        target = Path(env_file) if os.path.isabs(env_file) else root / env_file
    shown = str(target) if env_file else rel
    data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    removed = [
        other
        for other in LOCATIONS.values()
        if other != rel and not env_file and (root / other).exists()
    ]
    seal_file = Path(seal_path(str(git_dir), str(target) if env_file else None))
    seal = {
        "format": 1,
        "scopePath": shown,
        "sha256": hashlib.sha256(data).hexdigest(),
        "sealedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "sealedBy": f"sessionkit {__version__}",
        "content": doc,
    }
    excluded = False
    if not dry_run:
        _write_atomic(target, data)
        for other in removed:
            (root / other).unlink()
        _write_atomic(seal_file, (json.dumps(seal, indent=2) + "\n").encode("utf-8"))
        if not env_file:
            excluded = _exclude(root, common, rel)
    return {
        "action": "set",
        "dry_run": dry_run,
        "path": shown,
        "seal": str(seal_file),
        "removed": removed,
        "excluded": excluded,
        "content": doc,
        "problems": [p.to_dict() for p in problems],
    }


def clear_scope(
    root: Path, *, dry_run: bool = False, environ: dict[str, str] | None = None
) -> dict[str, Any]:
    """Remove the standard scope files and the seal (and the ``SESSIONKIT_WAVE_SCOPE`` file
    and its seal when set)."""
    env = os.environ if environ is None else environ
    git_dir, _ = git_dirs(root)
    paths = [root / rel for rel in LOCATIONS.values()]
    paths.append(Path(seal_path(str(git_dir))))
    env_file = env.get("SESSIONKIT_WAVE_SCOPE")
    if env_file:
        env_path = Path(env_file) if os.path.isabs(env_file) else root / env_file
        paths.append(env_path)
        paths.append(Path(seal_path(str(git_dir), str(env_path))))
    removed = [p for p in paths if p.exists()]
    if not dry_run:
        for path in removed:
            path.unlink()
    shown = [p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in removed]
    return {"action": "clear", "dry_run": dry_run, "removed": shown}
