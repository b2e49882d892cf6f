"""Adapters: payload shapes -> HookEvent fields (§5.2-§5.5), and apply_patch parsing."""

from __future__ import annotations

import os
from pathlib import Path

from sessionkit.agents import claude, codex, cursor
from sessionkit.agents.patch import parse_patch


def test_claude_shapes(tmp_path: Path) -> None:
    base = {
        "session_id": "s",
        "cwd": str(tmp_path),
        "tool_use_id": "t",
        "agent_id": "a",
        "agent_type": "x",
    }
    bash = claude.parse(
        {**base, "tool_name": "Bash", "tool_input": {"command": "ls"}}, "pre-tool-use"
    )
    assert (bash.tool_kind, bash.command, bash.cwd, bash.session_id) == (
        "shell",
        "ls",
        str(tmp_path),
        "s",
    )
    assert (bash.agent_id, bash.agent_type, bash.tool_use_id, bash.phase) == ("a", "x", "t", "pre")
    multi = claude.parse(
        {
            **base,
            "tool_name": "MultiEdit",
            "tool_input": {
                "file_path": "f",
                "edits": [{"old_string": "a", "new_string": "b", "replace_all": True}],
            },
        },
        "pre-tool-use",
    )
    assert multi.tool_kind == "edit"
    assert [(c.path, c.op, c.edits) for c in multi.changes] == [("f", "write", [("a", "b", True)])]
    write = claude.parse(
        {**base, "tool_name": "Write", "tool_input": {"file_path": "n", "content": "c"}},
        "pre-tool-use",
    )
    assert write.changes[0].content == "c"
    note = claude.parse(
        {**base, "tool_name": "NotebookEdit", "tool_input": {"notebook_path": "nb.ipynb"}},
        "pre-tool-use",
    )
    assert note.changes[0].path == "nb.ipynb"
    broken = claude.parse({**base, "tool_name": "Edit", "tool_input": {}}, "pre-tool-use")
    assert broken.changes == [] and broken.notes
    for name, kind in (
        ("Read", "read"),
        ("Task", "agent"),
        ("mcp__x__y", "mcp"),
        ("Zap", "other"),
        ("exec_command", "shell"),
        ("myterminal", "other"),
    ):
        assert (
            claude.parse({**base, "tool_name": name, "tool_input": {}}, "pre-tool-use").tool_kind
            == kind
        )
    relative = claude.parse(
        {"cwd": "sub", "tool_name": "Bash", "tool_input": {"command": "ls"}}, "pre-tool-use"
    )
    assert relative.cwd == os.path.join(os.getcwd(), "sub")


def test_codex_shapes(tmp_path: Path) -> None:
    argv = codex.parse(
        {"cwd": str(tmp_path), "tool_name": "Bash", "tool_input": {"command": ["echo", "a b"]}},
        "pre-tool-use",
    )
    assert argv.command == "echo 'a b'"
    patch = codex.parse(
        {
            "cwd": str(tmp_path),
            "tool_name": "apply_patch",
            "tool_input": {"input": "*** Add File: a\n+x\n"},
        },
        "pre-tool-use",
    )
    assert [(c.path, c.content) for c in patch.changes] == [("a", "x\n")]
    heredoc = codex.parse(
        {
            "cwd": str(tmp_path),
            "tool_name": "shell",
            "tool_input": {
                "command": [
                    "bash",
                    "-lc",
                    "apply_patch <<'EOF'\n*** Begin Patch\n*** Delete File: d\n*** End Patch\nEOF\n",
                ]
            },
        },
        "pre-tool-use",
    )
    assert [(c.path, c.op) for c in heredoc.changes] == [("d", "delete")]
    assert codex.parse({"tool_name": "spawn_agent"}, "pre-tool-use").tool_kind == "agent"


def test_cursor_shapes(tmp_path: Path) -> None:
    common = {"conversation_id": "c", "generation_id": "g", "workspace_roots": [str(tmp_path)]}
    shell = cursor.parse({**common, "command": "ls", "cwd": "/"}, "before-shell-execution")
    assert (shell.tool_kind, shell.command, shell.cwd, shell.session_id, shell.tool_use_id) == (
        "shell",
        "ls",
        "/",
        "c",
        "g",
    )
    tool = cursor.parse(
        {
            **common,
            "tool_name": "Shell",
            "tool_input": {"command": "ls", "working_directory": str(tmp_path / "w")},
        },
        "pre-tool-use",
    )
    assert tool.cwd == str(tmp_path / "w")
    for key in ("file_path", "path", "target_file", "filePath", "notebook_path"):
        edit = cursor.parse(
            {
                **common,
                "tool_name": "StrReplace",
                "tool_input": {key: "p", "old_string": "a", "new_string": "b"},
            },
            "pre-tool-use",
        )
        assert [(c.path, c.edits) for c in edit.changes] == [("p", [("a", "b", False)])]
        assert edit.cwd == str(tmp_path)
    delete = cursor.parse(
        {**common, "tool_name": "delete", "tool_input": {"path": "p"}}, "pre-tool-use"
    )
    assert delete.changes[0].op == "delete"
    after = cursor.parse(
        {**common, "file_path": "f", "edits": [{"old_string": "a", "new_string": "b"}]},
        "after-file-edit",
    )
    assert (after.phase, after.tool_kind, after.changes[0].path) == ("post", "edit", "f")
    assert cursor.parse({**common, "tool_name": "MCP:x"}, "pre-tool-use").tool_kind == "mcp"


def test_patch_headers_move_crlf_and_notes() -> None:
    text = (
        "*** Begin Patch\r\n*** Add File: a.txt\r\n+one\r\n+two\r\n*** Update File: b.py\r\n"
        "*** Move to: c.py\r\n@@\r\n-x\r\n+y\r\n*** Delete File: d\r\n*** End Patch\r\n"
    )
    changes, notes = parse_patch(text)
    assert [(c.path, c.op, c.dest) for c in changes] == [
        ("a.txt", "write", None),
        ("b.py", "move", "c.py"),
        ("d", "delete", None),
    ]
    assert changes[0].content == "one\ntwo\n"
    assert changes[1].edits == [("@@\n-x\n+y", "", False)]
    assert notes == []
    _, notes = parse_patch("+stray\n*** Add File:   \n")
    assert notes == ["patch lines before any file header", "an add header without a path"]
