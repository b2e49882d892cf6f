"""The hook cache: resolved hook settings keyed by the config sources' metadata (§13.3).

Hot path: standard library only. A hit costs one JSON read and one ``os.stat`` per source;
a miss (``load`` in the dispatcher) calls ``sessionkit.config.load_config`` and writes here.
"""

from __future__ import annotations

import os
import sys
import time

from sessionkit import _jsonfast
from sessionkit._version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT = 1
CACHE_NAME = "hook-cache.json"
# A source modified this close to the cache write is not trusted (same-size rewrites).
RACY_WINDOW_NS = 2_000_000_000
_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def cache_path(root: str, git_dir: str | None) -> str:
    """``<git_dir>/sessionkit/hook-cache.json``, or a per-root file in the user cache."""
    if git_dir is not None:
        return os.path.join(git_dir, "sessionkit", CACHE_NAME)
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~")
        base = os.path.join(base, "sessionkit", "cache")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(base, "sessionkit")
    import hashlib  # only without a git directory

    digest = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return os.path.join(base, "hook-cache", f"{digest}.json")


def read(path: str, root: str) -> dict[str, Any] | None:
    """The cache document at ``path`` when it is valid for ``root``; None otherwise."""
    try:
        with open(path, "rb") as handle:
            doc = _jsonfast.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not _header_ok(doc, root):
        return None
    written = doc.get("written_at_ns")
    sources = doc.get("sources")
    if not isinstance(written, int) or not isinstance(sources, list):
        return None
    for source in sources:
        if not isinstance(source, dict) or not _source_fresh(source, root, written):
            return None
    return doc


def _header_ok(doc: dict[str, Any], root: str) -> bool:
    return (
        doc.get("format") == FORMAT
        and doc.get("sessionkit") == __version__
        and doc.get("python") == _PYTHON
        and doc.get("root") == root
        and isinstance(doc.get("config"), dict)
    )


def _source_fresh(source: dict[str, Any], root: str, written_at_ns: int) -> bool:
    rel = source.get("path")
    if not isinstance(rel, str):
        return False
    try:
        stat = os.stat(os.path.join(root, rel))
    except OSError:
        return source.get("exists") is False
    if source.get("exists") is not True:
        return False
    return (
        stat.st_mtime_ns == source.get("mtime_ns")
        and stat.st_size == source.get("size")
        and stat.st_mtime_ns < written_at_ns - RACY_WINDOW_NS
    )


def read_any(path: str) -> dict[str, Any] | None:
    """The cache document without validity checks (for the last valid configuration)."""
    try:
        with open(path, "rb") as handle:
            doc = _jsonfast.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == FORMAT else None


def build(
    root: str,
    sources: list[dict[str, Any]],
    config: dict[str, Any],
    status: str,
    diagnostics: list[dict[str, Any]],
    last_valid: dict[str, Any] | None,
) -> dict[str, Any]:
    """A cache document (schema ``hook-cache``)."""
    now = time.time_ns()
    doc: dict[str, Any] = {
        "format": FORMAT,
        "sessionkit": __version__,
        "python": _PYTHON,
        "root": root,
        "written_at_ns": now,
        "sources": sources,
        "config": config,
        "config_status": status,
        "diagnostics": diagnostics,
    }
    if status == "valid":
        doc["last_valid_config"] = {"written_at_ns": now, "config": config}
    elif last_valid is not None:
        doc["last_valid_config"] = last_valid
    return doc


def write(path: str, doc: dict[str, Any]) -> bool:
    """Write ``doc`` atomically (temporary file, then ``os.replace``); False on failure."""
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(_jsonfast.dumps(doc, ensure_ascii=False, separators=(",", ":")))
        os.replace(temp, path)
        return True
    except OSError:
        # not contextlib.suppress: contextlib is a millisecond of import on the hook path
        try:  # noqa: SIM105
            os.unlink(temp)
        except OSError:
            pass
        return False
