"""The walker: expansion, same-command data flow and payload extraction (guard spec §5, §6).

``walk(command, cwd=...)`` parses the command string, visits the AST in source order with a
state (variables, cwd, aliases, functions, files written, git configuration) and returns a
:class:`Walk` whose ``commands`` are the :class:`~sessionkit.policy.command.Command` records of
every simple command that would run, including every executed payload.
``simple_commands()`` iterates them.

Control flow is ignored (every branch is assumed to run) but shapes the state as bash would:
conditional assignments add alternatives, subshells and substitutions scope their changes, a
``cd`` joined by ``&&`` is seen alone by the commands after it and together with the old cwd
by every later command.

Hot path: standard library only; :mod:`sessionkit.policy.interp` is imported lazily.
"""

from __future__ import annotations

import os
import sys

from sessionkit.policy import wrappers as _w
from sessionkit.policy.command import Command, Redirection, Stdin
from sessionkit.policy.shell import (
    MAX_DEPTH,
    AndOr,
    Arith,
    ArithCmd,
    ArithFor,
    Assignment,
    Case,
    CmdSub,
    Cond,
    Coproc,
    For,
    FunctionDef,
    Group,
    If,
    List,
    Param,
    Pipeline,
    ProcSub,
    Script,
    Select,
    Simple,
    Subshell,
    Tilde,
    Until,
    While,
    Word,
    parse,
)
from sessionkit.policy.shell import Lit as SLit
from sessionkit.policy.values import (
    _LIT_PLAIN,
    FRESH,
    HOME,
    PWD,
    REPO,
    TMPDIR,
    Lit,
    Producer,
    Sym,
    Unknown,
    Value,
    command_word_pattern,
    lit,
    merge_pieces,
    pattern_agrees,
    render,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterator, Mapping, Sequence
    from collections.abc import Set as AbstractSet
    from typing import Any

    Atom = tuple[object, int]
    Span = tuple[int, int]

__all__ = ["Walk", "canonical_name", "simple_commands", "walk"]

PAYLOAD_BUDGET = 256
MAX_COMMANDS = 20_000
MAX_BRACE = 256
MAX_ALTS = 16
# extra walks of loop bodies per check for lists longer than MAX_ALTS (§4.5; _for_chunks)
_LOOP_WALKS = 6

_EMPTY = Value(())
# an unset element of a sparse array (`a=([0]=x [3]=y)`, `a[5]=v`, `unset 'a[1]'`): it keeps
# the positions of the others, reads as empty by subscript, and "${a[@]}", slices and counts
# skip it as bash does. Known by identity (a different piece from _EMPTY, so alternatives
# holding it are not merged with empty ones)
_HOLE = Value((Lit(""),))
_new_object = object.__new__  # slot stores without an __init__ frame (hot path)
_UNKNOWN_OUT = Value((Unknown("$(…)"),))
_MAX_PIECES = 64
_PAYLOAD_CHAR_FACTOR = 1
_PAYLOAD_CHAR_SLACK = 16_384
_DECL_BUILTINS = frozenset(("export", "declare", "typeset", "local", "readonly"))
_INHERITED = Stdin()
_CLOSED_OUT = Value((Lit(""),))

# atom modes
_Q = 0  # quoted piece: no splitting, no globbing
_U = 1  # unquoted literal source text: globbing
_X = 2  # unquoted expansion result: splitting and globbing
_BRK = 3  # field break between quoted array elements
_EQ = 4  # empty quotes: the field exists
# field break between the elements of an unquoted array or $@/$*: each element is a word of
# its own whatever IFS holds, and an empty one makes no field. Its piece is a blank, what
# the consumers that join the atoms (assignments, operands) put between the elements
_SEP = 5
_SEP_BLANK = Lit(" ")

_GLOB = frozenset("*?[")
_DEFAULT_IFS = " \t\n"
_SHELL_VARS = {"SHELL": "bash", "BASH": "bash"}


class _Limit(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Walk:
    """The result of walking one command string.

    ``commands``: every :class:`Command`, in source order; ``script``: the parse;
    ``malformed`` and ``issues``: from the parse (§4.4); ``limit``: the name of a §4.5 limit
    that was hit (``input-size``, ``depth``, ``work``, ``payload-budget``, ``commands``) or
    None -- the guard blocks with ``parse-limit`` when set; ``errors``: internal errors caught
    while walking (``guard-internal-error``), as ``(exception type name, span)``.
    """

    __slots__ = ("commands", "errors", "issues", "limit", "malformed", "script")

    def __init__(self, script: Script) -> None:
        self.script = script
        self.commands: list[Command] = []
        self.issues = script.issues
        self.malformed = script.malformed
        self.limit: str | None = script.limit
        self.errors: list[tuple[str, tuple[int, int]]] = []


def canonical_name(value: Value) -> str | None:
    """§7.1: the last path component of a fully known first field, ``.exe`` removed, lower
    case.  Symbolic pieces count as known (only the last component matters)."""
    text = value.text
    if text is None:
        last = value.pieces[-1] if value.pieces else None
        if type(last) is not Lit or "/" not in last.text:
            return None
        text = last.text
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1] if text.strip("/") else text
    text = text.lower()
    if text[-4:] == ".exe":  # not endswith: its argument parsing costs more (hot path)
        text = text[:-4]
    return text or None


def _may_be_device(target: Value, cwd: tuple[Value, ...]) -> bool:
    """Whether a redirection target may name a path under ``/dev`` (the device check of
    §7.4 decides); relative targets only when a cwd alternative lies there."""
    text = target.text
    if text is None:
        first = target.pieces[0] if target.pieces else None
        return type(first) is Lit and first.text.startswith(("/dev", "//"))
    # a path reaches /dev only through a "dev" component or from a cwd under /dev
    return "dev" in text or any(c.text is None or "/dev" in c.text for c in cwd)


_COLON = Value((Lit(":"),))
# shell syntax: a word holding none reads the same under eval as in the plain command reading
_EVAL_SYNTAX = frozenset(" \t\n;&|<>()$`'\"\\")

# state.vars[NAME + _KEYED] marks NAME as an array assigned by subscripts: its alternatives are
# single element values (plus an unknown), whatever the subscript of a lookup
_KEYED = "[]"
# state.vars[NAME + _MAP] = (keys, values) of an associative array whose keys are all known,
# valid while NAME holds exactly those values in the keyed form (_map_of): ${M[key]} is then
# the value of that key, not any value
_MAP = "{}"

_NO_NAMES: frozenset[str] = frozenset()
_NO_IDS: frozenset[int] = frozenset()
# the walker's tables and lists start as these shared empties and become their own dict or
# list at their first (rare) write: no container built per walk for each. Read-only, so a
# write that missed its _own_* step raises instead of changing every later walk
_NO_ENTRIES: Mapping[Any, Any] = type(type.__dict__)({})  # a mappingproxy, without importing types
_NO_ITEMS: tuple[()] = ()

# values are immutable: one unknown previous cwd serves every walk
_UNKNOWN_OLDPWD = (Value((Unknown("$OLDPWD"),)),)


class _State:
    """Variables, cwd, functions and positional parameters (scoped like bash)."""

    __slots__ = ("cwd", "exported", "funcs", "ifs", "oldcwd", "pos", "vars")

    # no __init__ (see _new_state): _State() without one costs less than object.__new__
    vars: dict[str, tuple[tuple[Value, ...] | None, ...]]
    cwd: tuple[Value, ...]
    oldcwd: tuple[Value, ...]
    # funcs and exported: the shared empties (_NO_ENTRIES, _NO_NAMES) until a write makes
    # them the state's own (_own_funcs, _own_exported): most walks define and export nothing
    funcs: Mapping[str, tuple[object, _State]]
    exported: AbstractSet[str]
    pos: tuple[Value, ...] | None
    ifs: str | None

    def copy(self) -> _State:
        new = _State()
        # .copy() rather than dict(...)/set(...): a method call costs less than a type call
        new.vars = self.vars.copy()
        new.cwd = self.cwd
        new.oldcwd = self.oldcwd
        # a non-empty funcs or exported is the state's own dict or set (see _own_funcs)
        funcs = self.funcs
        new.funcs = funcs.copy() if funcs else _NO_ENTRIES  # type: ignore[attr-defined]
        exported = self.exported
        new.exported = exported.copy() if exported else _NO_NAMES  # type: ignore[attr-defined]
        new.pos = self.pos
        new.ifs = self.ifs
        return new

    def take(self, other: _State) -> None:
        """Become ``other`` (a branch state that is dropped afterwards)."""
        self.vars = other.vars
        self.cwd = other.cwd
        self.oldcwd = other.oldcwd
        self.funcs = other.funcs
        self.exported = other.exported
        self.pos = other.pos
        self.ifs = other.ifs


def _returned(state: _State, body: _State, local_names: set[str], cond: bool) -> None:
    """The caller's state after a function call: the body runs in the caller's shell, so
    its assignments, cd, definitions and exports persist, except its local variables (§5.6).
    A call that may not run (cond) adds the body's values as alternatives (§5.3)."""
    vars_ = state.vars
    for name, alts in body.vars.items():
        if name in local_names:
            continue
        mine = vars_.get(name)
        if mine == alts:
            continue
        vars_[name] = _dedupe((mine or (None,)) + alts) if cond else alts
    if body.cwd != state.cwd:
        state.cwd = _dedupe_values(body.cwd + state.cwd) if cond else body.cwd
        state.oldcwd = body.oldcwd
    if body.funcs is not state.funcs and body.funcs:
        _own_funcs(state).update(body.funcs)
    if body.exported is not state.exported and body.exported:
        _own_exported(state).update(body.exported)
    if not cond:
        state.ifs = body.ifs


def _read_only_redirect(body: List) -> Word | None:
    """The file of a substitution body that is one input redirection alone (``$(< FILE)``)."""
    if len(body.items) != 1:
        return None
    item = body.items[0]
    if item.ops or len(item.items[0].commands) != 1:
        return None
    node = item.items[0].commands[0]
    if type(node) is not Simple or node.words or node.assignments or len(node.redirects) != 1:
        return None
    redirect = node.redirects[0]
    if redirect.op != "<" or redirect.fd not in (None, 0):
        return None
    return redirect.target


def _new_state(cwd: tuple[Value, ...]) -> _State:
    """The state a walk (or a fresh shell) starts in: no variables, functions or exports."""
    state = _State()
    state.vars = {}
    state.cwd = cwd
    state.oldcwd = _UNKNOWN_OLDPWD
    state.funcs = _NO_ENTRIES
    state.exported = _NO_NAMES
    state.pos = None
    state.ifs = _DEFAULT_IFS
    return state


def _own_funcs(state: _State) -> dict[str, tuple[object, _State]]:
    funcs = state.funcs
    if type(funcs) is dict:
        return funcs
    new: dict[str, tuple[object, _State]] = {}
    state.funcs = new
    return new


def _own_exported(state: _State) -> set[str]:
    exported = state.exported
    if type(exported) is set:
        return exported
    new: set[str] = set()
    state.exported = new
    return new


_SUBSTITUTION_ORIGINS = ("$(", "`", "<(")


def _loop_field(field: Value, name: str) -> Value:
    """A ``for`` variable's value: unknown output it iterates over is spelled ``$NAME`` (its
    own origin), keeping the producer, so a later ``rm "$NAME"`` is not mistaken for a
    substitution written in that command."""
    pieces = field.pieces
    if not any(type(p) is Unknown and p.origin.startswith(_SUBSTITUTION_ORIGINS) for p in pieces):
        return field
    renamed = tuple(
        Unknown("$" + name, p.may_be_empty, p.producer)
        if type(p) is Unknown and p.origin.startswith(_SUBSTITUTION_ORIGINS)
        else p
        for p in pieces
    )
    return Value(renamed, pattern=field.pattern, split=field.split)


def _dedupe(alts: tuple[tuple[Value, ...] | None, ...]) -> tuple[tuple[Value, ...] | None, ...]:
    if len(alts) < 2:
        return alts
    # first occurrences in order, by hash: a list's `not in` test is quadratic in long lists
    out = tuple(dict.fromkeys(alts))
    return (None,) if len(out) > MAX_ALTS else out


def _ifs_of(alts: tuple[tuple[Value, ...] | None, ...]) -> str:
    """The splitting characters for IFS's alternatives: one known value's text; several
    possible values (an assignment that may not run, `true && IFS=,; $C`) split on every
    character any of them holds, the stricter reading."""
    first = alts[0]
    if len(alts) == 1 and first:
        text = first[0].text
        if text is not None:
            return text
    chars = set(_DEFAULT_IFS)
    for alt in alts:
        if alt and alt[0].text is not None:
            chars.update(alt[0].text)
    return "".join(sorted(chars))


def _as_keyed(
    alts: tuple[tuple[Value, ...] | None, ...],
) -> tuple[tuple[Value, ...] | None, ...]:
    """An array's alternatives in the keyed form (see _KEYED): each element on its own, and
    an unknown."""
    out: list[tuple[Value, ...] | None] = []
    for alt in alts:
        if alt is None:
            continue
        out.extend((v,) for v in alt if v is not _HOLE)
        if not alt:
            out.append((_EMPTY,))
    out.append(None)
    return _dedupe(tuple(out))


def _record_key(record: Command) -> tuple[object, ...]:
    """What makes two records of a loop body's walks the same command (_loop_body)."""
    return (
        record.name,
        record.argv,
        record.cwd,
        record.env,
        record.span,
        record.via,
        record.deferred,
        record.dry,
        record.reading,
        record.defined_only,
    )


_TOO_MANY_CWDS = Value((Unknown("cd …"),))
# payload hops that run in the walking shell itself, not in a new one (_payload_text)
_SAME_SHELL_HOPS = frozenset(("eval", "source", "alias", "trap", "function", "lenient-reading"))
# files git reads its configuration from, by the end of their path
_GIT_CONFIG_FILES = ("/.git/config", "/.gitconfig", "/git/config", "/config.worktree")
_BLANK = Lit(" ", True)
# variables a shell started by a terminal, an agent or CI always inherits, so exported
_INHERITED_ENVIRONMENT = frozenset(("HOME", "PATH", "USER", "LOGNAME", "SHELL", "TMPDIR", "LANG"))


def _arith(text: str, state: _State) -> int:
    """The value of a substring offset or length, an arithmetic expression (``1``, ``n``,
    ``$((1))`` already expanded, ``(-3)``, ``${#a[@]}-3``): integers, variables holding one
    known integer, ``+ - * / %`` and parentheses. ValueError when it is not known."""
    text = text.strip()
    if not text:
        return 0
    if text.lstrip("-").isdigit():
        return int(text)
    if len(text) > 100:
        raise ValueError(text)
    import ast
    import re

    def value_of(match: re.Match[str]) -> str:
        alts = state.vars.get(match.group(0))
        if alts and len(alts) == 1 and alts[0] is not None and len(alts[0]) == 1:
            known = alts[0][0].text
            if known is not None and known.strip().lstrip("-").isdigit():
                return "(" + known.strip() + ")"
        raise ValueError(match.group(0))

    expression = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", value_of, text)
    if expression.strip("0123456789+-*/%() \t"):
        raise ValueError(text)
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise ValueError(text) from None
    return _arith_node(tree.body)


def _arith_text(text: str, state: _State) -> str:
    """An arithmetic subscript's value as text when it is known, else the text itself."""
    try:
        return str(_arith(text, state))
    except ValueError:
        return text


def _ref_name(text: str) -> bool:
    """A reference's target: a variable name or an element (``A[1]``, ``A[$i]`` known)."""
    if text.isidentifier():
        return True
    base, bracket, rest = text.partition("[")
    return bool(bracket) and base.isidentifier() and rest[-1:] == "]" and len(rest) > 1


def _element_of(
    alts: tuple[tuple[Value, ...] | None, ...], ref: str, state: _State
) -> tuple[tuple[Value, ...] | None, ...]:
    """The alternatives of element ``A[i]`` (``ref``) of array alternatives ``alts``: a
    subscript not known gives any element."""
    subscript = ref[:-1].partition("[")[2]
    out: list[tuple[Value, ...] | None] = []
    for alt in alts:
        if alt is None:
            out.append(None)
        else:
            out.extend((v,) for v in _elements_at(alt, (subscript,), state))
    return tuple(dict.fromkeys(out)) if len(out) <= MAX_ALTS else (None,)


def _elements_at(
    alt: tuple[Value, ...], subscripts: Sequence[str | None], state: _State
) -> list[Value]:
    """The elements of an indexed array at ``subscripts`` (arithmetic, negative from the
    end; "" or past the end: empty). A subscript not known selects any element, or none."""
    picked: list[Value] = []
    for text in subscripts:
        if text is not None and not text.lstrip("-").isdigit():
            text = _arith_text(text, state)  # ${A[i]}, ${A[n-1]}
        if text is None or not text.lstrip("-").isdigit():
            if text == "":
                picked.append(_EMPTY)
                continue
            picked.extend(v for v in alt if v is not _HOLE)
            picked.append(_EMPTY)
            continue
        i = int(text)
        if i < 0:
            i += len(alt)
        picked.append(alt[i] if 0 <= i < len(alt) and alt[i] is not _HOLE else _EMPTY)
    return list(dict.fromkeys(picked))


def _known_arith(text: str, state: _State) -> bool:
    try:
        _arith(text, state)
    except ValueError:
        return False
    return True


def _substrings(
    text: str, operand: Value, state: _State, origin: str
) -> list[tuple[Value, ...] | Value | None]:
    """``${S:OFF[:LEN]}`` of a known ``text`` whose offset is not known: every suffix, or
    every window when the length is known; unknown past MAX_ALTS of them."""
    length: str | None = None
    tail = operand.pieces[-1] if operand.pieces else None
    if type(tail) is Lit and ":" in tail.text:
        length = tail.text.rpartition(":")[2]
    window: int | None = None
    if length is not None and length.strip():
        try:
            window = _arith(length, state)
        except ValueError:
            return [Value((Unknown(origin),))]
    if len(text) >= MAX_ALTS or (window is not None and window < 0):
        return [Value((Unknown(origin),))]
    out = [text[k:] if window is None else text[k : k + window] for k in range(len(text) + 1)]
    return [lit(t) for t in dict.fromkeys(out)]


def _arith_node(node: object) -> int:
    import ast

    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _arith_node(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _arith_node(node.left), _arith_node(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)) and right:
            quotient = abs(left) // abs(right) * (1 if (left < 0) == (right < 0) else -1)
            return quotient if not isinstance(node.op, ast.Mod) else left - right * quotient
    raise ValueError(node)


def _dedupe_values(values: tuple[Value, ...]) -> tuple[Value, ...]:
    """Distinct alternatives (of the cwd): past MAX_ALTS the rest become one unknown
    directory, judged as the repository root (§8.3), never dropped (§4.5)."""
    out = list(dict.fromkeys(values))  # hashed: no comparison of every pair
    if len(out) > MAX_ALTS:
        return (*out[: MAX_ALTS - 1], _TOO_MANY_CWDS)
    return tuple(out)


class _Ctx:
    """Where the walker is: via chain, span mapping and flags."""

    __slots__ = (
        "cond",
        "deferred",
        "defined_only",
        "dry",
        "exact",
        "offset",
        "outer",
        "reading",
        "src",
        "via",
    )

    # no __init__ (see _new_ctx): _Ctx() without one costs less than object.__new__
    via: tuple[tuple[str, tuple[int, int], str], ...]
    src: str
    offset: int
    exact: bool
    outer: tuple[int, int]
    dry: bool
    deferred: bool
    reading: int
    cond: bool
    defined_only: bool

    def clone(self) -> _Ctx:
        new = _Ctx()
        new.via = self.via
        new.src = self.src
        new.offset = self.offset
        new.exact = self.exact
        new.outer = self.outer
        new.dry = self.dry
        new.deferred = self.deferred
        new.reading = self.reading
        new.cond = self.cond
        new.defined_only = self.defined_only
        return new

    def span(self, span: tuple[int, int]) -> tuple[int, int]:
        if self.exact:
            off = self.offset
            return (span[0] + off, span[1] + off)
        return self.outer

    def text(self, span: tuple[int, int]) -> str:
        if self.exact:
            return self.src[span[0] : span[1]]
        base = self.offset
        return self.src[span[0] - base : span[1] - base] if base else self.src[span[0] : span[1]]

    def hop(self, kind: str, span: tuple[int, int], detail: str) -> _Ctx:
        # self.clone() and self.span(span) written out: one frame per hop instead of three
        new = _Ctx()
        new.src = self.src
        new.offset = off = self.offset
        new.exact = exact = self.exact
        new.outer = outer = self.outer
        new.dry = self.dry
        new.deferred = self.deferred
        new.reading = self.reading
        new.cond = self.cond
        new.defined_only = self.defined_only
        where = (span[0] + off, span[1] + off) if exact else outer
        new.via = (*self.via, (kind, where, detail))
        if len(new.via) > MAX_DEPTH:
            raise _Limit("depth")
        return new


def _new_ctx(src: str) -> _Ctx:
    """The context at the top of ``src``: exact spans, no hops, no flags."""
    ctx = _Ctx()
    ctx.via = ()
    ctx.src = src
    ctx.offset = 0
    ctx.exact = True
    ctx.outer = (0, len(src))
    ctx.dry = ctx.deferred = ctx.cond = ctx.defined_only = False
    ctx.reading = 0
    return ctx


class _Call:
    """One invocation being unwrapped: argv with source spans and its surroundings."""

    __slots__ = ("argv", "cwd", "env", "node_span", "redirects", "spans", "stdin", "wrappers")

    # no __init__ (see _new_call): _Call() without one costs less than object.__new__
    argv: list[Value]
    spans: list[tuple[int, int]]
    env: tuple[tuple[str, Value], ...]
    redirects: tuple[Redirection, ...]
    stdin: Stdin
    cwd: tuple[Value, ...]
    node_span: tuple[int, int]
    wrappers: tuple[str, ...]

    def shifted(self, k: int) -> _Call:
        new = _new_call(
            self.argv[k:],
            self.spans[k:],
            self.env,
            self.redirects,
            self.stdin,
            self.cwd,
            self.node_span,
        )
        new.wrappers = self.wrappers
        return new


def _new_call(
    argv: list[Value],
    spans: list[tuple[int, int]],
    env: tuple[tuple[str, Value], ...],
    redirects: tuple[Redirection, ...],
    stdin: Stdin,
    cwd: tuple[Value, ...],
    node_span: tuple[int, int],
) -> _Call:
    call = _Call()
    call.argv = argv
    call.spans = spans
    call.env = env
    call.redirects = redirects
    call.stdin = stdin
    call.cwd = cwd
    call.node_span = node_span
    call.wrappers = ()
    return call


def _join_text(values: Sequence[Value], sep: str = " ") -> Value:
    pieces: list[object] = []
    for k, v in enumerate(values):
        if k:
            pieces.append(Lit(sep, True))
        pieces.extend(v.pieces)
    return Value(merge_pieces(pieces))  # type: ignore[arg-type]


def _shell_word(value: Value) -> Value:
    """``value`` as shell text that parses back to this one field: known text single-quoted
    (unquoted glob characters of a pattern stay bare), other pieces double-quoted (so the
    placeholder variable ``_payload_source`` binds them to is not split)."""
    out: list[object] = []
    for piece in value.pieces:
        if type(piece) is Lit:
            text = piece.text
            if value.pattern and not piece.quoted:
                import re

                # split at the glob characters (kept, at the odd positions): they stay bare
                for k, part in enumerate(re.split(r"([*?[\]])", text)):
                    if k % 2:
                        out.append(Lit(part, True))
                    elif part:
                        out.append(Lit("'" + part.replace("'", "'\\''") + "'", True))
            elif text:
                out.append(Lit("'" + text.replace("'", "'\\''") + "'", True))
        else:
            out.append(Lit('"', True))
            out.append(piece)
            out.append(Lit('"', True))
    if not out:
        out.append(Lit("''", True))
    return Value(merge_pieces(out))  # type: ignore[arg-type]


def _concat(a: Value, b: Value) -> Value:
    if not a.pieces:
        return b
    if not b.pieces:
        return a
    if len(a.pieces) + len(b.pieces) > _MAX_PIECES:
        # long outputs of unknown programs: keep the work bounded
        return _UNKNOWN_OUT
    return Value(merge_pieces(a.pieces + b.pieces))


def _strip_newlines(v: Value) -> Value:
    pieces = list(v.pieces)
    while pieces and type(pieces[-1]) is Lit:
        text = pieces[-1].text.rstrip("\n")
        if text:
            pieces[-1] = Lit(text, pieces[-1].quoted)
            break
        pieces.pop()
    return Value(tuple(pieces))


def _has_glob(text: str) -> bool:
    return "*" in text or "?" in text or "[" in text


def _ifs_split(text: str, ifs: str) -> list[str | None]:
    """Split known text on IFS; None marks a field boundary."""
    out: list[str | None] = []
    buf: list[str] = []
    for c in text:
        if c in ifs:
            if c in " \t\n":
                if buf:
                    out.append("".join(buf))
                    buf = []
                    out.append(None)
                elif not out or out[-1] is not None:
                    out.append(None)
            else:
                out.append("".join(buf))
                buf = []
                out.append(None)
        else:
            buf.append(c)
    if buf:
        out.append("".join(buf))
    return out


def _fields(atoms: list[Atom], ifs: str | None) -> list[Value]:
    """Word splitting and field construction from expansion atoms (§5.2 items 7–9)."""
    fields: list[Value] = []
    cur: list[object] = []
    exists = pattern = split = False
    for piece, mode in atoms:
        if mode == _U:
            cur.append(piece)
            exists = True
            if _has_glob(piece.text):  # type: ignore[attr-defined]
                pattern = True
        elif mode == _Q:
            if piece is not None:
                cur.append(piece)
            exists = True
        elif mode == _EQ:
            exists = True
        elif mode == _BRK:
            fields.append(Value(merge_pieces(cur), pattern, split))  # type: ignore[arg-type]
            cur = []
            exists = pattern = split = False
        elif mode == _SEP:
            if exists or cur:
                fields.append(Value(merge_pieces(cur), pattern, split))  # type: ignore[arg-type]
            cur = []
            exists = pattern = split = False
        else:
            kind = type(piece)
            if kind is Lit:
                text = piece.text  # type: ignore[attr-defined]
                # any(c in ifs for c in text), as C substring tests over the few IFS
                # characters without a generator's frame
                has_ifs = False
                if ifs:
                    for c in ifs:
                        if c in text:
                            has_ifs = True
                            break
                if has_ifs:
                    for chunk in _ifs_split(text, ifs):  # type: ignore[arg-type]
                        if chunk is None:
                            if exists or cur:
                                fields.append(Value(merge_pieces(cur), pattern, split))  # type: ignore[arg-type]
                            cur = []
                            exists = pattern = split = False
                        else:
                            cur.append(Lit(chunk))
                            exists = True
                            if _has_glob(chunk):
                                pattern = True
                elif text:
                    cur.append(piece)
                    exists = True
                    if _has_glob(text):
                        pattern = True
            elif kind is Unknown:
                cur.append(piece)
                exists = True
                if ifs:
                    split = True
            else:
                cur.append(piece)
                exists = True
    if exists:
        fields.append(Value(merge_pieces(cur), pattern, split))  # type: ignore[arg-type]
    return fields


def _new_map(
    keys: Sequence[Value], values: Sequence[Value]
) -> tuple[tuple[Value, ...] | None, ...]:
    """The _MAP entry of an associative array: its keys and its values, in the same order."""
    return (tuple(keys), tuple(values))


def _map_of(state: _State, name: str) -> tuple[list[str | None], tuple[Value, ...]] | None:
    """The keys (as text) and values of associative array NAME while NAME still holds them
    (any other change to NAME leaves the entry stale: None)."""
    entry = state.vars.get(name + _MAP)
    if entry is None or len(entry) != 2 or entry[0] is None or entry[1] is None:
        return None
    keys, values = entry[0], entry[1]
    current = state.vars.get(name)
    if values:
        if current != tuple((v,) for v in values):
            return None
    elif current not in ((), ((),), ((_EMPTY,),)):
        return None
    return [k.text for k in keys], values


class _Placed(tuple):  # type: ignore[type-arg]
    """The elements of ``A+=([i]=v …)`` at their subscripts (holes elsewhere): appended by
    overlaying them on the array, not after its end (_Walker._assign)."""

    __slots__ = ()


def _overlay(old: tuple[Value, ...], placed: tuple[Value, ...]) -> tuple[Value, ...]:
    cells = list(old) + [_HOLE] * (len(placed) - len(old))
    for i, v in enumerate(placed):
        if v is not _HOLE:
            cells[i] = v
    return tuple(cells)


def _map_set(
    state: _State, name: str, key: str, alts: tuple[tuple[Value, ...] | None, ...]
) -> bool:
    """``M[key]=v`` on associative array NAME whose keys are known (_MAP), for one known
    value: the map stays known. False when it cannot (the caller's keyed reading)."""
    found = _map_of(state, name)
    if found is None or len(alts) != 1 or not alts[0]:
        return False
    keys, values = found
    value = alts[0][0]
    if key in keys:
        at = keys.index(key)
        values = (*values[:at], value, *values[at + 1 :])
        new_keys = [lit(k or "") for k in keys]
    else:
        values = (*values, value)
        new_keys = [*(lit(k or "") for k in keys), lit(key)]
    if len(values) > MAX_ALTS:
        return False
    state.vars[name] = tuple((v,) for v in values)
    state.vars[name + _MAP] = _new_map(new_keys, values)
    return True


def _element_assigned(
    state: _State, name: str, text: str | None, alts: tuple[tuple[Value, ...] | None, ...]
) -> tuple[tuple[Value, ...] | None, ...] | None:
    """The alternatives of array NAME after ``NAME[i]=v``, when they stay known: a known
    subscript ``text`` (a number or an arithmetic expression over known variables: ``2``,
    ``i``, ``1+1``; negative counts from the end) that replaces an element or extends the
    array, once per alternative of the value (``A[2]=${T:-src}``); the gap before a far
    subscript is holes (_HOLE). An unset NAME may hold an inherited string, element 0: it
    is unknown. An unknown alternative stays unknown. None otherwise (the caller's keyed
    reading)."""
    if text is None or (name + _KEYED) in state.vars:
        return None
    if text.isdigit():
        index = int(text)
    else:
        try:
            index = _arith(text, state)
        except ValueError:
            return None
    values: list[Value] = []
    for alt in alts:
        if alt is None or len(alt) != 1:
            return None
        values.append(alt[0])
    old = state.vars.get(name)
    if old is None:
        if index < 0:
            return None
        old = ((),) if index == 0 else ((Value((Unknown("$" + name),)),),)
    out: list[tuple[Value, ...] | None] = []
    for fields in old:
        if fields is None:
            # an array that may hold anything (`true && A[0]=x` leaves A unknown or (x)): it
            # still does, while the known alternatives keep their order (`"${A[@]}"`)
            out.append(None)
            continue
        i = index
        if i < 0:
            i += len(fields)  # ${A[-1]}: the last element (holes count: they are positions)
            if i < 0:
                return None  # bash: bad array subscript; the assignment does not happen
        if i > len(fields) + 64:
            return None
        # a[3]=v on (a b): bash keeps the gap unset, a hole here, so "${a[@]}" keeps the
        # order and ${a[3]} is v
        fields = (*fields, *(_HOLE,) * (i - len(fields)))
        for value in values:
            out.append((*fields[:i], value, *fields[i + 1 :]))
    if len(out) > MAX_ALTS or (len(out) == 1 and out[0] is None):
        return None
    return tuple(dict.fromkeys(out))


# --- brace expansion ------------------------------------------------------------------------

_PH = 0xE000  # private-use placeholders for parts that braces cannot see


_BRACE_RE: list[re.Pattern[str]] = []  # compiled at first use


def _brace_expand(text: str) -> list[str] | None:
    """bash brace expansion of a string; None when it would exceed MAX_BRACE results.

    One pass pairs every '{' with its '}' and gives each group its top-level commas, so the
    expansion never rescans: the work is linear in the text (plus the results' size, which
    MAX_BRACE bounds), however many '{' there are (§4, §4.5)."""
    if not _BRACE_RE:
        import re

        _BRACE_RE.append(re.compile(r"[{},]"))
    close: dict[int, int] = {}
    commas: dict[int, list[int]] = {}
    nested: set[int] = set()  # groups holding another '{': never a sequence
    stack: list[int] = []
    for m in _BRACE_RE[0].finditer(text):
        j = m.start()
        c = text[j]
        if c == "{":
            if stack:
                nested.add(stack[-1])
            stack.append(j)
        elif not stack:
            continue
        elif c == "}":
            close[stack.pop()] = j
        else:
            top = stack[-1]
            group = commas.get(top)
            if group is None:
                commas[top] = [j]
            else:
                group.append(j)
    if not close:
        return [text]
    return _brace_range(text, 0, len(text), close, commas, nested, 0)


def _brace_range(
    text: str,
    lo: int,
    hi: int,
    close: dict[int, int],
    commas: dict[int, list[int]],
    nested: set[int],
    depth: int,
) -> list[str] | None:
    """The expansion of text[lo:hi], whose braces ``_brace_expand`` has paired."""
    if depth > MAX_BRACE:
        # each level of nested comma groups adds at least one result: past MAX_BRACE levels
        # the results are over the limit (and the recursion stays bounded)
        return None
    results = [""]
    pending: list[str] = []  # text to append to every result (joined once, not per group)
    i = start = lo
    while True:
        i = text.find("{", i, hi)  # the next opening brace, not a loop step per character
        if i < 0:
            break
        end = close.get(i, -1)
        if end < 0:
            i += 1
            continue
        group = commas.get(i)
        if group is not None:
            expanded: list[str] = []
            a = i + 1
            for b in (*group, end):
                if text.find("{", a, b) >= 0:
                    sub = _brace_range(text, a, b, close, commas, nested, depth + 1)
                    if sub is None:
                        return None
                    expanded.extend(sub)
                else:
                    expanded.append(text[a:b])
                if len(expanded) > MAX_BRACE:
                    return None
                a = b + 1
        elif i in nested:
            i += 1
            continue
        else:
            seq = _brace_sequence(text[i + 1 : end])
            if seq is None:
                i += 1
                continue
            if not seq:
                return None  # a sequence over the limit (§4.5)
            expanded = seq
        pending.append(text[start:i])
        if len(expanded) == 1:
            pending.append(expanded[0])
        else:
            prefix = "".join(pending)
            pending = []
            results = [r + prefix + x for r in results for x in expanded]
            if len(results) > MAX_BRACE:
                return None
        i = start = end + 1
    pending.append(text[start:hi])
    tail = "".join(pending)
    return [r + tail for r in results]


def _closing_brace(text: str, i: int) -> int:
    """The index of the '}' that closes the '{' at i, or -1."""
    j = text.find("}", i + 1)
    if j < 0 or text.find("{", i + 1, j) < 0:
        return j  # no nested group: the first '}' closes it (no loop step per character)
    depth = 0
    for k in range(i, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return -1


_SEQ_RE: list[re.Pattern[str]] = []  # compiled at first use


def _brace_sequence(inner: str) -> list[str] | None:
    """The values of a sequence expression ``{a..b[..step]}``: None when ``inner`` is not
    one, an empty list when it has more than MAX_BRACE values."""
    if not _SEQ_RE:
        import re

        _SEQ_RE.append(
            re.compile(
                r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?|([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?"
            )
        )
    m = _SEQ_RE[0].fullmatch(inner)
    if m is None:
        return None
    if m.group(4):
        a, b = ord(m.group(4)), ord(m.group(5))
        size = abs(int(m.group(6))) if m.group(6) and int(m.group(6)) else 1  # {a..z..2}
        step = size if b >= a else -size
        if abs(b - a) // size + 1 > MAX_BRACE:
            return []
        return [chr(c) for c in range(a, b + (1 if step > 0 else -1), step)]
    a_text, b_text = m.group(1), m.group(2)
    a, b = int(a_text), int(b_text)
    step = abs(int(m.group(3))) if m.group(3) and int(m.group(3)) else 1
    if abs(b - a) // step + 1 > MAX_BRACE:
        return []
    width = 0
    if (len(a_text) > 1 and a_text.lstrip("-").startswith("0")) or (
        len(b_text) > 1 and b_text.lstrip("-").startswith("0")
    ):
        width = max(len(a_text), len(b_text))
    values = range(a, b + 1, step) if b >= a else range(a, b - 1, -step)
    return [str(v).zfill(width) if width else str(v) for v in values]


# --- literal producers --------------------------------------------------------------------

_ECHO_ESC = {
    "n": "\n",
    "t": "\t",
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "f": "\f",
    "r": "\r",
    "v": "\v",
}


def _echo_escapes(text: str) -> tuple[str, bool]:
    """Decode ``echo -e`` / ``%b`` escapes; the flag is true when ``\\c`` ended output."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            e = text[i + 1]
            if e == "c":
                return "".join(out), True
            if e in _ECHO_ESC:
                out.append(_ECHO_ESC[e])
                i += 2
                continue
            if e == "0" or e in "x":
                j = i + 2
                digits = "01234567" if e == "0" else "0123456789abcdefABCDEF"
                width = 3 if e == "0" else 2
                while j < n and j < i + 2 + width and text[j] in digits:
                    j += 1
                if j > i + 2 or e == "0":
                    digits_text = text[i + 2 : j] or "0"
                    out.append(chr(int(digits_text, 8 if e == "0" else 16)))
                    i = j
                    continue
            out.append(c)
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out), False


_FORMAT_WIDTH = {"x": (2, 16), "u": (4, 16), "U": (8, 16)}


def _format_escape(fmt: str, i: int) -> tuple[str, int, bool]:
    """One escape of a printf FORMAT at ``fmt[i] == "\\"``: ``(text, next index, stop)``.

    Unlike ``echo -e``/``%b``, octal escapes need no leading 0 (``\\NNN``, 1-3 digits), and
    ``\\xHH``, ``\\uHHHH``, ``\\UHHHHHHHH`` are decoded as bash's printf does.
    """
    e = fmt[i + 1]
    if e in "01234567":
        j = i + 1
        while j < len(fmt) and j < i + 4 and fmt[j] in "01234567":
            j += 1
        return chr(int(fmt[i + 1 : j], 8)), j, False
    if e in _FORMAT_WIDTH:
        width, base = _FORMAT_WIDTH[e]
        digits = "0123456789abcdefABCDEF"
        j = i + 2
        while j < len(fmt) and j < i + 2 + width and fmt[j] in digits:
            j += 1
        if j > i + 2:
            try:
                return chr(int(fmt[i + 2 : j], base)), j, False
            except (ValueError, OverflowError):
                return "", j, False
        return fmt[i : i + 2], i + 2, False
    if e in "\"'?":
        return e, i + 2, False
    decoded, stop = _echo_escapes(fmt[i : i + 2])
    return decoded, i + 2, stop


def _printf(fmt: str, args: list[str]) -> str | None:
    """printf with %s %b %c %d %% and escapes; None for other conversions."""
    out: list[str] = []
    k = 0
    while True:
        i = 0
        n = len(fmt)
        used = False
        while i < n:
            c = fmt[i]
            if c == "%" and i + 1 < n:
                j = i + 1
                while j < n and fmt[j] in "-+ #0123456789.":
                    j += 1
                if j >= n:
                    return None
                conv = fmt[j]
                if conv == "%":
                    out.append("%")
                elif conv in "sbcd":
                    arg = args[k] if k < len(args) else ""
                    used = True
                    k += 1
                    if conv == "b":
                        arg = _echo_escapes(arg)[0]
                    elif conv == "c":
                        arg = arg[:1]
                    elif conv == "d":
                        arg = arg if arg.lstrip("-").isdigit() else "0"
                    out.append(arg)
                else:
                    return None
                i = j + 1
            elif c == "\\":
                if i + 1 >= n:
                    out.append("\\")
                    i += 1
                    continue
                decoded, i, stop = _format_escape(fmt, i)
                out.append(decoded)
                if stop:
                    return "".join(out)
            else:
                out.append(c)
                i += 1
        if not used or k >= len(args):
            break
    return "".join(out)


# --- the walker -----------------------------------------------------------------------------


_HOME: dict[str | None, Value] = {}

# modules imported at their first use, so that importing walk.py stays light (hot path),
# and read from here later: an import statement inside a function costs a few thousand
# instructions at every call, even when the module is loaded already
_MODULES: dict[str, Any] = {}


def _module(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        __import__(name)
        module = _MODULES[name] = sys.modules[name]
    return module


# the value of a plain literal word (one unquoted literal without braces), by the word's
# parts: AST nodes are never changed once built, and the parser shares the parts of its
# commonest words across parses, so one lookup replaces the per-word tests of _expand_words;
# bounded like lit()'s cache
_PLAIN_WORDS: dict[tuple[object, ...], Value] = {}
_PLAIN_WORDS_SIZE = 4096
_PLAIN_WORDS_TEXT = 256
# canonical_name of a command word's text without "/" (its lower case without ".exe"), by
# the text; bounded like _PLAIN_WORDS
_BARE_NAMES: dict[str, str] = {}


def _home_value() -> Value:
    """``Sym(HOME)`` with the guard user's home, computed once per value of ``$HOME``
    (values are immutable, so one is shared)."""
    try:
        key: str | None = os.environ["HOME"]  # not .get: one Python frame less per walk
    except KeyError:
        key = None
    value = _HOME.get(key)
    if value is None:
        _HOME.clear()
        value = Value((Sym(HOME, path=os.path.expanduser("~")),))
        _HOME[key] = value
    return value


# GNU and BSD xargs options: a first word that is none of them makes xargs refuse to run, so
# `$CC -c "$SRC"` has no xargs reading (§10.2 asks for a plausible program)
_XARGS_SHORT = frozenset("0adEeIiLlnoPprSstx")
_XARGS_LONG = (
    "--null",
    "--arg-file",
    "--delimiter",
    "--eof",
    "--replace",
    "--max-lines",
    "--max-args",
    "--open-tty",
    "--max-procs",
    "--interactive",
    "--process-slot-var",
    "--no-run-if-empty",
    "--max-chars",
    "--show-limits",
    "--verbose",
    "--exit",
    "--help",
    "--version",
)


def _xargs_could_take(first: str | None) -> bool:
    """Whether xargs accepts ``first`` as its first argument (an unknown word might be one)."""
    if first is None or first[:1] != "-" or first in ("-", "--"):
        return True
    if first[:2] == "--":
        name = first.split("=", 1)[0]
        return any(option.startswith(name) for option in _XARGS_LONG)
    return first[1] in _XARGS_SHORT


class _Walker:
    __slots__ = (
        "_home",
        "active_calls",
        "alias_defs",
        "aliases",
        "and_ctx",
        "attrs",
        "command",
        "cwd",
        "defined",
        "errors",
        "files",
        "fresh",
        "git_config",
        "in_alias",
        "late_traps",
        "limit",
        "loop_walks",
        "moved",
        "need_output",
        "out",
        "payload_chars",
        "payloads",
        "procsubs",
        "trap_floor",
        "used_aliases",
        "used_funcs",
    )

    # no __init__: walk_in, the only place that makes a walker, stores every field (a class
    # call with an __init__ frame costs more than the stores, once per walk)
    command: str
    out: list[Command]
    _home: Value | None  # read from the environment on first use
    cwd: str
    payloads: int
    limit: str | None
    errors: list[tuple[str, tuple[int, int]]]
    aliases: Mapping[str, tuple[Value, tuple[int, int]]]
    # the three name sets start as the shared empty frozenset and are replaced, never
    # changed in place, on their rare updates: no set() call per walk for each
    used_aliases: frozenset[str]
    used_funcs: frozenset[int]
    # the function calls being expanded right now: (id of the definition, arguments)
    active_calls: Sequence[tuple[int, tuple[Value, ...], set[str]]]
    defined: Sequence[tuple[str, FunctionDef, _State, _Ctx]]
    alias_defs: Sequence[tuple[str, Value, _State, _Ctx, tuple[int, int]]]
    files: Mapping[str, Value]
    # mv DST → the path it came from, for deletions of the moved tree later in the command
    moved: Mapping[str, str]
    git_config: Sequence[tuple[str, Value | None]]
    fresh: int
    procsubs: Mapping[int, Value]
    in_alias: frozenset[str]
    # > 0 while some consumer reads the current command's output (pipe, substitution,
    # redirection into a file): outputs are computed only then
    need_output: int
    payload_chars: int
    # extra walks of loop bodies spent on long value lists (_for_chunks), at most _LOOP_WALKS
    loop_walks: int
    # the context of the later items of an unconditional `a && b && c` chain: an unset
    # of git config there holds for the rest of the chain (each item runs only after the
    # ones before it succeeded), and not after it
    and_ctx: _Ctx | None
    # trap CMD SIGNAL…: (CMD, where it starts, its context, its signals), judged again when
    # its shell ends; the current shell's traps start at trap_floor (a subshell or a shell
    # payload starts its own: a reset there leaves the outer shell's traps alone)
    late_traps: Sequence[tuple[Value, int, _Ctx, frozenset[str]]]
    trap_floor: int
    # declare -l/-u (the case every later assignment gets) and declare -n (a name reference:
    # NAME -> its target); per walk, not per scope
    attrs: Mapping[str, str]

    @property
    def home_value(self) -> Value:
        """``Sym(HOME)`` for this walk."""
        value = self._home
        if value is None:
            value = self._home = _home_value()
        return value

    @property
    def home(self) -> str:
        """The home directory's path for this walk."""
        return self.home_value.pieces[0].path or "/"  # type: ignore[union-attr]

    # the tables and lists of the walk, made its own at their first write (see _NO_ENTRIES)

    def _own_aliases(self) -> dict[str, tuple[Value, tuple[int, int]]]:
        aliases = self.aliases
        if type(aliases) is dict:
            return aliases
        new: dict[str, tuple[Value, tuple[int, int]]] = {}
        self.aliases = new
        return new

    def _own_files(self) -> dict[str, Value]:
        files = self.files
        if type(files) is dict:
            return files
        new: dict[str, Value] = {}
        self.files = new
        return new

    def _own_moved(self) -> dict[str, str]:
        moved = self.moved
        if type(moved) is dict:
            return moved
        new: dict[str, str] = {}
        self.moved = new
        return new

    def _own_procsubs(self) -> dict[int, Value]:
        procsubs = self.procsubs
        if type(procsubs) is dict:
            return procsubs
        new: dict[int, Value] = {}
        self.procsubs = new
        return new

    def _own_git_config(self) -> list[tuple[str, Value | None]]:
        config = self.git_config
        if type(config) is list:
            return config
        new: list[tuple[str, Value | None]] = []
        self.git_config = new
        return new

    def _own_active_calls(self) -> list[tuple[int, tuple[Value, ...], set[str]]]:
        calls = self.active_calls
        if type(calls) is list:
            return calls
        new: list[tuple[int, tuple[Value, ...], set[str]]] = []
        self.active_calls = new
        return new

    def _own_defined(self) -> list[tuple[str, FunctionDef, _State, _Ctx]]:
        defined = self.defined
        if type(defined) is list:
            return defined
        new: list[tuple[str, FunctionDef, _State, _Ctx]] = []
        self.defined = new
        return new

    def _own_alias_defs(self) -> list[tuple[str, Value, _State, _Ctx, tuple[int, int]]]:
        alias_defs = self.alias_defs
        if type(alias_defs) is list:
            return alias_defs
        new: list[tuple[str, Value, _State, _Ctx, tuple[int, int]]] = []
        self.alias_defs = new
        return new

    # -- entry -----------------------------------------------------------------------------

    def run(self, script: Script) -> None:
        # _new_state((lit(self.cwd),)) without its frame (one per walk: the hot path)
        state = _State()
        state.vars = {}
        # lit(self.cwd), from its cache without its frame when it is there (a Value is true)
        state.cwd = (_LIT_PLAIN.get(self.cwd) or lit(self.cwd),)
        state.oldcwd = _UNKNOWN_OLDPWD
        state.funcs = _NO_ENTRIES
        state.exported = _NO_NAMES
        state.pos = None
        state.ifs = _DEFAULT_IFS
        # _new_ctx(self.command) without its frame (one per walk: the hot path)
        ctx = _Ctx()
        ctx.via = ()
        ctx.src = self.command
        ctx.offset = 0
        ctx.exact = True
        ctx.outer = (0, len(self.command))
        ctx.dry = ctx.deferred = ctx.cond = ctx.defined_only = False
        ctx.reading = 0
        if script.malformed:
            ctx.reading = 1
        self._guarded_list(script.body, state, ctx)
        if self.late_traps:
            try:
                self._late_traps(0, state)
            except _Limit as exc:
                self.limit = self.limit or exc.kind
            except RecursionError:
                self.limit = self.limit or "depth"
        for number, reading in script.readings:
            rctx = _new_ctx(self.command)
            rctx.reading = number
            rctx.via = (("lenient-reading", reading.body.span, f"reading {number}"),)
            self._guarded_list(reading.body, _new_state((lit(self.cwd),)), rctx)
        if self.defined or self.alias_defs:
            self._unused_definitions()

    def _subshell_list(self, body: List, sub: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        """``_list`` of a subshell's body (``( … )``, ``$( … )``, ``<( … )``, a pipeline's
        element before the last) in ``sub``, its own state: the traps it sets run when it
        ends, in its final state, and a reset there leaves the outer shell's traps alone."""
        traps = len(self.late_traps)
        floor, self.trap_floor = self.trap_floor, traps
        try:
            out = self._list(body, sub, ctx, stdin)
        finally:
            self.trap_floor = floor
        if len(self.late_traps) > traps:
            self._late_traps(traps, sub)
            del self.late_traps[traps:]  # type: ignore[attr-defined]
        return out

    def _late_traps(self, since: int, state: _State) -> None:
        """A trap runs later than it is set (an EXIT trap when its shell ends): the commands of
        the traps set since ``since`` are judged again in ``state``, that shell's final state,
        where later definitions and assignments hold (``trap cleanup EXIT`` before
        ``cleanup() {…}``, ``trap 'rm -rf "$W"' EXIT`` before ``W=src``; §5.6, §6.4)."""
        for text, at, tctx, _ in self.late_traps[since:]:
            self._payload_text(text, state.copy(), tctx, exact_at=at)

    def _guarded_list(self, body: List, state: _State, ctx: _Ctx) -> None:
        try:
            # the commonest script, one simple command in the foreground: _list's dispatch
            # without its frame. Exactly _list's walk of it: one item paired with one separator
            # that is not "&", so the same _simple call in the same ctx; _list's merge of a
            # failed cd's cwd only reaches commands after it, and there are none (state is the
            # walk's own, dropped when this returns; definitions kept for _unused_definitions
            # hold copies of it)
            items = body.items
            seps = body.seps
            if len(items) == 1 and len(seps) == 1 and seps[0] != "&":
                item = items[0]
                first = item.items[0].commands
                if len(first) == 1 and not item.ops and type(first[0]) is Simple:
                    self._simple(first[0], state, ctx, _INHERITED)
                    return
            self._list(body, state, ctx, _INHERITED)
        except _Limit as exc:
            if self.limit is None:
                self.limit = exc.kind
        except RecursionError:
            if self.limit is None:
                self.limit = "depth"

    def _unused_definitions(self) -> None:
        for name, node, state, ctx in self.defined:
            if id(node) in self.used_funcs:
                continue
            dctx = ctx.hop("function", node.span, f"definition {name}")
            dctx.defined_only = True
            dctx.cond = True
            try:
                self._command(node.body, state.copy(), dctx, _INHERITED)
            except _Limit as exc:
                self.limit = self.limit or exc.kind
        for name, value, state, ctx, span in self.alias_defs:
            if name in self.used_aliases:
                continue
            actx = ctx.hop("alias", span, f"definition {name}")
            actx.defined_only = True
            try:
                self._payload_text(value, state.copy(), actx, exact_at=-1)
            except _Limit as exc:
                self.limit = self.limit or exc.kind

    # -- emission --------------------------------------------------------------------------

    def _emit(self, call: _Call, name: str | None, ctx: _Ctx, state: _State) -> None:
        out = self.out
        if len(out) >= MAX_COMMANDS:
            raise _Limit("commands")
        span = call.node_span
        gitcfg: tuple[tuple[str, Value | None], ...] = ()
        if name == "git" or (name is not None and name[:4] == "git-"):  # no startswith: hot
            # _git_config_for's commonest case (no prefix variables) without its frame
            gitcfg = (
                self._git_config_for(call) if call.env or self.files else tuple(self.git_config)
            )
        # ctx.span(span) and ctx.text(span) written out, without their two frames
        exact = ctx.exact
        base = ctx.offset
        if exact:
            text = ctx.src[span[0] : span[1]]
            where = (span[0] + base, span[1] + base) if base else span
        else:
            where = ctx.outer
            src = ctx.src
            text = src[span[0] - base : span[1] - base] if base else src[span[0] : span[1]]
        # the record built with slot stores, without Command.__init__'s frame (every field set)
        record = _new_object(Command)
        record.argv = tuple(call.argv)
        record.name = name
        record.wrappers = call.wrappers
        record.env = call.env
        record.redirects = call.redirects
        record.stdin = call.stdin
        record.cwd = call.cwd
        record.via = ctx.via
        record.span = where
        record.text = text
        record.span_exact = exact
        record.dry = ctx.dry
        record.deferred = ctx.deferred
        record.reading = ctx.reading
        record.git_config = gitcfg
        record.defined_only = ctx.defined_only
        out.append(record)
        if self.moved and name in _DELETERS_OF_MOVED:
            self._moved_reading(call, name, ctx, state)

    def _moved_reading(self, call: _Call, name: str, ctx: _Ctx, state: _State) -> None:
        """``mv src node_modules && rm -rf node_modules``: a deletion of a path that an
        earlier ``mv`` filled is judged again on the path the content came from."""
        moves = sorted(self.moved.items(), key=lambda m: -len(m[0]))
        argv: list[Value] = [call.argv[0]]
        changed = False
        for v in call.argv[1:]:
            argv.append(v)
            text = v.text
            if text is None or text.startswith("-"):
                continue
            path = self._resolve(v, call.cwd)
            if path is None:
                continue
            inside = path.rstrip("/") + "/"
            found: list[Value] = []
            for dst, origin in moves:
                if path == dst or path.startswith(dst.rstrip("/") + "/"):
                    argv[-1] = lit(origin + path[len(dst) :], True)
                    found = []
                    changed = True
                    break
                if dst.startswith(inside) and name != "rsync":
                    moved_tree = lit(origin, True)  # it goes with its new parent directory
                    if moved_tree not in found:
                        found.append(moved_tree)
            if found:
                argv.extend(found)
                changed = True
        if changed:
            moved = self.moved
            self.moved = _NO_ENTRIES  # the origins are judged as they are, once
            try:
                spans = [call.spans[0]] * len(argv)
                sub = _new_call(
                    argv, spans, call.env, call.redirects, call.stdin, call.cwd, call.node_span
                )
                sub.wrappers = call.wrappers
                self._emit(sub, name, ctx, state)
            finally:
                self.moved = moved

    # -- lists and compounds ---------------------------------------------------------------

    def _join(self, state: _State, other: _State) -> bool:
        """``state`` becomes "``state`` or ``other``": what follows a region that may or may
        not have run (a branch, a loop body, the right of ``&&`` or ``||``, the last element
        of a pipeline) sees the values of both (§5.3, §5.5). Inside the region its
        assignments replace values, as in any list, so the rest of the region sees them
        alone; only here do they become alternatives. True when ``state`` changed."""
        changed = False
        svars = state.vars
        ovars = other.vars
        names: list[str] | None = None
        for name, alts in ovars.items():
            if svars.get(name) is not alts:
                if names is None:
                    names = []
                names.append(name)
        if len(svars) > len(ovars) - (len(names) if names else 0):
            # names the other state lacks (another branch's, or a keyed mark it dropped)
            for name in svars:
                if name not in ovars:
                    if names is None:
                        names = []
                    names.append(name)
        if names:
            done: set[str] = set()
            for name in names:
                if name[-2:] == _KEYED:
                    name = name[:-2]
                if name in done:
                    continue
                done.add(name)
                mine = svars.get(name)
                if mine is None:
                    mine = self._lookup(name, state)
                theirs = ovars.get(name)
                if theirs is None:
                    theirs = self._lookup(name, other)
                mark = name + _KEYED
                if mark in svars or mark in ovars:
                    # one side assigned by subscripts: both in the keyed form
                    if mark not in svars:
                        mine = _as_keyed(mine)
                    if mark not in ovars:
                        theirs = _as_keyed(theirs)
                    svars[mark] = ()
                joined = mine if mine == theirs else _dedupe(mine + theirs)
                if joined != svars.get(name):
                    changed = True
                svars[name] = joined
                if name == "IFS":
                    state.ifs = _ifs_of(svars[name])
        if other.cwd != state.cwd:
            cwd = _dedupe_values(state.cwd + other.cwd)
            changed = changed or cwd != state.cwd
            state.cwd = cwd
        if other.oldcwd != state.oldcwd:
            state.oldcwd = _dedupe_values(state.oldcwd + other.oldcwd)
        if other.funcs is not state.funcs and other.funcs:
            for fname, func in other.funcs.items():
                if state.funcs.get(fname) is not func:
                    _own_funcs(state)[fname] = func  # a definition that may have run
        if other.exported and not other.exported <= state.exported:
            _own_exported(state).update(other.exported)
        # positional parameters keep one value: the last one set (`set --` in a branch)
        if other.pos is not state.pos:
            state.pos = other.pos
        return changed

    def _loop_body(self, body: List, state: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        """A loop body: walked in a state of its own and joined, as it may not run (_join).
        When that changed a value, a second iteration sees it (`for …; do rm -rf "$P";
        P=src; done`): the body is walked once more in the joined state, keeping only the
        records the first walk did not make. Such walks share _LOOP_WALKS with _for_chunks
        (nested loops would multiply them)."""
        start = len(self.out)
        branch = state.copy()
        output = self._list(body, branch, ctx, stdin)
        if not self._join(state, branch) or self.loop_walks >= _LOOP_WALKS:
            return output
        self.loop_walks += 1
        mark = len(self.out)
        again = state.copy()
        out = self._list(body, again, ctx, stdin)
        if self.need_output:
            output = _concat(output, out)
        self._join(state, again)
        first = {_record_key(r) for r in self.out[start:mark]}
        self.out[mark:] = [r for r in self.out[mark:] if _record_key(r) not in first]
        return output

    def _list(self, node: List, state: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        output = _EMPTY
        for item, sep in zip(node.items, node.seps):
            if sep == "&":
                bctx = ctx.clone()
                bctx.deferred = True
                out = self._and_or(item, state, bctx, stdin)
            else:
                first = item.items[0].commands
                if not item.ops and len(first) == 1 and type(first[0]) is Simple:
                    # _and_or's commonest item, one simple command, without its frame
                    before = state.cwd
                    out = self._simple(first[0], state, ctx, stdin)
                    if state.cwd != before:
                        # a failed cd leaves the old cwd in place (§5.5), as in _and_or
                        state.cwd = _dedupe_values(state.cwd + before)
                else:
                    out = self._and_or(item, state, ctx, stdin)
            if self.need_output:
                output = _concat(output, out)
        return output

    def _and_or(self, node: AndOr, state: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        before = state.cwd
        first = node.items[0].commands
        if len(first) == 1 and type(first[0]) is Simple:
            # the commonest pipeline, one simple command: _pipeline's and _command's dispatch
            # to _simple, without their two frames
            output = self._simple(first[0], state, ctx, stdin)
        else:
            output = self._pipeline(node.items[0], state, ctx, stdin)
        if node.ops:
            cctx = ctx.clone()
            cctx.cond = True
            chain = not ctx.cond
            if chain:
                for op in node.ops:  # all(op == "&&" ...) without a generator's frame
                    if op != "&&":
                        chain = False
                        break
            if chain:
                outer, self.and_ctx = self.and_ctx, cctx
                mark = len(self.git_config)
            try:
                # ran: the state after the last item that ran; skipped: the states of the
                # paths that skipped it. Each item runs in a state of its own (_join)
                ran = state
                skipped: _State | None = None
                prev = ""
                for op, item in zip(node.ops, node.items[1:]):
                    entry = ran.copy()
                    if skipped is None:
                        skipped = ran
                    elif op != prev:
                        # `a && b || c`: c runs when a failed (b skipped) or b failed
                        self._join(entry, skipped)
                        skipped = ran
                    else:
                        # `a && b && c`: c runs only after b; a failed a skips both
                        self._join(skipped, ran)
                    if op == "||" and entry.cwd != before:
                        entry.cwd = _dedupe_values(entry.cwd + before)
                    out = self._pipeline(item, entry, cctx, stdin)
                    if self.need_output:
                        output = _concat(output, out)
                    ran = entry
                    prev = op
                if skipped is not state:
                    state.take(skipped)  # type: ignore[arg-type]
                self._join(state, ran)
            finally:
                if chain:
                    self.and_ctx = outer
                    # after the chain, an unset in it may not have run: the value set before
                    # it counts again (toward protection)
                    config = self.git_config
                    if len(config) > mark:  # entries were added: a list of the walk's own
                        kept = [e for e in config[mark:] if e[1] is not None]
                        self._own_git_config()[mark:] = kept
        if state.cwd != before:
            # a failed cd leaves the old cwd in place for every later command (§5.5)
            state.cwd = _dedupe_values(state.cwd + before)
        return output

    def _pipeline(self, node: Pipeline, state: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        commands = node.commands
        if len(commands) == 1:
            return self._command(commands[0], state, ctx, stdin)
        current = stdin
        output = _EMPTY
        last = len(commands) - 1
        for k, cmd in enumerate(commands):
            sub = state.copy()
            if k == last:
                output = self._command(cmd, sub, ctx, current)
                self._join(state, sub)
            else:
                self.need_output += 1
                traps = len(self.late_traps)
                try:
                    output = self._command(cmd, sub, ctx, current)
                finally:
                    self.need_output -= 1
                if len(self.late_traps) > traps:
                    # an element before the last runs in a subshell: its traps run when it
                    # ends (a reset there is not seen: the outer traps stay, toward protection)
                    self._late_traps(traps, sub)
                    del self.late_traps[traps:]  # type: ignore[attr-defined]
            producer = self._producer_of(output)
            current = Stdin("pipe", output if output.pieces else None, producer=producer)
        return output

    def _producer_of(self, output: Value) -> Producer | None:
        if len(output.pieces) == 1 and type(output.pieces[0]) is Unknown:
            return output.pieces[0].producer
        if output.text is not None:
            return Producer("literal")
        return None

    def _command(self, node: object, state: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        kind = type(node)
        if kind is Simple:
            return self._simple(node, state, ctx, stdin)  # type: ignore[arg-type]
        redirects = getattr(node, "redirects", ())
        if redirects:
            resolved, stdin, stdout = self._redirects(redirects, state, ctx, stdin)
            self._redirect_record(resolved, node.span, state, ctx, stdin)  # type: ignore[attr-defined]
            if stdout:
                # { …; } > FILE, ( … ) > FILE, if/for/while/case … > FILE: the file holds
                # the output of the commands inside (§5.4, §5.7); its path is resolved in
                # the cwd the compound starts in
                cwd = state.cwd
                self.need_output += 1
                try:
                    output = self._compound(node, kind, state, ctx, stdin)
                finally:
                    self.need_output -= 1
                self._record_written(resolved, output, cwd)
                return _EMPTY
        return self._compound(node, kind, state, ctx, stdin)

    def _compound(self, node: object, kind: type, state: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        """A compound command's body (its redirections done by :meth:`_command`)."""
        if kind is Subshell or kind is Group:
            body = node.body  # type: ignore[attr-defined]
            if kind is Subshell:
                return self._subshell_list(body, state.copy(), ctx, stdin)
            return self._list(body, state, ctx, stdin)
        cctx = ctx.clone()
        cctx.cond = True
        # a body that may not run walks a state of its own, joined afterwards (_join): its
        # assignments replace values for the rest of the body (§5.3)
        if kind is If:
            output = _EMPTY
            branches: list[_State] = []
            # state: the path on which every condition so far was false
            for cond, body in node.clauses:  # type: ignore[attr-defined]
                output = _concat(output, self._list(cond, state, cctx, stdin))
                branch = state.copy()
                output = _concat(output, self._list(body, branch, cctx, stdin))
                branches.append(branch)
            if node.else_body is not None:  # type: ignore[attr-defined]
                output = _concat(output, self._list(node.else_body, state, cctx, stdin))  # type: ignore[attr-defined]
            for branch in branches:
                self._join(state, branch)
            return output
        if kind is While or kind is Until:
            # the condition runs at least once (`while read f` assigns f for the body)
            a = self._list(node.cond, state, ctx, stdin)  # type: ignore[attr-defined]
            return _concat(a, self._loop_body(node.body, state, cctx, stdin))  # type: ignore[attr-defined]
        if kind is For or kind is Select:
            return self._for(node, state, cctx, stdin)  # type: ignore[arg-type]
        if kind is ArithFor:
            self._arith_parts(node.parts, state, ctx)  # type: ignore[attr-defined]
            return self._loop_body(node.body, state, cctx, stdin)  # type: ignore[attr-defined]
        if kind is Case:
            if node.word is not None:  # type: ignore[attr-defined]
                self._expand(node.word, state, ctx)  # type: ignore[attr-defined]
            output = _EMPTY
            branches = []
            for item in node.items:  # type: ignore[attr-defined]
                for pattern in item.patterns:
                    self._expand(pattern, state, ctx)
                branch = state.copy()
                output = _concat(output, self._list(item.body, branch, cctx, stdin))
                branches.append(branch)
            for branch in branches:
                self._join(state, branch)
            return output
        if kind is Cond:
            for word in node.words:  # type: ignore[attr-defined]
                self._expand(word, state, ctx)
            return _EMPTY
        if kind is ArithCmd:
            self._arith_parts(node.parts, state, ctx)  # type: ignore[attr-defined]
            return _EMPTY
        if kind is Coproc:
            bctx = ctx.clone()
            bctx.deferred = True
            self._command(node.command, state.copy(), bctx, stdin)  # type: ignore[attr-defined]
            return _EMPTY
        if kind is FunctionDef:
            name = node.name  # type: ignore[attr-defined]
            if node.body is not None:  # type: ignore[attr-defined]
                _own_funcs(state)[name] = (node, state.copy())
                self._own_defined().append((name, node, state.copy(), ctx))  # type: ignore[arg-type]
            return _EMPTY
        return _EMPTY

    def _redirect_record(
        self,
        redirects: tuple[Redirection, ...],
        span: tuple[int, int],
        state: _State,
        ctx: _Ctx,
        stdin: Stdin,
    ) -> None:
        """Redirections with no command word of their own (``> /dev/sda``, ``{ …; } >
        /dev/sda``) still open their targets for writing: a ``:`` record carries them to the
        redirection checks (§7.4), but only when a target may be a device path."""
        for r in redirects:
            if r.writes and r.target is not None and _may_be_device(r.target, state.cwd):
                break
        else:
            return
        call = _Call()
        call.argv = [_COLON]
        call.spans = [span]
        call.env = ()
        call.redirects = redirects
        call.stdin = stdin
        call.cwd = state.cwd
        call.node_span = span
        call.wrappers = ()
        self._emit(call, ":", ctx, state)

    def _for(self, node: For, state: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        if node.words is None:
            values: tuple[tuple[Value, ...] | None, ...] = (
                (None,) if state.pos is None else tuple((v,) for v in state.pos)
            )
        else:
            fields: list[Value] = []
            for word in node.words:
                alts = self._expand(word, state, ctx)
                for f in alts[0]:
                    fields.append(f)
                for alt in alts[1:]:
                    fields.extend(alt)
            if node.name:
                fields = [_loop_field(f, node.name) for f in fields]
            values = tuple((f,) for f in fields[: MAX_ALTS * 4])
            if node.name and len(values) > MAX_ALTS and self.loop_walks < _LOOP_WALKS:
                return self._for_chunks(node, values, len(fields) > len(values), state, ctx, stdin)
        if node.name:
            if self.attrs and self.attrs.get(node.name) not in _NO_OR_CASE_ATTR:
                # for R in A B, R a reference: bash makes R refer to A, then to B
                words = [v[0].text for v in values if v is not None and len(v) == 1]
                one = words[0] if len(values) == 1 and words else None
                self._own_attrs()[node.name] = one if one and _ref_name(one) else ""
            else:
                old = state.vars.get(node.name, (None,))
                state.vars[node.name] = _dedupe(values or ((_EMPTY,),)) if values else old
        return self._loop_body(node.body, state, ctx, stdin)

    def _for_chunks(
        self,
        node: For,
        values: tuple[tuple[Value, ...] | None, ...],
        cut: bool,
        state: _State,
        ctx: _Ctx,
        stdin: Stdin,
    ) -> Value:
        """A loop over more values than a variable holds (16, §4.5): the body is walked once
        per 16 of them (up to 64), so a destructive value padded with harmless ones is judged
        by its own text (``for x in a1 … a16 /; do rm -rf $x``), not only as an unknown. The
        values past 64 are the unknown value of the last walk; after the loop the variable is
        unknown, as the limit says. At most _LOOP_WALKS extra walks per check (nested long
        loops would multiply them); past that a long list is one unknown value again."""
        name = node.name
        assert name is not None
        distinct: list[tuple[Value, ...] | None] = list(dict.fromkeys(values))
        if cut:
            distinct.append(None)
        chunks = [tuple(distinct[k : k + MAX_ALTS]) for k in range(0, len(distinct), MAX_ALTS)]
        if self.loop_walks + len(chunks) - 1 > _LOOP_WALKS:
            chunks = [(None,)]
        self.loop_walks += len(chunks) - 1
        output = _EMPTY  # what every walk prints (`for …; do echo "rm -rf $x"; done | sh`)
        for chunk in chunks[:-1]:
            alternative = state.copy()
            alternative.vars[name] = chunk
            output = _concat(output, self._list(node.body, alternative, ctx, stdin))
        state.vars[name] = chunks[-1]
        branch = state.copy()
        output = _concat(output, self._list(node.body, branch, ctx, stdin))
        self._join(state, branch)
        if state.vars.get(name) == chunks[-1]:
            state.vars[name] = (None,)
        return output

    def _arith_value(self, parts: tuple[object, ...], state: _State) -> str | None:
        """The value of ``$((…))`` when its text and every variable in it are known (``+ - *
        / %`` and parentheses, _arith); None otherwise (substitutions, assignments, ``++``)."""
        text: list[str] = []
        for part in parts:
            kind = type(part)
            if kind is SLit:
                text.append(part.text)  # type: ignore[attr-defined]
            elif kind is Param and not part.op and part.index is None and not part.prefix:  # type: ignore[attr-defined]
                alts = self._lookup(part.name, state)  # type: ignore[attr-defined]
                if len(alts) != 1 or alts[0] is None or len(alts[0]) != 1:
                    return None
                known = alts[0][0].text
                if known is None:
                    return None
                text.append("(" + known + ")")
            else:
                return None
        try:
            return str(_arith("".join(text), state))
        except ValueError:
            return None

    def _arith_parts(self, parts: tuple[object, ...], state: _State, ctx: _Ctx) -> None:
        for part in parts:
            kind = type(part)
            if kind is CmdSub or kind is Param or kind is ProcSub or kind is Arith:
                self._part(part, state, ctx)

    # -- simple commands -------------------------------------------------------------------

    def _simple(self, node: Simple, state: _State, ctx: _Ctx, stdin: Stdin) -> Value:
        # prefix assignments (most commands have none: then no list is built for them)
        assigned: list[tuple[Assignment, tuple[tuple[Value, ...] | None, ...]]] | None = None
        if node.assignments:
            assigned = []
            # bash expands and assigns left to right: X=rm Y=$X gives Y=rm. Without a command
            # the shell's own variables change; before one, a scratch copy sees the earlier
            # assignments (the command's environment) and the shell's stay as they were
            scope: _State | None = state if not node.words else None
            if scope is None and len(node.assignments) > 1:
                scope = state.copy()
            for assignment in node.assignments:
                alts = self._assignment_values(assignment, scope or state, ctx)
                assigned.append((assignment, alts))
                if scope is not None:
                    self._assign(scope, assignment.name, alts, ctx, assignment)
        if node.redirects:
            redirects, new_stdin, stdout_redirected = self._redirects(
                node.redirects, state, ctx, stdin
            )
        else:
            redirects, new_stdin, stdout_redirected = (), stdin, False
        words = node.words
        if not words:
            if redirects:
                self._redirect_record(redirects, node.span, state, ctx, new_stdin)
            return _EMPTY
        env_pairs: list[tuple[str, Value]] | None = None
        if assigned is not None:
            env_pairs = []
            for assignment, alts in assigned:
                if assignment.name == "PROMPT_COMMAND":  # PROMPT_COMMAND='…' bash -i
                    self._prompt_command(alts, state, ctx, assignment.span)
                first = alts[0]
                if first is not None and len(first) == 1:
                    env_pairs.append((assignment.name, first[0]))
                else:
                    env_pairs.append((assignment.name, Value((Unknown("$" + assignment.name),))))
        # alias reading of the first word: words[0].plain(), without its frame when the word
        # is a plain literal seen before (_PLAIN_WORDS holds only those: its value's text is
        # the word's text)
        word0 = words[0]
        seen = _PLAIN_WORDS.get(word0.parts)
        first_text = seen.text if seen is not None else word0.plain()
        if first_text in _DECL_BUILTINS:
            for word in words[1:]:
                if word.assign is not None and word.assign.array is not None:
                    values = self._assignment_values(word.assign, state, ctx)
                    self._assign(state, word.assign.name, values, ctx, word.assign)
        if (
            first_text is not None
            and first_text in self.aliases
            and first_text not in self.in_alias
        ):
            self._alias_reading(node, first_text, state, ctx, stdin)
        # _env's own first test, without its frame for the commonest case
        if env_pairs is not None:
            env = self._env(state, env_pairs)
        else:
            env = self._env(state, []) if state.exported else ()
        argv0: list[Value] = []
        spans0: list[tuple[int, int]] = []
        argvs = self._expand_words(words, state, ctx, argv0, spans0)
        output = _EMPTY
        if stdout_redirected:
            self.need_output += 1
        try:
            if argvs is None:
                # one reading, the commonest: the loop below for it, without the list of
                # readings and its iterator
                call = _Call()  # _new_call(...) without its frame
                call.argv = argv0
                call.spans = spans0
                call.env = env
                call.redirects = redirects
                call.stdin = new_stdin
                call.cwd = state.cwd
                call.node_span = node.span
                call.wrappers = ()
                output = self._exec(call, state, ctx)
                if stdout_redirected:
                    self._record_files(call, output, state)
                elif not self.need_output:
                    output = _EMPTY
            else:
                for argv, spans in argvs:
                    call = _Call()  # _new_call(...) without its frame
                    call.argv = argv
                    call.spans = spans
                    call.env = env
                    call.redirects = redirects
                    call.stdin = new_stdin
                    call.cwd = state.cwd
                    call.node_span = node.span
                    call.wrappers = ()
                    out = self._exec(call, state, ctx)
                    if self.need_output:
                        output = _concat(output, out) if output is not _EMPTY else out
                    if stdout_redirected:
                        self._record_files(call, out, state)
        finally:
            if stdout_redirected:
                self.need_output -= 1
        if stdout_redirected:
            return _EMPTY
        return output

    def _env(self, state: _State, prefix: list[tuple[str, Value]]) -> tuple[tuple[str, Value], ...]:
        if not state.exported and not prefix:
            return ()
        pairs: list[tuple[str, Value]] = []
        for name in sorted(state.exported):
            alts = state.vars.get(name)
            if alts and alts[0] is not None and len(alts) == 1 and len(alts[0]) == 1:
                pairs.append((name, alts[0][0]))
            elif alts is not None:
                # `false || export GIT_PAGER=CMD`: unknown, or CMD; the known values come
                # last so that a lookup by name sees one, and consumers that run every value
                # (git's command variables) see each
                pairs.append((name, Value((Unknown("$" + name),))))
                for alt in alts:
                    if alt is not None and len(alt) == 1 and alt[0].text is not None:
                        pairs.append((name, alt[0]))
        pairs.extend(prefix)
        return tuple(pairs)

    def _expand_words(
        self,
        words: tuple[Word, ...],
        state: _State,
        ctx: _Ctx,
        argv0: list[Value],
        spans0: list[tuple[int, int]],
    ) -> list[tuple[list[Value], list[tuple[int, int]]]] | None:
        """The readings of ``words``: None when there is one (the commonest case), then
        filled into ``argv0`` and ``spans0``; else each reading's argv and spans."""
        known = _PLAIN_WORDS
        combos: list[tuple[list[Value], list[tuple[int, int]]]] = []
        single = True
        plain = _LIT_PLAIN
        for word in words:
            span = word.span
            if single and word.assign is None:
                # the commonest word of all, one plain literal: no alternatives to build
                parts = word.parts
                value = known.get(parts)
                if value is not None:
                    # seen before: the parser shares these parts between words and parses
                    argv0.append(value)
                    spans0.append(span)
                    continue
                if len(parts) == 1:
                    p = parts[0]
                    if type(p) is SLit:
                        text = p.text
                        if p.quoting != "none":
                            argv0.append(lit(text, True))
                            spans0.append(span)
                            continue
                        if "{" not in text:
                            # lit(text), from its cache without its frame when it is there
                            value = plain.get(text)
                            if value is None:
                                value = lit(text)
                            if len(text) <= _PLAIN_WORDS_TEXT:
                                if len(known) >= _PLAIN_WORDS_SIZE:
                                    known.clear()
                                known[parts] = value
                            argv0.append(value)
                            spans0.append(span)
                            continue
            alts = self._expand(word, state, ctx)
            if single and len(alts) == 1:
                # the common case: one reading so far and one alternative here
                fields = alts[0]
                if len(fields) == 1:
                    argv0.append(fields[0])
                    spans0.append(span)
                else:
                    argv0.extend(fields)
                    spans0.extend([span] * len(fields))
                continue
            if single:
                single = False
                combos.append((argv0, spans0))
            if len(alts) == 1:
                fields = alts[0]
                for argv, spans in combos:
                    argv.extend(fields)
                    spans.extend([span] * len(fields))
                continue
            if len(combos) * len(alts) > MAX_ALTS:
                unknown = Value((Unknown(render(alts[0][0]) if alts[0] else "$…"),), split=True)
                for argv, spans in combos:
                    argv.append(unknown)
                    spans.append(span)
                continue
            combos = [
                ([*argv, *fields], [*spans, *([span] * len(fields))])
                for argv, spans in combos
                for fields in alts
            ]
        return None if single else combos

    # -- expansion -------------------------------------------------------------------------

    def _expand(self, word: Word, state: _State, ctx: _Ctx) -> list[list[Value]]:
        """The alternatives of a word, each a list of fields."""
        parts = word.parts
        if word.assign is not None:
            return self._decl_operand(word, state, ctx)
        if len(parts) == 1:
            p = parts[0]
            if type(p) is SLit:
                text = p.text
                if p.quoting != "none":
                    return [[lit(text, True)]]
                if "{" not in text:
                    return [[lit(text)]]
        partlists = self._braces(parts)
        combos: list[list[Value]] = [[]]
        for plist in partlists:
            alts = self._atoms(plist, state, ctx)
            if len(alts) == 1:
                # the commonest case, without a comprehension's frame
                fields = _fields(alts[0], state.ifs)
                for c in combos:
                    c.extend(fields)
                continue
            fields_alts = [_fields(a, state.ifs) for a in alts]
            combos = [c + f for c in combos for f in fields_alts][:MAX_ALTS]
        return combos

    def _decl_operand(self, word: Word, state: _State, ctx: _Ctx) -> list[list[Value]]:
        assignment = word.assign
        assert assignment is not None
        prefix = Lit(assignment.name + ("+=" if assignment.append else "="), True)
        if assignment.array is not None:
            return [[Value((prefix, Lit("(…)", True)))]]
        value = assignment.value
        if value is None:
            return [[Value((prefix,))]]
        out: list[list[Value]] = []
        for atoms in self._atoms(value.parts, state, ctx):
            pieces = [prefix] + [a for a, m in atoms if a is not None and m != _BRK]
            out.append([Value(merge_pieces(pieces))])  # type: ignore[arg-type]
        return out

    def _braces(self, parts: tuple[object, ...]) -> list[tuple[object, ...]]:
        has = False
        for p in parts:
            if type(p) is SLit and p.quoting == "none" and "{" in p.text:
                has = True
                break
        if not has:
            return [parts]
        # encode: unquoted literal text stays, every other part becomes one placeholder
        chars: list[str] = []
        table: list[object] = []
        for p in parts:
            if type(p) is SLit and p.quoting == "none":
                chars.append(p.text)
            else:
                chars.append(chr(_PH + len(table)))
                table.append(p)
                if len(table) > 6000:
                    return [parts]
        encoded = "".join(chars)

        if table:
            import re

            placeholder = re.compile(f"[{chr(_PH)}-{chr(_PH + len(table) - 1)}]")

        def decode(text: str) -> list[object]:
            # str and re methods, not a loop step per character: results can be long words
            if not table:
                return [SLit(text)] if text else []
            plist: list[object] = []
            last = 0
            for m in placeholder.finditer(text):
                k = m.start()
                if k > last:
                    plist.append(SLit(text[last:k]))
                plist.append(table[ord(text[k]) - _PH])
                last = k + 1
            if last < len(text):
                plist.append(SLit(text[last:]))
            return plist

        expanded = _brace_expand(encoded)
        if expanded is None:
            # more results than the limit (§4.5): the brace part becomes an unknown piece, and
            # the known text around it stays (/etc/{…300 names} is still below /etc); a brace
            # expansion is never empty, so the piece has no empty case (like ${X:?}, §8.3)
            unknown = Param("{…}", ":?", None, False, (0, 0))
            start = encoded.find("{")
            end = _closing_brace(encoded, start) if start >= 0 else -1
            if end < 0:
                return [(unknown,)]
            return [(*decode(encoded[:start]), unknown, *decode(encoded[end + 1 :]))]
        if len(expanded) == 1 and expanded[0] == encoded:
            return [parts]
        out: list[tuple[object, ...]] = []
        for text in expanded:
            plist = decode(text)
            if not plist:
                continue
            out.append(tuple(plist))
        return out or [parts]

    def _atoms(self, parts: Sequence[object], state: _State, ctx: _Ctx) -> list[list[Atom]]:
        alts: list[list[Atom]] = [[]]
        for p in parts:
            if type(p) is SLit:
                if p.quoting == "none":
                    atom: Atom = (Lit(p.text), _U)
                elif p.text:
                    atom = (Lit(p.text, True), _Q)
                else:
                    atom = (None, _EQ)
                for a in alts:
                    a.append(atom)
                continue
            palts = self._part(p, state, ctx)
            if len(palts) == 1:
                for a in alts:
                    a.extend(palts[0])
            elif len(alts) * len(palts) > MAX_ALTS:
                for a in alts:
                    a.append((Unknown("$…"), _X))
            else:
                alts = [a + pa for a in alts for pa in palts]
        return alts

    def _part(self, p: object, state: _State, ctx: _Ctx) -> list[list[Atom]]:
        kind = type(p)
        if kind is Param:
            return self._param(p, state, ctx)  # type: ignore[arg-type]
        if kind is CmdSub:
            out = _strip_newlines(self._cmdsub(p, state, ctx))  # type: ignore[arg-type]
            mode = _Q if p.quoted else _X  # type: ignore[attr-defined]
            atoms: list[Atom] = [(piece, mode) for piece in out.pieces]
            if mode == _Q and not atoms:
                atoms.append((None, _EQ))
            return [atoms]
        if kind is Tilde:
            user = p.user  # type: ignore[attr-defined]
            if user == "":
                return [[(piece, _Q) for piece in self.home_value.pieces]]
            if user == "+":
                return [[(piece, _Q) for piece in v.pieces] for v in state.cwd]
            if user == "-":
                return [[(piece, _Q) for piece in v.pieces] for v in state.oldcwd]
            return [[(Unknown("~" + user, False), _Q)]]
        if kind is ProcSub:
            out = self._procsub(p, state, ctx)  # type: ignore[arg-type]
            piece = Unknown("<(…)" if p.direction == "<" else ">(…)", False)  # type: ignore[attr-defined]
            self._own_procsubs()[id(piece)] = out
            return [[(piece, _Q)]]
        if kind is Arith:
            self._arith_parts(p.parts, state, ctx)  # type: ignore[attr-defined]
            mode = _Q if p.quoted else _X  # type: ignore[attr-defined]
            number = self._arith_value(p.parts, state)  # type: ignore[attr-defined]
            if number is not None:
                return [[(Lit(number), mode)]]  # $((1+1)), $((i+1)) of known values
            return [[(Unknown("$((…))", False), mode)]]
        if kind is SLit:
            return [[(Lit(p.text, p.quoting != "none"), _Q if p.quoting != "none" else _U)]]  # type: ignore[attr-defined]
        return [[(Unknown("?"), _X)]]

    # -- parameters ------------------------------------------------------------------------

    def _assign_element(
        self, state: _State, ref: str, alts: tuple[tuple[Value, ...] | None, ...]
    ) -> None:
        """``A[i]=v`` for an element named as text (a reference's target, ``printf -v``,
        ``read``, ``declare``): kept known when the subscript and the array are, else the
        keyed reading (any element may be any value written)."""
        base, _, subscript = ref[:-1].partition("[")
        if (base + _MAP) in state.vars and _map_set(state, base, subscript, alts):
            return
        built = _element_assigned(state, base, subscript, alts)
        if built is not None:
            state.vars[base] = built
            state.vars.pop(base + _KEYED, None)
            return
        old = state.vars.get(base)
        state.vars[base] = _as_keyed((*(old or (None,)), *alts))
        state.vars[base + _KEYED] = ()

    def _own_attrs(self) -> dict[str, str]:
        attrs = self.attrs
        if type(attrs) is not dict:
            attrs = dict(attrs)
            self.attrs = attrs
        return attrs

    def _ref(self, name: str) -> str:
        """The variable NAME stands for through ``declare -n`` references, a chain followed
        up to 8 steps (``A[1]`` for a reference to an element); NAME when it is none; "" when
        the target is not known (no target yet, a loop, a longer chain)."""
        attrs = self.attrs
        for _ in range(8):
            target = attrs.get(name)
            if target is None or target in _CASE_ATTRS:
                return name
            if target == name or not target:
                return ""  # no target yet, or ("") one not known
            name = target
        return ""

    def _lookup(self, name: str, state: _State) -> tuple[tuple[Value, ...] | None, ...]:
        """Alternatives of a variable: each a tuple of values (array) or None (unknown)."""
        if self.attrs:
            target = self.attrs.get(name)
            if target is not None and target not in _CASE_ATTRS:
                # declare -n NAME=TARGET: NAME reads TARGET (a chain is followed)
                ref = self._ref(name)
                if not ref:
                    # a target not known: what was written through the reference, if any
                    return state.vars.get(name) or (None,)
                name = ref
                if name[-1:] == "]":
                    return _element_of(self._lookup(name.partition("[")[0], state), name, state)
        alts = state.vars.get(name)
        if alts is not None:
            return alts
        if name.isdigit():
            if name == "0":
                return ((lit("bash"),),)
            if state.pos is None:
                return (None,)
            k = int(name) - 1
            return ((state.pos[k],),) if k < len(state.pos) else ((_EMPTY,),)
        if name == "@" or name == "*":
            return (None,) if state.pos is None else (state.pos,)
        if name == "#":
            return (None,) if state.pos is None else ((lit(str(len(state.pos))),),)
        if name == "HOME":
            return ((self.home_value,),)
        if name == "TMPDIR":
            return ((Value((Sym(TMPDIR),)),),)
        if name == "PWD":
            return tuple((v,) for v in state.cwd)
        if name == "OLDPWD":
            return tuple((v,) for v in state.oldcwd)
        if name == "IFS":
            return ((_EMPTY if state.ifs is None else lit(state.ifs, True),),)
        if name in _SHELL_VARS:
            return ((lit(_SHELL_VARS[name]),),)
        return (None,)

    def _param(self, p: Param, state: _State, ctx: _Ctx) -> list[list[Atom]]:
        name = p.name
        quoted = p.quoted
        mode = _Q if quoted else _X
        origin = (
            "$" + name if not p.braced else "${" + p.prefix + name + ("…" if p.op else "") + "}"
        )
        if name in ("?", "$", "!", "-", "_"):
            return [[(Unknown(origin, False), mode)]]
        if p.prefix == "!":
            target = self._lookup(name, state)
            names = [
                alt[0].text
                for alt in target
                if alt is not None and len(alt) == 1 and alt[0].text is not None
            ]
            if not names or not all(n and (n.isidentifier() or n.isdigit()) for n in names):
                return [[(Unknown(origin), mode)]]
            alts = tuple(a for n in names for a in self._lookup(n or "", state))
        else:
            alts = self._lookup(name, state)
        array_all = False
        every = False  # A[@], A[*]: every element
        index_text: str | None = None
        # the subscript's texts when it has several (`for k in a b; … ${M[$k]}`): each selects
        choices: list[str | None] | None = None
        if p.index is not None:
            idx_alts = self._atoms(p.index.parts, state, ctx)
            idx_fields = _fields(idx_alts[0], None)
            index_text = idx_fields[0].text if idx_fields else ""
            if index_text in ("@", "*"):
                array_all = index_text == "@"
                index_text = None
                every = True
            elif len(idx_alts) > 1:
                choices = []
                for idx_alt in idx_alts:
                    fields = _fields(idx_alt, None)
                    choices.append(fields[0].text if fields else "")
                choices = list(dict.fromkeys(choices))
        elif name == "@":
            array_all = True
        elif name == "*":
            array_all = False
        if p.prefix == "#":
            out: list[list[Atom]] = []
            for alt in alts:
                if alt is None:
                    out.append([(Unknown(origin, False), mode)])
                elif (p.index is not None and index_text is None) or name in ("@", "*"):
                    count = len(alt) - sum(1 for v in alt if v is _HOLE)
                    out.append([(Lit(str(count), quoted), mode)])
                else:
                    v = alt[0] if alt else _EMPTY
                    t = v.text
                    out.append(
                        [(Lit(str(len(t)), quoted), mode)]
                        if t is not None
                        else [(Unknown(origin, False), mode)]
                    )
            return out
        results: list[list[Atom]] = []
        keyed = p.index is not None and (name + _KEYED) in state.vars
        texts = choices if choices is not None else [index_text]
        if keyed and not every and None not in texts:
            found = _map_of(state, name)
            if found is not None:
                # ${M[key]} of an associative array whose keys are known: that key's value
                keys, values = found
                return [
                    self._param_atoms(res, quoted, array_all, state, name)
                    for key in texts
                    for res in self._param_op(
                        p, (values[keys.index(key)] if key in keys else _EMPTY,), state, ctx, origin
                    )
                ]
        for alt in alts:
            # select the element(s)
            if keyed:
                pass  # keyed alternatives: every element value is possible
            elif alt is not None and p.index is not None and not every:
                picked = _elements_at(alt, texts, state)
                if len(picked) != 1:
                    # ${A[$X]}: a subscript not known (or several) selects any of them
                    for element in picked:
                        for res in self._param_op(p, (element,), state, ctx, origin):
                            results.append(self._param_atoms(res, quoted, array_all, state, name))
                    continue
                alt = (picked[0],)
            elif alt is not None and p.index is None and name not in ("@", "*") and len(alt) > 1:
                alt = alt[:1]
            elif alt is not None and p.index is not None and p.op != ":" and _HOLE in alt:
                alt = tuple(v for v in alt if v is not _HOLE)  # "${A[@]}" skips unset elements
            for res in self._param_op(p, alt, state, ctx, origin):
                results.append(self._param_atoms(res, quoted, array_all, state, name))
        if len(results) > MAX_ALTS:
            return [[(Unknown(origin), mode)]]
        return results or [[(Unknown(origin), mode)]]

    def _param_atoms(
        self,
        res: tuple[Value, ...] | Value | None,
        quoted: bool,
        array_all: bool,
        state: _State,
        name: str,
    ) -> list[Atom]:
        mode = _Q if quoted else _X
        if res is None:
            return [(Unknown("$" + name), mode)]
        if isinstance(res, Value):
            values: tuple[Value, ...] = (res,)
        else:
            values = res
        atoms: list[Atom] = []
        if quoted and array_all:
            for k, v in enumerate(values):
                if k:
                    atoms.append((None, _BRK))
                atoms.extend((piece, _Q) for piece in v.pieces)
                if not v.pieces:
                    atoms.append((None, _EQ))
            return atoms
        if not quoted:
            # ${A[@]}, ${A[*]}, $@, $*: a word per element, then each split by IFS (§5.2)
            for k, v in enumerate(values):
                if k:
                    atoms.append((_SEP_BLANK, _SEP))
                for piece in v.pieces:
                    atoms.append((piece, mode))
            return atoms
        sep = (state.ifs or "")[:1]
        for k, v in enumerate(values):
            if k and sep:
                atoms.append((Lit(sep, quoted), mode))
            for piece in v.pieces:  # not extend(genexpr): its frame costs more than the loop
                atoms.append((piece, mode))
        if quoted and not atoms:
            atoms.append((None, _EQ))
        return atoms

    def _operand(self, p: Param, state: _State, ctx: _Ctx) -> list[Value]:
        if p.operand is None:
            return [_EMPTY]
        out: list[Value] = []
        for atoms in self._atoms(p.operand.parts, state, ctx):
            pieces = [a for a, m in atoms if a is not None and m != _BRK]
            out.append(Value(merge_pieces(pieces)))  # type: ignore[arg-type]
        return out

    def _param_op(
        self,
        p: Param,
        alt: tuple[Value, ...] | None,
        state: _State,
        ctx: _Ctx,
        origin: str,
        each: bool = False,
    ) -> list[tuple[Value, ...] | Value | None]:
        op = p.op
        if not op:
            if alt is None:
                return [Value((Unknown(origin),))]
            return [alt]
        value: Value | None = None if alt is None else (alt[0] if len(alt) == 1 else None)
        is_empty = alt is not None and (not alt or all(v.text == "" for v in alt))
        if op in (":-", "-", ":=", "="):
            defaults = self._operand(p, state, ctx)
            if (
                op in (":=", "=")
                and p.index is None
                and p.name.isidentifier()
                and (alt is None or is_empty)
            ):
                new = tuple((d,) for d in defaults)
                prev = state.vars.get(p.name)
                assigned = (
                    _dedupe(((None,) if alt is None else ()) + new)
                    if (prev is None or alt is None)
                    else new
                )
                if self.attrs and p.name in self.attrs:
                    self._assign(state, p.name, assigned, ctx)  # through a reference, cased
                else:
                    state.vars[p.name] = assigned
                if p.name == "PROMPT_COMMAND":  # : "${PROMPT_COMMAND:=CMD}" sets the hook
                    self._prompt_command(new, state, ctx, getattr(p, "span", (0, 0)))
            if alt is None:
                return [Value((Unknown(origin, op in ("-", "=")),)), *defaults]
            if is_empty and (op[0] == ":" or not alt):
                return list(defaults)
            return [alt]
        if op in (":+", "+"):
            alternates = self._operand(p, state, ctx)
            if alt is None:
                return [*alternates, _EMPTY]
            if is_empty and op == ":+":
                return [_EMPTY]
            return list(alternates)
        if op in (":?", "?"):
            self._operand(p, state, ctx)
            if alt is None:
                return [Value((Unknown(origin, False),))]
            return [alt]
        if (
            not each
            and alt is not None
            and (p.name in ("@", "*") or (p.index is not None and p.index.plain() in ("@", "*")))
        ):
            return self._fields_op(p, alt, state, ctx, origin)
        operands = self._operand(p, state, ctx)
        text = value.text if value is not None else None
        if text is None and value is not None and len(value.pieces) == 1:
            sym = value.pieces[0]
            if type(sym) is Sym and sym.path is not None:
                text = sym.path  # ${HOME%/}, ${HOME##*/}: the location's known text
            elif type(sym) is Sym and op in ("%", "%%") and operands and operands[0].text == "/":
                return [value]  # ${TMPDIR%/}: without a trailing slash it is the same place
        if text is None:
            return [Value((Unknown(origin),))]
        arg = operands[0].text if operands else ""
        if op == ":" and (arg is None or not _known_arith(arg.partition(":")[0], state)):
            # ${S:$X}: an offset not known gives any suffix (with a known length, any window)
            return _substrings(text, operands[0] if operands else _EMPTY, state, origin)
        if arg is None:
            return [Value((Unknown(origin),))]
        fnmatch = _module("fnmatch")
        try:
            if op in ("#", "##"):
                rng = range(len(text) + 1) if op == "#" else range(len(text), -1, -1)
                for k in rng:
                    if fnmatch.fnmatchcase(text[:k], arg):
                        return [lit(text[k:])]
                return [lit(text)]
            if op in ("%", "%%"):
                rng = range(len(text), -1, -1) if op == "%" else range(len(text) + 1)
                for k in rng:
                    if fnmatch.fnmatchcase(text[k:], arg):
                        return [lit(text[:k])]
                return [lit(text)]
            if op in ("/", "//", "/#", "/%"):
                pattern, _, repl = arg.partition("/")
                if not any(c in pattern for c in "*?["):
                    if op == "/":
                        return [lit(text.replace(pattern, repl, 1))] if pattern else [lit(text)]
                    if op == "//":
                        return [lit(text.replace(pattern, repl))] if pattern else [lit(text)]
                    if op == "/#":
                        ok = text.startswith(pattern)
                        return [lit(repl + text[len(pattern) :] if ok else text)]
                    ok = text.endswith(pattern)
                    return [lit(text[: len(text) - len(pattern)] + repl if ok else text)]
                return [Value((Unknown(origin),))]
            if op == "^^":
                return [lit(text.upper())]
            if op == ",,":
                return [lit(text.lower())]
            if op == "^":
                return [lit(text[:1].upper() + text[1:])]
            if op == ",":
                return [lit(text[:1].lower() + text[1:])]
            if op == ":":
                off_text, _, length = arg.partition(":")
                off = _arith(off_text, state)
                if length:
                    ln = _arith(length, state)
                    end = off + ln if ln >= 0 else len(text) + ln
                    return [lit(text[off:end])]
                return [lit(text[off:])]
        except (ValueError, _module("re").error):
            return [Value((Unknown(origin),))]
        return [Value((Unknown(origin),))]

    def _fields_op(
        self,
        p: Param,
        fields: tuple[Value, ...],
        state: _State,
        ctx: _Ctx,
        origin: str,
    ) -> list[tuple[Value, ...] | Value | None]:
        """An operator on every element of an array or on the positional parameters (§5.2):
        ``:off:len`` selects elements (``${@:2}`` starts at $2), the others apply to each.
        An offset that is not known gives every tail of the elements as an alternative."""
        if p.op == ":":
            if p.index is not None and (p.name + _KEYED) in state.vars:
                return [Value((Unknown(origin),))]  # elements whose order is not known
            items = fields
            if p.index is None:
                # the positional parameters count from $1; offset 0 is $0, the shell's name
                items = (Value((Unknown("$0"),)), *fields)
            operand = self._operand(p, state, ctx)[0]
            arg = operand.text
            off_text, _, length = (arg or "").partition(":")
            if arg is None and operand.pieces and type(operand.pieces[-1]) is Lit:
                # ${A[@]:$X:1}: the offset is not known, the length may be
                tail = operand.pieces[-1].text
                if ":" in tail:
                    length = tail.rpartition(":")[2]
            try:
                if arg is None:
                    raise ValueError(origin)
                off = _arith(off_text, state)
            except ValueError:
                # an offset not known: every tail (with a known length, every window) of
                # the elements is an alternative
                window: int | None = None
                if length.strip():
                    try:
                        window = _arith(length, state)
                    except ValueError:
                        return [Value((Unknown(origin),))]
                    if window < 0:
                        return [Value((Unknown(origin),))]
                if len(items) >= MAX_ALTS:
                    return [Value((Unknown(origin),))]
                tails = [
                    tuple(v for v in items[k:] if v is not _HOLE) for k in range(len(items) + 1)
                ]
                if window is not None:
                    tails = [tail[:window] for tail in tails]
                return list(dict.fromkeys(tails))
            try:
                count = _arith(length, state) if length.strip() else None
            except ValueError:
                return [Value((Unknown(origin),))]
            if _HOLE in items:
                # a sparse array: the offset is a subscript (the first element at or after
                # it; negative: from the end of the highest subscript), the length counts
                # the elements that are set
                if off < 0:
                    off = len(items) + off
                    if off < 0:
                        return [()]
                items = tuple(v for v in items[off:] if v is not _HOLE)
                off = 0
            if off < 0:
                off = max(len(items) + off, 0) if -off <= len(items) else len(items)
            end = len(items) if count is None else off + count if count >= 0 else len(items) + count
            return [tuple(items[off:end])]
        out: list[Value] = []
        for field in fields:
            results = self._param_op(p, (field,), state, ctx, origin, each=True)
            first = results[0] if len(results) == 1 else None
            if isinstance(first, Value):
                out.append(first)
            elif isinstance(first, tuple) and len(first) == 1:
                out.append(first[0])
            else:
                out.append(Value((Unknown(origin),)))
        return [tuple(out)]

    # -- substitutions ---------------------------------------------------------------------

    def _sub_ctx(self, script: Script, span: tuple[int, int], kind: str, ctx: _Ctx) -> _Ctx:
        sctx = ctx.hop(kind, span, "$( )" if kind == "command-substitution" else kind)
        if not script.exact:
            sctx.src = script.text
            sctx.outer = ctx.span(span)
            sctx.exact = False
            sctx.offset = 0
        return sctx

    def _cmdsub(self, p: CmdSub, state: _State, ctx: _Ctx) -> Value:
        if not p.script.body.items:
            return _EMPTY
        kind = "backquote" if p.style == "`" else "command-substitution"
        sctx = self._sub_ctx(p.script, p.span, kind, ctx)
        self.need_output += 1
        try:
            output = self._subshell_list(p.script.body, state.copy(), sctx, _INHERITED)
        finally:
            self.need_output -= 1
        source = _read_only_redirect(p.script.body)
        if source is not None:
            # $(< FILE) is $(cat FILE): bash reads the file (a command of redirections alone
            # prints nothing anywhere else)
            for alternative in self._expand(source, state, ctx):
                if alternative is not None and len(alternative) == 1:
                    content = self._file_content(alternative[0], state)
                    if content is not None:
                        return content
            return Value((Unknown("$(<…)"),))
        return output

    def _procsub(self, p: ProcSub, state: _State, ctx: _Ctx) -> Value:
        sctx = self._sub_ctx(p.script, p.span, "process-substitution", ctx)
        self.need_output += 1
        try:
            return self._subshell_list(p.script.body, state.copy(), sctx, _INHERITED)
        finally:
            self.need_output -= 1

    # -- assignments -----------------------------------------------------------------------

    def _assignment_values(
        self, assignment: object, state: _State, ctx: _Ctx
    ) -> tuple[tuple[Value, ...] | None, ...]:
        array = assignment.array  # type: ignore[attr-defined]
        if array is not None:
            fields: list[Value] = []
            keyed = False
            # ([2]=src [1]=-rf [0]=rm): subscripts that are known numbers place the elements;
            # when they fill 0…n-1 the array is known, in subscript order
            placed: dict[int, Value] | None = {}
            keys: list[Value] | None = []
            next_index = 0
            for word in array:
                first = word.parts[0] if word.parts else None
                index: int | None = next_index
                if (
                    type(first) is SLit
                    and first.quoting == "none"
                    and first.text.startswith("[")
                    and "]=" in first.text
                ):
                    # ([i]=v …) / ([key]=v …): the value is the text after "]="
                    keyed = True
                    subscript, rest = first.text[1:].split("]=", 1)
                    index = int(subscript) if subscript.isdigit() else None
                    if keys is not None:
                        keys.append(lit(subscript))
                    parts = ((SLit(rest, "none"),) if rest else ()) + tuple(word.parts[1:])
                    if not parts:
                        fields.append(_EMPTY)
                        if placed is not None and index is not None:
                            placed[index] = _EMPTY
                            next_index = index + 1
                        else:
                            placed = None
                        continue
                    word = Word(parts, word.span)
                alts = self._expand(word, state, ctx)
                if len(alts) != 1 or len(alts[0]) != 1:
                    keys = None  # a value with alternatives: no map of known values
                fields.extend(alts[0])
                if placed is not None and index is not None and len(alts) == 1:
                    for value in alts[0]:
                        placed[index] = value
                        index += 1
                    next_index = index
                else:
                    placed = None
            appended = bool(getattr(assignment, "append", False))
            if keyed and appended:
                # A+=([7]=v …): each value goes to its subscript (_assign overlays them);
                # values without one would go after the end: the keyed reading then
                if placed is not None and len(placed) == len(fields) and max(placed) < 64:
                    size = max(placed) + 1
                    return (_Placed(placed.get(k, _HOLE) for k in range(size)),)
                state.vars[assignment.name + _KEYED] = ()  # type: ignore[attr-defined]
                return tuple((v,) for v in fields[:MAX_ALTS]) or ((_EMPTY,),)
            if keyed and placed is not None and max(placed, default=0) < 64:
                # unset elements (a sparse array) are holes, so positions are subscripts:
                # "${a[@]:5}" and ${a[5]} find what bash finds
                state.vars.pop(assignment.name + _KEYED, None)  # type: ignore[attr-defined]
                size = max(placed, default=-1) + 1
                return (tuple(placed.get(k, _HOLE) for k in range(size)),)
            if keyed:
                # a lookup gives one of the elements, whatever its subscript, unless every
                # key and value is known: an associative array (_MAP)
                name = assignment.name  # type: ignore[attr-defined]
                state.vars[name + _KEYED] = ()
                if keys is not None and len(keys) == len(fields) <= MAX_ALTS:
                    state.vars[name + _MAP] = _new_map(keys, fields)
                else:
                    state.vars.pop(name + _MAP, None)
                return tuple((v,) for v in fields[:MAX_ALTS]) or ((_EMPTY,),)
            state.vars.pop(assignment.name + _KEYED, None)  # type: ignore[attr-defined]
            return (tuple(fields),)
        value = assignment.value  # type: ignore[attr-defined]
        if value is None:
            return ((_EMPTY,),)
        out: list[tuple[Value, ...] | None] = []
        for atoms in self._atoms(value.parts, state, ctx):
            # x="${a[@]}": a scalar joins the fields with blanks
            pieces = [_BLANK if m == _BRK else a for a, m in atoms if a is not None or m == _BRK]
            out.append((Value(merge_pieces(pieces)),))  # type: ignore[arg-type]
        if assignment.index is not None:  # type: ignore[attr-defined]
            self._atoms(assignment.index.parts, state, ctx)  # type: ignore[attr-defined]
        return tuple(out[:MAX_ALTS])

    def _subscript(self, index: Word, state: _State, ctx: _Ctx) -> str | None:
        """An assignment's array subscript when it is known: its text, or one made of
        parameters that expand to one known field (``A[${#A[@]}]=v``, ``A[$i]=v``)."""
        text = index.plain()
        if text is not None:
            return text
        for part in index.parts:
            if type(part) is not Param and type(part) is not SLit:
                return None  # a substitution is judged once, by _assignment_values
        alts = self._atoms(index.parts, state, ctx)
        if len(alts) != 1:
            return None
        fields = _fields(alts[0], None)
        return fields[0].text if len(fields) == 1 else None

    def _assign(
        self,
        state: _State,
        name: str,
        alts: tuple[tuple[Value, ...] | None, ...],
        ctx: _Ctx,
        node: object = None,
        append: bool | None = None,
    ) -> None:
        if name[-1:] == "]":
            # printf -v 'a[2]', read 'a[1]', declare 'a[4]=v': an element of array a
            self._assign_element(state, name, alts)
            return
        if name in _INHERITED_ENVIRONMENT and name not in state.exported:
            # variables every shell inherits are exported already: HOME=DIR; git … reads it
            _own_exported(state).add(name)
        if self.attrs and name in self.attrs:
            attr = self.attrs[name]
            if attr in _CASE_ATTRS:
                alts = tuple(None if a is None else tuple(_cased(v, attr) for v in a) for a in alts)
            else:
                # NAME=v through a name reference assigns its target (reads of NAME go there,
                # _lookup); NAME's own value stays unknown
                target = self._ref(name)
                state.vars[name] = (None,)
                if not target:
                    first = alts[0] if len(alts) == 1 else None
                    word = first[0].text if first is not None and len(first) == 1 else None
                    if attr == name and word and _ref_name(word) and not append:
                        # declare -n R; R=X: the first value of a reference names its target
                        self.attrs[name] = word  # type: ignore[index]
                    elif not append:
                        # declare -n R=$X: whatever R names, R reads back what was written
                        state.vars[name] = alts
                    return
                if target[-1:] == "]":
                    self._assign_element(state, target, alts)  # a reference to an element
                    return
                self._assign(state, target, alts, ctx, node, append)
                return
        if append is None:
            append = bool(getattr(node, "append", False))
        index = getattr(node, "index", None)
        if index is not None and (name + _MAP) in state.vars and not append:
            key = index.plain()
            if key is not None and _map_set(state, name, key, alts):
                return  # M[key]=v on an associative array whose keys are known
        if index is not None:
            built = (
                None
                if append
                else _element_assigned(state, name, self._subscript(index, state, ctx), alts)
            )
            if name == "PROMPT_COMMAND":
                self._prompt_command(alts, state, ctx, getattr(node, "span", (0, 0)))
            if built is not None:
                # A[i]=v on a known array at a known subscript (or A[0]=v on an unset name):
                # the array stays known and "${A[@]}" yields all its fields (§5.3)
                state.vars[name] = built
                state.vars.pop(name + _KEYED, None)
                return
            # A[i]=v: the array becomes partly unknown; any element lookup may give any
            # value assigned to an element (keyed alternatives) or something unknown
            values = [alt[0] for alt in alts if alt is not None and alt]
            if name in state.vars:
                old_fields = [
                    v for a in state.vars[name] if a is not None for v in a if v is not _HOLE
                ]
                values = old_fields + values
            out: list[tuple[Value, ...] | None] = [(v,) for v in values[: MAX_ALTS - 1]]
            out.append(None)
            state.vars[name] = tuple(out)
            state.vars[name + _KEYED] = ()
            return
        if append:
            old = state.vars.get(name)
            if old is None:
                old = self._lookup(name, state)
            array = getattr(node, "array", None) is not None
            merged: list[tuple[Value, ...] | None] = []
            for o in old:
                for a in alts:
                    if a is None:
                        merged.append(None)
                    elif o is None:
                        # an unknown earlier value keeps what is appended known (§8.3 unknown
                        # pieces): X+=' src' is «$X» src, A+=(src) is (src) when A was unset
                        # and («$A» src) when it held something (PROMPT_COMMAND+='; CMD': the
                        # unknown old hook, then CMD, §5.6)
                        unknown = Value((Unknown("$" + name),))
                        if array:
                            merged.append(a)
                            merged.append((unknown, *a))
                        else:
                            merged.append((_concat(unknown, a[0] if a else _EMPTY),))
                    elif array:
                        merged.append(_overlay(o, a) if type(a) is _Placed else o + a)
                    else:
                        merged.append((_concat(o[0] if o else _EMPTY, a[0] if a else _EMPTY),))
            alts = _dedupe(tuple(merged))
            if (name + _KEYED) in state.vars and array:
                alts = _as_keyed(alts)  # A+=([k]=v) on a keyed array: any element, any value
        # an assignment that may not run is the branch state's (_Walker._join): here it
        # replaces the value, so the rest of its branch or loop body sees it alone (§5.3)
        state.vars[name] = alts
        if name == "IFS":
            state.ifs = _ifs_of(alts)
        if name == "PROMPT_COMMAND":
            self._prompt_command(alts, state, ctx, getattr(node, "span", (0, 0)))

    def _prompt_command(
        self,
        alts: tuple[tuple[Value, ...] | None, ...],
        state: _State,
        ctx: _Ctx,
        span: tuple[int, int],
    ) -> None:
        """A value of ``PROMPT_COMMAND`` is a deferred payload (§5.6, §6.4), however it is
        set: a plain or declared assignment, an element (bash 5.1 runs every element), a
        prefix assignment or a wrapper's (``env PROMPT_COMMAND=… bash -i``)."""
        if self.late_traps and not (ctx.cond or ctx.deferred or ctx.defined_only or ctx.dry):
            _drop_late_traps(self, _PROMPT_HOOK)  # a new value replaces the hook
        for alt in alts:
            # bash 5.1 runs every element of a PROMPT_COMMAND array
            for hook in alt or ():
                dctx = ctx.hop("trap", span, "PROMPT_COMMAND")
                dctx.deferred = True
                self._payload_text(hook, state.copy(), dctx, exact_at=-1)
                # it runs at each prompt, after the command: judged in the final state too
                traps = self.late_traps if type(self.late_traps) is list else list(self.late_traps)
                traps.append((hook, -1, dctx, _PROMPT_HOOK))
                self.late_traps = traps

    # -- redirections ----------------------------------------------------------------------

    def _redirects(
        self, redirects: tuple[object, ...], state: _State, ctx: _Ctx, stdin: Stdin
    ) -> tuple[tuple[Redirection, ...], Stdin, bool]:
        if not redirects:
            return (), stdin, False
        out: list[Redirection] = []
        stdout = False
        for r in redirects:
            op = r.op  # type: ignore[attr-defined]
            fd = r.fd  # type: ignore[attr-defined]
            heredoc = r.heredoc  # type: ignore[attr-defined]
            target: Value | None = None
            content: Value | None = None
            if heredoc is not None:
                if heredoc.quoted:
                    content = lit(heredoc.body, True)
                else:
                    content = self._heredoc_content(heredoc, r, state, ctx)
                if fd in (None, 0):
                    stdin = Stdin("heredoc", content, heredoc.quoted)
            elif r.target is not None:  # type: ignore[attr-defined]
                alts = self._expand(r.target, state, ctx)  # type: ignore[attr-defined]
                fields = alts[0]
                target = fields[0] if len(fields) == 1 else _join_text(fields)
                if len(alts) > 1 and op not in ("<", "<<<"):
                    # a target with several values (${T:-/dev/sda}, X set in a branch): one
                    # redirection per value, so that every file it may write is judged
                    for other in alts[1:MAX_ALTS]:
                        value = other[0] if len(other) == 1 else _join_text(other)
                        if value != target:
                            out.append(Redirection(fd, op, value, None, ctx.span(r.span)))  # type: ignore[attr-defined]
                if op == "<<<":
                    content = _concat(target, Value((Lit("\n", True),)))
                    if fd in (None, 0):
                        stdin = Stdin("here-string", content)
                    target = None
                elif op == "<" and fd in (None, 0):
                    pieces = target.pieces
                    if len(pieces) == 1 and id(pieces[0]) in self.procsubs:
                        # < <(…): the pipe carries the body's output (§5.2 item 6)
                        file_content: Value | None = self.procsubs[id(pieces[0])]
                    else:
                        file_content = self._file_content(target, state)
                    stdin = Stdin("file", file_content, path=target)
                    if target.text == "/dev/null":
                        stdin = Stdin("closed", lit(""))
                elif (op in (">", ">>", ">|", "&>", "&>>") and fd in (None, 1)) or (
                    op == ">&" and fd in (None, 1) and target.text not in ("1",)
                ):
                    stdout = True
            out.append(Redirection(fd, op, target, content, ctx.span(r.span)))  # type: ignore[attr-defined]
        return tuple(out), stdin, stdout

    def _heredoc_content(self, heredoc: object, r: object, state: _State, ctx: _Ctx) -> Value:
        parts: tuple[object, ...] = heredoc.body_parts or ()  # type: ignore[attr-defined]
        if len(parts) == 1 and type(parts[0]) is SLit:
            return lit(parts[0].text, True)
        hctx = ctx
        pieces: list[object] = []
        for atoms in self._atoms_quoted(parts, state, hctx)[:1]:
            pieces.extend(a for a, m in atoms if a is not None and m != _BRK)
        return Value(merge_pieces(pieces))  # type: ignore[arg-type]

    def _atoms_quoted(self, parts: Sequence[object], state: _State, ctx: _Ctx) -> list[list[Atom]]:
        return self._atoms(parts, state, ctx)

    # -- files written ---------------------------------------------------------------------

    def _location(self, value: Value) -> str | None:
        """The normalised absolute location ``value`` names: its text, the home directory's
        path for ``~``, ``$HOME`` and a ``cd`` to them, or for a place below a symbol with no
        path (a ``mktemp`` result, ``$TMPDIR``, the repository) a key of that symbol's own
        (starting with NUL, never a real path). None when it is not absolute or not known."""
        text = value.text
        if text is not None:
            return os.path.normpath(text) if text[:1] == "/" else None
        pieces = value.pieces
        head = pieces[0] if pieces else None
        if type(head) is not Sym:
            return None
        rest = Value(pieces[1:]).text if len(pieces) > 1 else ""
        if rest is None or (rest and rest[0] != "/"):
            return None
        if head.kind == HOME:
            return os.path.normpath(self.home + rest)
        if head.path is not None:
            return os.path.normpath(head.path + rest)
        base = "\0" + repr(head)
        path = os.path.normpath(base + rest)
        return path if path.startswith(base) else None  # no climbing out of the symbol

    def _resolve(self, target: Value, cwd: tuple[Value, ...]) -> str | None:
        """The real path ``target`` names in the one known ``cwd``, or None."""
        path = self._location(target)
        if path is None and target.text is not None and len(cwd) == 1:
            base = self._location(cwd[0])
            if base is not None:
                path = os.path.normpath(os.path.join(base, target.text))
        return path if path is not None and path[:1] == "/" else None

    def _file_keys(self, target: Value, cwd: tuple[Value, ...]) -> tuple[str, ...]:
        """The files-table keys (§5.7) ``target`` may name: one per cwd alternative it
        resolves in (§5.5: after ``cd ~ && …`` or ``cd src; …`` the cwd is a symbol or has
        several alternatives), symbolic locations included (see _location)."""
        path = self._location(target)
        if path is not None:
            return (path,)
        text = target.text
        if text is None:
            return ()
        keys: list[str] = []
        for c in cwd:
            base = self._location(c)
            if base is None and len(c.pieces) == 1 and type(c.pieces[0]) is Unknown:
                # after `cd "$X"`: the same unknown directory for the rest of the walk
                base = "\0" + render(c)
            if base is not None:
                key = os.path.normpath(base + "/" + text)
                if base[0] == "\0" and not key.startswith(base):
                    continue  # climbed out of a symbolic location: somewhere unknown
                if key not in keys:
                    keys.append(key)
        return tuple(keys)

    def _file_content(self, target: Value, state: _State) -> Value | None:
        pieces = target.pieces
        if len(pieces) == 1 and self.procsubs and id(pieces[0]) in self.procsubs:
            # <(echo '…') read as a file: its output, when known (§5.2)
            return self.procsubs[id(pieces[0])]
        files = self.files
        if not files:
            return None
        found: list[Value] = []
        for key in self._file_keys(target, state.cwd):
            content = files.get(key)
            if content is not None and content not in found:
                found.append(content)
        if not found:
            return self._repo_file(target, state.cwd)
        # written in one cwd alternative or another: either may run
        return found[0] if len(found) == 1 else _join_text(found, "\n")

    def _write_file(
        self, target: Value, cwd: tuple[Value, ...], content: Value, append: bool
    ) -> None:
        """Record ``content`` written to ``target`` (replacing, or appended to what the
        command wrote there before), under every key it may name."""
        for key in self._file_keys(target, cwd):
            files = self._own_files()
            old = files.get(key) if append else None
            files[key] = content if old is None else _concat(old, content)

    def _repo_file(self, target: Value, cwd: tuple[Value, ...]) -> Value | None:
        """A file written under the repository root read by its path, or the reverse: the
        walker does not know the root, which is the start cwd or one of its parents, so
        ``REPO/x.sh`` may be ``CWD/x.sh`` (``$(git rev-parse --show-toplevel)/x.sh``)."""
        prefix = "\0" + repr(Sym(REPO))
        files = self.files
        start = self.cwd.rstrip("/") + "/"
        for key in self._file_keys(target, cwd):
            if key.startswith(prefix):
                rest = key[len(prefix) :]
                pairs = [(k, rest, k) for k in files if k.startswith("/")]
            elif key.startswith("/"):
                pairs = [(key, k[len(prefix) :], k) for k in files if k.startswith(prefix)]
            else:
                continue
            for path, rest, found in pairs:
                if (not rest or rest.startswith("/")) and path.endswith(rest):
                    root = path[: len(path) - len(rest)].rstrip("/") + "/"
                    if start.startswith(root):
                        return files[found]
        return None

    def _record_files(self, call: _Call, output: Value, state: _State) -> None:
        self._record_written(call.redirects, output, call.cwd)

    def _record_written(
        self, redirects: tuple[Redirection, ...], output: Value, cwd: tuple[Value, ...]
    ) -> None:
        """The files that ``output`` goes to through stdout redirections (§5.7)."""
        for r in redirects:
            if r.target is None or r.fd not in (None, 1):
                continue
            if r.op in (">", ">|", ">>", "&>", "&>>"):
                self._write_file(r.target, cwd, output, r.op in (">>", "&>>"))

    # -- execution -------------------------------------------------------------------------

    def _exec(self, call: _Call, state: _State, ctx: _Ctx) -> Value:
        argv = call.argv
        if not argv:
            return _EMPTY
        if call.cwd is not state.cwd and call.cwd != state.cwd:
            # env -C DIR, sudo -D DIR, git -C DIR: the command and every payload it runs
            # (bash -c, xargs sh -c, a written script) work in DIR, for it alone (§5.5)
            state = state.copy()
            state.cwd = call.cwd
        head = argv[0]
        text = head.text
        if text is not None and "/" not in text:
            # canonical_name(head) for the commonest head, a bare known name, without its
            # frame; by the text, from _BARE_NAMES when seen before (a function of the text)
            name: str | None = _BARE_NAMES.get(text)
            if name is None:
                lowered = text.lower()
                if "." in lowered and lowered[-4:] == ".exe":
                    lowered = lowered[:-4]
                name = lowered or None
                if name is not None and len(text) <= _PLAIN_WORDS_TEXT:
                    if len(_BARE_NAMES) >= _PLAIN_WORDS_SIZE:
                        _BARE_NAMES.clear()
                    _BARE_NAMES[text] = name
            by_path = False
        else:
            name = canonical_name(head)
            by_path = True
        if name is not None and head.pattern and _is_glob_word(head):
            name = None  # /bin/r? could be any program (§10.2)
        if name is None:
            if self.files and head.known and head.pieces and type(head.pieces[0]) is Sym:
                # "$F" with F=$(mktemp): a symbolic location is known (§7.1), and a script
                # written there earlier in this command is run (§5.7)
                content = self._file_content(head, state)
                if content is not None:
                    self._emit(call, None, ctx, state)
                    sctx = ctx.hop("written-script", call.spans[0], render(head))
                    return self._payload_text(content, state.copy(), sctx, exact_at=-1, call=call)
            self._emit(call, None, ctx, state)
            self._unresolved(call, state, ctx)
            return Value((Unknown("$(…)"),))
        if by_path:
            # a script written earlier in this command, run by path
            content = self._file_content(head, state)
            if content is not None:
                self._emit(call, name, ctx, state)
                sctx = ctx.hop("written-script", call.spans[0], text or name)
                return self._payload_text(content, state.copy(), sctx, exact_at=-1, call=call)
        if state.funcs and text is not None:
            funcs = state.funcs.get(text)
            if funcs is not None:
                self._function_call(call, funcs, state, ctx)
        handler = _HANDLERS.get(name)
        if handler is not None:
            result = handler(self, call, name, state, ctx)
            if result is not None:
                return result
            return _EMPTY
        if name[:4] == "mkfs" or name[:5] == "newfs":  # name.startswith(...), cheaper
            self._emit(call, name, ctx, state)
            return _EMPTY
        if name in _w.INTERPRETERS or (name[:6] == "python" and _is_python(name)):
            return self._interpreter(call, name, state, ctx)
        self._emit(call, name, ctx, state)
        return self._output(call, name, state) if self.need_output else _UNKNOWN_OUT

    def _unresolved(self, call: _Call, state: _State, ctx: _Ctx) -> None:
        """§10.2 readings the walker can make: the empty/wrapper reading and the shell/eval
        candidate readings."""
        rest = call.argv[1:]
        span = call.spans[0]
        if rest:
            uctx = ctx.hop("unresolved-command", span, "")
            self._exec(call.shifted(1), state.copy(), uctx)
        # candidate readings whose spelling agrees with the word's known pieces, matched as
        # a pattern (b«…»h agrees with bash, e«…» with eval: §10.2)
        pattern = command_word_pattern(call.argv[0])
        program = call.stdin.content
        if (
            program is not None
            and (not rest or rest[0].text in ("-s", "-"))
            and any(pattern_agrees(pattern, shell) for shell in _w.SHELLS)
        ):
            # candidate reading: a shell reading its program from stdin (§6.3: `-s` or no
            # operand), as in `echo 'rm -rf src' | $X`
            sctx = ctx.hop("unresolved-command", span, "bash")
            self._payload_text(program, state.copy(), sctx, exact_at=-1)
        if not rest:
            return
        flag = rest[0].text
        if (
            flag is not None
            and flag.startswith("-")
            and "c" in flag
            and len(rest) > 1
            and any(pattern_agrees(pattern, shell) for shell in _w.SHELLS)
        ):
            # candidate reading: the unknown word names a shell (§10.2)
            cctx = ctx.hop("unresolved-command", span, "bash")
            self._payload_text(rest[1], state.copy(), cctx, exact_at=call.spans[2][0])
        if any(
            v.text is not None and not _EVAL_SYNTAX.isdisjoint(v.text) for v in rest
        ) and pattern_agrees(pattern, "eval"):
            # eval joins its words and runs them as shell code: only words holding shell
            # syntax read differently from the empty reading above
            ectx = ctx.hop("unresolved-command", span, "eval")
            self._payload_text(_join_text(rest), state.copy(), ectx, exact_at=-1)
        if (
            pattern_agrees(pattern, "xargs")
            and _xargs_could_take(rest[0].text)
            and not any(hop[0] == "unresolved-command" for hop in ctx.via)
        ):
            # xargs runs its operands as a command, with items read from stdin (§6.5). Only
            # the first unresolved word of a chain is read so: `$A $B cmd` with B as xargs is
            # A's xargs reading with B empty, and a reading per word would double the work
            # per word (`$A $B $C … cmd`, a crontab line's five `*`)
            xcall = call.shifted(0)
            xcall.argv[0] = lit("xargs")
            self._exec(xcall, state.copy(), ctx.hop("unresolved-command", span, "xargs"))

    def _function_call(
        self, call: _Call, func: tuple[object, _State], state: _State, ctx: _Ctx
    ) -> None:
        node, _ = func
        key = id(node)
        args = tuple(call.argv[1:])
        for active, active_args, _ in self.active_calls:
            if active == key and active_args == args:
                # a recursive call with the arguments of a call being expanded: its body is
                # being judged already, in the same state; expanding it again would only
                # repeat that judgement until a limit (`:(){ :|:& };:` is not a parse limit)
                return
        if key in self.used_funcs and len(ctx.via) > 8:
            return
        self.used_funcs = self.used_funcs | {key}
        self._spend_payload()
        fctx = ctx.hop("function", call.node_span, node.name)  # type: ignore[attr-defined]
        for _name, defined_node, _state, dctx in self.defined:
            if defined_node is node:
                if dctx.src is not ctx.src:
                    # called from a payload (eval f, a trap): the body's spans are in the
                    # text where the function was defined
                    fctx.src, fctx.offset = dctx.src, dctx.offset
                    fctx.exact, fctx.outer = dctx.exact, dctx.outer
                break
        fstate = state.copy()
        fstate.pos = args
        active_calls = self._own_active_calls()
        local_names: set[str] = set()
        active_calls.append((key, args, local_names))
        try:
            self._command(node.body, fstate, fctx, call.stdin)  # type: ignore[attr-defined]
        finally:
            active_calls.pop()
        # (a background call's state leaks too, as every background command's does here:
        # toward protection, since `f &` then `rm "$X"` may run after the body)
        _returned(state, fstate, local_names, ctx.cond or ctx.deferred)

    def _alias_reading(
        self, node: Simple, name: str, state: _State, ctx: _Ctx, stdin: Stdin
    ) -> None:
        value, _ = self.aliases[name]
        self.used_aliases = self.used_aliases | {name}
        self._spend_payload()
        words = node.words
        k = 1
        # a value ending in a blank makes the next word alias-checked too (§5.6)
        while _ends_blank(value) and k < len(words):
            following = words[k].plain()
            if following is None or following not in self.aliases or following == name:
                break
            self.used_aliases = self.used_aliases | {following}
            value = _concat(value, self.aliases[following][0])
            k += 1
        rest_text = ctx.text((words[k].span[0], node.span[1])) if len(words) > k else ""
        text = _concat(value, lit(" " + rest_text, True)) if rest_text else value
        actx = ctx.hop("alias", node.span, name)
        self.in_alias = self.in_alias | {name}
        try:
            self._payload_text(text, state, actx, exact_at=-1, stdin=stdin)
        finally:
            self.in_alias = self.in_alias - {name}

    def _spend_payload(self) -> None:
        self.payloads += 1
        if self.payloads > PAYLOAD_BUDGET:
            raise _Limit("payload-budget")

    def _payload_text(
        self,
        text: Value,
        state: _State,
        ctx: _Ctx,
        exact_at: int,
        call: _Call | None = None,
        stdin: Stdin | None = None,
    ) -> Value:
        """Parse and walk a shell payload in ``state`` (the caller decides whether it is a
        copy).  ``ctx`` already carries the hop.  Unknown pieces of the text stay unknown:
        each is bound to a placeholder variable."""
        self._spend_payload()
        source, bindings = _payload_source(text)
        # payload parses share one character budget, so nested re-parsing stays linear
        self.payload_chars += len(source)
        if self.payload_chars > _PAYLOAD_CHAR_FACTOR * len(self.command) + _PAYLOAD_CHAR_SLACK:
            raise _Limit("payload-budget")
        script = parse(source)
        if script.limit is not None:
            raise _Limit(script.limit)
        pctx = ctx.clone()
        pctx.src = source
        offset = -1
        if exact_at >= 0 and ctx.exact and not bindings and source:
            found = ctx.src.find(source, exact_at)
            if found >= 0 and found - exact_at <= 2:
                offset = found + ctx.offset
        if offset >= 0:
            pctx.exact = True
            pctx.offset = offset
        else:
            pctx.exact = False
            pctx.offset = 0
            pctx.outer = ctx.via[-1][1] if ctx.via else ctx.outer
        for name, value in bindings.items():
            state.vars[name] = ((value,),)
        if script.malformed and pctx.reading == 0:
            pctx.reading = 1
        hop = pctx.via[-1] if pctx.via else None
        if hop is not None and (
            hop[0] in _SAME_SHELL_HOPS or (hop[0] == "unresolved-command" and hop[2] == "eval")
        ):
            # eval, source, an alias, a trap's command: the same shell, whose end judges the
            # traps set here, and whose traps a reset here drops
            out = self._list(script.body, state, pctx, stdin or _INHERITED)
        else:
            traps = len(self.late_traps)
            floor, self.trap_floor = self.trap_floor, traps
            try:
                out = self._list(script.body, state, pctx, stdin or _INHERITED)
            finally:
                self.trap_floor = floor
            if len(self.late_traps) > traps:
                # traps set in this payload (bash -c '…; trap c EXIT; c() {…}') run when its
                # shell ends: judged in its final state, not in the outer shell's
                self._late_traps(traps, state)
                del self.late_traps[traps:]  # type: ignore[attr-defined]
        for number, reading in script.readings:
            rctx = pctx.hop("lenient-reading", reading.body.span, f"reading {number}")
            rctx.reading = number
            self._list(reading.body, state.copy(), rctx, _INHERITED)
        return out

    # -- outputs of literal producers (§5.4) -----------------------------------------------

    def _output(self, call: _Call, name: str, state: _State) -> Value:
        if not self.need_output:
            return _UNKNOWN_OUT
        argv = call.argv
        producer_cmd = self.out[-1] if self.out else None
        try:
            value = _literal_output(self, call, name, state)
        except (ValueError, IndexError):
            value = None
        if value is not None:
            return value
        kind = "unknown"
        if name == "find":
            kind = "find"
        elif name == "ls":
            kind = "ls"
        elif name == "git" and _git_lists_files(argv):
            kind = "git-listed"
        elif name in _w.SELECTING_FILTERS and call.stdin.kind == "pipe":
            prod = call.stdin.producer
            if prod is not None and prod.kind != "literal":
                return Value((Unknown("$(…)", True, prod),))
        return Value((Unknown("$(" + name + " …)", True, Producer(kind, producer_cmd, name)),))

    # -- interpreters (§6.6) ---------------------------------------------------------------

    def _interpreter(self, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value:
        self._emit(call, name, ctx, state)
        record = self.out[-1]  # the producer of the interpreter's output (§6.7)
        interp = _module("sessionkit.policy.interp")

        sources = interp.code_sources(
            name, call.argv, call.stdin, self._script_content(call, state)
        )
        for language, code, span_index in sources:
            span = call.spans[span_index] if 0 <= span_index < len(call.spans) else call.node_span
            ictx = ctx.hop("interpreter", span, name)
            for action in interp.scan(language, code):
                kind, payload = action
                if kind == "shell":
                    self._payload_text(payload[0], state.copy(), ictx, exact_at=-1)
                elif kind == "argv":
                    argv = payload
                    if argv:
                        sub = _new_call(
                            argv,
                            [span] * len(argv),
                            call.env,
                            (),
                            _INHERITED,
                            call.cwd,
                            call.node_span,
                        )
                        self._exec(sub, state.copy(), ictx)
                elif kind == "rmtree":
                    argv = [lit("rm"), lit("-rf"), *payload]
                    sub = _new_call(
                        argv, [span] * len(argv), call.env, (), _INHERITED, call.cwd, call.node_span
                    )
                    dctx = ictx.clone()
                    self._emit(sub, "rm", dctx, state)
        return Value((Unknown("$(" + name + " …)", True, Producer("unknown", record, name)),))

    def _script_content(self, call: _Call, state: _State) -> Value | None:
        for v in call.argv[1:]:
            t = v.text
            if t is None and (
                type(v.pieces[0]) is Sym
                or (len(v.pieces) == 1 and id(v.pieces[0]) in self.procsubs)
            ):
                # python "$F", F=$(mktemp); python <(echo '…'), a known output
                return self._file_content(v, state)
            if t is None or t.startswith("-"):
                continue
            return self._file_content(v, state)
        return None

    # -- git configuration (§5.8) ----------------------------------------------------------

    def _git_config_for(self, call: _Call) -> tuple[tuple[str, Value | None], ...]:
        if self.files:
            # configuration files written in the command (echo '[alias]…' >> .git/config,
            # a file then named by include.path): git reads them when it runs (§5.7, §5.8)
            written = self._written_git_config(call)
            if written:
                return (
                    (*self._git_config_env(call), *written)
                    if call.env
                    else (
                        *self.git_config,
                        *written,
                    )
                )
        return self._git_config_env(call)

    def _written_git_config(self, call: _Call) -> list[tuple[str, Value | None]]:
        included = {
            value.text
            for key, value in self.git_config
            if value is not None and (key == "include.path" or key.endswith(".path"))
        }
        for word in call.argv:  # git -c include.path=FILE
            lowered = (word.text or "").lower()
            if lowered.startswith("include") and ".path=" in lowered:
                included.add((word.text or "").split("=", 1)[1])
        out: list[tuple[str, Value | None]] = []
        for path, content in self.files.items():
            text = content.text
            if text is None or not path.startswith("/"):
                continue
            if path in included or path.endswith(_GIT_CONFIG_FILES):
                from sessionkit.policy.repofacts import parse_git_config

                for key, value in parse_git_config(text):
                    out.append((key, lit(value if value is not None else "true")))
        return out

    def _git_config_env(self, call: _Call) -> tuple[tuple[str, Value | None], ...]:
        if not call.env:
            return tuple(self.git_config)
        pairs = list(self.git_config)
        env = dict(call.env)
        for var, params in call.env:
            if var != "GIT_CONFIG_PARAMETERS" or params.text is None:
                continue
            import re

            for m in re.finditer(r"'([^']*)'(?:=('([^']*)'))?", params.text):
                key = m.group(1)
                if "=" in key and m.group(2) is None:
                    key, _, val = key.partition("=")
                    pairs.append((key.lower(), lit(val)))
                else:
                    pairs.append((key.lower(), lit(m.group(3) or "")))
        count = env.get("GIT_CONFIG_COUNT")
        if count is not None and count.text is not None and count.text.isdigit():
            for k in range(min(int(count.text), 64)):
                key = env.get(f"GIT_CONFIG_KEY_{k}")
                val = env.get(f"GIT_CONFIG_VALUE_{k}")
                if key is not None and key.text is not None:
                    pairs.append((key.text.lower(), val if val is not None else _EMPTY))
        return tuple(pairs)


def _is_glob_word(value: Value) -> bool:
    """True when an unquoted glob in the field could match several names (``r?``, ``*``,
    ``[a-z]m``); a lone ``[`` is the test command."""
    for piece in value.pieces:
        if type(piece) is Lit and not piece.quoted:
            text = piece.text
            if "*" in text or "?" in text:
                return True
            open_at = text.find("[")
            if open_at >= 0 and text.find("]", open_at + 2) > open_at:
                return True
    return False


def _is_python(name: str) -> bool:
    return name.startswith("python") and all(c.isdigit() or c == "." for c in name[6:])


def _payload_source(text: Value) -> tuple[str, dict[str, Value]]:
    if text.text is not None:
        return text.text, {}
    chunks: list[str] = []
    bindings: dict[str, Value] = {}
    for piece in text.pieces:
        if type(piece) is Lit:
            chunks.append(piece.text)
        else:
            name = f"__SK_{len(bindings)}"
            bindings[name] = Value((piece,))
            chunks.append("${" + name + "}")
    return "".join(chunks), bindings


def _git_lists_files(argv: list[Value]) -> bool:
    words = [v.text for v in argv[1:]]
    sub = next((w for w in words if w and not w.startswith("-")), None)
    if sub == "ls-files":
        return True
    if sub == "status":
        return any(
            w in ("--porcelain", "-s", "--short") or (w or "").startswith("--porcelain")
            for w in words
        )
    if sub == "diff":
        return any(w in ("--name-only", "--name-status") for w in words)
    if sub == "clean":
        return (
            any(
                w is not None and w.startswith("-") and not w.startswith("--") and "n" in w
                for w in words
            )
            or "--dry-run" in words
        )
    return False


def _literal_output(walker: _Walker, call: _Call, name: str, state: _State) -> Value | None:
    argv = call.argv
    args = argv[1:]
    if name == "echo":
        newline = True
        escapes = False
        k = 0
        while k < len(args) and args[k].text in ("-n", "-e", "-E", "-ne", "-en", "-nE", "-En"):
            flag = args[k].text or ""
            newline = newline and "n" not in flag
            escapes = "e" in flag or (escapes and "E" not in flag)
            k += 1
        joined = _join_text(args[k:])
        if escapes:
            if joined.text is None:
                return Value((Unknown("$(echo …)"),))
            text, stop = _echo_escapes(joined.text)
            return lit(text + ("\n" if newline and not stop else ""), True)
        return _concat(joined, lit("\n", True)) if newline else joined
    if name in ("true", "false", ":"):
        return _EMPTY
    if name == "printf":
        if not args:
            return None
        if args[0].text == "-v":
            return _EMPTY
        if args[0].text == "--":  # ends printf's options: the format follows
            args = args[1:]
            if not args:
                return None
        fmt = args[0].text
        texts = [a.text for a in args[1:]]
        if fmt is None:
            return None
        if any(t is None for t in texts):
            if fmt in ("%s", "%s\\n", "%s\n") and len(texts) == 1:
                return _concat(args[1], lit("\n", True)) if fmt != "%s" else args[1]
            return None
        result = _printf(fmt, [t or "" for t in texts])
        return None if result is None else lit(result, True)
    if name == "cat":
        files = [a for a in args if a.text != "-" and not (a.text or "x").startswith("-")]
        if not files:
            stdin = call.stdin
            if (
                stdin.kind in ("heredoc", "here-string", "file", "pipe")
                and stdin.content is not None
            ):
                return stdin.content
            if stdin.kind == "pipe" and stdin.producer is not None:
                return Value((Unknown("$(…)", True, stdin.producer),))
            return None
        out = _EMPTY
        for f in files:
            content = walker._file_content(f, state)
            if content is None:
                return None
            out = _concat(out, content)
        return out
    if (
        name in ("which", "whereis")
        or (name == "command" and args and args[0].text == "-v")
        or (name == "type" and args and args[0].text in ("-P", "-p"))
    ):
        targets = [a for a in args if not (a.text or "").startswith("-")]
        if targets and targets[0].text is not None:
            prog = targets[0].text
            return lit(prog if "/" in prog else "/usr/bin/" + prog)
        return None
    if name in ("basename", "dirname", "realpath", "readlink"):
        targets = [a for a in args if not (a.text or "").startswith("-")]
        if not targets:
            return None
        target = targets[0]
        if name == "readlink" and not any(a.text in ("-f", "-e", "-m") for a in args):
            return None
        if target.text is None:
            if name == "dirname" and target.pieces and type(target.pieces[-1]) is Lit:
                return None
            return Value((Unknown("$(" + name + " …)"),)) if name != "basename" else None
        text = target.text
        if name == "basename":
            base = text.rstrip("/").rsplit("/", 1)[-1] or "/"
            suffix = targets[1].text if len(targets) > 1 else None
            if suffix and base.endswith(suffix) and base != suffix:
                base = base[: -len(suffix)]
            return lit(base + "\n")
        if name == "dirname":
            stripped = text.rstrip("/")
            if "/" not in stripped:
                return lit(("/" if text.startswith("/") else ".") + "\n")
            return lit((stripped.rsplit("/", 1)[0] or "/") + "\n")
        path = walker._resolve(target, call.cwd)
        if path is None:
            return None
        return lit(path + "\n")
    if name == "pwd":
        if len(call.cwd) == 1:
            return _concat(call.cwd[0], lit("\n", True))
        return None
    if name == "git":
        words = [a.text for a in args]
        if "rev-parse" in words:
            if "--show-toplevel" in words:
                return Value((Sym(REPO), Lit("\n", True)))
            if "--show-cdup" in words:
                # the way up from the cwd to the top: "" or "../", always joined as a prefix
                # (`$(git rev-parse --show-cdup)build`), so the top itself with its slash
                return Value((Sym(REPO), Lit("/\n", True)))
            if "--git-dir" in words or "--git-common-dir" in words or "--absolute-git-dir" in words:
                return Value((Sym(REPO), Lit("/.git\n", True)))
        return None
    if name == "mktemp":
        walker.fresh += 1
        return Value((Sym(FRESH, walker.fresh, _mktemp_dir(args)), Lit("\n", True)))
    if name in _w.FILTERS:
        content = call.stdin.content
        if content is None or content.text is None:
            return None
        return _filter(name, [a.text for a in args], content.text)
    return None


def _filter(name: str, args: list[str | None], text: str) -> Value | None:
    import base64
    import binascii

    if any(a is None for a in args):
        return None
    words = [a or "" for a in args]
    if name == "base64":
        if not any(w in ("-d", "--decode", "-D") for w in words):
            return None
        try:
            return lit(
                base64.b64decode("".join(text.split()), validate=False).decode(
                    "utf-8", "surrogateescape"
                ),
                True,
            )
        except (binascii.Error, ValueError):
            return None
    if name == "rev":
        return lit("".join(line[::-1] + "\n" for line in text.splitlines()), True)
    if name == "tr":
        sets = [w for w in words if not w.startswith("-")]
        if any(len(w) > 1 and ("-" in w or "[" in w or "\\" in w) for w in sets):
            return None  # ranges and classes: not literal single-character sets
        if (
            len(sets) == 2
            and len(sets[0]) == len(sets[1])
            and not any(w.startswith("-") for w in words)
        ):
            return lit(text.translate(str.maketrans(sets[0], sets[1])), True)
        if len(sets) == 1 and words[0] == "-d":
            return lit(text.translate({ord(c): None for c in sets[0]}), True)
        return None
    if name in ("head", "tail"):
        count = 10
        for k, w in enumerate(words):
            if w == "-n" and k + 1 < len(words) and words[k + 1].lstrip("-+").isdigit():
                count = int(words[k + 1].lstrip("-+"))
            elif w.startswith("-n") and w[2:].isdigit():
                count = int(w[2:])
            elif w.startswith("-") and w[1:].isdigit():
                count = int(w[1:])
        lines = text.splitlines(keepends=True)
        return lit(
            "".join(lines[:count] if name == "head" else lines[-count:] if count else []), True
        )
    if name == "sort":
        return _sort_filter(words, text)
    if name == "uniq":
        return _uniq_filter(words, text)
    return _grep_filter(name, words, text)


def _flag_letters(words: list[str], allowed: str) -> str | None:
    """The letters of short-option words made only of ``allowed`` letters (``-ru``), or None
    when a word is anything else: an operand (a file to read), a value, a long option."""
    letters = ""
    for w in words:
        if len(w) < 2 or w[0] != "-" or w[1] == "-" or any(c not in allowed for c in w[1:]):
            return None
        letters += w[1:]
    return letters


def _sort_filter(words: list[str], text: str) -> Value | None:
    """``sort`` of known lines: the same lines in some order (the order the locale gives does
    not change which targets a consumer receives); ``-u`` drops repeats."""
    flags = _flag_letters(words, "bdfghiMnRrsuV")
    if flags is None:
        return None
    lines = text.splitlines()
    if "u" in flags:
        lines = list(dict.fromkeys(lines))
    return lit("".join(line + "\n" for line in sorted(lines, reverse="r" in flags)), True)


def _uniq_filter(words: list[str], text: str) -> Value | None:
    """``uniq`` of known lines: adjacent repeats collapsed; ``-d`` keeps only repeated lines,
    ``-u`` only lines that are not repeated."""
    flags = _flag_letters(words, "dui")
    if flags is None:
        return None
    groups: list[tuple[str, int]] = []
    for line in text.splitlines():
        key = line.lower() if "i" in flags else line
        if groups and (groups[-1][0].lower() if "i" in flags else groups[-1][0]) == key:
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((line, 1))
    kept = [
        line
        for line, count in groups
        if not ("d" in flags and count < 2) and not ("u" in flags and count > 1)
    ]
    return lit("".join(line + "\n" for line in kept), True)


# a pattern that basic and extended regular expressions and Python's ``re`` read alike
_COMMON_REGEX = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/:,=@%^$.* "
)


def _grep_filter(name: str, words: list[str], text: str) -> Value | None:
    """``grep PATTERN`` over known lines: the lines it selects. A pattern the three regex
    dialects could read differently keeps every line (a superset of the real selection: each
    consumer then judges at least what runs)."""
    fixed = name == "fgrep"
    ignore = invert = whole_line = whole_word = False
    pattern: str | None = None
    k = 0
    while k < len(words):
        w = words[k]
        k += 1
        if w == "-e" and k < len(words) and pattern is None:
            pattern = words[k]
            k += 1
            continue
        if w == "--":
            if k < len(words) and pattern is None:
                pattern = words[k]
                k += 1
            if k < len(words):
                return None  # files to read
            break
        if w[:1] == "-" and len(w) > 1:
            flags = _flag_letters([w], "EFGPivxws")
            if flags is None:
                return None  # counts, line numbers, context, files: other output
            fixed = fixed or "F" in flags
            ignore = ignore or "i" in flags
            invert = invert or "v" in flags
            whole_line = whole_line or "x" in flags
            whole_word = whole_word or "w" in flags
            continue
        if pattern is None:
            pattern = w
            continue
        return None  # a file operand: grep reads the file, not stdin
    if pattern is None:
        return None
    import re

    if fixed:
        source = re.escape(pattern)
    elif all(c in _COMMON_REGEX for c in pattern):
        source = pattern
    else:
        return lit(text if text.endswith("\n") or not text else text + "\n", True)
    if whole_word:
        source = r"(?<!\w)(?:" + source + r")(?!\w)"
    try:
        rx = re.compile(source, re.IGNORECASE if ignore else 0)
    except re.error:
        return None
    test = rx.fullmatch if whole_line else rx.search
    kept = [line for line in text.splitlines() if (test(line) is not None) != invert]
    return lit("".join(line + "\n" for line in kept), True)


# --- handlers for builtins, wrappers, shells and executors ----------------------------------

if TYPE_CHECKING:
    from collections.abc import Callable

    Handler = Callable[[_Walker, _Call, str, _State, _Ctx], "Value | None"]

_HANDLERS: dict[str, Handler] = {}


def _handler(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for n in names:
            _HANDLERS[n] = fn
        return fn

    return register


def _texts(values: Sequence[Value]) -> list[str | None]:
    return [v.text for v in values]


@_handler("cd", "pushd", "popd")
def _h_cd(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    args = [a for a in call.argv[1:] if not (a.text or "").startswith("-") or a.text == "-"]
    if name == "popd":
        new: tuple[Value, ...] = (Value((Unknown("$(popd)"),)),)
    elif not args:
        new = (w.home_value,) if name == "cd" else state.cwd
    elif args[0].text == "-":
        new = state.oldcwd
    else:
        target = args[0]
        new = tuple(_join_cwd(c, target) for c in state.cwd)
    old = state.cwd
    state.oldcwd = old
    state.cwd = _dedupe_values(new)
    return _EMPTY


def _join_cwd(cwd: Value, target: Value) -> Value:
    first = target.pieces[0] if target.pieces else None
    if type(first) is Sym or (type(first) is Lit and first.text.startswith("/")):
        base = target
    elif type(first) is Unknown:
        return Value((Unknown("cd " + render(target)),))
    elif cwd.text is None and any(type(p) is Unknown for p in cwd.pieces):
        return cwd
    else:
        base = Value(merge_pieces([*cwd.pieces, Lit("/"), *target.pieces]))
    if base.text is not None:
        path = os.path.normpath(base.text)
        if path.startswith("//"):  # normpath keeps POSIX's leading "//" ("cd / && cd x")
            path = "/" + path.lstrip("/")
        if len(path) > _MAX_CWD_LENGTH:
            # a chain of relative cds (cd p0 … cd p300, each of which may fail) makes ever
            # deeper alternatives: past this length the cwd is unknown, judged as the
            # repository root (§8.3), so each judgement stays short (§16.4)
            return _TOO_MANY_CWDS
        return lit(path)
    return base


_MAX_CWD_LENGTH = 1024


# declare's case attributes: -l lower case, -u upper case, -c capitalised (bash 4+)
_CASE_ATTRS = ("l", "u", "c")
_NO_OR_CASE_ATTR = (None, "l", "u", "c")


def _cased(value: Value, attr: str) -> Value:
    """A value as a variable declared ``-l``, ``-u`` or ``-c`` stores it."""
    text = value.text
    if text is None:
        return Value((Unknown("${…}"),))
    if attr == "c":
        return lit(text[:1].upper() + text[1:].lower(), True)
    return lit(text.lower() if attr == "l" else text.upper(), True)


def _declared_attrs(w: _Walker, argv: list[Value]) -> None:
    """Record the case (-l, -u) and name-reference (-n) attributes that ``declare``,
    ``typeset`` or ``local`` give to the names it lists (+l, +u, +n take them away)."""
    given = ""
    taken = ""
    for v in argv[1:]:
        t = v.text or ""
        if t.startswith("-") and t != "--":
            given += t[1:]
        elif t.startswith("+"):
            taken += t[1:]
    wanted = [c for c in "nluc" if c in given]
    if not wanted and not any(c in taken for c in "nluc"):
        return
    attrs = w.attrs if type(w.attrs) is dict else dict(w.attrs)
    w.attrs = attrs
    for v in argv[1:]:
        head = v.text if v.text is not None else (_lead(v) or "")
        if head.startswith(("-", "+")) or not head:
            continue
        var, eq, target = head.partition("=")
        var = var.rstrip("+")
        if not var.isidentifier():
            continue
        if "n" in wanted:
            # the target's name: a known identifier, or unknown (the reference reads unknown)
            # the target's name; "" for one not known (declare -n r=$X); the reference itself
            # when it has none yet (declare -n r: its first value names it)
            if eq:
                attrs[var] = target if v.text is not None and _ref_name(target) else ""
            else:
                attrs[var] = var
        elif wanted:
            attrs[var] = wanted[-1]  # -l and -u together: the last one set wins in bash
        elif attrs.get(var) is not None:
            del attrs[var]


@_handler("export", "declare", "typeset", "local", "readonly")
def _h_declare(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    if name != "export" and name != "readonly":
        _declared_attrs(w, call.argv)
    # export NAME…, declare -x NAME…: the names are exported from now on
    exporting = name == "export" or any(
        (a.text or "")[:1] == "-" and "x" in (a.text or "")[1:] for a in call.argv[1:]
    )
    if exporting and any(
        (a.text or "")[:1] == "-" and "f" in (a.text or "")[1:] for a in call.argv[1:]
    ):
        # export -f F, declare -fx F: the function F reaches child shells (_h_shell)
        for v in call.argv[1:]:
            if v.text is not None and v.text.isidentifier():
                _own_exported(state).add(v.text + "()")
        return _EMPTY
    naming = any((a.text or "")[:1] == "-" and "n" in (a.text or "")[1:] for a in call.argv[1:])
    assoc = any((a.text or "")[:1] == "-" and "A" in (a.text or "")[1:] for a in call.argv[1:])
    arrays = any((a.text or "")[:1] == "-" and "a" in (a.text or "")[1:] for a in call.argv[1:])
    for v in call.argv[1:]:
        text = v.text
        head = v.pieces[0] if v.pieces else None
        if type(head) is not Lit:
            continue
        htext = head.text
        if "=" in htext and _ref_name(htext.split("=", 1)[0].rstrip("+")):
            var, _, first = htext.partition("=")
            append = var.endswith("+")
            var = var.rstrip("+")
            rest = Value(merge_pieces([Lit(first, True), *v.pieces[1:]]))
            if w.attrs.get(var) not in _NO_OR_CASE_ATTR and naming:
                # declare -n ref=TARGET names the target (reads of ref go there, _lookup); a
                # reference whose target is not known reads unknown
                state.vars[var] = (None,)
                continue
            if text is not None and text.endswith("=(…)"):
                # array operands were assigned from the syntax tree, before -l/-u was known
                attr = w.attrs.get(var)
                if attr in _CASE_ATTRS and state.vars.get(var):
                    state.vars[var] = tuple(
                        None if a is None else tuple(_cased(f, attr) for f in a)
                        for a in state.vars[var]
                    )
            elif (
                arrays
                and rest.text is not None
                and rest.text[:1] == "("
                and rest.text[-1:] == ")"
                and not any(c in rest.text for c in "'\"\\$`[")
            ):
                # declare -a A='(x y)': bash still reads a compound assignment (plain words)
                elements = tuple(lit(word) for word in rest.text[1:-1].split())
                w._assign(state, var, (elements,), ctx, None, append)
            else:
                w._assign(state, var, ((rest,),), ctx, None, append)
            if exporting:
                # export R=v through a reference exports its target
                target = w._ref(var) if w.attrs else var
                _own_exported(state).add(target if target and target.isidentifier() else var)
        elif text is not None and text.isidentifier():
            if assoc and not exporting:
                # declare -A M: an empty associative array, its keys all known
                state.vars[text] = ((),)
                state.vars[text + _KEYED] = ()
                state.vars[text + _MAP] = _new_map((), ())
            if exporting:
                target = w._ref(text) if w.attrs else text
                _own_exported(state).add(target if target and target.isidentifier() else text)
            elif name == "local" and text not in state.vars:
                state.vars[text] = ((_EMPTY,),)
    if w.active_calls and name in ("local", "declare", "typeset"):
        _declared_local(w.active_calls[-1][2], call.argv)
    return _EMPTY


def _declared_local(local_names: set[str], argv: list[Value]) -> None:
    """Names that ``local``/``declare``/``typeset`` make local to the running function
    (``declare -g`` declares globals)."""
    if any((v.text or "").startswith("-") and "g" in (v.text or "") for v in argv[1:]):
        return
    for v in argv[1:]:
        text = v.text or (v.pieces[0].text if v.pieces and type(v.pieces[0]) is Lit else "")
        if text and not text.startswith(("-", "+")):
            local_names.add(text.split("=", 1)[0].rstrip("+"))


@_handler("unset")
def _h_unset(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    reference = any(v.text == "-n" for v in call.argv[1:])
    for v in call.argv[1:]:
        text = v.text
        if text is not None and text.isidentifier() and w.attrs.get(text) not in _NO_OR_CASE_ATTR:
            if reference:
                w._own_attrs().pop(text, None)  # unset -n R: the reference itself
            else:
                target = w._ref(text)  # unset R: the variable R refers to
                if target.isidentifier():
                    state.vars[target] = ((_EMPTY,),)
                    state.vars.pop(target + _KEYED, None)
                elif target:
                    _unset_element(state, *target[:-1].split("[", 1))
            state.vars[text] = ((_EMPTY,),)
        elif text is not None and text.isidentifier():
            # in a branch that may not run, the branch state's (_Walker._join)
            state.vars[text] = ((_EMPTY,),)
            state.vars.pop(text + _KEYED, None)
            if text in state.funcs:
                _own_funcs(state).pop(text, None)
        elif text is not None and text[-1:] == "]" and "[" in text:
            # unset 'A[i]': that element only (A[@] and A[*]: the whole array)
            var, _, subscript = text[:-1].partition("[")
            if not var.isidentifier():
                continue
            if subscript in ("@", "*"):
                state.vars[var] = ((),)
                state.vars.pop(var + _KEYED, None)
            else:
                _unset_element(state, var, subscript)
        elif text is None and v.pieces and type(v.pieces[0]) is Lit:
            # unset "A[$k]": an element whose subscript is not known
            var, bracket, _ = v.pieces[0].text.partition("[")
            if bracket and var.isidentifier():
                _unset_element(state, var, None)
    return _EMPTY


def _unset_element(state: _State, name: str, subscript: str | None) -> None:
    """``unset 'NAME[i]'`` on an indexed array whose elements are known: element i becomes a
    hole (_HOLE); a subscript that is not known gives one alternative per element removed.
    Keyed and unknown arrays keep their alternatives, a superset of what can remain."""
    found = _map_of(state, name) if (name + _MAP) in state.vars else None
    if found is not None and subscript is not None:
        # unset 'M[k]' of an associative array whose keys are known
        keys, values = found
        if subscript in keys:
            at = keys.index(subscript)
            values = (*values[:at], *values[at + 1 :])
            kept = [lit(k or "") for j, k in enumerate(keys) if j != at]
            state.vars[name] = tuple((v,) for v in values) or ((),)
            state.vars[name + _MAP] = _new_map(kept, values)
        return
    old = state.vars.get(name)
    if old is None or (name + _KEYED) in state.vars:
        return
    index: int | None = None
    if subscript is not None:
        number = _arith_text(subscript, state)
        index = int(number) if number.lstrip("-").isdigit() else None
    out: list[tuple[Value, ...] | None] = []
    for fields in old:
        if fields is None:
            out.append(None)
            continue
        if index is None:
            positions = range(len(fields))
            out.append(fields)  # the subscript may name no element
        else:
            i = index + len(fields) if index < 0 else index
            positions = range(i, i + 1) if 0 <= i < len(fields) else range(0)
            if not positions:
                out.append(fields)
        for i in positions:
            holed = (*fields[:i], _HOLE, *fields[i + 1 :])
            while holed and holed[-1] is _HOLE:
                holed = holed[:-1]  # the highest subscript is the last element that is set
            out.append(holed)
    state.vars[name] = tuple(dict.fromkeys(out)) if len(out) <= MAX_ALTS else (None,)


@_handler("set")
def _h_set(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    args = call.argv[1:]
    for k, v in enumerate(args):
        if v.text == "--":
            state.pos = tuple(args[k + 1 :])
            break
    return _EMPTY


@_handler("shift")
def _h_shift(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    if state.pos is not None:
        n = call.argv[1].text if len(call.argv) > 1 else "1"
        if n is not None and n and not n.isdigit():
            # shift 1+1: bash wants a number ("numeric argument required") and shifts nothing
            return _EMPTY
        state.pos = state.pos[int(n) :] if n and n.isdigit() else None
    return _EMPTY


_READ_VALUE_OPTIONS = frozenset("adpnNtui")


@_handler("read")
def _h_read(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    names: list[str] = []
    array: str | None = None
    delim = "\n"
    args = call.argv[1:]
    k = 0
    options = True
    while k < len(args):
        t = args[k].text or ""
        if options and t == "--":
            options = False
        elif options and t.startswith("-") and len(t) > 1:
            # a cluster such as -ra NAME or -d';': the first option taking a value takes the
            # rest of the cluster, or the next word
            for j in range(1, len(t)):
                opt = t[j]
                if opt not in _READ_VALUE_OPTIONS:
                    continue
                if j + 1 < len(t):
                    value: str | None = t[j + 1 :]
                elif k + 1 < len(args):
                    k += 1
                    value = args[k].text
                else:
                    value = None
                if opt == "a":
                    array = value
                elif opt == "d":
                    delim = ((value if value is not None else "\n")[:1]) or "\0"
                break
        elif _ref_name(t):
            names.append(t)  # a variable, or an element: read -r 'a[1]'
        k += 1
    stdin = call.stdin
    content = stdin.content
    text = content.text if content is not None else None
    targets = names or ([] if array else ["REPLY"])
    if text is None:
        producer = stdin.producer if stdin.kind == "pipe" else None
        if producer is None and stdin.kind == "file":
            # `done < <(git ls-files -o)` carries its producer in the content; a file the
            # command cannot see (`done < list`) is an unbounded list, as for xargs (§7.3)
            if content is not None:
                producer = _carried_producer(content)
            if producer is None:
                producer = Producer("unknown", None, "stdin")
        for n in targets + ([array] if array else []):
            if producer is not None and producer.kind != "literal":
                # `git ls-files -o | while read f; do rm "$f"; done`: what f holds is a line
                # of that producer's output, judged as xargs would judge it (§7.3)
                w._assign(state, n, ((Value((Unknown("$" + n, True, producer),)),),), ctx)
            else:
                w._assign(state, n, (None,), ctx)
        return _EMPTY
    ifs = state.ifs or ""
    for env_name, env_value in call.env:  # IFS=: read …: the prefix assignment splits this read
        if env_name == "IFS" and env_value.text is not None:
            ifs = env_value.text
    lines = text.split(delim)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the final delimiter ends the last line
    # each line is one read; a loop (`while read d`) reads them all, so every line is a value
    # the variables may hold (toward protection for a single read of the first line)
    per_target: list[list[Value]] = [[] for _ in targets]
    arrays: list[tuple[Value, ...]] = []
    for line in lines[:MAX_ALTS] or [""]:
        parts = [p for p in _ifs_split(line, ifs) if p is not None] if ifs else [line]
        if array:
            arrays.append(tuple(lit(p) for p in parts))
        for k in range(len(targets)):
            if k == len(targets) - 1 and len(parts) > k:
                value = line
                for p in parts[:k]:
                    value = value.split(p, 1)[-1]
                value = value.strip(" \t\n") if len(parts) > k + 1 else parts[k]
            else:
                value = parts[k] if k < len(parts) else ""
            literal = lit(value)
            if literal not in per_target[k]:
                per_target[k].append(literal)
    if array:
        w._assign(state, array, tuple(arrays), ctx)
    for k, n in enumerate(targets):
        w._assign(state, n, tuple((v,) for v in per_target[k]), ctx)
    return _EMPTY


@_handler("mapfile", "readarray", "getopts")
def _h_unknown_names(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    for v in call.argv[1:]:
        if v.text is not None and v.text.isidentifier():
            state.vars[v.text] = (None,)
    return _EMPTY


@_handler("printf")
def _h_printf(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    if len(argv) > 2 and argv[1].text == "-v" and argv[2].text and _ref_name(argv[2].text):
        sub = _new_call(
            [argv[0], *argv[3:]], call.spans, call.env, (), call.stdin, call.cwd, call.node_span
        )
        value = _literal_output(w, sub, "printf", state)
        w._assign(state, argv[2].text, ((value,) if value is not None else None,), ctx)
        return _EMPTY
    return w._output(call, name, state)


@_handler("alias")
def _h_alias(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    for k, v in enumerate(call.argv[1:], 1):
        # alias z="rm -rf $HOME": the value keeps its unknown and symbolic pieces (§5.6)
        split = _split_at_eq(v)
        if split is None:
            continue
        alias, value = split
        w._own_aliases()[alias] = (value, call.spans[k])
        w._own_alias_defs().append((alias, value, state.copy(), ctx, call.spans[k]))
    return _EMPTY


def _config_setting(operand: Value) -> tuple[str, Value] | None:
    """``git -c KEY=VALUE``: the key (known) and the value with its unknown and symbolic pieces
    (``-c alias.x="!rm -rf $HOME"``); None when the key itself is not known."""
    split = _split_at_eq(operand)
    if split is not None:
        return split[0].lower(), split[1]
    pieces = operand.pieces
    if len(pieces) == 1 and type(pieces[0]) is Lit:
        return pieces[0].text.lower(), lit("")
    return None


def _split_at_eq(v: Value) -> tuple[str, Value] | None:
    """``NAME=VALUE`` in one word: NAME (from the leading literal) and VALUE with its unknown
    and symbolic pieces; None when the leading literal has no ``=``."""
    head = v.pieces[0] if v.pieces else None
    if type(head) is not Lit or "=" not in head.text:
        return None
    name, _, first = head.text.partition("=")
    return name, Value(merge_pieces([Lit(first, head.quoted), *v.pieces[1:]]))


def _lead(v: Value) -> str | None:
    """The leading literal text of a word, quoted or not (``-c`` of ``-c"$CMD"``, ``-oProxy
    Command=…`` of ``-oProxy'Command=…'``); None when it starts with an unknown or symbolic
    piece."""
    pieces = v.pieces
    if not pieces or type(pieces[0]) is not Lit:
        return None
    if len(pieces) == 1 or type(pieces[1]) is not Lit:
        return pieces[0].text
    texts = []
    for piece in pieces:
        if type(piece) is not Lit:
            break
        texts.append(piece.text)
    return "".join(texts)


def _drop_lead(v: Value, count: int) -> Value:
    """``v`` without the first ``count`` characters of its leading literal text (the attached
    value of a short option: ``$PWD:/w`` of ``-v$PWD:/w``), its other pieces kept."""
    pieces = list(v.pieces)
    while count and pieces and type(pieces[0]) is Lit:
        head = pieces[0]
        if len(head.text) > count:
            pieces[0] = Lit(head.text[count:], head.quoted)
            count = 0
        else:
            count -= len(head.text)
            pieces.pop(0)
    return Value(merge_pieces(pieces)) if pieces else lit("")


def _after_bang(value: Value) -> Value | None:
    """The shell command of a ``!command`` git alias or config value, its unknown and symbolic
    pieces kept; None when ``value`` does not start with a literal ``!``."""
    head = value.pieces[0] if value.pieces else None
    if type(head) is not Lit or not head.text.startswith("!"):
        return None
    return Value(merge_pieces([Lit(head.text[1:], True), *value.pieces[1:]]))


def _ends_blank(value: Value) -> bool:
    last = value.pieces[-1] if value.pieces else None
    return type(last) is Lit and last.text.endswith((" ", "\t"))


@_handler("unalias")
def _h_unalias(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    for v in call.argv[1:]:
        if v.text is not None:
            w._own_aliases().pop(v.text, None)
    return _EMPTY


@_handler("eval")
def _h_eval(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    args = call.argv[1:]
    first = 1
    if args and args[0].text == "--":  # eval accepts -- before its words
        args = args[1:]
        first = 2
    if not args:
        return _EMPTY
    text = _join_text(args)
    if (
        text.text is None
        and all(type(p) is Unknown for p in text.pieces if type(p) is not Lit)
        and not any(type(p) is Lit and p.text.strip() for p in text.pieces)
    ):
        return Value((Unknown("$(eval …)"),))
    ectx = ctx.hop("eval", call.node_span, "eval")
    start = call.spans[first][0] if len(args) == 1 else -1
    if call.env:
        # X=src eval '…': the prefix assignment holds while eval runs (bash keeps it only
        # for the command), so the payload reads it from a copy of the current state
        prefixed = state.copy()
        _command_env_into(prefixed, state, call.env)
        return w._payload_text(text, prefixed, ectx, exact_at=start)
    return w._payload_text(text, state, ectx, exact_at=start)


@_handler("source", ".")
def _h_source(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    k = 2 if len(call.argv) > 2 and call.argv[1].text == "--" else 1
    if len(call.argv) <= k:
        return _EMPTY
    target = call.argv[k]
    content: Value | None = None
    if len(target.pieces) == 1 and id(target.pieces[0]) in w.procsubs:
        content = w.procsubs[id(target.pieces[0])]
    elif target.text in ("/dev/stdin", "-"):
        content = call.stdin.content
    else:
        content = w._file_content(target, state)
    if content is None:
        return _EMPTY
    sctx = ctx.hop("source", call.node_span, name)
    return w._payload_text(content, state, sctx, exact_at=-1)


@_handler("trap")
def _h_trap(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    args = [a for a in call.argv[1:] if a.text not in ("-p", "-l", "--")]
    if not args:
        return _EMPTY
    # trap - SIG…, trap '' SIG… and trap SIG (one operand) reset or ignore the signals; a
    # new trap CMD SIG… replaces the earlier one: either way an earlier trap of this shell
    # on those signals no longer runs when it ends
    resetting = args[0].text in ("-", "") or (len(args) == 1 and _signal(args[0]) is not None)
    signals = args[1:] if len(args) >= 2 or args[0].text == "-" else args
    names = frozenset(_signal(a) or "?" for a in signals)
    if w.late_traps and not (ctx.cond or ctx.deferred or ctx.defined_only or ctx.dry):
        _drop_late_traps(w, names)
    if len(args) >= 2 and not resetting:
        tctx = ctx.hop("trap", call.node_span, "trap")
        tctx.deferred = True
        w._payload_text(args[0], state.copy(), tctx, exact_at=call.spans[1][0])
        # it runs later (an EXIT trap when the script ends, another when its signal comes):
        # judged again in the final state too
        traps = w.late_traps if type(w.late_traps) is list else list(w.late_traps)
        traps.append((args[0], call.spans[1][0], tctx, names))
        w.late_traps = traps
    return _EMPTY


_PROMPT_HOOK = frozenset(("PROMPT_COMMAND",))
_SIGNAL_NUMBERS = {"0": "EXIT", "1": "HUP", "2": "INT", "3": "QUIT", "9": "KILL", "15": "TERM"}


def _signal(value: Value) -> str | None:
    """A trap's signal by its canonical name (``exit``, ``SIGINT``, ``2``), None when the word
    is not known or names none."""
    text = value.text
    if text is None or not text:
        return None
    if text.isdigit():
        return _SIGNAL_NUMBERS.get(text, text)
    upper = text.upper()
    upper = upper[3:] if upper.startswith("SIG") else upper
    return upper if upper.isalnum() and not upper[0].isdigit() else None


def _drop_late_traps(w: _Walker, signals: frozenset[str]) -> None:
    """The current shell's traps without ``signals`` (those no longer run); a trap left with
    no signal is gone. A signal not known ("?") drops nothing."""
    traps = list(w.late_traps)
    kept: list[tuple[Value, int, _Ctx, frozenset[str]]] = traps[: w.trap_floor]
    for text, at, tctx, names in traps[w.trap_floor :]:
        left = names - signals
        if left:
            kept.append((text, at, tctx, left))
    if len(kept) != len(traps) or kept != traps:
        w.late_traps = kept


def _parse_wrapper(
    call: _Call, grammar: _w.Wrapper, start: int
) -> list[tuple[int, list[tuple[str, Value]], Value | None, str, bool, list[Value]]]:
    """Read a wrapper's options from argv[start:].  Returns readings
    (index of the command, env pairs, cwd, mode, inert, payload values) where mode is
    "" (run argv), "shell" (run operands through a shell) or "split" (env -S)."""
    argv = call.argv
    readings: list[tuple[int, list[tuple[str, Value]], Value | None, str, bool, list[Value]]] = []
    # each branch: (index, env, cwd, mode, inert, payloads, positional left, branched)
    stack: list[
        tuple[int, list[tuple[str, Value]], Value | None, str, bool, list[Value], int, bool]
    ] = [(start, [], None, "", False, [], grammar.positional, False)]
    while stack:
        i, env, cwd, mode, inert, payloads, positional, branched = stack.pop()
        done = False
        options = True  # until "--": what follows it may still be assignments and positionals
        while i < len(argv) and not done:
            v = argv[i]
            t = v.text
            if t is None:
                break
            if t == "--" and options:
                # timeout -- 5 CMD, env -- X=1 CMD: "--" ends the options only
                options = False
                i += 1
                continue
            if grammar.assignments and "=" in t and t.split("=", 1)[0].isidentifier():
                key, _, val = t.partition("=")
                env = [*env, (key, lit(val))]
                i += 1
                continue
            if not options or not t.startswith("-") or t == "-":
                if positional:
                    if grammar.numeric_inert and t.isdigit() and i + 1 >= len(argv):
                        inert = True
                    positional -= 1
                    i += 1
                    continue
                break
            if grammar.old_numeric and t[1:].isdigit():
                i += 1
                continue
            if t.startswith("--"):
                opt, eq, val = t.partition("=")
                has_value = bool(eq)
                names = [opt]
            else:
                names = []
                k = 1
                while k < len(t):
                    opt = "-" + t[k]
                    names.append(opt)
                    if (
                        opt in grammar.value
                        or opt in grammar.payload
                        or opt in grammar.cwd
                        or opt in grammar.split
                    ):
                        break
                    k += 1
                has_value = k + 1 < len(t)
                val = t[k + 1 :] if has_value else ""
                opt = names[-1]
            for o in names:
                if o in grammar.inert:
                    inert = True
                if o in grammar.shell:
                    mode = "shell"
            takes = (
                opt in grammar.value
                or opt in grammar.payload
                or opt in grammar.cwd
                or opt in grammar.split
            )
            known = takes or all(
                o in grammar.flags or o in grammar.inert or o in grammar.shell for o in names
            )
            if takes:
                if has_value:
                    value = lit(val)
                    i += 1
                elif i + 1 < len(argv):
                    value = argv[i + 1]
                    i += 2
                else:
                    i += 1
                    continue
                if opt in grammar.cwd:
                    cwd = value
                if opt in grammar.payload:
                    payloads = [*payloads, value]
                if opt in grammar.split:
                    mode = "split"
                    payloads = [*payloads, value]
                    # env -S 'git reset' --hard: the split words come first, so what follows
                    # is read after them (GNU env stops at their first non-option)
                    break
                continue
            if not known and not has_value and not branched and i + 1 < len(argv):
                # unknown option: also read it as taking the next word (§6.2)
                stack.append((i + 2, env, cwd, mode, inert, payloads, positional, True))
                branched = True
            i += 1
        readings.append((i, env, cwd, mode, inert, payloads))
    return readings


_PACKAGE_RUNNERS = frozenset(
    ("npx", "pnpx", "bunx", "uvx", "pnpm dlx", "yarn dlx", "npm exec", "pipx run")
)


def _wrapped(
    w: _Walker,
    call: _Call,
    name: str,
    state: _State,
    ctx: _Ctx,
    grammar: _w.Wrapper,
    start: int,
) -> Value | None:
    output: Value | None = None
    for index, env, cwd, mode, inert, payloads in _parse_wrapper(call, grammar, start):
        wctx = ctx
        sub = call.shifted(index)
        sub.wrappers = (*call.wrappers, name)
        if name in _PACKAGE_RUNNERS and sub.argv:
            head = sub.argv[0].text
            if head is not None and head.rfind("@") > 0:
                sub.argv[0] = lit(head[: head.rfind("@")])  # rimraf@5: the package's binary
        if env:
            sub.env = call.env + tuple(env)
            for env_name, env_value in env:
                if env_name == "PROMPT_COMMAND":  # env PROMPT_COMMAND='…' bash -i
                    w._prompt_command(((env_value,),), state, ctx, call.node_span)
        run_state = state
        if cwd is not None:
            sub.cwd = tuple(_join_cwd(c, cwd) for c in call.cwd)
            # the shells the wrapper itself runs (sudo -s CMD, env -S) work there too (§5.5)
            run_state = _run_state(state, sub.cwd)
        for payload in payloads:
            pctx = ctx.hop("env-split" if mode == "split" else "shell-c", call.node_span, name)
            if mode == "split":
                # the split words come first; the remaining operands stay one word each, as
                # env passes them (env -S 'bash -c' 'git reset --hard')
                text = _join_text([payload, *(_shell_word(v) for v in sub.argv)])
                split_state = run_state.copy()
                for var, value in call.env:  # X=src env -S 'rm -rf ${X}': env's environment
                    split_state.vars[var] = ((value,),)
                w._payload_text(text, split_state, pctx, exact_at=-1)
                return _EMPTY
            w._payload_text(payload, run_state.copy(), pctx, exact_at=-1)
        if mode == "shell" and not inert and not sub.argv and call.stdin.kind != "inherited":
            # sudo -s / sudo -i / doas -s without a command: the shell reads stdin (§6.3)
            w._emit(call, name, ctx, state)
            _stdin_program(w, call, name, run_state.copy(), ctx)
            continue
        if inert or not sub.argv:
            if not payloads:
                w._emit(call, name, ctx, state)
            continue
        if mode == "shell":
            pctx = ctx.hop("shell-c", call.node_span, name + " -s")
            w._payload_text(_join_text(sub.argv), run_state.copy(), pctx, exact_at=-1)
            continue
        output = w._exec(sub, state, wctx)
    return output


@_handler(*_w.WRAPPERS)
def _h_wrapper(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    grammar = _w.WRAPPERS[name]
    if name in ("command", "builtin") and len(call.argv) > 1 and call.argv[1].text in ("-v", "-V"):
        w._emit(call, name, ctx, state)
        return w._output(call, name, state)
    return _wrapped(w, call, name, state, ctx, grammar, 1)


@_handler(
    "npx",
    "pnpx",
    "bunx",
    "uvx",
    "pnpm",
    "yarn",
    "npm",
    "uv",
    "pipx",
    "poetry",
    "pipenv",
    "pdm",
    "hatch",
    "rye",
    "conda",
    "mamba",
    "micromamba",
    "bundle",
    "direnv",
    "nix",
    "busybox",
    "toybox",
    "nix-shell",
)
def _h_runner(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    argv = call.argv
    if name in ("busybox", "toybox"):
        if len(argv) > 1:
            sub = call.shifted(1)
            sub.wrappers = (*call.wrappers, name)
            return w._exec(sub, state, ctx)
        w._emit(call, name, ctx, state)
        return _EMPTY
    if name == "nix-shell":
        w._emit(call, name, ctx, state)
        for k, v in enumerate(argv[:-1]):
            if v.text in ("--run", "--command"):
                pctx = ctx.hop("shell-c", call.spans[k + 1], "nix-shell --run")
                w._payload_text(argv[k + 1], state.copy(), pctx, exact_at=call.spans[k + 1][0])
        return _EMPTY
    grammar = _w.RUNNERS.get((name, ""))
    start = 1
    if grammar is None:
        # global options may come before the subcommand: pnpm --silent dlx, poetry -q run,
        # yarn --cwd DIR dlx, poetry -C DIR run
        j = 1
        run_cwd: Value | None = None
        while j < len(argv) and (argv[j].text or "").startswith("-") and argv[j].text != "--":
            opt, eq, val = (argv[j].text or "").partition("=")
            if (name, opt) in _RUNNER_GLOBAL_CWD_OPTIONS:
                # pnpm -C DIR, yarn --cwd DIR, uv --directory DIR, poetry -C DIR: the
                # command runs in DIR (§5.5)
                if eq:
                    run_cwd = lit(val)
                elif j + 1 < len(argv):
                    run_cwd = argv[j + 1]
            j += 2 if argv[j].text in _RUNNER_GLOBAL_VALUE_OPTIONS else 1
        sub_name = argv[j].text if j < len(argv) else None
        grammar = _w.RUNNERS.get((name, sub_name or ""))
        start = j + 1
        if grammar is None:
            w._emit(call, name, ctx, state)
            return w._output(call, name, state)
        if run_cwd is not None:
            call = call.shifted(0)
            call.cwd = _dedupe_values(tuple(_join_cwd(c, run_cwd) for c in call.cwd))
    if name == "nix":
        for k, v in enumerate(argv):
            if v.text in ("-c", "--command"):
                sub = call.shifted(k + 1)
                sub.wrappers = (*call.wrappers, "nix develop")
                return w._exec(sub, state, ctx)
        w._emit(call, name, ctx, state)
        return _EMPTY
    label = name if start == 1 else f"{name} {argv[start - 1].text}"
    return _wrapped(w, call, label, state, ctx, grammar, start)


# package managers' global options that take the next word as their value
# the global options among them that set the directory the subcommand runs in
_RUNNER_GLOBAL_CWD_OPTIONS = frozenset(
    (
        ("pnpm", "-C"),
        ("pnpm", "--dir"),
        ("yarn", "--cwd"),
        ("uv", "--directory"),
        ("poetry", "-C"),
        ("poetry", "--directory"),
    )
)
_RUNNER_GLOBAL_VALUE_OPTIONS = frozenset(
    (
        "-C",
        "--dir",
        "--cwd",
        "--directory",
        "-P",
        "--project",
        "-F",
        "--filter",
        "--loglevel",
        "--prefix",
        "-w",
        "--workspace",
        "-p",
        "-e",
        "--env",
        "--python",
        "--config-file",
    )
)


def _shell_operands(argv: list[Value]) -> tuple[int, bool, bool, bool] | None:
    """Read shell options: (index of the first operand, has -c, dry (-n), stdin (-s))."""
    i = 1
    has_c = dry = from_stdin = False
    while i < len(argv):
        t = argv[i].text
        if t is None:
            break
        if t in ("--", "-"):
            i += 1
            break
        if t in _w.SHELL_VALUE_OPTIONS:
            i += 2
            continue
        if t.startswith("--"):
            i += 1
            continue
        if t[:1] in "-+" and len(t) > 1:
            # each letter in order, the last setting wins: -n and -o noexec turn noexec on,
            # +n and +o noexec turn it off again (bash +o noexec -c … runs its payload); -O
            # takes a shopt name, and noexec is none (bash refuses it), so it is not a dry run
            on = t[0] == "-"
            j = i + 1
            for letter in t[1:]:
                if letter == "o" or letter == "O":
                    if letter == "o" and j < len(argv) and argv[j].text == "noexec":
                        dry = on
                    j += 1
                elif letter == "n":
                    dry = on
                elif on and letter == "c":
                    has_c = True
                elif on and letter == "s":
                    from_stdin = True
            i = j
            continue
        break
    return i, has_c, dry, from_stdin


@_handler(*_w.SHELLS)
def _h_shell(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    parsed = _shell_operands(argv)
    assert parsed is not None
    i, has_c, dry, from_stdin = parsed
    new_state = _new_state(state.cwd)
    new_state.exported = set(state.exported) if state.exported else _NO_NAMES
    for var in state.exported:
        if var in state.vars:
            new_state.vars[var] = state.vars[var]
        elif var[-2:] == "()" and var[:-2] in state.funcs:
            # export -f F: the child shell has F too
            _own_funcs(new_state)[var[:-2]] = state.funcs[var[:-2]]
    if call.env:
        _command_env_into(new_state, state, call.env)
    if has_c:
        if i >= len(argv):
            return _EMPTY
        new_state.pos = tuple(argv[i + 2 :])
        if i + 1 < len(argv):  # bash -c STRING NAME ARGS…: NAME is $0 (§6.3)
            new_state.vars["0"] = ((argv[i + 1],),)
        sctx = ctx.hop("shell-c", call.node_span, f"{name} -c")
        if dry:
            sctx.dry = True
        return w._payload_text(
            argv[i], new_state, sctx, exact_at=call.spans[i][0], stdin=call.stdin
        )
    if i < len(argv) and not from_stdin and argv[i].text in ("/dev/stdin", "/dev/fd/0"):
        new_state.pos = tuple(argv[i + 1 :])  # the script is read from stdin after all
        return _stdin_program(w, call, name, new_state, ctx, dry)
    if i < len(argv) and not from_stdin:
        content = w._file_content(argv[i], state)
        if content is None and len(argv[i].pieces) == 1 and id(argv[i].pieces[0]) in w.procsubs:
            content = w.procsubs[id(argv[i].pieces[0])]
        if content is None:
            return Value((Unknown(f"$({name} …)"),))
        new_state.pos = tuple(argv[i + 1 :])
        new_state.vars["0"] = ((argv[i],),)  # a script's $0 is its path
        sctx = ctx.hop("shell-script", call.spans[i], name)
        sctx.dry = sctx.dry or dry
        return w._payload_text(content, new_state, sctx, exact_at=-1)
    if from_stdin and i < len(argv):
        new_state.pos = tuple(argv[i:])  # bash -s ARGS…: the program's $1 … (§6.3)
    return _stdin_program(w, call, name, new_state, ctx, dry)


def _command_env_into(target: _State, state: _State, env: tuple[tuple[str, Value], ...]) -> None:
    """The command's own environment, seen by the program it runs (§5.3, §6.1): prefix
    assignments (``X=src bash -c …``) and wrapper-set variables (``env X=src``,
    ``sudo X=src``) on top of what ``state`` exports. The pairs of exported variables that
    ``_env`` repeats (their value, or the ``$NAME`` placeholder of a multi-valued one) are
    already in ``target``."""
    last: dict[str, Value] = {}
    for name, value in env:
        last[name] = value
    for name, value in last.items():
        if name in state.exported:
            alts = state.vars.get(name)
            if alts is not None and any(
                alt is not None and len(alt) == 1 and alt[0] == value for alt in alts
            ):
                continue
            pieces = value.pieces
            if len(pieces) == 1 and type(pieces[0]) is Unknown and pieces[0].origin == "$" + name:
                continue
        target.vars[name] = ((value,),)
        _own_exported(target).add(name)


def _stdin_program(
    w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx, dry: bool = False
) -> Value:
    stdin = call.stdin
    content = stdin.content
    sctx = ctx.hop("shell-stdin", call.node_span, name)
    sctx.dry = sctx.dry or dry
    if content is not None and any(type(p) is not Unknown for p in content.pieces):
        return w._payload_text(content, state, sctx, exact_at=-1)
    # B11: literals among an unknown producer's own arguments or code (§6.7), and among
    # those of the pipeline elements that feed it: `echo 'git reset --hard' | sort | sh`
    # hands the echoed literal to the shell through a program the guard cannot follow
    literals: list[Value] = []
    producer = stdin.producer
    hops = 0
    while producer is not None and producer.command is not None and hops < 8:
        command = producer.command
        literals += command.argv[1:]
        if command.name is not None:
            interp = _module("sessionkit.policy.interp")
            literals += interp.string_literals(command.name, command.argv, command.stdin)
        if command.stdin.content is not None:
            literals.append(command.stdin.content)  # known text fed to it (echo, heredoc)
        producer = command.stdin.producer
        hops += 1
    seen: set[str] = set()
    for v in list(literals):
        t = v.text
        if t and t[:2] == "--" and "=" in t:
            literals.append(lit(t.partition("=")[2]))  # --format='git branch -D %(…)' | sh
    for v in literals:
        t = v.text
        if t and (" " in t or ";" in t) and t not in seen:
            seen.add(t)
            uctx = ctx.hop("unresolved-command", call.node_span, "shell-stdin")
            w._payload_text(v, state.copy(), uctx, exact_at=-1)
    return Value((Unknown(f"$({name} …)"),))


@_handler("xargs")
def _h_xargs(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    value_opts = {
        "-a",
        "-d",
        "-E",
        "-e",
        "-I",
        "-L",
        "-l",
        "-n",
        "-P",
        "-s",
        "--arg-file",
        "--delimiter",
        "--max-args",
        "--max-procs",
        "--max-lines",
        "--max-chars",
        "--replace",
        "--eof",
        "--process-slot-var",
    }
    i = 1
    replace: str | None = None
    null = False
    delim: str | None = None
    arg_file: Value | None = None
    eof: str | None = None
    while i < len(argv):
        t = argv[i].text
        if t is None or not t.startswith("-") or t == "-":
            break
        if t == "--":
            i += 1
            break
        opt, eq, val = t.partition("=")
        value: Value | None = None  # the separate value word, with its pieces
        if t.startswith("--"):
            # --replace[=R], --eof[=E], --max-lines[=N]: optional values only after "="
            optional = opt in ("--replace", "--eof", "--max-lines")
            if opt in value_opts and not optional and not eq and i + 1 < len(argv):
                value = argv[i + 1]
                val = value.text or ""
                i += 1
        else:
            opt = t[:2]
            if opt in value_opts or opt == "-i":
                if len(t) > 2:
                    val = t[2:]
                elif opt not in ("-i", "-l", "-e") and i + 1 < len(argv):
                    value = argv[i + 1]
                    val = value.text or ""
                    i += 1
        if opt in ("-I", "--replace") or opt == "-i":
            replace = val or "{}"
        elif opt in ("-0", "--null") or ("0" in t[1:] and not t.startswith("--")):
            null = True
        elif opt in ("-d", "--delimiter"):
            delim = val
        elif opt in ("-a", "--arg-file"):
            # -a <(printf …) keeps its process-substitution piece, whose content is known
            arg_file = value if value is not None and value.text is None else lit(val)
        elif opt in ("-E", "-e", "--eof"):
            eof = val or None  # -e / --eof without a value: no end-of-file string
        i += 1
    template = argv[i:] or [lit("echo")]
    items = _items(w, call, state, arg_file, null, delim, lines=replace is not None, eof=eof)
    xctx = ctx.hop("xargs", call.node_span, "xargs")
    sub_argv: list[Value]
    if replace is not None:
        for item in items[:MAX_ALTS]:
            sub_argv = [_replace(v, replace, item) for v in template]
            _run_argv(w, call, sub_argv, state, xctx)
        return Value((Unknown("$(xargs …)"),))
    sub_argv = [*template, *items]
    _run_argv(w, call, sub_argv, state, xctx)
    return Value((Unknown("$(xargs …)"),))


def _replace(v: Value, token: str, item: Value) -> Value:
    """``v`` with each ``token`` in its literal pieces replaced by ``item``; its unknown and
    symbolic pieces stay (``"$HOME/{}"``)."""
    if not any(type(p) is Lit and token in p.text for p in v.pieces):
        return v
    pieces: list[object] = []
    for piece in v.pieces:
        if type(piece) is not Lit or token not in piece.text:
            pieces.append(piece)
            continue
        for k, chunk in enumerate(piece.text.split(token)):
            if k:
                pieces.extend(item.pieces)
            pieces.append(Lit(chunk, True))
    return Value(merge_pieces(pieces))  # type: ignore[arg-type]


def _has_blank(v: Value) -> bool:
    """A blank in the literal text of ``v``: a shell command line, not one word."""
    return any(type(p) is Lit and (" " in p.text or "\t" in p.text) for p in v.pieces)


def _run_argv(w: _Walker, call: _Call, argv: list[Value], state: _State, ctx: _Ctx) -> Value:
    sub = _new_call(
        argv, [call.node_span] * len(argv), call.env, (), Stdin("closed"), call.cwd, call.node_span
    )
    return w._exec(sub, state.copy(), ctx)


def _items(
    w: _Walker,
    call: _Call,
    state: _State,
    arg_file: Value | None,
    null: bool,
    delim: str | None,
    lines: bool = False,
    eof: str | None = None,
) -> list[Value]:
    """The items an executor reads; ``lines``: one item per input line (``xargs -I``,
    ``parallel``), where blanks do not separate items; ``eof``: xargs's end-of-file string
    (``-E``), an item that ends the input (ignored with ``-0`` and ``-d``, as GNU xargs
    does)."""
    if null or delim:
        eof = None
    content: Value | None
    producer: Producer | None = None
    if arg_file is not None:
        content = w._file_content(arg_file, state)
        pieces = arg_file.pieces
        if content is None and len(pieces) == 1 and id(pieces[0]) in w.procsubs:
            content = w.procsubs[id(pieces[0])]  # xargs -a <(printf 'build\n'): known (§5.2)
    else:
        content = call.stdin.content
        producer = call.stdin.producer
    if content is not None and content.text is not None:
        text = content.text
        if null:
            raw = [t for t in text.split("\0") if t]
        elif delim:
            raw = [t for t in text.split(delim[:1]) if t]
        elif lines:
            raw = [t.lstrip(" \t") for t in text.split("\n") if t.strip(" \t")]
        else:
            import shlex

            try:
                raw = shlex.split(text, posix=True)
            except ValueError:
                raw = text.split()
        if eof is not None and eof in raw:
            raw = raw[: raw.index(eof)]
        return [lit(t, True) for t in raw[:4096]]
    if content is not None and all(type(p) is Lit or type(p) is Sym for p in content.pieces):
        sep = "\0" if null else (delim[:1] if delim else ("\n" if lines else None))
        items = _symbolic_items(content, sep)
        if eof is not None:
            texts = [v.text for v in items]
            if eof in texts:
                items = items[: texts.index(eof)]
        return items
    if content is not None:
        producer = _carried_producer(content) or producer
    if producer is None and call.stdin.kind in ("inherited", "file"):
        # the agent's stdin, or a file the command cannot see (`< list`): an unbounded list
        producer = Producer("unknown", None, "stdin")
    return [Value((Unknown("item", True, producer),))]


def _carried_producer(content: Value) -> Producer | None:
    """The producer an unknown piece of ``content`` carries (the last one's): the input
    ``< <(git ls-files -o)`` or ``-a <(find …)`` reads is that command's output."""
    producer = None
    for piece in content.pieces:
        if type(piece) is Unknown and piece.producer is not None:
            producer = piece.producer
    return producer


def _symbolic_items(content: Value, sep: str | None) -> list[Value]:
    """Items of a known input holding symbolic locations (``mktemp -d | xargs rm -rf``):
    split at ``sep`` (blanks when None) inside the literal pieces."""
    items: list[Value] = []
    current: list[object] = []
    for piece in content.pieces:
        if type(piece) is Sym:
            current.append(piece)
            continue
        text: str = piece.text  # type: ignore[union-attr]
        if sep is None:
            text, sep_here = text.replace("\t", " ").replace("\n", " "), " "
        else:
            sep_here = sep
        for k, chunk in enumerate(text.split(sep_here)):
            if k:
                if current:
                    items.append(Value(merge_pieces(current)))  # type: ignore[arg-type]
                current = []
            if chunk:
                current.append(Lit(chunk, True))
    if current:
        items.append(Value(merge_pieces(current)))  # type: ignore[arg-type]
    return items[:4096]


# GNU parallel options whose value is the next word (attached forms are one word anyway)
_PARALLEL_VALUE_OPTIONS = frozenset(
    (
        "-j",
        "--jobs",
        "-P",
        "--max-procs",
        "-S",
        "--sshlogin",
        "--slf",
        "--sshloginfile",
        "--delay",
        "-N",
        "-n",
        "--max-args",
        "-L",
        "--max-lines",
        "--colsep",
        "-C",
        "-d",
        "--delimiter",
        "-a",
        "--arg-file",
        "--results",
        "--res",
        "--joblog",
        "--timeout",
        "--retries",
        "--halt",
        "-I",
        "--tmpdir",
        "--workdir",
        "--wd",
        "-E",
        "--eof",
        "--memfree",
        "--load",
        "--block",
        "--nice",
        "--tag-string",
        "--tagstring",
        "--rpl",
        "--basefile",
        "--bf",
        "--return",
        "--transferfile",
        "--tf",
        "--env",
        "--shebang-wrap",
        "--sqlmaster",
        "--sqlworker",
        "--limit",
        "--termseq",
        "--ssh",
    )
)


_PARALLEL_SEPARATOR_OPTIONS = frozenset(("--arg-sep", "--argsep", "--arg-file-sep", "--argfilesep"))


@_handler("parallel")
def _h_parallel(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    i = 1
    arg_files: list[Value] = []
    # the separators of item lists (::: ITEMS) and of item files (:::: FILES), renamed by
    # --arg-sep and --arg-file-sep (parallel --arg-sep ,, rm -rf ,, src)
    item_sep, file_sep = ":::", "::::"
    while (
        i < len(argv)
        and (argv[i].text or "").startswith("-")
        and argv[i].text not in (item_sep, file_sep)
    ):
        t = argv[i].text or ""
        if t == "--":
            i += 1
            break
        option, eq, attached = t.partition("=")
        if option in _PARALLEL_SEPARATOR_OPTIONS and (eq or i + 1 < len(argv)):
            sep = attached if eq else argv[i + 1].text
            if sep is not None and option in ("--arg-sep", "--argsep"):
                item_sep = sep
            elif sep is not None:
                file_sep = sep
            i += 1 if eq else 2
            continue
        if t in _PARALLEL_VALUE_OPTIONS and i + 1 < len(argv):
            if t in ("-a", "--arg-file"):
                arg_files.append(argv[i + 1])
            i += 1  # --jobs 4, -S host, --delay 1: the value is not the command
        elif t.startswith("--arg-file="):
            arg_files.append(lit(t.split("=", 1)[1]))
        i += 1
    k = i
    while k < len(argv) and argv[k].text not in (item_sep, file_sep):
        k += 1
    template = argv[i:k]
    items: list[Value] = []
    if k < len(argv):
        # ::: ITEMS… are the items; :::: FILES… name files whose lines are the items
        mode = ""
        for v in argv[k:]:
            t = v.text or ""
            if t in (item_sep, file_sep, item_sep + "+", file_sep + "+"):
                mode = "items" if t.rstrip("+") == item_sep else "files"
            elif mode == "items":
                items.append(v)
            else:
                arg_files.append(v)
    for arg_file in arg_files:
        items += _items(w, call, state, arg_file, False, None, lines=True)
    if k >= len(argv) and not arg_files:
        items = _items(w, call, state, None, False, None, lines=True)
    pctx = ctx.hop("parallel", call.node_span, "parallel")
    # no command, or only the replacement string: each item is a command line of its own
    # (read toward protection even where parallel would quote a lone {})
    if not template or (len(template) == 1 and template[0].text == "{}"):
        for item in items[:MAX_ALTS]:
            w._payload_text(item, state.copy(), pctx, exact_at=-1)
        return _EMPTY
    if len(template) == 1 and _has_blank(template[0]):
        for item in items[:MAX_ALTS]:
            text = _replace(template[0], "{}", item)
            if text is template[0]:
                text = _join_text([template[0], item])
            w._payload_text(text, state.copy(), pctx, exact_at=-1)
        return _EMPTY
    for item in items[:MAX_ALTS]:
        replaced = [_replace(v, "{}", item) for v in template]
        if all(r is t for r, t in zip(replaced, template)):
            replaced = [*template, item]
        _run_argv(w, call, replaced, state, pctx)
    return _EMPTY


@_handler("find")
def _h_find(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    find_cmd = w.out[-1]
    argv = call.argv
    k = 1
    while k < len(argv):
        t = argv[k].text
        if t in ("-exec", "-execdir", "-ok", "-okdir"):
            j = k + 1
            while j < len(argv) and argv[j].text not in (";", "+"):
                j += 1
            template = argv[k + 1 : j]
            item = Value((Unknown("{}", False, Producer("find", find_cmd, "find")),))
            sub_argv = [_replace(v, "{}", item) for v in template]
            if sub_argv:
                fctx = ctx.hop("find-exec", call.node_span, t or "-exec")
                _run_argv(w, call, sub_argv, state, fctx)
            k = j + 1
            continue
        k += 1
    return w._output(call, name, state)


@_handler("watch")
def _h_watch(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    i = 1
    exec_mode = False
    while i < len(argv):
        t = argv[i].text or ""
        if t in ("-n", "--interval", "-q", "--equexit", "-s", "--shotsdir") and i + 1 < len(argv):
            i += 2
            continue
        if t in ("-x", "--exec"):
            exec_mode = True
            i += 1
            continue
        if t.startswith("-") and t != "-":
            i += 1
            continue
        break
    rest = argv[i:]
    if not rest:
        return _EMPTY
    wctx = ctx.hop("watch", call.node_span, "watch")
    if exec_mode:
        _run_argv(w, call, list(rest), state, wctx)
    else:
        w._payload_text(
            _join_text(rest),
            state.copy(),
            wctx,
            exact_at=call.spans[i][0] if len(rest) == 1 else -1,
        )
    return _EMPTY


@_handler("at", "batch")
def _h_at(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    texts = _texts(argv[1:])
    if any(t in ("-l", "-r", "-c", "-d") for t in texts):
        return _EMPTY
    sctx = ctx.hop("scheduler", call.node_span, name)
    sctx.deferred = True
    for k, t in enumerate(texts):
        if t == "-f" and k + 2 < len(argv):
            content = w._file_content(argv[k + 2], state)
            if content is not None:
                w._payload_text(content, state.copy(), sctx, exact_at=-1)
            return _EMPTY
    content = call.stdin.content
    if content is not None:
        w._payload_text(content, state.copy(), sctx, exact_at=-1)
    return _EMPTY


@_handler("crontab")
def _h_crontab(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    operands: list[Value] = []
    flags: list[str | None] = []
    args = call.argv[1:]
    k = 0
    while k < len(args):
        v = args[k]
        t = v.text or ""
        if t in ("-u", "-c"):
            k += 2  # -u USER, -c DIR: values, not the table to install
            continue
        if t.startswith("-") and t != "-":
            flags.append(v.text)
        else:
            operands.append(v)
        k += 1
    if any(f in ("-l", "-r", "-e") for f in flags):
        return Value((Unknown("$(crontab -l)"),))
    if not operands and call.stdin.content is None:
        return _EMPTY
    # no file operand: cronie and Vixie cron read the table from stdin, as with `-`
    source = operands[0] if operands else None
    if source is None or source.text == "-":
        content = call.stdin.content
    else:
        content = w._file_content(source, state)
    if content is None:
        return _EMPTY
    cctx = ctx.hop("crontab", call.node_span, "crontab")
    cctx.deferred = True
    # each line after its five time fields or @keyword; unknown pieces stay unknown
    source_text, bindings = _payload_source(content)
    import re

    lines: list[str] = []
    for line in source_text.splitlines():
        lines.append(line.strip())
        # `{ crontab -l; echo '@daily CMD'; } | crontab -`: the unknown output before the
        # known text may end with a newline, so the known rest is also a line of its own
        lead = re.match(r"(?:\$\{__SK_\d+\})+", lines[-1])
        if lead is not None and lines[-1][lead.end() :].strip():
            lines.append(lines[-1][lead.end() :].strip())
    for stripped in lines:
        if not stripped or stripped.startswith("#"):
            continue
        if "=" in stripped.split(None, 1)[0] and not stripped.startswith("@"):
            continue
        fields = stripped.split(None, 1 if stripped.startswith("@") else 5)
        count = 1 if stripped.startswith("@") else 5
        if len(fields) <= count:
            continue
        text = fields[count]
        pieces: list[object] = []
        for chunk in re.split(r"(\$\{__SK_\d+\})", text):
            m = re.fullmatch(r"\$\{(__SK_\d+)\}", chunk)
            if m and m.group(1) in bindings:
                pieces.extend(bindings[m.group(1)].pieces)
            elif chunk:
                pieces.append(Lit(chunk))
        w._payload_text(Value(merge_pieces(pieces)), state.copy(), cctx, exact_at=-1)  # type: ignore[arg-type]
    return _EMPTY


@_handler("tee")
def _h_tee(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    content = call.stdin.content or Value((Unknown("$(…)"),))
    append = any(v.text in ("-a", "--append") for v in call.argv[1:])
    for v in call.argv[1:]:
        if (v.text or "").startswith("-"):
            continue
        w._write_file(v, call.cwd, content, append)
    return content


_DELETERS_OF_MOVED = frozenset(("rm", "rimraf", "find", "rsync", "shred"))


@_handler("mv")
def _h_mv(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    """Record where ``mv`` puts its sources (GNU and BSD options), for :meth:`_moved_reading`."""
    w._emit(call, name, ctx, state)
    _record_moves(w, call.argv, call.cwd)
    if w.files:
        _copy_written(w, call, state)
    return w._output(call, name, state) if w.need_output else _UNKNOWN_OUT


def _record_moves(w: _Walker, argv: Sequence[Value], cwd: tuple[Value, ...]) -> None:
    """``mv [OPTIONS] SRC… DST`` / ``-t DIR SRC…`` (also ``git mv``): DST → origin paths."""
    operands: list[Value] = []
    target: Value | None = None
    no_target_dir = False
    options = True
    i = 1
    while i < len(argv):
        t = argv[i].text
        if options and t is not None and t.startswith("-") and t != "-":
            if t == "--":
                options = False
            elif t in ("-t", "--target-directory") and i + 1 < len(argv):
                target = argv[i + 1]
                i += 1
            elif t.startswith("--target-directory="):
                target = lit(t.split("=", 1)[1])
            elif t.startswith("-t") and len(t) > 2:
                target = lit(t[2:])
            elif t in ("-S", "--suffix"):
                i += 1
            elif t in ("-T", "--no-target-directory"):
                no_target_dir = True
            i += 1
            continue
        operands.append(argv[i])
        i += 1
    into_dir = target is not None  # -t DIR: the sources go inside DIR
    sources = operands if into_dir else operands[:-1]
    if target is None and operands:
        target = operands[-1]
    if target is None or not sources:
        return
    dst = w._resolve(target, cwd)
    if dst is None:
        return
    if not no_target_dir and ((target.text or "").endswith("/") or os.path.isdir(dst)):
        into_dir = True  # an existing directory: the sources go inside it
    for src in sources:
        origin = w._resolve(src, cwd)
        if origin is None:
            continue
        for moved_dst, earlier in w.moved.items():  # mv a b; mv b c: c holds a
            if origin == moved_dst or origin.startswith(moved_dst.rstrip("/") + "/"):
                origin = earlier + origin[len(moved_dst) :]
                break
        if len(sources) == 1 and not into_dir:
            w._own_moved()[dst] = origin  # mv SRC DST renames (or, for a directory DST, see below)
        if not no_target_dir:
            base = os.path.basename(origin.rstrip("/"))
            if base:
                w._own_moved()[dst.rstrip("/") + "/" + base] = origin


@_handler("cp")
def _h_cp(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    if w.files:
        _copy_written(w, call, state)
    return _EMPTY


def _copy_written(w: _Walker, call: _Call, state: _State) -> None:
    """``cp SRC DST`` / ``mv SRC DST`` of a file written earlier in the command: DST holds its
    content (§5.7), and so does ``DST/NAME`` in case DST is a directory. The source keeps it
    too: a failed ``mv`` leaves it in place."""
    operands = [v for v in call.argv[1:] if not (v.text or "").startswith("-")]
    if len(operands) != 2:
        return
    src, dst = operands
    content = w._file_content(src, state)
    if content is None:
        return
    w._write_file(dst, call.cwd, content, False)
    last = src.pieces[-1] if src.pieces else None
    base = last.text.rstrip("/").rsplit("/", 1)[-1] if type(last) is Lit else ""
    if base and base not in (".", ".."):
        inside = _concat(dst, lit("/" + base))
        for key in w._file_keys(inside, call.cwd):
            w._own_files().setdefault(key, content)


@_handler("rsync", "tar", "gtar", "bsdtar")
def _h_option_payloads(
    w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx
) -> Value | None:
    """Options whose value is a shell command: ``rsync -e``/``--rsh``, ``tar --to-command``,
    ``--checkpoint-action=exec=``, ``-I``/``--use-compress-program`` (§6.5, SHOULD)."""
    w._emit(call, name, ctx, state)
    argv = call.argv
    separate = (
        ("-e", "--rsh") if name == "rsync" else ("-I", "--use-compress-program", "--to-command")
    )
    attached = (
        ("--rsh=",)
        if name == "rsync"
        else ("--use-compress-program=", "--to-command=", "--checkpoint-action=exec=")
    )
    for k, v in enumerate(argv[1:], 1):
        t = v.text
        payload: Value | None = None
        if t in separate and k + 1 < len(argv):
            payload = argv[k + 1]
        elif t is not None:
            for prefix in attached:
                if t.startswith(prefix):
                    payload = lit(t[len(prefix) :])
        if payload is not None and (payload.text is None or payload.text.strip()):
            pctx = ctx.hop("shell-c", call.node_span, f"{name} {t}")
            w._payload_text(payload, state.copy(), pctx, exact_at=-1)
    return w._output(call, name, state)


_SED_ADDRESS: list[re.Pattern[str]] = []


def _sed_address() -> re.Pattern[str]:
    """An address (or range) and ``!`` before a sed command: ``1e CMD``, ``/x/,$s/a/b/e``."""
    if not _SED_ADDRESS:
        import re

        one = r"(?:\d+(?:~\d+)?|\$|/(?:[^/\\]|\\.)*/I?|\\(.)(?:(?!\1).)*\1)"
        _SED_ADDRESS.append(re.compile(rf"^{one}(?:\s*,\s*(?:{one}|[+~]\d+))?\s*!?\s*"))
    return _SED_ADDRESS[0]


@_handler("sed", "gsed")
def _h_sed(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    """GNU sed's ``e COMMAND`` and the ``s///e`` flag run shell commands (§6.5, SHOULD)."""
    w._emit(call, name, ctx, state)
    argv = call.argv
    scripts: list[str] = []
    explicit = False
    for k, v in enumerate(argv[1:], 1):
        t = v.text
        if t in ("-e", "--expression") and k + 1 < len(argv):
            explicit = True
            scripts.append(argv[k + 1].text or "")
        elif t is not None and t.startswith("--expression="):
            explicit = True
            scripts.append(t.split("=", 1)[1])
    if not explicit:
        operands = [v.text for v in argv[1:] if not (v.text or "-").startswith("-")]
        if operands and operands[0] is not None:
            scripts.append(operands[0])
    for script in scripts:
        for command in script.replace(";", "\n").split("\n"):
            command = _sed_address().sub("", command.strip(), count=1)
            if command.startswith("e ") and command[2:].strip():
                pctx = ctx.hop("shell-c", call.node_span, "sed e")
                w._payload_text(lit(command[2:].strip()), state.copy(), pctx, exact_at=-1)
            elif len(command) > 3 and command[0] == "s":
                delim = command[1]
                pieces = command.split(delim)
                if len(pieces) >= 4 and "e" in pieces[-1] and pieces[-1].isalnum():
                    replacement = pieces[2]
                    pctx = ctx.hop("shell-c", call.node_span, "sed s///e")
                    w._payload_text(lit(replacement), state.copy(), pctx, exact_at=-1)
    return w._output(call, name, state)


@_handler("su", "runuser")
def _h_su(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    commands = _su_commands(argv)
    if not commands and call.stdin.kind != "inherited" and not _runuser_has_argv(argv, name):
        # no command: the login shell reads its program from stdin (echo CMD | su)
        _stdin_program(w, call, name, state.copy(), ctx)
    for command, k in commands:
        sctx = ctx.hop("shell-c", call.node_span, f"{name} -c")
        w._payload_text(command, state.copy(), sctx, exact_at=call.spans[k][0] if k > 0 else -1)
    if name == "runuser":
        _runuser_argv(w, call, state, ctx)
    return _EMPTY


_RUNUSER_VALUE = frozenset(("-g", "--group", "-G", "--supp-group", "-s", "--shell", "-w"))
_SU_VALUE_LETTERS = frozenset("gGsw")


def _su_commands(argv: Sequence[Value]) -> list[tuple[Value, int]]:
    """The commands of ``su``/``runuser`` (``-c CMD``, ``-lc CMD``, ``-cCMD``,
    ``--command CMD``, ``--command=CMD``, ``--session-command…``), each with its argv index
    (-1 when it is part of a word)."""
    out: list[tuple[Value, int]] = []
    k = 1
    while k < len(argv):
        t = argv[k].text or ""
        if t in ("--command", "--session-command"):
            if k + 1 < len(argv):
                out.append((argv[k + 1], k + 1))
            k += 2
            continue
        if t.startswith(("--command=", "--session-command=")):
            out.append((lit(t.split("=", 1)[1]), -1))
        elif t[:1] == "-" and t[1:2] not in ("", "-"):
            for j in range(1, len(t)):
                letter = t[j]
                if letter == "c":
                    if j + 1 < len(t):
                        out.append((lit(t[j + 1 :]), -1))  # -c'rm -rf src'
                    elif k + 1 < len(argv):
                        out.append((argv[k + 1], k + 1))
                        k += 1
                    break
                if letter in _SU_VALUE_LETTERS:
                    if j + 1 == len(t):
                        k += 1  # the value is the next word
                    break
        k += 1
    return out


def _runuser_has_argv(argv: Sequence[Value], name: str) -> bool:
    """``runuser -u USER COMMAND…``: a command given as argv (not read from stdin)."""
    if name != "runuser":
        return False
    return any(
        (v.text or "") in ("-u", "--user") or (v.text or "").startswith("--user=") for v in argv[1:]
    )


def _runuser_argv(w: _Walker, call: _Call, state: _State, ctx: _Ctx) -> None:
    """``runuser -u USER [--] COMMAND…`` runs COMMAND as argv (util-linux), unlike the
    ``runuser USER -c CMD`` form that goes through a shell."""
    argv = call.argv
    user = False
    i = 1
    while i < len(argv):
        t = argv[i].text
        if t is None:
            break
        if t == "--":
            i += 1
            break
        if not t.startswith("-") or t == "-":
            break
        if t in ("-u", "--user") or t in _RUNUSER_VALUE:
            user = user or t in ("-u", "--user")
            i += 2
            continue
        if t.startswith(("--user=", "-u")):
            user = True
        i += 1
    if user and i < len(argv):
        sctx = ctx.hop("wrapper", call.node_span, "runuser -u")
        sub = _new_call(
            list(argv[i:]),
            [call.node_span] * (len(argv) - i),
            call.env,
            (),
            call.stdin,  # the command keeps runuser's stdin
            call.cwd,
            call.node_span,
        )
        w._exec(sub, state.copy(), sctx)


# util-linux script(1): its long options, those that take a value (c is the command)
_SCRIPT_LONG_OPTS = (
    "--append",
    "--command",
    "--echo",
    "--return",
    "--flush",
    "--force",
    "--log-in",
    "--log-out",
    "--log-io",
    "--log-timing",
    "--logging-format",
    "--output-limit",
    "--quiet",
    "--timing",
    "--help",
    "--version",
)
_SCRIPT_VALUE_OPTS = frozenset("cTBIOEmo")
_SCRIPT_LONG_VALUE_OPTS = frozenset(
    (
        "--command",
        "--echo",
        "--log-in",
        "--log-io",
        "--log-out",
        "--log-timing",
        "--logging-format",
        "--output-limit",
        "--timing",
    )
)


@_handler("script")
def _h_script(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    n = len(argv)
    operands: list[int] = []
    commands: list[tuple[Value, int]] = []  # the command and where its word starts
    i = 1
    while i < n:
        v = argv[i]
        head = _lead(v)
        if head == "--":
            operands.extend(range(i + 1, n))
            break
        if head is None or not head.startswith("-") or v.text == "-":
            operands.append(i)  # getopt_long permutes: options may follow the file
        elif head.startswith("--"):
            split = _split_at_eq(v)
            opt = split[0] if split is not None else head
            # getopt_long takes a unique prefix: --comm=CMD is --command=CMD
            longer = [o for o in _SCRIPT_LONG_OPTS if o.startswith(opt)]
            if opt not in _SCRIPT_LONG_OPTS and len(longer) == 1:
                opt = longer[0]
            if split is not None and opt == "--command":
                commands.append((split[1], call.spans[i][0]))
            elif split is None and opt in _SCRIPT_LONG_VALUE_OPTS and i + 1 < n:
                if opt == "--command":
                    commands.append((argv[i + 1], call.spans[i + 1][0]))
                i += 1
        else:
            # a cluster: -qc CMD, -qc'CMD', -ec"$CMD"; a value option takes the rest of the
            # word, or the next word when nothing follows it
            for k in range(1, len(head)):
                letter = head[k]
                if letter == "t":
                    break  # -t[FILE]: an optional value, attached only
                if letter not in _SCRIPT_VALUE_OPTS:
                    continue
                rest = _drop_lead(v, k + 1)
                value, at = rest, call.spans[i][0]
                if not rest.pieces or rest.text == "":
                    if i + 1 >= n:
                        break
                    i += 1
                    value, at = argv[i], call.spans[i][0]
                if letter == "c":
                    commands.append((value, at))
                break
        i += 1
    for command, at in commands:
        sctx = ctx.hop("shell-c", call.node_span, "script -c")
        w._payload_text(command, state.copy(), sctx, exact_at=at)
    if not commands and len(operands) >= 2:
        # BSD form: script [-q] FILE CMD...
        sctx = ctx.hop("shell-c", call.node_span, "script")
        _run_argv(w, call, list(argv[operands[1] :]), state, sctx)
    return _EMPTY


@_handler("ssh")
def _h_ssh(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    value_opts = set("BbcDEeFIiJLlmOopQRSWw")
    i = 1
    host: str | None = None
    while i < len(argv):
        word = argv[i]
        t = _lead(word)
        if t is None:
            return _EMPTY
        if t.startswith("-") and len(t) > 1:
            # a cluster of flags, the last of which may take the rest of the word as its
            # value: -v, -vo KEY=VAL, -oKEY=VAL, -p22
            for k in range(1, len(t)):
                if t[k] not in value_opts:
                    continue
                value: Value | None = _drop_lead(word, k + 1)
                if value is not None and value.text == "":
                    i += 1
                    value = argv[i] if i < len(argv) else None
                if t[k] == "o" and value is not None:
                    _ssh_command_option(w, call, value, state, ctx)
                break
            i += 1
            continue
        if word.text is None:
            return _EMPTY
        host = word.text
        i += 1
        break
    if host is None:
        return _EMPTY
    hostname = host.rsplit("@", 1)[-1]
    if hostname.lower() not in ("localhost", "127.0.0.1", "::1", "[::1]"):
        return _EMPTY
    # OpenSSH reads options after the destination too (ssh localhost -p 22 -- CMD)
    while i < len(argv):
        t = argv[i].text
        if t is None or not t.startswith("-") or len(t) < 2:
            break
        i += 1
        if t == "--":
            break
        if t[-1] in value_opts and len(t) == 2:
            i += 1
    rest = argv[i:]
    sctx = ctx.hop("ssh-local", call.node_span, f"ssh {hostname}")
    hstate = _new_state((w.home_value,))
    if rest:
        # the remote command reads ssh's stdin: echo CMD | ssh localhost bash
        w._payload_text(
            _join_text(rest),
            hstate,
            sctx,
            exact_at=call.spans[i][0] if len(rest) == 1 else -1,
            stdin=call.stdin,
        )
    elif call.stdin.kind != "inherited":
        # no command: the remote login shell reads its program from stdin
        _stdin_program(w, call, "ssh", hstate, sctx)
    return _EMPTY


def _ssh_command_option(w: _Walker, call: _Call, option: Value, state: _State, ctx: _Ctx) -> None:
    """Walk the command of ``-o ProxyCommand=CMD`` or ``-o LocalCommand CMD`` (ssh_config
    separates a keyword from its value by "=" or blanks)."""
    head = _lead(option)
    if head is None:
        return
    stripped = head.lstrip(" \t")
    key = stripped.split("=", 1)[0].split(None, 1)[0] if stripped.strip() else ""
    if key.lower() not in ("proxycommand", "localcommand"):
        return
    rest = stripped[len(key) :]
    sep = len(rest) - len(rest.lstrip(" \t"))
    if rest[sep : sep + 1] == "=":
        sep += 1
        sep += len(rest[sep:]) - len(rest[sep:].lstrip(" \t"))
    elif sep == 0:
        return  # ProxyCommandX, or a keyword with no value
    command = _drop_lead(option, len(head) - len(stripped) + len(key) + sep)
    if command.text == "" or command.text == "none":
        return
    sctx = ctx.hop("shell-c", call.node_span, "ssh -o " + key)
    w._payload_text(command, state.copy(), sctx, exact_at=-1)


@_handler("docker", "podman", "nerdctl")
def _h_container(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    if len(argv) < 3 or argv[1].text not in ("run", "container"):
        return _EMPTY
    i = 2
    if argv[1].text == "container":
        if argv[2].text != "run":
            return _EMPTY
        i = 3
    flags_no_value = {
        "-d",
        "--detach",
        "-i",
        "--interactive",
        "-t",
        "--tty",
        "--rm",
        "-it",
        "-ti",
        "--privileged",
        "--init",
        "-P",
        "--publish-all",
        "--read-only",
        "--sig-proxy",
    }
    mounts: list[tuple[Value, str]] = []
    workdir: str | None = None
    entrypoint: Value | None = None
    interactive = False
    while i < len(argv):
        word = argv[i]
        t = _lead(word)
        if t is None or not t.startswith("-"):
            break
        val: Value | None = None
        eq = False
        if t.startswith("--"):
            split = _split_at_eq(word)
            opt = t if split is None else split[0]
            if split is not None:
                val, eq = split[1], True
            elif word.text is None:
                break
        else:
            # a cluster of flags, the last of which may take the rest of the word as its
            # value (pflag): -it, -v$PWD:/w, -w/w, -itv$PWD:/w
            k = 1
            while k < len(t) and t[k] in "ditP":
                k += 1
            if "i" in t[1:k]:
                interactive = True
            if k == len(t) and len(word.pieces) == 1:
                i += 1
                continue
            opt = "-" + t[k] if k < len(t) else t
            if k + 1 < len(t) or len(word.pieces) > 1:
                val, eq = _drop_lead(word, min(k + 1, len(t))), True
        if opt == "--interactive":
            interactive = True
        if not eq and opt not in flags_no_value and i + 1 < len(argv):
            val = argv[i + 1]
            i += 1
        if opt in ("-v", "--volume") and val is not None:
            src, dst = _split_volume(val)
            if src is not None and dst:
                mounts.append((src, dst))
        elif opt == "--mount" and val is not None and val.text is not None:
            kv = dict(p.partition("=")[::2] for p in val.text.split(","))
            if kv.get("type", "bind") == "bind" and (kv.get("source") or kv.get("src")):
                mounts.append(
                    (
                        lit(kv.get("source") or kv.get("src") or ""),
                        kv.get("target") or kv.get("dst") or kv.get("destination") or "",
                    )
                )
        elif opt in ("-w", "--workdir") and val is not None:
            workdir = val.text
        elif opt == "--entrypoint" and val is not None:
            entrypoint = val
        i += 1
    if not mounts or i >= len(argv):
        return _EMPTY
    rest = list(argv[i + 1 :])
    if entrypoint is not None:
        rest = [entrypoint, *rest]
    if not rest:
        return _EMPTY
    # map container paths under a mount back to the host source
    src, dst = mounts[0]
    host_src = tuple(_join_cwd(c, src) for c in call.cwd)

    def to_host(v: Value) -> Value:
        t = v.text
        for s, d in mounts:
            if t is not None and d and (t == d or t.startswith(d.rstrip("/") + "/")):
                base = _join_cwd(call.cwd[0], s) if call.cwd else s
                return _concat(base, lit(t[len(d.rstrip("/")) :]))
        if t is not None and _container_only(t, mounts):
            # a path of the container's own file system (§6.5 container row): not the host's
            return Value((Unknown(t, False),))
        return v

    mapped = [rest[0], *[_container_payload(to_host(v), mounts, call) for v in rest[1:]]]
    cwd = host_src
    if workdir is not None:
        cwd = (to_host(lit(workdir)),)
    cctx = ctx.hop("container", call.node_span, name)
    # -i keeps stdin open into the container: echo CMD | docker run -i … sh
    stdin = call.stdin if interactive else _INHERITED
    sub = _new_call(mapped, [call.node_span] * len(mapped), (), (), stdin, cwd, call.node_span)
    w._exec(sub, state.copy(), cctx)
    del dst
    return _EMPTY


def _host_text(src: Value, call: _Call) -> str | None:
    """The host path of a bind-mount source, as text, when it is known."""
    base = _join_cwd(call.cwd[0], src) if call.cwd else src
    if base.text is not None:
        return base.text
    first = base.pieces[0] if base.pieces else None
    rest = Value(base.pieces[1:]).text
    if type(first) is Sym and rest is not None:
        if first.kind == PWD and call.cwd and call.cwd[0].text is not None:
            return os.path.normpath(call.cwd[0].text + rest)
        if first.path is not None:
            return os.path.normpath(first.path + rest)
    return None


def _container_only(path: str, mounts: list[tuple[Value, str]]) -> bool:
    """Whether an absolute container path is neither a bind-mount target, below one, nor an
    ancestor of one (deleting ``/`` in the container deletes the mounted repository too)."""
    if not path.startswith("/"):
        return False
    import posixpath

    norm = posixpath.normpath(path)
    for _src, dst in mounts:
        target = posixpath.normpath(dst) if dst else ""
        if not target.startswith("/"):
            return False  # a relative or unknown target: judge on the host (toward protection)
        if norm == target or norm == "/" or target.startswith(norm.rstrip("/") + "/"):
            return False
        if norm.startswith(target.rstrip("/") + "/"):
            return False
    return True


# absolute paths in a container payload's text (not part of a URL, a longer word or a variable)
_PAYLOAD_PATH = r"(?<![\w./:$~-])/[^\s;&|()<>'\"`$]*"


def _container_payload(v: Value, mounts: list[tuple[Value, str]], call: _Call) -> Value:
    """A string operand inside the container (``sh -c 'rm -rf /w/build'``) with container
    paths under a bind mount rewritten to their host paths, so the payload is judged where it
    acts; paths only the container has become an unknown ``$SESSIONKIT_CONTAINER_PATH``."""
    text = v.text
    if text is None or not any(c in text for c in " \t\n;&|"):
        return v
    import re

    changed = re.sub(
        _PAYLOAD_PATH,
        lambda m: "$SESSIONKIT_CONTAINER_PATH" if _container_only(m.group(), mounts) else m.group(),
        text,
    )
    for src, dst in sorted(mounts, key=lambda m: -len(m[1])):
        dst = dst.rstrip("/")
        host = _host_text(src, call) if dst else None
        if not host:
            continue
        pattern = r"(?<![\w./-])" + re.escape(dst) + r"(?=/|$|[\s;&|)'\"])"
        changed = re.sub(pattern, host.replace("\\", "\\\\"), changed)
    return v if changed == text else lit(changed, True)


def _inside_config_exec(ctx: _Ctx, key: str) -> bool:
    """Whether this git runs inside the command of the same configuration key (a pager
    that runs git): git does not start it again there, and judging it again would recurse."""
    return any(hop[0] == "git-config-exec" and hop[2] == key for hop in ctx.via)


def _split_volume(v: Value) -> tuple[Value | None, str]:
    pieces = v.pieces
    if not pieces:
        return None, ""
    last = pieces[-1]
    if type(last) is not Lit:
        return None, ""
    text = last.text
    if ":" not in text:
        return None, ""
    head, _, tail = text.partition(":")
    dst = tail.split(":", 1)[0]
    src = Value(merge_pieces([*pieces[:-1], Lit(head)]))
    if src.text is not None and not (src.text.startswith(("/", ".", "~")) or src.text == ""):
        return None, ""  # a named volume, not a bind mount
    return src, dst


@_handler("git")
def _h_git(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    w._emit(call, name, ctx, state)
    argv = call.argv
    n = len(argv)
    # global options (the texts read where needed: most commands read only two)
    i = 1
    cfg: list[tuple[str, Value]] = []
    cwd_targets: list[Value] = []
    while i < n:
        t = argv[i].text
        if t is None or not t.startswith("-"):
            break
        if t in (
            "-C",
            "-c",
            "--git-dir",
            "--work-tree",
            "--namespace",
            "--super-prefix",
            "--config-env",
            "--attr-source",
        ):
            if i + 1 < n:
                if t == "-c":
                    setting = _config_setting(argv[i + 1])
                    if setting is not None:
                        cfg.append(setting)
                elif t == "-C":
                    cwd_targets.append(argv[i + 1])
            i += 2
            continue
        i += 1
    if i >= n:
        return w._output(call, name, state)
    sub = argv[i].text
    # the directory git runs in, and so everything it runs (§5.5): each -C joins the previous
    run_cwd: tuple[Value, ...] | None = None
    if cwd_targets:
        cwds = state.cwd
        for target in cwd_targets:
            cwds = _dedupe_values(tuple(_join_cwd(c, target) for c in cwds))
        run_cwd = cwds
    # configuration that runs commands, set for this invocation or earlier in the command
    if call.env:
        for var, env_value in call.env:  # every value a variable may have (see _env)
            if var in _GIT_COMMAND_VARIABLES and not _inside_config_exec(ctx, var):
                gctx = ctx.hop("git-config-exec", call.node_span, var)
                _git_runs(w, call, env_value, state, run_cwd, gctx, cfg)
    # (the shared empty tuple, not a new list, for the commonest git command: no settings)
    all_cfg = (
        [*w._git_config_for(call), *cfg] if (cfg or call.env or w.git_config or w.files) else ()
    )
    for key, value in all_cfg:
        if value is not None and _runs_command(key, value) and not _inside_config_exec(ctx, key):
            gctx = ctx.hop("git-config-exec", call.node_span, key)
            shell = _after_bang(value)
            text = value if shell is None else shell
            _git_runs(w, call, text, state, run_cwd, gctx, cfg)
    # the subcommands read further (all builtins, so never an alias below): the commonest
    # ones (status, log, diff …) pay one set lookup instead of a test per name
    if sub in _GIT_SPECIAL_SUBS:
        rest = argv[i + 1 :]
        rtexts = [v.text for v in rest]
        if sub == "mv":
            _record_moves(w, argv[i:], run_cwd or state.cwd)
        elif sub == "config":
            _git_config_set(w, rtexts, rest, keep_unset=not ctx.cond or ctx is w.and_ctx)
        elif sub == "remote":
            _git_remote_added(w, rtexts, rest)
        elif sub == "submodule" and "foreach" in rtexts:
            k = rtexts.index("foreach")
            words = [v for v in rest[k + 1 :] if v.text not in ("--recursive", "-q", "--quiet")]
            if words:
                gctx = ctx.hop("git-submodule-foreach", call.node_span, "git submodule foreach")
                _git_runs(w, call, _join_text(words), state, run_cwd, gctx, cfg)
        elif sub == "rebase":
            for k, t in enumerate(rtexts):
                payload: Value | None = None
                if t in ("-x", "--exec") and k + 1 < len(rest):
                    payload = rest[k + 1]
                elif t is not None and t.startswith("--exec="):
                    payload = lit(t[len("--exec=") :])
                elif t is not None and t.startswith("-x") and len(t) > 2:
                    payload = lit(t[2:])
                if payload is not None:
                    gctx = ctx.hop("git-rebase-exec", call.node_span, "git rebase --exec")
                    _git_runs(w, call, payload, state, run_cwd, gctx, cfg)
        elif sub == "bisect" and rtexts[:1] == ["run"] and len(rest) > 1:
            gctx = ctx.hop("git-bisect-run", call.node_span, "git bisect run")
            run_call = call
            if run_cwd is not None:
                run_call = call.shifted(0)
                run_call.cwd = run_cwd
            _with_git_settings(w, cfg, lambda: _run_argv(w, run_call, list(rest[1:]), state, gctx))
    elif sub is not None and sub.lower() not in (_GIT_BUILTINS or _load_git_builtins())[0]:
        # an alias defined earlier in the command (§7.2.3); file-based aliases are the analyser's.
        # git never looks a builtin up as an alias: -c alias.status='reset --hard' status is status
        alias = None
        rest = argv[i + 1 :]
        for key, value in reversed(all_cfg):
            if key == "alias." + sub.lower():
                alias = value  # None: unset again (`git config --unset alias.NAME`)
                break
        head = alias.pieces[0] if alias is not None and alias.pieces else None
        if (
            alias is not None
            and type(head) is Lit
            and not any(hop[0] == "git-alias" and hop[2] == sub for hop in ctx.via)
        ):
            # (an alias inside its own expansion: git stops a loop of plain aliases, and a
            # loop of shell aliases only runs the same commands again, judged once here)
            # the value keeps its unknown and symbolic pieces: "!rm -rf $HOME" (§7.2.3)
            gctx = ctx.hop("git-alias", call.node_span, sub)
            shell = _after_bang(alias)
            if shell is not None:
                # git runs sh -c 'ALIAS "$@"' ALIAS ARGS…: the arguments are appended and are
                # the positional parameters too (!git stash "$@" clear is git stash clear clear)
                text = _concat(shell, lit(' "$@"', True)) if rest else shell
                _git_runs(w, call, text, state, run_cwd, gctx, cfg, tuple(rest))
            else:
                expansion = _concat(lit("git ", True), alias)
                source = _join_text([expansion, *rest])
                _git_runs(w, call, source, state, run_cwd, gctx, cfg)
    return w._output(call, name, state) if w.need_output else _UNKNOWN_OUT


@_handler("git-mv", "git-config", "git-submodule", "git-rebase", "git-bisect")
def _h_git_dashed(w: _Walker, call: _Call, name: str, state: _State, ctx: _Ctx) -> Value | None:
    """``git-submodule foreach CMD`` is ``git submodule foreach CMD`` (§7.1): the dashed
    forms of the subcommands the walker reads further (payloads, moves, configuration)."""
    head = call.spans[0]
    gcall = _new_call(
        [lit("git"), lit(name[4:]), *call.argv[1:]],
        [head, head, *call.spans[1:]],
        call.env,
        call.redirects,
        call.stdin,
        call.cwd,
        call.node_span,
    )
    gcall.wrappers = call.wrappers
    return _h_git(w, gcall, "git", state, ctx)


_GIT_BUILTINS: list[frozenset[str]] = []
# the subcommands _h_git reads further (moves, configuration, commands they run)
_GIT_SPECIAL_SUBS = frozenset(("mv", "config", "submodule", "rebase", "bisect", "remote"))


def _load_git_builtins() -> list[frozenset[str]]:
    """``_GIT_BUILTINS`` holding the git analyser's table of builtin commands, imported on
    first use and then kept: an import statement costs more than the lookup on every git
    command (which reads ``_GIT_BUILTINS[0]`` directly once it is there)."""
    if not _GIT_BUILTINS:
        from sessionkit.policy.analysers import git as git_analyser

        _GIT_BUILTINS.append(git_analyser._BUILTINS)
    return _GIT_BUILTINS


def _git_runs(
    w: _Walker,
    call: _Call,
    text: Value,
    state: _State,
    run_cwd: tuple[Value, ...] | None,
    gctx: _Ctx,
    cfg: list[tuple[str, Value]],
    positional: tuple[Value, ...] | None = None,
) -> None:
    """Walk a shell command that git runs (an alias, ``rebase --exec``, ``submodule foreach``,
    a configured command). It runs in git's environment: the call's prefix assignments and
    exported variables are set and exported there (§5.3), and git hands its ``-c`` settings
    to every git it starts through ``GIT_CONFIG_PARAMETERS`` (§5.8)."""
    child = _run_state(state, run_cwd)
    if positional is not None:
        child.pos = positional
    if call.env:
        values: dict[str, list[tuple[Value, ...] | None]] = {}
        for var, value in call.env:
            values.setdefault(var, []).append((value,))
        exported = _own_exported(child)
        for var, alts in values.items():
            child.vars[var] = tuple(alts)
            exported.add(var)
    _with_git_settings(w, cfg, lambda: w._payload_text(text, child, gctx, exact_at=-1))


def _with_git_settings(w: _Walker, cfg: list[tuple[str, Value]], run: Callable[[], object]) -> None:
    """``run()`` with git's ``-c`` settings in force, as they are for every git the command
    git runs starts (``GIT_CONFIG_PARAMETERS``, §5.8); withdrawn afterwards."""
    if not cfg:
        run()
        return
    config = w._own_git_config()
    mark = len(config)
    config.extend(cfg)
    try:
        run()
    finally:
        del config[mark : mark + len(cfg)]


def _run_state(state: _State, run_cwd: tuple[Value, ...] | None) -> _State:
    """A copy of ``state`` for a payload git runs, in git's own directory when ``-C`` moved it."""
    new = state.copy()
    if run_cwd is not None:
        new.cwd = run_cwd
    return new


_GIT_COMMAND_VARIABLES = (
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_PAGER",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_EXTERNAL_DIFF",
    "GIT_ASKPASS",
)
_CMD_KEYS = (
    "core.sshcommand",
    "core.pager",
    "core.editor",
    "sequence.editor",
    "diff.external",
    "gpg.program",
    "uploadpack.packobjectshook",
)


def _runs_command(key: str, value: Value) -> bool:
    key = key.lower()
    if key in _CMD_KEYS or key.startswith("pager."):
        return True
    if key == "core.fsmonitor":
        return value.text is None or value.text.lower() not in (
            "true",
            "false",
            "1",
            "0",
            "yes",
            "no",
            "",
        )
    parts = key.split(".")
    if len(parts) >= 3:
        head, last = parts[0], parts[-1]
        if head == "diff" and last in ("textconv", "command"):
            return True
        if head == "merge" and last == "driver":
            return True
        if head == "filter" and last in ("clean", "smudge", "process"):
            return True
        if head == "gpg" and last == "program":
            return True
    if key == "credential.helper" or (key.startswith("credential.") and key.endswith(".helper")):
        return value.text is None or value.text.startswith("!")
    return False


def _mktemp_dir(args: Sequence[Value]) -> Value | None:
    """The directory ``mktemp ARGS`` creates its file in (GNU coreutils), None for the temporary
    root (``$TMPDIR``, else ``/tmp``).

    ``-p DIR`` / ``--tmpdir=DIR`` name it; ``-t`` or a bare ``--tmpdir`` put the template's name
    in the temporary root; without any of them a TEMPLATE is a path relative to the cwd
    (``mktemp build.XXXX`` creates ``./build.XXXX``), and no template means the temporary root.
    A template that is not known leaves the directory unknown (its value is returned).
    """
    tmpdir: Value | None = None
    temp_root = False
    template: Value | None = None
    k = 0
    while k < len(args):
        t = args[k].text
        if t is not None and t.startswith("--"):
            if t == "--tmpdir":
                temp_root = True
            elif t.startswith("--tmpdir="):
                tmpdir = lit(t[len("--tmpdir=") :])
            elif t == "--suffix":
                k += 1  # its value
        elif t is not None and t.startswith("-") and len(t) > 1:
            p = t.find("p")
            if "t" in t[1 : p if p > 0 else None]:
                temp_root = True
            if p > 0:
                if len(t) > p + 1:
                    tmpdir = lit(t[p + 1 :])
                elif k + 1 < len(args):
                    tmpdir = args[k + 1]
                    k += 1
        else:
            template = args[k]
        k += 1
    if tmpdir is not None:
        return tmpdir
    if template is None or temp_root:
        return None
    return _template_dir(template)


def _template_dir(template: Value) -> Value:
    """The directory part of a mktemp template: up to its last ``/``, else ``.`` (the cwd);
    the template itself (not resolvable) when an unknown piece could hold that ``/``."""
    pieces = template.pieces
    for index in range(len(pieces) - 1, -1, -1):
        piece = pieces[index]
        if type(piece) is not Lit:
            return template
        if "/" in piece.text:
            head = piece.text.rsplit("/", 1)[0]
            if not head and index == 0:
                return lit("/")
            return Value((*pieces[:index], Lit(head, piece.quoted)) if head else pieces[:index])
    return lit(".")


def _git_config_set(
    w: _Walker, texts: list[str | None], values: list[Value], *, keep_unset: bool = True
) -> None:
    """Record a `git config` write for the rest of the command (§5.8); an unset that may not
    run (after `&&`/`||`, in a branch) is not recorded, so the value set before still counts."""
    operands: list[int] = []
    unset = False
    k = 0
    while k < len(texts):
        t = texts[k]
        if t in ("--file", "-f", "--blob", "--type", "--default", "--comment"):
            k += 2
            continue
        if t is not None and t.startswith("-"):
            if t in ("--unset", "--unset-all"):
                unset = True
            k += 1
            continue
        operands.append(k)
        k += 1
    words = [texts[o] for o in operands]
    if words[:1] == ["set"]:
        operands = operands[1:]
    elif words[:1] in (["unset"],):
        unset = True
        operands = operands[1:]
    elif words[:1] in (["get"], ["list"], ["edit"]):
        return
    if not operands or texts[operands[0]] is None:
        return
    key = (texts[operands[0]] or "").lower()
    if unset:
        if keep_unset:
            w._own_git_config().append((key, None))
    elif len(operands) >= 2:
        w._own_git_config().append((key, values[operands[1]]))


def _git_remote_added(w: _Walker, texts: list[str | None], values: list[Value]) -> None:
    """``git remote add [--mirror[=push|fetch]] NAME URL`` writes ``remote.NAME.url`` and, for
    a push mirror, ``remote.NAME.mirror``: a later ``git push NAME`` mirrors (§5.8)."""
    if texts[:1] != ["add"]:
        return
    operands: list[int] = []
    mirror = False
    k = 1
    while k < len(texts):
        t = texts[k]
        if t in ("-t", "--track", "-m", "--master"):
            k += 2
            continue
        if t is not None and t.startswith("-") and t != "-":
            if t in ("--mirror", "--mirror=push"):
                mirror = True
            k += 1
            continue
        operands.append(k)
        k += 1
    if len(operands) < 2 or texts[operands[0]] is None:
        return
    remote = texts[operands[0]]
    config = w._own_git_config()
    config.append((f"remote.{remote}.url".lower(), values[operands[1]]))
    if mirror:
        config.append((f"remote.{remote}.mirror".lower(), lit("true")))


def walk(command: str, *, cwd: str | None = None) -> Walk:
    """Walk a command string (§5, §6).  Never raises for a ``str``."""
    if cwd is None:
        cwd = os.getcwd()
    elif not cwd.startswith("/") or "/." in cwd or "//" in cwd or cwd.endswith("/"):
        cwd = os.path.abspath(cwd)
    return walk_in(command, cwd)


def walk_in(command: str, cwd: str) -> Walk:
    """``walk`` in ``cwd``, a clean absolute path already (the guard's call)."""
    script = parse(command)
    if script.limit is not None:
        return Walk(script)
    walker = _Walker()  # every field of _Walker, stored here without a frame
    walker.command = command
    walker.out = []
    walker._home = None
    walker.cwd = cwd
    walker.payloads = walker.fresh = walker.need_output = walker.payload_chars = 0
    walker.loop_walks = 0
    walker.limit = None
    walker.errors = []
    walker.aliases = walker.files = walker.moved = walker.procsubs = walker.attrs = _NO_ENTRIES
    walker.used_aliases = walker.in_alias = _NO_NAMES
    walker.used_funcs = _NO_IDS
    walker.active_calls = walker.defined = walker.alias_defs = walker.git_config = _NO_ITEMS
    walker.late_traps = _NO_ITEMS
    walker.trap_floor = 0
    walker.and_ctx = None
    try:
        walker.run(script)
    except _Limit as exc:
        walker.limit = walker.limit or exc.kind
    except RecursionError:
        walker.limit = walker.limit or "depth"
    except Exception as exc:  # a defect: reported as guard-internal-error by the guard
        walker.errors.append((type(exc).__name__, (0, len(command))))
    # Walk(script) with the walker's results, without the __init__ frame (hot path)
    result = _new_object(Walk)
    result.script = script
    result.commands = walker.out
    result.issues = script.issues
    result.malformed = script.malformed
    result.limit = walker.limit
    result.errors = walker.errors
    return result


def simple_commands(command: str, *, cwd: str | None = None) -> Iterator[Command]:
    """Every simple command that would run in ``command`` (§6.1), in source order."""
    return iter(walk(command, cwd=cwd).commands)
