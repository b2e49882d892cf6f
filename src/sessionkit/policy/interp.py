"""Lexical scanners for interpreter one-liners (guard spec §6.6).

Not parsers: one small tokenizer per language recognises string literals (with prefixes,
triple quotes, template literals, Perl and Ruby quote-like operators), comments, dotted
identifiers and brackets; a shared call finder then looks for the calls of §6.6 that run a
shell string, run an argv list or delete recursively, resolving simple import aliases.

Public functions (used by ``walk.py``):

- :func:`code_sources` -- where an interpreter invocation's code comes from;
- :func:`scan` -- the actions found in a piece of code: ``("shell", Value)``,
  ``("argv", list[Value])`` or ``("rmtree", list[Value])``.

Hot path (imported lazily): standard library only.
"""

from __future__ import annotations

from sessionkit.policy.values import Lit, Unknown, Value, merge_pieces

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Sequence

    from sessionkit.policy.command import Stdin
    from sessionkit.policy.values import Piece

    Token = tuple[str, object]

__all__ = ["code_sources", "scan", "string_literals"]

_MAX_TOKENS = 20_000


def _language(name: str) -> str | None:
    if name.startswith(("python", "pypy")):
        return "python"
    if name in ("node", "nodejs", "bun", "deno"):
        return "js"
    if name in ("perl", "ruby", "php"):
        return name
    if name in ("awk", "gawk", "mawk", "nawk"):
        return "awk"
    if name == "osascript":
        return "applescript"
    return None


_CODE_OPTS = {
    "python": ("-c",),
    "js": ("-e", "--eval", "-p", "--print"),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "php": ("-r",),
    "applescript": ("-e",),
}
_VALUE_OPTS = {
    "python": ("-W", "-X", "-Q", "--check-hash-based-pycs"),
    "js": ("-r", "--require", "--import", "--loader", "--input-type"),
    "perl": ("-I", "-M", "-m", "-x"),
    "ruby": ("-I", "-r", "-C", "-E"),
    "php": ("-d", "-c", "-z"),
    "awk": ("-F", "-v", "-f"),
    "applescript": (),
}


# short options that bundle: (flags, code letters, letters taking a value)
_CLUSTERS = {
    "python": ("bBdEhiIOPqsSuvx", "c", "WXQm"),
    "perl": ("lnpasw0TtUuvcWXSC", "eE", "IMmxFdDi"),
    "ruby": ("acdlnpsvwWyU", "e", "IrCEFxKT0"),
}


# ruby options whose value is optional and only ever attached (never the next word)
_RUBY_ATTACHED_ONLY = frozenset("0WTxK")


def _cluster(t: str, cluster: tuple[str, str, str], language: str) -> tuple[int, int] | None:
    """Read a bundle such as ``-Sc``, ``-le`` or ``-ne``: ``(code_at, width)`` where
    ``code_at`` is 0 when the code is the next word, the offset of attached code, or -1 when
    the bundle holds no code; ``width`` is how many words it takes.  None for a bundle with an
    unknown letter (left to the generic option skipping)."""
    flags, codes, values = cluster
    j = 0
    while j + 1 < len(t):
        j += 1
        ch = t[j]
        if language == "ruby" and ch in _RUBY_ATTACHED_ONLY:
            # -W0 -W:no-deprecated -0777 -T1 -Ku -xDIR: an optional value that is only ever
            # attached, so the next word is not taken (ruby -W0 -e CODE)
            if ch == "x" or (ch == "W" and t[j + 1 : j + 2] == ":"):
                return (-1, 1)
            if ch == "K":
                j += 1
            while j + 1 < len(t) and t[j + 1].isdigit():
                j += 1
            continue
        if ch in codes:
            return (0, 2) if j + 1 == len(t) else (j + 1, 1)
        if ch in values:
            if ch == "m" and language == "python":
                return None  # -m MODULE: left to the module rule
            takes_next = j + 1 == len(t) and (language != "perl" or ch in "IM")
            return (-1, 2 if takes_next else 1)
        if ch not in flags:
            return None
    return (-1, 1)


def code_sources(
    name: str, argv: Sequence[Value], stdin: Stdin, script: Value | None
) -> list[tuple[str, Value, int]]:
    """The code an interpreter invocation runs: ``(language, code, argv index)`` triples.

    Index -1 means the code came from stdin or a written script.
    """
    language = _language(name)
    if language is None:
        return []
    out: list[tuple[str, Value, int]] = []
    code_opts = _CODE_OPTS.get(language, ())
    value_opts = _VALUE_OPTS.get(language, ())
    i = 1
    script_seen = False
    if language == "js" and len(argv) > 1 and argv[1].text == "eval" and name == "deno":
        for k in range(2, len(argv)):  # deno eval [OPTIONS] CODE
            text = argv[k].text
            if text is None or not text.startswith("-"):
                return [("js", argv[k], k)]
        return []
    program_file = False
    while i < len(argv):
        t = argv[i].text
        if t is None:
            break
        if t in code_opts and i + 1 < len(argv):
            out.append((language, argv[i + 1], i + 1))
            i += 2
            if language == "python":
                return out
            continue
        if language in ("python", "perl", "ruby", "php", "js") and len(t) > 2:
            head = t[:2]
            if head in code_opts and language in ("python", "perl", "ruby", "php"):
                out.append((language, Value((Lit(t[2:]),)), i))
                i += 1
                continue
        if language == "js" and t.startswith(("--eval=", "--print=")):
            out.append((language, Value((Lit(t.split("=", 1)[1]),)), i))
            i += 1
            continue
        if language == "js" and t in ("-pe", "-ep"):
            if i + 1 < len(argv):
                out.append((language, argv[i + 1], i + 1))
            i += 2
            continue
        cluster = _CLUSTERS.get(language)
        if cluster is not None and len(t) > 2 and t[0] == "-" and t[1] != "-":
            step = _cluster(t, cluster, language)
            if step is not None:
                code_at, width = step
                if code_at == 0 and i + 1 < len(argv):
                    out.append((language, argv[i + 1], i + 1))
                elif code_at > 0:
                    out.append((language, Value((Lit(t[code_at:]),)), i))
                i += width
                if out and language == "python":
                    return out
                continue
        if t == "-m" and language == "python":
            return out  # a module: invisible (A7)
        if language == "awk" and t in ("-f", "--file"):
            # the program is in a file; gawk's -e/--source code still runs beside it
            program_file = True
            i += 2
            continue
        if language == "awk" and t.startswith(("-f", "--file=")):
            program_file = True
            i += 1
            continue
        if language == "awk" and t in ("-e", "--source") and i + 1 < len(argv):
            out.append((language, argv[i + 1], i + 1))
            i += 2
            continue
        if language == "awk" and t.startswith("--source="):
            out.append((language, Value((Lit(t.split("=", 1)[1]),)), i))
            i += 1
            continue
        if t in value_opts:
            i += 2
            continue
        if t == "--":
            i += 1
            break
        if t.startswith("-") and t != "-":
            if language == "perl" and t[1:] and set(t[1:]) <= set("lnpaisw0"):
                i += 1
                continue
            i += 1
            continue
        break
    if len(out) > 1 and language in ("perl", "ruby"):
        # perl -e 'system(' -e '"rm -rf src")': the -e fragments are one program, joined by
        # newlines (§6.6)
        pieces: list[Piece] = []
        for k, source in enumerate(out):
            if k:
                pieces.append(Lit("\n"))
            pieces.extend(source[1].pieces)
        return [(language, Value(merge_pieces(pieces)), out[0][2])]
    if out:
        return out
    if language == "awk":
        if i < len(argv) and not program_file:
            return [("awk", argv[i], i)]
        return []
    rest = argv[i:]
    if rest and rest[0].text not in ("-", "/dev/stdin", "/dev/fd/0"):
        script_seen = True  # /dev/stdin as the script reads the program from stdin, like -
    if script_seen:
        if script is not None:
            return [(language, script, -1)]
        return []
    if stdin.content is not None:
        return [(language, stdin.content, -1)]
    return []


# --- tokenizer ------------------------------------------------------------------------------

_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$0123456789")
# the rest of a dotted name after its first character: _IDENT characters, a "." before an
# _IDENT_START character, "::" (one regex match instead of a loop step per character)
_NAME_TAIL: list[re.Pattern[str]] = []  # compiled at first use
# characters _tokens reads as a one-character operator in every language: none starts a name,
# a string, a comment or a quote-like operator (not "#", "/", "%", quotes, backquotes)
_PLAIN_OPS = frozenset("()[]{},.:=+-*<>!&|?~^@")
_PAIRS = {"{": "}", "(": ")", "[": "]", "<": ">"}
# delimiters of Perl's q, qq, qx, qw and Ruby's %q, %Q, %x, %w right after the operator (not
# "=", ",", ";" or ")": "q => 1" and "(q, …)" use q as a word), and after blanks in Perl
_QUOTE_DELIMITERS = frozenset("{([<|/!'\"`#~^:@%+-.?*&")
_SPACED_DELIMITERS = frozenset("{([<|/!'\"`")
_RUBY_PERCENT = {"x": "qx", "q": "q", "Q": "qq", "w": "qw", "W": "qw", "r": "re"}
# characters that end an operand: a "%" after one is Ruby's modulo, not a %(…) string
_IDENT_CLOSE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789)]}")


