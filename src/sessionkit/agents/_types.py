"""The adapter protocol, for type checkers only (never imported at run time)."""

from __future__ import annotations

from typing import Any, Protocol

from sessionkit.agents.event import HookEvent


class Adapter(Protocol):
    """A harness adapter module: payload object -> ``HookEvent`` (§5)."""

    NAME: str

    def parse(self, payload: dict[str, Any], event: str) -> HookEvent:
        """Fill a ``HookEvent`` from ``payload``; never raises for well-formed JSON objects."""
        ...
