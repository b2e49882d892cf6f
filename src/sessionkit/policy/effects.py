"""Which files a shell command writes or deletes, from the guard's own walk (guard.md §15).

Wave scope and protected paths (agent-hooks.md) use these effects, so every trick the guard
sees through (wrappers, payloads, data flow, ``cd``) is seen through for them too. Effects are
derived from the ``Command`` records of one walk: :func:`effects_of` for records the guard
already has, :func:`command_effects` for a command string (a thin wrapper over
``analyse_command``). Unknown paths are reported with ``resolved=None``; the consuming check
decides which way that fails. Commands in a dry-run context have no effects.

Hot path: standard library only.
"""

from __future__ import annotations

import os

from sessionkit.policy.values import FRESH, Lit, Sym, Value, render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from sessionkit.policy.command import Command

__all__ = ["Effect", "command_effects", "effects_of"]

DEV_NULL = "/dev/null"
WRITE_REDIRECTS = {
    ">": "truncate",
    ">|": "truncate",
    "&>": "truncate",
    ">>": "append",
    "&>>": "append",
    "<>": "in-place",
}


class Effect:
    """One file write or deletion a command would perform."""

    __slots__ = ("kind", "mode", "path", "resolved", "span", "tool", "via")

    def __init__(
        self,
        kind: str,
        mode: str,
        path: str,
        resolved: str | None,
        tool: str,
        span: tuple[int, int] | None,
        via: tuple[Any, ...] = (),
    ) -> None:
        self.kind = kind  # "write" | "delete"
        self.mode = mode  # truncate, append, create, in-place, recursive, file
        self.path = path
        self.resolved = resolved
        self.tool = tool
        self.span = span
        self.via = via

    def __repr__(self) -> str:
        return f"Effect({self.kind} {self.mode} {self.path!r} -> {self.resolved!r} by {self.tool})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Effect) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[Any, ...]:
        return (self.kind, self.mode, self.path, self.resolved, self.tool, self.span)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mode": self.mode,
            "path": self.path,
            "resolved": self.resolved,
            "tool": self.tool,
            "span": None if self.span is None else list(self.span),
            "via": [
                {"kind": hop[0], "span": None if hop[1] is None else list(hop[1]), "detail": hop[2]}
                for hop in self.via
            ],
        }


# ---- resolving values to absolute paths ------------------------------------------------------------


def _absolute(value: Value) -> str | None:
    """The text of a value, with symbolic locations replaced by their known paths."""
    if value.text is not None:
        return value.text
    out: list[str] = []
    for piece in value.pieces:
        if type(piece) is Lit:
            out.append(piece.text)
        elif type(piece) is Sym and piece.path is not None:
            out.append(piece.path)
        elif type(piece) is Sym and piece.kind == FRESH:
            where = _fresh_path(piece)
            if where is None:
                return None
            out.append(where)
        else:
            return None
    return "".join(out)


# What a name made by mktemp looks like; the real name is random, only its directory matters.
FRESH_NAME = "tmp.XXXXXXXXXX"


def _fresh_path(sym: Sym) -> str | None:
    """Where a ``mktemp`` result lives: ``<dir>/tmp.XXXXXXXXXX`` in its ``-p``/``--tmpdir``/
    template directory, else in the temporary root mktemp itself uses (``$TMPDIR``, else
    ``/tmp``), so writes to it are judged by that directory (always allowed when temporary)."""
    if sym.base is not None:
        base = _absolute(sym.base)
        return None if not base else os.path.join(base, FRESH_NAME)
    if os.name == "nt":
        return None
    tmpdir = os.environ.get("TMPDIR", "")
    return os.path.join(tmpdir if os.path.isabs(tmpdir) else "/tmp", FRESH_NAME)


def _resolve(value: Value, cwd: Value | None, home: str | None) -> str | None:
    text = _absolute(value)
    if text is None:
        return None
    if text == "~" or text.startswith("~/"):
        if home is None:
            return None
        text = home + text[1:]
    if os.path.isabs(text):
        return os.path.normpath(text)
    base = _absolute(cwd) if cwd is not None else None
    if base is None or not os.path.isabs(base):
        return None
    return os.path.normpath(os.path.join(base, text))


class _Emitter:
    def __init__(self, command: Command, home: str | None) -> None:
        self.command = command
        self.home = home
        self.out: list[Effect] = []
        self.cwds: Sequence[Value | None] = command.cwd or (None,)

    def patch_targets(self, tool: str) -> None:
        """The files a patch names: a write the effects cannot resolve (§9.7.2)."""
        self.out.append(
            Effect(
                "write",
                "in-place",
                "«files named in the patch»",
                None,
                tool,
                self.command.span,
                tuple(self.command.via),
            )
        )

    def add(self, kind: str, mode: str, value: Value, tool: str) -> None:
        path = render(value)
        if path == DEV_NULL:
            return
        seen: set[str | None] = set()
        for cwd in self.cwds:
            resolved = _resolve(value, cwd, self.home)
            if resolved in seen:
                continue
            seen.add(resolved)
            self.out.append(
                Effect(kind, mode, path, resolved, tool, self.command.span, tuple(self.command.via))
            )


