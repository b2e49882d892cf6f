"""The standard-library half of the config capability: discovery, HEAD fingerprint, cache read.

Hot path (config.md §1.3, §10.3): imports only ``os``, ``sys``, ``json``, ``stat`` and the
other light config modules, so a cache hit never loads YAML, jsonschema, git or ``typing``.
"""

from __future__ import annotations

import json
import os
import stat
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from sessionkit.config._model import SessionConfig

CACHE_FORMAT = 1
CACHE_NAME = "config-cache.json"
ENV_KEYS = ("SESSIONKIT_CONFIG_FILE", "SO_CONFIG_FILE")
INSTRUCTION_FILES = ("CLAUDE.md", "AGENTS.md")
# A source written this close to the cache is not trusted (same-size rewrites in one tick).
TRUST_WINDOW_NS = 2_000_000_000


def debug(message: str) -> None:
    if os.environ.get("SESSIONKIT_DEBUG") == "1":
        sys.stderr.write(f"sessionkit: {message}\n")


class Location:
    """Where a load happens: root, git dirs and an explicitly named host file."""

    __slots__ = ("common_dir", "explicit", "git_dir", "root")

    def __init__(
        self, root: str, git_dir: str | None, common_dir: str | None, explicit: str | None
    ) -> None:
        self.root = root
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.explicit = explicit


def find_root(start: str) -> Location:
    """§2.1: the nearest directory holding ``.git``; outside a repository the instruction walk."""
    start = os.path.realpath(start)
    explicit = None
    if not os.path.isdir(start) and (os.path.exists(start) or os.path.splitext(start)[1]):
        explicit = start
        start = os.path.dirname(start)
    current = start
    while True:
        dot_git = os.path.join(current, ".git")
        if os.path.lexists(dot_git):
            git_dir = _git_dir(current, dot_git)
            common = git_dir
            if git_dir is not None:
                common = _common_dir(git_dir)
            return Location(current, git_dir, common, explicit)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    current = start
    while True:
        if any(os.path.lexists(os.path.join(current, name)) for name in INSTRUCTION_FILES):
            return Location(current, None, None, explicit)
        parent = os.path.dirname(current)
        if parent == current:
            return Location(start, None, None, explicit)
        current = parent


def _git_dir(root: str, dot_git: str) -> str | None:
    if os.path.isdir(dot_git):
        return dot_git
    content = _read_small(dot_git)
    first = content.splitlines()[0] if content else ""
    if not first.startswith("gitdir:"):
        return None
    target = first[len("gitdir:") :].strip()
    return os.path.normpath(os.path.join(root, target))


def _common_dir(git_dir: str) -> str:
    content = _read_small(os.path.join(git_dir, "commondir"))
    if content is None:
        return git_dir
    value = content.strip()
    return os.path.normpath(os.path.join(git_dir, value)) if value else git_dir


