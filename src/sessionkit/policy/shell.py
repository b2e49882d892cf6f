"""Lexer and parser for bash command strings (guard spec §4).

``parse(command)`` turns any ``str`` into a :class:`Script` AST with character spans on every
node.  It never raises, does work linear in the input (a work counter enforces
``64 × (len + 1)`` units), recovers from malformed input with :class:`ParseIssue` records and
produces the extra lenient readings of §4.4 (``Script.readings``).

The scanner is a single hand-written pass over the string: runs of ordinary characters are
taken with one precompiled-regex ``match`` per run, everything else is dispatched per
character.  Substitutions (``$( )``, backquotes, ``<( )``, ``${ }``, ``$(( ))``) are parsed
recursively where they occur; results are memoised by position so that bash's re-reading of a
``$((`` that does not close as arithmetic stays linear.

Deliberate simplifications (the walker compensates):

- brace expansion and globs are not separate parts: unquoted ``{``, ``,``, ``}``, ``*``, ``?``
  and ``[`` stay in ``Lit(quoting="none")`` text and the walker expands them (§5.2);
- ``[[ … ]]`` is kept as a list of words (operators dropped): only its substitutions matter.

Hot path: standard library only.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterator

    from sessionkit.policy.command import Command

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT",
    "WORK_FACTOR",
    "AndOr",
    "Arith",
    "ArithCmd",
    "ArithFor",
    "Assignment",
    "Case",
    "CaseItem",
    "CmdSub",
    "Cond",
    "Coproc",
    "For",
    "FunctionDef",
    "Group",
    "Heredoc",
    "If",
    "List",
    "Lit",
    "Param",
    "ParseIssue",
    "Pipeline",
    "ProcSub",
    "Redirect",
    "Script",
    "Select",
    "Simple",
    "Subshell",
    "Tilde",
    "Until",
    "While",
    "Word",
    "decode_ansi_c",
    "parse",
    "simple_commands",
]

MAX_INPUT = 262_144
MAX_DEPTH = 16
WORK_FACTOR = 64
MAX_READINGS = 4


# ---------------------------------------------------------------------------------------------
# AST


class ParseIssue:
    """A syntax problem: ``kind`` (§4.4), ``offset`` into the command string, ``message``."""

    __slots__ = ("kind", "message", "offset")

    def __init__(self, kind: str, offset: int, message: str) -> None:
        self.kind = kind
        self.offset = offset
        self.message = message

    def __repr__(self) -> str:
        return f"ParseIssue({self.kind!r}, {self.offset})"


class Lit:
    """Literal text of a word; ``quoting`` ∈ none, backslash, single, double, ansi-c."""

    __slots__ = ("quoting", "text")

    def __init__(self, text: str, quoting: str = "none") -> None:
        self.text = text
        self.quoting = quoting

    def __repr__(self) -> str:
        return f"Lit({self.text!r}, {self.quoting})"


# the parts of one unquoted literal word, by text: AST nodes are never changed once built, so
# the commonest words (``git``, ``-rf``, ``.``) share one ``(Lit,)`` across words and parses
_PLAIN: dict[str, tuple[Lit]] = {}
_PLAIN_SIZE = 4096
_PLAIN_TEXT = 256


def _plain_lit(token: str) -> tuple[Lit]:
    """``(Lit(token, "none"),)``, shared when it is short."""
    parts = _PLAIN.get(token)
    if parts is None:
        piece = _new_node(Lit)
        piece.text = token
        piece.quoting = "none"
        parts = (piece,)
        if len(token) <= _PLAIN_TEXT:
            if len(_PLAIN) >= _PLAIN_SIZE:
                _PLAIN.clear()
            _PLAIN[token] = parts
    return parts


class Tilde:
    """``~``, ``~user``, ``~+``, ``~-`` at the start of a word or after ``=``/``:``."""

    __slots__ = ("user",)

    def __init__(self, user: str) -> None:
        self.user = user

    def __repr__(self) -> str:
        return f"Tilde({self.user!r})"


class Param:
    """``$NAME``, ``${NAME}``, ``${NAME OP OPERAND}``, ``${#NAME}``, ``${!NAME}``, ``${A[i]}``."""

    __slots__ = ("braced", "index", "name", "op", "operand", "prefix", "quoted", "span")

    def __init__(
        self,
        name: str,
        op: str,
        operand: Word | None,
        quoted: bool,
        span: tuple[int, int],
        prefix: str = "",
        index: Word | None = None,
        braced: bool = False,
    ) -> None:
        self.name = name
        self.op = op
        self.operand = operand
        self.quoted = quoted
        self.span = span
        self.prefix = prefix
        self.index = index
        self.braced = braced

    def __repr__(self) -> str:
        return f"Param({self.prefix}{self.name}{self.op})"


class CmdSub:
    """``$( … )`` (style ``$(``) or backquotes (style `` ` ``)."""

    __slots__ = ("quoted", "script", "span", "style")

    def __init__(self, script: Script, style: str, quoted: bool, span: tuple[int, int]) -> None:
        self.script = script
        self.style = style
        self.quoted = quoted
        self.span = span

    def __repr__(self) -> str:
        return f"CmdSub({self.style})"


class ProcSub:
    """``<( … )`` or ``>( … )``; ``direction`` is ``<`` or ``>``."""

    __slots__ = ("direction", "script", "span")

    def __init__(self, script: Script, direction: str, span: tuple[int, int]) -> None:
        self.script = script
        self.direction = direction
        self.span = span


class Arith:
    """``$(( … ))`` / ``$[ … ]``: parts are Lit text and nested substitutions."""

    __slots__ = ("parts", "quoted", "span")

    def __init__(self, parts: tuple[object, ...], quoted: bool, span: tuple[int, int]) -> None:
        self.parts = parts
        self.quoted = quoted
        self.span = span


class Word:
    """One shell word: adjacent parts, concatenated.  ``assign`` is set for ``export X=…``-style
    declaration operands (the walker treats them as assignments)."""

    __slots__ = ("assign", "parts", "span")

    def __init__(
        self, parts: tuple[object, ...], span: tuple[int, int], assign: Assignment | None = None
    ) -> None:
        self.parts = parts
        self.span = span
        self.assign = assign

    def plain(self) -> str | None:
        """The text when the word is one unquoted literal (keywords, names), else None."""
        parts = self.parts
        if len(parts) == 1:
            p = parts[0]
            if type(p) is Lit and p.quoting == "none":
                return p.text
        return None

    def __repr__(self) -> str:
        return f"Word({list(self.parts)!r})"


class Assignment:
    """``NAME=value``, ``NAME+=value``, ``NAME[i]=value``, ``NAME=(a b)`` (``array`` set)."""

    __slots__ = ("append", "array", "index", "name", "span", "value")

    def __init__(
        self,
        name: str,
        index: Word | None,
        append: bool,
        value: Word | None,
        array: tuple[Word, ...] | None,
        span: tuple[int, int],
    ) -> None:
        self.name = name
        self.index = index
        self.append = append
        self.value = value
        self.array = array
        self.span = span

    def __repr__(self) -> str:
        return f"Assignment({self.name}{'+' if self.append else ''}=)"


class Heredoc:
    """A heredoc: delimiter, whether it was quoted, ``<<-`` tab stripping, body text (for an
    unquoted body also ``body_parts``), ``body_span`` and whether a terminator line was found."""

    __slots__ = (
        "body",
        "body_parts",
        "body_span",
        "delimiter",
        "quoted",
        "strip_tabs",
        "terminated",
    )

    def __init__(self, delimiter: str, quoted: bool, strip_tabs: bool) -> None:
        self.delimiter = delimiter
        self.quoted = quoted
        self.strip_tabs = strip_tabs
        self.body = ""
        self.body_parts: tuple[object, ...] | None = None
        self.body_span = (0, 0)
        self.terminated = False


class Redirect:
    """A redirection: ``fd`` (int, ``{name}`` string or None), ``op``, ``target`` word,
    ``heredoc`` for ``<<``/``<<-``, ``span``."""

    __slots__ = ("fd", "heredoc", "op", "span", "target")

    def __init__(
        self,
        fd: int | str | None,
        op: str,
        target: Word | None,
        heredoc: Heredoc | None,
        span: tuple[int, int],
    ) -> None:
        self.fd = fd
        self.op = op
        self.target = target
        self.heredoc = heredoc
        self.span = span

    def __repr__(self) -> str:
        return f"Redirect({self.fd}{self.op})"


class Simple:
    """A simple command."""

    __slots__ = ("assignments", "redirects", "span", "words")

    def __init__(
        self,
        assignments: tuple[Assignment, ...],
        words: tuple[Word, ...],
        redirects: tuple[Redirect, ...],
        span: tuple[int, int],
    ) -> None:
        self.assignments = assignments
        self.words = words
        self.redirects = redirects
        self.span = span

    def __repr__(self) -> str:
        return f"Simple({len(self.assignments)}a, {list(self.words)!r})"


class Pipeline:
    """Commands joined by ``|`` / ``|&`` (``pipes``), optionally negated or timed."""

    __slots__ = ("commands", "negated", "pipes", "span", "timed")

    def __init__(
        self,
        commands: tuple[object, ...],
        pipes: tuple[str, ...],
        negated: bool,
        timed: bool,
        span: tuple[int, int],
    ) -> None:
        self.commands = commands
        self.pipes = pipes
        self.negated = negated
        self.timed = timed
        self.span = span


class AndOr:
    """Pipelines joined by ``&&`` / ``||`` (``ops``)."""

    __slots__ = ("items", "ops", "span")

    def __init__(
        self, items: tuple[Pipeline, ...], ops: tuple[str, ...], span: tuple[int, int]
    ) -> None:
        self.items = items
        self.ops = ops
        self.span = span


class List:
    """And-or lists with their separators (``;``, ``&``, newline or ``""``)."""

    __slots__ = ("items", "seps", "span")

    def __init__(
        self, items: tuple[AndOr, ...], seps: tuple[str, ...], span: tuple[int, int]
    ) -> None:
        self.items = items
        self.seps = seps
        self.span = span


class _Compound:
    __slots__ = ("redirects", "span")

    def __init__(self, span: tuple[int, int]) -> None:
        self.span = span
        self.redirects: tuple[Redirect, ...] = ()


class Subshell(_Compound):
    __slots__ = ("body",)

    def __init__(self, body: List, span: tuple[int, int]) -> None:
        super().__init__(span)
        self.body = body


class Group(_Compound):
    __slots__ = ("body",)

    def __init__(self, body: List, span: tuple[int, int]) -> None:
        super().__init__(span)
        self.body = body


class If(_Compound):
    """``clauses`` are ``(condition, body)`` pairs (``if`` and every ``elif``)."""

    __slots__ = ("clauses", "else_body")

    def __init__(
        self, clauses: tuple[tuple[List, List], ...], else_body: List | None, span: tuple[int, int]
    ) -> None:
        super().__init__(span)
        self.clauses = clauses
        self.else_body = else_body


class While(_Compound):
    __slots__ = ("body", "cond")

    def __init__(self, cond: List, body: List, span: tuple[int, int]) -> None:
        super().__init__(span)
        self.cond = cond
        self.body = body


class Until(While):
    __slots__ = ()


class For(_Compound):
    """``for NAME [in WORDS]; do BODY; done`` (``words`` None: the positional parameters)."""

    __slots__ = ("body", "name", "words")

    def __init__(
        self, name: str, words: tuple[Word, ...] | None, body: List, span: tuple[int, int]
    ) -> None:
        super().__init__(span)
        self.name = name
        self.words = words
        self.body = body


class Select(For):
    __slots__ = ()


class ArithFor(_Compound):
    __slots__ = ("body", "parts")

    def __init__(self, parts: tuple[object, ...], body: List, span: tuple[int, int]) -> None:
        super().__init__(span)
        self.parts = parts
        self.body = body


class CaseItem:
    __slots__ = ("body", "patterns", "terminator")

    def __init__(self, patterns: tuple[Word, ...], body: List, terminator: str) -> None:
        self.patterns = patterns
        self.body = body
        self.terminator = terminator


class Case(_Compound):
    __slots__ = ("items", "word")

    def __init__(self, word: Word | None, items: tuple[CaseItem, ...], span: tuple[int, int]):
        super().__init__(span)
        self.word = word
        self.items = items


class Cond(_Compound):
    """``[[ … ]]``: its words (operators dropped)."""

    __slots__ = ("words",)

    def __init__(self, words: tuple[Word, ...], span: tuple[int, int]) -> None:
        super().__init__(span)
        self.words = words


class ArithCmd(_Compound):
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[object, ...], span: tuple[int, int]) -> None:
        super().__init__(span)
        self.parts = parts


