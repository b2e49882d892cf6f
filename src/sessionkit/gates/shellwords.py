"""Just enough shell tokenising for gates: argv-or-shell, segments, and a first-word pre-flight.

Config-supplied commands may run through a shell (ARCHITECTURE trust model); this module only
decides whether they need one and never builds shell strings from values.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

OPERATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", ";;", "|&"})
REDIRECTIONS = frozenset({">", ">>", "<", "<<", ">&", "&>", "<&", ">|", "&>>", "<<<", "<>"})
_SHELL_SYNTAX = re.compile(r"[$`*?\[\]{}~<>|&;()\n#]")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SHELL_WORDS = frozenset(
    {
        "cd", "export", "set", "unset", "source", ".", "exec", "eval", "if", "then", "else",
        "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "test", "[",
        "echo", "printf", "true", "false", ":", "exit", "return", "command", "type", "read",
        "shift", "trap", "umask", "wait", "ulimit", "alias", "local", "!", "{", "}", "time",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Segment:
    words: tuple[str, ...]
    redirections: tuple[tuple[str, str], ...]
    joiner: str  # operator that ended the segment ("" for the last)


class ShellSyntaxError(ValueError):
    pass


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError as exc:
        raise ShellSyntaxError(str(exc)) from exc


def segments(text: str) -> list[Segment]:
    """Simple commands of ``text`` split at ``;``, ``&&``, ``||``, ``|``, ``&`` and newlines."""
    result: list[Segment] = []
    for line in text.split("\n"):
        tokens = _tokens(line)
        words: list[str] = []
        redirs: list[tuple[str, str]] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token in OPERATORS:
                result.append(Segment(tuple(words), tuple(redirs), token))
                words, redirs = [], []
            elif token in REDIRECTIONS:
                target = tokens[i + 1] if i + 1 < len(tokens) else ""
                if words and words[-1].isdigit() and not redirs:
                    words.pop()  # "2>" : the fd number belongs to the redirection
                redirs.append((token, target))
                i += 1
            else:
                words.append(token)
            i += 1
        if words or redirs:
            result.append(Segment(tuple(words), tuple(redirs), ""))
    return result


def needs_shell(text: str) -> bool:
    """Whether a string command needs a shell (operators, expansions, globs, assignments ...)."""
    if _SHELL_SYNTAX.search(text):
        return True
    try:
        words = shlex.split(text)
    except ValueError:
        return True
    return bool(words) and bool(_ASSIGNMENT.match(words[0]))


def split(text: str) -> list[str]:
    return shlex.split(text)


def first_word(text: str) -> str | None:
    """First word of the first segment, when the pre-flight lookup applies (else None)."""
    try:
        parts = segments(text)
    except ShellSyntaxError:
        return None
    if any(seg.words and seg.words[0] == "cd" for seg in parts):
        return None
    for seg in parts:
        words = [w for w in seg.words if not _ASSIGNMENT.match(w)]
        if not words:
            continue
        word = words[0]
        if word in SHELL_WORDS or "/" in word or "$" in word or "`" in word:
            return None
        return word
    return None
