"""Generate the Session Config key registry, typed model and reference from the schema.

Reads ``schemas/session-config.schema.json`` (config.md §6) and writes:

- ``src/sessionkit/config/_keys.py``: ``SCHEMA_SHA256``, ``DEFAULTS``, ``KEYS``, ``ALIASES``,
  ``LOOSENING``, ``TOP_LEVEL``, ``BLOCK_KEYS`` (plain data; imports nothing);
- ``src/sessionkit/config/_model.py``: one frozen value class per schema object (§9.2),
  standard library only at run time;
- ``docs/config-reference.md``: the reference (§13), including the rule table of
  ``src/sessionkit/config/diagnostics.py`` when that module defines ``RULES``.

Usage: ``python tools/gen_config.py`` writes the files; ``--check`` exits 1 when any of them
is stale. The output is deterministic (schema order, LF, no timestamps) and is passed through
``ruff format`` so that it is committed exactly as the formatter would leave it.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import importlib.util
import json
import keyword
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join("schemas", "session-config.schema.json")
KEYS_FILE = os.path.join("src", "sessionkit", "config", "_keys.py")
MODEL_FILE = os.path.join("src", "sessionkit", "config", "_model.py")
DOCS_FILE = os.path.join("docs", "config-reference.md")
DIAGNOSTICS_FILE = os.path.join("src", "sessionkit", "config", "diagnostics.py")
FIX = "python tools/gen_config.py"

# config.md §6.1: the only schema keywords the typing stage has to understand.
ALLOWED_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "uniqueItems",
        "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
        "anyOf", "oneOf", "$defs", "$ref", "default", "description", "examples", "deprecated",
        "title", "$schema", "$id",
    }
)  # fmt: skip
X = "x-sessionkit-"
ANNOTATIONS = (
    "group", "consumer", "loosening", "alias-of", "deprecated", "legacy-values", "legacy-shape",
    "none-is-null", "session-overrides", "executes", "trim", "prior-art", "list-form",
)  # fmt: skip
GROUPS = {
    "structure": "Session structure",
    "vcs": "VCS and infrastructure",
    "quality": "Quality",
    "discovery": "Discovery",
    "learning": "Persistence and learning",
    "safety": "Enforcement and safety",
    "planning": "Planning",
    "environment": "Environment awareness",
    "blocks": "Nested blocks of the prior art",
    "prior-art": "Prior-art keys outside its parser output",
    "hooks": "Agent hooks",
    "metrics": "Metrics, learnings and STATE.md",
    "snapshots": "Snapshots, worktrees and audit",
}
CONSUMERS = ("guard", "agent-hooks", "gates", "metrics", "snapshots", "orchestration", "none")
LIST_FORMS = ("flow", "block")
# Classes of list-of-record items get a singular name (config.md §9.2), not the path.
ITEM_CLASS_NAMES = {
    "custom-phases[]": "CustomPhase",
    "evolve.extra-sources[]": "ExtraSource",
    "protected-paths.add[]": "ProtectedEntry",
    "protected-paths.relax[]": "ProtectedRelax",
}
CONSTRAINT_KEYWORDS = (
    "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
)  # fmt: skip


class SchemaError(Exception):
    """The schema breaks a rule of config.md §6.1; the message lists every problem."""


# --------------------------------------------------------------------------- schema walking


def resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """``node`` with a local ``$ref`` replaced by its target (sibling keywords win)."""
    ref = node.get("$ref")
    if ref is None:
        return dict(node)
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise SchemaError(f"only local $ref is supported, got {ref!r}")
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    merged = resolve(target, root)
    merged.update({k: v for k, v in node.items() if k != "$ref"})
    return merged


def types_of(node: Mapping[str, Any]) -> list[str]:
    """JSON types a schema node admits (from ``type``, ``enum``/``const`` or its branches)."""
    declared = node.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return list(declared)
    for branch_key in ("oneOf", "anyOf"):
        if branch_key in node:
            found: list[str] = []
            for branch in node[branch_key]:
                for t in types_of(branch):
                    if t not in found:
                        found.append(t)
            return found
    values = node.get("enum", [node["const"]] if "const" in node else [])
    found = []
    for value in values:
        t = json_type(value)
        if t not in found:
            found.append(t)
    return found


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_map(node: Mapping[str, Any]) -> bool:
    return isinstance(node.get("additionalProperties"), dict)


def is_record(node: Mapping[str, Any]) -> bool:
    return "object" in types_of(node) and "properties" in node and not is_map(node)


def object_branch(node: Mapping[str, Any]) -> dict[str, Any] | None:
    """The record branch of a ``oneOf`` such as ``agents-per-wave`` (an int or a mapping)."""
    for branch in node.get("oneOf", []):
        if is_record(branch):
            return dict(branch)
    return None


def alias_only(node: Mapping[str, Any]) -> bool:
    """An alias, or a container whose every property is an alias (``sessionkit``)."""
    if X + "alias-of" in node:
        return True
    props: Mapping[str, Any] = node.get("properties") or {}
    return bool(props) and not node.get("oneOf") and all(alias_only(p) for p in props.values())


def iter_properties(
    node: Mapping[str, Any], root: Mapping[str, Any], path: str = ""
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every named property as ``(dotted path, resolved schema, parent schema)``, depth first.

    Item fields of lists of records are named ``list[].field``; the properties of the record
    branch of a ``oneOf`` are named as children of the key.
    """
    for name, child in (node.get("properties") or {}).items():
        resolved = resolve(child, root)
        dotted = f"{path}.{name}" if path else name
        yield dotted, resolved, dict(node)
        yield from iter_children(dotted, resolved, root)