def _read_small(path: str, limit: int = 65536) -> str | None:
    """The start of a regular file; None for anything else (a FIFO must never block us)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, limit).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def head_fingerprint(git_dir: str | None, common_dir: str | None) -> dict[str, Any]:
    """§10.2 rule 4: what ``HEAD`` points at, computed without a subprocess."""
    if git_dir is None:
        return {"kind": "none", "value": None, "status": "no-repo"}
    common = common_dir or git_dir
    head = _read_small(os.path.join(git_dir, "HEAD"))
    if head is None:
        return {"kind": "none", "value": None, "status": "unavailable"}
    head = head.strip()
    if os.path.isdir(os.path.join(common, "reftable")):
        try:
            info = os.stat(os.path.join(common, "reftable", "tables.list"))
            tables = f"{info.st_mtime_ns}:{info.st_size}"
        except OSError:
            tables = "missing"
        return {"kind": "reftable", "value": f"{head}|{tables}", "status": "read"}
    if not head.startswith("ref:"):
        return {"kind": "oid", "value": head, "status": "read"}
    ref = head[4:].strip()
    for base in (git_dir, common):
        value = _read_small(os.path.join(base, ref))
        if value is not None and value.strip():
            return {"kind": "oid", "value": value.strip(), "status": "read"}
    packed = _read_small_all(os.path.join(common, "packed-refs"))
    if packed:
        for line in packed.splitlines():
            if line.endswith(" " + ref) and not line.startswith(("#", "^")):
                return {"kind": "oid", "value": line.split(" ", 1)[0], "status": "read"}
    return {"kind": "unborn", "value": ref, "status": "unborn"}


def _read_small_all(path: str) -> str | None:
    return _read_small(path, 64 * 1024 * 1024)


def stat_record(root: str, path: str) -> dict[str, Any]:
    """``exists``, ``mtime_ns``, ``size``, ``ino`` of ``path`` (after symlinks)."""
    full = path if os.path.isabs(path) else os.path.join(root, path)
    try:
        info = os.stat(full)
    except (OSError, ValueError):
        return {"exists": False}
    return {"exists": True, "mtime_ns": info.st_mtime_ns, "size": info.st_size, "ino": info.st_ino}


def sources_fresh(root: str, sources: list[dict[str, Any]], trusted_before_ns: int) -> bool:
    """Every source still has its recorded stat, and none was written just before the cache."""
    for source in sources:
        now = stat_record(root, str(source["path"]))
        if bool(now["exists"]) != bool(source.get("exists")):
            return False
        if not now["exists"]:
            continue
        if (
            now["mtime_ns"] != source.get("mtime_ns")
            or now["size"] != source.get("size")
            or now["ino"] != source.get("ino")
        ):
            return False
        if now["mtime_ns"] >= trusted_before_ns - TRUST_WINDOW_NS:
            return False
    return True


def env_values(environ: Mapping[str, str]) -> dict[str, str | None]:
    return {key: environ.get(key) for key in ENV_KEYS}


def cache_path(root: str, git_dir: str | None) -> str:
    """``<git_dir>/sessionkit/config-cache.json``, or the user cache outside a repository."""
    if git_dir is not None:
        return os.path.join(git_dir, "sessionkit", CACHE_NAME)
    import hashlib

    digest = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    if sys.platform == "win32":  # pragma: no cover - not tested here
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~")
        folder = os.path.join(base, "sessionkit", "cache", "config-cache")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "sessionkit", "config-cache")
    return os.path.join(folder, f"{digest}.json")


def identity() -> dict[str, str]:
    """The fields that must match for a cache to be used (§10.2 rule 1)."""
    from sessionkit._version import __version__
    from sessionkit.config._keys import SCHEMA_SHA256

    return {
        "sessionkit": __version__,
        "schema_sha256": SCHEMA_SHA256,
        "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
    }


def read_cache_file(path: str) -> dict[str, Any] | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > 64 * 1024 * 1024:
            return None
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        data = json.loads(b"".join(chunks).decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    finally:
        os.close(fd)
    return data if isinstance(data, dict) else None


def read_cache(
    root: str, git_dir: str | None, environ: Mapping[str, str], *, common_dir: str | None = None
) -> SessionConfig | None:
    """§10.3: the cached configuration when every validity rule holds, else None. Never raises."""
    path = cache_path(root, git_dir)
    try:
        data = read_cache_file(path)
        if data is None:
            return None
        if not _valid(data, root, git_dir, common_dir, environ):
            return None
        return build_from_cache(data, path)
    except Exception as exc:  # a corrupt cache is a miss, never an error
        debug(f"config cache {path} ignored: {type(exc).__name__}: {exc}")
        return None


def _valid(
    data: dict[str, Any],
    root: str,
    git_dir: str | None,
    common_dir: str | None,
    environ: Mapping[str, str],
) -> bool:
    if data.get("format") != CACHE_FORMAT:
        return False
    for key, value in identity().items():
        if data.get(key) != value:
            return False
    if data.get("root") != root or data.get("env") != env_values(environ):
        return False
    written = data.get("written_at_ns")
    sources = data.get("sources")
    if not isinstance(written, int) or not isinstance(sources, list):
        return False
    if not sources_fresh(root, sources, written):
        return False
    head = head_fingerprint(git_dir, common_dir if common_dir else None)
    recorded = data.get("head")
    return isinstance(recorded, dict) and (
        recorded.get("kind"),
        recorded.get("value"),
        recorded.get("status"),
    ) == (head["kind"], head["value"], head["status"])


def build_from_cache(data: dict[str, Any], path: str) -> SessionConfig:
    from sessionkit.config._model import SessionConfig
    from sessionkit.config.report import LoadReport

    result = data["result"]
    report = LoadReport.from_json(result["report"], from_cache=True, cache_path=path)
    return SessionConfig.from_json(result["config"]).with_report(report)
