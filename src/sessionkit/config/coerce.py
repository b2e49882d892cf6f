"""Stage T: the schema-driven typing stage (config.md §4.4, rules T1–T12).

Walks the node tree from the YAML reader with the schema and produces a plain JSON document,
the (line, column) of every key and value, and the diagnostics of the typing rules. Values
that cannot be typed are dropped here (their key takes its default); values of the wrong
type or out of bounds are left for stage V to report.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from sessionkit.config import keyschema as ks
from sessionkit.config.diagnostics import Diagnostic, make, show
from sessionkit.config.yamlreader import Mapping, Node, Scalar, Sequence, plain_value

Path = tuple[str | int, ...]
Mark = tuple[int, int]

SESSION_TYPES = ("housekeeping", "feature", "deep")
_OVERRIDE = re.compile(r"^\s*([-+]?[0-9]+)\s*\((.*)\)\s*$", re.DOTALL)
_OVERRIDE_START = re.compile(r"^\s*[-+]?[0-9]+\s*\(")
_DROP = object()


def dotted(path: Path) -> str:
    """``("custom-phases", 1, "command")`` -> ``custom-phases[1].command``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def canonical_key(path: Path) -> str:
    return ".".join(p for p in path if isinstance(p, str))


@dataclass
class Typed:
    """The typed document and where every part of it came from."""

    doc: dict[str, Any] = field(default_factory=dict)
    key_marks: dict[Path, Mark] = field(default_factory=dict)
    value_marks: dict[Path, Mark] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Typer:
    def __init__(self, file: str, result: Typed) -> None:
        self.file = file
        self.result = result

    # -- diagnostics -------------------------------------------------------------------------

    def diag(self, rule: str, message: str, at: Node | Mark | None, **fields: Any) -> None:
        if isinstance(at, Node):
            line, column = at.line, at.column
        elif at is not None:
            line, column = at
        else:
            line = column = None  # type: ignore[assignment]
        self.result.diagnostics.append(
            make(rule, message, file=self.file, line=line, column=column, **fields)
        )

    def mark(self, path: Path, key: Node | None, value: Node) -> None:
        if key is not None:
            self.result.key_marks[path] = (key.line, key.column)
        self.result.value_marks[path] = (value.line, value.column)
        if key is None and path not in self.result.key_marks:
            self.result.key_marks[path] = (value.line, value.column)

    # -- values ------------------------------------------------------------------------------

    def value(self, node: Node, schema: ks.Schema, path: Path) -> Any:
        allowed = ks.kinds(schema)
        if isinstance(node, Mapping):
            if "object" in allowed:
                return self.mapping(node, schema, path)
            self.type_error(path, schema, node, "a mapping")
            return _DROP
        if isinstance(node, Sequence):
            if "array" in allowed:
                return self.sequence(node.items, schema, path)
            if (
                "object" in allowed
                and node.items
                and all(isinstance(i, Mapping) and len(i.entries) == 1 for i in node.items)
            ):
                merged = Mapping(node.line, node.column)
                for item in node.items:
                    assert isinstance(item, Mapping)
                    merged.entries.update(item.entries)
                self.diag(
                    "config.list-as-mapping",
                    f"{dotted(path)}: list items read as the keys of a mapping",
                    node,
                    key=canonical_key(path),
                )
                return self.mapping(merged, schema, path)
            self.type_error(path, schema, node, "a list")
            return _DROP
        assert isinstance(node, Scalar)
        if (
            "array" in allowed
            and isinstance(node.value, str)
            and node.value != ""
            and not (schema.get(ks.NONE_IS_NULL) and node.value.strip().lower() == "none")
        ):
            return self.split_list(node, schema, path)
        if "object" in allowed and node.value is None and "null" not in allowed:
            return {}  # a block header with nothing under it: every sub-key takes its default
        return self.scalar(node, schema, path)

    def type_error(self, path: Path, schema: ks.Schema, node: Node, got: str) -> None:
        self.diag(
            "config.type",
            f"{dotted(path)}: expected {describe(schema)} (got {got})",
            node,
            key=canonical_key(path),
            expected=describe(schema),
        )

    def sequence(self, items: list[Node], schema: ks.Schema, path: Path) -> list[Any]:
        item_schema = ks.items_schema(schema)
        out: list[Any] = []
        for item in items:
            item_path = (*path, len(out))
            value = self.value(item, item_schema, item_path)
            if value is _DROP:
                continue
            self.mark(item_path, None, item)
            out.append(value)
        return out

    def split_list(self, node: Scalar, schema: ks.Schema, path: Path) -> list[Any]:
        """T7: ``code, arch`` -> ``["code", "arch"]``."""
        parts = [p.strip() for p in str(node.value).split(",")]
        items: list[Node] = []
        for part in parts:
            if part:
                items.append(Scalar(plain_value(part), part, False, node.line, node.column))
        return self.sequence(items, schema, path)

    def scalar(self, node: Scalar, schema: ks.Schema, path: Path) -> Any:
        allowed = ks.kinds(schema)
        value: Any = node.value
        text = node.text
        key = canonical_key(path)

        # T4: none and "" mean null.
        if (
            schema.get(ks.NONE_IS_NULL)
            and isinstance(value, str)
            and value.strip().lower() in ("none", "")
        ):
            value = None
        if value is None:
            if schema.get(ks.EXECUTES) and len(path) == 1:
                self.diag(
                    "config.null-command",
                    f"{key} is null: the gates auto-detect the command",
                    node,
                    key=key,
                    value=None,
                )
            return None

        # T8: the session-type override syntax.
        if isinstance(value, str) and _OVERRIDE_START.match(value):
            if schema.get(ks.OVERRIDES):
                return self.overrides(node, value, schema, path)
            if "integer" in allowed or "number" in allowed:
                self.diag(
                    "config.type",
                    f"{key}: session-type overrides are only supported for agents-per-wave "
                    f"(got {show(value)})",
                    node,
                    key=key,
                    value=value,
                    expected="a single number",
                )
                return _DROP

        # T6: legacy spellings.
        legacy = schema.get(ks.LEGACY_VALUES)
        if legacy:
            lookup = {str(k).lower(): v for k, v in legacy.items()}
            spelled = (value if isinstance(value, str) else text).strip().lower()
            if spelled in lookup:
                canonical = lookup[spelled]
                self.diag(
                    "config.legacy-value",
                    f"{key}: {show(text)} is the prior art's spelling of {show(canonical)}",
                    node,
                    key=key,
                    value=text,
                    expected=show(canonical),
                )
                return canonical

        if "string" in allowed:
            integral_slot = isinstance(value, float) and "integer" in allowed
            if (
                not isinstance(value, str)
                and not node.quoted
                and not ks.accepts(schema, value)
                and not integral_slot
            ):
                value = text  # T3: a string key takes the source text (52 -> "52")
            if isinstance(value, str) and node.quoted:
                literal = self.quoted_literal(node, value, schema, path)
                if literal is not value:
                    return literal
            if isinstance(value, str):
                value = self.enum_case(node, value, schema, path)
                if schema.get(ks.TRIM):
                    value = value.strip()
                return value

        # T2: a quoted literal of the key's non-string type.
        if node.quoted and isinstance(value, str):
            literal = plain_value(value)
            if literal is not None and not isinstance(literal, str) and ks.accepts(schema, literal):
                value = self.read_quoted(node, key, value, literal)
            elif isinstance(value, str):
                value = self.enum_case(node, value, schema, path)

        # An integer key never takes a float, even an integral one (1e3).
        if isinstance(value, float) and "integer" in allowed and "number" not in allowed:
            self.diag(
                "config.type",
                f"{key}: expected an integer (got {show(value)})",
                node,
                key=key,
                value=value,
                expected="an integer",
            )
            return _DROP
        return value

    def quoted_literal(self, node: Scalar, value: str, schema: ks.Schema, path: Path) -> Any:
        """T2 for keys whose strings are an enum next to another type (``max-turns: "12"``).

        The quoted text is converted only when it is not one of the allowed strings and is
        exactly a literal of the key's non-string type; otherwise ``value`` itself is returned.
        """
        choices = ks.enum_strings(schema)
        if not choices or value.lower() in (c.lower() for c in choices):
            return value
        literal = plain_value(value)
        if literal is None or isinstance(literal, str) or not ks.accepts(schema, literal):
            return value
        return self.read_quoted(node, canonical_key(path), value, literal)

    def read_quoted(self, node: Scalar, key: str, value: str, literal: Any) -> Any:
        """T2: a quoted literal of the key's non-string type is read as that type, noted."""
        self.diag(
            "config.quoted-scalar",
            f"{key}: the quoted {show(value)} is read as {show(literal)}",
            node,
            key=key,
            value=value,
        )
        return literal

    def enum_case(self, node: Scalar, value: str, schema: ks.Schema, path: Path) -> str:
        """T5: enums match case-insensitively and are stored in canonical case."""
        choices = ks.enum_strings(schema)
        if not choices or value in choices:
            return value
        for choice in choices:
            if choice.lower() == value.lower():
                self.diag(
                    "config.case-normalised",
                    f"{canonical_key(path)}: {show(value)} is read as {show(choice)}",
                    node,
                    key=canonical_key(path),
                    value=value,
                    expected=show(choice),
                )
                return choice
        return value

    def overrides(self, node: Scalar, value: str, schema: ks.Schema, path: Path) -> Any:
        """T8: ``6 (deep: 18)`` -> ``{"default": 6, "deep": 18}``."""
        key = canonical_key(path)
        match = _OVERRIDE.match(value)
        if match is None:
            self.diag(
                "config.type",
                f"{key}: expected an integer or `N (type: M, …)` (got {show(value)})",
                node,
                key=key,
                value=value,
                expected="an integer or `N (type: M, …)`",
            )
            return _DROP
        result: dict[str, Any] = {"default": int(match.group(1))}
        self.mark((*path, "default"), node, node)
        for pair in match.group(2).split(","):
            pair = pair.strip()
            if not pair:
                continue
            name, sep, number = pair.partition(":")
            name = name.strip()
            if not sep or name not in SESSION_TYPES:
                close = difflib.get_close_matches(name.lower(), SESSION_TYPES, n=1, cutoff=0.6)
                suggestion = f"; did you mean '{close[0]}'?" if close else ""
                self.diag(
                    "config.override-syntax",
                    f"{key}: {show(pair)} is not a 'type: number' pair of housekeeping, "
                    f"feature or deep{suggestion}",
                    node,
                    key=key,
                    value=pair,
                )
                continue
            literal = plain_value(number.strip())
            if not isinstance(literal, int) or isinstance(literal, bool):
                self.diag(
                    "config.type",
                    f"{key}.{name}: expected an integer (got {show(number.strip())})",
                    node,
                    key=f"{key}.{name}",
                    value=number.strip(),
                    expected="an integer",
                )
                continue
            result[name] = literal
            self.mark((*path, name), node, node)
        if len(result) == 1:
            return result["default"]
        return result

    # -- mappings ----------------------------------------------------------------------------

    def mapping(self, node: Mapping, schema: ks.Schema, path: Path) -> dict[str, Any]:
        branch = ks.object_branch(schema) or {}
        props = ks.properties(branch)
        extra = branch.get("additionalProperties")
        entries = self.expand(node, props, path)
        out: dict[str, Any] = {}
        for name, (key_node, value_node) in entries.items():
            child = (*path, name)
            if name.startswith("x-"):
                continue  # extension keys are ignored silently at any level
            if name in props:
                sub = props[name]
                if sub.get(ks.LEGACY_SHAPE) == "ecosystem-health-block" and isinstance(
                    value_node, Mapping
                ):
                    value = self.ecosystem_block(value_node, key_node, props, path, out)
                else:
                    value = self.value(value_node, sub, child)
            elif isinstance(extra, dict):
                value = self.value(value_node, extra, child)
            else:
                self.unknown(name, key_node, props, path)
                continue
            if value is _DROP:
                continue
            self.mark(child, key_node, value_node)
            out[name] = value
        return out

    def ecosystem_block(
        self,
        node: Mapping,
        key_node: Scalar,
        props: dict[str, ks.Schema],
        path: Path,
        out: dict[str, Any],
    ) -> bool:
        """T12: ``ecosystem-health:`` holding ``health-endpoints:`` (the prior art's wizard)."""
        self.diag(
            "config.legacy-shape",
            "ecosystem-health written as a block means ecosystem-health: true plus its "
            "health-endpoints",
            key_node,
            key="ecosystem-health",
        )
        for name, (inner_key, inner_value) in node.entries.items():
            if name in props and name != "ecosystem-health":
                value = self.value(inner_value, props[name], (*path, name))
                if value is not _DROP:
                    self.mark((*path, name), inner_key, inner_value)
                    out[name] = value
            else:
                self.unknown(name, inner_key, {}, (*path, "ecosystem-health"))
        return True

    def expand(
        self, node: Mapping, props: dict[str, ks.Schema], path: Path = ()
    ) -> dict[str, tuple[Scalar, Node]]:
        """T11: dotted keys become nesting, merged with blocks for the same path."""
        if not any("." in name and name not in props for name in node.entries):
            return node.entries
        merged: dict[str, tuple[Scalar, Node]] = {}
        for name, (key_node, value_node) in node.entries.items():
            if "." in name and name not in props:
                head, rest = name.split(".", 1)
                inner = Mapping(key_node.line, key_node.column)
                inner_key = Scalar(rest, rest, False, key_node.line, key_node.column)
                inner.entries[rest] = (inner_key, value_node)
                head_key = Scalar(head, head, False, key_node.line, key_node.column)
                self.merge_into(merged, head, head_key, inner, path)
            else:
                self.merge_into(merged, name, key_node, value_node, path)
        return merged

    def merge_into(
        self,
        merged: dict[str, tuple[Scalar, Node]],
        name: str,
        key_node: Scalar,
        value: Node,
        path: Path = (),
    ) -> None:
        existing = merged.get(name)
        if existing is None:
            merged[name] = (key_node, value)
            return
        old_key, old_value = existing
        if isinstance(old_value, Mapping) and isinstance(value, Mapping):
            combined = Mapping(old_value.line, old_value.column)
            combined.entries.update(old_value.entries)
            for inner_name, (inner_key, inner_value) in value.entries.items():
                self.merge_into(combined.entries, inner_name, inner_key, inner_value, (*path, name))
            merged[name] = (old_key, combined)
            return
        first, second = sorted((old_key, key_node), key=lambda k: (k.line, k.column))
        full = canonical_key((*path, name))
        self.diag(
            "config.duplicate-key",
            f"'{full}' is set at lines {first.line} and {second.line}; line {second.line} wins",
            second,
            key=full,
        )
        merged[name] = (key_node, value) if key_node is second else existing

    def unknown(self, name: str, key_node: Scalar, props: dict[str, ks.Schema], path: Path) -> None:
        suggestion = did_you_mean(name, props, top=not path)
        full = dotted((*path, name))
        if suggestion:
            message = f"unknown key '{full}'; did you mean '{suggestion}'?"
            hint = f"rename it to '{suggestion}'"
        else:
            message = f"unknown key '{full}' is ignored"
            hint = None
        self.result.diagnostics.append(
            make(
                "config.unknown-key",
                message,
                file=self.file,
                line=key_node.line,
                column=key_node.column,
                key=full,
                hint=hint,
            )
        )


