"""Cursor adapter: ``beforeShellExecution``, ``preToolUse``, ``afterFileEdit`` (§5.4).

Hot path: standard library only.
"""

from __future__ import annotations

from sessionkit.agents._common import (
    CURSOR_AGENT_TOOLS,
    CURSOR_EDIT_TOOLS,
    CURSOR_READ_TOOLS,
    absolute_dir,
    command_text,
    fallback_cwd,
    is_shell_like,
    text_field,
)
from sessionkit.agents.event import FileChange, HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NAME = "cursor"
EDIT_TOOLS = CURSOR_EDIT_TOOLS
_PATH_KEYS = ("file_path", "path", "target_file", "filePath", "notebook_path")


def parse(payload: dict[str, Any], event: str) -> HookEvent:
    """The normalised event of a Cursor payload."""
    result = HookEvent(NAME, event)
    result.session_id = text_field(payload, "conversation_id")
    result.tool_use_id = text_field(payload, "generation_id")
    result.agent_id = text_field(payload, "agent_id")
    result.agent_type = text_field(payload, "agent_type")
    tool_input = payload.get("tool_input")
    roots = payload.get("workspace_roots")
    first_root = roots[0] if isinstance(roots, list) and roots else None
    result.cwd = (
        absolute_dir(text_field(tool_input, "working_directory"))
        or absolute_dir(text_field(payload, "cwd"))
        or absolute_dir(first_root if isinstance(first_root, str) else None)
        or fallback_cwd()
    )
    if event == "before-shell-execution":
        result.tool_name = "beforeShellExecution"
        result.tool_kind = "shell"
        result.command = command_text(payload.get("command"))
        if result.command is None:
            result.notes.append("beforeShellExecution without a command")
    elif event == "after-file-edit":
        result.tool_name = "afterFileEdit"
        result.tool_kind = "edit"
        _after_edit(result, payload)
    else:
        name = payload.get("tool_name")
        result.tool_name = name if isinstance(name, str) else None
        _pre_tool(result, result.tool_name or "", tool_input)
    return result


def _pre_tool(result: HookEvent, name: str, tool_input: Any) -> None:
    lowered = name.lower()
    if lowered in CURSOR_EDIT_TOOLS:
        result.tool_kind = "edit"
        path = text_field(tool_input, *_PATH_KEYS)
        if path is None:
            result.notes.append(f"{name} call without a recognisable file path")
            return
        assert isinstance(tool_input, dict)
        if lowered == "delete":
            result.changes.append(FileChange(path, "delete"))
            return
        content = tool_input.get("content", tool_input.get("contents"))
        old = tool_input.get("old_string")
        new = tool_input.get("new_string")
        edits = [(old, new if isinstance(new, str) else "", False)] if isinstance(old, str) else []
        result.changes.append(
            FileChange(path, content=content if isinstance(content, str) else None, edits=edits)
        )
    elif lowered in CURSOR_READ_TOOLS:
        result.tool_kind = "read"
    elif lowered in CURSOR_AGENT_TOOLS:
        result.tool_kind = "agent"
    elif name.startswith(("MCP:", "mcp__")):
        result.tool_kind = "mcp"
    elif is_shell_like(name, tool_input):
        result.tool_kind = "shell"
        raw = tool_input.get("command") if isinstance(tool_input, dict) else None
        result.command = command_text(raw)
        if result.command is None:
            result.notes.append(f"{name} call without a command")


def _after_edit(result: HookEvent, payload: dict[str, Any]) -> None:
    path = text_field(payload, *_PATH_KEYS)
    if path is None:
        result.notes.append("afterFileEdit without a file path")
        return
    edits: list[tuple[str, str, bool]] = []
    raw = payload.get("edits")
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict):
            old, new = item.get("old_string"), item.get("new_string")
            edits.append(
                (old if isinstance(old, str) else "", new if isinstance(new, str) else "", False)
            )
    result.changes.append(FileChange(path, edits=edits))