class Coproc(_Compound):
    __slots__ = ("command", "name")

    def __init__(self, name: str, command: object, span: tuple[int, int]) -> None:
        super().__init__(span)
        self.name = name
        self.command = command


class FunctionDef(_Compound):
    __slots__ = ("body", "name")

    def __init__(self, name: str, body: object, span: tuple[int, int]) -> None:
        super().__init__(span)
        self.name = name
        self.body = body


class Script:
    """A parsed command string.

    ``body`` is the top-level :class:`List`; ``issues`` the parse issues (§4.4);
    ``malformed`` whether any was found; ``text`` the parsed text; ``base`` the offset of
    ``text`` in the original command string (spans are already absolute when ``exact``);
    ``readings`` the extra lenient readings ``(reading number, Script)`` of §4.4 item 2;
    ``limit`` names a limit of §4.5 that was hit (``"input-size"``, ``"depth"``, ``"work"``)
    or is None; ``work`` the work units spent.
    """

    __slots__ = (
        "base",
        "body",
        "exact",
        "issues",
        "limit",
        "malformed",
        "readings",
        "text",
        "work",
    )

    def __init__(self, body: List, text: str) -> None:
        self.body = body
        self.text = text
        self.issues: tuple[ParseIssue, ...] = ()
        self.malformed = False
        self.readings: tuple[tuple[int, Script], ...] = ()
        self.limit: str | None = None
        self.work = 0
        self.base = 0
        self.exact = True


# ---------------------------------------------------------------------------------------------
# Lexical tables

_WORD_END = frozenset(" \t\n;&|()<>")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
_DIGITS = frozenset("0123456789")
_REDIRECT_START = frozenset("<>&{0123456789")
_SPECIAL_PARAMS = frozenset("@*#?$!-0")
_RESERVED = frozenset(
    [
        "if",
        "then",
        "elif",
        "else",
        "fi",
        "case",
        "esac",
        "for",
        "select",
        "while",
        "until",
        "do",
        "done",
        "in",
        "function",
        "time",
        "coproc",
        "{",
        "}",
        "!",
        "[[",
        "]]",
    ]
)
_LIST_STOPS_NONE: frozenset[str] = frozenset()
_DECL = frozenset(("export", "declare", "typeset", "local", "readonly"))
_PARAM_OPS = (
    ":-",
    ":=",
    ":+",
    ":?",
    "##",
    "%%",
    "//",
    "/#",
    "/%",
    "^^",
    ",,",
    "-",
    "=",
    "+",
    "?",
    "#",
    "%",
    "/",
    "^",
    ",",
    ":",
    "@",
)

# the characters _Parser._blanks may skip from: blanks, a line continuation, a CR, a comment
_BLANK_START = frozenset(" \t\\\r#")


class _Compiled:
    """The patterns of ``_PATTERNS`` as attributes (``_RX.plain``), each compiled at its first
    use: a one-shot process that needs none does not import ``re``, and a later use is an
    attribute load, not a call."""

    def __getattr__(self, name: str) -> re.Pattern[str]:
        if name not in _PATTERNS:
            raise AttributeError(name)
        return _re(name)


_RX = _Compiled()
_rx: dict[str, re.Pattern[str]] = _RX.__dict__  # _re stores a compiled pattern as its attribute


def _re(name: str) -> re.Pattern[str]:
    pattern = _rx.get(name)
    if pattern is None:
        import re

        pattern = re.compile(_PATTERNS[name])
        _rx[name] = pattern
    return pattern


_PATTERNS = {
    # ordinary characters of an unquoted word
    "plain": "[^ \\t\\n;&|()<>'\"\\\\$`\\r]+",
    # ordinary characters inside double quotes / unquoted heredoc bodies
    "dq": '[^"\\\\$`]+',
    "hd": "[^\\\\$`\\n]+",
    # arithmetic text including opening parentheses
    "arith_run": "[^)'\"\\\\$`\\]]+",
    # ordinary characters of a ${ } operand
    "operand": "[^}'\"\\\\$`]+",
    # ordinary characters of arithmetic text
    "arith": "[^()'\"\\\\$`\\]]+",
    # a whole command without any special character: the fast path
    "simple": "[A-Za-z0-9_./:,+@%^=~*?{}\\[\\]\\- \\n;&|-]*",
    "fast_token": "&&|\\|\\||[;&|\\n]|[^ ;&|\\n]+",
    # the fast path's tokens when quotes are present: a quoted string (double quotes without
    # an expansion or escape inside), a run of other word characters, an operator, a
    # redirection operator (the run of < > & | ( after it is taken whole, so _fast_quoted
    # sees <<, <(, >| and gives them up; last, as every alternative tried before the one
    # that matches costs time at each token); a lone quote (unterminated, or a double-quoted
    # string the general parser must read). Every character but the blank starts a token:
    # finditer skips the blanks, and _fast_quoted ends a word where a token does not start
    # at the end of the one before
    "fast_quoted": "'[^']*'|\"[^\"\\\\$`]*\"|[^ ;&|\\n'\"<>]+|&&|\\|\\||[;&|\\n]|[<>][<>&|(]*|['\"]",
    # the characters _fast_quoted accepts, as one test before it builds any node: quoted
    # strings as above, runs of the fast path's plain characters between them and the
    # redirection operators it reads (possessive: a command that does not match fails in
    # linear time)
    "fast_quoted_chars": "(?:'[^']*+'|\"[^\"\\\\$`]*+\"|[A-Za-z0-9_./:,+@%^=~*?{}\\[\\]\\- \\n;&|-]++"
    "|>>?&?(?![<>&|(])|<(?![<>&|(]))*+",
    # the tokens of a command whose every dollar is followed by a name or a brace and a name
    # (compiled only then: a one-shot process that reads no dollar does not pay for it):
    # double-quoted strings may also hold dollars (_dquoted_params holds them to plain
    # parameter expansions), a dollar and a name, braced or not, is a token of its own
    "fast_params": "(?a)'[^']*'|\"[^\"\\\\`]*\"|\\$\\{?[A-Za-z_]\\w*\\}?|[^ ;&|\\n'\"$<>]+|&&"
    "|\\|\\||[;&|\\n]|[<>][<>&|(]*|['\"$]",
    "assign": "[A-Za-z_][A-Za-z0-9_]*(?=\\+?=|\\[)",
}


class _Limit(Exception):
    """Raised (rarely) when a limit of §4.5 is hit; caught by ``parse``."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_HEX = frozenset("0123456789abcdefABCDEF")
_OCT = frozenset("01234567")


def decode_ansi_c(body: str) -> str:
    """Decode the inside of ``$'…'`` with bash's escapes (L6); a decoded NUL ends the string."""
    if "\\" not in body:
        cut = body.find("\0")
        return body if cut < 0 else body[:cut]
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            if c == "\0":
                break
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        i += 2
        simple = _ANSI_SIMPLE.get(e)
        if simple is not None:
            out.append(simple)
            continue
        if e in _OCT:
            j = i - 1
            k = j
            while k < n and k < j + 3 and body[k] in _OCT:
                k += 1
            code = int(body[j:k], 8) & 0xFF
            i = k
            if code == 0:
                break
            out.append(chr(code))
            continue
        if e in "xuU":
            width = 2 if e == "x" else 4 if e == "u" else 8
            k = i
            while k < n and k < i + width and body[k] in _HEX:
                k += 1
            if k == i:
                out.append("\\" + e)
                continue
            code = int(body[i:k], 16)
            i = k
            if code == 0:
                break
            if e == "x" and code >= 0x80:
                # bash emits the raw byte, which alone is not UTF-8: surrogateescape form
                out.append(chr(0xDC00 + code))
            elif code > 0x10FFFF:
                out.append("\ufffd")
            else:
                out.append(chr(code))
            continue
        if e == "c" and i < n:
            ctl = body[i]
            i += 1
            code = (ord(ctl.upper()) & 0x1F) if ctl != "?" else 0x7F
            if code == 0:
                break
            out.append(chr(code))
            continue
        out.append("\\" + e)
    text = "".join(out)
    cut = text.find("\0")
    return text if cut < 0 else text[:cut]


def _without_continuations(raw: str) -> str:
    """A heredoc delimiter word with its backslash-newlines deleted (L2), except inside single
    quotes: ``<<E\\⏎OF`` is the unquoted delimiter ``EOF``."""
    if "\\\n" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "'":
            j = raw.find("'", i + 1)
            j = n if j < 0 else j + 1
            out.append(raw[i:j])
            i = j
        elif c == "\\" and i + 1 < n:
            if raw[i + 1] != "\n":
                out.append(raw[i : i + 2])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _quote_removed(raw: str) -> str:
    """Quote removal of a heredoc delimiter word (no expansions)."""
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            out.append(raw[i + 1])
            i += 2
        elif c == "'":
            j = raw.find("'", i + 1)
            j = n if j < 0 else j
            out.append(raw[i + 1 : j])
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n and raw[j] != '"':
                if raw[j] == "\\" and j + 1 < n and raw[j + 1] in '"\\$`':
                    out.append(raw[j + 1])
                    j += 2
                    continue
                out.append(raw[j])
                j += 1
            i = j + 1
        elif c == "$" and i + 1 < n and raw[i + 1] in "'\"":
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Parser