# ---- per-tool grammars ---------------------------------------------------------------------------


def _operands(args: Sequence[Value], takes_value: frozenset[str] = frozenset()) -> list[Value]:
    """Operands of a GNU-style command: options skipped, ``--`` ends them."""
    out: list[Value] = []
    skip = False
    done = False
    for value in args:
        text = value.text
        if skip:
            skip = False
            continue
        if done or text is None or text == "-" or not text.startswith("-"):
            out.append(value)
            continue
        if text == "--":
            done = True
            continue
        if text in takes_value:
            skip = True
    return out


def _flags(args: Sequence[Value]) -> set[str]:
    found: set[str] = set()
    for value in args:
        text = value.text
        if text is None or not text.startswith("-") or text == "--":
            continue
        if text.startswith("--"):
            found.add(text.split("=", 1)[0])
        else:
            found.update(f"-{ch}" for ch in text[1:])
    return found


def _rm(e: _Emitter, name: str, args: Sequence[Value]) -> None:
    flags = _flags(args)
    recursive = bool(flags & {"-r", "-R", "--recursive"})
    for operand in _operands(args):
        e.add("delete", "recursive" if recursive else "file", operand, name)


def _copy_like(e: _Emitter, name: str, args: Sequence[Value]) -> None:
    target_dir: Value | None = None
    for index, value in enumerate(args):
        text = value.text or ""
        if text in ("-t", "--target-directory") and index + 1 < len(args):
            target_dir = args[index + 1]
        elif text.startswith("--target-directory="):
            target_dir = Value((Lit(text.split("=", 1)[1]),))
    operands = _operands(
        args,
        frozenset(
            {
                "-t",
                "--target-directory",
                "-S",
                "--suffix",
                "-m",
                "--mode",
                "-o",
                "--owner",
                "-g",
                "--group",
            }
        ),
    )
    if target_dir is not None:
        sources, destination = [o for o in operands if o is not target_dir], target_dir
    elif len(operands) >= 2:
        sources, destination = operands[:-1], operands[-1]
    else:
        return
    if name == "rsync":
        text = destination.text or ""
        if ":" in text.split("/", 1)[0] or text.startswith("rsync://"):
            return  # remote destinations are out of scope
        flags = _flags(args)
        if any(f.startswith("--del") for f in flags) and not flags & {"-n", "--dry-run"}:
            e.add("delete", "recursive", destination, name)
    e.add("write", "create", destination, name)
    if name == "mv":
        for source in sources:
            e.add("delete", "file", source, name)


def _in_place(e: _Emitter, name: str, args: Sequence[Value]) -> None:
    """``sed -i``, ``perl -i``, ``ruby -i``: the file operands are rewritten in place."""
    in_place = False
    script_given = False
    operands: list[Value] = []
    skip_next = False
    for value in args:
        text = value.text
        if skip_next:
            skip_next = False
            continue
        if text is not None and text.startswith("-") and text != "-":
            if (
                text.startswith("--in-place")
                or (text.startswith("-i") and name == "sed")
                or (name != "sed" and "i" in text[1:].split("e")[0] and not text.startswith("--"))
            ):
                in_place = True
            if text in ("-e", "--expression", "-f", "--file", "-E") or (
                name != "sed" and text.endswith(("e", "E")) and not text.startswith("--")
            ):
                script_given = True
                skip_next = True
            continue
        operands.append(value)
    if not in_place:
        return
    files = operands if script_given else operands[1:]
    for value in files:
        e.add("write", "in-place", value, name)


def _dd(e: _Emitter, args: Sequence[Value]) -> None:
    notrunc = any((v.text or "").startswith("conv=") and "notrunc" in (v.text or "") for v in args)
    for value in args:
        text = value.text
        if text is not None and text.startswith("of="):
            e.add("write", "in-place" if notrunc else "truncate", Value((Lit(text[3:]),)), "dd")
        elif text is None and value.pieces and type(value.pieces[0]) is Lit:
            head = value.pieces[0].text
            if head.startswith("of="):
                rest = (Lit(head[3:]), *value.pieces[1:])
                e.add("write", "truncate", Value(rest), "dd")


def _find(e: _Emitter, args: Sequence[Value]) -> None:
    if not any(v.text == "-delete" for v in args):
        return
    starts: list[Value] = []
    for value in args:
        text = value.text
        if text is not None and (text.startswith("-") or text in ("(", ")", "!", ",")):
            break
        starts.append(value)
    for start in starts or [Value((Lit("."),))]:
        e.add("delete", "recursive", start, "find")


