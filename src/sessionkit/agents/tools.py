"""Tool-name classification shared by the adapters (§5.2-§5.4, §5.2.1).

Hot path: standard library only. ``_bootstrap`` embeds a copy of the shell and edit name sets
(it must work when this package is broken); a test keeps the copies equal.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