class _Parser:
    __slots__ = (
        "base",
        "budget",
        "depth",
        "issues",
        "last_plain",
        "memo",
        "n",
        "openers",
        "pending",
        "plain_match",
        "s",
        "work",
    )

    def __init__(self, s: str, base: int, depth: int, budget: int) -> None:
        self.s = s
        self.n = len(s)
        self.base = base
        self.depth = depth
        self.budget = budget
        self.work = 0
        self.issues: list[ParseIssue] = []
        self.pending: list[tuple[Heredoc, int]] = []
        self.openers: list[int] = []
        self.memo: dict[int, tuple[object, int]] = {}
        self.plain_match = _RX.plain.match
        self.last_plain: tuple[int, str | None] = (-1, None)

    # -- bookkeeping --------------------------------------------------------------------------

    def _issue(self, kind: str, offset: int, message: str) -> None:
        self.issues.append(ParseIssue(kind, offset + self.base, message))

    def _spend(self, units: int) -> None:
        self.work += units
        if self.work > self.budget:
            raise _Limit("work")

    def _span(self, a: int, b: int) -> tuple[int, int]:
        base = self.base
        return (a + base, b + base)

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Limit("depth")

    # -- low-level scanning ---------------------------------------------------------------------

    def _blanks(self, i: int) -> int:
        """Skip blanks, line continuations, CR before newline/end and comments."""
        s = self.s
        n = self.n
        if i < n and s[i] not in _BLANK_START:
            return i  # the common case: already at a token
        while i < n:
            c = s[i]
            if c == " " or c == "\t":
                i += 1
            elif c not in _BLANK_START:
                return i  # the common end: a token after blanks (no further tests)
            elif c == "\\" and i + 1 < n and s[i + 1] == "\n":
                i += 2
            elif c == "\r" and (i + 1 == n or s[i + 1] == "\n"):
                i += 1
            elif c == "#":
                j = s.find("\n", i)
                self._spend((n if j < 0 else j) - i)
                return n if j < 0 else j
            else:
                return i
        return i

    def _cont(self, i: int) -> int:
        """Skip line continuations at i (they join operators, L2)."""
        s = self.s
        while s.startswith("\\\n", i):
            i += 2
        return i

    def _op(self, i: int) -> tuple[str, int]:
        """The control operator at i (longest match) and the index after it; ("", i) if none."""
        s = self.s
        n = self.n
        c = s[i]
        j = self._cont(i + 1)
        d = s[j] if j < n else ""
        if c == ";":
            if d == ";":
                k = self._cont(j + 1)
                if k < n and s[k] == "&":
                    return ";;&", k + 1
                return ";;", j + 1
            if d == "&":
                return ";&", j + 1
            return ";", i + 1
        if c == "&":
            if d == "&":
                return "&&", j + 1
            if d == ">":
                return "", i  # &> redirection
            return "&", i + 1
        if c == "|":
            if d == "|":
                return "||", j + 1
            if d == "&":
                return "|&", j + 1
            return "|", i + 1
        if c == "(" or c == ")" or c == "\n":
            return c, i + 1
        return "", i

    def _plain_at(self, i: int) -> str | None:
        """The plain word at i (no quotes or expansions), for keyword tests, else None."""
        last = self.last_plain
        if last[0] == i:
            return last[1]  # _pipeline and _command test the same position in turn
        s = self.s
        word: str | None = None
        m = self.plain_match(s, i)
        if m is not None:
            j = m.end()
            # a run of plain characters (no backslash or dollar) that is the whole word
            if j >= self.n or s[j] in _WORD_END or s[j] == "\r":
                word = m[0]
        self.last_plain = (i, word)
        return word

    # -- words ------------------------------------------------------------------------------

    def _word(self, i: int, assign: bool = False) -> tuple[Word, int]:
        """Scan one word starting at i (a non-blank, non-operator character)."""
        s = self.s
        n = self.n
        start = i
        plain_match = self.plain_match
        first = s[i]
        if first != "~" and not assign:
            # the common case: one run of ordinary characters up to the end of the word (at a
            # command word _command's keyword test has matched the run already: no second
            # match; a run it did not take does not end the word, so nor is it taken here)
            read = self.last_plain
            if read[0] == i:
                j = -1 if read[1] is None else i + len(read[1])
            else:
                m = plain_match(s, i)
                j = -1 if m is None else m.end()
            if j >= 0 and (
                j >= n or (s[j] in _WORD_END and not (s[j] in "<>" and s.startswith("(", j + 1)))
            ):
                # self._spend(j - start + 1) and Word((Lit(s[i:j]),), self._span(start, j))
                # without their four frames
                self.work += j - start + 1
                if self.work > self.budget:
                    raise _Limit("work")
                token = s[i:j]
                word = _new_node(Word)
                word.parts = _PLAIN.get(token) or _plain_lit(token)
                base = self.base
                word.span = (start + base, j + base)
                word.assign = None
                return word, j
        parts: list[object] = []
        if first == "~":
            i = self._tilde(i, parts, assign)
        while i < n:
            c = s[i]
            if c in _WORD_END:
                if (c == "<" or c == ">") and self._procsub_at(i):
                    i = self._procsub(i, parts)
                    continue
                break
            if c == "'":
                j = s.find("'", i + 1)
                if j < 0:
                    self._unterminated("unterminated-quote", i, "single quote")
                    parts.append(Lit(s[i + 1 :], "single"))
                    i = n
                else:
                    parts.append(Lit(s[i + 1 : j], "single"))
                    i = j + 1
            elif c == '"':
                i = self._dquote(i, parts)
            elif c == "\\":
                if i + 1 >= n:
                    parts.append(Lit("\\", "backslash"))
                    i += 1
                elif s[i + 1] == "\n":
                    i += 2
                else:
                    parts.append(Lit(s[i + 1], "backslash"))
                    i += 2
            elif c == "$":
                i = self._dollar(i, parts, False)
            elif c == "`":
                i = self._backquote(i, parts, False)
            elif c == "\r":
                if i + 1 == n or s[i + 1] == "\n":
                    break
                parts.append(Lit("\r"))
                i += 1
            else:
                m = plain_match(s, i)
                j = m.end() if m is not None else i + 1
                text = s[i:j]
                if assign and ":~" in text:
                    self._assign_tildes(text, parts)
                else:
                    last = parts[-1] if parts else None
                    if type(last) is Lit and last.quoting == "none":
                        parts[-1] = Lit(last.text + text)
                        i = j
                        continue
                    parts.append(Lit(text))
                i = j
        self._spend(i - start + 1)
        word = _new_node(Word)  # Word(tuple(parts), self._span(start, i)) without two frames
        word.parts = tuple(parts)
        base = self.base
        word.span = (start + base, i + base)
        word.assign = None
        return word, i

    def _assign_tildes(self, text: str, parts: list[object]) -> None:
        pieces = text.split(":")
        for k, piece in enumerate(pieces):
            if k:
                parts.append(Lit(":"))
                if piece.startswith("~"):
                    end = piece.find("/")
                    user = piece[1:] if end < 0 else piece[1:end]
                    parts.append(Tilde(user))
                    piece = "" if end < 0 else piece[end:]
            if piece:
                parts.append(Lit(piece))

    def _tilde(self, i: int, parts: list[object], assign: bool) -> int:
        s = self.s
        n = self.n
        j = i + 1
        stop = "/:" if assign else "/"
        while j < n and s[j] not in stop and s[j] not in _WORD_END and s[j] not in "'\"\\$`":
            j += 1
        if j < n and s[j] in "'\"\\$`":
            return i  # quoted or expanded user name: no tilde expansion
        parts.append(Tilde(s[i + 1 : j]))
        return j

    def _unterminated(self, kind: str, i: int, what: str) -> None:
        self._issue(kind, i, f"unterminated {what}")
        self.openers.append(i + self.base)

    def _dquote(self, i: int, parts: list[object]) -> int:
        """Double-quoted string starting at the quote at i; returns the index after it."""
        s = self.s
        n = self.n
        start = i
        i += 1
        dq = _RX.dq
        buf: list[str] = []
        inner: list[object] = []
        while i < n:
            c = s[i]
            if c == '"':
                break
            if c == "\\":
                if i + 1 < n:
                    d = s[i + 1]
                    if d == "\n":
                        i += 2
                        continue
                    if d in '$`"\\':
                        buf.append(d)
                        i += 2
                        continue
                buf.append("\\")
                i += 1
            elif c == "$" or c == "`":
                if buf:
                    inner.append(Lit("".join(buf), "double"))
                    buf = []
                if c == "$":
                    i = self._dollar(i, inner, True)
                else:
                    i = self._backquote(i, inner, True)
            else:
                m = dq.match(s, i)
                j = m.end() if m is not None else i + 1
                buf.append(s[i:j])
                i = j
        if buf or not inner:
            inner.append(Lit("".join(buf), "double"))
        parts.extend(inner)
        self._spend(i - start + 1)
        if i >= n:
            self._unterminated("unterminated-quote", start, "double quote")
            return n
        return i + 1

    def _dollar(self, i: int, parts: list[object], quoted: bool) -> int:
        s = self.s
        n = self.n
        j = i + 1
        if s.startswith("\\\n", j):
            # backslash-newline is deleted before every other rule (L2): $\⏎(…) is $(…); the
            # dollar is then read as if it stood just before what follows the joins
            j = self._cont(j)
            i = j - 1
        if j >= n:
            parts.append(Lit("$", "double" if quoted else "none"))
            return j
        c = s[j]
        if c == "(":
            if j + 1 < n and s[j + 1] == "(":
                return self._arith_sub(i, parts, quoted)
            return self._cmdsub(i, parts, quoted)
        if c == "{":
            return self._brace_param(i, parts, quoted)
        if c == "[":
            return self._bracket_arith(i, parts, quoted)
        if c == "'" and not quoted:
            k = j + 1
            while k < n and s[k] != "'":
                k += 2 if s[k] == "\\" else 1
            if k >= n:
                self._unterminated("unterminated-quote", i, "ANSI-C string")
                parts.append(Lit(decode_ansi_c(s[j + 1 :]), "ansi-c"))
                return n
            parts.append(Lit(decode_ansi_c(s[j + 1 : k]), "ansi-c"))
            return k + 1
        if c == '"' and not quoted:
            return self._dquote(j, parts)
        if c in _NAME_START:
            k = j + 1
            while k < n and s[k] in _NAME_CHARS:
                k += 1
            parts.append(Param(s[j:k], "", None, quoted, self._span(i, k)))
            return k
        if c in _DIGITS or c in _SPECIAL_PARAMS:
            parts.append(Param(c, "", None, quoted, self._span(i, j + 1)))
            return j + 1
        parts.append(Lit("$", "double" if quoted else "none"))
        return j

    def _cmdsub(self, i: int, parts: list[object], quoted: bool) -> int:
        """``$( … )`` at i (the dollar)."""
        hit = self.memo.get(i)
        if hit is not None:
            node, end = hit
            parts.append(node)
            return end
        start = i
        body, end, closed = self._nested_list(i + 2)
        if not closed:
            self._unterminated("unterminated-substitution", start + 1, "$(")
        script = Script(body, self.s)
        script.base = self.base
        node = CmdSub(script, "$(", quoted, self._span(start, end))
        self.memo[i] = (node, end)
        parts.append(node)
        return end

    def _nested_list(self, i: int) -> tuple[List, int, bool]:
        """Parse a list up to the matching ``)``; returns (list, index after it, closed)."""
        self._enter()
        saved = self.pending
        self.pending = []
        body, i = self._list(i, _LIST_STOPS_NONE, True, False)
        if self.pending:
            self._heredocs_at_eof()
        self.pending = saved
        self.depth -= 1
        if i < self.n and self.s[i] == ")":
            return body, i + 1, True
        return body, i, False

    def _procsub_at(self, i: int) -> bool:
        """Whether the ``<`` or ``>`` at i opens a process substitution: ``(`` follows it,
        possibly after line continuations (L2)."""
        j = self._cont(i + 1)
        return j < self.n and self.s[j] == "("

    def _procsub(self, i: int, parts: list[object]) -> int:
        start = i
        body, end, closed = self._nested_list(self._cont(i + 1) + 1)
        if not closed:
            self._unterminated("unterminated-substitution", start + 1, "process substitution")
        script = Script(body, self.s)
        script.base = self.base
        parts.append(ProcSub(script, self.s[i], self._span(start, end)))
        return end

    def _arith_sub(self, i: int, parts: list[object], quoted: bool) -> int:
        """``$(( … ))``; re-read as ``$( ( … ) )`` when it does not close as arithmetic."""
        hit = self.memo.get(-i - 1)
        if hit is not None:
            node, end = hit
            parts.append(node)
            return end
        inner, end, status = self._arith(i + 3, "))")
        if status == "single":
            return self._cmdsub(i, parts, quoted)
        if status == "open":
            self._unterminated("unterminated-substitution", i + 1, "$((")
        node = Arith(tuple(inner), quoted, self._span(i, end))
        self.memo[-i - 1] = (node, end)
        parts.append(node)
        return end

    def _bracket_arith(self, i: int, parts: list[object], quoted: bool) -> int:
        inner, end, status = self._arith(i + 2, "]")
        if status != "ok":
            self._unterminated("unterminated-substitution", i + 1, "$[")
        parts.append(Arith(tuple(inner), quoted, self._span(i, end)))
        return end

    def _arith(self, i: int, close: str) -> tuple[list[object], int, str]:
        """Arithmetic text from i up to ``close`` at paren depth 0.

        Returns (parts, index after the close, status) with status ``ok``, ``open`` (end of
        input) or ``single`` (a lone ``)`` closed it: not arithmetic, §4.2 L14).
        """
        s = self.s
        n = self.n
        start = i
        depth = 0
        parts: list[object] = []
        rx = _RX.arith
        run = _RX.arith_run
        self._enter()
        try:
            while i < n:
                c = s[i]
                if c == "(":
                    # a run of text and opening parentheses at once (linear on "((((…")
                    m = run.match(s, i)
                    j = m.end() if m is not None else i + 1
                    depth += s.count("(", i, j)
                    parts.append(Lit(s[i:j]))
                    i = j
                elif c == ")":
                    if depth == 0:
                        if close == "))":
                            if i + 1 < n and s[i + 1] == ")":
                                return parts, i + 2, "ok"
                            return parts, i + 1, "single"
                        parts.append(Lit(c))
                        i += 1
                        continue
                    depth -= 1
                    parts.append(Lit(c))
                    i += 1
                elif c == "]" and close == "]" and depth == 0:
                    return parts, i + 1, "ok"
                elif c == "$":
                    i = self._dollar(i, parts, True)
                elif c == "`":
                    i = self._backquote(i, parts, True)
                elif c == "'":
                    j = s.find("'", i + 1)
                    j = n - 1 if j < 0 else j
                    parts.append(Lit(s[i + 1 : j], "single"))
                    i = j + 1
                elif c == '"':
                    i = self._dquote(i, parts)
                elif c == "\\":
                    i += 2
                elif c == "]":
                    parts.append(Lit(c))
                    i += 1
                else:
                    m = rx.match(s, i)
                    j = m.end() if m is not None else i + 1
                    parts.append(Lit(s[i:j]))
                    i = j
            return parts, n, "open"
        finally:
            self.depth -= 1
            self._spend(i - start + 1)

    def _brace_param(self, i: int, parts: list[object], quoted: bool) -> int:
        """``${ … }`` at i (the dollar)."""
        hit = self.memo.get(-(i + 1) * 2 - 1_000_000_000)
        if hit is not None:
            node, end = hit
            parts.append(node)
            return end
        s = self.s
        n = self.n
        j = i + 2
        prefix = ""
        if j < n and s[j] in "#!" and j + 1 < n and s[j + 1] != "}":
            prefix = s[j]
            j += 1
        k = j
        if k < n and s[k] in _NAME_START:
            k += 1
            while k < n and s[k] in _NAME_CHARS:
                k += 1
        elif k < n and s[k] in _DIGITS:
            while k < n and s[k] in _DIGITS:
                k += 1
        elif k < n and s[k] in _SPECIAL_PARAMS:
            k += 1
        name = s[j:k]
        index: Word | None = None
        if k < n and s[k] == "[":
            self._enter()
            iparts, k = self._until(k + 1, "]")
            self.depth -= 1
            index = Word(tuple(iparts), self._span(j, k))
            k = k + 1 if k < n else k
        op = ""
        operand: Word | None = None
        if k < n and s[k] != "}":
            for cand in _PARAM_OPS:
                if s.startswith(cand, k):
                    op = cand
                    break
            if not op:
                op = "?bad"
            else:
                k += len(op)
            self._enter()
            # in double quotes (and unquoted heredoc bodies) a single quote in the word of
            # ${x:-word}, ${x+word}, ${x=word} or ${x?word} is a literal character: a $( … )
            # between two of them runs (bash)
            literal = quoted and op.lstrip(":") in ("-", "+", "=", "?")
            oparts, e = self._until(k, "}", literal)
            self.depth -= 1
            operand = Word(tuple(oparts), self._span(k, e))
            k = e
        if k >= n:
            self._unterminated("unterminated-substitution", i + 1, "${")
            end = n
        else:
            end = k + 1
        node = Param(name, op, operand, quoted, self._span(i, end), prefix, index, True)
        self.memo[-(i + 1) * 2 - 1_000_000_000] = (node, end)
        parts.append(node)
        return end

    def _until(self, i: int, close: str, literal_single: bool = False) -> tuple[list[object], int]:
        """Word parts up to an unquoted ``close`` (``}`` or ``]``), nested ``${`` counted;
        with ``literal_single`` a single quote is an ordinary character."""
        s = self.s
        n = self.n
        start = i
        parts: list[object] = []
        rx = _RX.operand
        while i < n:
            c = s[i]
            if c == close:
                break
            if c == "'" and not literal_single:
                j = s.find("'", i + 1)
                if j < 0:
                    self._unterminated("unterminated-quote", i, "single quote")
                    parts.append(Lit(s[i + 1 :], "single"))
                    i = n
                    break
                parts.append(Lit(s[i + 1 : j], "single"))
                i = j + 1
            elif c == '"':
                i = self._dquote(i, parts)
            elif c == "\\":
                if i + 1 < n:
                    if s[i + 1] != "\n":
                        parts.append(Lit(s[i + 1], "backslash"))
                    i += 2
                else:
                    parts.append(Lit("\\", "backslash"))
                    i += 1
            elif c == "$":
                i = self._dollar(i, parts, False)
            elif c == "`":
                i = self._backquote(i, parts, False)
            else:
                m = rx.match(s, i)
                j = m.end() if m is not None else i + 1
                if close == "]":
                    k = s.find("]", i, j)
                    if k >= 0:
                        j = k if k > i else i + 1
                if j == i:
                    j = i + 1
                parts.append(Lit(s[i:j]))
                i = j
        self._spend(i - start + 1)
        return parts, i

    def _backquote(self, i: int, parts: list[object], quoted: bool) -> int:
        s = self.s
        n = self.n
        j = i + 1
        out: list[str] = []
        changed = False
        while j < n:
            c = s[j]
            if c == "`":
                break
            if c == "\\" and j + 1 < n:
                d = s[j + 1]
                if d in "`\\$" or (quoted and d == '"'):
                    out.append(d)
                    changed = True
                    j += 2
                    continue
                out.append(c)
                j += 1
                continue
            out.append(c)
            j += 1
        self._spend(j - i + 1)
        closed = j < n
        if not closed:
            self._unterminated("unterminated-substitution", i, "backquote")
        body = "".join(out)
        end = j + 1 if closed else n
        script = _parse_nested(self, body, i + 1 + self.base, not changed)
        if changed:
            script.base = i + self.base
        parts.append(CmdSub(script, "`", quoted, self._span(i, end)))
        return end

    # -- heredocs ---------------------------------------------------------------------------

    def _heredocs(self, i: int) -> int:
        """Read the pending heredoc bodies starting at i (just after a newline)."""
        s = self.s
        n = self.n
        pending = self.pending
        self.pending = []
        for doc, _ in pending:
            delim = doc.delimiter
            start = i
            lines: list[str] = []
            terminated = False
            while i < n:
                j = s.find("\n", i)
                end = n if j < 0 else j
                line = s[i:end]
                if not doc.quoted and line.endswith("\\"):
                    line, j = self._joined_line(line, j)
                check = line.lstrip("\t") if doc.strip_tabs else line
                if check == delim or (check.endswith("\r") and check[:-1] == delim):
                    body_end = i
                    i = n if j < 0 else j + 1
                    terminated = True
                    break
                lines.append(check)
                i = n if j < 0 else j + 1
            else:
                body_end = n
            self._spend(i - start + 1)
            doc.terminated = terminated
            doc.body_span = self._span(start, body_end)
            doc.body = "".join([line + "\n" for line in lines])
            if not doc.quoted:
                doc.body_parts = self._body_parts(start, body_end, doc.strip_tabs)
        return i

    def _joined_line(self, line: str, j: int) -> tuple[str, int]:
        """An unquoted heredoc body line with its continuations joined (L2), and the index of
        the newline that ends it (-1 at the end of input): bash compares the joined line with
        the delimiter, so ``EO\\⏎F`` ends the body and ``x\\⏎EOF`` does not. ``\\\\`` is an
        escaped backslash: only an odd run of trailing backslashes continues the line."""
        s = self.s
        pieces = [line]
        piece = line
        while j >= 0 and (len(piece) - len(piece.rstrip("\\"))) % 2 == 1:
            pieces[-1] = piece[:-1]
            k = s.find("\n", j + 1)
            piece = s[j + 1 : self.n if k < 0 else k]
            pieces.append(piece)
            j = k
        return "".join(pieces), j

    def _heredocs_at_eof(self) -> None:
        for doc, _ in self.pending:
            doc.body_span = self._span(self.n, self.n)
            if not doc.quoted:
                doc.body_parts = ()
        self.pending = []

    def _body_parts(self, i: int, end: int, strip_tabs: bool) -> tuple[object, ...]:
        """Parts of an unquoted heredoc body (L16): only ``\\$ \\` \\\\`` and ``\\``-newline
        are escapes; expansions are active."""
        s = self.s
        parts: list[object] = []
        buf: list[str] = []
        rx = _RX.hd
        line_start = True
        while i < end:
            c = s[i]
            if line_start and strip_tabs and c == "\t":
                i += 1
                continue
            line_start = False
            if c == "\\" and i + 1 < end:
                d = s[i + 1]
                if d == "\n":
                    i += 2
                    continue
                if d in "$`\\":
                    buf.append(d)
                    i += 2
                    continue
                buf.append(c)
                i += 1
            elif c == "$" or c == "`":
                if buf:
                    parts.append(Lit("".join(buf), "double"))
                    buf = []
                saved = self.n
                self.n = end
                try:
                    if c == "$":
                        i = self._dollar(i, parts, True)
                    else:
                        i = self._backquote(i, parts, True)
                finally:
                    self.n = saved
            elif c == "\n":
                buf.append(c)
                line_start = True
                i += 1
            else:
                m = rx.match(s, i, end)
                j = m.end() if m is not None else i + 1
                buf.append(s[i:j])
                i = j
        if buf:
            parts.append(Lit("".join(buf), "double"))
        return tuple(parts)

    def _newline(self, i: int) -> int:
        """Consume the newline at i and any heredoc bodies that follow it."""
        i += 1
        if self.pending:
            i = self._heredocs(i)
        return i

    # -- grammar ----------------------------------------------------------------------------

    def _list(
        self, i: int, stops: frozenset[str], close_paren: bool, in_case: bool
    ) -> tuple[List, int]:
        """``list`` up to EOF, a stop keyword in command position, ``)`` (if close_paren) or a
        case terminator (if in_case)."""
        s = self.s
        n = self.n
        start = i
        items: list[AndOr] = []
        seps: list[str] = []
        while True:
            if i < n and s[i] in _BLANK_START:
                i = self._blanks(i)
            if i >= n:
                break
            c = s[i]
            if c == "\n":
                i = self._newline(i)
                continue
            if c in ";&|)":
                op, j = self._op(i)
                if op == ")":
                    if close_paren:
                        break
                    self._issue("unbalanced", i, "unexpected ')'")
                    i = j
                    continue
                if op in (";;", ";&", ";;&"):
                    if in_case:
                        break
                    self._issue("unexpected-token", i, f"unexpected {op!r}")
                    i = j
                    continue
                if op:
                    self._issue("unexpected-token", i, f"unexpected {op!r}")
                    i = j
                    continue
            if stops:
                word = self._plain_at(i)
                if word is not None and word in stops:
                    break
            before = i
            node, i = self._and_or(i)
            items.append(node)
            # (here and at the ends of pipelines, and-or lists and simple commands _blanks is
            # called only where there is something to skip: usually a command ends at the
            # end of the text or at an operator, and a call costs more than the test)
            if i < n and s[i] in _BLANK_START:
                i = self._blanks(i)
            sep = ""
            if i < n:
                c = s[i]
                if c == ";" or c == "&":
                    op, j = self._op(i)
                    if op in (";", "&"):
                        sep = op
                        i = j
                elif c == "\n":
                    sep = "\n"
                    i = self._newline(i)
            seps.append(sep)
            if i == before:  # no progress: skip one character
                self._issue("unexpected-token", i, f"unexpected {s[i]!r}")
                i += 1
        body_node = _new_node(List)  # List(...) and self._span without their frames
        body_node.items = tuple(items)
        body_node.seps = tuple(seps)
        base = self.base
        body_node.span = (start + base, i + base)
        return body_node, i

    def _and_or(self, i: int) -> tuple[AndOr, int]:
        s = self.s
        n = self.n
        start = i
        items: list[Pipeline] = []
        ops: list[str] = []
        node, i = self._pipeline(i)
        items.append(node)
        while True:
            j = self._blanks(i) if i < n and s[i] in _BLANK_START else i
            if j >= n or s[j] not in "&|":
                break
            op, k = self._op(j)
            if op not in ("&&", "||"):
                break
            i = self._skip_newlines(k)
            if i >= n:
                self._issue("dangling-operator", j, f"nothing after {op!r}")
                break
            ops.append(op)
            node, i = self._pipeline(i)
            items.append(node)
        and_or = _new_node(AndOr)  # AndOr(...) and self._span without their frames
        and_or.items = tuple(items)
        and_or.ops = tuple(ops)
        base = self.base
        and_or.span = (start + base, i + base)
        return and_or, i

    def _skip_newlines(self, i: int) -> int:
        s = self.s
        n = self.n
        while True:
            i = self._blanks(i)
            if i < n and s[i] == "\n":
                i = self._newline(i)
            else:
                return i

    def _external_time(self, i: int) -> bool:
        """``time`` followed by an option other than ``-p``/``--`` (``time -f %e CMD``): a
        shell without the keyword (dash) runs /usr/bin/time, whose options these are, so
        the word is read as that program, a wrapper (§6.2), rather than as bash's keyword
        (for which the option word would be the command)."""
        if i >= self.n or self.s[i] not in _BLANK_START:
            return False
        j = self._blanks(i)
        s = self.s
        if j >= self.n:
            return False
        if s[j] != "-" and not (
            (s[j] in "'\"\\" and s[j + 1 : j + 2] == "-") or s[j : j + 3] in ("$'-", '$"-')
        ):
            return False  # ('-f', "-f", \-f and $'-f' are the same option to /usr/bin/time)
        option = self._plain_at(j)
        return option not in ("-p", "--")

    def _pipeline(self, i: int) -> tuple[Pipeline, int]:
        s = self.s
        n = self.n
        start = i
        negated = timed = False
        while True:
            if i < n and s[i] in _BLANK_START:
                i = self._blanks(i)
            # the plain word is read only when it may be ! or time (_command reads it anyway)
            word = self._plain_at(i) if i < n and s[i] in "!t" else None
            if word == "!":
                negated = not negated
                i += 1
            elif word == "time" and not timed and not self._external_time(i + 4):
                timed = True
                i += 4
                j = self._blanks(i)
                if self._plain_at(j) == "-p":
                    i = j + 2
                    j = self._blanks(i)
                if self._plain_at(j) == "--":  # bash 5 accepts `time [-p] -- COMMAND`
                    i = j + 2
            else:
                break
        commands: list[object] = []
        pipes: list[str] = []
        node, i = self._command(i)
        commands.append(node)
        while True:
            j = self._blanks(i) if i < n and s[i] in _BLANK_START else i
            if j >= n or s[j] != "|":
                break
            op, k = self._op(j)
            if op not in ("|", "|&"):
                break
            i = self._skip_newlines(k)
            if i >= n:
                self._issue("dangling-operator", j, f"nothing after {op!r}")
                break
            pipes.append(op)
            node, i = self._command(i)
            commands.append(node)
        pipeline = _new_node(Pipeline)  # Pipeline(...) and self._span without their frames
        pipeline.commands = tuple(commands)
        pipeline.pipes = tuple(pipes)
        pipeline.negated = negated
        pipeline.timed = timed
        base = self.base
        pipeline.span = (start + base, i + base)
        return pipeline, i

    def _command(self, i: int) -> tuple[object, int]:
        """The command at i; every caller has already skipped the blanks before it."""
        s = self.s
        n = self.n
        if i >= n:
            return Simple((), (), (), self._span(i, i)), i
        c = s[i]
        if c in ";|)" or (c == "&" and self._redirect_start(i) < 0):
            self._issue("unexpected-token", i, f"unexpected {c!r} where a command was expected")
            return Simple((), (), (), self._span(i, i)), i
        if c == "(":
            j = self._cont(i + 1)
            if j < n and s[j] == "(":
                inner, end, status = self._arith(j + 1, "))")
                if status == "ok":
                    node: _Compound = ArithCmd(tuple(inner), self._span(i, end))
                    return self._compound_redirects(node, end)
            return self._subshell(i)
        word = self._plain_at(i)
        if word is not None and word in _RESERVED and word != "time":
            # `time` is a keyword only where a pipeline starts (_pipeline takes it there);
            # after `|` bash runs it as the program time (echo x | time -p rm -rf src)
            return self._keyword(word, i)
        return self._simple(i)

    def _subshell(self, i: int) -> tuple[object, int]:
        body, end, closed = self._nested_list(i + 1)
        if not closed:
            self._issue("unbalanced", i, "'(' without ')'")
        return self._compound_redirects(Subshell(body, self._span(i, end)), end)

    def _compound_redirects(self, node: _Compound, i: int) -> tuple[object, int]:
        n = self.n
        redirects: list[Redirect] = []
        while True:
            j = self._blanks(i)
            if j >= n:
                break
            k = self._redirect_start(j)
            if k < 0:
                break
            redirect, i = self._redirect(j, k)
            redirects.append(redirect)
        if redirects:
            node.redirects = tuple(redirects)
            node.span = (node.span[0], i + self.base)
        return node, i

    def _expect(self, i: int, word: str, opener: int) -> int:
        """Consume keyword ``word`` at i (after blanks/newlines) or record missing-keyword."""
        i = self._skip_newlines(i)
        if self._plain_at(i) == word:
            return i + len(word)
        if i >= self.n:
            self._issue("missing-keyword", opener, f"missing {word!r}")
        else:
            self._issue("unexpected-token", i, f"expected {word!r}")
        return i

    def _keyword(self, word: str, i: int) -> tuple[object, int]:
        start = i
        self._enter()
        try:
            if word == "{":
                body, i = self._list(i + 1, _GROUP_STOPS, False, False)
                i = self._expect(i, "}", start)
                return self._compound_redirects(Group(body, self._span(start, i)), i)
            if word == "if":
                clauses: list[tuple[List, List]] = []
                else_body: List | None = None
                i += 2
                while True:
                    cond, i = self._list(i, _IF_STOPS, False, False)
                    i = self._expect(i, "then", start)
                    body, i = self._list(i, _IF_STOPS, False, False)
                    clauses.append((cond, body))
                    kw = self._plain_at(self._skip_newlines(i))
                    if kw == "elif":
                        i = self._skip_newlines(i) + 4
                        continue
                    if kw == "else":
                        i = self._skip_newlines(i) + 4
                        else_body, i = self._list(i, _IF_STOPS, False, False)
                    break
                i = self._expect(i, "fi", start)
                node: _Compound = If(tuple(clauses), else_body, self._span(start, i))
                return self._compound_redirects(node, i)
            if word in ("while", "until"):
                cond, i = self._list(i + len(word), _DO_STOPS, False, False)
                i = self._expect(i, "do", start)
                body, i = self._list(i, _DO_STOPS, False, False)
                i = self._expect(i, "done", start)
                cls = While if word == "while" else Until
                return self._compound_redirects(cls(cond, body, self._span(start, i)), i)
            if word in ("for", "select"):
                return self._for(word, i)
            if word == "case":
                return self._case(i)
            if word == "[[":
                return self._cond(i)
            if word == "function":
                return self._function(i)
            if word == "coproc":
                j = self._blanks(i + 6)
                name = "COPROC"
                nxt = self._plain_at(j)
                if nxt is not None and nxt not in _RESERVED and _is_name(nxt):
                    k = self._blanks(j + len(nxt))
                    if k < self.n and (self.s[k] in "({" or self._plain_at(k) in _RESERVED):
                        name = nxt
                        j = k
                command, i = self._command(j)
                return Coproc(name, command, self._span(start, i)), i
            # a reserved word where a command was expected
            self._issue("unexpected-token", i, f"unexpected {word!r}")
            simple, i = self._simple(i + len(word))
            return simple, i
        finally:
            self.depth -= 1

    def _for(self, word: str, i: int) -> tuple[object, int]:
        s = self.s
        n = self.n
        start = i
        i = self._blanks(i + len(word))
        if word == "for" and s.startswith("((", i):
            inner, end, status = self._arith(i + 2, "))")
            if status != "ok":
                self._issue("unterminated-substitution", i, "unterminated for (( … ))")
            i = self._blanks(end)
            if i < n and s[i] == ";":
                i += 1
            i = self._expect(i, "do", start)
            body, i = self._list(i, _DO_STOPS, False, False)
            i = self._expect(i, "done", start)
            node: _Compound = ArithFor(tuple(inner), body, self._span(start, i))
            return self._compound_redirects(node, i)
        name = ""
        if i < n and s[i] not in _WORD_END:
            w, i = self._word(i)
            name = w.plain() or ""
        j = self._skip_newlines(i)
        words: list[Word] | None = None
        if self._plain_at(j) == "in":
            i = j + 2
            words = []
            while True:
                i = self._blanks(i)
                if i >= n or s[i] in ";\n&|)":
                    break
                if s[i] in "(<>" and not (s[i] in "<>" and self._procsub_at(i)):
                    self._issue("unexpected-token", i, f"unexpected {s[i]!r}")
                    i += 1
                    continue
                w, i = self._word(i)
                words.append(w)
            if i < n and s[i] == ";":
                i += 1
        elif j < n and s[j] == ";":
            i = j + 1
        i = self._expect(i, "do", start)
        body, i = self._list(i, _DO_STOPS, False, False)
        i = self._expect(i, "done", start)
        cls = For if word == "for" else Select
        node = cls(name, None if words is None else tuple(words), body, self._span(start, i))
        return self._compound_redirects(node, i)

    def _case(self, i: int) -> tuple[object, int]:
        s = self.s
        n = self.n
        start = i
        i = self._blanks(i + 4)
        subject: Word | None = None
        if i < n and s[i] not in _WORD_END:
            subject, i = self._word(i)
        i = self._expect(i, "in", start)
        items: list[CaseItem] = []
        while True:
            i = self._skip_newlines(i)
            if i >= n:
                self._issue("missing-keyword", start, "missing 'esac'")
                break
            if self._plain_at(i) == "esac":
                i += 4
                break
            if s[i] == "(":
                i = self._blanks(i + 1)
            patterns: list[Word] = []
            while i < n:
                i = self._blanks(i)
                if i >= n:
                    break
                c = s[i]
                if c == ")":
                    i += 1
                    break
                if c == "|":
                    i += 1
                    continue
                if c in _WORD_END:
                    self._issue("unexpected-token", i, f"unexpected {c!r} in case pattern")
                    i += 1
                    continue
                w, i = self._word(i)
                patterns.append(w)
            body, i = self._list(i, _ESAC_STOPS, False, True)
            term = ""
            j = self._blanks(i)
            if j < n and s[j] == ";":
                term, i = self._op(j)
            items.append(CaseItem(tuple(patterns), body, term))
        node = Case(subject, tuple(items), self._span(start, i))
        return self._compound_redirects(node, i)

    def _cond(self, i: int) -> tuple[object, int]:
        s = self.s
        n = self.n
        start = i
        i += 2
        words: list[Word] = []
        while True:
            i = self._blanks(i)
            if i >= n:
                self._issue("missing-keyword", start, "missing ']]'")
                break
            c = s[i]
            if c == "\n":
                i = self._newline(i)
                continue
            if self._plain_at(i) == "]]":
                i += 2
                break
            if c in _WORD_END:
                if (c == "<" or c == ">") and self._procsub_at(i):
                    pass
                else:
                    i += 1
                    continue
            w, i = self._word(i)
            words.append(w)
        return self._compound_redirects(Cond(tuple(words), self._span(start, i)), i)

    def _function(self, i: int) -> tuple[object, int]:
        s = self.s
        n = self.n
        start = i
        i = self._blanks(i + 8)
        name = ""
        if i < n and s[i] not in _WORD_END:
            w, i = self._word(i)
            name = w.plain() or ""
        j = self._blanks(i)
        if j < n and s[j] == "(":
            k = self._blanks(j + 1)
            if k < n and s[k] == ")":
                i = k + 1
        return self._function_body(name, start, i)

    def _function_body(self, name: str, start: int, i: int) -> tuple[object, int]:
        i = self._skip_newlines(i)
        if i >= self.n:
            self._issue("missing-keyword", start, "function without a body")
            return FunctionDef(name, None, self._span(start, i)), i
        self._enter()
        body, i = self._command(i)
        self.depth -= 1
        return FunctionDef(name, body, self._span(start, i)), i

    def _redirect_start(self, i: int) -> int:
        """If a redirection starts at i, the index of its operator; else -1."""
        s = self.s
        n = self.n
        c = s[i]
        if c == "<" or c == ">":
            if self._procsub_at(i):
                return -1
            return i
        if c == "&":
            j = self._cont(i + 1)
            if j < n and s[j] == ">":
                return i
            return -1
        if c in _DIGITS:
            j = i + 1
            while j < n and s[j] in _DIGITS:
                j += 1
            if j < n and s[j] in "<>" and not self._procsub_at(j):
                return j
            return -1
        if c == "{":
            j = s.find("}", i + 1, i + 64)
            if j > i + 1 and _is_name(s[i + 1 : j]) and j + 1 < n and s[j + 1] in "<>":
                return j + 1
        return -1

    def _redirect(self, i: int, k: int) -> tuple[Redirect, int]:
        """The redirection starting at i whose operator starts at k."""
        s = self.s
        n = self.n
        fd: int | str | None = None
        if k > i:
            prefix = s[i:k]
            fd = prefix[1:-1] if prefix.startswith("{") else int(prefix)
        c = s[k]
        j = self._cont(k + 1)
        d = s[j] if j < n else ""
        op = c
        if c == "&":
            j2 = self._cont(j + 1)
            if j2 < n and s[j2] == ">":
                op, j = "&>>", j2 + 1
            else:
                op, j = "&>", j + 1
        elif c == ">":
            if d == ">":
                op, j = ">>", j + 1
            elif d == "|":
                op, j = ">|", j + 1
            elif d == "&":
                op, j = ">&", j + 1
            else:
                op = ">"
        else:
            if d == "<":
                j2 = self._cont(j + 1)
                e = s[j2] if j2 < n else ""
                if e == "<":
                    op, j = "<<<", j2 + 1
                elif e == "-":
                    op, j = "<<-", j2 + 1
                else:
                    op, j = "<<", j
                    j += 1
            elif d == "&":
                op, j = "<&", j + 1
            elif d == ">":
                op, j = "<>", j + 1
            else:
                op = "<"
        t = self._blanks(j)
        if t >= n or s[t] in "\n;&|()" or (s[t] in "<>" and not self._procsub_at(t)):
            self._issue("missing-target", k, f"{op!r} without a target")
            return Redirect(fd, op, None, None, self._span(i, j)), j
        target, end = self._word(t)
        heredoc: Heredoc | None = None
        if op in ("<<", "<<-"):
            raw = _without_continuations(s[t:end])
            quoted = any(ch in raw for ch in "'\"\\")
            delim = _quote_removed(raw) if quoted else raw
            heredoc = Heredoc(delim, quoted, op == "<<-")
            self.pending.append((heredoc, k))
        elif op == ">&":
            text = target.plain()
            if text is not None and text != "-" and not text.isdigit() and fd is None:
                op = "&>"
        return Redirect(fd, op, target, heredoc, self._span(i, end)), end

    def _assignment(self, i: int, name_end: int) -> tuple[Assignment, int]:
        """An assignment at i; name_end is the end of the name."""
        s = self.s
        n = self.n
        name = s[i:name_end]
        j = name_end
        index: Word | None = None
        if s[j] == "[":
            iparts, j = self._until(j + 1, "]")
            index = Word(tuple(iparts), self._span(name_end + 1, j))
            j += 1
        append = False
        if j < n and s[j] == "+":
            append = True
            j += 1
        j += 1  # the '='
        if j < n and s[j] == "(":
            words: list[Word] = []
            k = j + 1
            while True:
                k = self._blanks(k)
                if k >= n:
                    self._issue("unbalanced", j, "array literal without ')'")
                    break
                c = s[k]
                if c == ")":
                    k += 1
                    break
                if c == "\n":
                    k = self._newline(k)
                    continue
                if c in _WORD_END and not (c in "<>" and self._procsub_at(k)):
                    self._issue("unexpected-token", k, f"unexpected {c!r} in array")
                    k += 1
                    continue
                w, k = self._word(k, True)
                words.append(w)
            return Assignment(name, index, append, None, tuple(words), self._span(i, k)), k
        if j >= n or s[j] in _WORD_END or (s[j] == "\r" and (j + 1 == n or s[j + 1] == "\n")):
            value = Word((), self._span(j, j))
            return Assignment(name, index, append, value, None, self._span(i, j)), j
        value, k = self._word(j, True)
        return Assignment(name, index, append, value, None, self._span(i, k)), k

    def _assignment_at(self, i: int) -> int:
        """If an assignment starts at i, the end of its name; else -1."""
        s = self.s
        if s[i] not in _NAME_START:
            return -1
        m = _RX.assign.match(s, i)
        if m is None:
            return -1
        j = m.end()
        if s[j] == "[":
            k = s.find("]", j, j + 256)
            if k < 0:
                return -1
            if s.find("[", j + 1, k) >= 0:
                # brackets inside the subscript (A[${#A[@]}]=v) pair up, as bash's do
                depth = 0
                for k in range(j, min(len(s), j + 256)):
                    if s[k] == "[":
                        depth += 1
                    elif s[k] == "]":
                        depth -= 1
                        if not depth:
                            break
                if depth:
                    return -1
            k += 1
            if s.startswith("=", k) or s.startswith("+=", k):
                return j
            return -1
        return j

    def _simple(self, i: int) -> tuple[object, int]:
        s = self.s
        n = self.n
        start = i
        assignments: list[Assignment] = []
        words: list[Word] = []
        redirects: list[Redirect] = []
        decl = False
        end = i
        while True:
            if i < n and s[i] in _BLANK_START:
                if s[i] == " " and i + 1 < n and s[i + 1] not in _BLANK_START:
                    i += 1  # the one space between two words, without a _blanks call
                else:
                    i = self._blanks(i)
            if i >= n:
                break
            c = s[i]
            if c in "\n;|&()":  # one test for the word characters (most) before the cases
                if c in "\n;|":
                    break
                if c == "&":
                    k = self._redirect_start(i)
                    if k < 0:
                        break
                    redirect, i = self._redirect(i, k)
                    redirects.append(redirect)
                    end = i
                    continue
                if c == ")":
                    break
                # c == "("
                if len(words) == 1 and not assignments:
                    # NAME ( ) compound: a function definition
                    j = self._blanks(i + 1)
                    if j < n and s[j] == ")":
                        name = words[0].plain() or ""
                        return self._function_body(name, start, j + 1)
                if not words and not redirects and not assignments:
                    break
                self._issue("unexpected-token", i, "unexpected '('")
                i += 1
                continue
            k = self._redirect_start(i) if c in _REDIRECT_START else -1
            if k >= 0:
                redirect, i = self._redirect(i, k)
                redirects.append(redirect)
                end = i
                continue
            if not words or decl:
                # _command has read the plain word here for its keyword test: a whole plain
                # word without = or [ is no assignment (no _assignment_at frame and regex)
                last = self.last_plain
                text = last[1] if last[0] == i else None
                if text is not None and "=" not in text and "[" not in text:
                    name_end = -1
                else:
                    name_end = self._assignment_at(i)
                if name_end >= 0:
                    assignment, i = self._assignment(i, name_end)
                    if decl:
                        raw = Word((Lit(s[assignment.span[0] - self.base : i]),), assignment.span)
                        if assignment.value is not None:
                            raw = Word(
                                (Lit(_name_for(assignment)), *assignment.value.parts),
                                assignment.span,
                            )
                        raw.assign = assignment
                        words.append(raw)
                    else:
                        assignments.append(assignment)
                    end = i
                    continue
            before = i
            word, i = self._word(i)
            if not words:
                # (the text read for the assignment test above is the word's when the word
                # is that run: no plain() call)
                if text is None or i - before != len(text):
                    text = word.plain()
                if text is not None and text in _DECL:
                    decl = True
            words.append(word)
            end = i
        simple = _new_node(Simple)  # Simple(...) and self._span without their frames
        simple.assignments = tuple(assignments)
        simple.words = tuple(words)
        simple.redirects = tuple(redirects)
        base = self.base
        simple.span = (start + base, end + base)
        return simple, end