# One-character escapes of interpolating (double-quoted) strings per language; numeric and
# Unicode escapes are read by _decode. A backslash before any other character is dropped in
# JavaScript, Perl and Ruby ("\$" is "$") and kept in Python, PHP and awk ("\$" stays "\$", as
# mawk and BWK awk read it). Reading these wrong changes what the shell receives: Ruby "\s" is
# a blank, PHP "\'" keeps its backslash, JavaScript "\$(" is a command substitution.
_ESCAPES: dict[str, dict[str, str]] = {
    "python": {
        "n": "\n",
        "t": "\t",
        "r": "\r",
        "a": "\a",
        "b": "\b",
        "f": "\f",
        "v": "\v",
        "\\": "\\",
        "'": "'",
        '"': '"',
        "\n": "",
    },
    "js": {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "\n": ""},
    "perl": {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "e": "\x1b"},
    "ruby": {
        "n": "\n",
        "t": "\t",
        "r": "\r",
        "a": "\a",
        "b": "\b",
        "f": "\f",
        "v": "\v",
        "e": "\x1b",
        "s": " ",
        "\n": "",
    },
    "php": {
        "n": "\n",
        "t": "\t",
        "r": "\r",
        "v": "\v",
        "e": "\x1b",
        "f": "\f",
        "\\": "\\",
        "$": "$",
        '"': '"',
    },
    "awk": {
        "n": "\n",
        "t": "\t",
        "r": "\r",
        "a": "\a",
        "b": "\b",
        "f": "\f",
        "v": "\v",
        "\\": "\\",
        '"': '"',
        "/": "/",
        "\n": "",
    },
}
_KEEPS_UNKNOWN = frozenset(("python", "php", "awk"))
_OCTAL = frozenset("01234567")
# the longest "{…}" of a braced escape looked at: Unicode character names have at most 88
# characters, and a bounded search keeps a run of unclosed "\u{" linear
_BRACED_MAX = 128
_HEX = frozenset("0123456789abcdefABCDEF")
# Perl's case and quoting modifiers: \L…\E lowercases, \U…\E uppercases, \F…\E folds case,
# \Q…\E backslashes every non-word character ("\Qrm -rf\E" is "rm\ \-rf", one shell word
# apart from the quoting); \l and \u change the next character only
_PERL_SPANS = frozenset("LUFQ")


def _digits(text: str, i: int, allowed: frozenset[str], most: int) -> int:
    """The end of the run of up to ``most`` ``allowed`` characters from ``i``."""
    j = i
    while j < len(text) and j - i < most and text[j] in allowed:
        j += 1
    return j


def _braced_code_point(text: str, i: int) -> tuple[str, int] | None:
    """``{HEX}`` at ``i`` (Perl ``\\x{…}``, JavaScript and PHP ``\\u{…}``; Ruby's
    ``\\u{…}`` may list several code points): the characters and the index after ``}``."""
    end = text.find("}", i, i + _BRACED_MAX)  # bounded: "\u{" repeated stays linear
    if text[i : i + 1] != "{" or end < 0:
        return None
    out: list[str] = []
    for item in text[i + 1 : end].replace("U+", " ").split():
        if not all(ch in _HEX for ch in item):
            return None
        value = int(item, 16)
        if value > 0x10FFFF:
            return None
        out.append(chr(value))
    return "".join(out), end + 1


def _escape(text: str, i: int, language: str) -> tuple[str, int]:
    """The escape whose backslash is at ``i``: its characters and the index after it."""
    e = text[i + 1]
    simple = _ESCAPES[language].get(e)
    if simple is not None:
        return simple, i + 2
    if e in _OCTAL:
        most = 3 if language != "js" or e in "0123" else 2  # JavaScript's legacy octal
        end = _digits(text, i + 1, _OCTAL, most)
        value = int(text[i + 1 : end], 8)
        return chr(value & 0xFF if language == "php" else value), end
    if e == "x":
        if language == "perl" and text[i + 2 : i + 3] == "{":
            braced = _braced_code_point(text, i + 2)
            if braced is not None:
                return braced
        end = _digits(text, i + 2, _HEX, 2)
        if end > i + 2 and (end == i + 4 or language not in ("python", "js")):
            return chr(int(text[i + 2 : end], 16)), end
        if end == i + 2 and language == "perl":
            return "\0", i + 2  # Perl's "\x" without digits is NUL
    elif e == "u" and language in ("python", "js", "ruby", "php"):
        if text[i + 2 : i + 3] == "{" and language != "python":
            braced = _braced_code_point(text, i + 2)
            if braced is not None:
                return braced
        elif language != "php":
            end = _digits(text, i + 2, _HEX, 4)
            if end == i + 6:
                return chr(int(text[i + 2 : end], 16)), end
    elif e == "U" and language == "python":
        end = _digits(text, i + 2, _HEX, 8)
        if end == i + 10 and int(text[i + 2 : end], 16) <= 0x10FFFF:
            return chr(int(text[i + 2 : end], 16)), end
    elif e == "N" and text[i + 2 : i + 3] == "{" and language in ("python", "perl"):
        end = text.find("}", i + 3, i + _BRACED_MAX)
        name = text[i + 3 : end] if end > 0 else ""
        if name.startswith("U+") and language == "perl":
            braced = _braced_code_point(text, i + 2)
            if braced is not None:
                return braced
        elif name:
            import unicodedata  # only for a named character, which one-liners rarely hold

            try:
                return unicodedata.lookup(name), end + 1
            except KeyError:
                pass
    if language in _KEEPS_UNKNOWN:
        return "\\" + e, i + 2
    return e, i + 2


def _decode(text: str, language: str) -> str:
    """The value of a string body with ``language``'s double-quoted escapes (``"raw"``: none)."""
    if language == "raw" or "\\" not in text:
        return text
    if language == "perl":
        return _decode_perl(text)
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        j = text.find("\\", i)
        if j < 0 or j + 1 >= n:
            out.append(text[i:])
            break
        out.append(text[i:j])
        decoded, i = _escape(text, j, language)
        out.append(decoded)
    return "".join(out)


def _decode_perl(text: str) -> str:
    """Perl's double-quoted escapes, with its case and quoting modifiers."""
    out: list[str] = []
    spans: list[str] = []  # open \L \U \F \Q modifiers, innermost last
    once = ""  # a pending \l or \u
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            e = text[i + 1]
            if e in _PERL_SPANS:
                spans.append(e)
                i += 2
                continue
            if e == "E":
                if spans:
                    spans.pop()
                i += 2
                continue
            if e in "lu":
                once = e
                i += 2
                continue
            chunk, i = _escape(text, i, "perl")
        else:
            chunk = c
            i += 1
        if not spans and not once:
            out.append(chunk)
            continue
        for ch in chunk:
            if once:
                ch = ch.upper() if once == "u" else ch.lower()
                once = ""
            for mode in spans:
                if mode == "L":
                    ch = ch.lower()
                elif mode == "U":
                    ch = ch.upper()
                elif mode == "F":
                    ch = ch.casefold()
                elif not (ch.isalnum() or ch == "_"):
                    ch = "\\" + ch
            out.append(ch)
    return "".join(out)


