"""Diagnostics shown once per harness session (§6.3).

Hot path: standard library only. The fingerprints already shown live in
``<git_dir>/sessionkit/notices.json`` (``{"<session id>": ["<sha256 prefix>", ...]}``); when
that file cannot be read or written, every notice is shown every time.
"""

from __future__ import annotations

import os

from sessionkit import _jsonfast
from sessionkit.agents.event import ONCE_RULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.agents.event import Finding

__all__ = ["ONCE_RULES", "filter_shown", "fingerprint"]

MAX_SESSIONS = 200
NOTICES_NAME = "notices.json"


def fingerprint(item: Finding) -> str:
    """A short digest of a diagnostic: rule id and text."""
    import hashlib  # only when a notice is shown (§15.3)

    text = f"{item.rule_id}\0{item.summary}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:16]


def filter_shown(findings: list[Finding], session_id: str | None, git_dir: str | None) -> None:
    """Drop once-per-session diagnostics already shown in this session; remember new ones."""
    once = [item for item in findings if item.rule_id in ONCE_RULES]
    if not once or not session_id or git_dir is None:
        return
    path = os.path.join(git_dir, "sessionkit", NOTICES_NAME)
    seen = _read(path)
    if seen is None:
        return
    known = seen.get(session_id, [])
    fresh: list[str] = []
    for item in once:
        digest = fingerprint(item)
        if digest in known:
            findings.remove(item)
        elif digest not in fresh:
            fresh.append(digest)
    if not fresh:
        return
    seen.pop(session_id, None)
    seen[session_id] = known + fresh
    while len(seen) > MAX_SESSIONS:
        seen.pop(next(iter(seen)))
    if not _write(path, seen):
        return


def _read(path: str) -> dict[str, list[str]] | None:
    try:
        with open(path, "rb") as handle:
            doc = _jsonfast.loads(handle.read(4 << 20))
    except FileNotFoundError:
        return {}
    except OSError:
        return None
    except (ValueError, RecursionError):
        return {}
    if not isinstance(doc, dict):
        return {}
    return {
        key: [item for item in value if isinstance(item, str)]
        for key, value in doc.items()
        if isinstance(key, str) and isinstance(value, list)
    }


def _write(path: str, seen: dict[str, list[str]]) -> bool:
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(_jsonfast.dumps(seen, separators=(",", ":")))
        os.replace(temp, path)
        return True
    except OSError:
        return False