def _name_for(assignment: Assignment) -> str:
    """The ``NAME=`` / ``NAME+=`` prefix text of a declaration operand."""
    return assignment.name + ("+=" if assignment.append else "=")


def _is_name(text: str) -> bool:
    return bool(text) and text[0] in _NAME_START and all(c in _NAME_CHARS for c in text)


_IF_STOPS = frozenset(("then", "elif", "else", "fi"))
_DO_STOPS = frozenset(("do", "done"))
_ESAC_STOPS = frozenset(("esac",))
_GROUP_STOPS = frozenset(("}",))


def _parse_nested(parent: _Parser, text: str, base: int, exact: bool) -> Script:
    """Parse a backquote body with the parent's depth and remaining budget."""
    if not text.strip():
        script = Script(List((), (), (base, base)), text)
        script.base = base
        script.exact = exact
        return script
    sub = _Parser(text, base if exact else 0, parent.depth + 1, parent.budget - parent.work)
    if sub.depth > MAX_DEPTH:
        raise _Limit("depth")
    try:
        body, _ = sub._list(0, _LIST_STOPS_NONE, False, False)
        if sub.pending:
            sub._heredocs_at_eof()
    finally:
        parent.work += sub.work
    if exact:
        parent.issues.extend(sub.issues)
        parent.openers.extend(sub.openers)
    else:
        for issue in sub.issues:
            parent.issues.append(ParseIssue(issue.kind, base - 1, issue.message))
    script = Script(body, text)
    script.base = base
    script.exact = exact
    script.issues = tuple(sub.issues)
    script.malformed = bool(sub.issues)
    return script


