"""Root-anchored gitwildmatch patterns for wave scope and protected paths (agent-hooks.md §9.4).

Every entry is anchored at the repository root (``README.md`` does not match
``docs/README.md``; write ``**/README.md`` for that). Entries are evaluated in order and the
last matching entry decides; a negated entry (``!…``) excludes.

Translation follows ``pathspec``'s gitwildmatch (``GitIgnoreSpecPattern``) exactly — a test
compares the regular expressions with ``pathspec``'s own for the §9.4 table and generated
patterns — but is done here with the standard library, because importing ``pathspec`` costs
more than the interpreter's whole start-up and this module is on the hook path.

Hot path: standard library only at module level, and no ``re`` until patterns are compiled
(``re`` with ``enum`` costs a third of the interpreter's start-up; calls without write targets
never match a path).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "PatternSet",
    "compile_patterns",
    "literal_prefix",
    "normalise_entry",
    "pattern_to_regex",
]

_compiled: dict[tuple[str, ...], tuple[tuple[str, bool], ...]] = {}


def nfc(text: str) -> str:
    """``unicodedata.normalize("NFC", text)``; ASCII text is its own NFC form, so the usual
    path needs no ``unicodedata`` (a shared library to load) on the hook path."""
    if text.isascii():
        return text
    import unicodedata

    return unicodedata.normalize("NFC", text)


def normalise_entry(entry: str) -> tuple[str, bool]:
    """``(anchored pattern, negated)`` for one entry: ``!`` stripped, trailing spaces stripped,
    ``/`` prefixed unless the entry is absolute (``/…``) or a home grant (``~/…``)."""
    negated = entry.startswith("!")
    body = entry[1:] if negated else entry
    body = _strip_trailing_spaces(body)
    if body.startswith("~/"):
        return body, negated
    if not body.startswith("/"):
        body = "/" + body
    return body, negated


def literal_prefix(pattern: str) -> str:
    """The part of an anchored pattern before its first wildcard, without the leading ``/``."""
    body = pattern.lstrip("!").lstrip("/")
    cut = len(body)
    for wildcard in "*?[":
        at = body.find(wildcard, 0, cut)
        if at != -1:
            cut = at
    return body[:cut]


def _strip_trailing_spaces(body: str) -> str:
    """``re.sub(r"(?<!\\)( +)$", "", body)``: trailing spaces go, except one escaped by a
    backslash before them."""
    start = len(body.rstrip(" "))
    if start == len(body):
        return body
    if body[start - 1 : start] == "\\":
        start += 1
    return body[:start]


_DIR_MARK = "(?P<ps_d>/)"
_DIR_MARK_OPT = f"(?:{_DIR_MARK}|$)"


def _segment_glob(segment: str) -> str | None:
    """The regex of one path segment's glob; None for an unterminated ``[`` (git drops
    such patterns)."""
    import re

    out: list[str] = []
    escape = False
    i, end = 0, len(segment)
    while i < end:
        char = segment[i]
        i += 1
        if escape:
            escape = False
            out.append(re.escape(char))
        elif char == "\\":
            escape = True
        elif char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            j = i
            if j < end and segment[j] in "!^":
                j += 1
            if j < end and segment[j] == "]":
                j += 1
            while j < end and segment[j] != "]":
                j += 1
            if j >= end:
                return None
            j += 1
            expr = "["
            if segment[i] in "!^":
                expr += "^"
                i += 1
            out.append(expr + segment[i:j].replace("\\", "\\\\"))
            i = j
        else:
            out.append(re.escape(char))
    if escape:
        raise ValueError(f"pattern ends with an escape character: {segment!r}")
    return "".join(out)


def pattern_to_regex(pattern: str) -> tuple[str | None, bool | None]:
    """gitwildmatch translation (``pathspec``'s ``GitIgnoreSpecPattern`` semantics, which a
    test checks regex-for-regex): ``(regex source, include)``; ``(None, None)`` for blank,
    comment and invalid-range patterns. Standard library only, so the hook never imports
    ``pathspec`` (its import alone costs more than the interpreter's start-up)."""
    text = pattern if pattern.endswith("\\ ") else pattern.rstrip()
    if not text or text.startswith("#") or text == "/":
        return None, None
    include = not text.startswith("!")
    if not include:
        text = text[1:]
    segments = text.split("/")
    is_dir = not segments[-1]
    if not segments[0]:
        del segments[0]
    elif (len(segments) == 1 or (len(segments) == 2 and not segments[1])) and segments[0] != "**":
        segments.insert(0, "**")
    if not segments:
        raise ValueError(f"pattern normalised to nothing: {pattern!r}")
    if not segments[-1]:
        segments[-1] = "**"
    for i in range(len(segments) - 1, 0, -1):
        if segments[i - 1] == "**" and segments[i] == "**":
            del segments[i]
    if segments == ["**"]:
        return (_DIR_MARK if is_dir else "."), include
    if segments == ["**", "*"]:
        return ".", include
    if segments == ["**", "*", "**"]:
        return (_DIR_MARK if is_dir else "/"), include
    parts: list[str] = []
    need_slash = False
    last = len(segments) - 1
    for i, segment in enumerate(segments):
        if segment == "**":
            if i == 0:
                parts.append("^(?:.+/)?")
            elif i < last:
                parts.append("(?:/.+)?")
                need_slash = True
            else:
                parts.append(_DIR_MARK if is_dir else "/")
            continue
        if i == 0:
            parts.append("^")
        if need_slash:
            parts.append("/")
        if segment == "*":
            parts.append("[^/]+")
        else:
            glob = _segment_glob(segment)
            if glob is None:
                return None, None
            parts.append(glob)
        if i == last:
            parts.append(_DIR_MARK_OPT)
        need_slash = True
    return "".join(parts), include


def compile_patterns(entries: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """``(regex source, include)`` per entry, for :class:`PatternSet`.

    Home grants (``~/…``) are compiled as absolute patterns on the expanded home directory.
    Results are memoised per process; they are JSON-friendly, so callers may persist them.
    Invalid entries (a trailing escape) are skipped; ``scope validate`` reports them.
    """
    key = tuple(entries)
    cached = _compiled.get(key)
    if cached is not None:
        return cached
    import os

    out: list[tuple[str, bool]] = []
    for entry in entries:
        body, negated = normalise_entry(entry)
        if body.startswith("~/"):
            body = os.path.expanduser("~").rstrip("/") + body[1:]
        try:
            regex, include = pattern_to_regex(("!" if negated else "") + body)
        except ValueError:
            continue
        if regex is None or include is None:
            continue
        out.append((regex, include))
    result = tuple(out)
    _compiled[key] = result
    return result


class PatternSet:
    """Compiled entries; :meth:`matches` applies "last matching entry decides"."""

    __slots__ = ("_any", "_rules", "entries", "ignore_case")

    def __init__(
        self,
        entries: Sequence[str],
        *,
        ignore_case: bool = False,
        compiled: Iterable[Sequence[object]] | None = None,
    ) -> None:
        import re

        self.entries = tuple(entries)
        self.ignore_case = ignore_case
        source = compiled if compiled is not None else compile_patterns(self.entries)
        flags = re.IGNORECASE if ignore_case else 0
        pairs = [(str(rx), bool(inc)) for rx, inc in source]
        self._rules = tuple((re.compile(rx, flags), inc) for rx, inc in pairs)
        # Without negations "last match decides" is "any matches": one alternation is faster.
        # The directory-marker group is renamed per branch so the alternation compiles.
        self._any = (
            re.compile("|".join(f"(?:{rx.replace('?P<ps_d>', '?:')})" for rx, _ in pairs), flags)
            if pairs and all(inc for _, inc in pairs)
            else None
        )

    def matches(self, path: str) -> bool:
        """Whether ``path`` (repository-relative with ``/``, or absolute) is matched.

        Absolute candidates are compared against absolute entries (their leading ``/`` is the
        anchor, so both sides drop it).
        """
        candidate = nfc(path).lstrip("/")
        if self._any is not None:
            return self._any.match(candidate) is not None
        decided = False
        for regex, include in self._rules:
            if regex.match(candidate) is not None:
                decided = include
        return decided

    def matches_tree(self, directory: str) -> bool:
        """Whether every path below ``directory`` is matched (§9.7.3 tree targets): the probe
        ``directory/<NUL>`` matches and no negated entry's literal prefix lies below it."""
        base = directory.rstrip("/")
        if not self.matches(base + "/\0"):
            return False
        below = base.lstrip("/") + "/"
        for entry in self.entries:
            if entry.startswith("!") and literal_prefix(normalise_entry(entry)[0]).startswith(
                below
            ):
                return False
        return True
