"""Stage N: the line normaliser (config.md §4.2, rules N1–N13).

Turns the lines of a section body written in any of the prior art's styles into YAML text with
the same number of lines. Every rewrite records how columns moved, so YAML marks map back to
the original text. All regular expressions are linear (no nested quantifiers).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from sessionkit.config.diagnostics import Diagnostic, make

KEY_LINE = re.compile(r"^( *)([A-Za-z_][A-Za-z0-9_.-]*):(?:([ \t]+)(.*))?$")
_SEQ_KEY_LINE = re.compile(r"^( *- +)([A-Za-z_][A-Za-z0-9_.-]*):(?:([ \t]+)(.*))?$")
_BOLD_KEY = re.compile(
    r"^( *)((?:[-*+][ \t]+)?)(\*\*)?([A-Za-z_][A-Za-z0-9_.-]*)(\*\*)?:(\*\*)?(.*)$"
)
_BULLET_KEY = re.compile(r"^([-*+][ \t]+)([A-Za-z_][A-Za-z0-9_.-]*):(?:[ \t]|$)")
_NO_SPACE_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):([^ \t])")  # NBSP counts as no space
_THEMATIC = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|\.\.\.[ \t]*)$")
_ATX3 = re.compile(r"^ {0,3}#{3,6}(?:[ \t]|$)")
_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^ \t`]*)[^`]*$")
_BLOCK_HEADER = re.compile(r"^[|>](?:[1-9][-+]?|[-+][1-9]?)?(?:[ \t]+#.*)?[ \t]*$")
_COMMENT_START = re.compile(r"(?:^|[ \t])#")
_SEQ_ITEM = re.compile(r"^ *- ")
_RESERVED_ITEM = re.compile(r"^( *-[ \t]+)[*@`%]")
_ALIAS_TOKEN = re.compile(r"\*[A-Za-z0-9_-]+")

READ_FENCES = frozenset({"", "yaml", "yml", "md", "markdown", "text", "txt"})
_TAB = 4


@dataclass
class Normalised:
    """The normalised text of a section body and how to map it back."""

    lines: list[str]
    first_line: int  # original line number of lines[0]
    # per line: sorted (normalised column, delta) anchors; original = normalised + delta
    columns: list[list[tuple[int, int]]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def original(self, index: int, column: int) -> tuple[int, int]:
        """(1-based line, 1-based column) in the file for 0-based (index, column)."""
        index = max(0, min(index, len(self.lines) - 1)) if self.lines else 0
        delta = 0
        for start, shift in self.columns[index] if index < len(self.columns) else ():
            if start <= column:
                delta = shift
            else:
                break
        return self.first_line + index, column + delta + 1


class _Line:
    """A line being rewritten, with its column anchors."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.anchors: list[tuple[int, int]] = []
        self.delta = 0

    def cut(self, start: int, length: int) -> None:
        """Remove ``length`` characters at normalised column ``start``."""
        self.text = self.text[:start] + self.text[start + length :]
        self.delta += length
        self._anchor(start)

    def insert(self, start: int, chars: str) -> None:
        self.text = self.text[:start] + chars + self.text[start:]
        self.delta -= len(chars)
        self._anchor(start + len(chars))

    def _anchor(self, start: int) -> None:
        # Anchors after ``start`` no longer hold; rewrites happen left to right.
        self.anchors = [(s, d) for s, d in self.anchors if s < start]
        self.anchors.append((start, self.delta))


def _expand_tabs(text: str) -> tuple[str, list[tuple[int, int]]]:
    """N5: leading tabs to the next multiple of 4 columns."""
    out: list[str] = []
    width = 0
    index = 0
    while index < len(text) and text[index] in " \t":
        if text[index] == "\t":
            pad = _TAB - width % _TAB
        else:
            pad = 1
        out.append(" " * pad)
        width += pad
        index += 1
    return "".join(out) + text[index:], [(width, index - width)]


def split_comment(value: str) -> tuple[str, str]:
    """A plain value and its trailing `` # comment`` (YAML: ``#`` after whitespace)."""
    if value.startswith("#"):
        return "", value
    start = 0
    if value and value[0] in "\"'":
        end = _closing_quote(value)
        start = end if end is not None else 0
    match = _COMMENT_START.search(value, start)
    if match is None:
        return value.rstrip(" \t"), ""
    start = match.start()
    return value[:start].rstrip(" \t"), value[start:]


