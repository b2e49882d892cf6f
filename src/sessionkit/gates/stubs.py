"""Stub commands (spec §3.5): commands that verify nothing are never run and never pass."""

from __future__ import annotations

from sessionkit.gates.model import Stub
from sessionkit.gates.parsers.identify import package_scripts, script_name
from sessionkit.gates.shellwords import ShellSyntaxError, segments

NOOPS = frozenset({":", "true", "/bin/true", "/usr/bin/true"})
SAFE_TARGETS = frozenset({"/dev/null", "1", "2"})


def _segment_kind(words: tuple[str, ...], redirs: tuple[tuple[str, str], ...]) -> str | None:
    if not words:
        return None
    head = words[0]
    if head in NOOPS and not redirs:
        return "noop"
    if head == "exit" and words[1:] in ((), ("0",)) and not redirs:
        return "noop"
    safe = all(op in (">", ">>", ">&", "&>") and t in SAFE_TARGETS for op, t in redirs)
    if head in ("echo", "printf") and safe:
        return "echo"
    return None


def detect_stub(text: str, root: str | None = None, cwd: str = ".") -> Stub | None:
    """The stub kind of ``text`` (``noop``, ``echo``, ``script:<kind>``), or None."""
    stripped = text.strip()
    if not stripped or "$" in stripped or "`" in stripped:
        return None
    try:
        parts = segments(stripped)
    except ShellSyntaxError:
        return None
    if not parts or any(seg.joiner in ("|", "&", "(", ")", "|&") for seg in parts):
        return None
    kinds = [_segment_kind(seg.words, seg.redirections) for seg in parts]
    if all(kinds):
        return Stub(kind="echo" if "echo" in kinds else "noop", text=stripped)
    if root is not None and len(parts) == 1 and not parts[0].redirections:
        script = script_name(parts[0].words)
        if script is not None:
            body = package_scripts(root, cwd).get(script[1])
            inner = detect_stub(body) if body is not None else None
            if inner is not None:
                return Stub(kind=f"script:{inner.kind}", text=stripped)
    return None