def _class_chars(pattern: str) -> frozenset[str]:
    """The characters of a ``[...]*`` pattern made of literals, ``\\``-escapes and ranges."""
    body = pattern[1:-2]
    chars: set[str] = set()
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            i += 1
            char = "\n" if body[i] == "n" else body[i]
        elif i + 2 < len(body) and body[i + 1] == "-":
            chars.update(chr(code) for code in range(ord(char), ord(body[i + 2]) + 1))
            i += 3
            continue
        chars.add(char)
        i += 1
    return frozenset(chars)


# The fast path's gate, _PATTERNS["simple"], as a set: a plain command then parses without
# importing ``re`` (with ``enum``, a third of the agent hook's interpreter start-up), and a
# set test is as fast as the regex for commands of usual length. A test compares the two.
_SIMPLE_CHARS = _class_chars(_PATTERNS["simple"])
# from this length on _fast tests a command against the "simple" regex instead of _SIMPLE_CHARS
_SIMPLE_SCAN_CHARS = 512


class _Lists:
    """The lists ``_fast`` and ``_fast_quoted`` build while they read words and separators:
    the words of the current command, the commands of the current pipeline, and so on up to the
    list items."""

    __slots__ = (
        "assignments",
        "commands",
        "items",
        "ops",
        "pipelines",
        "pipes",
        "redirects",
        "seps",
        "words",
    )

    # (set by _new_lists, without an __init__ frame: a class call costs a type call, a slot
    # lookup and a frame that the fast paths pay at each command)
    items: list[AndOr]
    seps: list[str]
    pipelines: list[Pipeline]
    ops: list[str]
    commands: list[Simple]
    pipes: list[str]
    words: list[Word]  # the readers append to it; it is cleared, never replaced
    redirects: list[Redirect]  # _fast_quoted's, likewise
    assignments: list[Assignment]  # likewise

    def close(self, token: str) -> bool:
        """End the current command at the separator ``token`` (after a word or a redirection);
        False for one the fast paths do not take."""
        # the nodes built with slot stores, without their __init__ frames (as _fast_single)
        words, commands = self.words, self.commands
        simple = _new_node(Simple)
        simple.words = tuple(words)
        if self.assignments:
            # NAME=value prefixes (_fast_quoted's): the command runs from its first to its last
            # assignment, redirection or word (a redirection may come first: >f X=1 ls)
            assignments, redirects = self.assignments, self.redirects
            spans = [a.span for a in assignments] + [r.span for r in redirects]
            spans += [w.span for w in words]
            simple.assignments = tuple(assignments)
            simple.redirects = tuple(redirects)
            simple.span = (min(spans)[0], max(span[1] for span in spans))
            assignments.clear()
            redirects.clear()
        elif self.redirects:
            simple.assignments = ()
            # the command runs from its first to its last word or redirection
            redirects = self.redirects
            start, end = redirects[0].span[0], redirects[-1].span[1]
            if words:
                start = min(start, words[0].span[0])
                end = max(end, words[-1].span[1])
            simple.redirects = tuple(redirects)
            simple.span = (start, end)
            redirects.clear()
        else:
            simple.assignments = ()
            simple.redirects = ()
            simple.span = (words[0].span[0], words[-1].span[1])
        commands.append(simple)
        words.clear()
        if token == "|":
            self.pipes.append(token)
            return True
        pipelines = self.pipelines
        pipeline = _new_node(Pipeline)
        pipeline.commands = tuple(commands)
        pipeline.pipes = tuple(self.pipes)
        pipeline.negated = pipeline.timed = False
        pipeline.span = (commands[0].span[0], commands[-1].span[1])
        pipelines.append(pipeline)
        commands.clear()
        self.pipes.clear()
        if token in ("&&", "||"):
            self.ops.append(token)
            return True
        if token not in (";", "&", "\n", ""):  # "": the end of the command
            return False
        and_or = _new_node(AndOr)
        and_or.items = tuple(pipelines)
        and_or.ops = tuple(self.ops)
        and_or.span = (pipelines[0].span[0], pipelines[-1].span[1])
        self.items.append(and_or)
        self.seps.append(token)
        pipelines.clear()
        self.ops.clear()
        return True

    def finish(self, command: str) -> Script | None:
        """The script of ``command`` at its end; None after a dangling operator (the general
        parser reports it)."""
        if self.words or self.redirects or self.assignments:
            self.close("")
        elif self.pipelines or self.commands:
            return None
        body = _new_node(List)  # List(...) without its __init__ frame
        body.items = tuple(self.items)
        body.seps = tuple(self.seps)
        body.span = (0, len(command))
        return _fast_script(body, command)


