"""Rendering helpers shared by the command modules."""

from __future__ import annotations

import json
from typing import Any

import click


def echo_json(document: Any) -> None:
    """Print one JSON document (the ``--json`` contract), deterministic key order kept."""
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))
