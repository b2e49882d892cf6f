"""Payload fields every adapter reads the same way (§5.1, §5.5).

Hot path: standard library only.
"""

from __future__ import annotations

import os

from sessionkit.agents.event import HookEvent
from sessionkit.agents.tools import text_field

# Stands in for the process's working directory (``dispatcher.run_payload``).
BASE_DIR: str | None = None

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def new_event(harness: str, event: str, payload: dict[str, Any]) -> HookEvent:
    """A ``HookEvent`` with the identity fields shared by Claude Code and Codex."""
    result = HookEvent(harness, event)
    name = payload.get("tool_name")
    result.tool_name = name if isinstance(name, str) else None
    result.session_id = text_field(payload, "session_id")
    result.agent_id = text_field(payload, "agent_id")
    result.agent_type = text_field(payload, "agent_type")
    result.tool_use_id = text_field(payload, "tool_use_id")
    return result


def absolute_dir(value: str | None) -> str | None:
    """``value`` made absolute against the process's working directory, if given."""
    if not value:
        return None
    return os.path.normpath(os.path.join(fallback_cwd(), os.path.expanduser(value)))


def fallback_cwd() -> str:
    """The process's working directory, then the harnesses' project variables (§5.5)."""
    if BASE_DIR is not None:
        return BASE_DIR
    try:
        return os.getcwd()
    except OSError:
        for name in ("CLAUDE_PROJECT_DIR", "CODEX_PROJECT_DIR", "CURSOR_PROJECT_DIR"):
            value = os.environ.get(name)
            if value and os.path.isabs(value):
                return value
        return os.path.abspath(os.sep)