def _new_lists() -> _Lists:
    """A new ``_Lists``, every list empty."""
    lists = _new_node(_Lists)
    lists.items = []
    lists.seps = []
    lists.pipelines = []
    lists.ops = []
    lists.commands = []
    lists.pipes = []
    lists.words = []
    lists.redirects = []
    lists.assignments = []
    return lists


def _fast(command: str) -> Script | None:
    """Lists of plain words joined by ``;``, ``&&``, ``||``, ``|``, ``&`` and newlines skip the
    general parser; anything unusual falls back to it."""
    # a long command is held to the plain characters by the compiled class (one C loop over
    # it) instead of a set lookup per character; a short one by the set (no regex to compile
    # in a one-shot process)
    if not (
        _SIMPLE_CHARS.issuperset(command)
        if len(command) < _SIMPLE_SCAN_CHARS
        else _RX.simple.fullmatch(command)
    ):
        if "$" in command and _plain_dollars(command):
            return _fast_quoted(command, True)
        if (
            "'" in command or '"' in command or "<" in command or ">" in command
        ) and _RX.fast_quoted_chars.fullmatch(command):
            if (
                "<" in command
                or ">" in command
                or ";" in command
                or "&" in command
                or "|" in command
                or "\n" in command
            ):
                return _fast_quoted(command)
            return _fast_split(command)
        return None
    if "\n" not in command and ";" not in command and "&" not in command and "|" not in command:
        return _fast_single(command)
    lists = _new_lists()
    words = lists.words
    previous = ";"  # the token before: "w" for a word, else the operator
    for m in _RX.fast_token.finditer(command):
        token = m[0]  # m.group() as a subscript: no method call per token
        if token[0] not in ";&|\n":
            if previous != "w" and ("=" in token or token in _RESERVED or token in _DECL):
                # (a NAME=value prefix: _fast_quoted reads assignments)
                return _fast_quoted(command) if "=" in token else None
            # Word(_plain_parts(token), m.span()) without the two frames
            word = _new_node(Word)
            if token[0] == "~":
                word.parts = _plain_parts(token)
            else:
                word.parts = _PLAIN.get(token) or _plain_lit(token)
            word.span = m.span()
            word.assign = None
            words.append(word)
            previous = "w"
            continue
        if previous != "w":
            if token == "\n" and previous in ("\n", ";", "&", "&&", "||", "|"):
                continue  # blank lines, and newlines after && || |
            return None
        if not lists.close(token):
            return None  # ;; |& and friends
        previous = token
    return lists.finish(command)


