"""Stable, line-independent finding fingerprints (spec §6.7).

The key is built from the tool, rule, path, a normalised first message line and the
whitespace-collapsed source text of the flagged line, so inserting lines above a finding keeps
its fingerprint while editing the flagged line changes it. Tests are keyed by test id only.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.gates.parsers.base import RawFinding

_DIGITS = re.compile(r"[0-9]+")
_MAX_SOURCE_BYTES = 2 * 1024 * 1024


def normalise_message(message: str, root: str) -> str:
    first = message.split("\n", 1)[0].strip()
    if root:
        first = first.replace(root.rstrip("/") + "/", "").replace(root, "")
    if first.endswith("."):
        first = first[:-1]
    first = " ".join(first.split())  # collapse whitespace; much faster than a regex
    return _DIGITS.sub("0", first)


@lru_cache(maxsize=4096)
def _source_lines(path: str, mtime_ns: int, size: int) -> tuple[str, ...] | None:
    if size > _MAX_SOURCE_BYTES:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return tuple(data.decode("utf-8", "replace").splitlines())


def _lines_of(root: str, path: str) -> tuple[str, ...] | None:
    full = os.path.join(root, path)
    try:
        st = os.stat(full)
    except OSError:
        return None
    return _source_lines(full, st.st_mtime_ns, st.st_size)


def source_context(
    root: str,
    path: str | None,
    line: int | None,
    files: dict[str, tuple[str, ...] | None] | None = None,
) -> str:
    """The flagged line's text, whitespace-collapsed; ``""`` when it cannot be read.

    ``files`` memoises file contents for one batch of findings (one stat per file, not per
    finding).
    """
    if not path or not line or line < 1:
        return ""
    if files is None:
        lines = _lines_of(root, path)
    else:
        if path not in files:
            files[path] = _lines_of(root, path)
        lines = files[path]
    if lines is None or line > len(lines):
        return ""
    return " ".join(lines[line - 1].split())


def base_key(
    finding: RawFinding, root: str, files: dict[str, tuple[str, ...] | None] | None = None
) -> str:
    if finding.test_id is not None:
        key = "\x1f".join(["sk1", finding.tool, "test", finding.test_id])
    else:
        key = "\x1f".join(
            [
                "sk1",
                finding.tool,
                finding.rule,
                finding.path or "",
                normalise_message(finding.message, root),
                source_context(root, finding.path, finding.line, files),
            ]
        )
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


# Digits become "0" in one C pass over the UTF-8 bytes (no multi-byte sequence contains an ASCII
# digit byte); collapsing the resulting runs of "0" then equals replacing every run of digits.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_ZERO_RUNS = re.compile(rb"00+")  # a literal prefix: the regex engine skips to each "00"


def _message_bytes(message: str, root: str, root_slash: str) -> bytes:
    """``normalise_message(message, root)`` encoded as in the key, without a regex pass."""
    first = message.split("\n", 1)[0] if "\n" in message else message
    first = first.strip()
    if root and root in first:  # root_slash contains root
        first = first.replace(root_slash, "").replace(root, "")
    if first.endswith("."):
        first = first[:-1]
    raw = " ".join(first.split()).encode("utf-8", "surrogateescape").translate(_DIGITS_TO_ZERO)
    return _ZERO_RUNS.sub(b"0", raw) if b"00" in raw else raw


# Short messages repeat ("`os` imported but unused") and are normalised once; long ones rarely
# do, and keeping their normalised copies alive was measured slower than recomputing them.
_CACHED_MESSAGE_CHARS = 256
_UNREAD: tuple[Sequence[str], list[bytes | None]] = ((), [])  # not read yet (None: unreadable)


def assign(findings: Sequence[RawFinding], root: str) -> list[str]:
    """Fingerprints for ``findings`` of one check, index-aligned; duplicates get ``:k`` suffixes.

    Duplicates (same base) are numbered in ``(line, column)`` order so the k-th identical
    finding in a file keeps its fingerprint however the list was ordered.

    Computes exactly :func:`base_key` for every finding, batched (a log can carry 100,000
    findings, gates.md §13.7): each distinct short message is normalised once, each flagged
    source line is collapsed and encoded once, each (tool, rule, path) key head is encoded
    once, and the key is hashed as bytes. Normalising all messages joined with "\n" in
    whole-text passes (digits translated, "00+" runs collapsed, split once) was measured no
    faster on the §13.7 log (100,000 messages of ~480 characters: 375 ms against 367 ms message
    by message), before the whitespace and trailing-dot passes, whose mere detection costs
    ~40-60 ms per two-byte pattern on 48 MB.
    """
    root_slash = root.rstrip("/") + "/"
    messages: dict[str, bytes] = {}
    sha256 = hashlib.sha256
    join = b"".join
    no_context = b"\x1f"
    heads: dict[tuple[str, str, str | None], bytes] = {}
    # per path: its source lines and their contexts (b"\x1f" + collapsed, encoded), built on
    # first use: a log flags few lines of a file, or many lines of a few files
    files: dict[str, tuple[Sequence[str], list[bytes | None]] | None] = {}
    bases: list[bytes] = []
    append = bases.append
    for f in findings:
        if f.test_id is not None:
            key = "\x1f".join(("sk1", f.tool, "test", f.test_id))
            append(sha256(key.encode("utf-8", "surrogateescape")).digest())
            continue
        text = f.message
        if len(text) <= _CACHED_MESSAGE_CHARS:
            message = messages.get(text)
            if message is None:
                message = messages[text] = _message_bytes(text, root, root_slash)
        else:
            message = _message_bytes(text, root, root_slash)
        path = f.path
        spot = (f.tool, f.rule, path)
        head = heads.get(spot)
        if head is None:
            head = heads[spot] = "\x1f".join(("sk1", f.tool, f.rule, path or "", "")).encode(
                "utf-8", "surrogateescape"
            )
        context = no_context
        line = f.line
        if path and line and line >= 1:
            source = files.get(path, _UNREAD)
            if source is _UNREAD:
                lines = _lines_of(root, path)
                source = files[path] = None if lines is None else (lines, [None] * len(lines))
            if source is not None and line <= len(source[0]):
                cached = source[1][line - 1]
                if cached is None:
                    collapsed = " ".join(source[0][line - 1].split())
                    cached = source[1][line - 1] = no_context + collapsed.encode(
                        "utf-8", "surrogateescape"
                    )
                context = cached
        append(sha256(join((head, message, context))).digest())  # one copy, not two
    # raw digests until here: hex is needed only for duplicates' keys and the 32-char prefix
    if len(set(bases)) != len(bases):
        groups: dict[bytes, list[int]] = {}
        for index, base in enumerate(bases):
            groups.setdefault(base, []).append(index)
        for base, indexes in groups.items():
            if len(indexes) < 2:
                continue
            ordered = sorted(
                indexes, key=lambda i: (findings[i].line or 0, findings[i].column or 0, i)
            )
            prefix = base.hex() + ":"
            for k, index in enumerate(ordered[1:], start=2):
                bases[index] = sha256(f"{prefix}{k}".encode()).digest()
    return [digest[:16].hex() for digest in bases]


def unique(fingerprints: Iterable[str]) -> bool:
    seen = list(fingerprints)
    return len(seen) == len(set(seen))