def _fold(name: str) -> str:
    return name.casefold().replace("_", "-")


def did_you_mean(name: str, props: dict[str, ks.Schema], *, top: bool) -> str | None:
    """§8.4: close matches among the keys valid here; at top level also nested leaf names."""
    candidates: dict[str, str] = {_fold(k): k for k in props}
    if top:
        for path, _sub in ks.walk():
            if len(path) > 1:
                candidates.setdefault(_fold(path[-1]), ".".join(path))
    folded = _fold(name)
    if folded in candidates and candidates[folded] != name:
        return candidates[folded]
    close = difflib.get_close_matches(folded, list(candidates), n=3, cutoff=0.75)
    return candidates[close[0]] if close else None


def describe(schema: ks.Schema) -> str:
    """What a value of ``schema`` must look like, for messages: "true or false"."""
    allowed = ks.kinds(schema)
    words: list[str] = []
    if schema.get(ks.OVERRIDES):
        return "an integer or `N (type: M, …)`"
    order = ("boolean", "integer", "number", "string", "array", "object", "null")
    for kind in order:
        if kind not in allowed:
            continue
        if kind == "integer" and "number" in allowed:
            continue
        if kind == "string" and ks.enum_strings(schema):
            words.append(_or(ks.enum_strings(schema)))
            continue
        if kind == "string" and schema.get("minLength", 0) >= 1:
            words.append("a non-empty string")
            continue
        words.append(
            {
                "boolean": "true or false",
                "integer": "an integer",
                "number": "a number",
                "string": "a string",
                "array": "a list",
                "object": "a mapping",
                "null": "null",
            }[kind]
        )
    return _or(words) if words else "a valid value"


