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
    orphan = ended = False

    def close() -> None:
        nonlocal current
        if current is not None:
            if current.content is not None:
                current.content = "".join(line + "\n" for line in added)
            elif hunk:
                current.hunks.extend(_hunks(hunk))
        added.clear()
        hunk.clear()

    for raw_line in text.replace("\r\n", "\n").split("\n"):
        line = raw_line
        if line.startswith(("*** Begin Patch", "*** End Patch")):
            close()
            current = None
            ended = line.startswith("*** End Patch")
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
            op = "delete" if kind == "delete" else "write"
            # An empty path is an unresolved target (path ""), judged as such by the scope
            # check (``scope.unresolved-target``, §5.3), not an unrecognised payload.
            current = FileChange(path, op)
            if kind == "add":
                current.content = ""
            changes.append(current)
            continue
        if current is None:
            if line.strip() and not orphan and not ended:
                orphan = True
                changes.append(FileChange("", "write"))  # lines before any header: unresolved
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


def _hunks(lines: list[str]) -> list[tuple[str | None, list[str], list[str]]]:
    """The hunks of one ``Update File`` section: ``@@ [anchor]`` starts a hunk; `` ``
    (context), ``-`` and ``+`` lines build its old and new blocks."""
    out: list[tuple[str | None, list[str], list[str]]] = []
    anchor: str | None = None
    old: list[str] = []
    new: list[str] = []
    while lines and not lines[-1]:  # the split of the patch's final newline, not context
        lines = lines[:-1]

    def flush() -> None:
        if old or new:
            out.append((anchor, list(old), list(new)))
        old.clear()
        new.clear()

    for line in lines:
        if line.startswith("@@"):
            flush()
            anchor = line[2:].strip() or None
        elif line.startswith("***"):  # "*** End of File"
            continue
        elif line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        else:  # context: " text", or an empty line standing for an empty context line
            text = line[1:] if line.startswith(" ") else line
            old.append(text)
            new.append(text)
    flush()
    return out


def apply_hunks(text: str, hunks: list[tuple[str | None, list[str], list[str]]]) -> str | None:
    """``text`` with the hunks applied in order (§11.2), or None when one does not apply.

    Each hunk's context and ``-`` lines must appear as a contiguous block at or after the
    previous hunk's end: exact match first, then with trailing whitespace ignored. An
    ``@@ anchor`` line moves the search past the first line equal to the anchor (when found).
    A hunk without old lines inserts after its anchor, or at the end of the file.
    """
    ends_with_newline = text.endswith("\n")
    lines = text.split("\n")
    if ends_with_newline:
        lines.pop()
    position = 0
    for anchor, old, new in hunks:
        if anchor is not None:
            found = _find(lines, [anchor], position, exact=True)
            if found is None:
                found = _find(lines, [anchor.strip()], position, exact=False, strip_all=True)
            if found is not None:
                position = found + 1
        if not old:
            at = position if anchor is not None else len(lines)
            lines[at:at] = new
            position = at + len(new)
            continue
        found = _find(lines, old, position, exact=True)
        if found is None:
            found = _find(lines, old, position, exact=False)
        if found is None:
            return None
        lines[found : found + len(old)] = new
        position = found + len(new)
    result = "\n".join(lines)
    return result + "\n" if ends_with_newline or (not text and lines) else result


def _find(
    lines: list[str], block: list[str], start: int, *, exact: bool, strip_all: bool = False
) -> int | None:
    """Index of the first occurrence of ``block`` in ``lines`` at or after ``start``."""

    def norm(line: str) -> str:
        if exact:
            return line
        return line.strip() if strip_all else line.rstrip()

    wanted = [norm(line) for line in block]
    for index in range(start, len(lines) - len(block) + 1):
        if all(norm(lines[index + k]) == wanted[k] for k in range(len(block))):
            return index
    return None
