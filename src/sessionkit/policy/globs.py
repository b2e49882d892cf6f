"""Root-anchored gitwildmatch patterns for wave scope and protected paths (agent-hooks.md §9.4).

Every entry is anchored at the repository root (``README.md`` does not match
``docs/README.md``; write ``**/README.md`` for that). Entries are evaluated in order and the
last matching entry decides; a negated entry (``!…``) excludes.

Compilation uses ``pathspec``'s gitwildmatch translator, imported lazily: its regular
expressions are plain ``re`` sources, so :func:`compile_patterns` results can be cached as
JSON (the hook cache, §13.3) and :class:`PatternSet` needs only the standard library.

Hot path: standard library only at module level.
"""

from __future__ import annotations

import re
import unicodedata

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["PatternSet", "compile_patterns", "literal_prefix", "normalise_entry"]

_TRAILING_SPACES = re.compile(r"(?<!\\)( +)$")
_WILDCARD = re.compile(r"[*?\[]")
_compiled: dict[tuple[str, ...], tuple[tuple[str, bool], ...]] = {}


def normalise_entry(entry: str) -> tuple[str, bool]:
    """``(anchored pattern, negated)`` for one entry: ``!`` stripped, trailing spaces stripped,
    ``/`` prefixed unless the entry is absolute (``/…``) or a home grant (``~/…``)."""
    negated = entry.startswith("!")
    body = entry[1:] if negated else entry
    body = _TRAILING_SPACES.sub("", body)
    if body.startswith("~/"):
        return body, negated
    if not body.startswith("/"):
        body = "/" + body
    return body, negated


def literal_prefix(pattern: str) -> str:
    """The part of an anchored pattern before its first wildcard, without the leading ``/``."""
    body = pattern.lstrip("!").lstrip("/")
    match = _WILDCARD.search(body)
    return body if match is None else body[: match.start()]


def compile_patterns(entries: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """``(regex source, include)`` per entry, for :class:`PatternSet`.

    Home grants (``~/…``) are compiled as absolute patterns on the expanded home directory.
    Results are memoised per process; callers may persist them (they are JSON-friendly).
    """
    key = tuple(entries)
    cached = _compiled.get(key)
    if cached is not None:
        return cached
    import os
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from pathspec.patterns.gitwildmatch import GitWildMatchPattern

        out: list[tuple[str, bool]] = []
        for entry in entries:
            body, negated = normalise_entry(entry)
            if body.startswith("~/"):
                body = os.path.expanduser("~").rstrip("/") + body[1:]
            regex, include = GitWildMatchPattern.pattern_to_regex(("!" if negated else "") + body)
            if regex is None or include is None:
                continue
            out.append((regex, bool(include)))
    result = tuple(out)
    _compiled[key] = result
    return result


class PatternSet:
    """Compiled entries; :meth:`matches` applies "last matching entry decides"."""

    __slots__ = ("_rules", "entries", "ignore_case")

    def __init__(
        self,
        entries: Sequence[str],
        *,
        ignore_case: bool = False,
        compiled: Iterable[Sequence[object]] | None = None,
    ) -> None:
        self.entries = tuple(entries)
        self.ignore_case = ignore_case
        pairs = compiled if compiled is not None else compile_patterns(self.entries)
        flags = re.IGNORECASE if ignore_case else 0
        self._rules = tuple((re.compile(str(rx), flags), bool(inc)) for rx, inc in pairs)

    def matches(self, path: str) -> bool:
        """Whether ``path`` (repository-relative with ``/``, or absolute) is matched.

        Absolute candidates are compared against absolute entries (their leading ``/`` is the
        anchor, so both sides drop it).
        """
        candidate = unicodedata.normalize("NFC", path).lstrip("/")
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