def _closing_quote(value: str) -> int | None:
    """Index just after the quoted scalar at the start of ``value``, or None if unclosed."""
    quote = value[0]
    index = 1
    while index < len(value):
        char = value[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and value[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index + 1
        index += 1
    return None


def _balanced_end(value: str) -> int | None:
    """Index just after the flow collection opening ``value``, or None if it stays open."""
    depth = 0
    quote: str | None = None
    index = 0
    while index < len(value):
        char = value[index]
        if quote:
            if quote == '"' and char == "\\":
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "\"'" and (index == 0 or value[index - 1] in " \t,[{:"):
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def flow_depth(text: str, depth: int) -> int:
    """Bracket depth after ``text`` (quotes respected), starting from ``depth``."""
    quote: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if quote == '"' and char == "\\":
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "\"'" and (index == 0 or text[index - 1] in " \t,[{:"):
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            break
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        index += 1
    return depth


def _needs_quotes(value: str) -> bool:
    """N9 triggers for a plain value (comment already split off)."""
    if not value:
        return False
    first = value[0]
    if first in "\"'":
        end = _closing_quote(value)
        return end is None or value[end:].strip() != ""
    if first in "[{":
        end = _balanced_end(value)
        return end is not None and value[end:].strip() != ""
    if first in "|>":
        return _BLOCK_HEADER.match(value) is None
    if first in "`@%*&!?," or value.startswith("- ") or value == "-":
        return True
    return ": " in value or value.endswith(":") or ":\t" in value


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def normalise(
    lines: list[str],
    first_line: int,
    file: str,
    *,
    known_top: Collection[str] = (),
    array_top: Collection[str] = (),
) -> Normalised:
    """Apply N1–N13 to the body ``lines`` whose first line is file line ``first_line``."""
    result = Normalised([], first_line)
    diags = result.diagnostics
    out = result.lines
    columns = result.columns

    fence: tuple[str, int, int, bool] | None = None  # char, length, indent, read content
    in_comment = False
    block_indent: int | None = None  # N11: indentation of the block scalar's key line
    flow = 0  # N10: open bracket depth
    header: str | None = None  # N7: the open column-0 header key
    prose = False  # N12: inside a prose run
    tab_reported = False

    def emit(line: _Line | str) -> None:
        if isinstance(line, str):
            out.append(line)
            columns.append([])
        else:
            out.append(line.text)
            columns.append(line.anchors)

    for index, raw in enumerate(lines):
        number = first_line + index

        # N1: fences.
        if fence is not None:
            stripped = raw.strip(" \t")
            if (
                len(raw) - len(raw.lstrip(" ")) <= 3
                and stripped
                and set(stripped) == {fence[0]}
                and len(stripped) >= fence[1]
            ):
                fence = None
                emit("")
                continue
            if not fence[3]:
                emit("")
                continue
            cut = min(fence[2], len(raw) - len(raw.lstrip(" ")))
            line = _Line(raw)
            if cut:
                line.cut(0, cut)
        else:
            if block_indent is None and flow == 0 and not in_comment:
                match = _FENCE_OPEN.match(raw)
                if match:
                    info = match.group(3).lower()
                    read = info in READ_FENCES
                    if not read:
                        diags.append(
                            make(
                                "config.fence-skipped",
                                f"a '{info}' code block in the section is not read",
                                file=file,
                                line=number,
                            )
                        )
                    fence = (match.group(2)[0], len(match.group(2)), len(match.group(1)), read)
                    emit("")
                    prose = False
                    continue
            line = _Line(raw)

        # N11: inside a block scalar, lines are kept verbatim.
        if block_indent is not None:
            indent = len(line.text) - len(line.text.lstrip(" "))
            if not line.text.strip() or indent > block_indent:
                emit(line)
                continue
            block_indent = None

        # N10: inside a multi-line flow collection, lines are kept verbatim.
        if flow > 0:
            flow = max(0, flow_depth(line.text, flow))
            emit(line)
            continue

        # N2: HTML comments become spaces (columns are unchanged).
        text = line.text
        if in_comment:
            end = text.find("-->")
            if end < 0:
                emit("")
                continue
            text = " " * (end + 3) + text[end + 3 :]
            in_comment = False
        text, in_comment = _blank_comments(text)
        line.text = text
        if not text.strip():
            emit("")
            prose = False
            continue

        # N3 and N4: headings of level 3+ and thematic breaks / document markers.
        if fence is None and _ATX3.match(text):
            emit("")
            prose = False
            continue
        if _THEMATIC.match(text) or text.rstrip() in ("---", "..."):
            emit("")
            prose = False
            continue

        # N5: leading tabs.
        if text[:1] in " \t" and "\t" in text[: len(text) - len(text.lstrip(" \t"))]:
            expanded, anchors = _expand_tabs(text)
            line.text = expanded
            line.delta += anchors[0][1]
            line.anchors.append(anchors[0])
            text = expanded
            if not tab_reported:
                tab_reported = True
                diags.append(
                    make(
                        "config.tab-indent",
                        "the section is indented with tabs; they count as 4 columns",
                        file=file,
                        line=number,
                    )
                )

        # N6: bold keys.
        bold = _BOLD_KEY.match(text)
        if bold and (bold.group(3) or bold.group(5) or bold.group(6)):
            lead, marker, open_, key, close1, close2, rest = bold.groups()
            position = len(lead)
            if marker:
                line.cut(position, len(marker))
            if open_:
                line.cut(position, 2)
            position += len(key)
            if close1:
                line.cut(position, 2)
            position += 1  # the colon
            if close2:
                line.cut(position, 2)
            if rest and rest[0] not in " \t":
                line.insert(position, " ")
            text = line.text

        # N7: column-0 plain bullets on key lines.
        bullet = _BULLET_KEY.match(text)
        if bullet and (header is None or header not in array_top):
            line.cut(0, len(bullet.group(1)))
            text = line.text

        # N8: missing space after a known top-level key.
        nospace = _NO_SPACE_KEY.match(text)
        if (
            nospace
            and _known(nospace.group(1), known_top)
            and not text.startswith(f"{nospace.group(1)}://")
        ):
            line.insert(len(nospace.group(1)) + 1, " ")
            text = line.text
            diags.append(
                make(
                    "config.missing-space",
                    f"'{nospace.group(1)}:' has no space after the colon",
                    file=file,
                    line=number,
                    column=len(nospace.group(1)) + 2,
                    key=nospace.group(1),
                )
            )

        key_line = KEY_LINE.match(text) or _SEQ_KEY_LINE.match(text)
        column0 = text[:1] not in (" ", "\t")

        # N12: prose.
        if column0:
            if text.startswith("#"):
                prose = False
                emit(line)
                continue
            sequence = _SEQ_ITEM.match(text) is not None and header in array_top
            if key_line is None and not sequence:
                if not prose:
                    diags.append(_prose(file, number))
                prose = True
                emit("")
                continue
            prose = False
            if key_line is not None and KEY_LINE.match(text):
                value = key_line.group(4) or ""
                header = key_line.group(2) if not split_comment(value)[0] else None
        elif prose:
            emit("")
            continue

        # N9, N10, N11 on key lines.
        if key_line is not None:
            value_start = key_line.end(3) if key_line.group(3) else len(text)
            value, comment = split_comment(text[value_start:])
            if value:
                if value[0] in "[{" and _balanced_end(value) is None:
                    flow = max(0, flow_depth(value, 0))
                elif value[0] in "|>" and _BLOCK_HEADER.match(value):
                    block_indent = len(key_line.group(1))
                elif _needs_quotes(value):
                    quoted = _quote(value)
                    line.text = text[:value_start] + quoted + comment
                    line.delta -= 1
                    line.anchors.append((value_start + 1, line.delta))
                    text = line.text
        else:
            # N9 on sequence items whose plain value YAML cannot read: globs starting with `*`
            # that are no alias (`- **/_MOC.md`, `- *.log`) and values starting with a
            # reserved indicator (`- @docs/a.md`, `` - `make` ``), which the prior art read as
            # text. A real alias (`- *a`) is left for the reader to refuse (§4.3).
            item = _RESERVED_ITEM.match(text)
            if item is not None:
                value_start = item.end(1)
                value, comment = split_comment(text[value_start:])
                if value and _ALIAS_TOKEN.fullmatch(value) is None:
                    line.text = text[:value_start] + _quote(value) + comment
                    line.delta -= 1
                    line.anchors.append((value_start + 1, line.delta))
                    text = line.text
        emit(line)

    return result


def _known(key: str, known_top: Collection[str]) -> bool:
    return key in known_top or key.split(".", 1)[0] in known_top


def _prose(file: str, number: int) -> Diagnostic:
    return make(
        "config.prose-ignored",
        "text that is not a 'key: value' line is ignored",
        file=file,
        line=number,
    )


def _blank_comments(text: str) -> tuple[str, bool]:
    """N2 within one line: ``<!-- … -->`` becomes spaces; an unclosed one opens a block."""
    while True:
        start = text.find("<!--")
        if start < 0:
            return text, False
        end = text.find("-->", start + 4)
        if end < 0:
            return text[:start].rstrip(" \t"), True
        text = text[:start] + " " * (end + 3 - start) + text[end + 3 :]
