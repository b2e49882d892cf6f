"""Questions the pipeline asks of ``schemas/session-config.schema.json``.

The typing and validation stages walk the schema itself (the single declaration of every key),
so they can never disagree with it. Only imported on a cache miss.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from typing import Any

from sessionkit.schemas import load_schema

Schema = dict[str, Any]
JSON_KINDS = ("null", "boolean", "integer", "number", "string", "array", "object")

ALIAS = "x-sessionkit-alias-of"
DEPRECATED = "x-sessionkit-deprecated"
LEGACY_VALUES = "x-sessionkit-legacy-values"
LEGACY_SHAPE = "x-sessionkit-legacy-shape"
NONE_IS_NULL = "x-sessionkit-none-is-null"
OVERRIDES = "x-sessionkit-session-overrides"
EXECUTES = "x-sessionkit-executes"
TRIM = "x-sessionkit-trim"
LOOSENING = "x-sessionkit-loosening"


def root() -> Schema:
    return load_schema("session-config")


def _kind_of(value: object) -> str:
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


_KINDS: dict[int, tuple[Schema, frozenset[str]]] = {}


def kinds(schema: Schema) -> frozenset[str]:
    """The JSON types a value of ``schema`` may have (memoised: the schema never changes)."""
    cached = _KINDS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    result = _kinds(schema)
    _KINDS[id(schema)] = (schema, result)
    return result


def _kinds(schema: Schema) -> frozenset[str]:
    found: set[str] = set()
    declared = schema.get("type")
    if isinstance(declared, str):
        found.add(declared)
    elif isinstance(declared, list):
        found.update(declared)
    if "enum" in schema and not declared:
        found.update(_kind_of(v) for v in schema["enum"])
    if "const" in schema and not declared:
        found.add(_kind_of(schema["const"]))
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        if not declared:
            found.update(kinds(branch))
    if "properties" in schema and not found:
        found.add("object")
    return frozenset(found)


def accepts(schema: Schema, value: object) -> bool:
    """Whether ``value``'s JSON type is one ``schema`` allows (ints count as numbers)."""
    kind = _kind_of(value)
    allowed = kinds(schema)
    return kind in allowed or (kind == "integer" and "number" in allowed)


def object_branch(schema: Schema) -> Schema | None:
    """The part of ``schema`` describing an object (itself, or an object branch of oneOf)."""
    if "properties" in schema or "additionalProperties" in schema:
        return schema
    branches: list[Schema] = schema.get("oneOf", []) + schema.get("anyOf", [])
    for branch in branches:
        if "object" in kinds(branch):
            return branch
    return schema if "object" in kinds(schema) else None


def items_schema(schema: Schema) -> Schema:
    items = schema.get("items")
    if isinstance(items, dict):
        return items
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        if isinstance(branch.get("items"), dict):
            items_: Schema = branch["items"]
            return items_
    return {}


def enum_strings(schema: Schema) -> list[str]:
    values: list[str] = [v for v in schema.get("enum", []) if isinstance(v, str)]
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        values.extend(enum_strings(branch))
    return values


def properties(schema: Schema) -> dict[str, Schema]:
    branch = object_branch(schema)
    if branch is None:
        return {}
    props: dict[str, Schema] = branch.get("properties", {})
    return props


def is_record_list(schema: Schema) -> bool:
    return "array" in kinds(schema) and "object" in kinds(items_schema(schema))


@functools.cache
def top_level() -> frozenset[str]:
    return frozenset(root()["properties"])


@functools.cache
def array_keys() -> frozenset[str]:
    """Top-level keys whose value is a list (N7 keeps ``- item`` lines under them)."""
    return frozenset(k for k, s in root()["properties"].items() if "array" in kinds(s))


@functools.cache
def block_keys() -> frozenset[str]:
    """Top-level keys whose value is a mapping (blocks the prior art read anywhere)."""
    return frozenset(
        k
        for k, s in root()["properties"].items()
        if "object" in kinds(s) and "integer" not in kinds(s)
    )


def default_of(schema: Schema) -> Any:
    """The default a missing key takes: its ``default``, else its sub-keys' defaults."""
    if "default" in schema:
        return copy.deepcopy(schema["default"])
    props = schema.get("properties")
    if props and "null" not in kinds(schema):
        return {k: default_of(s) for k, s in props.items() if _has_default(s)}
    return None


def _has_default(schema: Schema) -> bool:
    return "default" in schema or (
        bool(schema.get("properties")) and "null" not in kinds(schema) and ALIAS not in schema
    )


@functools.cache
def _defaults() -> dict[str, Any]:
    return {
        key: default_of(sub)
        for key, sub in root()["properties"].items()
        if "default" in sub and ALIAS not in sub
    }


def defaults() -> dict[str, Any]:
    """The canonical default document (a fresh copy)."""
    return copy.deepcopy(_defaults())


def schema_at(path: tuple[str | int, ...]) -> Schema | None:
    """The sub-schema for a canonical path (``("hooks", "fail-mode")``, list indices as ints)."""
    schema: Schema | None = root()
    for part in path:
        if schema is None:
            return None
        if isinstance(part, int):
            schema = items_schema(schema)
        else:
            props = properties(schema)
            if part in props:
                schema = props[part]
            else:
                branch = object_branch(schema)
                extra = branch.get("additionalProperties") if branch else None
                schema = extra if isinstance(extra, dict) else None
    return schema


def walk(
    schema: Schema | None = None, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Schema]]:
    """Every named property below ``schema`` (depth first), with its path."""
    for name, sub in properties(schema if schema is not None else root()).items():
        yield (*path, name), sub
        yield from walk(sub, (*path, name))


@functools.cache
def loosening_keys() -> tuple[tuple[str, ...], ...]:
    return tuple(path for path, sub in walk() if LOOSENING in sub)


@functools.cache
def alias_targets() -> dict[str, str]:
    """alias dotted path -> canonical dotted path, for every alias in the schema."""
    return {".".join(path): sub[ALIAS] for path, sub in walk() if ALIAS in sub}