def _chdir(cwd: Value | None, directory: Value) -> Value | None:
    """The directory ``git -C DIRECTORY`` works in when run in ``cwd`` (None when unknown);
    an empty DIRECTORY changes nothing, as in git."""
    text = _absolute(directory)
    if text is None:
        return None
    if text == "":
        return cwd
    if os.path.isabs(text):
        return Value((Lit(os.path.normpath(text)),))
    if cwd is None:
        return None
    return Value((*cwd.pieces, Lit("/" + text)))


def _git(e: _Emitter, args: Sequence[Value]) -> None:
    """The working-tree writes of git (agent-hooks.md §9.7.2): ``rm``, ``mv``, ``restore``,
    ``checkout [<tree-ish>] -- <paths>`` and ``apply``."""
    index = 0
    chdirs: list[Value] = []
    while index < len(args) and (args[index].text or "").startswith("-"):
        if args[index].text == "-C" and index + 1 < len(args):
            chdirs.append(args[index + 1])
        index += 2 if args[index].text in ("-C", "-c", "--git-dir", "--work-tree") else 1
    if index >= len(args):
        return
    if chdirs:  # ``git -C DIR``: pathspecs are relative to DIR; several -C compose (§1.2)
        cwds: list[Value | None] = []
        for cwd in e.cwds:
            for chdir in chdirs:
                cwd = _chdir(cwd, chdir)
            if cwd not in cwds:
                cwds.append(cwd)
        e.cwds = cwds
    sub = args[index].text
    rest = args[index + 1 :]
    flags = _flags(rest)
    if sub == "rm":
        if flags & {"--cached", "-n", "--dry-run"}:
            return
        recursive = "-r" in flags
        for operand in _operands(rest, frozenset({"--pathspec-from-file"})):
            e.add("delete", "recursive" if recursive else "file", operand, "git rm")
    elif sub == "mv":
        operands = _operands(rest)
        if flags & {"-n", "--dry-run"} or len(operands) < 2:
            return
        e.add("write", "create", operands[-1], "git mv")
        for source in operands[:-1]:
            e.add("delete", "file", source, "git mv")
    elif sub == "restore":
        if flags & {"-S", "--staged"} and not flags & {"-W", "--worktree"}:
            return  # the index only
        takes = frozenset({"-s", "--source", "--pathspec-from-file"})
        for operand in _operands(rest, takes):
            e.add("write", "in-place", operand, "git restore")
    elif sub == "checkout":
        texts = [v.text for v in rest]
        if "--" in texts:  # ``git checkout [<tree-ish>] -- <paths>``: the paths are rewritten
            for operand in rest[texts.index("--") + 1 :]:
                e.add("write", "in-place", operand, "git checkout")
    elif sub == "apply":
        if flags & {"--check", "--stat", "--numstat", "--summary", "--cached"}:
            return  # reports, or the index only
        e.patch_targets("git apply")


def _simple_writes(e: _Emitter, name: str, args: Sequence[Value]) -> None:
    if name == "tee":
        mode = "append" if _flags(args) & {"-a", "--append"} else "truncate"
        for value in _operands(args):
            e.add("write", mode, value, name)
    elif name == "truncate":
        for value in _operands(args, frozenset({"-s", "--size", "-r", "--reference"})):
            e.add("write", "truncate", value, name)
    elif name in ("touch", "mkdir"):
        takes = frozenset({"-m", "--mode", "-d", "--date", "-r", "--reference", "-t"})
        for value in _operands(args, takes):
            e.add("write", "create", value, name)
    elif name == "patch":
        operands = _operands(
            args,
            frozenset(
                {
                    "-p",
                    "-i",
                    "--input",
                    "-d",
                    "--directory",
                    "-o",
                    "--output",
                    "-r",
                    "-B",
                    "-F",
                    "-z",
                }
            ),
        )
        if operands:
            e.add("write", "in-place", operands[0], name)
        else:
            e.patch_targets(name)


# ``/usr/bin/time`` options (GNU time): ``-o FILE`` / ``--output=FILE`` is written, ``-a``
# appends; ``-f`` / ``--format`` takes a value. The walker peels the wrapper off, so its words
# are read again from the command's source text.
TIME_LONG = {
    "--output": "o",
    "--format": "f",
    "--append": "a",
    "--verbose": "v",
    "--portability": "p",
    "--quiet": "q",
    "--help": "h",
    "--version": "V",
}


def _word_text(word: Any) -> str | None:
    from sessionkit.policy.shell import Lit as ShellLit

    out: list[str] = []
    for part in word.parts:
        if type(part) is not ShellLit:
            return None
        out.append(part.text)
    return "".join(out)


