"""Stage Y: a YAML event reader with the sessionkit scalar profile and hard limits (§4.3).

Only ``yaml.parse`` (events) is used: no constructor or resolver ever runs, so tags cannot
instantiate objects and aliases cannot expand. The tree is built here, with the original
(line, column) of every node, duplicate-key detection and the limits of §15.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import yaml

from sessionkit.config.diagnostics import Diagnostic, make
from sessionkit.config.normalise import KEY_LINE, Normalised

try:  # the C parser when PyYAML was built with libyaml
    _LOADER: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _LOADER = yaml.SafeLoader

MAX_DEPTH = 32
MAX_NODES = 50_000
MAX_SCALAR = 64 * 1024
MAX_RECOVERIES = 20

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


class Node:
    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class Scalar(Node):
    """A scalar with its profile value, its source text and whether it was quoted."""

    __slots__ = ("quoted", "text", "value")

    def __init__(self, value: object, text: str, quoted: bool, line: int, column: int) -> None:
        super().__init__(line, column)
        self.value = value
        self.text = text
        self.quoted = quoted

    def __repr__(self) -> str:
        return f"Scalar({self.value!r}@{self.line}:{self.column})"


class Mapping(Node):
    """Ordered entries ``key -> (key node, value node)``; duplicate keys: the last wins."""

    __slots__ = ("entries",)

    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column)
        self.entries: dict[str, tuple[Scalar, Node]] = {}

    def __repr__(self) -> str:
        return f"Mapping({list(self.entries)}@{self.line})"


class Sequence(Node):
    __slots__ = ("items",)

    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column)
        self.items: list[Node] = []

    def __repr__(self) -> str:
        return f"Sequence({len(self.items)}@{self.line})"


def plain_value(text: str) -> object:
    """The scalar profile for plain scalars (YAML 1.2 core, restricted)."""
    if text == "" or text == "~" or text.lower() == "null":
        return None
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if _INT.fullmatch(text):
        try:
            return int(text, 10)
        except ValueError:  # more digits than int() accepts: keep the text
            return text
    if _FLOAT.fullmatch(text):
        number = float(text)
        return number if math.isfinite(number) else text
    return text


class _Abort(Exception):
    """A hard limit was hit: the section is not read."""


class _Builder:
    def __init__(self, normalised: Normalised, file: str) -> None:
        self.norm = normalised
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.nodes = 0
        self.reported: set[tuple[str, int]] = set()

    def where(self, mark: Any) -> tuple[int, int]:
        return self.norm.original(mark.line, mark.column)

    def error(self, rule: str, message: str, mark: Any, **fields: str) -> None:
        line, column = self.where(mark)
        if (rule, line) in self.reported:
            return
        self.reported.add((rule, line))
        self.diagnostics.append(
            make(rule, message, file=self.file, line=line, column=column, **fields)
        )

    def build(self, events: Iterator[yaml.Event]) -> Node | None:
        root: Node | None = None
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self.error(
                        "config.yaml-syntax",
                        "the section holds more than one YAML document; only the first is read",
                        event.start_mark,
                    )
                    return root
            elif isinstance(
                event,
                (
                    yaml.MappingStartEvent,
                    yaml.SequenceStartEvent,
                    yaml.ScalarEvent,
                    yaml.AliasEvent,
                ),
            ):
                root = self.node(event, events, 1)
        return root

    def _count(self, mark: Any) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.error(
                "config.too-many-nodes", f"the section holds more than {MAX_NODES} values", mark
            )
            raise _Abort

    def node(
        self,
        event: yaml.Event,
        events: Iterator[yaml.Event],
        depth: int,
        path: tuple[str, ...] = (),
    ) -> Node | None:
        """The node starting at ``event``; None when it is refused (its events are consumed).

        ``path`` holds the mapping keys above the node, for the dotted key of diagnostics.
        """
        self._count(event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            self.error(
                "config.yaml-alias", f"alias '*{event.anchor}' is not supported", event.start_mark
            )
            return None
        refused = False
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.error(
                "config.yaml-alias", f"anchor '&{anchor}' is not supported", event.start_mark
            )
            refused = True
        tag = getattr(event, "tag", None)
        if tag is not None and not (isinstance(event, yaml.ScalarEvent) and tag == "!"):
            self.error(
                "config.yaml-tag", f"explicit tag '{tag}' is not supported", event.start_mark
            )
            refused = True
        line, column = self.where(event.start_mark)
        if isinstance(event, yaml.ScalarEvent):
            if len(event.value) > MAX_SCALAR:
                self.error(
                    "config.value-too-long",
                    f"a value of {len(event.value)} characters exceeds the limit of {MAX_SCALAR}",
                    event.start_mark,
                )
                return None
            if refused:
                return None
            if not event.style:  # None (pure parser) or '' (libyaml): plain
                return Scalar(plain_value(event.value), event.value, False, line, column)
            return Scalar(event.value, event.value, event.style in ("'", '"'), line, column)
        if depth > MAX_DEPTH:
            self.error(
                "config.too-deep",
                f"values are nested deeper than {MAX_DEPTH} levels",
                event.start_mark,
            )
            raise _Abort
        if isinstance(event, yaml.SequenceStartEvent):
            seq = Sequence(line, column)
            for item_event in events:
                if isinstance(item_event, yaml.SequenceEndEvent):
                    break
                item = self.node(item_event, events, depth + 1, path)
                if item is not None:
                    seq.items.append(item)
            return None if refused else seq
        mapping = Mapping(line, column)
        for key_event in events:
            if isinstance(key_event, yaml.MappingEndEvent):
                break
            key = self.key(key_event, events, depth)
            value_event = next(events)
            value = self.node(
                value_event, events, depth + 1, (*path, key.text) if key is not None else path
            )
            if key is None or value is None:
                continue
            previous = mapping.entries.pop(key.text, None)
            if previous is not None:
                full = ".".join((*path, key.text))
                self.diagnostics.append(
                    make(
                        "config.duplicate-key",
                        f"'{full}' is set at lines {previous[0].line} and {key.line}; "
                        f"line {key.line} wins",
                        file=self.file,
                        line=key.line,
                        column=key.column,
                        key=full,
                    )
                )
            mapping.entries[key.text] = (key, value)
        return None if refused else mapping

    def key(self, event: yaml.Event, events: Iterator[yaml.Event], depth: int) -> Scalar | None:
        if not isinstance(event, yaml.ScalarEvent):
            self.error(
                "config.yaml-syntax",
                "a key must be a plain name, not a list or mapping",
                event.start_mark,
            )
            self._skip(event, events)
            return None
        node = self.node(event, events, depth + 1)
        if not isinstance(node, Scalar):
            return None
        if node.text == "<<" and not node.quoted:
            self.error(
                "config.yaml-syntax", "merge keys ('<<') are not supported", event.start_mark
            )
            return None
        if not node.quoted and not isinstance(node.value, str):
            self.error(
                "config.type",
                f"key {node.text!r} is not a name (it reads as {type(node.value).__name__})",
                event.start_mark,
            )
            return None
        return node

    def _skip(self, event: yaml.Event, events: Iterator[yaml.Event]) -> None:
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth = 1
            for inner in events:
                if isinstance(inner, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    depth += 1
                elif isinstance(inner, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    depth -= 1
                    if depth == 0:
                        return


def read(normalised: Normalised, file: str) -> tuple[Node | None, list[Diagnostic]]:
    """Parse the normalised text; recover from syntax errors entry by entry (§4.3)."""
    lines = list(normalised.lines)
    diagnostics: list[Diagnostic] = []
    for _attempt in range(MAX_RECOVERIES + 1):
        working = Normalised(lines, normalised.first_line, normalised.columns)
        builder = _Builder(working, file)
        try:
            root = builder.build(yaml.parse("\n".join(lines) + "\n", Loader=_LOADER))
        except _Abort:
            return None, diagnostics + builder.diagnostics
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            if "nesting depth" in str(exc.problem):  # libyaml's own limit, met while scanning
                line, col = normalised.original(
                    mark.line if mark else 0, mark.column if mark else 0
                )
                diagnostics.append(
                    make(
                        "config.too-deep",
                        f"values are nested deeper than {MAX_DEPTH} levels",
                        file=file,
                        line=line,
                        column=col,
                    )
                )
                return None, diagnostics
            # An unclosed construct is reported where it starts (the context), not where
            # the parser noticed (possibly many entries later), and that entry is blanked.
            context = exc.context_mark
            if context is not None and mark is not None and context.line < mark.line:
                mark = context
            index = min(mark.line, len(lines) - 1) if mark is not None and lines else 0
            column = mark.column if mark is not None else 0
            line, col = normalised.original(index, column)
            problem = exc.problem or "invalid YAML"
            if exc.context and mark is context:
                problem = f"{problem} ({exc.context})"
            diagnostics.append(
                make(
                    "config.yaml-syntax",
                    f"YAML syntax error: {problem}",
                    file=file,
                    line=line,
                    column=col,
                    hint=_syntax_hint(normalised, lines, index),
                )
            )
            if not _blank_entry(lines, index):
                return None, diagnostics
            continue
        except yaml.YAMLError as exc:  # a reader error (e.g. a control character)
            mark = getattr(exc, "problem_mark", None)
            index = min(mark.line, len(lines) - 1) if mark is not None and lines else 0
            line, col = normalised.original(index, mark.column if mark is not None else 0)
            diagnostics.append(
                make(
                    "config.yaml-syntax",
                    f"YAML syntax error: {exc}",
                    file=file,
                    line=line,
                    column=col,
                )
            )
            if not _blank_entry(lines, index):
                return None, diagnostics
            continue
        return root, diagnostics + builder.diagnostics
    return None, diagnostics


def _blank_entry(lines: list[str], index: int) -> bool:
    """Blank the entry holding line ``index``; False when there is nothing left to blank."""
    start, end = _entry_bounds(lines, index)
    if start is None or not any(lines[i].strip() for i in range(start, end)):
        return False
    for blank in range(start, end):
        lines[blank] = ""
    return True


def _entry_bounds(lines: list[str], index: int) -> tuple[int | None, int]:
    """The top-level entry holding line ``index``: its column-0 line to the next one."""
    start = None
    for candidate in range(min(index, len(lines) - 1), -1, -1):
        text = lines[candidate]
        if text and text[0] not in " \t#":
            start = candidate
            break
    if start is None:
        # The error is before any column-0 line: blank the offending line itself.
        if not lines or not lines[min(index, len(lines) - 1)].strip():
            return None, 0
        return min(index, len(lines) - 1), min(index, len(lines) - 1) + 1
    end = start + 1
    while end < len(lines) and not (lines[end] and lines[end][0] not in " \t#"):
        end += 1
    return start, end


def _syntax_hint(normalised: Normalised, lines: list[str], index: int) -> str:
    text = lines[index] if 0 <= index < len(lines) else ""
    match = KEY_LINE.match(text)
    value = (match.group(4) or "") if match else text
    if ": " in value:
        return "quote the value"
    if "\t" in text:
        return "indent with spaces, not tabs"
    return "check the indentation and quoting of this entry"