def _single_quoted(body: str, delimiters: str) -> str:
    """A Perl, Ruby or PHP single-quoted body (also ``q{}``, ``%q{}``): ``\\\\`` is one
    backslash and a backslash before a delimiter is dropped; every other backslash stays."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n and (body[i + 1] == "\\" or body[i + 1] in delimiters):
            out.append(body[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _interpolated(body: str, opener: str, closer: str, language: str) -> Value:
    """Literal pieces plus unknown pieces for ``{…}``/``${…}``/``#{…}`` interpolations.

    ``language`` names the escapes of the literal pieces (``"raw"`` for a raw f-string); an
    escaped opener (`` `\\${x}` ``, ``"\\#{x}"``) is literal text, not an interpolation.
    """
    pieces: list[object] = []
    i = 0
    buf: list[str] = []
    n = len(body)
    while i < n:
        if (
            body[i] == "\\"
            and i + 1 < n
            and language != "raw"
            and (language != "python" or body[i + 1] == "\\")
        ):
            # an escape is decoded with its literal run; Python's "\{" is not an escape (the
            # backslash stays and {…} is code), nor is anything in a raw f-string
            buf.append(body[i : i + 2])
            i += 2
            continue
        if language == "python" and body.startswith("\\N{", i):
            j = body.find("}", i, i + _BRACED_MAX) + 1
            if j > 0:  # a named character, f"\N{…}", is not an interpolation
                buf.append(body[i:j])
                i = j
                continue
        if body.startswith(opener, i):
            if opener == "{" and body.startswith("{{", i):
                buf.append("{")
                i += 2
                continue
            j = i + len(opener)
            depth = 1
            while j < n and depth:
                if body[j] == "{":
                    depth += 1
                elif body[j] == closer:
                    depth -= 1
                j += 1
            if buf:
                pieces.append(Lit(_decode("".join(buf), language), True))
                buf = []
            expr = body[i + len(opener) : j - 1].strip()
            pieces.append(Unknown(expr or "…"))
            i = j
            continue
        if opener == "{" and body.startswith("}}", i):
            buf.append("}")
            i += 2
            continue
        buf.append(body[i])
        i += 1
    if buf:
        pieces.append(Lit(_decode("".join(buf), language), True))
    return Value(merge_pieces(pieces))  # type: ignore[arg-type]


def _perl_interp(body: str, language: str = "perl") -> Value:
    """A Perl or PHP double-quoted body: ``$name``/``${…}`` (and Perl's ``@name``/``@{…}``)
    interpolations are unknown pieces; the literal pieces are decoded with the language's
    escapes (a PHP ``"\\'"`` keeps its backslash, a Perl one does not)."""
    pieces: list[object] = []
    buf: list[str] = []
    i = 0
    n = len(body)
    sigils = "$@" if language == "perl" else "$"
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n:
            buf.append(body[i : i + 2])  # decoded with the rest of the literal run
            i += 2
            continue
        if c in sigils and i + 1 < n and (body[i + 1] in _IDENT_START or body[i + 1] == "{"):
            j = i + 1
            if body[j] == "{":
                j = body.find("}", j)
                j = n if j < 0 else j + 1
            else:
                while j < n and body[j] in _IDENT:
                    j += 1
            if buf:
                pieces.append(Lit(_decode("".join(buf), language), True))
                buf = []
            pieces.append(Unknown(body[i:j]))
            i = j
            continue
        buf.append(c)
        i += 1
    if buf:
        pieces.append(Lit(_decode("".join(buf), language), True))
    return Value(merge_pieces(pieces))  # type: ignore[arg-type]


def _tokens(code: str, language: str, depth: int = 0) -> list[Token]:
    """Tokens: ("str", Value), ("shellstr", Value) for backquotes/qx, ("name", dotted),
    ("op", char); then, as statements of their own after ``;``, the tokens of the code inside
    the interpolations of interpolated strings (``f"{os.system('…')}"``, `` `${execSync('…')}` ``,
    ``"#{`…`}"``, Perl ``"@{[ `…` ]}"``): that code runs when the string is built."""
    out = _lex(code, language)
    if depth < 4:
        for expr in _interpolation_code(out, language):
            out.append(("op", ";"))
            out.extend(_tokens(expr, language, depth + 1))
    return out


def _interpolation_code(tokens: list[Token], language: str) -> list[str]:
    """The code of each interpolation in the string tokens that could call something: a bare
    (dotted) name such as ``{path}`` or ``$dir`` runs nothing and is left out."""
    out: list[str] = []
    for kind, value in tokens:
        if (kind != "str" and kind != "shellstr") or not isinstance(value, Value):
            continue
        for piece in value.pieces:
            if type(piece) is not Unknown:
                continue
            text = piece.origin
            if language == "perl":
                # "@{[ CODE ]}" and "${\ CODE}" run CODE; "$name" and "@name" only read
                if not text.startswith(("@{", "${")):
                    continue
                text = text[2:-1] if text.endswith("}") else text[2:]
            if text.strip(_NAME_CHARS):
                out.append(text)
    return out


_DOT = ("op", ".")
_SYMBOL_BEFORE = frozenset(" \t\n([{,=|;")
_SYMBOL_AFTER = frozenset(",)]};\n")
_ARROW = [("op", "-"), ("op", ">")]
_CLOSE_DOT = [("op", ")"), ("op", ".")]
_CLOSE_BRACKET = [("op", ")"), ("op", "[")]
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$0123456789. \t"


def _lex(code: str, language: str, depth: int = 0) -> list[Token]:
    out: list[Token] = []
    i = 0
    n = len(code)
    hash_comments = language in ("python", "perl", "ruby", "php", "awk")
    slash_comments = language in ("js", "php")
    # "os . system" and "os.\⏎system" are one dotted name where "." is member access (in Perl
    # and PHP it joins strings); a backslash-newline is a line continuation in Python and Ruby
    spaced_dots = language in ("python", "js", "ruby")
    heredocs = language in ("perl", "ruby", "php")
    regexes = language in ("js", "perl", "ruby", "awk")
    specials = language in ("perl", "ruby")
    continuations = language in ("python", "ruby")
    if not _NAME_TAIL:
        import re

        _NAME_TAIL.append(re.compile(r"(?:[a-zA-Z_$0-9]|\.(?=[a-zA-Z_$])|::)*"))
    name_tail = _NAME_TAIL[0].match
    while i < n and len(out) < _MAX_TOKENS:
        c = code[i]
        if c in _PLAIN_OPS:
            # brackets, commas and the like: no other branch below takes them (one set test
            # instead of the eight tests before the last one)
            if c == "<" and heredocs and code.startswith("<<", i):
                found = _heredoc(code, i, language)
                if found is not None:
                    tok, i, code = found
                    n = len(code)
                    out.append(tok)
                    continue
            elif (
                c == "?"
                and language == "ruby"
                and i + 1 < n
                and code[i + 1] in "'\"#`"
                and (i + 2 >= n or code[i + 2] not in _IDENT)
            ):
                # ?' is Ruby's one-character string "'", not the start of a quoted one
                out.append(("str", Value((Lit(code[i + 1], True),))))
                i += 2
                continue
            elif (
                c == ":"
                and language == "ruby"
                and i + 1 < n
                and code[i + 1] in _IDENT_START
                and (i == 0 or code[i - 1] in _SYMBOL_BEFORE)
                and not _sends(out)
            ):
                # :system is a Ruby symbol, a value (p [:system, :exec]), where nothing but a
                # separator follows it; elsewhere (a ternary's ":" before a call) the name is read
                j = name_tail(code, i + 2).end()  # type: ignore[union-attr]
                k = j
                while k < n and code[k] in " \t":
                    k += 1
                if k >= n or code[k] in _SYMBOL_AFTER or code.startswith("=>", k):
                    out.append(("sym", code[i + 1 : j]))
                    i = j
                    continue
            out.append(("op", c))
            i += 1
            continue
        if c in " \t\r\n;":
            if c == ";":
                out.append(("op", ";"))
            i += 1
            continue
        if continuations and c == "\\" and code.startswith("\n", i + 1):
            i += 2
            continue
        if hash_comments and c == "#" and not (language == "ruby" and code.startswith("#{", i)):
            j = code.find("\n", i)
            i = n if j < 0 else j
            continue
        if slash_comments and code.startswith("//", i):
            j = code.find("\n", i)
            i = n if j < 0 else j
            continue
        if slash_comments and code.startswith("/*", i):
            j = code.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == "$" and specials and i + 1 < n and code[i + 1] in "#\"'`":
            # Perl's and Ruby's punctuation variables ($#ARGV, $#{a}, $", $'): neither a
            # comment nor a string starts here
            out.append(("name", code[i : i + 2]))
            i += 2
            continue
        if c in _IDENT_START:
            # a dotted name (a single ":" ends it: {recursive:true}, lambda x:y)
            j = name_tail(code, i + 1).end()  # type: ignore[union-attr]
            word = code[i:j]
            # string prefixes and quote-like operators
            if (
                language == "python"
                and j < n
                and code[j] in "'\""
                and word.lower() in ("r", "b", "f", "u", "rb", "br", "fr", "rf")
            ):
                tok, i = _py_string(code, j, word.lower())
                out.append(tok)
                continue
            if language in ("perl", "ruby") and word in ("q", "qq", "qx", "qw") and j < n:
                k = j
                if language == "perl" and code[j] in " \t":
                    # q {…}: Perl allows blanks before a delimiter (not before "#", a comment)
                    while k < n and code[k] in " \t":
                        k += 1
                    if k < n and code[k] not in _SPACED_DELIMITERS:
                        k = j
                if k < n and code[k] in _QUOTE_DELIMITERS and not code.startswith("=>", k):
                    tok, i = _quote_like(code, k, word, language)
                    out.append(tok)
                    continue
            if (
                language == "perl"
                and word in _PERL_PATTERN_OPS
                and j < n
                and code[j] in _QUOTE_DELIMITERS
                and not code.startswith("=>", j)
                and (not out or out[-1] != ("op", "-"))  # -s FILE is a file test
            ):
                i = _perl_pattern(code, j, word, out, depth)
                continue
            word = word.replace("::", ".")
            if spaced_dots and len(out) >= 2 and out[-1] == _DOT and out[-2][0] == "name":
                out.pop()
                word = str(out.pop()[1]) + "." + word
            out.append(("name", word))
            i = j
            continue
        if language == "ruby" and c == "%" and i + 2 < n:
            # %q, %Q, %x, %w and %W with any punctuation delimiter; a bare %(…) is %Q(…)
            op = _RUBY_PERCENT.get(code[i + 1])
            if op is not None and code[i + 2] in _QUOTE_DELIMITERS:
                tok, i = _quote_like(code, i + 2, op, language)
                out.append(tok)
                continue
            if code[i + 1] in _PAIRS and (i == 0 or code[i - 1] not in _IDENT_CLOSE):
                tok, i = _quote_like(code, i + 1, "qq", language)
                out.append(tok)
                continue
        if c in "'\"":
            if language == "python":
                tok, i = _py_string(code, i, "")
            else:
                tok, i = _plain_string(code, i, language)
            out.append(tok)
            continue
        if c == "`":
            opener = "${" if language == "js" else "#{" if language == "ruby" else None
            j = _string_end(code, i + 1, "`", opener)
            body = code[i + 1 : j]
            if language == "js":
                out.append(("str", _interpolated(body, "${", "}", "js")))
            elif language in ("perl", "ruby", "php"):
                value = (
                    _perl_interp(body, language)
                    if language != "ruby"
                    else _interpolated(body, "#{", "}", "ruby")
                )
                out.append(("shellstr", value))
            i = j + 1
            continue
        if c == "/" and regexes and _regex_may_start(out):
            end = _regex_end(code, i + 1)
            if end > 0:
                # a regular expression literal: its characters are neither comments nor
                # strings (/"/, /#/, /\//)
                out.append(_REGEX)
                i = end + 1
                while i < n and code[i].isalpha():
                    i += 1  # flags
                continue
        out.append(("op", c))
        i += 1
    return out


_REGEX = ("op", "regex")
_PERL_PATTERN_OPS = frozenset(("m", "qr", "s", "tr", "y"))
# names after which "/" starts a regular expression, not a division
_REGEX_KEYWORDS = frozenset(
    (
        "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw",
        "case", "do", "else", "yield", "await", "if", "unless", "while", "until", "and",
        "or", "not", "split", "grep", "map", "when", "x", "lt", "gt", "le", "ge", "eq", "ne",
        "cmp", "join", "push", "unshift", "print", "printf", "sub", "gsub", "match", "scan",
    )
)  # fmt: skip


_SENDERS = frozenset(("send", "public_send", "__send__", "method", "instance_method"))


def _sends(out: list[Token]) -> bool:
    """Whether the tokens so far end in ``send(`` or ``send`` (Ruby): its symbol argument
    names the method it calls (``Kernel.send(:system, CMD)`` runs ``system``)."""
    k = len(out) - 1
    if k >= 0 and out[k] == ("op", "("):
        k -= 1
    return k >= 0 and out[k][0] == "name" and str(out[k][1]).rsplit(".", 1)[-1] in _SENDERS


def _regex_may_start(out: list[Token]) -> bool:
    """Whether a "/" after these tokens starts a regular expression: at the start, after an
    operator other than a closing bracket, or after a keyword; after an operand (a name, a
    number, a string, ")") it divides."""
    if not out:
        return True
    kind, value = out[-1]
    if kind == "op":
        return value not in (")", "]", "}", "regex") and not (
            isinstance(value, str) and value.isalnum()
        )
    if kind == "name":
        return value in _REGEX_KEYWORDS
    return False


def _regex_end(code: str, j: int) -> int:
    """The index of the "/" that closes a regular expression whose body starts at ``j`` on
    the same line (escapes and [classes] passed over), or -1."""
    n = len(code)
    in_class = False
    while j < n:
        c = code[j]
        if c == "\\":
            j += 2
            continue
        if c == "\n":
            return -1
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
        elif c == "/":
            return j
        j += 1
    return -1


def _delimited_end(code: str, i: int) -> int:
    """The index of the delimiter that closes the part opened by the one at ``i`` (paired
    brackets nest), or the end of the code."""
    n = len(code)
    opener = code[i]
    closer = _PAIRS.get(opener, opener)
    j = i + 1
    depth = 1
    while j < n:
        c = code[j]
        if c == "\\":
            j += 2
            continue
        if c == opener and closer != opener:
            depth += 1
        elif c == closer:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return n


def _perl_pattern(code: str, i: int, op: str, out: list[Token], depth: int) -> int:
    """Perl's m//, qr//, s///, tr/// and y/// with any delimiter, from the delimiter at
    ``i``: the pattern is no code; with the /e flag the replacement of s/// is code and is
    read as such. Returns the index after the flags."""
    n = len(code)
    end = _delimited_end(code, i)
    replacement = ""
    if op in ("s", "tr", "y") and end < n:
        k = end
        if code[i] in _PAIRS:
            # s{a}{b}, s{a} {b}: the replacement has delimiters of its own
            k = end + 1
            while k < n and code[k] in " \t\n":
                k += 1
            if k >= n:
                out.append(_REGEX)
                return n
        second = _delimited_end(code, k)
        replacement = code[k + 1 : second]
        end = second
    j = min(end + 1, n)
    flags_start = j
    while j < n and code[j].isalpha():
        j += 1
    out.append(_REGEX)
    if op == "s" and "e" in code[flags_start:j] and depth < 8:
        out.append(("op", "("))
        out.extend(_lex(replacement, "perl", depth + 1))
        out.append(("op", ")"))
    return j


def _heredoc(code: str, i: int, language: str) -> tuple[Token, int, str] | None:
    """A heredoc at ``i`` (Perl ``<<E``, ``<<"E"``, ``<<'E'``, ``<<~E``; Ruby ``<<~E``,
    ``<<-E``; PHP ``<<<E``, ``<<<"E"``, ``<<<'E'``): its body as one string token, the index
    after the operator, and the code with the body's lines cut out (the rest of the
    operator's line is still code). None when this is a shift or an append."""
    n = len(code)
    j = i + 2
    if language == "php":
        if not code.startswith("<", j):
            return None
        j += 1
        while j < n and code[j] in " \t":
            j += 1
    elif j < n and code[j] in "~-" and (language == "ruby" or code[j] == "~"):
        j += 1
    if j >= n:
        return None
    quote = code[j] if code[j] in "'\"" else ""
    if quote:
        k = code.find(quote, j + 1)
        if k < 0:
            return None
        tag = code[j + 1 : k]
        after = k + 1
    else:
        k = j
        while k < n and code[k] in _IDENT and code[k] != "$":
            k += 1
        tag = code[j:k]
        after = k
    if not tag or "\n" in tag:
        return None
    line_end = code.find("\n", after)
    if line_end < 0:
        return None
    body_start = line_end + 1
    pos = body_start
    body_end = cut_end = n
    while pos < n:
        nl = code.find("\n", pos)
        stop = n if nl < 0 else nl
        line = code[pos:stop].strip()
        if line == tag or (
            language == "php"
            and line.startswith(tag)
            and not line[len(tag) : len(tag) + 1].isalnum()
        ):
            body_end = pos
            # PHP's closing marker may be followed by code on its line (EOT;)
            cut_end = pos + code[pos:stop].find(tag) + len(tag) if language == "php" else stop
            break
        pos = stop + 1
    body = code[body_start:body_end]
    if quote == "'":
        value = Value((Lit(body, True),))
    elif language == "ruby":
        value = _interpolated(body, "#{", "}", "ruby")
    elif language == "perl":
        value = _perl_interp(body)
    else:
        value = Value((Lit(body, True),))
    return ("str", value), after, code[:line_end] + code[cut_end:]


def _py_string(code: str, i: int, prefix: str) -> tuple[Token, int]:
    n = len(code)
    q = code[i]
    triple = code.startswith(q * 3, i)
    delim = q * 3 if triple else q
    j = i + len(delim)
    start = j
    # the closing quote found with str methods when no backslash (nor, in a one-line string,
    # a newline) comes before it: the loop below steps through each character
    stop = code.find(delim, start)
    if stop < 0:
        stop = n
    if "f" in prefix and code.find("{", start, stop) >= 0:
        # an expression may hold the same quote (Python 3.12: f"{d["k"]}")
        j = _string_end(code, start, delim, "{")
    elif code.find("\\", start, stop) < 0 and (triple or code.find("\n", start, stop) < 0):
        j = stop
    while j < n and not code.startswith(delim, j):
        if code[j] == "\\":
            j += 2
            continue
        if not triple and code[j] == "\n":
            break
        j += 1
    body = code[start:j]
    escapes = "raw" if "r" in prefix else "python"
    end = j + len(delim) if j < n else n
    if "f" in prefix:
        return ("str", _interpolated(body, "{", "}", escapes)), end
    return ("str", Value((Lit(_decode(body, escapes), True),))), end


def _string_end(code: str, j: int, quote: str, opener: str | None) -> int:
    """Where the string whose body starts at ``j`` ends (its closing ``quote``, or the end of
    the code). With an interpolation ``opener``, the code inside each interpolation is passed
    over whole, since it may hold the same quote: ``"#{system("…")}"``, `` `${f(`…`)}` ``."""
    n = len(code)
    while j < n:
        if code.startswith(quote, j):
            return j
        c = code[j]
        if c == "\\":
            j += 2
        elif opener is not None and code.startswith(opener, j):
            if opener == "{" and code.startswith("{{", j):
                j += 2  # a literal brace in a Python f-string
            else:
                j = _interpolation_end(code, j + len(opener))
        else:
            j += 1
    return n


def _interpolation_end(code: str, j: int) -> int:
    """The index after the ``}`` that closes an interpolation whose code starts at ``j``;
    strings inside it are passed over whole (their braces do not count)."""
    n = len(code)
    depth = 1
    while j < n:
        c = code[j]
        if c == "\\":
            j += 2
            continue
        if c in "'\"`":
            end = code.find(c, j + 1)
            while end > 0 and code[end - 1] == "\\":
                end = code.find(c, end + 1)
            j = n if end < 0 else end + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return n


def _plain_string(code: str, i: int, language: str) -> tuple[Token, int]:
    n = len(code)
    q = code[i]
    j = i + 1
    # the closing quote found with str methods when no backslash comes before it (no loop
    # step per character); without a closing quote the string runs to the end either way
    stop = code.find(q, j)
    if stop < 0:
        j = n
    elif q == '"' and language == "ruby" and code.find("#{", j, stop) >= 0:
        j = _string_end(code, j, q, "#{")  # "#{system("rm")}": the inner quotes are code
    elif code.find("\\", j, stop) < 0:
        j = stop
    while j < n and code[j] != q:
        j += 2 if code[j] == "\\" else 1
    body = code[i + 1 : j]
    end = min(j + 1, n)
    if q == '"' and language in ("perl", "php"):
        return ("str", _perl_interp(body, language)), end
    if q == '"' and language == "ruby":
        return ("str", _interpolated(body, "#{", "}", "ruby")), end
    if q == "'" and language in ("perl", "ruby", "php"):
        return ("str", Value((Lit(_single_quoted(body, "'"), True),))), end
    escapes = language if language in _ESCAPES else "python"
    return ("str", Value((Lit(_decode(body, escapes), True),))), end


def _quote_like(code: str, i: int, op: str, language: str) -> tuple[Token, int]:
    n = len(code)
    opener = code[i]
    closer = _PAIRS.get(opener, opener)
    j = min(_delimited_end(code, i), n)
    body = code[i + 1 : j]
    end = min(j + 1, n)
    delimiters = opener + closer
    if op == "re":
        return _REGEX, end  # %r{…}: a regular expression, no code
    if op == "q":
        return ("str", Value((Lit(_single_quoted(body, delimiters), True),))), end
    if op == "qw":
        words = [_single_quoted(w, delimiters) for w in body.split()]
        return ("list", [Value((Lit(w, True),)) for w in words]), end
    if language == "perl" and opener == "'" and op == "qx":
        # qx'…' does not interpolate (qq'…' does): only \\ and \' are escapes
        value = Value((Lit(_single_quoted(body, delimiters), True),))
    elif language == "perl":
        value = _perl_interp(body)
    else:
        value = _interpolated(body, "#{", "}", "ruby")
    if op == "qx":
        return ("shellstr", value), end
    return ("str", value), end


# --- call finder ----------------------------------------------------------------------------

_PY_MODULES = ("os", "subprocess", "shutil", "pty", "commands")
_PY_CALLS = {
    "os.system": "shell",
    "os.popen": "shell",
    "commands.getoutput": "shell",
    "subprocess.getoutput": "shell",
    "subprocess.getstatusoutput": "shell",
    "subprocess.run": "either",
    "subprocess.call": "either",
    "subprocess.check_call": "either",
    "subprocess.check_output": "either",
    "subprocess.Popen": "either",
    "pty.spawn": "either",
    "shutil.rmtree": "rmtree",
}
_JS_CALLS = {
    "child_process.exec": "shell",
    "child_process.execSync": "shell",
    "child_process.execFile": "argv2",
    "child_process.execFileSync": "argv2",
    "child_process.spawn": "spawn",
    "child_process.spawnSync": "spawn",
    "execa.command": "shell",
    "execa.commandSync": "shell",
    "execa.execaCommand": "shell",
    "execa.execaCommandSync": "shell",
    "execa.execa": "argv2",
    "execa.execaSync": "argv2",
    "execa": "argv2",
    "Bun.spawn": "argvlist",
    "Bun.spawnSync": "argvlist",
    "Deno.Command": "deno",
    "fs.rm": "rmrec",
    "fs.rmSync": "rmrec",
    "fs.promises.rm": "rmrec",
    "fs.promises.rmdir": "rmrec",
    "fs.rmdir": "rmrec",
    "fs.rmdirSync": "rmrec",
    "fs-extra.remove": "rmtree",
    "fs-extra.removeSync": "rmtree",
    "fs-extra.emptyDir": "rmtree",
    "fs-extra.emptyDirSync": "rmtree",
    "rimraf": "rmtree",
    "rimraf.sync": "rmtree",
    "rimraf.rimraf": "rmtree",
    "rimraf.rimrafSync": "rmtree",
    "del": "rmtree",
    "del.deleteSync": "rmtree",
    "del.deleteAsync": "rmtree",
    "Deno.remove": "rmrec",
    "Deno.removeSync": "rmrec",
}
_PERL_CALLS = {
    "system": "perlsys",
    "exec": "perlsys",
    "rmtree": "rmtree",
    "remove_tree": "rmtree",
    "File.Path.rmtree": "rmtree",
    "File.Path.remove_tree": "rmtree",
    "open": "perlopen",
    # CORE::system is the builtin itself, even where a module has overridden "system"
    "CORE.system": "perlsys",
    "CORE.exec": "perlsys",
    "CORE.GLOBAL.system": "perlsys",
    "CORE.GLOBAL.exec": "perlsys",
}
_RUBY_CALLS = {
    "system": "perlsys",
    "exec": "perlsys",
    "spawn": "perlsys",
    "Kernel.system": "perlsys",
    "Kernel.exec": "perlsys",
    "Kernel.spawn": "perlsys",
    "Process.spawn": "perlsys",
    "IO.popen": "perlsys",
    "Open3.capture2": "perlsys",
    "Open3.capture2e": "perlsys",
    "Open3.capture3": "perlsys",
    "Open3.popen3": "perlsys",
    "Open3.popen2": "perlsys",
    "Open3.popen2e": "perlsys",
    "FileUtils.rm_rf": "rmtree",
    "FileUtils.rm_r": "rmtree",
    "FileUtils.rmtree": "rmtree",
    "FileUtils.remove_dir": "rmtree",
    "FileUtils.remove_entry": "rmtree",
    "FileUtils.remove_entry_secure": "rmtree",
}
_PHP_CALLS = {
    "system": "shell",
    "exec": "shell",
    "shell_exec": "shell",
    "passthru": "shell",
    "proc_open": "shell",
    "popen": "shell",
}
_JS_MODULES = {"child_process", "fs", "fs/promises", "fs-extra", "execa", "rimraf", "del"}


def _module_name(raw: str) -> str:
    raw = raw.removeprefix("node:")
    if raw == "fs/promises":
        return "fs.promises"
    return raw


def _aliases(tokens: list[Token], language: str) -> dict[str, str]:
    """Simple import aliases: local name -> canonical dotted name."""
    alias: dict[str, str] = {}
    n = len(tokens)
    for k, (kind, value) in enumerate(tokens):
        if kind != "name":
            continue
        if language == "python":
            if value == "import" and not (k >= 2 and tokens[k - 2] == ("name", "from")):
                j = k + 1
                while j < n and tokens[j][0] == "name":
                    mod = str(tokens[j][1])
                    if j + 2 < n and tokens[j + 1] == ("name", "as") and tokens[j + 2][0] == "name":
                        alias[str(tokens[j + 2][1])] = mod
                        j += 3
                    else:
                        alias[mod] = mod
                        j += 1
                    if j < n and tokens[j] == ("op", ","):
                        j += 1
                        continue
                    break
            elif value == "from" and k + 2 < n and tokens[k + 2] == ("name", "import"):
                mod = str(tokens[k + 1][1])
                j = k + 3
                if j < n and tokens[j] == ("op", "("):
                    j += 1
                while j < n and tokens[j][0] == "name":
                    item = str(tokens[j][1])
                    if j + 2 < n and tokens[j + 1] == ("name", "as") and tokens[j + 2][0] == "name":
                        alias[str(tokens[j + 2][1])] = f"{mod}.{item}"
                        j += 3
                    else:
                        alias[item] = f"{mod}.{item}"
                        j += 1
                    if j < n and tokens[j] == ("op", ","):
                        j += 1
                        continue
                    break
            elif value == "__import__" and k + 2 < n and tokens[k + 2][0] == "str":
                mod_value = tokens[k + 2][1]
                if isinstance(mod_value, Value) and mod_value.text:
                    alias["__import__"] = mod_value.text
        elif language == "js":
            if value in ("require", "import") and k + 2 < n and tokens[k + 1] == ("op", "("):
                mod_tok = tokens[k + 2]
                if mod_tok[0] == "str" and isinstance(mod_tok[1], Value) and mod_tok[1].text:
                    mod = _module_name(mod_tok[1].text)
                    _bind_js(tokens, k, mod, alias)
            elif value == "from" and k + 1 < n and tokens[k + 1][0] == "str":
                mod_value = tokens[k + 1][1]
                if isinstance(mod_value, Value) and mod_value.text:
                    _bind_es_import(tokens, k, _module_name(mod_value.text), alias)
        elif language == "perl" and value == "use" and k + 1 < n:
            pass
    return alias


def _bind_js(tokens: list[Token], k: int, mod: str, alias: dict[str, str]) -> None:
    """``const X = require(M)`` / ``const {a, b: c} = require(M)``, also with ``await``
    before a dynamic ``import(M)``, and ``import(M).then(X => …)``."""
    _bind_js_then(tokens, k, mod, alias)
    j = k - 1
    if j >= 0 and tokens[j] == ("name", "await"):
        j -= 1
    if j >= 0 and tokens[j] == ("op", "="):
        j -= 1
        if j >= 0 and tokens[j][0] == "name":
            alias[str(tokens[j][1])] = mod
        elif j >= 0 and tokens[j] == ("op", "}"):
            start = j
            while start >= 0 and tokens[start] != ("op", "{"):
                start -= 1
            inner = tokens[start + 1 : j]
            idx = 0
            while idx < len(inner):
                if inner[idx][0] == "name":
                    name = str(inner[idx][1])
                    # ``{execSync: run}`` binds the local name ``run`` to ``M.execSync``
                    if (
                        idx + 2 < len(inner)
                        and inner[idx + 1] == ("op", ":")
                        and inner[idx + 2][0] == "name"
                    ):
                        alias[str(inner[idx + 2][1])] = f"{mod}.{name}"
                        idx += 3
                        continue
                    alias[name] = f"{mod}.{name}"
                idx += 1
    # require(M).fn directly: handled by the caller through "require" resolution


def _bind_js_then(tokens: list[Token], k: int, mod: str, alias: dict[str, str]) -> None:
    """``import(M).then(X => …)`` and ``.then((X) => …)``: the arrow's parameter is M."""
    n = len(tokens)
    j = k + 3
    if not (
        j + 3 < n
        and tokens[j] == ("op", ")")
        and tokens[j + 1] == ("op", ".")
        and tokens[j + 2] == ("name", "then")
        and tokens[j + 3] == ("op", "(")
    ):
        return
    j += 4
    parenthesised = j < n and tokens[j] == ("op", "(")
    if parenthesised:
        j += 1
    if j >= n or tokens[j][0] != "name":
        return
    name = str(tokens[j][1])
    j += 2 if parenthesised else 1
    if j + 1 < n and tokens[j] == ("op", "=") and tokens[j + 1] == ("op", ">"):
        alias[name] = mod


def _bind_es_import(tokens: list[Token], k: int, mod: str, alias: dict[str, str]) -> None:
    j = k - 1
    names: list[str] = []
    renamed: dict[str, str] = {}  # ``{execSync as run}``: local name -> imported name
    while j >= 0 and tokens[j] != ("name", "import"):
        if tokens[j][0] == "name" and tokens[j][1] not in ("as",):
            names.append(str(tokens[j][1]))
            if j >= 2 and tokens[j - 1] == ("name", "as") and tokens[j - 2][0] == "name":
                renamed[str(tokens[j][1])] = str(tokens[j - 2][1])
        j -= 1
    for name in names:
        if name in renamed.values() and name not in renamed:
            continue  # the imported side of a rename binds nothing locally
        imported = renamed.get(name, name)
        alias[name] = mod if imported not in _JS_FN_NAMES else f"{mod}.{imported}"


_JS_FN_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in _JS_CALLS if "." in name)


def _resolve(name: str, alias: dict[str, str], language: str) -> str:
    head, _, rest = name.partition(".")
    if head in alias:
        target = alias[head]
        return f"{target}.{rest}" if rest else target
    if language == "js" and head in ("fse", "fsExtra"):
        return "fs-extra" + ("." + rest if rest else "")
    return name


def _split_args(tokens: list[Token], start: int) -> tuple[list[list[Token]], int]:
    """Arguments of a call whose '(' is at start: token lists split at top-level commas."""
    args: list[list[Token]] = [[]]
    depth = 0
    j = start + 1
    while j < len(tokens):
        tok = tokens[j]
        if tok[0] == "op":
            c = tok[1]
            if c in ("(", "[", "{"):
                depth += 1
            elif c in (")", "]", "}"):
                if depth == 0:
                    return [_unparenthesised(a) for a in args if a], j
                depth -= 1
            elif c == "," and depth == 0:
                args.append([])
                j += 1
                continue
        args[-1].append(tok)
        j += 1
    return [a for a in args if a], j


def _unparenthesised(arg: list[Token]) -> list[Token]:
    """An argument without redundant parentheses around it: ``os.system(("rm -rf src"))``
    (a parenthesised tuple, ``(a, b)``, keeps them)."""
    while len(arg) > 2 and arg[0] == ("op", "(") and arg[-1] == ("op", ")"):
        depth = 0
        for k in range(1, len(arg) - 1):
            tok = arg[k]
            if tok[0] != "op":
                continue
            if tok[1] in ("(", "[", "{"):
                depth += 1
            elif tok[1] in (")", "]", "}"):
                depth -= 1
                if depth < 0:
                    return arg  # (a) + (b): the first "(" closes early
            elif tok[1] == "," and depth == 0:
                return arg
        arg = arg[1:-1]
    return arg


def _string_value(arg: list[Token]) -> Value | None:
    """A string literal or a concatenation of literals and unknown operands."""
    pieces: list[object] = []
    expect_operand = True
    after_name = False  # a name operand may go on with subscripts and calls: sys.argv[1]
    depth = 0
    prev_str = False
    for kind, value in arg:
        if depth:
            if kind == "op" and value in ("(", "[", "{"):
                depth += 1
            elif kind == "op" and value in (")", "]", "}"):
                depth -= 1
            continue
        if after_name and kind == "op" and value in ("(", "["):
            depth = 1
        elif kind in ("str", "shellstr") and (expect_operand or prev_str):
            # adjacent literals concatenate in Python and Ruby: "rm -rf " "src"
            pieces.extend(value.pieces)  # type: ignore[attr-defined]
            expect_operand = False
            after_name = False
        elif kind == "op" and value in ("+", ".") and not expect_operand:
            expect_operand = True
            after_name = False
        elif kind == "name" and expect_operand:
            pieces.append(Unknown(str(value)))
            expect_operand = False
            after_name = True
        else:
            return None
        prev_str = kind in ("str", "shellstr")
    if depth:
        return None
    if not pieces or not any(type(p) is Lit for p in pieces):
        return None
    return Value(merge_pieces(pieces))  # type: ignore[arg-type]


def _list_value(arg: list[Token]) -> list[Value] | None:
    """``[a, b]`` / ``(a, b)`` of string values; unknown elements stay unknown."""
    if not arg:
        return None
    if arg[0][0] == "list":
        listed = arg[0][1]
        return [v for v in listed if isinstance(v, Value)] if isinstance(listed, list) else None
    if arg[0] not in (("op", "["), ("op", "(")):
        return None
    items, _ = _split_args([("op", "("), *arg[1:]], 0)
    out: list[Value] = []
    for item in items:
        value = _string_value(item)
        out.append(value if value is not None else Value((Unknown(_render_tokens(item)),)))
    return out


def _render_tokens(arg: list[Token]) -> str:
    return " ".join(str(v) if k != "str" else "'…'" for k, v in arg)[:40] or "…"


def _has_true(arg: list[Token], key: str) -> bool:
    for k in range(len(arg) - 2):
        tok = arg[k]
        if (
            (
                tok == ("name", key)
                # {"recursive": true}: a quoted key is the same key
                or (tok[0] == "str" and isinstance(tok[1], Value) and tok[1].text == key)
            )
            and arg[k + 1] in (("op", ":"), ("op", "="))
            and arg[k + 2]
            in (
                ("name", "true"),
                ("name", "True"),
            )
        ):
            return True
    return False


def _fold_module_calls(tokens: list[Token]) -> list[Token]:
    """``require('m').f`` and ``__import__('m').f`` become the dotted name ``m.f``."""
    if ("name", "require") not in tokens and ("name", "__import__") not in tokens:
        return tokens  # nothing to fold, the commonest case: no Python loop over the tokens
    out: list[Token] = []
    k = 0
    n = len(tokens)
    while k < n:
        tok = tokens[k]
        if (
            tok in (("name", "require"), ("name", "__import__"))
            and k + 5 < n
            and tokens[k + 1] == ("op", "(")
            and tokens[k + 2][0] == "str"
            and tokens[k + 3] == ("op", ")")
            and tokens[k + 4] == ("op", ".")
            and tokens[k + 5][0] == "name"
        ):
            module = tokens[k + 2][1]
            if isinstance(module, Value) and module.text:
                out.append(("name", _module_name(module.text) + "." + str(tokens[k + 5][1])))
                k += 6
                continue
        if (
            tok == ("name", "require")
            and k + 4 < n
            and tokens[k + 1] == ("op", "(")
            and tokens[k + 2][0] == "str"
            and tokens[k + 3] == ("op", ")")
            and tokens[k + 4] == ("op", "(")
        ):
            # require("rimraf")("src"): the module's default export called directly
            module = tokens[k + 2][1]
            if isinstance(module, Value) and module.text:
                out.append(("name", _module_name(module.text)))
                k += 4
                continue
        out.append(tok)
        k += 1
    return out


def scan(language: str, code: Value) -> list[tuple[str, list[Value]]]:
    """Calls in ``code`` that run a shell string, an argv list or delete recursively.

    Each action is ``("shell", [text])``, ``("argv", argv)`` or ``("rmtree", [path])``.
    """
    out: list[tuple[str, list[Value]]] = []
    table: list[object] = []
    if code.text is None:
        # pieces the outer shell left unknown or symbolic ($X, $HOME, $(mktemp)) travel through
        # the scanner as placeholder characters and come back as themselves in every string
        # the code passes on: '$HOME/.cache' stays the home's .cache, never a relative path
        parts: list[str] = []
        for piece in code.pieces:
            if type(piece) is Lit:
                parts.append(piece.text)
            else:
                parts.append(chr(_PIECE + len(table)))
                table.append(piece)
        code = Value((Lit("".join(parts)),))
    for kind, payload in _scan(language, code, 0):
        if isinstance(payload, Value):
            out.append((kind, [_restore(payload, table)]))
        elif isinstance(payload, list):
            out.append((kind, [_restore(v, table) for v in payload if isinstance(v, Value)]))
    return out


_PIECE = 0xF0000  # the first placeholder character (a supplementary private-use plane)


def _restore(value: Value, table: list[object]) -> Value:
    """``value`` with the placeholder characters of ``scan`` replaced by their pieces."""
    if not table:
        return value
    pieces: list[object] = []
    changed = False
    for piece in value.pieces:
        if type(piece) is not Lit or not any(ord(c) >= _PIECE for c in piece.text):
            pieces.append(piece)
            continue
        changed = True
        buf: list[str] = []
        for c in piece.text:
            k = ord(c) - _PIECE
            if 0 <= k < len(table):
                if buf:
                    pieces.append(Lit("".join(buf), piece.quoted))
                    buf = []
                pieces.append(table[k])
            else:
                buf.append(c)
        if buf:
            pieces.append(Lit("".join(buf), piece.quoted))
    if not changed:
        return value
    return Value(merge_pieces(pieces), pattern=value.pattern)  # type: ignore[arg-type]


def string_literals(name: str, argv: Sequence[Value], stdin: Stdin) -> list[Value]:
    """The string literals in the code an interpreter invocation runs (-c, -e, stdin …).

    For §6.7: a program whose output is unknown, piped into a shell, is judged by the
    literals among its own code (``python3 -c 'print("git reset --hard")' | bash``).
    """
    out: list[Value] = []
    for language, code, _index in code_sources(name, argv, stdin, None):
        source = code.text
        if source is None or language in ("applescript",):
            continue
        for kind, value in _tokens(source, language):
            if kind in ("str", "shellstr") and isinstance(value, Value):
                out.append(value)
    return out


def _scan(language: str, code: Value, depth: int) -> list[tuple[str, object]]:
    source = code.text
    if source is None:
        source = "".join(p.text if type(p) is Lit else chr(_PIECE) for p in code.pieces)
    if language == "awk":
        return _scan_awk(source)
    if language == "applescript":
        return _scan_applescript(source)
    tokens = _fold_module_calls(_tokens(source, language))
    alias = _aliases(tokens, language)
    table = {
        "python": _PY_CALLS,
        "js": _JS_CALLS,
        "perl": _PERL_CALLS,
        "ruby": _RUBY_CALLS,
        "php": _PHP_CALLS,
    }.get(language, {})
    actions: list[tuple[str, object]] = []
    assigned: dict[str, list[Token]] | None = None
    n = len(tokens)
    for k, (kind, value) in enumerate(tokens):
        if kind == "shellstr":
            actions.append(("shell", value))
            continue
        if kind != "name":
            continue
        name = str(value)
        if language == "js" and name.startswith("require") is False and k >= 3:
            pass
        resolved = _resolve(name, alias, language)
        if language == "python" and name.startswith("__import__") and k + 3 < n:
            # __import__('os').system(...)
            continue
        if language == "js" and name == "$" and k + 1 < n and tokens[k + 1][0] == "str":
            actions.append(("shell", tokens[k + 1][1]))
            continue
        if language in ("perl", "php") and (
            tokens[k - 2 : k] == _ARROW or (k and tokens[k - 1] == ("name", "new"))
        ):
            # $obj->system(…), Foo->exec(…), $this?->passthru(…): a method of an object or
            # class, not the builtin; new Exec(…) makes an object of a class
            continue
        if language == "ruby" and name.rsplit(".", 1)[-1] in _RUBY_SENDS and k + 1 < n:
            # send("system", CMD), Kernel.send "exec", CMD: the string names the method
            sent = _ruby_args(tokens, k + 1)
            first = sent[0] if sent else []
            method = first[0][1] if len(first) == 1 and first[0][0] == "str" else None
            target = method.text if isinstance(method, Value) else None
            if target is not None and target in table:
                actions.extend(_judge_call(table[target], sent[1:], language))
            continue
        category = table.get(resolved if language != "php" else resolved.lower())
        if category is None and language == "js":
            # require('child_process').execSync(...)
            if name.startswith(".") or name == "require":
                category = None
            short = resolved.rsplit(".", 1)[-1]
            if resolved.startswith(("child_process.", "fs.", "fs-extra.")):
                category = table.get(resolved)
            elif (
                "." not in resolved
                and short in ("execSync", "exec", "spawn", "spawnSync", "execFile", "execFileSync")
                and name in alias
            ):
                category = table.get("child_process." + short)
        if category is None and language == "python" and resolved in ("exec", "eval"):
            if k + 2 < n and tokens[k + 1] == ("op", "(") and tokens[k + 2][0] == "str":
                inner = tokens[k + 2][1]
                if isinstance(inner, Value) and depth < 8:
                    actions.extend(_scan("python", inner, depth + 1))
            continue
        if (
            category is None
            and language == "python"
            and resolved.startswith("os.")
            and resolved[3:].startswith(("exec", "spawn", "posix_spawn"))
        ):
            # os.spawn*(mode, file, …) takes the mode first; then it reads like os.exec*
            category = "pyspawn" if resolved[3:].startswith("spawn") else "pyexec"
        if category is None:
            continue
        if language == "ruby" and tokens[k + 1 : k + 3] == _CLOSE_BRACKET:
            args, _ = _split_args(tokens, k + 2)  # method(:system)[CMD]
            actions.extend(_judge_call(category, args, language))
            continue
        if language == "ruby" and tokens[k + 1 : k + 3] == _CLOSE_DOT:
            # method(:system).call(CMD), method(:system).(CMD), method(:system)[CMD],
            # method(:system).call CMD
            after = k + 3
            if after < n and tokens[after] == ("name", "call"):
                after += 1
            if after < n and tokens[after] in (("op", "("), ("op", "[")):
                args, _ = _split_args(tokens, after)
                actions.extend(_judge_call(category, args, language))
            elif after < n and tokens[after - 1] == ("name", "call"):
                actions.extend(_judge_call(category, _ruby_args(tokens, after), language))
            continue
        if k + 1 < n and tokens[k + 1] == ("op", "("):
            args, _ = _split_args(tokens, k + 1)
        elif language in ("perl", "ruby") and k + 1 < n:
            args = _ruby_args(tokens, k + 1)
        else:
            continue
        if language == "python":
            args = _keyword_first(args)
        if assigned is None:
            assigned = _assignments(tokens)
        if assigned:
            args = [_substitute(a, assigned) for a in args]
        actions.extend(_judge_call(category, args, language))
    return actions


_RUBY_SENDS = frozenset(("send", "public_send", "__send__"))


def _ruby_args(tokens: list[Token], start: int) -> list[list[Token]]:
    """The arguments of a call at ``tokens[start]``: in parentheses, or (Perl and Ruby) without
    them up to the end of the statement, at most eight."""
    if start < len(tokens) and tokens[start] == ("op", "("):
        args, _ = _split_args(tokens, start)
        return args
    args, _ = _split_args([("op", "("), *tokens[start:]], 0)
    cut: list[list[Token]] = []
    for a in args[:8]:
        if ("op", ";") in a:
            cut.append(a[: a.index(("op", ";"))])
            break
        cut.append(a)
    return cut


def _assignments(tokens: list[Token]) -> dict[str, list[Token]]:
    """``NAME = 'literal'`` (also ``+`` concatenations of literals and bracketed lists): the
    value tokens of the last such assignment of each name, so that ``c = 'git stash clear';
    os.system(c)`` is judged like the literal."""
    out: dict[str, list[Token]] = {}
    n = len(tokens)
    for k in range(n - 2):
        if tokens[k][0] != "name" or tokens[k + 1] != ("op", "="):
            continue
        if k and tokens[k - 1] in (("op", "="), ("op", "!"), ("op", "<"), ("op", ">")):
            continue
        j = k + 2
        first = tokens[j]
        if first[0] == "str":
            end = j + 1
            while (
                end + 1 < n
                and tokens[end] in (("op", "+"), ("op", "."))
                and tokens[end + 1][0] == "str"
            ):
                end += 2
        elif first in (("op", "["), ("op", "(")):
            depth = 0
            end = j
            while end < n:
                tok = tokens[end]
                if tok[0] == "op" and tok[1] in ("(", "[", "{"):
                    depth += 1
                elif tok[0] == "op" and tok[1] in (")", "]", "}"):
                    depth -= 1
                    if depth == 0:
                        end += 1
                        break
                end += 1
        else:
            continue
        out[str(tokens[k][1])] = tokens[j:end]
    return out


def _substitute(arg: list[Token], assigned: dict[str, list[Token]]) -> list[Token]:
    """An argument with names assigned a literal replaced by that literal's tokens."""
    if len(arg) == 1 and arg[0][0] == "name" and str(arg[0][1]) in assigned:
        return assigned[str(arg[0][1])]
    out: list[Token] = []
    for tok in arg:
        value = assigned.get(str(tok[1])) if tok[0] == "name" else None
        if value is not None and all(t[0] == "str" for t in value[:1]) and len(value) == 1:
            out.append(value[0])
        else:
            out.append(tok)
    return out


_FIRST_KEYWORDS = frozenset(("path", "args", "command", "cmd"))


def _keyword_first(args: list[list[Token]]) -> list[list[Token]]:
    """Python keyword arguments: ``rmtree(path="src")``, ``run(args="…", shell=True)``.

    The argument given by the keyword of the first parameter moves to the front, without its
    ``NAME=``; other keyword arguments stay where they are (``shell=True`` is looked up by
    name).
    """
    for k, arg in enumerate(args):
        if (
            len(arg) > 2
            and arg[0][0] == "name"
            and arg[0][1] in _FIRST_KEYWORDS
            and arg[1] == ("op", "=")
        ):
            return [arg[2:], *args[:k], *args[k + 1 :]]
    return args


def _judge_call(category: str, args: list[list[Token]], language: str) -> list[tuple[str, object]]:
    if not args:
        return []
    first = args[0]
    if category == "shell":
        value = _string_value(first)
        return [("shell", value)] if value is not None else []
    if category == "either":
        value = _string_value(first)
        if value is not None:
            return [("shell", value)]
        items = _list_value(first)
        if items:
            if any(_has_true(a, "shell") for a in args[1:]):
                return [("shell", _join(items))]
            return [("argv", items)]
        return []
    if category == "argv2":
        head = _string_value(first)
        items = _list_value(args[1]) if len(args) > 1 else []
        if head is None:
            return []
        return [("argv", [head, *(items or [])])]
    if category == "spawn":
        head = _string_value(first)
        if head is None:
            return []
        items = _list_value(args[1]) if len(args) > 1 else []
        if any(_has_true(a, "shell") for a in args[1:]):
            return [("shell", _join([head, *(items or [])]))]
        return [("argv", [head, *(items or [])])]
    if category == "argvlist":
        items = _list_value(first)
        return [("argv", items)] if items else []
    if category == "deno":
        head = _string_value(first)
        if head is None:
            return []
        deno_items: list[Value] = []
        if len(args) > 1:
            opts = args[1]
            for k in range(len(opts) - 2):
                if opts[k] == ("name", "args") and opts[k + 1] == ("op", ":"):
                    deno_items = _list_value(opts[k + 2 :]) or []
                    break
        return [("argv", [head, *deno_items])]
    if category == "rmtree":
        # every path: a list of them (rimraf.sync([...]), FileUtils.rm_rf([...])), and for
        # Perl's rmtree/remove_tree each string argument ("build", "src", {options})
        listed = _list_value(first)
        if listed:
            return [("rmtree", listed)]
        paths: list[Value] = []
        for k, arg in enumerate(args if language == "perl" else args[:1]):
            value = _string_value(arg)
            if value is not None:
                paths.append(value)
            elif k == 0:
                paths.append(Value((Unknown("path"),)))
        return [("rmtree", paths)]
    if category == "rmrec":
        if any(_has_true(a, "recursive") for a in args[1:]):
            path = _string_value(first)
            return [("rmtree", [path if path is not None else Value((Unknown("path"),))])]
        return []
    if category == "pyspawn":
        category = "pyexec"
        args = args[1:]
    if category == "pyexec":
        values = [_string_value(a) for a in args]
        if len(args) >= 2:
            items = _list_value(args[1])
            if items:
                return [("argv", items)]
        known = [v if v is not None else Value((Unknown("arg"),)) for v in values[1:]]
        return [("argv", known)] if known else []
    if category in ("perlsys", "perlopen"):
        if category == "perlopen":
            for a in args[1:]:
                value = _string_value(a)
                if value is not None and value.text is not None:
                    text = value.text.strip()
                    if text in ("-|", "|-"):  # open(FH, "|-", CMD, ARGS…)
                        if len(args) == 3:
                            cmd = _string_value(args[2])
                            return [("shell", cmd)] if cmd is not None else []
                        if len(args) > 3:
                            strings = [_string_value(a) for a in args[2:]]
                            known = [v or Value((Unknown("arg"),)) for v in strings]
                            return [("argv", known)]
                        return []
                    if text.endswith("|") or text.startswith("|"):
                        return [("shell", Value((Lit(text.strip("|").strip(), True),)))]
            return []
        operands = [a for a in args if a and a[0] not in (("op", "{"),)]
        if language == "ruby" and any(a[0] == ("op", "*") for a in operands):
            operands = _ruby_splat(operands)
        if len(operands) == 1:
            value = _string_value(operands[0])
            if value is not None:
                return [("shell", value)]
            items = _list_value(operands[0])
            return [("argv", items)] if items else []
        strings = [_string_value(a) for a in operands]
        known = [v if v is not None else Value((Unknown("arg"),)) for v in strings]
        return [("argv", known)] if known else []
    return []


def _ruby_splat(operands: list[list[Token]]) -> list[list[Token]]:
    """Ruby's ``*LIST`` spreads a literal list into separate arguments:
    ``system(*%w[git reset --hard])`` is ``system("git", "reset", "--hard")``, and a splat of
    one string is that string alone, which is a shell command."""
    out: list[list[Token]] = []
    for arg in operands:
        items = _list_value(arg[1:]) if arg[0] == ("op", "*") else None
        if items is None:
            out.append(arg)
        else:
            out.extend([("str", item)] for item in items)
    return out


def _join(items: list[Value]) -> Value:
    pieces: list[object] = []
    for k, v in enumerate(items):
        if k:
            pieces.append(Lit(" ", True))
        pieces.extend(v.pieces)
    return Value(merge_pieces(pieces))  # type: ignore[arg-type]


def _scan_awk(source: str) -> list[tuple[str, object]]:
    tokens = _tokens(source, "awk")
    actions: list[tuple[str, object]] = []
    for k, (kind, value) in enumerate(tokens):
        if (
            kind == "name"
            and value == "system"
            and k + 1 < len(tokens)
            and tokens[k + 1] == ("op", "(")
        ):
            args, _ = _split_args(tokens, k + 1)
            if args:
                shell = _string_value(args[0]) or _awk_concatenation(args[0])
                if shell is not None:
                    actions.append(("shell", shell))
        elif kind == "op" and value == "|":
            if k + 1 < len(tokens) and tokens[k + 1][0] == "str":
                target = tokens[k + 1][1]
                actions.append(("shell", target))
                printed = _awk_printed_program(tokens, k, target)
                if printed is not None:
                    actions.append(("shell", printed))
            elif (
                k >= 1
                and tokens[k - 1][0] == "str"
                and k + 1 < len(tokens)
                and tokens[k + 1] == ("name", "getline")
            ):
                actions.append(("shell", tokens[k - 1][1]))
    return actions


def _awk_concatenation(arg: list[Token]) -> Value | None:
    """awk concatenates by juxtaposition: ``"rm -rf " $1`` is ``rm -rf «$1»``."""
    pieces: list[object] = []
    for kind, value in arg:
        if kind == "str" and isinstance(value, Value):
            pieces.extend(value.pieces)
        elif not (kind == "op" and value in ("(", ")")):
            pieces.append(Unknown(str(value)))
    if not any(type(p) is Lit and p.text.strip() for p in pieces):
        return None
    return Value(merge_pieces(pieces))  # type: ignore[arg-type]


_AWK_SHELLS = frozenset(("sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"))


def _awk_printed_program(tokens: list[Token], k: int, target: object) -> Value | None:
    """``print "rm -rf x" | "sh"``: what print writes into a shell is that shell's program."""
    text = target.text if isinstance(target, Value) else None
    words = (text or "").split()
    if not words or words[0].rsplit("/", 1)[-1] not in _AWK_SHELLS or "-c" in words[1:]:
        return None
    j = k - 1
    while j >= 0 and tokens[j] not in (("name", "print"), ("name", "printf")):
        if tokens[j][0] == "op" and tokens[j][1] in (";", "{", "}"):
            return None
        j -= 1
    if j < 0:
        return None
    pieces: list[object] = []
    for kind, value in tokens[j + 1 : k]:
        if kind == "str" and isinstance(value, Value):
            pieces.extend(value.pieces)
        elif kind == "op" and value == ",":
            pieces.append(Lit(" ", True))
        elif not (kind == "op" and value in ("(", ")")):
            pieces.append(Unknown(str(value)))
    if not any(type(p) is Lit and p.text.strip() for p in pieces):
        return None
    return Value(merge_pieces(pieces))  # type: ignore[arg-type]


def _scan_applescript(source: str) -> list[tuple[str, object]]:
    actions: list[tuple[str, object]] = []
    marker = "do shell script"
    i = source.find(marker)
    while i >= 0:
        j = source.find('"', i + len(marker))
        if j < 0:
            break
        k = j + 1
        while k < len(source) and source[k] != '"':
            k += 2 if source[k] == "\\" else 1
        actions.append(("shell", Value((Lit(_decode(source[j + 1 : k], "python"), True),))))
        i = source.find(marker, k)
    return actions
