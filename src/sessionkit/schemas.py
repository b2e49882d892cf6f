"""Loading the packaged JSON Schemas (``schemas/*.schema.json``).

The schemas are the single declaration of every file format. In a wheel they live in
``sessionkit/_schemas``; in a source checkout (editable install) in ``<repo>/schemas``.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

_PACKAGED = os.path.join(os.path.dirname(__file__), "_schemas")
_CHECKOUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "schemas"))


def schema_dir() -> str:
    """The directory holding the ``*.schema.json`` files for this installation."""
    return _PACKAGED if os.path.isdir(_PACKAGED) else _CHECKOUT


def schema_path(name: str) -> str:
    """Path of schema ``name`` (``"session-config"`` or ``"session-config.schema.json"``)."""
    file_name = name if name.endswith(".json") else f"{name}.schema.json"
    return os.path.join(schema_dir(), file_name)


def schema_bytes(name: str) -> bytes:
    with open(schema_path(name), "rb") as f:
        return f.read()


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed schema ``name``; cached, so callers must not mutate it."""
    data: dict[str, Any] = json.loads(schema_bytes(name))
    return data


def validator(name: str) -> Any:
    """A ``jsonschema.Draft202012Validator`` for schema ``name`` (imports jsonschema)."""
    import jsonschema

    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def available() -> list[str]:
    """Names of every packaged schema, without the ``.schema.json`` suffix."""
    return sorted(
        f[: -len(".schema.json")] for f in os.listdir(schema_dir()) if f.endswith(".schema.json")
    )