def _or(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def type_tree(root: Node | None, file: str) -> Typed:
    """Stage T over the whole section; aliases are moved to their canonical keys."""
    result = Typed()
    typer = _Typer(file, result)
    if root is None:
        return result
    if isinstance(root, Scalar) and root.value is None:
        return result
    if not isinstance(root, Mapping):
        typer.diag(
            "config.not-a-mapping",
            "the Session Config section is not a list of 'key: value' lines",
            root,
        )
        return result
    result.doc = typer.mapping(root, ks.root(), ())
    move_aliases(result, typer)
    return result


def type_satellite(root: Node | None, file: str, key: str) -> Typed:
    """§3.7: only ``key`` is taken from a satellite section; other keys are reported."""
    result = Typed()
    typer = _Typer(file, result)
    if not isinstance(root, Mapping):
        return result
    kept = Mapping(root.line, root.column)
    for name, entry in root.entries.items():
        if name == key:
            kept.entries[name] = entry
        else:
            typer.diag(
                "config.key-outside-section",
                f"'{name}' in the '## {key.replace('-', ' ').title()}' section is not read; "
                f"only {key} is",
                entry[0],
                key=name,
            )
    result.doc = typer.mapping(kept, ks.root(), ())
    return result


# -- T10 aliases ----------------------------------------------------------------------------


def move_aliases(result: Typed, typer: _Typer) -> None:
    _move(result, typer, result.doc, ks.root(), (), announced=False)


def _move(
    result: Typed,
    typer: _Typer,
    doc: dict[str, Any],
    schema: ks.Schema,
    path: Path,
    *,
    announced: bool,
) -> None:
    props = ks.properties(schema)
    for name in list(doc):
        sub = props.get(name)
        if sub is None:
            continue
        here: Path = (*path, name)
        target = sub.get(ks.ALIAS)
        children_alias = any(ks.ALIAS in s for s in ks.properties(sub).values())
        if isinstance(doc[name], dict) and children_alias:
            # A block alias (events-rotation) is announced once; a deprecated container of
            # aliases (sessionkit.*) lets each of its keys announce itself.
            announce = target is not None
            if announce and not announced:
                _announce(typer, result, here, sub, target)
            _move(result, typer, doc[name], sub, here, announced=announced or announce)
            if sub.get("deprecated") is True or target is not None:
                leftovers = doc.pop(name)
                if leftovers:  # sub-keys without an alias target (none today): keep them reported
                    typer.diag(
                        "config.unknown-key",
                        f"'{dotted(here)}' keys {sorted(leftovers)} have no canonical place",
                        result.key_marks.get(here),
                        key=dotted(here),
                    )
            continue
        if target is None:
            if isinstance(doc[name], dict):
                _move(result, typer, doc[name], sub, here, announced=announced)
            continue
        value = doc.pop(name)
        dest = tuple(target.split("."))
        if not announced:
            _announce(typer, result, here, sub, target)
        if _has(result.doc, dest):
            typer.diag(
                "config.alias-conflict",
                f"both '{dotted(here)}' and '{target}' are set; '{target}' wins",
                result.key_marks.get(here),
                key=dotted(here),
                expected=target,
            )
            _drop_marks(result, here)
            continue
        _set(result.doc, dest, value)
        _rename_marks(result, here, dest)


def _announce(typer: _Typer, result: Typed, here: Path, sub: ks.Schema, target: str | None) -> None:
    at = result.key_marks.get(here)
    name = dotted(here)
    if sub.get(ks.DEPRECATED):
        use = sub[ks.DEPRECATED].get("use", target)
        typer.diag(
            "config.deprecated-key",
            f"'{name}' is deprecated; use '{use}'",
            at,
            key=name,
            expected=f"'{use}'",
        )
    elif sub.get(ks.LEGACY_SHAPE):
        typer.diag(
            "config.legacy-shape",
            f"top-level '{name}' is read as '{target}' (the prior art's flat form)",
            at,
            key=name,
        )
    else:
        destination = target or "its canonical key"
        typer.diag(
            "config.alias",
            f"'{name}' is an alias of '{destination}'",
            at,
            key=name,
            expected=f"'{destination}'",
        )


def _has(doc: dict[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = doc
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _set(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = doc
    for part in path[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[path[-1]] = value


def _rename_marks(result: Typed, old: Path, new: Path) -> None:
    for marks in (result.key_marks, result.value_marks):
        for path in [p for p in marks if p[: len(old)] == old]:
            marks[new + path[len(old) :]] = marks.pop(path)
        # intermediate parents of the destination point at the alias line too
        if new in marks:
            for depth in range(1, len(new)):
                marks.setdefault(new[:depth], marks[new])


def _drop_marks(result: Typed, old: Path) -> None:
    for marks in (result.key_marks, result.value_marks):
        for path in [p for p in marks if p[: len(old)] == old]:
            del marks[path]
