"""Writing a Session Config in the canonical style (config.md §9.5, §11.5).

The canonical style is plain block YAML inside one fenced ``yaml`` block: two-space
indentation, no bullets, no bold, kebab-case keys in the order given. It passes through the
line normaliser unchanged, so what is written here is exactly what the reader reads:

- a scalar is written plain when the scalar profile (§4.3) reads it back as the same value and
  no normaliser rule (N9) would rewrite it, otherwise double-quoted;
- a list is written in the form the prior art reads for that key (``x-sessionkit-list-form``),
  so a team running both tools sees the same lists; lists of records are block lists;
- ``agents-per-wave``, ``agent-mapping`` and ``enforcement-gates`` mappings are flow mappings,
  the only form the prior art reads for them (study §2.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from sessionkit import schemas

HEADING = "## Session Config"
INDENT = "  "
# The prior art reads these mappings only in flow form (`{ impl: code-editor }`).
FLOW_MAPPINGS = frozenset({"agents-per-wave", "agent-mapping", "enforcement-gates"})
COMMAND_KEYS = ("test-command", "typecheck-command", "lint-command")
# Keys of the starter block besides the commands (integration.md §6.1), in this order.
STARTER_KEYS = ("agents-per-wave", "waves", "persistence", "enforcement")

# The scalar profile of config.md §4.3: plain scalars that do not read back as strings.
_NULL = re.compile(r"(?i:~|null)\Z")
_BOOL = re.compile(r"(?i:true|false)\Z")
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
# First characters YAML (or rule N9) treats as indicators in a plain scalar.
_INDICATORS = frozenset("`@%*&!|>?,-[]{}#'\":")
_FLOW_UNSAFE = frozenset(",[]{}#:")


def _yaml_printable(char: str) -> bool:
    """YAML 1.1 printable set (PyYAML refuses raw characters outside it)."""
    code = ord(char)
    return (
        code in (0x09, 0x0A, 0x0D, 0x85)
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ) and code != 0xFEFF


def double_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar, escaping what YAML does not take raw."""
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif _yaml_printable(char) and char not in "\r\x85":
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def plain_is_safe(text: str, *, flow: bool = False) -> bool:
    """Whether ``text`` written plain reads back as the same string."""
    if not text or text != text.strip() or not text.isprintable():
        return False
    if _NULL.match(text) or _BOOL.match(text) or _INT.match(text) or _FLOAT.match(text):
        return False
    if text[0] in _INDICATORS or ": " in text or text.endswith(":") or " #" in text:
        return False
    # HTML comments and bold markers next to a colon are rewritten by the normaliser (N2, N6).
    if "<!--" in text or "-->" in text or "**:" in text or ":**" in text:
        return False
    if any(not _yaml_printable(c) for c in text):
        return False
    return not (flow and any(c in _FLOW_UNSAFE for c in text))


def scalar(value: object, *, flow: bool = False) -> str:
    """One scalar in canonical form."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return text if plain_is_safe(text, flow=flow) else double_quoted(text)


def flow_value(value: object) -> str:
    """``value`` in flow style (``[a, b]``, ``{default: 6, deep: 18}``)."""
    if isinstance(value, Mapping):
        items = ", ".join(f"{scalar(k, flow=True)}: {flow_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow_value(v) for v in value) + "]"
    return scalar(value, flow=True)


@cache
def _schema() -> dict[str, Any]:
    return schemas.load_schema("session-config")


def _resolve(node: Any) -> list[dict[str, Any]]:
    """``node`` and its ``anyOf``/``oneOf`` branches, with local ``$ref`` followed."""
    if not isinstance(node, dict):
        return []
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = _schema()
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return [*_resolve(target), node]
    nodes = [node]
    for keyword in ("anyOf", "oneOf"):
        for branch in node.get(keyword, ()):
            nodes.extend(_resolve(branch))
    return nodes


def schema_node(path: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every schema node that describes dotted ``path`` (empty when the schema has none)."""
    nodes = _resolve(_schema())
    for part in path:
        found: list[dict[str, Any]] = []
        for node in nodes:
            # A path does not name list items: descend into ``items`` transparently.
            for holder in [node, *_resolve(node.get("items"))]:
                child = holder.get("properties", {}).get(part)
                if child is None and isinstance(holder.get("additionalProperties"), dict):
                    child = holder["additionalProperties"]
                if child is not None:
                    found.extend(_resolve(child))
        nodes = found
    return nodes


