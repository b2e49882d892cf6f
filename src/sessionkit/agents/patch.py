"""Codex ``apply_patch`` text -> ``FileChange`` list (§5.3).

Hot path: standard library only.
"""

from __future__ import annotations

from sessionkit.agents.event import FileChange

_ADD = "*** Add File:"
_DELETE = "*** Delete File:"
_UPDATE = "*** Update File:"
_MOVE = "*** Move to:"


def parse_patch(text: str) -> tuple[list[FileChange], list[str]]:
    """The file changes of a patch and notes about parts that could not be resolved."""
    changes: list[FileChange] = []
    notes: list[str] = []
    current: FileChange | None = None
    added: list[str] = []
    hunk: list[str] = []

    def close() -> None:
        nonlocal current
        if current is not None:
            if current.content is not None:
                current.content = "".join(line + "\n" for line in added)
            elif hunk:
                current.edits.append(("\n".join(hunk), "", False))
        added.clear()
        hunk.clear()

    for raw_line in text.replace("\r\n", "\n").split("\n"):
        line = raw_line
        if line.startswith(("*** Begin Patch", "*** End Patch")):
            close()
            current = None
            continue
        header = _header(line)
        if header is not None:
            kind, path = header
            if kind == "move":
                if current is not None and current.op in ("write", "move") and path:
                    current.op = "move"
                    current.dest = path
                else:
                    notes.append("a Move to line without a file to move")
                continue
            close()
            current = None
            if not path:
                notes.append(f"an {kind} header without a path")
                continue
            op = "delete" if kind == "delete" else "write"
            current = FileChange(path, op)
            if kind == "add":
                current.content = ""
            changes.append(current)
            continue
        if current is None:
            if line.strip():
                notes.append("patch lines before any file header")
            continue
        if current.content is not None and current.op == "write" and line.startswith("+"):
            added.append(line[1:])
        elif current.op in ("write", "move") and current.content is None:
            hunk.append(line)
    close()
    return changes, notes


def _header(line: str) -> tuple[str, str] | None:
    for prefix, kind in ((_ADD, "add"), (_DELETE, "delete"), (_UPDATE, "update"), (_MOVE, "move")):
        if line.startswith(prefix):
            return kind, line[len(prefix) :].strip()
    return None
