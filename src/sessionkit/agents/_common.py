"""What every adapter shares: tool-name classification (§5.2-§5.4, §5.2.1) and the payload
fields read the same way (§5.1, §5.5).

Hot path: standard library only. ``_bootstrap`` embeds a copy of the shell and edit name sets
(it must work when this package is broken); a test keeps the copies equal. One module rather
than two: each module on the hook path costs a share of the interpreter's start-up to load.
"""

from __future__ import annotations

import os

from sessionkit.agents.event import HookEvent

# §5.2.1: shell tools under other names, in every harness (compared lower-cased).
SHELL_NAMES = frozenset(
    {
        "bash",
        "shell",
        "terminal",
        "exec_command",
        "local_shell",
        "unified_exec",
        "run_shell_command",
    }
)
SHELL_HINTS = ("bash", "shell", "exec", "terminal")

CLAUDE_EDIT_TOOLS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})
CLAUDE_READ_TOOLS = frozenset({"Read", "Grep", "Glob", "LS", "WebFetch", "WebSearch", "TodoWrite"})
CLAUDE_AGENT_TOOLS = frozenset({"Task", "Agent"})

CODEX_EDIT_TOOLS = frozenset({"apply_patch"})
CODEX_AGENT_TOOLS = frozenset({"spawn_agent"})

# Cursor names are compared lower-cased.
CURSOR_EDIT_TOOLS = frozenset(
    {"write", "edit", "multiedit", "strreplace", "delete", "applypatch", "notebookedit"}
)
CURSOR_READ_TOOLS = frozenset({"read", "grep", "glob", "ls"})
CURSOR_AGENT_TOOLS = frozenset({"task"})

# Union of edit names, lower-cased, for the bootstrap's fallback classification.
EDIT_NAMES = frozenset(
    {name.lower() for name in CLAUDE_EDIT_TOOLS | CODEX_EDIT_TOOLS} | CURSOR_EDIT_TOOLS
)


def is_shell_like(name: str, tool_input: Any) -> bool:
    """Whether a tool is a shell tool by name, or by a ``command`` field and a hinting name."""
    lowered = name.lower()
    if lowered in SHELL_NAMES:
        return True
    if not isinstance(tool_input, dict):
        return False
    command = tool_input.get("command")
    has_command = isinstance(command, str) or (
        isinstance(command, list) and all(isinstance(part, str) for part in command)
    )
    return has_command and any(hint in lowered for hint in SHELL_HINTS)


def command_text(value: Any) -> str | None:
    """A shell command from a string or an argv array (joined with ``shlex.join``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(part, str) for part in value):
        import shlex  # only for argv arrays (§15.3)

        return shlex.join(value)
    return None


def text_field(mapping: Any, *keys: str) -> str | None:
    """The first of ``keys`` whose value in ``mapping`` is a non-empty string."""
    if not isinstance(mapping, dict):
        return None
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, str) and value:
            return value
    return None


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
