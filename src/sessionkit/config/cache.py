"""§10.4: writing ``<git_dir>/sessionkit/config-cache.json`` atomically; failures are ignored."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Mapping
from typing import Any

from sessionkit.config._fast import CACHE_FORMAT, debug, env_values, identity


def cache_document(
    *,
    root: str,
    environ: Mapping[str, str],
    sources: list[dict[str, Any]],
    head: dict[str, Any],
    written_at_ns: int,
    config: dict[str, Any],
    defaults: dict[str, Any],
    report: dict[str, Any],
) -> dict[str, Any]:
    """The cache file's content; ``config`` keeps only keys that differ from the defaults."""
    changed = {key: value for key, value in config.items() if defaults.get(key) != value}
    return {
        "format": CACHE_FORMAT,
        **identity(),
        "root": root,
        "written_at_ns": written_at_ns,
        "env": env_values(environ),
        "sources": [
            {k: s[k] for k in ("path", "exists", "mtime_ns", "size", "ino") if k in s}
            for s in sources
        ],
        "head": {"kind": head["kind"], "value": head["value"], "status": head["status"]},
        "result": {
            "config": changed,
            "provenance": report.get("provenance", {}),
            "diagnostics": report.get("diagnostics", []),
            "report": report,
        },
    }


def write_cache(path: str, document: dict[str, Any]) -> bool:
    """Write ``document`` to ``path`` atomically (mode 0600, directory 0700); False on failure."""
    directory = os.path.dirname(path)
    temp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        fd = os.open(
            temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600
        )
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
        os.replace(temp, path)
        return True
    except (OSError, ValueError, TypeError) as exc:
        debug(f"config cache not written to {path}: {exc}")
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return False