def _time_long(text: str) -> str | None:
    """The letter of a GNU time long option, unambiguous prefixes resolved."""
    name = text.split("=", 1)[0]
    if name in TIME_LONG:
        return TIME_LONG[name]
    hits = [letter for long, letter in TIME_LONG.items() if long.startswith(name)]
    return hits[0] if len(hits) == 1 else None  # "--" alone is a prefix of every name


def _time_output(e: _Emitter) -> None:
    """``/usr/bin/time -o FILE`` / ``--output=FILE``: FILE is written (§15)."""
    from sessionkit.policy.shell import AndOr, Pipeline, Simple, parse

    text = e.command.text
    try:
        body = parse(text).body
    except Exception:  # pragma: no cover - parse never raises for a str
        return
    simple: Any = None
    if body.items and type(body.items[0]) is AndOr and body.items[0].items:
        pipeline = body.items[0].items[0]
        if type(pipeline) is Pipeline and pipeline.commands:
            simple = pipeline.commands[0]
    if type(simple) is not Simple:
        return
    words = simple.words
    index = next(
        (
            i
            for i, word in enumerate(words)
            if (_word_text(word) or "").rsplit("/", 1)[-1] == "time"
        ),
        None,
    )
    if index is None:
        return
    outputs: list[tuple[str | None, str]] = []  # (literal text or None, source text)
    append = False
    i = index + 1
    while i < len(words):
        word = words[i]
        arg = _word_text(word)
        if arg is None or not arg.startswith("-") or arg == "-":
            break
        if arg == "--":
            break
        value: tuple[str | None, str] | None = None
        takes: str | None = None
        if arg.startswith("--"):
            letter = _time_long(arg)
            if letter is None:
                break  # not a time option: the command starts here
            if letter == "a":
                append = True
            elif letter in "of":
                if "=" in arg:
                    rest = arg.split("=", 1)[1]
                    value = (rest, rest)
                takes = letter
        else:
            for k, ch in enumerate(arg[1:], 1):
                if ch == "a":
                    append = True
                elif ch in "of":
                    takes = ch
                    if k + 1 < len(arg):
                        rest = arg[k + 1 :]
                        value = (rest, rest)
                    break
        if takes is not None and value is None:
            if i + 1 >= len(words):
                break
            nxt = words[i + 1]
            value = (_word_text(nxt), text[nxt.span[0] : nxt.span[1]])
            i += 1
        if takes == "o" and value is not None:
            outputs.append(value)
        i += 1
    mode = "append" if append else "truncate"
    for literal, source in outputs:
        if literal is not None:
            e.add("write", mode, Value((Lit(literal),)), "time")
        else:
            e.out.append(
                Effect("write", mode, source, None, "time", e.command.span, tuple(e.command.via))
            )


def effects_of(commands: Iterable[Command], *, home: str | None = None) -> tuple[Effect, ...]:
    """The effects of the ``Command`` records of one walk, in order, without duplicates."""
    home = home if home is not None else os.path.expanduser("~")
    out: list[Effect] = []
    seen: set[Effect] = set()
    for command in commands:
        if command.dry or getattr(command, "defined_only", False):
            continue
        emitter = _Emitter(command, home)
        for redirect in command.redirects:
            mode = WRITE_REDIRECTS.get(redirect.op)
            if mode is not None and redirect.target is not None:
                emitter.add("write", mode, redirect.target, "redirect")
        if "time" in command.wrappers:
            _time_output(emitter)
        name = command.name
        args = command.argv[1:]
        if name in ("rm", "rmdir", "unlink", "shred", "rimraf"):
            if name == "rimraf":
                for operand in _operands(args):
                    emitter.add("delete", "recursive", operand, name)
            else:
                _rm(emitter, name, args)
        elif name in ("cp", "install", "mv", "rsync", "ln"):
            _copy_like(emitter, name, args)
        elif name in ("sed", "gsed", "perl", "ruby"):
            _in_place(emitter, name, args)
        elif name == "dd":
            _dd(emitter, args)
        elif name == "find":
            _find(emitter, args)
        elif name == "git":
            _git(emitter, args)
        elif name in ("tee", "truncate", "touch", "mkdir", "patch"):
            _simple_writes(emitter, name, args)
        for effect in emitter.out:
            if effect not in seen:
                seen.add(effect)
                out.append(effect)
    return tuple(out)


def command_effects(
    command: str, *, cwd: str | os.PathLike[str] | None = None
) -> tuple[Effect, ...]:
    """Files ``command`` would write or delete when run in ``cwd`` (§15)."""
    from sessionkit.policy.guard import analyse_command

    analysis = analyse_command(command, cwd=cwd)
    effects = analysis.effects
    if effects and all(isinstance(e, Effect) for e in effects):
        return tuple(effects)
    return effects_of(analysis.commands)
