"""The value model of the shell walker (guard spec §5.1).

A *value* is what one argv entry (a *field*) holds after expansion: a tuple of pieces,

- :class:`Lit` -- known text (``quoted`` says whether it came from quotes, which matters for
  glob characters: ``"*"`` is a literal star, ``*`` is a pattern);
- :class:`Unknown` -- text not known statically (an environment variable, ``$(curl …)``,
  ``$RANDOM``, ``~user``, an ``xargs`` item …).  ``may_be_empty`` is false where the empty case
  cannot occur (``${X:?}``, ``$$``).  ``producer`` is set when the text is the output of a
  program whose *class* is known (§7.3: ``$(ls)``, ``$(find …)``, ``$(git ls-files)``, an
  ``xargs`` item fed by such a program, a ``for`` variable over such output);
- :class:`Sym` -- a known location whose exact text does not matter: ``HOME``, ``TMPDIR``,
  ``PWD``, ``OLDPWD``, ``FRESH`` (a ``mktemp`` result, numbered), ``REPO``.

The :class:`Value` (alias :data:`Field`) carries the pieces and two flags: ``pattern`` (it holds
unquoted glob characters) and ``split`` (an unquoted unknown piece could have split it into
several fields).  Alternatives (``${X:-default}``, variables with several possible values) are
not represented inside a value: the walker yields one ``Command`` per combination (§6.1), so an
analyser always sees exactly one value per argv entry.

Hot path: standard library only, plain classes with ``__slots__``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sessionkit.policy.command import Command

__all__ = [
    "FRESH",
    "GLOB_CHARS",
    "HOME",
    "OLDPWD",
    "PRODUCER_KINDS",
    "PWD",
    "REPO",
    "SYM_KINDS",
    "TMPDIR",
    "Field",
    "Lit",
    "Piece",
    "Producer",
    "Sym",
    "Unknown",
    "Value",
    "glob_text",
    "is_known",
    "join_values",
    "known_prefix",
    "lit",
    "literal_text",
    "render",
    "render_argv",
    "unknown",
]

# Symbolic location kinds (Sym.kind).
HOME = "HOME"
TMPDIR = "TMPDIR"
PWD = "PWD"
OLDPWD = "OLDPWD"
FRESH = "FRESH"
REPO = "REPO"
SYM_KINDS = (HOME, TMPDIR, PWD, OLDPWD, FRESH, REPO)

# Producer classes (Producer.kind), §7.3.
PRODUCER_KINDS = ("literal", "find", "ls", "git-listed", "unknown")

GLOB_CHARS = frozenset("*?[")


class Lit:
    """Known text.  ``quoted`` is true when it came from quotes or escapes (never a glob)."""

    __slots__ = ("quoted", "text")

    text: str
    quoted: bool

    def __init__(self, text: str, quoted: bool = False) -> None:
        self.text = text
        self.quoted = quoted

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lit) and other.text == self.text and other.quoted == self.quoted

    def __hash__(self) -> int:
        return hash(("Lit", self.text, self.quoted))

    def __repr__(self) -> str:
        return f"Lit({self.text!r}{', quoted' if self.quoted else ''})"


class Producer:
    """The class of a program whose output feeds a value or a stdin (§7.3).

    ``kind`` is one of :data:`PRODUCER_KINDS`:

    - ``literal``: the output is known (then the value holds ``Lit`` pieces instead, so this
      kind appears only on stdin records whose ``content`` is known);
    - ``find``: what a ``find`` matches -- ``command`` is that find's ``Command`` (start points,
      expression);
    - ``ls``: entries of a directory -- ``command`` is the ``ls`` ``Command`` (its operand, or the
      cwd by default);
    - ``git-listed``: files git lists (``git ls-files``, ``git status --porcelain``,
      ``git diff --name-only``, ``git clean -n``) -- ``command`` is that git ``Command``;
    - ``unknown``: any other program (``command`` is its ``Command`` when there is one, e.g.
      ``yes`` for ``yes | rm -i``; ``None`` when the list comes from an unknown file).

    ``detail`` is a short human label (the producer's command name, or "" when none).
    Selecting filters (``grep``, ``head``, ``tail``, ``sort``, ``uniq``) keep the class.
    """

    __slots__ = ("command", "detail", "kind")

    kind: str
    command: Command | None
    detail: str

    def __init__(self, kind: str, command: Command | None = None, detail: str = "") -> None:
        self.kind = kind
        self.command = command
        self.detail = detail

    def __repr__(self) -> str:
        return f"Producer({self.kind!r}, {self.detail!r})"


class Unknown:
    """Text not known statically.

    ``origin`` is how the source spelled it, used for rendering: ``$NAME``, ``${NAME}``, ``$1``,
    ``$(…)``, ``~user``, ``$RANDOM``, ``{}`` (a find path), ``item`` (an xargs item) …
    ``may_be_empty`` is false where bash guarantees a non-empty result (``${X:?}``, ``$$``).
    ``producer`` is the producer class when the text is a program's output (§7.3), else None.
    """

    __slots__ = ("may_be_empty", "origin", "producer")

    origin: str
    may_be_empty: bool
    producer: Producer | None

    def __init__(
        self, origin: str, may_be_empty: bool = True, producer: Producer | None = None
    ) -> None:
        self.origin = origin
        self.may_be_empty = may_be_empty
        self.producer = producer

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Unknown)
            and other.origin == self.origin
            and other.may_be_empty == self.may_be_empty
            and other.producer is self.producer
        )

    def __hash__(self) -> int:
        return hash(("Unknown", self.origin, self.may_be_empty))

    def __repr__(self) -> str:
        flag = "" if self.may_be_empty else ", nonempty"
        return f"Unknown({self.origin!r}{flag})"


class Sym:
    """A known location whose exact text does not matter (§5.1).

    ``kind`` is one of :data:`SYM_KINDS`.  For ``FRESH``, ``n`` numbers the ``mktemp`` call in
    the command and ``base`` is the directory it creates in (a :class:`Value`: ``-p DIR``,
    ``--tmpdir=DIR`` or the template's directory), or None for "some temp root".  ``path`` is
    the concrete absolute path when the walker knows it (``HOME``: the guard user's home),
    else None.
    """

    __slots__ = ("base", "kind", "n", "path")

    kind: str
    n: int
    base: Value | None
    path: str | None

    def __init__(
        self, kind: str, n: int = 0, base: Value | None = None, path: str | None = None
    ) -> None:
        self.kind = kind
        self.n = n
        self.base = base
        self.path = path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sym) and other.kind == self.kind and other.n == self.n

    def __hash__(self) -> int:
        return hash(("Sym", self.kind, self.n))

    def __repr__(self) -> str:
        return f"Sym({self.kind}{'#' + str(self.n) if self.kind == FRESH else ''})"


if TYPE_CHECKING:
    Piece = Lit | Unknown | Sym
else:
    Piece = object


class Value:
    """One field (argv entry) after expansion: pieces plus flags.

    Attributes (all read-only by convention):

    - ``pieces``: tuple of :class:`Lit` / :class:`Unknown` / :class:`Sym`;
    - ``pattern``: true when an unquoted ``*``, ``?`` or ``[`` is present (a glob, §5.2 item 8;
      the file system is never globbed);
    - ``split``: true when an unquoted unknown piece could have split it into more fields;
    - ``text``: the literal text when every piece is a ``Lit``, else None (cheap to test:
      ``if v.text is not None``);
    - ``known``: true when no piece is :class:`Unknown` (``Sym`` pieces count as known, §7.1).
    """

    __slots__ = ("known", "pattern", "pieces", "split", "text")

    pieces: tuple[Piece, ...]
    pattern: bool
    split: bool
    text: str | None
    known: bool

    def __init__(
        self, pieces: tuple[Piece, ...], pattern: bool = False, split: bool = False
    ) -> None:
        self.pieces = pieces
        self.pattern = pattern
        self.split = split
        text: str | None = None
        known = True
        if len(pieces) == 1:
            # one piece, the commonest value: no loop over the pieces
            kind = type(pieces[0])
            if kind is Lit:
                text = pieces[0].text  # type: ignore[union-attr]
            elif kind is Unknown:
                known = False
        else:
            all_lit = True
            for piece in pieces:
                kind = type(piece)
                if kind is Unknown:
                    known = all_lit = False
                elif kind is not Lit:
                    all_lit = False
            if all_lit:
                text = "".join([piece.text for piece in pieces])  # type: ignore[union-attr]
        self.text = text
        self.known = known

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Value)
            and other.pieces == self.pieces
            and other.pattern == self.pattern
            and other.split == self.split
        )

    def __hash__(self) -> int:
        return hash(self.pieces)

    def __repr__(self) -> str:
        flags = ("P" if self.pattern else "") + ("S" if self.split else "")
        return f"Value({render(self)!r}{', ' + flags if flags else ''})"

    def __str__(self) -> str:
        return render(self)


Field = Value


def lit(text: str, quoted: bool = False) -> Value:
    """A fully known value; ``pattern`` is set when unquoted glob characters are present.

    Values are immutable, so short ones are shared across calls and checks (the commonest
    words, ``-rf``, ``git``, ``.``, are built once instead of once per word)."""
    cache = _LIT_QUOTED if quoted else _LIT_PLAIN
    value = cache.get(text)
    if value is not None:
        return value
    value = _new_value(Value)
    piece = _new_lit(Lit)
    piece.text = text
    piece.quoted = quoted
    value.pieces = (piece,)
    value.pattern = not quoted and ("*" in text or "?" in text or "[" in text)
    value.split = False
    value.text = text
    value.known = True
    if len(text) <= _LIT_CACHE_TEXT:
        if len(cache) >= _LIT_CACHE_SIZE:
            cache.clear()
        cache[text] = value
    return value


_new_value = Value.__new__
_new_lit = Lit.__new__
# the shared literal values of lit(), by text; bounded in entries and in text length
_LIT_PLAIN: dict[str, Value] = {}
_LIT_QUOTED: dict[str, Value] = {}
_LIT_CACHE_SIZE = 4096
_LIT_CACHE_TEXT = 256


def unknown(origin: str, may_be_empty: bool = True, producer: Producer | None = None) -> Value:
    """A wholly unknown value."""
    return Value((Unknown(origin, may_be_empty, producer),))


def is_known(value: Value) -> bool:
    """True when no piece is Unknown (symbolic locations count as known, §7.1)."""
    return value.known


def literal_text(value: Value) -> str | None:
    """The text of a value made only of literal pieces, else None."""
    return value.text


def _render_sym(sym: Sym) -> str:
    if sym.kind == HOME:
        return "~"
    if sym.kind == FRESH:
        return f"«$(mktemp)#{sym.n}»"
    if sym.kind == REPO:
        return "«$(git rev-parse --show-toplevel)»"
    return "$" + sym.kind


def render(value: Value) -> str:
    """The value as display text: unknown pieces as ``«$NAME»`` / ``«$(…)»`` (§11.1)."""
    if value.text is not None:
        return value.text
    out: list[str] = []
    for piece in value.pieces:
        if type(piece) is Lit:
            out.append(piece.text)
        elif type(piece) is Unknown:
            out.append("«" + piece.origin + "»")
        else:
            out.append(_render_sym(piece))  # type: ignore[arg-type]
    return "".join(out)


def render_argv(argv: Sequence[Value]) -> list[str]:
    """Every field rendered with :func:`render`."""
    # a loop, not a comprehension: its frame costs more than the loop for a short argv
    out: list[str] = []
    for v in argv:
        text = v.text
        out.append(text if text is not None else render(v))
    return out


def known_prefix(value: Value) -> str:
    """The literal text before the first non-literal piece (§8.3 "known prefix")."""
    out: list[str] = []
    for piece in value.pieces:
        if type(piece) is not Lit:
            break
        out.append(piece.text)
    return "".join(out)


def glob_text(value: Value) -> str | None:
    """The field as an ``fnmatch`` pattern (quoted glob characters escaped), or None if unknown.

    Only meaningful for fully literal values; ``Sym`` pieces yield None as well.
    """
    out: list[str] = []
    for piece in value.pieces:
        if type(piece) is not Lit:
            return None
        if piece.quoted:
            out.append("".join("[" + c + "]" if c in GLOB_CHARS else c for c in piece.text))
        else:
            out.append(piece.text)
    return "".join(out)


def join_values(values: Iterable[Value], sep: str = " ") -> Value:
    """Concatenate values with a separator (``eval`` args, ``bash -c`` words), merging Lits."""
    pieces: list[Piece] = []
    first = True
    pattern = split = False
    for v in values:
        if not first and sep:
            pieces.append(Lit(sep, True))
        first = False
        pieces.extend(v.pieces)
        pattern = pattern or v.pattern
        split = split or v.split
    return Value(merge_pieces(pieces), pattern, split)


def merge_pieces(pieces: Sequence[Piece]) -> tuple[Piece, ...]:
    """Merge adjacent ``Lit`` pieces with the same quoting; drop empty ones."""
    out: list[Piece] = []
    for piece in pieces:
        if type(piece) is Lit:
            if not piece.text:
                continue
            if out:
                last = out[-1]
                if type(last) is Lit and last.quoted == piece.quoted:
                    out[-1] = Lit(last.text + piece.text, piece.quoted)
                    continue
        out.append(piece)
    return tuple(out)


def command_word_pattern(word: Value) -> str:
    """The ``fnmatch`` pattern of an unresolved command word: its known pieces, ``*`` for
    the unknown ones, and only the last path component."""
    pattern_parts: list[str] = []
    for piece in word.pieces:
        if type(piece) is Lit:
            text = piece.text
            escaped = "".join("[" + c + "]" if c in GLOB_CHARS else c for c in text)
            pattern_parts.append(text if (word.pattern and not piece.quoted) else escaped)
        else:
            pattern_parts.append("*")
    pattern = "".join(pattern_parts)
    if "/" in pattern:
        tail = pattern.rsplit("/", 1)[1]
        if "*" not in pattern.rsplit("/", 1)[0] or tail:
            pattern = tail or "*"
    return pattern


def pattern_agrees(pattern: str, candidate: str) -> bool:
    """Whether an unresolved command word's pattern (``command_word_pattern``) agrees with
    ``candidate`` (a short lower-case name).

    ``fnmatch`` is not used: its translation is quadratic in the number of unmatched ``[``,
    and a command word can be 262,144 of them (§4). This matcher reads the pattern once
    and matches in O(len(pattern) × len(candidate))."""
    if pattern == "*":
        return True  # a wholly unknown word (`$X`, a crontab's `*`): the commonest case
    size = len(candidate)
    tokens = _glob_tokens(pattern, size)
    if tokens is None:
        return False
    if _glob_match(tokens, candidate):
        return True
    lowered = pattern.lower()
    if lowered == pattern:
        return False
    tokens = _glob_tokens(lowered, size)
    return tokens is not None and _glob_match(tokens, candidate)


def _glob_tokens(pattern: str, size: int) -> list[str | tuple[bool, str] | None] | None:
    """The pattern as tokens, in one pass: None for ``*``, a 1-char string for a literal
    or ``?`` (``""``), (negated, members) for a bracket class (fnmatch's bracket rules).
    None when the pattern needs more than ``size`` characters: it matches no name of that
    length, and the pass stops early."""
    tokens: list[str | tuple[bool, str] | None] = []
    needed = 0
    n = len(pattern)
    i = 0
    no_close = False  # no ']' is left: every further '[' is literal (the linear part)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not tokens or tokens[-1] is not None:
                tokens.append(None)
            continue
        needed += 1
        if needed > size:
            return None
        if c == "?":
            tokens.append("")
        elif c == "[" and not no_close:
            j = i
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            k = pattern.find("]", j)
            if k < 0:
                no_close = True
                tokens.append("[")
                continue
            body = pattern[i:k]
            negated = body.startswith("!")
            if negated:
                body = body[1:]
            members: list[str] = []
            m = 0
            while m < len(body):
                if m + 2 < len(body) and body[m + 1] == "-":
                    lo, hi = body[m], body[m + 2]
                    if lo <= hi:  # capped at 127: candidate names are ASCII
                        members.extend(chr(x) for x in range(ord(lo), min(ord(hi), 127) + 1))
                    m += 3
                else:
                    members.append(body[m])
                    m += 1
            tokens.append((negated, "".join(members)))
            i = k + 1
        else:
            tokens.append(c)
    return tokens


def _glob_match(tokens: list[str | tuple[bool, str] | None], name: str) -> bool:
    """Whether ``name`` matches the tokens of ``_glob_tokens`` (a set of positions per
    token: no backtracking)."""
    states = {0}
    for token in tokens:
        if token is None:
            states = set(range(min(states), len(name) + 1))
            continue
        advanced = set()
        for p in states:
            if p >= len(name):
                continue
            ch = name[p]
            if isinstance(token, str):
                ok = token == "" or token == ch
            else:
                negated, members = token
                ok = (ch in members) != negated
            if ok:
                advanced.add(p + 1)
        if not advanced:
            return False
        states = advanced
    return len(name) in states