def iter_children(
    dotted: str, node: Mapping[str, Any], root: Mapping[str, Any]
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    if "properties" in node:
        yield from iter_properties(node, root, dotted)
    branch = object_branch(node)
    if branch is not None:
        yield from iter_properties(branch, root, dotted)
    items = node.get("items")
    if isinstance(items, dict):
        items = resolve(items, root)
        if is_record(items):
            yield from iter_properties(items, root, dotted + "[]")


# --------------------------------------------------------------------------- checks


def check_schema(schema: Mapping[str, Any]) -> list[str]:
    """Every violation of config.md §6.1 and §13 (empty when the schema is acceptable)."""
    problems: list[str] = []
    _check_keywords(schema, "#", problems)
    for dotted, node, parent in iter_properties(schema, schema):
        problems.extend(_check_property(dotted, node, parent))
    return problems


def _check_keywords(node: Any, where: str, problems: list[str]) -> None:
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key.startswith(X):
            if key[len(X) :] not in ANNOTATIONS:
                problems.append(f"{where}: unknown annotation {key!r}")
            continue
        if key not in ALLOWED_KEYWORDS:
            problems.append(f"{where}: keyword {key!r} is not allowed (config.md §6.1)")
            continue
        if key in ("properties", "patternProperties", "$defs"):
            for name, sub in value.items():
                _check_keywords(sub, f"{where}/{key}/{name}", problems)
        elif key in ("items", "additionalProperties", "propertyNames") and isinstance(value, dict):
            _check_keywords(value, f"{where}/{key}", problems)
        elif key in ("anyOf", "oneOf"):
            for i, sub in enumerate(value):
                _check_keywords(sub, f"{where}/{key}/{i}", problems)
    if node.get("type") == "object" or "object" in (node.get("type") or []):
        if "additionalProperties" not in node:
            problems.append(f"{where}: object without additionalProperties")
        if node.get("patternProperties") != {"^x-": {}}:
            problems.append(f"{where}: object without patternProperties {{'^x-': {{}}}}")


def _check_property(dotted: str, node: Mapping[str, Any], parent: Mapping[str, Any]) -> list[str]:
    problems = []
    if not node.get("description"):
        problems.append(f"{dotted}: missing description")
    for annotation in ("group", "consumer"):
        if X + annotation not in node:
            problems.append(f"{dotted}: missing {X}{annotation}")
    group = node.get(X + "group")
    if group is not None and group not in GROUPS:
        problems.append(f"{dotted}: unknown group {group!r}")
    consumer = node.get(X + "consumer")
    if consumer is not None and consumer not in CONSUMERS:
        problems.append(f"{dotted}: unknown consumer {consumer!r}")
    form = node.get(X + "list-form")
    if form is not None and form not in LIST_FORMS:
        problems.append(f"{dotted}: unknown list form {form!r}")
    problems.extend(f"{dotted}: {p}" for p in _annotation_problems(node))
    name = dotted.rsplit(".", 1)[-1]
    absent_ok = (
        alias_only(node)
        or name in (parent.get("required") or [])
        or "null" in types_of(node)
        or "default" not in parent  # a field of a record item or of a union branch
    )
    if "default" not in node and not absent_ok:
        problems.append(f"{dotted}: missing default")
    return problems


FLAGS = ("none-is-null", "session-overrides", "executes", "trim")


def _annotation_problems(node: Mapping[str, Any]) -> list[str]:
    """Shape problems of the annotations the typing stage and the docs rely on."""
    problems = []
    for flag in FLAGS:
        if X + flag in node and node[X + flag] is not True:
            problems.append(f"{X}{flag} must be true when present")
    allowed = node.get("enum")
    loosening = node.get(X + "loosening")
    if loosening is not None:
        problems.extend(_loosening_problems(loosening, allowed))
    legacy = node.get(X + "legacy-values")
    if legacy is not None:
        if not isinstance(legacy, dict) or not legacy:
            problems.append(f"{X}legacy-values must be a non-empty object")
        elif allowed is not None:
            problems.extend(
                f"legacy value {old!r} maps to {new!r}, which is not in the enum"
                for old, new in legacy.items()
                if new not in allowed
            )
    deprecated = node.get(X + "deprecated")
    if deprecated is not None and (
        not isinstance(deprecated, dict) or set(deprecated) != {"use", "since"}
    ):
        problems.append(f'{X}deprecated must be {{"use": key, "since": version}}')
    prior = node.get(X + "prior-art")
    if prior is not None and (
        not isinstance(prior, dict)
        or not isinstance(prior.get("key"), str)
        or "default" not in prior
    ):
        problems.append(f'{X}prior-art must be {{"key": name, "default": value}}')
    return problems


def _loosening_problems(rule: Any, allowed: list[Any] | None) -> list[str]:
    if not isinstance(rule, dict):
        return [f"{X}loosening must be an object"]
    if "per-entry" in rule:
        keys = rule.get("keys")
        if not isinstance(keys, list) or not keys:
            return [f"{X}loosening per-entry needs a non-empty list of keys"]
        return _loosening_problems(rule["per-entry"], None)
    if "set" in rule:
        if rule["set"] not in ("union", "intersection"):
            return [f"{X}loosening set must be union or intersection, not {rule['set']!r}"]
        return []
    order = rule.get("order")
    if not isinstance(order, list) or len(order) < 2:
        return [f"{X}loosening needs an order of at least two values, or a set rule"]
    if allowed is not None:
        return [f"loosening value {v!r} is not in the enum" for v in order if v not in allowed]
    return []


# --------------------------------------------------------------------------- key registry


def snake(name: str) -> str:
    attr = name.replace("-", "_").replace(".", "_")
    return attr + "_" if keyword.iskeyword(attr) else attr


def spec_of(node: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """The constraint data of a schema node, as plain JSON-like data for the typing stage."""
    node = resolve(node, root)
    types = types_of(node)
    # A branch such as {"pattern": ...} inside a string-typed anyOf names no type of its own.
    spec: dict[str, Any] = {"type": types} if types else {}
    for key in CONSTRAINT_KEYWORDS:
        if key in node:
            spec[key] = copy.deepcopy(node[key])
    if "default" in node:
        spec["default"] = copy.deepcopy(node["default"])
    items = node.get("items")
    if isinstance(items, dict):
        spec["items"] = spec_of(items, root)
    if "properties" in node:
        spec["properties"] = {k: spec_of(v, root) for k, v in node["properties"].items()}
        spec["required"] = list(node.get("required", []))
    if is_map(node):
        spec["values"] = spec_of(node["additionalProperties"], root)
    if isinstance(node.get("propertyNames"), dict):
        spec["propertyNames"] = spec_of(node["propertyNames"], root)
    for branch_key, out_key in (("oneOf", "one_of"), ("anyOf", "any_of")):
        if branch_key in node:
            spec[out_key] = [spec_of(b, root) for b in node[branch_key]]
    return spec


def kind_of(node: Mapping[str, Any]) -> str:
    if object_branch(node) is not None or (
        "oneOf" in node and len(types_of(node)) > 1 and "items" not in node
    ):
        return "union"
    if is_map(node):
        return "map"
    types = types_of(node)
    if "object" in types:
        return "object"
    if "array" in types:
        return "array"
    return "scalar"


def key_entry(dotted: str, node: dict[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": kind_of(node), "attr": snake(dotted.rsplit(".", 1)[-1])}
    entry.update(spec_of(node, root))
    if "properties" in node:
        entry["properties"] = list(node["properties"])
    if entry["kind"] == "map":
        names = node.get("propertyNames") or {}
        for alternative in [names, *names.get("anyOf", [])]:
            if "enum" in alternative:
                entry["key_enum"] = list(alternative["enum"])
    if alias_only(node):
        entry["alias_only"] = True
    for annotation in ANNOTATIONS:
        if X + annotation in node:
            entry[annotation.replace("-", "_")] = copy.deepcopy(node[X + annotation])
    entry["description"] = node["description"]
    return entry


class Registry:
    """What ``_keys.py`` holds, computed from the schema."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.keys: dict[str, dict[str, Any]] = {}
        self.aliases: dict[str, str] = {}
        self.loosening: dict[str, Any] = {}
        for dotted, node, _parent in iter_properties(schema, schema):
            self.keys[dotted] = key_entry(dotted, node, schema)
        for dotted, entry in self.keys.items():
            self._note_alias(dotted, entry)
            self._note_loosening(dotted, entry)
        props = schema["properties"]
        self.top_level = tuple(props)
        self.block_keys = frozenset(
            k
            for k, entry in self.keys.items()
            if "." not in k and entry["kind"] in ("object", "map")
        )
        resolved = {k: resolve(v, schema) for k, v in props.items()}
        self.defaults = {
            k: copy.deepcopy(v["default"]) for k, v in resolved.items() if "default" in v
        }

    def _note_alias(self, dotted: str, entry: Mapping[str, Any]) -> None:
        target = entry.get("alias_of")
        if target is None:
            return
        if target not in self.keys:
            raise SchemaError(f"{dotted}: alias target {target!r} is not a key")
        self.aliases[dotted] = target

    def _note_loosening(self, dotted: str, entry: Mapping[str, Any]) -> None:
        rule = entry.get("loosening")
        if rule is None:
            return
        if "per-entry" in rule:
            for name in rule["keys"]:
                self.loosening[f"{dotted}.{name}"] = copy.deepcopy(rule["per-entry"])
        else:
            self.loosening[dotted] = copy.deepcopy(rule)


# --------------------------------------------------------------------------- Python literals


class _Raw(str):
    """Source text that ``py`` writes as it is."""


def py(value: Any) -> str:
    """Python source of a JSON-like value (double quotes, as ruff format writes them)."""
    if isinstance(value, _Raw):
        return str(value)
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(py(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(py(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py(k)}: {py(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def frozen_py(value: Any) -> str:
    """Python source of the frozen form of a JSON value: lists as tuples, maps as FrozenMap."""
    if isinstance(value, list):
        return py(tuple(_Raw(frozen_py(v)) for v in value))
    if isinstance(value, dict):
        if not value:
            return "_EMPTY_MAP"
        return (
            "FrozenMap({" + ", ".join(f"{py(k)}: {frozen_py(v)}" for k, v in value.items()) + "})"
        )
    return py(value)


HEADER = (
    "# GENERATED by tools/gen_config.py from schemas/session-config.schema.json; do not edit.\n"
)


def schema_digest(schema_bytes: bytes) -> str:
    """First 16 hex digits of the schema file's SHA-256 (the cache's schema fingerprint)."""
    return hashlib.sha256(schema_bytes).hexdigest()[:16]


def render_keys(registry: Registry, schema_bytes: bytes) -> str:
    digest = schema_digest(schema_bytes)
    lines = [
        HEADER,
        '"""Session Config key registry (config.md §6, §9.5): plain data, imports nothing.',
        "",
        "``KEYS`` maps every dotted key of the schema (objects too; item fields of lists of",
        "records as ``list[].field``; aliases with ``alias_of``) to its ``kind`` (scalar, array,",
        "object, map, union), JSON ``type`` list, constraints, ``default`` (absent when the key",
        "has none) and ``x-sessionkit-*`` annotations in snake_case. An object entry lists its",
        "``properties`` by name (each has its own entry); item, value and branch specs inline",
        "theirs. ``DEFAULTS`` is the canonical default document. Treat everything as read-only.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "TYPE_CHECKING = False",
        "if TYPE_CHECKING:",
        "    from typing import Any",
        "",
        f"SCHEMA_SHA256: str = {py(digest)}",
        "",
        f"TOP_LEVEL: tuple[str, ...] = {py(registry.top_level)}",
        "",
        f"BLOCK_KEYS: frozenset[str] = frozenset({py(sorted(registry.block_keys))})",
        "",
        f"ALIASES: dict[str, str] = {py(registry.aliases)}",
        "",
        f"LOOSENING: dict[str, dict[str, Any]] = {py(registry.loosening)}",
        "",
        f"DEFAULTS: dict[str, Any] = {py(registry.defaults)}",
        "",
        f"KEYS: dict[str, dict[str, Any]] = {py(registry.keys)}",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- model plan


class Field:
    def __init__(
        self,
        attr: str,
        key: str,
        annotation: str,
        default_src: str | None,
        *,
        absent: bool,
        nested: str | None = None,
        nested_list: bool = False,
    ) -> None:
        self.attr = attr
        self.key = key
        self.annotation = annotation
        self.default_src = default_src  # None: required
        self.absent = absent  # omitted from to_json() when None
        self.nested = nested
        self.nested_list = nested_list
        self.description = ""


class ClassPlan:
    def __init__(self, name: str, path: str, description: str) -> None:
        self.name = name
        self.path = path
        self.description = description
        self.fields: list[Field] = []
        self.scalar_field: str | None = None


def pascal(path: str) -> str:
    if path in ITEM_CLASS_NAMES:
        return ITEM_CLASS_NAMES[path]
    words = path.replace("[]", "").replace(".", "-").split("-")
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def literal_annotation(values: list[Any]) -> str:
    parts: list[str] = []
    strings = [v for v in values if isinstance(v, str)]
    if any(isinstance(v, bool) for v in values):
        parts.append("bool")
    if any(isinstance(v, int) and not isinstance(v, bool) for v in values):
        parts.append("int")
    if strings:
        parts.append("Literal[" + ", ".join(json.dumps(s) for s in strings) + "]")
    if None in values:
        parts.append("None")
    return " | ".join(parts)


SCALARS = {"boolean": "bool", "integer": "int", "number": "float", "string": "str", "null": "None"}


class ModelPlanner:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.classes: list[ClassPlan] = []  # leaves first, SessionConfig last
        self.constants: list[str] = []  # default instances of union classes
        root = ClassPlan("SessionConfig", "", "The typed Session Config (config.md §9.2).")
        self._fill(root, schema)
        self.classes.append(root)

    def _fill(self, plan: ClassPlan, node: Mapping[str, Any]) -> None:
        required = node.get("required") or []
        for name, child in (node.get("properties") or {}).items():
            child = resolve(child, self.schema)
            if alias_only(child):
                continue
            path = f"{plan.path}.{name}" if plan.path else name
            if snake(name) in reserved_names(plan):
                raise SchemaError(f"{path}: the attribute {snake(name)!r} is a method of the model")
            plan.fields.append(self._field(path, name, child, required=name in required))

    def _field(self, path: str, name: str, node: dict[str, Any], *, required: bool) -> Field:
        types = types_of(node)
        nullable = "null" in types
        has_default = "default" in node
        default = node.get("default")
        nested: str | None = None
        nested_list = False
        branch = object_branch(node)
        if branch is not None:
            nested = self._union_class(path, node, branch)
            annotation = nested
            if has_default:
                self.constants.append(
                    f"_D_{nested} = {nested}({branch_scalar(branch)}={py(default)})"
                )
                default_src = f"_D_{nested}"
            else:
                default_src = None
        elif is_record(node):
            nested = self._class(path, node)
            annotation = nested + (" | None" if nullable else "")
            default_src = self._object_default(nested, node) if has_default else None
        elif (
            "array" in types
            and isinstance(node.get("items"), dict)
            and is_record(resolve(node["items"], self.schema))
        ):
            nested = self._class(path + "[]", resolve(node["items"], self.schema))
            nested_list = True
            annotation = f"tuple[{nested}, ...]" + (" | None" if nullable else "")
            default_src = frozen_py(default) if has_default else None
        else:
            annotation = self._annotation(node)
            default_src = frozen_py(default) if has_default else None
        absent = not has_default and not required
        if absent:
            default_src = "None"
            if not annotation.endswith("| None"):
                annotation += " | None"
        field = Field(
            snake(name), name, annotation, default_src, absent=absent, nested=nested,
            nested_list=nested_list,
        )  # fmt: skip
        field.description = str(node.get("description", ""))
        return field

    def _annotation(self, node: Mapping[str, Any]) -> str:
        node = resolve(node, self.schema)
        if "enum" in node:
            return literal_annotation(node["enum"])
        if "oneOf" in node or "anyOf" in node:
            alternatives: list[Any] = node.get("oneOf") or node.get("anyOf") or []
            if "type" in node and all("type" not in a for a in alternatives):
                return self._typed(node)
            parts: list[str] = []
            for alternative in alternatives:
                part = self._annotation(alternative)
                if part not in parts:
                    parts.append(part)
            return " | ".join(parts)
        return self._typed(node)

    def _typed(self, node: Mapping[str, Any]) -> str:
        parts = []
        for t in types_of(node):
            if t == "array":
                items = node.get("items")
                inner = self._annotation(items) if isinstance(items, dict) else "object"
                parts.append(f"tuple[{inner}, ...]")
            elif t == "object":
                parts.append("FrozenMap")
            else:
                parts.append(SCALARS[t])
        if "None" in parts:  # None last, as people write it
            parts = [p for p in parts if p != "None"] + ["None"]
        return " | ".join(parts)

    def _class(self, path: str, node: Mapping[str, Any]) -> str:
        plan = ClassPlan(pascal(path), path, node.get("description", ""))
        self._fill(plan, node)
        self.classes.append(plan)
        return plan.name

    def _union_class(self, path: str, node: Mapping[str, Any], branch: Mapping[str, Any]) -> str:
        plan = ClassPlan(pascal(path), path, node.get("description", ""))
        self._fill(plan, branch)
        plan.scalar_field = snake(branch_scalar(branch))
        self.classes.append(plan)
        return plan.name

    def _object_default(self, class_name: str, node: Mapping[str, Any]) -> str:
        composed = self.composed_default(node)
        if composed != node["default"]:
            raise SchemaError(
                f"{class_name}: the object default {node['default']!r} differs from the defaults of "
                f"its properties {composed!r}"
            )
        return f"_D_{class_name}"

    def composed_default(self, node: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for name, child in (node.get("properties") or {}).items():
            child = resolve(child, self.schema)
            if alias_only(child) or "default" not in child:
                continue
            out[name] = child["default"]
        return out


# Names the generated classes define themselves; a key spelled like one cannot be a field.
RESERVED = frozenset({"FIELDS", "replace", "to_json", "from_json"})
RESERVED_BY_CLASS = {
    "SessionConfig": frozenset({"report", "get", "defaults", "with_report", "source_of", "digest"}),
    "AgentsPerWave": frozenset({"for_session"}),
    "PersonaGateWave": frozenset({"threshold_parsed"}),
}


def reserved_names(plan: ClassPlan) -> frozenset[str]:
    return RESERVED | RESERVED_BY_CLASS.get(plan.name, frozenset())


def branch_scalar(branch: Mapping[str, Any]) -> str:
    required = branch.get("required") or []
    if len(required) != 1:
        raise SchemaError("the record branch of a oneOf needs exactly one required property")
    return str(required[0])


# --------------------------------------------------------------------------- _model.py

MODEL_PRELUDE = '''\
"""Typed Session Config (config.md §9.2): frozen value classes generated from the schema.

Standard library only at run time (the hot path imports this module on a cache hit): no
``typing``, ``dataclasses`` or ``pathlib``; type-only names live behind ``TYPE_CHECKING``.
Lists are tuples and maps are ``FrozenMap``, so every value is hashable.
"""

from __future__ import annotations

from _collections_abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, ClassVar, Literal, TypeVar

    _V = TypeVar("_V", bound="_Value")

_set = object.__setattr__


class _Required:
    """Marker for a field without a default (a required field of a list item)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class FrozenMap(Mapping):  # type: ignore[type-arg]
    """A small hashable read-only mapping (string keys)."""

    __slots__ = ("_data", "_hash")

    _data: dict[str, Any]
    _hash: int | None

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        _set(self, "_data", dict(data) if data else {})
        _set(self, "_hash", None)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("FrozenMap is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("FrozenMap is read-only")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return bool(self._data == other._data)
        if isinstance(other, Mapping):
            return bool(self._data == dict(other))
        return NotImplemented

    def __hash__(self) -> int:
        cached: int | None = self._hash
        if cached is None:
            cached = hash(frozenset(self._data.items()))
            _set(self, "_hash", cached)
        return cached

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild through __init__ (attributes cannot be set).
        return (FrozenMap, (self._data,))

    def to_json(self) -> dict[str, Any]:
        return {k: _thaw(v) for k, v in self._data.items()}


_EMPTY_MAP = FrozenMap()
_DEFAULT_CONFIGS: dict[type, Any] = {}


# Exact type checks first: FrozenMap is an ABC, and isinstance() against it is slow.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _freeze(value: Any) -> Any:
    """JSON data in its frozen form: lists become tuples, objects become ``FrozenMap``."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return tuple([_freeze(v) for v in value])
    if kind is dict:
        return FrozenMap({k: _freeze(v) for k, v in value.items()})
    return value


def _thaw(value: Any) -> Any:
    """The JSON form of a frozen value."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple:
        return [_thaw(v) for v in value]
    if kind is FrozenMap or isinstance(value, _Value):
        return value.to_json()
    return value


def _sha256_hex(data: bytes) -> str:
    """SHA-256 from CPython's built-in module: importing hashlib loads OpenSSL (milliseconds)."""
    for name in ("_sha2", "_sha256"):  # CPython >= 3.12, <= 3.11
        try:
            module = __import__(name)
        except ImportError:
            continue
        return str(module.sha256(data).hexdigest())
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _rebuild(cls: type[_V], values: dict[str, Any], report: Any = None) -> _V:
    value = cls(**values)
    if report is not None:
        _set(value, "report", report)
    return value


class _Value:
    """Dataclass semantics without ``dataclasses``: frozen, compared and hashed by fields."""

    __slots__ = ("_hash",)

    if TYPE_CHECKING:
        _hash: int

    FIELDS: ClassVar[tuple[tuple[str, str, Any], ...]] = ()
    # (attribute, JSON key) in schema order
    _KEYS: ClassVar[tuple[tuple[str, str], ...]] = ()
    # attribute -> (class, is a list of that class)
    _NESTED: ClassVar[dict[str, tuple[type[_Value], bool]]] = {}
    # attributes without a default: left out of to_json() while None
    _ABSENT: ClassVar[frozenset[str]] = frozenset()
    # a union key written as a scalar (agents-per-wave: 6) fills this field
    _SCALAR: ClassVar[str | None] = None
    # JSON key -> attribute
    _ATTRS: ClassVar[dict[str, str]] = {}

    def __init__(self, **values: Any) -> None:  # pragma: no cover - every class defines one
        raise TypeError(f"{type(self).__name__} takes keyword arguments for its fields")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: use replace() to change {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, attr) for attr, _ in self._KEYS])

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Value)
        return self._values() == other._values()

    def __hash__(self) -> int:
        # Computed once: the value can never change.
        try:
            cached: int = self._hash
        except AttributeError:
            cached = hash((type(self).__name__, self._values()))
            _set(self, "_hash", cached)
        return cached

    def __repr__(self) -> str:
        fields = ", ".join(f"{attr}={getattr(self, attr)!r}" for attr, _ in self._KEYS)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild through __init__ (attributes cannot be set).
        return (_rebuild, (type(self), {attr: getattr(self, attr) for attr, _ in self._KEYS}))

    def replace(self: _V, **changes: Any) -> _V:
        """A copy with ``changes`` applied (lists and dicts are frozen on the way in)."""
        known = {attr for attr, _ in self._KEYS}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {unknown[0]!r}")
        values = {attr: getattr(self, attr) for attr, _ in self._KEYS}
        values.update({k: v if isinstance(v, _Value) else _freeze(v) for k, v in changes.items()})
        return type(self)(**values)

    def to_json(self) -> Any:
        """The canonical kebab-case JSON form (valid against the schema)."""
        return self._json()

    def _json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        absent = self._ABSENT
        for attr, key in self._KEYS:
            value = getattr(self, attr)
            kind = type(value)
            if kind in _SCALARS:
                if value is None and attr in absent:
                    continue
                out[key] = value
            else:
                out[key] = _thaw(value)
        return out

    @classmethod
    def from_json(cls: type[_V], doc: Any) -> _V:
        """The value of a canonical, already valid JSON document; missing keys take defaults."""
        if cls._SCALAR is not None and not isinstance(doc, dict):
            return cls(**{cls._SCALAR: doc})
        nested = cls._NESTED
        attrs = cls._ATTRS
        values: dict[str, Any] = {}
        for key, value in doc.items():
            attr = attrs.get(key)
            if attr is None:  # an extension key (x-...) or a key this version does not know
                continue
            if attr in nested:
                item_class, is_list = nested[attr]
                if is_list:
                    value = tuple(item_class.from_json(v) for v in value)
                elif value is not None:
                    value = item_class.from_json(value)
            else:
                value = _freeze(value)
            values[attr] = value
        return cls(**values)
'''

EXTRAS: dict[str, str] = {
    "AgentsPerWave": '''
    def to_json(self) -> int | dict[str, Any]:
        """An integer when no session type has its own value, else the mapping."""
        if self.housekeeping is None and self.feature is None and self.deep is None:
            return self.default
        return self._json()

    def for_session(self, session_type: str) -> int:
        """Agents per wave for ``housekeeping``, ``feature`` or ``deep`` (else the default)."""
        if session_type in ("housekeeping", "feature", "deep"):
            value: int | None = getattr(self, session_type)
            if value is not None:
                return value
        return self.default
''',
    "PersonaGateWave": '''
    @property
    def threshold_parsed(self) -> dict[str, Any]:
        """``{"kind": "all"}``, ``{"kind": "any"}`` or ``{"kind": "m-of-n", "m": 4, "n": 6}``."""
        threshold = self.threshold
        if threshold in ("all", "any"):
            return {"kind": threshold}
        m, _, n = threshold.partition("-of-")
        return {"kind": "m-of-n", "m": int(m), "n": int(n)}
''',
    "Test": """
    __test__ = False  # not a pytest test class
""",
    "SessionConfig": '''
    @classmethod
    def defaults(cls) -> SessionConfig:
        """The configuration with every key at its default (one shared immutable instance)."""
        cached = _DEFAULT_CONFIGS.get(cls)
        if cached is None:
            cached = _DEFAULT_CONFIGS[cls] = cls()
        return cached

    def __reduce__(self) -> tuple[Any, ...]:
        values = {attr: getattr(self, attr) for attr, _ in self._KEYS}
        return (_rebuild, (type(self), values, self.report))

    def with_report(self, report: Any) -> SessionConfig:
        """A copy carrying ``report`` (a ``LoadReport``); the report never affects equality."""
        copy = self.replace()
        _set(copy, "report", report)
        return copy

    def replace(self, **changes: Any) -> SessionConfig:
        """A copy with ``changes`` applied; the load report is carried over."""
        copy = _Value.replace(self, **changes)
        _set(copy, "report", self.report)
        return copy

    def get(self, key: str) -> Any:
        """The value at a canonical dotted key or an alias (``"hooks.fail-mode"``)."""
        from sessionkit.config._keys import ALIASES

        canonical = ALIASES.get(key, key)
        value: Any = self
        for part in canonical.split("."):
            if isinstance(value, _Value):
                attr = value._ATTRS.get(part)
                if attr is None:
                    raise KeyError(key)
                value = getattr(value, attr)
            elif isinstance(value, FrozenMap) and part in value:
                value = value[part]
            else:
                raise KeyError(key)
        return value

    def source_of(self, key: str) -> Any:
        """Where ``key`` was set (a ``Source``), or None when its default applies."""
        if self.report is None:
            return None
        from sessionkit.config._keys import ALIASES

        return self.report.provenance.get(ALIASES.get(key, key))

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the canonical JSON, keys sorted: a cache and ``Guard`` key."""
        cached: str | None = self._digest
        if cached is None:
            import json

            text = json.dumps(
                self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
            cached = _sha256_hex(text.encode("utf-8"))
            _set(self, "_digest", cached)
        return cached
''',
}


def render_model(planner: ModelPlanner, schema_digest: str) -> str:
    # The cache check needs the schema digest on every hit: keep it here too, so that a hit
    # does not have to load the much larger key registry.
    prelude = MODEL_PRELUDE.replace(
        "_set = object.__setattr__\n",
        f"SCHEMA_SHA256 = {py(schema_digest)}  # same as _keys.SCHEMA_SHA256\n\n"
        "_set = object.__setattr__\n",
    )
    out = [HEADER, prelude]
    for plan in planner.classes:
        out.append(render_class(plan))
        for constant in planner.constants:
            if constant.startswith(f"_D_{plan.name} ="):
                out.append("\n\n" + constant)
    out.append("")
    return "\n".join(out)


def _typing_property(attr: str, annotation: str, description: str) -> list[str]:
    doc = description.replace("\\", "\\\\").replace('"""', "'''").strip() or attr
    return [
        "",
        "        @property",
        f"        def {attr}(self) -> {annotation}:",
        f'            """{doc}"""',
    ]


def render_class(plan: ClassPlan) -> str:
    is_root = plan.name == "SessionConfig"
    slots = [f.attr for f in plan.fields] + (["report", "_digest"] if is_root else [])
    doc = plan.description.replace('"""', "'''").split(". ")[0].rstrip(".")
    if plan.path.endswith("[]"):
        doc = f"One item of ``{plan.path[:-2]}``"
    elif plan.path:
        doc = f"``{plan.path}``: {doc}"
    lines = [
        "",
        "",
        f"class {plan.name}(_Value):",
        f'    """{doc}."""',
        "",
        f"    __slots__ = {py(tuple(sorted(slots)))}",
        "",
    ]
    # Read-only properties for the type checker only: mypy then rejects assignments, editors
    # show the key's description, and at run time the attributes stay plain slots.
    lines.append("    if TYPE_CHECKING:")
    for f in plan.fields:
        lines.extend(_typing_property(f.attr, f.annotation, f.description))
    if is_root:
        lines.extend(_typing_property("report", "Any", "The load report, or None."))
        lines.append("")
        lines.append("        _digest: str | None")
    lines.append("")
    fields_src = ", ".join(
        f"({py(f.attr)}, {py(f.annotation)}, {f.default_src if f.default_src is not None else 'REQUIRED'})"
        for f in plan.fields
    )
    lines.append(f"    FIELDS: ClassVar[tuple[tuple[str, str, Any], ...]] = ({fields_src},)")
    keys_src = ", ".join(f"({py(f.attr)}, {py(f.key)})" for f in plan.fields)
    lines.append(f"    _KEYS: ClassVar[tuple[tuple[str, str], ...]] = ({keys_src},)")
    attrs_src = ", ".join(f"{py(f.key)}: {py(f.attr)}" for f in plan.fields)
    lines.append(f"    _ATTRS: ClassVar[dict[str, str]] = {{{attrs_src}}}")
    nested = [f for f in plan.fields if f.nested]
    if nested:
        nested_src = ", ".join(f"{py(f.attr)}: ({f.nested}, {f.nested_list})" for f in nested)
        lines.append(
            f"    _NESTED: ClassVar[dict[str, tuple[type[_Value], bool]]] = {{{nested_src}}}"
        )
    absent = [f.attr for f in plan.fields if f.absent]
    if absent:
        lines.append(f"    _ABSENT: ClassVar[frozenset[str]] = frozenset({py(tuple(absent))})")
    if plan.scalar_field:
        lines.append(f"    _SCALAR: ClassVar[str | None] = {py(plan.scalar_field)}")
    lines.append("")
    params = ", ".join(
        f"{f.attr}: {f.annotation}" + (f" = {f.default_src}" if f.default_src is not None else "")
        for f in plan.fields
    )
    lines.append(f"    def __init__(self, *, {params}) -> None:")
    for f in plan.fields:
        lines.append(f"        _set(self, {py(f.attr)}, {f.attr})")
    if is_root:
        lines.append('        _set(self, "report", None)')
        lines.append('        _set(self, "_digest", None)')
    if plan.name not in ("AgentsPerWave",):
        lines.append("")
        lines.append("    def to_json(self) -> dict[str, Any]:")
        lines.append('        """The canonical kebab-case JSON form (valid against the schema)."""')
        lines.append("        return self._json()")
    if plan.name in EXTRAS:
        lines.append(EXTRAS[plan.name].rstrip("\n"))
    body = "\n".join(lines)
    default_instance = ""
    if (
        not is_root
        and all(f.default_src is not None for f in plan.fields)
        and plan.scalar_field is None
    ):
        default_instance = f"\n\n_D_{plan.name} = {plan.name}()"
    return body + default_instance


# --------------------------------------------------------------------------- docs


def load_rules(root: str) -> dict[str, Mapping[str, Any]] | None:
    """``RULES`` of diagnostics.py, loaded by path (the package may be half-written)."""
    path = os.path.join(root, DIAGNOSTICS_FILE)
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("_sessionkit_config_diagnostics", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:  # a half-written module must not break generation
        return None
    rules = getattr(module, "RULES", None)
    return rules if isinstance(rules, dict) else None


def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def code(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "`" + text.replace("`", "'") + "`"


def type_text(entry: Mapping[str, Any]) -> str:
    if entry["kind"] == "union":
        return " or ".join(type_text({**b, "kind": kind_of_spec(b)}) for b in entry["one_of"])
    types = [t for t in entry["type"] if t != "null"]
    text = "/".join(types) if types else "null"
    if "array" in types and "items" in entry:
        item = entry["items"]
        if "properties" in item:
            text = "list of records"
        elif "one_of" in item:
            text = "list of " + " or ".join(
                "record" if "properties" in b else "/".join(b["type"]) for b in item["one_of"]
            )
        else:
            text = "list of " + "/".join(item["type"] or ["any"])
    if entry["kind"] == "map":
        text = "map of " + "/".join(entry["values"]["type"])
    if "null" in entry["type"]:
        text += " or null"
    return text


def kind_of_spec(spec: Mapping[str, Any]) -> str:
    return "object" if "properties" in spec else "scalar"


def bounds_text(spec: Mapping[str, Any]) -> str:
    parts = []
    if "enum" in spec:
        parts.append(", ".join(code(v) for v in spec["enum"]))
    if "minimum" in spec and "maximum" in spec:
        parts.append(f"{spec['minimum']}–{spec['maximum']}")
    elif "minimum" in spec:
        parts.append(f"≥ {spec['minimum']}")
    elif "maximum" in spec:
        parts.append(f"≤ {spec['maximum']}")
    if "exclusiveMinimum" in spec:
        parts.append(f"> {spec['exclusiveMinimum']}")
    if "exclusiveMaximum" in spec:
        parts.append(f"< {spec['exclusiveMaximum']}")
    if "minLength" in spec:
        parts.append(f"length ≥ {spec['minLength']}")
    if "pattern" in spec:
        parts.append(f"pattern {code(spec['pattern'])}")
    if "minItems" in spec:
        parts.append(f"≥ {spec['minItems']} items")
    if spec.get("uniqueItems"):
        parts.append("unique")
    item = spec.get("items")
    if isinstance(item, dict) and "properties" not in item and "one_of" not in item:
        inner = bounds_text(item)
        if inner:
            parts.append(f"items: {inner}")
    for alternative in spec.get("one_of", []) + spec.get("any_of", []):
        inner = bounds_text(alternative)
        if inner:
            parts.append(inner)
    if isinstance(spec.get("values"), dict):
        inner = bounds_text(spec["values"])
        if inner:
            parts.append(f"values: {inner}")
    if "key_enum" in spec:
        parts.append("keys: " + ", ".join(code(v) for v in spec["key_enum"]))
    elif "propertyNames" in spec:
        inner = bounds_text(spec["propertyNames"])
        if inner:
            parts.append(f"keys: {inner}")
    return "; ".join(parts)


def loosening_text(rule: Mapping[str, Any] | None) -> str:
    if not rule:
        return ""
    if "order" in rule:
        text = " → ".join(code(v) if v is not None else "unset" for v in rule["order"])
        if "equivalent" in rule:
            text += " (" + " = ".join(
                code(v) if v is not None else "unset" for v in rule["equivalent"]
            )
            text += " equally strict)"
        return text
    if "set" in rule:
        return {"union": "union of both sides", "intersection": "intersection of both sides"}.get(
            rule["set"], str(rule["set"])
        )
    if "per-entry" in rule:
        return "per gate: " + loosening_text(rule["per-entry"])
    return json.dumps(rule)


def default_text(key: str, entry: Mapping[str, Any], keys: Mapping[str, Any]) -> str:
    if "default" not in entry:
        return "required" if is_required(key, keys) else "unset"
    if entry["kind"] == "object":
        return "(sub-keys)"
    return code(entry["default"])


def is_required(key: str, keys: Mapping[str, Any]) -> bool:
    """Whether ``key`` is a required field of its record (``custom-phases[].name``)."""
    parent, _, name = key.rpartition(".")
    if not parent:
        return False
    if parent.endswith("[]"):
        holder = keys[parent[:-2]].get("items", {})
    else:
        holder = keys[parent]
        for branch in holder.get("one_of", []):
            if "properties" in branch:
                holder = branch
    return name in (holder.get("required") or [])


INTRO = """\
# Session Config reference

<!-- GENERATED by tools/gen_config.py from schemas/session-config.schema.json; do not edit. -->

sessionkit reads its configuration from the `## Session Config` section of `CLAUDE.md` or
`AGENTS.md` at the repository root (`SESSIONKIT_CONFIG_FILE` names another file). The section
runs from that level-2 heading to the next level-1 or level-2 heading. `sessionkit config
validate` reports every problem with file and line; `sessionkit config show` prints the
effective values and where each came from.

## Accepted styles

One grammar reads every style the prior art accepted, and styles can be mixed in one section:

```markdown
## Session Config

- **agents-per-wave:** 6 (deep: 18)
- waves: 5
test-command: python -m pytest -q
vault-integration:
  enabled: true
  vault-dir: ~/vault
hooks.fail-mode: closed
discovery-probes: code, arch
```

| Style | Example |
|---|---|
| bold bullet | `- **waves:** 5` |
| plain bullet | `- waves: 5` |
| plain line | `waves: 5` |
| nested block (any indentation; a tab counts as 4 columns) | `vault-integration:` then `  enabled: true` |
| dotted key | `hooks.fail-mode: open` |
| flow collection | `agent-mapping: {impl: code-editor}`, `ssot-files: [a.md, b.md]` |
| comma list (list keys) | `discovery-probes: code, arch` |
| session-type overrides (`agents-per-wave` only) | `agents-per-wave: 6 (deep: 18)` |
| fenced YAML inside the section | a `` ```yaml `` block holding any of the above |

Unknown keys are reported with a did-you-mean suggestion; keys starting with `x-` are
extension keys and are ignored at every level.

The canonical style, written by `sessionkit config migrate`, is one fenced `yaml` block of plain
block-style YAML with two-space indentation and kebab-case keys:

````markdown
## Session Config

```yaml
agents-per-wave: {default: 6, deep: 18}
waves: 5
test-command: python -m pytest -q
hooks:
  fail-mode: closed
```
````

**Loosening keys** (marked below) take effect only once committed: the effective value is the
stricter of the working tree and `HEAD` (config.md §7).
"""


def render_docs(registry: Registry, rules: Mapping[str, Mapping[str, Any]] | None) -> str:
    out = [INTRO]
    canonical = {k: e for k, e in registry.keys.items() if not e.get("alias_only")}
    for group, title in GROUPS.items():
        rows = [(k, e) for k, e in canonical.items() if e.get("group") == group]
        if not rows:
            continue
        out.append(f"## {title}\n")
        out.append(
            "| Key | Type | Default | Allowed values and bounds | Loosening | Consumer "
            "| Prior-art key (default) |"
        )
        out.append("|---|---|---|---|---|---|---|")
        for key, entry in rows:
            prior = entry.get("prior_art")
            prior_text = f"{code(prior['key'])} ({code(prior['default'])})" if prior else "—"
            out.append(
                "| "
                + " | ".join(
                    cell(x)
                    for x in (
                        code(key),
                        type_text(entry),
                        default_text(key, entry, registry.keys),
                        bounds_text(entry),
                        loosening_text(entry.get("loosening")),
                        entry["consumer"],
                        prior_text,
                    )
                )
                + " |"
            )
        out.append("")
        for key, entry in rows:
            out.append(f"### `{key}`\n")
            out.append(entry["description"] + "\n")
            notes = key_notes(entry)
            if notes:
                out.append(notes + "\n")
            examples = registry_examples(registry.schema, key)
            if examples:
                out.append("Examples: " + ", ".join(code(e) for e in examples) + "\n")
    out.append("## Aliases\n")
    out.append(
        "Prior-art spellings are accepted and moved to the canonical key (info `config.alias`;"
    )
    out.append(
        "deprecated ones are warning `config.deprecated-key`). If both are set, the canonical"
    )
    out.append("key wins. `sessionkit config migrate --canonical-keys` renames them.\n")
    out.append("| Alias | Canonical key | Note |")
    out.append("|---|---|---|")
    for alias, target in registry.aliases.items():
        entry = registry.keys[alias]
        note = []
        if entry.get("deprecated"):
            note.append(f"deprecated since {entry['deprecated'].get('since', '?')}")
        if entry.get("legacy_shape"):
            note.append(f"shape fix `{entry['legacy_shape']}`")
        out.append(f"| {code(alias)} | {code(target)} | {cell(', '.join(note))} |")
    out.append("")
    out.append("## Loosening keys\n")
    out.append("Order from loosest to strictest; sets merge as stated (config.md §7.2).\n")
    out.append("| Key | Rule |")
    out.append("|---|---|")
    for key, rule in registry.loosening.items():
        out.append(f"| {code(key)} | {cell(loosening_text(rule))} |")
    out.append("")
    if rules:
        out.append("## Diagnostics\n")
        out.append("Every diagnostic has a stable rule id (config.md §8.3). Rules of category")
        out.append("`env` make the CLI exit 3 instead of 1.\n")
        out.append("| Rule | Severity | Category | Hint |")
        out.append("|---|---|---|---|")
        for rule_id, rule in rules.items():
            out.append(
                f"| `{rule_id}` | {cell(rule.get('severity', ''))} | {cell(rule.get('category', ''))} "
                f"| {cell(rule.get('hint', ''))} |"
            )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def key_notes(entry: Mapping[str, Any]) -> str:
    notes = []
    if entry.get("legacy_values"):
        spelled = ", ".join(f"{code(k)} → {code(v)}" for k, v in entry["legacy_values"].items())
        notes.append(f"Legacy values: {spelled}.")
    if entry.get("none_is_null"):
        notes.append('`none` and `""` mean null.')
    if entry.get("session_overrides"):
        notes.append(
            "Accepts the override syntax `N (type: M, …)` for `housekeeping`, `feature`, `deep`."
        )
    if entry.get("executes"):
        notes.append(
            "The value is a command that a consumer runs; it is read only from committed files."
        )
    if entry.get("trim"):
        notes.append("Surrounding whitespace is removed.")
    if entry.get("legacy_shape"):
        notes.append(f"Prior-art shape accepted: `{entry['legacy_shape']}`.")
    if entry.get("list_form"):
        notes.append(f"`config migrate` writes this list in {entry['list_form']} form.")
    return " ".join(notes)


def registry_examples(schema: Mapping[str, Any], key: str) -> list[Any]:
    for dotted, node, _parent in iter_properties(schema, schema):
        if dotted == key:
            return list(node.get("examples", []))
    return []


# --------------------------------------------------------------------------- driver


def ruff_format(text: str, filename: str, root: str) -> str:
    """``text`` as ``ruff format`` leaves it (the committed form)."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", filename, "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    if result.returncode != 0:
        raise SchemaError(f"ruff format failed on {filename}: {result.stderr.strip()}")
    return result.stdout


def generate(root: str = ROOT) -> dict[str, str]:
    """The three generated files, relative path -> text, computed in memory."""
    with open(os.path.join(root, SCHEMA), "rb") as f:
        schema_bytes = f.read()
    schema = json.loads(schema_bytes)
    problems = check_schema(schema)
    if problems:
        raise SchemaError("\n".join(problems))
    registry = Registry(schema)
    planner = ModelPlanner(schema)
    return {
        KEYS_FILE: ruff_format(render_keys(registry, schema_bytes), KEYS_FILE, root),
        MODEL_FILE: ruff_format(
            render_model(planner, schema_digest(schema_bytes)), MODEL_FILE, root
        ),
        DOCS_FILE: render_docs(registry, load_rules(root)),
    }


def stale_files(outputs: Mapping[str, str], root: str = ROOT) -> list[str]:
    stale = []
    for rel, text in outputs.items():
        try:
            with open(os.path.join(root, rel), encoding="utf-8", newline="") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            stale.append(rel)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a generated file is stale"
    )
    args = parser.parse_args(argv)
    try:
        outputs = generate()
    except SchemaError as exc:
        print(f"gen_config: the schema is not acceptable:\n{exc}", file=sys.stderr)
        return 1
    stale = stale_files(outputs)
    if args.check:
        if stale:
            print(f"gen_config: stale: {', '.join(stale)}; run `{FIX}`", file=sys.stderr)
            return 1
        return 0
    for rel in stale:
        path = os.path.join(ROOT, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(outputs[rel])
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