def _plain_dollars(command: str) -> bool:
    """Whether every dollar of ``command`` is followed by a name or ``{`` and a name: the test
    before ``_fast_quoted`` reads its parameter expansions (a command with ``$(``, ``$1`` or
    ``${#`` does not even compile ``fast_params``)."""
    for piece in command.split("$")[1:]:
        c = piece[:1]
        if c not in _NAME_START and (c != "{" or piece[1:2] not in _NAME_START):
            return False
    return True


def _fast_quoted(command: str, params: bool = False) -> Script | None:
    """``_fast`` for words that also hold single-quoted strings, double-quoted strings without
    escapes (``git commit -m "fix it"``, ``grep -rn 'rm -rf' .``) and plain parameter
    expansions ``$NAME``/``${NAME}``, unquoted or in double quotes (``rm -rf "$DIR/build"``),
    and the redirections ``>``, ``>>``, ``<`` and ``>&N`` with an optional fd number and a
    target word of the same kinds (``2>/dev/null``, ``> "$OUT"``), and ``NAME=value`` /
    ``NAME+=value`` prefixes (``X='a b' ls``); the text outside quotes and expansions is held
    to the plain characters. Builds the general parser's AST (a Lit per run of text, a Param
    per expansion, an Assignment per prefix). ``params``: the command passed
    ``_plain_dollars`` (else ``fast_quoted_chars``)."""
    simple = _SIMPLE_CHARS
    lists = _new_lists()
    words = lists.words
    parts: list[object] = []
    start = end = 0
    # the token before: "w" for a word, "R" for a whole redirection in a command without a
    # word yet, "r" for a redirection operator awaiting its target, "a" for a NAME=value
    # prefix, else the operator
    previous = ";"
    # the redirection whose target word is being read: its fd, operator and start
    redirect: tuple[int | None, str, int] | None = None
    for m in (_RX.fast_params if params else _RX.fast_quoted).finditer(command):
        token = m[0]  # m.group() as a subscript: no method call per token
        c = token[0]
        at, stop = m.span()
        if parts and (at != end or c in ";&|\n"):
            # the word ends at a blank (the regex skips blanks: no token for them) or an
            # operator
            word = _quoted_word(parts, previous != "w" and previous != "r", start, end, lists)
            if word is None:
                return None
            parts = []
            if redirect is None:
                if word is _ASSIGNED:
                    previous = "a"
                else:
                    words.append(word)
                    previous = "w"
            else:
                if not _fast_redirect(lists.redirects, redirect, word):
                    return None
                redirect = None
                previous = "w" if words else "R"
        if c == "'" or c == '"':
            if len(token) < 2:
                return None  # unterminated, or expansions or escapes inside double quotes
            if not parts:
                start = at
            end = stop
            if c == '"' and "$" in token:
                if not _dquoted_params(command, at + 1, stop - 1, parts):
                    return None
            else:
                # Lit(token[1:-1], quoting) without its __init__ frame
                piece = _new_node(Lit)
                piece.text = token[1:-1]
                piece.quoting = "single" if c == "'" else "double"
                parts.append(piece)
            continue
        if c == "$":
            if len(token) < 2 or not params or (token[1] == "{") != (token[-1] == "}"):
                return None  # not a plain $NAME or ${NAME} ($A} is left to the parser too)
            if not parts:
                start = at
            end = stop
            if token[1] == "{":
                parts.append(Param(token[2:-1], "", None, False, (at, stop), "", None, True))
            else:
                parts.append(Param(token[1:], "", None, False, (at, stop)))
            continue
        if c not in ";&|\n":
            if not simple.issuperset(token):
                # (a redirection operator is tested for only here, where every other token
                # has already left: the common tokens pay nothing for it)
                if c != ">" and c != "<":
                    return None
                if token not in (">", ">>", "<", ">&") or command[at - 1 : at] == "&":
                    return None  # << <<< <( >( >| <> <& and &> are the general parser's
                fd = None
                if parts:
                    head = parts[0]
                    # the unquoted text the word starts with
                    text = head.text if type(head) is Lit and head.quoting == "none" else ""
                    if len(parts) == 1 and text.isdigit():
                        if redirect is not None:
                            return None  # >2>f: the general parser's
                        fd = int(text)  # 2>f: the digits right before it are its fd
                        at = start
                    elif text[:1] == "{":
                        return None  # {fd}>f names an fd: the general parser's
                    else:
                        # the word right before ends here, as at a blank
                        word = _quoted_word(
                            parts, previous != "w" and previous != "r", start, end, lists
                        )
                        if word is None:
                            return None
                        if redirect is not None:
                            if not _fast_redirect(lists.redirects, redirect, word):
                                return None
                        elif word is _ASSIGNED:
                            previous = "a"
                        else:
                            words.append(word)
                            previous = "w"
                    parts = []
                elif redirect is not None:
                    return None  # an operator where the target should be
                redirect = (fd, token, at)
                previous = "r"
                continue
            end = stop
            if not parts:
                start = at
                if (
                    command[stop : stop + 1] in _FAST_WORD_END
                    and c != "~"
                    and (
                        previous == "w"
                        or (
                            previous != "r"
                            and "=" not in token
                            and "[" not in token
                            and token not in _RESERVED
                            and token not in _DECL
                        )
                    )
                ):
                    # the commonest token: a whole plain word (not a redirection's target;
                    # as a command word, not one _quoted_word gives up or reads as an
                    # assignment), its Word at once (no parts list, no _quoted_word frame)
                    word = _new_node(Word)
                    word.parts = _PLAIN.get(token) or _plain_lit(token)
                    word.span = (at, stop)
                    word.assign = None
                    words.append(word)
                    previous = "w"
                    continue
            # Lit(token, "none"): the shared one of _PLAIN (nodes are never changed), not a
            # new node per word
            parts.append((_PLAIN.get(token) or _plain_lit(token))[0])
            continue
        # an operator (the word before it has ended above)
        if previous != "w" and previous != "R" and previous != "a":
            if token == "\n" and previous in ("\n", ";", "&", "&&", "||", "|"):
                continue  # blank lines, and newlines after && || |
            return None
        if not lists.close(token):
            return None  # ;; |& and friends
        previous = token
    if parts:
        word = _quoted_word(parts, previous != "w" and previous != "r", start, end, lists)
        if word is None:
            return None
        if redirect is None:
            if word is not _ASSIGNED:
                words.append(word)
        elif not _fast_redirect(lists.redirects, redirect, word):
            return None
        else:
            redirect = None
    if redirect is not None:
        return None  # a redirection without a target
    return lists.finish(command)


