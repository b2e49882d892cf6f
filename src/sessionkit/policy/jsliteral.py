"""Literal values of JS/TS configuration files, without executing them (agent-hooks.md §11.4).

A tokenizer (strings, template literals, comments, numbers, identifiers, punctuation, regular
expressions after an operator) feeds a small recursive reader of object and array literals.
A call's object-literal arguments stand for the call (``defineConfig({...})`` is the object,
``tseslint.config(a, b)`` is ``[a, b]``), top-level ``const name = <literal>`` bindings are
followed, and ``as const`` / ``satisfies T`` / type annotations after a literal are skipped.
Anything else is :data:`NOT_LITERAL`, which the weakening comparison never reports on.

The document is the value of ``export default …`` or ``module.exports = …``.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["NOT_LITERAL", "literal_document", "tokenize"]


class _NotLiteral:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL: Any = _NotLiteral()

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<comment>//[^\n]*|/\*.*?\*/)
    |(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<tpl>`(?:[^`\\]|\\.)*`)
    |(?P<num>(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)))
    |(?P<ident>[A-Za-z_$][\w$]*)
    |(?P<punct>\.\.\.|=>|[{}\[\]().,:;=!&|?+\-*/%<>@~^#])
    """,
    re.VERBOSE | re.DOTALL,
)
_REGEX_AFTER = set("(,=:[!&|?{};") | {"", "=>", "return"}
_REGEX = re.compile(r"/(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*")


