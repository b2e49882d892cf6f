"""Claude Code adapter: ``PreToolUse`` / ``PostToolUse`` payload -> ``HookEvent`` (§5.2).

Hot path: standard library only.
"""

from __future__ import annotations

from sessionkit.agents._common import (
    CLAUDE_AGENT_TOOLS,
    CLAUDE_EDIT_TOOLS,
    CLAUDE_READ_TOOLS,
    absolute_dir,
    command_text,
    fallback_cwd,
    is_shell_like,
    new_event,
    text_field,
)
from sessionkit.agents.event import FileChange, HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NAME = "claude"
EDIT_TOOLS = CLAUDE_EDIT_TOOLS


def parse(payload: dict[str, Any], event: str) -> HookEvent:
    """The normalised event of a Claude Code payload."""
    result = new_event(NAME, event, payload)
    result.cwd = absolute_dir(text_field(payload, "cwd")) or fallback_cwd()
    fill_tool(result, payload.get("tool_input"))
    return result


def fill_tool(result: HookEvent, tool_input: Any) -> None:
    """Kind, command and changes from Claude-style ``tool_name`` / ``tool_input``."""
    name = result.tool_name or ""
    if name in CLAUDE_EDIT_TOOLS:
        result.tool_kind = "edit"
        change = _edit_change(name, tool_input)
        if change is None:
            result.notes.append(f"{name} call without a file path")
        else:
            result.changes.append(change)
    elif name in CLAUDE_READ_TOOLS:
        result.tool_kind = "read"
    elif name in CLAUDE_AGENT_TOOLS:
        result.tool_kind = "agent"
    elif name.startswith("mcp__"):
        result.tool_kind = "mcp"
    elif is_shell_like(name, tool_input):
        result.tool_kind = "shell"
        command = command_text(tool_input.get("command")) if isinstance(tool_input, dict) else None
        if command is None:
            result.notes.append(f"{name} call without a command")
        result.command = command


def _edit_change(name: str, tool_input: Any) -> FileChange | None:
    if name == "NotebookEdit":
        path = text_field(tool_input, "notebook_path", "file_path")
        return FileChange(path) if path else None
    path = text_field(tool_input, "file_path")
    if path is None:
        return None
    assert isinstance(tool_input, dict)
    if name == "Write":
        content = tool_input.get("content")
        return FileChange(path, content=content if isinstance(content, str) else "")
    edits: list[tuple[str, str, bool]] = []
    raw_edits = tool_input.get("edits") if name == "MultiEdit" else [tool_input]
    for item in raw_edits if isinstance(raw_edits, list) else []:
        if isinstance(item, dict):
            old = item.get("old_string")
            new = item.get("new_string")
            edits.append(
                (
                    old if isinstance(old, str) else "",
                    new if isinstance(new, str) else "",
                    item.get("replace_all") is True,
                )
            )
    return FileChange(path, edits=edits)
