"""Wave command lists: ``blockedCommands`` and ``allowedCommands`` (agent-hooks.md §9.8).

Patterns are split into shell words (``shlex``, POSIX). The first word is the program (a
word with ``/`` must equal the command's static ``argv[0]``); the other words are operands
(must equal the command's first operands, in order, as a prefix; ``*``/``?``/``[`` operands
use ``fnmatch``) and options (each present anywhere among the command's options, short
bundles expanded on both sides, ``--name=value`` split). ``git`` is matched on its argv after
global options. Commands come from the guard's one walk (``Analysis.commands``), so nested
commands (pipelines, ``bash -c``, ``xargs``, substitutions) are all seen.

Hot path: standard library only.
"""

from __future__ import annotations

import fnmatch
import os

from sessionkit.policy.findings import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

__all__ = ["IMPLICIT_BUILTINS", "Pattern", "check", "compile_pattern", "git_view", "matches"]

IMPLICIT_BUILTINS = frozenset(
    {
        "cd", "pushd", "popd", "pwd", "echo", "printf", "true", "false", ":", "test", "[",
        "export", "unset", "set", "sleep", "wait", "exit",
    }
)  # fmt: skip
_INTERPRETERS = {
    "python": ("-c",), "python3": ("-c",), "python2": ("-c",), "node": ("-e", "--eval", "-p"),
    "perl": ("-e", "-E"), "ruby": ("-e",), "php": ("-r",), "deno": ("eval",), "bun": ("-e",),
}  # fmt: skip
# git global options that take a separate value
_GIT_VALUE_OPTIONS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env", "--super-prefix", "--list-cmds"})  # fmt: skip


class Pattern:
    """A compiled command pattern: program, operands and options."""

    __slots__ = ("entry", "operands", "options", "program")

    def __init__(self, entry: str, program: str, operands: list[str], options: set[str]) -> None:
        self.entry = entry
        self.program = program
        self.operands = operands
        self.options = options


def _expand_options(words: Iterable[str]) -> tuple[list[str], set[str]]:
    """``(operands, options)``: short bundles expanded, ``--name=value`` split, ``--`` ends
    options (everything after it is an operand)."""
    operands: list[str] = []
    options: set[str] = set()
    ended = False
    for word in words:
        if ended or word == "-" or not word.startswith("-"):
            operands.append(word)
        elif word == "--":
            ended = True
        elif word.startswith("--"):
            name, sep, value = word.partition("=")
            options.add(name)
            if sep:
                operands.append(value)
        else:
            options.update(f"-{ch}" for ch in word[1:])
    return operands, options


def compile_pattern(entry: str) -> Pattern | None:
    """The pattern of one entry, or None when it is not a command (ignored, §9.8)."""
    try:
        import shlex  # only when a wave's command lists are compiled

        words = shlex.split(entry)
    except ValueError:
        return None
    if not words or not words[0] or words[0][0] in "<>|&;()" or "=" in words[0]:
        return None
    operands, options = _expand_options(words[1:])
    return Pattern(entry, words[0], operands, options)


def git_view(words: Sequence[str | None]) -> list[str | None]:
    """The git argv after git's global options (``git -C x push`` → ``git push``)."""
    out: list[str | None] = [words[0]] if words else []
    index = 1
    while index < len(words):
        word = words[index]
        if word is None or not word.startswith("-"):
            break
        if word in _GIT_VALUE_OPTIONS:
            index += 2
            continue
        index += 1
    out.extend(words[index:])
    return out


def _program(argv0: str | None) -> str | None:
    if argv0 is None:
        return None
    name = os.path.basename(argv0.replace("\\", "/"))
    return name[:-4] if name.lower().endswith(".exe") else name


def _words(command: Any) -> list[str | None]:
    argv = getattr(command, "argv", ())
    return [getattr(v, "text", v) for v in argv]


def _opaque(command: Any, words: list[str | None]) -> bool:
    """The parser cannot see what runs: variable program, ``eval`` of a non-literal,
    interpreter one-liners."""
    name = getattr(command, "name", None) or _program(words[0] if words else None)
    if not words or words[0] is None or name is None:
        return True
    if name == "eval" and any(w is None for w in words[1:]):
        return True
    flags = _INTERPRETERS.get(name)
    return bool(flags and any(w in flags for w in words[1:]))


def matches(pattern: Pattern, command: Any) -> bool:
    """Whether the simple command record ``command`` matches ``pattern``."""
    words = _words(command)
    if not words or words[0] is None:
        return False
    if "/" in pattern.program:
        if words[0] != pattern.program:
            return False
    elif (getattr(command, "name", None) or _program(words[0])) != pattern.program:
        return False
    if pattern.program == "git" or (getattr(command, "name", None) == "git"):
        words = git_view(words)
    operands, options = _expand_options([w if w is not None else "\0" for w in words[1:]])
    if not pattern.options <= options:
        return False
    if len(operands) < len(pattern.operands):
        return False
    for want, have in zip(pattern.operands, operands, strict=False):
        if any(ch in want for ch in "*?["):
            if not fnmatch.fnmatchcase(have, want):
                return False
        elif want != have:
            return False
    return True


def _label(words: list[str | None]) -> str:
    shown = [w if w is not None else "…" for w in words[:4]]
    label = " ".join(shown)
    return label if len(label) <= 120 else label[:119] + "…"


def check(parsed: Any, active: Any, *, config_gates: Any = None) -> list[Finding]:
    """``commands.blocked`` / ``commands.not-allowed`` findings for the simple commands of
    one walk (``Analysis`` or an iterable of ``Command`` records) under ``active`` (§9.8).

    Nothing when there is no scope, enforcement is ``off`` or ``gates.command-guard`` is
    false (scope file > Session Config ``enforcement-gates`` given as ``config_gates``).
    """
    if active is None or active.action is None or not active.gate("command-guard", config_gates):
        return []
    records = getattr(parsed, "commands", parsed)
    doc = active.doc
    blocked = [p for p in (compile_pattern(str(e)) for e in doc.get("blockedCommands") or ()) if p]
    allowed_entries = doc.get("allowedCommands")
    allowed = (
        None
        if allowed_entries is None
        else [p for p in (compile_pattern(str(e)) for e in allowed_entries) if p]
    )
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for command in records:
        if getattr(command, "dry", False) or getattr(command, "defined_only", False):
            continue
        words = _words(command)
        label = _label(words)
        for pattern in blocked:
            if matches(pattern, command) and ("blocked", pattern.entry) not in seen:
                seen.add(("blocked", pattern.entry))
                out.append(
                    Finding(
                        "commands",
                        "commands.blocked",
                        active.action,
                        f"`{label}` matches `{pattern.entry}`, which wave {active.wave} "
                        "does not permit.",
                        f"this command is not permitted during wave {active.wave}; use a "
                        "narrower alternative or ask the coordinator",
                        pattern.entry,
                    )
                )
        if allowed is None:
            continue
        name = getattr(command, "name", None) or _program(words[0] if words else None)
        opaque = _opaque(command, words)
        if not opaque and name in IMPLICIT_BUILTINS:
            continue
        if not opaque and any(matches(p, command) for p in allowed):
            continue
        if ("not-allowed", label) in seen:
            continue
        seen.add(("not-allowed", label))
        shown = ", ".join(f"`{p.entry}`" for p in allowed[:10]) or "none"
        out.append(
            Finding(
                "commands",
                "commands.not-allowed",
                active.action,
                f"`{label}` is not in the commands allowed during wave {active.wave}"
                + (" (the parser cannot see what it runs)." if opaque else "."),
                f"allowed commands: {shown}",
                label,
            )
        )
    return out