def tokenize(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` tokens; unknown characters become ``("punct", ch)``."""
    out: list[tuple[str, str]] = []
    pos, n = 0, len(text)
    previous = ""
    while pos < n:
        if text[pos] == "/" and previous in _REGEX_AFTER and not text.startswith(("//", "/*"), pos):
            match = _REGEX.match(text, pos)
            if match is not None:
                out.append(("regex", match.group()))
                previous = "regex"
                pos = match.end()
                continue
        match = _TOKEN.match(text, pos)
        if match is None:
            out.append(("punct", text[pos]))
            previous = text[pos]
            pos += 1
            continue
        kind = match.lastgroup or "punct"
        pos = match.end()
        if kind in ("ws", "comment"):
            continue
        value = match.group()
        out.append((kind, value))
        previous = value if kind in ("punct", "ident") else kind
    return out


def _string(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]], bindings: dict[str, Any]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.bindings = bindings

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("eof", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.pos += 1
        return token

    def skip_to_end(self) -> None:
        """Skip an expression tail up to the next ``,`` / closing bracket / ``;`` at depth 0."""
        depth = 0
        while True:
            kind, text = self.peek()
            if kind == "eof":
                return
            if kind == "punct":
                if text in "([{":
                    depth += 1
                elif text in ")]}":
                    if depth == 0:
                        return
                    depth -= 1
                elif text in ",;" and depth == 0:
                    return
            self.pos += 1

    def value(self) -> Any:
        kind, text = self.take()
        result: Any = NOT_LITERAL
        if kind == "punct" and text == "{":
            result = self.object()
        elif kind == "punct" and text == "[":
            result = self.array()
        elif kind == "str":
            result = _string(text)
        elif kind == "tpl":
            result = _string(text) if "${" not in text else NOT_LITERAL
        elif kind == "num":
            try:
                result = (
                    float(text.replace("_", ""))
                    if not text.lower().startswith("0x")
                    else int(text, 16)
                )
            except ValueError:
                result = NOT_LITERAL
        elif kind == "punct" and text in "-+" and self.peek()[0] == "num":
            number = self.value()
            result = -number if text == "-" and isinstance(number, float) else number
        elif kind == "ident":
            result = self.identifier(text)
        elif kind == "punct" and text == "(":
            result = self.value()
            self.skip_to_end()
            if self.peek() == ("punct", ")"):
                self.take()
        else:
            self.pos -= 1
        # "as const", "satisfies T" and type annotations are skipped; any other tail
        # (operators, member access) makes the value an expression, not a literal
        after = self.peek()
        if after[0] != "eof" and after[1] not in (",", ";", ")", "]", "}", "as", "satisfies"):
            result = NOT_LITERAL
        self.skip_to_end()
        return result

    def identifier(self, name: str) -> Any:
        if name in ("true", "false"):
            return name == "true"
        if name == "null":
            return None
        # dotted callee: a.b.c(...)
        while self.peek() == ("punct", ".") and self.peek(1)[0] == "ident":
            self.pos += 2
        if self.peek() == ("punct", "("):
            self.take()
            args: list[Any] = []
            while self.peek()[0] != "eof" and self.peek() != ("punct", ")"):
                args.append(self.value())
                if self.peek() == ("punct", ","):
                    self.take()
            self.take()
            literal = [a for a in args if isinstance(a, (dict, list))]
            if not literal:
                return NOT_LITERAL
            return literal[0] if len(literal) == 1 else literal
        return self.bindings.get(name, NOT_LITERAL)

    def object(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while self.peek()[0] != "eof" and self.peek() != ("punct", "}"):
            kind, text = self.take()
            key: str | None = None
            if kind in ("ident", "num"):
                key = text
            elif kind == "str":
                key = _string(text)
            if key is not None and self.peek() == ("punct", ":"):
                self.take()
                out[key] = self.value()
            elif key is not None and self.peek() in (("punct", ","), ("punct", "}")):
                out[key] = self.bindings.get(key, NOT_LITERAL)  # shorthand property
            else:
                self.pos -= 1
                self.skip_to_end()  # spread, computed key, method
            if self.peek() == ("punct", ","):
                self.take()
        self.take()
        return out

    def array(self) -> list[Any]:
        out: list[Any] = []
        while self.peek()[0] != "eof" and self.peek() != ("punct", "]"):
            if self.peek() == ("punct", "..."):
                self.skip_to_end()
            else:
                out.append(self.value())
            if self.peek() == ("punct", ","):
                self.take()
        self.take()
        return out


def literal_document(text: str) -> Any:
    """The literal value a JS/TS config exports (a dict, a list, or :data:`NOT_LITERAL`);
    raises ValueError when the text cannot be tokenized into balanced brackets."""
    tokens = tokenize(text)
    balance = 0
    for kind, value in tokens:
        if kind == "punct":
            balance += (value in "([{") - (value in ")]}")
            if balance < 0:
                raise ValueError("unbalanced brackets")
    if balance != 0:
        raise ValueError("unbalanced brackets")
    bindings: dict[str, Any] = {}
    document: Any = NOT_LITERAL
    reader = _Reader(tokens, bindings)
    depth = 0
    while reader.peek()[0] != "eof":
        kind, text_ = reader.peek()
        if depth == 0 and kind == "ident" and text_ in ("const", "let", "var"):
            if reader.peek(1)[0] == "ident" and reader.peek(2) == ("punct", "="):
                name = reader.peek(1)[1]
                reader.pos += 3
                bindings[name] = reader.value()
                continue
            if reader.peek(1)[0] == "ident" and reader.peek(2) == ("punct", ":"):
                name = reader.peek(1)[1]
                reader.pos += 3
                while reader.peek()[0] != "eof" and reader.peek() != ("punct", "="):
                    reader.pos += 1
                reader.pos += 1
                bindings[name] = reader.value()
                continue
        if depth == 0 and kind == "ident" and text_ == "export" and reader.peek(1)[1] == "default":
            reader.pos += 2
            document = reader.value()
            continue
        if (
            depth == 0
            and (kind, text_) == ("ident", "module")
            and reader.peek(1) == ("punct", ".")
            and reader.peek(2) == ("ident", "exports")
            and reader.peek(3) == ("punct", "=")
        ):
            reader.pos += 4
            document = reader.value()
            continue
        if kind == "punct":
            depth += (text_ in "([{") - (text_ in ")]}")
        reader.pos += 1
    return document