def list_form(path: tuple[str, ...], items: list[Any] | tuple[Any, ...]) -> str:
    """``flow`` or ``block`` for the list at ``path``."""
    for node in schema_node(path):
        form = node.get("x-sessionkit-list-form")
        if form in ("flow", "block"):
            return str(form)
    return "block" if any(isinstance(i, (Mapping, list, tuple)) for i in items) else "flow"


def _with_comment(line: str, comment: str | None) -> str:
    return f"{line}  # {comment}" if comment else line


def _emit_mapping(
    mapping: Mapping[str, Any],
    depth: int,
    path: tuple[str, ...],
    comments: Mapping[str, str],
) -> Iterator[str]:
    pad = INDENT * depth
    for key, value in mapping.items():
        key_path = (*path, key)
        comment = comments.get(".".join(key_path))
        head = f"{pad}{scalar(key)}:"
        if isinstance(value, Mapping) and value and key_path[0] not in FLOW_MAPPINGS:
            yield _with_comment(head, comment)
            yield from _emit_mapping(value, depth + 1, key_path, comments)
        elif isinstance(value, (list, tuple)) and value and list_form(key_path, value) == "block":
            yield _with_comment(head, comment)
            yield from _emit_list(value, depth + 1, key_path, comments)
        elif isinstance(value, (Mapping, list, tuple)):
            yield _with_comment(f"{head} {flow_value(value)}", comment)
        else:
            yield _with_comment(f"{head} {scalar(value)}", comment)


def _emit_list(
    items: list[Any] | tuple[Any, ...],
    depth: int,
    path: tuple[str, ...],
    comments: Mapping[str, str],
) -> Iterator[str]:
    pad = INDENT * depth
    for item in items:
        if isinstance(item, Mapping) and item:
            lines = list(_emit_mapping(item, depth + 1, path, {}))
            # The first key shares the line with the dash: "- name: x".
            yield f"{pad}- {lines[0].lstrip()}"
            yield from lines[1:]
        elif isinstance(item, (Mapping, list, tuple)):
            yield f"{pad}- {flow_value(item)}"
        else:
            yield f"{pad}- {scalar(item)}"


def render_yaml(mapping: Mapping[str, Any], *, comments: Mapping[str, str] | None = None) -> str:
    """The YAML body of a section (no heading, no fence); ``comments`` by dotted key."""
    lines = list(_emit_mapping(mapping, 0, (), comments or {}))
    return "".join(f"{line}\n" for line in lines)


def _non_default(value: Any, default: Any) -> Any:
    """The part of ``value`` that differs from ``default`` (whole objects only where new)."""
    if isinstance(value, Mapping) and isinstance(default, Mapping):
        out = {}
        for key, sub in value.items():
            if key not in default:
                out[key] = sub
                continue
            diff = _non_default(sub, default[key])
            if diff is not _SAME:
                out[key] = diff
        return out if out else _SAME
    return _SAME if value == default else value


_SAME: Any = object()


def _as_mapping(cfg_or_mapping: Any) -> Mapping[str, Any]:
    """A mapping as given; a ``SessionConfig`` as the keys that differ from the defaults."""
    if isinstance(cfg_or_mapping, Mapping):
        return cfg_or_mapping
    document = cfg_or_mapping.to_json()
    defaults = type(cfg_or_mapping).defaults().to_json()
    diff = _non_default(document, defaults)
    return {} if diff is _SAME else dict(diff)


def render_section(cfg_or_mapping: Any, *, comments: Mapping[str, str] | None = None) -> str:
    """A complete ``## Session Config`` section in the canonical style.

    A mapping is written as given (kebab-case keys, canonical values); a ``SessionConfig`` is
    written as the keys whose values differ from the defaults.
    """
    body = render_yaml(_as_mapping(cfg_or_mapping), comments=comments)
    return f"{HEADING}\n\n```yaml\n{body}```\n"


def render_starter(commands: Mapping[str, str]) -> str:
    """The starter section of ``sessionkit init`` (integration.md §6.1).

    ``commands`` maps ``test``/``typecheck``/``lint`` (or the full key names) to the detected
    command, ``skip`` for an explicit opt-out. The other keys take the schema defaults.
    """
    from sessionkit.config import SessionConfig

    defaults = SessionConfig.defaults().to_json()
    mapping: dict[str, Any] = {}
    for key in COMMAND_KEYS:
        command = commands.get(key, commands.get(key.removesuffix("-command")))
        if command:
            mapping[key] = command
    for key in STARTER_KEYS:
        mapping[key] = defaults[key]
    return render_section(mapping)
