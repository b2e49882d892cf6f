"""Codex CLI adapter: shell and ``apply_patch`` payloads -> ``HookEvent`` (§5.3).

Hot path: standard library only.
"""

from __future__ import annotations

from sessionkit.agents._common import (
    CODEX_AGENT_TOOLS,
    CODEX_EDIT_TOOLS,
    absolute_dir,
    command_text,
    fallback_cwd,
    is_shell_like,
    new_event,
    text_field,
)
from sessionkit.agents.patch import parse_patch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sessionkit.agents.event import HookEvent

NAME = "codex"
EDIT_TOOLS = CODEX_EDIT_TOOLS
_PATCH_PROGRAMS = ("apply_patch", "applypatch")


def parse(payload: dict[str, Any], event: str) -> HookEvent:
    """The normalised event of a Codex CLI payload."""
    result = new_event(NAME, event, payload)
    result.cwd = absolute_dir(text_field(payload, "cwd")) or fallback_cwd()
    name = result.tool_name or ""
    tool_input = payload.get("tool_input")
    if name in CODEX_EDIT_TOOLS:
        result.tool_kind = "edit"
        patch = text_field(tool_input, "command", "input", "patch")
        if patch is None and isinstance(tool_input, dict):
            patch = command_text(tool_input.get("command"))
        if patch is None:
            result.notes.append("apply_patch call without patch text")
        else:
            _add_patch(result, patch)
    elif name in CODEX_AGENT_TOOLS:
        result.tool_kind = "agent"
    elif name.startswith("mcp__"):
        result.tool_kind = "mcp"
    elif is_shell_like(name, tool_input):
        result.tool_kind = "shell"
        assert isinstance(tool_input, dict) or name.lower() in ("bash", "shell")
        raw = tool_input.get("command") if isinstance(tool_input, dict) else None
        result.command = command_text(raw)
        if result.command is None:
            result.notes.append(f"{name} call without a command")
        else:
            shell_patch(result, raw)
    return result


def _add_patch(result: HookEvent, patch: str) -> None:
    changes, notes = parse_patch(patch)
    result.changes.extend(changes)
    result.notes.extend(notes)


def shell_patch(result: HookEvent, raw: Any) -> None:
    """``apply_patch`` run through the shell: its patch becomes file changes too (§5.3)."""
    if isinstance(raw, list) and raw and raw[0] in _PATCH_PROGRAMS and len(raw) == 2:
        _add_patch(result, raw[1])
        return
    if isinstance(raw, list) and len(raw) == 3 and raw[1] in ("-lc", "-c"):
        raw = raw[2]
    if not isinstance(raw, str):
        return
    stripped = raw.lstrip()
    if not stripped.startswith(_PATCH_PROGRAMS) or "*** " not in stripped:
        return
    start = stripped.find("*** Begin Patch")
    if start < 0:
        start = stripped.find("*** ")
    _add_patch(result, stripped[start:])