def _fast_split(command: str) -> Script | None:
    """``_fast_quoted`` for one simple command of words and ``NAME=value`` prefixes, the text
    held by ``fast_quoted_chars`` and free of operators and redirections (even inside
    quotes): the words are read off ``str.split`` on blanks and ``str.find`` for the quotes
    (C loops) instead of a regex match per token; the AST is ``_fast_quoted``'s."""
    lists = _new_lists()
    words = lists.words
    plain = _PLAIN
    pieces = command.split(" ")
    count = len(pieces)
    pos = 0  # the start of pieces[k]
    k = 0
    while k < count:
        piece = pieces[k]
        k += 1
        if not piece:
            pos += 1
            continue
        start = pos
        if "'" not in piece and '"' not in piece:
            end = pos + len(piece)
            pos = end + 1
            if piece[0] != "~" and (
                words
                or (
                    "=" not in piece
                    and "[" not in piece
                    and piece not in _RESERVED
                    and piece not in _DECL
                )
            ):
                # a whole plain word (as _fast_quoted's commonest token): its Word at once
                word = _new_node(Word)
                word.parts = plain.get(piece) or _plain_lit(piece)
                word.span = (start, end)
                word.assign = None
                words.append(word)
                continue
            parts: list[object] = [(plain.get(piece) or _plain_lit(piece))[0]]
        else:
            # a word with quotes: a Lit per run of plain text and per quoted string; a quoted
            # string with blanks spans the pieces up to its closing quote
            text = piece
            parts = []
            i = 0
            while True:
                single = text.find("'", i)
                double = text.find('"', i)
                if single < 0 and double < 0:
                    if i < len(text):
                        run = text[i:]
                        parts.append((plain.get(run) or _plain_lit(run))[0])
                    break
                if double < 0 or 0 <= single < double:
                    quote, q, quoting = "'", single, "single"
                else:
                    quote, q, quoting = '"', double, "double"
                if q > i:
                    run = text[i:q]
                    parts.append((plain.get(run) or _plain_lit(run))[0])
                close = text.find(quote, q + 1)
                while close < 0:
                    if k >= count:
                        return None  # unterminated (fast_quoted_chars lets none through)
                    text += " " + pieces[k]
                    k += 1
                    close = text.find(quote, q + 1)
                lit = _new_node(Lit)  # Lit(text[q + 1 : close], quoting) without its frame
                lit.text = text[q + 1 : close]
                lit.quoting = quoting
                parts.append(lit)
                i = close + 1
            end = start + len(text)
            pos = end + 1
        read = _quoted_word(parts, not words, start, end, lists)
        if read is None:
            return None
        if read is not _ASSIGNED:
            words.append(read)
    if lists.assignments or not words:
        return lists.finish(command)
    # one command of words: its nodes as _Lists.close and finish build them, at once (no
    # list to append to, clear or copy into a tuple)
    body = _new_node(List)
    body.items = (_one_command(words),)
    body.seps = ("",)
    body.span = (0, len(command))
    return _fast_script(body, command)


# what ends a word of _fast_quoted's plain characters ("": the end of the command)
_FAST_WORD_END = frozenset(("", " ", ";", "&", "|", "\n"))


def _fast_redirect(
    redirects: list[Redirect], redirect: tuple[int | None, str, int], target: Word
) -> bool:
    """Append the redirection ``redirect`` (fd, operator, start) of ``_fast_quoted`` to
    ``target``; False for ``>&`` to anything but a plain fd number (``>&-``, ``>&file``: the
    general parser's)."""
    fd, op, at = redirect
    if op == ">&":
        head = target.parts[0]
        if len(target.parts) != 1 or type(head) is not Lit or head.quoting != "none":
            return False
        if not head.text.isdigit():
            return False
    node = _new_node(Redirect)  # Redirect(...) without its __init__ frame
    node.fd = fd
    node.op = op
    node.target = target
    node.heredoc = None
    node.span = (at, target.span[1])
    redirects.append(node)
    return True


def _dquoted_params(command: str, i: int, j: int, parts: list[object]) -> bool:
    """The parts of the double-quoted text ``command[i:j]`` as the general parser's ``_dquote``
    builds them, when its every dollar starts a plain parameter expansion: a double-quoted Lit
    per non-empty run of text between the expansions, a quoted Param per expansion. False
    (parts half built) for any other dollar."""
    pieces = command[i:j].split("$")
    text = pieces[0]
    if text:
        parts.append(Lit(text, "double"))
    pos = i + len(text)  # the dollar
    for piece in pieces[1:]:
        if piece[:1] == "{":
            close = piece.find("}")
            name = piece[1:close]
            if close < 0 or not _is_name(name):
                return False
            end = pos + close + 2
            parts.append(Param(name, "", None, True, (pos, end), "", None, True))
            text = piece[close + 1 :]
        else:
            k = 0
            for char in piece:
                if char not in _NAME_CHARS:
                    break
                k += 1
            if not k or piece[0] not in _NAME_START:
                return False
            end = pos + 1 + k
            parts.append(Param(piece[:k], "", None, True, (pos, end)))
            text = piece[k:]
        if text:
            parts.append(Lit(text, "double"))
        pos += 1 + len(piece)
    return True


def _quoted_word(
    parts: list[object], first: bool, start: int, end: int, lists: _Lists
) -> Word | None:
    """A word of ``_fast_quoted``; for a command word ``NAME=value`` or ``NAME+=value`` (one
    before the command's first word) ``_ASSIGNED``, its assignment appended to
    ``lists.assignments``; None when the general parser must read it (a command word that may
    be an indexed assignment, a reserved or declaration word; a tilde before quotes or
    expansions)."""
    head = parts[0]
    if type(head) is Lit and head.quoting == "none":
        text = head.text
        if first and (
            "=" in text or "[" in text or (len(parts) == 1 and (text in _RESERVED or text in _DECL))
        ):
            if "=" not in text:
                return None
            assignment = _quoted_assignment(parts, text, start, end)
            if assignment is None:
                return None
            lists.assignments.append(assignment)
            return _ASSIGNED
        if text[0] == "~":
            if len(parts) > 1:
                return None
            return Word(_plain_parts(text), (start, end))
    if first:
        for part in parts[1:]:
            if type(part) is Lit and part.quoting == "none" and "=" in part.text:
                return None
    word = _new_node(Word)  # Word(tuple(parts), (start, end)) without its __init__ frame
    word.parts = tuple(parts)
    word.span = (start, end)
    word.assign = None
    return word


def _quoted_assignment(parts: list[object], text: str, start: int, end: int) -> Assignment | None:
    """The assignment of ``_fast_quoted`` whose first part is the unquoted ``text`` with an
    ``=``, as the general parser's ``_assignment`` builds it; None for anything else (an
    indexed name, a name that is none: a command word then; a tilde in the value)."""
    eq = text.find("=")
    name = text[:eq]
    append = name[-1:] == "+"
    if append:
        name = name[:-1]
    if not _is_name(name):
        return None
    rest = text[eq + 1 :]
    value_parts: list[object] = [Lit(rest)] if rest else []
    if "~" in rest:
        return None  # tilde expansion after = and : is the general parser's
    for part in parts[1:]:
        if type(part) is Lit and part.quoting == "none" and "~" in part.text:
            return None
        value_parts.append(part)
    value = start + eq + 1
    return Assignment(
        name, None, append, Word(tuple(value_parts), (value, end)), None, (start, end)
    )


_new_node = object.__new__
# what _quoted_word answers for an assignment (a marker, never part of an AST)
_ASSIGNED = _new_node(Word)


def _plain_parts(token: str) -> tuple[object, ...]:
    """The parts of a word of plain characters: one literal, or ``~user`` and the rest."""
    if token[0] != "~":
        return _PLAIN.get(token) or _plain_lit(token)
    slash = token.find("/")
    if slash < 0:
        return (Tilde(token[1:]),)
    return (Tilde(token[1:slash]), Lit(token[slash:], "none"))


def _fast_single(command: str) -> Script | None:
    """One simple command of plain words separated by blanks (the most common input): split
    on blanks instead of running the token regex; the AST is the one ``_fast`` builds."""
    words: list[Word] = []
    append = words.append
    pos = 0
    new = _new_node  # object.__new__ and slot stores: no __init__ frame per word
    plain = _PLAIN
    tilde = "~" in command  # one scan instead of a first-character test per word
    for token in command.split(" "):
        if token:
            end = pos + len(token)
            word = new(Word)
            if tilde and token[0] == "~":
                word.parts = _plain_parts(token)
            else:
                word.parts = plain.get(token) or _plain_lit(token)
            word.span = (pos, end)
            word.assign = None
            append(word)
            pos = end + 1
        else:
            pos += 1
    n = len(command)
    items: tuple[AndOr, ...] = ()
    seps: tuple[str, ...] = ()
    if words:
        start, first_end = words[0].span
        first = command[start:first_end]
        if "=" in first:
            return _fast_quoted(command)  # it reads NAME=value prefixes
        if first in _RESERVED or first in _DECL:
            return None
        items = (_one_command(words),)
        seps = ("",)
    body = new(List)
    body.items = items
    body.seps = seps
    body.span = (0, n)
    return _fast_script(body, command)


def _one_command(words: list[Word]) -> AndOr:
    """The and-or list of one simple command of ``words`` (no assignment, no redirection),
    built with slot stores, without the nodes' __init__ frames (the fast path's differential
    tests compare them with the general parser's)."""
    span = (words[0].span[0], words[-1].span[1])
    new = _new_node
    simple = new(Simple)
    simple.assignments = ()
    simple.words = tuple(words)
    simple.redirects = ()
    simple.span = span
    pipeline = new(Pipeline)
    pipeline.commands = (simple,)
    pipeline.pipes = ()
    pipeline.negated = False
    pipeline.timed = False
    pipeline.span = span
    and_or = new(AndOr)
    and_or.items = (pipeline,)
    and_or.ops = ()
    and_or.span = span
    return and_or


def _fast_script(body: List, command: str) -> Script:
    """The ``Script`` of a fast-path parse of ``command``: ``Script(body, command)`` with its
    work set, built with slot stores (a function call costs less than ``Script.__init__``'s)."""
    script = _new_node(Script)
    script.body = body
    script.text = command
    script.issues = ()
    script.malformed = False
    script.readings = ()
    script.limit = None
    script.work = len(command) + 1
    script.base = 0
    script.exact = True
    return script


def _parse_at(command: str, start: int, budget: int) -> tuple[Script, list[int]]:
    parser = _Parser(command, 0, 0, budget)
    limit: str | None = None
    try:
        body, _ = parser._list(start, _LIST_STOPS_NONE, False, False)
        if parser.pending:
            parser._heredocs_at_eof()
    except _Limit as exc:
        limit = exc.kind
        body = List((), (), (start, len(command)))
    except RecursionError:
        limit = "depth"
        body = List((), (), (start, len(command)))
    script = Script(body, command)
    script.issues = tuple(parser.issues)
    script.malformed = bool(parser.issues)
    script.limit = limit
    script.work = parser.work
    return script, parser.openers


def parse(command: str) -> Script:
    """Parse a command string (§4).  Never raises for a ``str``; work is linear."""
    if not isinstance(command, str):
        raise TypeError("command must be a str")
    n = len(command)
    if n > MAX_INPUT:
        script = Script(List((), (), (0, 0)), command)
        script.limit = "input-size"
        return script
    fast = _fast(command)
    if fast is not None:
        return fast
    budget = WORK_FACTOR * (n + 1)
    script, openers = _parse_at(command, 0, budget)
    work = script.work
    if script.malformed and script.limit is None and openers:
        readings: list[tuple[int, Script]] = []
        seen: set[int] = set()
        queue = sorted(set(openers))
        while queue and len(readings) < MAX_READINGS - 1:
            opener = queue.pop(0)
            if opener in seen or opener + 1 >= n:
                continue
            seen.add(opener)
            # the text after the opening character, read as unquoted code
            start = opener + 1
            if command.startswith("$'", opener) or command.startswith("$(", opener):
                start = opener + 2
            sub, more = _parse_at(command, start, budget)
            work += sub.work
            if sub.limit is not None:
                script.limit = sub.limit
                break
            readings.append((len(readings) + 2, sub))
            queue.extend(o for o in more if o not in seen and o > opener)
            queue.sort()
        script.readings = tuple(readings)
    script.work = work
    return script


def simple_commands(command: str, *, cwd: str | None = None) -> Iterator[Command]:
    """Every simple command that would run (§5, §6); see :mod:`sessionkit.policy.walk`."""
    from sessionkit.policy.walk import simple_commands as walk_simple_commands

    return walk_simple_commands(command, cwd=cwd)
